// What the user can do from a finding: run the analysis, copy its SQL, write it as a migration file
// (reviewed, committed, applied by their migration tool), or apply it now on the connected database
// (asks first, shows exactly what runs where, runs on its own connection, logged, cancellable).
import * as vscode from 'vscode';
import { applyStatements } from '../../core/db/applyStatements';
import { CancelledError } from '../../core/db/session';
import { audited } from '../../core/audit';
import { auditBase, editorAuditSink, guardWrite } from '../writeGuard';
import { migrationFromFinding, type MigrationFileStyle } from '../../core/report/findingMigration';
import type { Report } from '../../core/report/model';
import type { ConnectionManager } from '../connectionManager';
import { log } from '../log';
import { loadParser } from '../../core/sql/parser';
import type { AnalysisResults } from './analysisResults';
import type { SnapshotMonitor } from '../monitoring/snapshotMonitor';
import type { Slot } from '../slot';
import { analyzeConnection } from './analyzeConnection';
import { rowSql, type AnalysisNode } from '../views/analysisTree';
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

function sqlOf(node: unknown): { sql: string; title: string; source: string } | undefined {
  const n = node as AnalysisNode | undefined;
  if (n?.kind === 'finding' && n.finding.sql) return { sql: n.finding.sql, title: n.finding.title, source: `${n.finding.id}` };
  if (n?.kind === 'row') {
    const sql = rowSql(n.table, n.row);
    if (sql) return { sql, title: n.table.title, source: `${n.section.id}.${n.table.id}` };
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

const MIGRATION_DIRS = ['db/migrations', 'migrations', 'db/migrate', 'migrate', 'db'];

/** The workspace's migrations folder: the first conventional one that exists. */
async function findMigrationsDir(root: vscode.Uri): Promise<vscode.Uri | undefined> {
  for (const rel of MIGRATION_DIRS) {
    const uri = vscode.Uri.joinPath(root, rel);
    try {
      if ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) return uri;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** dbmate style when the folder's files use `-- migrate:up` sections. */
async function styleOf(dir: vscode.Uri): Promise<MigrationFileStyle> {
  const entries = await vscode.workspace.fs.readDirectory(dir).then(
    (e) => e,
    () => [] as [string, vscode.FileType][],
  );
  const sql = entries.filter(([n, t]) => t === vscode.FileType.File && n.endsWith('.sql')).slice(-5);
  for (const [name] of sql) {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, name)));
    if (/^--\s*migrate:up/m.test(text)) return 'dbmate';
  }
  return 'plain';
}

/** Writes the finding's SQL as a new migration file (never overwriting one) and opens it. */
export async function createMigrationFromFinding(node: AnalysisNode | undefined, manager: ConnectionManager): Promise<vscode.Uri | undefined> {
  const s = sqlOf(node);
  if (!s) throw new Error('this item has no SQL to turn into a migration');
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  const dir = root ? await findMigrationsDir(root) : undefined;
  const style = dir ? await styleOf(dir) : 'plain';
  await loadParser();
  const draft = migrationFromFinding({ title: s.title, sql: s.sql, source: `${s.source}${manager.current ? ` on ${manager.current.name}` : ''}` }, { now: new Date(), style });
  let target = dir ? vscode.Uri.joinPath(dir, draft.fileName) : undefined;
  if (!target) {
    target = await vscode.window.showSaveDialog({
      title: 'Save the migration',
      filters: { SQL: ['sql'] },
      ...(root ? { defaultUri: vscode.Uri.joinPath(root, 'migrations', draft.fileName) } : {}),
    });
    if (!target) return undefined;
  }
  const exists = await vscode.workspace.fs.stat(target).then(
    () => true,
    () => false,
  );
  if (exists) throw new Error(`${vscode.workspace.asRelativePath(target)} already exists; nothing was overwritten`);
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(draft.text));
  log.info(`wrote migration ${target.fsPath} from ${s.source}`);
  await vscode.window.showTextDocument(target);
  return target;
}

/** Applies the finding's SQL on the connected database after a modal confirmation. */
export async function applyFindingNow(node: AnalysisNode | undefined, manager: ConnectionManager, storage: vscode.Uri, opts: ConfirmOptions = {}): Promise<boolean> {
  const s = sqlOf(node);
  if (!s) throw new Error('this item has no SQL to apply');
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
