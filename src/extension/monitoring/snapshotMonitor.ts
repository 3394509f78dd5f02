// While connected: takes a snapshot every `pgopt.monitoring.intervalMinutes` (0 = off; per connection off
// via pgopt.monitoring.disabledConnections), stores it in the extension's global storage, compacts hourly,
// evaluates the alert rules (pgopt.json "monitoring.alerts", else the defaults) and notifies once per
// episode; drives the status-bar health item. Lives in the heavy bundle: the store's SQLite is opened on
// the first snapshot only.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { alertRulesOf, parseMonitoringSettings, type MonitoringSettings } from '../../core/config';
import { CancelledError } from '../../core/db/session';
import { evaluateAlerts, type AlertState } from '../../core/metrics/alerts';
import { collectSnapshot, type Snapshot } from '../../core/metrics/snapshot';
import { openSqliteSnapshotStore, snapshotStorePath } from '../../core/metrics/sqliteSnapshotStore';
import { HOUR_MS, type SnapshotStore } from '../../core/metrics/snapshotStore';
import type { Trends } from '../../core/metrics/trends';
import type { SnapshotSource } from '../../core/analyzers/analyzer';
import { storedTrends } from '../../core/analyzers/snapshots/snapshotAnalyzers';
import { storedHistory } from '../../core/report/runReport';
import type { Report } from '../../core/report/model';
import type { ActiveAlert } from '../../core/metrics/alerts';
import { selectConnection } from '../commands/connectionCommands';
import type { ActiveConnection, ConnectionManager } from '../connectionManager';
import { log } from '../log';
import { PGOPT_FILE_NAME } from '../sqlDocuments';
import { HealthStatusItem } from './healthStatusItem';

export class SnapshotMonitor implements vscode.Disposable {
  private static current: SnapshotMonitor | undefined;
  private store: SnapshotStore | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<Snapshot | undefined> | undefined;
  private readonly alertState = new Map<string, AlertState>();
  /** Per connection: the latest alerts and report, so the health item judges both (verdict.ts). */
  private readonly lastAlerts = new Map<string, { active: ActiveAlert[]; takenAt: string }>();
  private readonly lastReport = new Map<string, Pick<Report, 'generatedAt' | 'sections'>>();
  private lastCompactMs = 0;
  private readonly health = new HealthStatusItem();
  private readonly disposables: vscode.Disposable[] = [];

  static get instance(): SnapshotMonitor | undefined {
    return SnapshotMonitor.current;
  }

  constructor(
    private readonly storageDir: string,
    private readonly manager: ConnectionManager,
  ) {
    SnapshotMonitor.current = this;
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
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder && vscode.workspace.isTrusted) {
      try {
        const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, PGOPT_FILE_NAME)));
        const m = (JSON.parse(text) as { monitoring?: unknown }).monitoring;
        if (m && typeof m === 'object') raw = { ...(m as Record<string, unknown>) };
      } catch {
        // no or unreadable pgopt.json: the lint host reports its problems
      }
    }
    const cfg = vscode.workspace.getConfiguration('pgopt.monitoring');
    // Only values the user set override pgopt.json (a setting's default always "exists").
    const set = <T>(key: string): T | undefined => {
      const i = cfg.inspect<T>(key);
      return i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
    };
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
          this.store ??= openSqliteSnapshotStore(this.storeFile);
          const { bytes } = this.store.add(active.name, snap);
          // abs(): a server clock stepped back must not postpone compaction until it catches up again.
          if (Math.abs(snap.takenAtMs - this.lastCompactMs) >= HOUR_MS) {
            const c = this.store.compact(settings.retention);
            this.lastCompactMs = snap.takenAtMs;
            log.info(`snapshot store compacted: ${c.rawPointsRolledUp} raw points rolled up, ${c.rawSnapshotsDeleted} snapshots and ${c.rollupsDeleted} rollups dropped`);
          }
          this.evaluate(active.name, snap, settings);
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

  private evaluate(connection: string, snap: Snapshot, settings: MonitoringSettings): void {
    const r = evaluateAlerts(alertRulesOf(settings), snap.metrics, snap.takenAtMs, this.alertState.get(connection));
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

  /** This connection's stored snapshots, for the report's snapshot sections (Trends, What got slower). */
  snapshotSource(connection: string): SnapshotSource | undefined {
    const store = this.openStore();
    return store ? { store, connection } : undefined;
  }

  /** Trend series of a connection over every range, for the webview's charts; empty when nothing is stored yet. */
  trends(connection: string): Trends[] {
    const source = this.snapshotSource(connection);
    return source ? storedTrends(source) : [];
  }

  /** The newest stored snapshots of a connection, oldest first (the table page's growth checks). */
  history(connection: string): Snapshot[] {
    const source = this.snapshotSource(connection);
    return source ? storedHistory(source) : [];
  }

  private openStore(): SnapshotStore | undefined {
    if (!this.store) {
      try {
        this.store = openSqliteSnapshotStore(this.storeFile);
      } catch (e) {
        log.error('cannot open the snapshot store', e);
        return undefined;
      }
    }
    return this.store;
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    SnapshotMonitor.current = undefined;
    this.health.dispose();
    this.store?.close();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

export function monitorStorageDir(globalStoragePath: string): string {
  return join(globalStoragePath, 'monitoring');
}

/** The monitor of this window, created on the first connection (or the first Take Snapshot). */
export function ensureMonitor(globalStoragePath: string, manager: ConnectionManager): SnapshotMonitor {
  return SnapshotMonitor.instance ?? new SnapshotMonitor(monitorStorageDir(globalStoragePath), manager);
}

/** The Take Snapshot command: connects first when needed, then one cancellable snapshot. */
export async function takeSnapshotCommand(globalStoragePath: string, manager: ConnectionManager): Promise<Snapshot | undefined> {
  if (!manager.current && !(await selectConnection(manager))?.ok) return undefined;
  return ensureMonitor(globalStoragePath, manager).take({ interactive: true });
}
