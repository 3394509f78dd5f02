// What the user can do from a finding: run the analysis, copy its SQL, write it as a migration file
// (reviewed, committed, applied by their migration tool), or apply it now on the connected database
// (asks first, shows exactly what runs where, runs on its own connection, logged, cancellable).
import * as vscode from 'vscode';
import { applyStatements, needsAutocommit, statementsOf } from '../../core/db/applyStatements';
import { CancelledError } from '../../core/db/session';
import { audited } from '../../core/audit';
import { auditBase, editorAuditSink, guardWrite } from '../writeGuard';
import { findMigrationsDir, resolveMigrationLayout } from '../../core/migrations/layout';
import { draftMigration, draftSqlMigration, writeMigrationDraft } from '../../core/migrations/writer';
import { actionsSql, type FindingAction } from '../../core/report/actions';
import { migrationLayoutRequest } from '../migrations/migrationsActions';
import type { Report, ReportFinding } from '../../core/report/model';
import type { ConnectionManager } from '../connectionManager';
import { log } from '../log';
import { loadParser } from '../../core/sql/parser';
import type { AnalysisResults } from './analysisResults';
import type { SnapshotMonitor } from '../monitoring/snapshotMonitor';
import type { Slot } from '../slot';
import { analyzeConnection } from './analyzeConnection';
import { rowQuery, type AnalysisNode } from '../views/analysisTree';
import type { ConfirmOptions } from '../writeGuard';

/** What Run Analysis uses from the extension's context (ctx.ts satisfies this). */
export interface AnalysisHost {
  readonly manager: ConnectionManager;
  /** Where the report is published to every view. */
  readonly analysis: AnalysisResults;
  readonly monitor: Slot<SnapshotMonitor>;
}
import { pgoptSetting } from '../settings';

/** Runs every analyzer with a cancellable progress notification and publishes the report to every view. */
export async function runAnalysis(host: AnalysisHost, storage?: vscode.Uri): Promise<Report | undefined> {
  const active = host.manager.current;
  if (!active) {
    void vscode.window.showWarningMessage('Postgres Optimizer: not connected. Select a connection first.', 'Select Connection').then((p) => p && vscode.commands.executeCommand('pgopt.selectConnection'));
    return undefined;
  }
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Analyzing ${active.name}`, cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    try {
      // pgopt.audit.analysisRuns: analysis runs are recorded too (read-only, so only when asked).
      const sink = storage && pgoptSetting<boolean>('audit.analysisRuns') ? editorAuditSink(storage) : undefined;
      const report = await audited(sink, auditBase(active, 'analysis', '-- read-only analysis (every section)'), () => analyzeConnection(active, { monitor: host.monitor.value, signal: controller.signal, onProgress: (message) => progress.report({ message }) }), () => ({ ok: true }));
      host.analysis.set(report);
      log.info(`analysis of ${active.name}: ${report.summary.errors} errors, ${report.summary.warnings} warnings, ${report.summary.infos} infos`);
      return report;
    } catch (e) {
      if (e instanceof CancelledError) {
        log.info('analysis cancelled');
        return undefined;
      }
      throw e;
    } finally {
      sub.dispose();
    }
  });
}

/** What a finding or a report row proposes: its typed actions (when it has some) and the SQL to show. */
interface NodeSql {
  sql: string;
  actions: FindingAction[];
  title: string;
  source: string;
}

function findingSql(f: ReportFinding): NodeSql | undefined {
  const actions = f.actions ?? [];
  const sql = f.sql ?? (actions.length ? actionsSql(actions) : undefined);
  return sql ? { sql, actions, title: f.title, source: f.id } : undefined;
}

function sqlOf(node: unknown): NodeSql | undefined {
  const n = node as AnalysisNode | undefined;
  if (n?.kind === 'finding') return findingSql(n.finding);
  if (n?.kind === 'row') {
    const actions = n.table.rowActions?.[n.index] ?? [];
    const sql = actions.length ? actionsSql(actions) : rowQuery(n.table, n.row);
    if (sql) return { sql, actions, title: n.table.title, source: `${n.section.id}.${n.table.id}` };
  }
  return undefined;
}

/** The statement a finding or row is about, for Explain Query. */
export function findingQuery(node: AnalysisNode | undefined): { sql: string } {
  const s = sqlOf(node);
  if (!s) throw new Error('this item has no statement to explain');
  return { sql: s.sql };
}

export async function copyFindingSql(node: AnalysisNode | undefined): Promise<void> {
  const s = sqlOf(node);
  if (!s) throw new Error('this item has no SQL to copy');
  await vscode.env.clipboard.writeText(s.sql);
  void vscode.window.showInformationMessage('SQL copied to the clipboard.');
}

/** The migrations folder when the project has none yet: the user picks one (nothing is written otherwise). */
async function pickMigrationsFolder(root: vscode.Uri | undefined): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'No migrations folder found: choose where to write the migration',
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    ...(root ? { defaultUri: root } : {}),
  });
  return picked?.[0]?.fsPath;
}

/**
 * Writes the finding's actions as a new migration in the project's convention (core/migrations/writer: the
 * same files `pgopt advise --emit-migration` writes), never overwriting a file, and opens it. A finding with
 * SQL but no typed action (REINDEX, VACUUM, a multi-step integrity migration) is written as its statements.
 */
export async function createMigrationFromFinding(node: AnalysisNode | undefined, manager: ConnectionManager): Promise<vscode.Uri | undefined> {
  const s = sqlOf(node);
  if (!s) throw new Error('this item has no SQL to turn into a migration');
  return writeMigrationFor(s, manager.current?.name);
}

/** The report webview's Create Migration: the finding itself, no tree node. `connection`: the database the report is
 * about (a Fleet database's page), else the active connection. */
export async function createMigrationForFinding(finding: ReportFinding, manager: ConnectionManager, connection = manager.current?.name): Promise<vscode.Uri | undefined> {
  const s = findingSql(finding);
  if (!s) throw new Error('this finding has no SQL to turn into a migration');
  return writeMigrationFor(s, connection);
}

/** `connection`: named in the migration's header as where the finding came from. */
async function writeMigrationFor(s: NodeSql, connection: string | undefined): Promise<vscode.Uri | undefined> {
  const rootUri = vscode.workspace.workspaceFolders?.[0]?.uri;
  const root = rootUri?.fsPath ?? process.cwd();
  const { request, problems } = await migrationLayoutRequest(root);
  if (problems.length) throw new Error(`pgopt.json: ${problems.join('; ')}`);
  if (!findMigrationsDir(request)) {
    const dir = await pickMigrationsFolder(rootUri);
    if (!dir) return undefined;
    request.dir = dir;
  }
  const layout = resolveMigrationLayout(request);
  if (!layout) return undefined;
  const opts = { now: new Date(), source: `${s.source}${connection ? ` on ${connection}` : ''}` };
  let draft;
  if (s.actions.length) draft = draftMigration(layout, s.actions, opts);
  else {
    await loadParser();
    const statements = statementsOf(s.sql);
    draft = draftSqlMigration(layout, { title: s.title, statements, autocommit: statements.some(needsAutocommit) }, opts);
  }
  const paths = writeMigrationDraft(draft);
  for (const p of paths) log.info(`wrote migration ${p} from ${s.source}`);
  const target = vscode.Uri.file(paths[0] as string);
  await vscode.window.showTextDocument(target);
  return target;
}

/** Applies the finding's SQL on the connected database after a modal confirmation. */
export async function applyFindingNow(node: AnalysisNode | undefined, manager: ConnectionManager, storage: vscode.Uri, opts: ConfirmOptions = {}): Promise<boolean> {
  const found = sqlOf(node);
  if (!found) throw new Error('this item has no SQL to apply');
  // Typed actions run as they render (IF NOT EXISTS / IF EXISTS forms); the shown SQL may carry comments.
  const s = { ...found, sql: found.actions.length ? actionsSql(found.actions) : found.sql };
  const active = manager.current;
  if (!active) throw new Error('not connected');
  if (!(await guardWrite(active, 'apply-now', opts.confirmDatabase !== undefined ? { confirmDatabase: opts.confirmDatabase } : {}))) return false;
  if (!opts.confirmed) {
    const pick = await vscode.window.showWarningMessage(
      `Run this on "${active.name}" (${active.caps.database}) now?`,
      { modal: true, detail: `${s.sql}\n\nIt runs on its own connection with lock_timeout 5 s. A CONCURRENTLY build does not block writes but takes a while on big tables. Prefer "Create Migration" to ship it through your migration tool.` },
      'Apply Now',
    );
    if (pick !== 'Apply Now') return false;
  }
  log.info(`apply on ${active.name} as ${active.caps.currentUser}: ${s.sql}`);
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Applying on ${active.name}`, cancellable: true }, async (_p, token) => {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    try {
      return await audited(editorAuditSink(storage), auditBase(active, 'apply-now', s.sql), () => applyStatements(active.session.spec, s.sql, { signal: controller.signal }), (r) => ({
        ok: r.ok,
        ...(r.ok ? {} : { error: r.statements.find((x) => x.status === 'failed')?.error ?? 'failed' }),
      }));
    } finally {
      sub.dispose();
    }
  });
  for (const st of result.statements) log.info(`  ${st.status} (${st.durationMs} ms): ${st.sql}${st.error ? ` — ${st.error}` : ''}`);
  for (const c of result.cleanup) log.info(`  cleanup: ${c}`);
  if (result.ok) {
    void vscode.window.showInformationMessage(`Applied on ${active.name} in ${result.durationMs} ms.`, 'Run Analysis Again').then((p) => p && vscode.commands.executeCommand('pgopt.runAnalysis'));
    return true;
  }
  const failed = result.statements.find((x) => x.status === 'failed');
  const state = result.transactional ? 'Nothing was changed (rolled back).' : `${result.statements.filter((x) => x.status === 'ok').length} statement(s) completed before the failure.`;
  void vscode.window.showErrorMessage(`Apply failed: ${failed?.error ?? 'unknown error'}. ${state} ${result.cleanup.join('; ')}`, 'Show Log').then((p) => p && log.show());
  return false;
}
