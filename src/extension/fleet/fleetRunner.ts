// Refresh Fleet: every configured database (or the ones named) analysed at once through the core fleet
// runner (bounded concurrency, a per-target timeout, one failure never stopping the others), each in its own
// read-only session — the active connection is neither used nor changed. A cancellable progress
// notification counts them down; the Fleet view re-ranks as each one finishes.
import * as vscode from 'vscode';
import { ConnectError } from '../../core/db/connect';
import { ConnectionConfigError, resolveConnection } from '../../core/db/connectionSpec';
import { nodeEnvAccess } from '../../core/db/envAccess';
import { DbSession } from '../../core/db/session';
import { fleetViewTargets, oneSentence, type FleetEntryState, type FleetResultState, type FleetViewTarget } from '../../core/fleet/fleetView';
import { DEFAULT_CONCURRENCY, DEFAULT_TARGET_TIMEOUT_S, runFleet } from '../../core/fleet/runFleet';
import { reportVerdict } from '../../core/fleet/verdict';
import type { Report } from '../../core/report/model';
import { runReport } from '../../core/report/runReport';
import type { ConnectionManager } from '../connectionManager';
import { log } from '../log';
import { workspaceProject } from '../projectModel';
import { loadAnalysisConfig } from '../workspacePgoptFile';
import type { WithheldSetting } from '../../core/project/workspaceTrust';
import { pgoptSetting } from '../settings';
import { readSettings, type ExtensionSettings } from '../typedSettings';
import type { PgoptFile } from '../../core/config';
import type { FleetModel } from './fleetModel';

/** What Refresh Fleet needs from the extension's context (ctx.ts satisfies it). */
export interface FleetHost {
  readonly fleet: FleetModel;
  /** For the passwords kept in secret storage, never for its session. */
  readonly manager: ConnectionManager;
}

/** The databases of the Fleet view: the connection settings, then pgopt.json "fleet" (trusted workspaces only). */
export async function loadFleetTargets(): Promise<{ targets: FleetViewTarget[]; notes: string[] }> {
  const project = await workspaceProject();
  return fleetViewTargets(readSettings().connections, project.config.fleet, { trusted: vscode.workspace.isTrusted });
}

function positiveSetting(key: string, fallback: number): number {
  const v = Number(pgoptSetting(key) ?? fallback);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** A connect failure as the Fleet view says it: what happened and, for a password, where the editor finds one. */
function connectMessage(e: ConnectError): string {
  if (e.needsPassword) return `${e.reason.replace(/\.$/, '')}: connect to it once with "Select Connection" (the password is kept in secret storage) or put it in ~/.pgpass.`;
  return e.reason;
}

async function analyzeTarget(host: FleetHost, target: FleetViewTarget, signal: AbortSignal, run: { connectTimeoutMs: number; config: PgoptFile; withheld: WithheldSetting[]; settings: ExtensionSettings }): Promise<Report> {
  const { connectTimeoutMs, config, withheld, settings } = run;
  let spec;
  try {
    spec = resolveConnection(target.setting, nodeEnvAccess(), target.source === 'settings' ? 'settings' : 'pgopt.json fleet');
  } catch (e) {
    if (e instanceof ConnectionConfigError) throw new Error(e.message);
    throw e;
  }
  const password = await host.manager.storedPassword(spec);
  let session: DbSession;
  try {
    session = await DbSession.open(spec, { connectTimeoutMs, analysis: settings.analysis, ...(password !== undefined ? { password } : {}) });
  } catch (e) {
    if (e instanceof ConnectError) throw new Error(connectMessage(e));
    throw e;
  }
  try {
    if (signal.aborted) throw new Error('cancelled');
    // The database sections only (no stored snapshots), read-only, as pgopt analyze --fleet runs them.
    return await runReport(session, { config, withheld, signal });
  } finally {
    await session.close();
  }
}

/**
 * Analyses the named databases (default: all) with a cancellable progress notification. Resolves when every
 * one has a new result, or when cancelled (the unfinished ones keep their previous result).
 */
export function refreshFleet(host: FleetHost, names?: readonly string[]): Promise<void> {
  const fleet = host.fleet;
  if (fleet.running) return fleet.running;
  fleet.running = run(host, names).finally(() => {
    fleet.running = undefined;
  });
  return fleet.running;
}

async function run(host: FleetHost, names: readonly string[] | undefined): Promise<void> {
  const fleet = host.fleet;
  await fleet.load();
  const targets = fleet.targets.filter((t) => !names || names.includes(t.name));
  if (targets.length === 0) {
    if (!names) void vscode.window.showInformationMessage('Postgres Optimizer: the fleet is empty. Add connections (Add Connection) or a "fleet" list to pgopt.json.');
    return;
  }
  const concurrency = Math.floor(positiveSetting('fleet.concurrency', DEFAULT_CONCURRENCY));
  const targetTimeoutS = positiveSetting('fleet.targetTimeoutSeconds', DEFAULT_TARGET_TIMEOUT_S);
  const settings = readSettings();
  // A connect attempt never outlives its target's budget.
  const connectTimeoutMs = Math.min(settings.connectTimeoutMs, (targetTimeoutS + 1) * 1000);
  // One read of the workspace pgopt.json (analyzer settings, pooler.url) for every database of this refresh; in an
  // untrusted workspace without its hosts (pooler.url: the pgopt.pooler.url setting decides).
  const { config, withheld } = await loadAnalysisConfig();
  const previous = new Map<string, FleetResultState | undefined>();
  for (const t of targets) {
    const s = fleet.state(t.name);
    previous.set(t.name, s?.kind === 'running' ? s.previous : s?.kind === 'idle' ? undefined : s);
  }
  const restore = (name: string): void => {
    const p = previous.get(name);
    fleet.setState(name, p ?? { kind: 'idle' });
  };
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: targets.length === 1 ? `Analyzing ${targets[0]?.name ?? ''}` : `Refresh Fleet (${targets.length} databases)`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      let done = 0;
      try {
        await runFleet(targets, (t, signal) => analyzeTarget(host, t, signal, { connectTimeoutMs, config, withheld, settings }), {
          concurrency,
          timeoutMs: targetTimeoutS * 1000,
          timeoutHint: 'raise pgopt.fleet.targetTimeoutSeconds',
          signal: controller.signal,
          onStart: (i) => {
            const t = targets[i];
            if (!t) return;
            const p = previous.get(t.name);
            fleet.setState(t.name, { kind: 'running', ...(p ? { previous: p } : {}) });
          },
          onFinish: (i, o) => {
            const t = targets[i];
            if (!t) return;
            done++;
            if (controller.signal.aborted && !o.ok) {
              restore(t.name);
              return;
            }
            let state: FleetEntryState;
            if (o.ok) {
              const report = o.value as Report;
              state = { kind: 'done', report, durationMs: o.durationMs };
              log.info(`fleet: ${t.name} ${reportVerdict(report)} (${report.summary.errors} errors, ${report.summary.warnings} warnings, ${(o.durationMs / 1000).toFixed(1)} s)`);
            } else {
              state = { kind: 'failed', error: oneSentence(o.error), timedOut: o.timedOut, durationMs: o.durationMs };
              log.warn(`fleet: ${t.name} not examined: ${o.error}`);
            }
            fleet.setState(t.name, state);
            progress.report({ increment: 100 / targets.length, message: `${done} of ${targets.length} — ${t.name}: ${o.ok ? reportVerdict(o.value as Report) : 'not reached'}` });
          },
        });
      } finally {
        sub.dispose();
        // Cancelled before they started (or while running): back to what they showed before.
        for (const t of targets) if (fleet.state(t.name)?.kind === 'running') restore(t.name);
      }
    },
  );
}

/** A Fleet database to open: its name, or an object that has one (a Fleet view node). */
export type FleetDatabaseArg = string | { name: string };

/** The name a command argument designates, or the user's pick among the Fleet's databases. */
export async function pickFleetDatabase(fleet: FleetModel, arg?: FleetDatabaseArg): Promise<string | undefined> {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null && typeof (arg as { name?: unknown }).name === 'string') return (arg as { name: string }).name;
  await fleet.load();
  const pick = await vscode.window.showQuickPick(
    fleet.rows.map((r) => ({ label: r.name, description: r.verdict ?? 'not analyzed yet', detail: r.description })),
    { title: 'Postgres Optimizer: Open Fleet Report', placeHolder: 'The report of…' },
  );
  return pick?.label;
}
