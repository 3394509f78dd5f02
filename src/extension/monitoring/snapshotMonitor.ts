// While connected: takes a snapshot every `pgopt.monitoring.intervalMinutes` (0 = off; per connection off
// via pgopt.monitoring.disabledConnections), stores it in the extension's global storage — or in the
// team's shared store when pgopt.monitoring.store is a postgres:// URL — compacts hourly, evaluates the
// alert rules (pgopt.json "monitoring.alerts", else the defaults) and notifies once per episode; drives the
// status-bar health item. With the shared store the episode state is the stored one, so a window reload
// continues an open episode. Lives in the heavy bundle: the store is opened on first use only.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { alertRulesOf, parseMonitoringSettings, type MonitoringSettings } from '../../core/config';
import { CancelledError } from '../../core/db/session';
import { evaluateAlerts, type AlertEvaluation, type AlertState } from '../../core/metrics/alerts';
import { collectSnapshot, type Snapshot } from '../../core/metrics/snapshot';
import { snapshotStorePath } from '../../core/metrics/sqliteSnapshotStore';
import { HOUR_MS, type SnapshotStore } from '../../core/metrics/snapshotStore';
import { openHistoryStore, type HistoryStore } from '../../core/metrics/historyStore';
import { nodeEnvAccess } from '../../core/db/envAccess';
import type { Trends } from '../../core/metrics/trends';
import { DEFAULT_SINCE_HOURS } from '../../core/metrics/queryDeltasSection';
import type { SnapshotSource } from '../../core/analyzers/analyzer';
import { storedTrends } from '../../core/analyzers/snapshots/snapshotAnalyzers';
import { storedHistory } from '../../core/report/runReport';
import type { Report } from '../../core/report/model';
import type { ActiveAlert } from '../../core/metrics/alerts';
import type { ActiveConnection, ConnectionManager } from '../connectionManager';
import { log } from '../log';
import { PGOPT_FILE_NAME } from '../sqlDocuments';
import type { Slot } from '../slot';
import { loadFolderProject } from '../projectModel';
import { explicitSetting, pgoptSetting } from '../settings';
import { HealthStatusItem } from './healthStatusItem';

export class SnapshotMonitor implements vscode.Disposable {
  private store: Promise<HistoryStore> | undefined;
  /** Where `store` was opened (the setting's value, '' = the local file): a changed setting reopens. */
  private storeLocation: string | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<Snapshot | undefined> | undefined;
  private readonly alertState = new Map<string, AlertState>();
  /** Per connection: the latest alerts and report, so the health item judges both (verdict.ts). */
  private readonly lastAlerts = new Map<string, { active: ActiveAlert[]; takenAt: string }>();
  private readonly lastReport = new Map<string, Pick<Report, 'generatedAt' | 'sections'>>();
  private lastCompactMs = 0;
  private readonly health = new HealthStatusItem();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly storageDir: string,
    private readonly manager: ConnectionManager,
  ) {
    manager.onDidChange(() => void this.reschedule(), this, this.disposables);
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('pgopt.monitoring') && void this.reschedule(), this, this.disposables);
    void this.reschedule();
  }

  get storeFile(): string {
    return snapshotStorePath(this.storageDir);
  }

  /** pgopt.json "monitoring" of the first workspace folder, with the editor settings on top. */
  async settings(): Promise<MonitoringSettings> {
    let raw: Record<string, unknown> = {};
    if (vscode.workspace.isTrusted) {
      // Problems of pgopt.json are the lint host's to show; a bad "monitoring" section is validated below.
      const m = (await loadFolderProject(vscode.workspace.workspaceFolders?.[0])).config.monitoring;
      if (m && typeof m === 'object' && !Array.isArray(m)) raw = { ...(m as Record<string, unknown>) };
    }
    // Only values the user set override pgopt.json (a setting's default always "exists").
    const set = <T>(key: string): T | undefined => explicitSetting<T>(`monitoring.${key}`);
    const interval = set<number>('intervalMinutes');
    const disabled = set<string[]>('disabledConnections');
    if (interval !== undefined) raw.intervalMinutes = interval;
    if (disabled !== undefined) raw.disabledConnections = [...((raw.disabledConnections as string[] | undefined) ?? []), ...disabled];
    const { settings, problems } = parseMonitoringSettings(raw, 'monitoring');
    if (problems.length) log.warn(`monitoring settings: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    return settings;
  }

  private async reschedule(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const active = this.manager.current;
    if (!active) {
      this.health.hide();
      return;
    }
    const s = await this.settings();
    if (s.intervalMinutes <= 0 || s.disabledConnections.includes(active.name)) {
      this.health.hide();
      return;
    }
    this.health.showPending(active.name);
    this.timer = setInterval(() => void this.take({ interactive: false }), s.intervalMinutes * 60_000);
    void this.take({ interactive: false });
  }

  /** One snapshot now. Interactive: a cancellable notification; scheduled: a quiet status-bar progress. */
  take(opts: { interactive: boolean }): Promise<Snapshot | undefined> {
    if (this.running) return this.running;
    const active = this.manager.current;
    if (!active) {
      if (opts.interactive) void vscode.window.showWarningMessage('Postgres Optimizer: connect to a database first.');
      return Promise.resolve(undefined);
    }
    this.running = this.run(active, opts.interactive).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(active: ActiveConnection, interactive: boolean): Promise<Snapshot | undefined> {
    return vscode.window.withProgress(
      {
        location: interactive ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
        title: `Snapshot of ${active.name}`,
        cancellable: interactive,
      },
      async (_progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          const settings = await this.settings();
          const snap = await collectSnapshot(active.session, {
            caps: active.caps,
            signal: controller.signal,
            topStatements: settings.topStatements,
            topRelations: settings.topRelations,
          });
          const store = await this.openStore();
          // Both stores evaluate the rules against their stored episodes (the shared one in the snapshot's
          // transaction), so an open episode continues across a window reload instead of starting again.
          const added = await store.add(active.name, snap, { alertRules: alertRulesOf(settings) });
          const { bytes } = added;
          // abs(): a server clock stepped back must not postpone compaction until it catches up again.
          if (Math.abs(snap.takenAtMs - this.lastCompactMs) >= HOUR_MS) {
            const c = await store.compact(settings.retention);
            this.lastCompactMs = snap.takenAtMs;
            log.info(`snapshot store compacted: ${c.rawPointsRolledUp} raw points rolled up, ${c.rawSnapshotsDeleted} snapshots and ${c.rollupsDeleted} rollups dropped`);
          }
          this.evaluate(active.name, snap, settings, added.alerts);
          log.info(`snapshot of ${active.name}: ${snap.durationMs} ms, ${bytes} bytes`);
          if (interactive) void vscode.window.showInformationMessage(`Snapshot of ${active.name} taken in ${snap.durationMs} ms.`);
          return snap;
        } catch (e) {
          if (e instanceof CancelledError) return undefined;
          log.error(`snapshot of ${active.name} failed`, e);
          if (interactive) void vscode.window.showErrorMessage(`Postgres Optimizer: snapshot failed: ${(e as Error).message}`);
          return undefined;
        } finally {
          sub.dispose();
        }
      },
    );
  }

  private evaluate(connection: string, snap: Snapshot, settings: MonitoringSettings, stored?: AlertEvaluation): void {
    const r = stored ?? evaluateAlerts(alertRulesOf(settings), snap.metrics, snap.takenAtMs, this.alertState.get(connection));
    this.alertState.set(connection, r.state);
    for (const e of r.events) {
      const text = `Postgres Optimizer (${connection}): ${e.message}`;
      if (e.kind === 'cleared') {
        log.info(`alert cleared: ${text}`);
        continue;
      }
      log.warn(`alert: ${text}`);
      const show = e.rule.severity === 'error' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
      void show(text, 'Show Report').then((pick) => pick && vscode.commands.executeCommand('pgopt.showHealthReport'));
    }
    this.lastAlerts.set(connection, { active: r.active, takenAt: snap.takenAt });
    this.health.show(connection, r.active, snap.takenAt, this.lastReport.get(connection));
  }

  /** A report of this connection was built (report panel, Run Analysis): the health item judges it too. */
  noteReport(connection: string, report: Pick<Report, 'generatedAt' | 'sections'>): void {
    this.lastReport.set(connection, { generatedAt: report.generatedAt, sections: report.sections });
    const alerts = this.lastAlerts.get(connection);
    if (alerts && this.manager.current?.name === connection) this.health.show(connection, alerts.active, alerts.takenAt, report);
  }

  /** This connection's stored snapshots (one consistent read view, with the baseline of the last 24 h), for
   * the report's snapshot sections (Trends, What got slower); undefined when the store cannot be read. */
  async snapshotSource(connection: string): Promise<SnapshotSource | undefined> {
    const store = await this.view(connection, DEFAULT_SINCE_HOURS);
    return store ? { store, connection } : undefined;
  }

  /** Trend series of a connection over every range, for the webview's charts; empty when nothing is stored yet. */
  async trends(connection: string): Promise<Trends[]> {
    const source = await this.snapshotSource(connection);
    return source ? storedTrends(source) : [];
  }

  /** The newest stored snapshots of a connection, oldest first (the table page's growth checks). */
  async history(connection: string): Promise<Snapshot[]> {
    const source = await this.snapshotSource(connection);
    return source ? storedHistory(source) : [];
  }

  /** A read view of one connection's history; undefined (logged) when the store cannot be read. */
  private async view(connection: string, sinceHours?: number): Promise<SnapshotStore | undefined> {
    try {
      const store = await this.openStore();
      return await store.view(connection, sinceHours === undefined ? {} : { baselineFrom: (newest) => newest - sinceHours * HOUR_MS });
    } catch (e) {
      log.error('cannot read the snapshot store', e);
      return undefined;
    }
  }

  /** The local file, or the shared store named by pgopt.monitoring.store (reopened when the setting changes). */
  private openStore(): Promise<HistoryStore> {
    const location = (pgoptSetting<string>('monitoring.store') ?? '').trim();
    if (this.store && this.storeLocation === location) return this.store;
    const old = this.store;
    this.storeLocation = location;
    // One open at a time (a snapshot and a report may ask together); a failed open is retried next time.
    const opening = (async () => {
      await (await old?.catch(() => undefined))?.close();
      const store = await openHistoryStore(location === '' ? this.storeFile : location, { create: true, access: nodeEnvAccess(), source: 'pgopt.monitoring.store' });
      if (location !== '') log.info(`snapshot store: ${store.label} (shared, schema pgopt)`);
      return store;
    })();
    this.store = opening;
    opening.catch(() => {
      if (this.store === opening) this.store = undefined;
    });
    return opening;
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.health.dispose();
    void this.store?.then((st) => st.close()).catch(() => undefined);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

export function monitorStorageDir(globalStoragePath: string): string {
  return join(globalStoragePath, 'monitoring');
}

/** Where the window's monitor lives (the extension context, ctx.ts, satisfies this). */
export interface MonitorHost {
  readonly globalStorageUri: vscode.Uri;
  readonly manager: ConnectionManager;
  readonly monitor: Slot<SnapshotMonitor>;
}

/** The monitor of this window, created on the first connection (or the first Take Snapshot). */
export function ensureMonitor(host: MonitorHost): SnapshotMonitor {
  return host.monitor.value ?? host.monitor.set(new SnapshotMonitor(monitorStorageDir(host.globalStorageUri.fsPath), host.manager));
}

/** The Take Snapshot command (the command table connects first): one cancellable snapshot. */
export async function takeSnapshotCommand(host: MonitorHost): Promise<Snapshot | undefined> {
  return ensureMonitor(host).take({ interactive: true });
}
