// "Trace Pending Migrations (Dry Run)": runs the pending migrations statement by statement inside one
// transaction that is always rolled back — on a scratch database created on the server named by
// pgopt.migrations.scratchUrl (schema copied with pg_dump), or, after an explicit modal consent, on the
// connected database itself (a write under the access policy, trace-on-target, recorded in the audit log) —
// and shows per statement the locks taken, what they block, rewrites and catalog changes in a read-only
// webview (the report renderer, no scripts).
import * as vscode from 'vscode';
import { resolveUrl, type ConnectionSpec } from '../../core/db/connectionSpec';
import { nodeEnvAccess } from '../../core/db/envAccess';
import { runMigrationTrace } from '../../core/migrations/trace/run';
import { traceReportSection } from '../../core/migrations/trace/render';
import { traceAuditFields, traceOutcome } from '../../core/migrations/trace/audit';
import type { TraceResult, TraceWhere } from '../../core/migrations/trace/types';
import { audited } from '../../core/audit';
import { summarize, type Report } from '../../core/report/model';
import { renderReportHtml } from '../../core/report/renderHtml';
import { TOOL_VERSION } from '../../core/version';
import type { ConnectionManager } from '../connectionManager';
import { log } from '../log';
import { loadMigrationsState } from './migrationsActions';
import { pgoptSetting } from '../settings';
import { auditBase, editorAuditSink, guardWrite } from '../writeGuard';

export interface TraceCommandOptions {
  /** Tests: skip the pickers. 'target' still means the user consented. */
  where?: 'scratch' | 'target';
  /** The database name typed in advance for a production connection (tests, scripted use). */
  confirmDatabase?: string;
}

export async function traceMigrationsCommand(manager: ConnectionManager, storage: vscode.Uri, opts: TraceCommandOptions = {}): Promise<TraceResult | undefined> {
  const active = manager.current;
  if (!active) throw new Error('not connected: select a connection first');
  const state = await loadMigrationsState(manager, { lint: false });
  if (!state.status) throw new Error(state.message ?? 'no migrations found');
  const todo = state.status.entries.filter((e) => (e.state === 'pending' || e.state === 'failed') && e.migration);
  if (todo.length === 0) {
    void vscode.window.showInformationMessage('Nothing to trace: no pending migrations.');
    return undefined;
  }
  const scratchUrl = pgoptSetting<string>('migrations.scratchUrl')?.trim() || process.env.PGOPT_SCRATCH_URL;
  let where = opts.where;
  if (!where) {
    const items: (vscode.QuickPickItem & { value: 'scratch' | 'target' })[] = [];
    if (scratchUrl) items.push({ label: 'On a scratch database', description: 'a temporary database on the scratch server, with the schema copied', value: 'scratch' });
    items.push({ label: `On "${active.name}" in a transaction that is rolled back`, description: 'its locks are real while the trace runs', value: 'target' });
    const pick = await vscode.window.showQuickPick(items, {
      title: `Trace ${todo.length} pending migration${todo.length === 1 ? '' : 's'}`,
      placeHolder: scratchUrl ? 'Where should the dry run happen?' : 'Set pgopt.migrations.scratchUrl to trace on a scratch database instead',
    });
    if (!pick) return undefined;
    where = pick.value;
  }
  if (where === 'target') {
    // A write under the access policy: the core's checkWrite decides (read-only, allow list, production name).
    if (!(await guardWrite(active, 'trace-on-target', opts.confirmDatabase !== undefined ? { confirmDatabase: opts.confirmDatabase } : {}))) return undefined;
    if (!opts.where) {
      const go = 'Trace on the Target';
      const ok = await vscode.window.showWarningMessage(
        `Run ${todo.length} pending migration${todo.length === 1 ? '' : 's'} on "${active.name}" inside a transaction that is rolled back?`,
        { modal: true, detail: 'Nothing is kept, but while the trace runs its locks are real (each statement waits at most 1 s for a lock) and sequence values it uses are not given back.' },
        go,
      );
      if (ok !== go) return undefined;
    }
  }
  let traceWhere: TraceWhere;
  let scratchServer: ConnectionSpec | undefined;
  if (where === 'scratch') {
    if (!scratchUrl) throw new Error('set pgopt.migrations.scratchUrl (a server where a temporary database may be created) to trace on a scratch database');
    scratchServer = resolveUrl(scratchUrl, nodeEnvAccess(), 'scratch', 'pgopt.migrations.scratchUrl');
    traceWhere = { kind: 'scratch-url', url: scratchUrl };
  } else traceWhere = { kind: 'target', consent: true };

  const migrations = todo.map((e) => ({ version: e.version, name: e.name, sql: e.migration?.upSql ?? '' }));
  log.info(`trace of ${migrations.length} migration(s) on ${where === 'target' ? active.name : 'a scratch database'}`);
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Tracing migrations', cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    const trace = (): Promise<TraceResult> =>
      runMigrationTrace({
        target: active.session.spec,
        migrations,
        where: traceWhere,
        ...(scratchServer ? { scratchServer } : {}),
        timeouts: { lockTimeoutMs: where === 'target' ? 1000 : 5000, statementTimeoutMs: 60_000 },
        signal: controller.signal,
        onProgress: (m) => progress.report({ message: m }),
      });
    try {
      return where === 'target' ? await audited(editorAuditSink(storage), { ...auditBase(active, 'trace-on-target', ''), ...traceAuditFields(migrations) }, trace, traceOutcome) : await trace();
    } finally {
      sub.dispose();
    }
  });
  showTrace(result, active.name, active.caps.serverVersion, active.caps.database, active.session.spec.name);
  return result;
}

function showTrace(result: TraceResult, connection: string, serverVersion: string, database: string, target: string): void {
  const section = traceReportSection(result);
  const report: Report = {
    schemaVersion: 1,
    title: `Migration lock trace — ${connection}`,
    generatedAt: new Date().toISOString(),
    tool: { name: 'pgopt', version: TOOL_VERSION },
    connection: { name: connection, target, serverVersion, database },
    capabilities: [],
    sections: [section],
    summary: summarize([section]),
  };
  const panel = vscode.window.createWebviewPanel('pgopt.trace', 'Migration Lock Trace', vscode.ViewColumn.Active, { enableScripts: false, localResourceRoots: [] });
  // The exported-report HTML: self-contained, everything escaped, no scripts; the CSP allows only its inline styles.
  const csp = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:;">`;
  panel.webview.html = renderReportHtml(report).replace(/<head>/i, `<head>${csp}`);
}
