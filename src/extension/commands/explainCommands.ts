// Explain Query / Explain Query (ANALYZE) / Explain with Hypothetical Index…, and the server actions that
// go with a workload view: Reset Query Statistics, Cancel Backend…, Terminate Backend…. Long runs show a
// cancellable progress whose cancel really cancels the query (DbSession + pg cancel request). ANALYZE
// and every server action ask first (modal) and are logged to the output channel.
import * as vscode from 'vscode';
import { parseExplainSettings } from '../../core/config';
import { fetchActivity, type ActivityRow } from '../../core/analyzers/connections/activity';
import { resetStatementStats, signalBackend, type AdminOutcome, type BackendSignal } from '../../core/db/adminActions';
import { CancelledError } from '../../core/db/session';
import { audited } from '../../core/audit';
import { auditBase, editorAuditSink, guardWrite, type ConfirmOptions } from '../writeGuard';
import { explainStatement, type ExplainRun } from '../../core/explain/explain';
import { explainTarget, statementAtOffset } from '../../core/explain/explainTarget';
import { checkIndexDdl, explainWithHypotheticalIndex, hypopgUnavailable, NoIndexFoundError, tablesOf, type HypotheticalComparison, type IndexChoice } from '../../core/explain/hypotheticalExplain';
import { loadParser } from '../../core/sql/parser';
import { quoteIdent } from '../../core/sql/quote';
import { formatDuration, truncateSql } from '../../core/format';
import type { ActiveConnection, ConnectionManager } from '../connectionManager';
import { log } from '../log';
import { isSqlDocument } from '../sqlDocuments';
import { PlanPanel, type PlanPanelHost } from '../webviews/planPanel';
import { selectConnection } from './connectionCommands';
import { pgoptSetting } from '../settings';

/** What the explain commands use: the connection and the plan panel's slot (ctx.ts satisfies this). */
export interface ExplainHost extends PlanPanelHost {
  readonly manager: ConnectionManager;
}

/** A statement given by another command or a test instead of the editor's: its text, or `{ sql }`. */
export type SqlArg = string | { sql: string };

/** Checks the shape at run time too: command arguments come from menus, keybindings and other extensions. */
function sqlArg(arg: SqlArg | undefined): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null && typeof (arg as { sql?: unknown }).sql === 'string') return (arg as { sql: string }).sql;
  return undefined;
}

async function ensureConnection(manager: ConnectionManager): Promise<ActiveConnection | undefined> {
  if (manager.current) return manager.current;
  const r = await selectConnection(manager);
  return r?.ok ? r.active : undefined;
}

/** The selection, or the statement under the cursor, in the active SQL editor. */
function editorStatement(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showWarningMessage('Postgres Optimizer: open a SQL file and put the cursor in a statement (or select it) to explain it.');
    return undefined;
  }
  if (!isSqlDocument(editor.document) && editor.selection.isEmpty) {
    void vscode.window.showWarningMessage('Postgres Optimizer: this is not a SQL editor. Select the statement to explain.');
    return undefined;
  }
  if (!editor.selection.isEmpty) return editor.document.getText(editor.selection);
  const text = editor.document.getText();
  const stmt = statementAtOffset(text, editor.document.offsetAt(editor.selection.active));
  if (!stmt) {
    void vscode.window.showWarningMessage('Postgres Optimizer: there is no SQL statement here to explain.');
    return undefined;
  }
  // Show which statement is explained.
  editor.selection = new vscode.Selection(editor.document.positionAt(stmt.start), editor.document.positionAt(stmt.end));
  return stmt.text;
}

/** Runs fn under a cancellable progress notification; cancel aborts the signal (which cancels the query). */
async function withCancellable<T>(title: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_p, token) => {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    try {
      return await fn(controller.signal);
    } catch (e) {
      if (e instanceof CancelledError) {
        void vscode.window.showInformationMessage(`Postgres Optimizer: ${title.replace(/…$/, '')} was cancelled.`);
        return undefined;
      }
      throw e;
    } finally {
      sub.dispose();
    }
  });
}

export interface ExplainCommandResult {
  mode: ExplainRun['mode'];
  nodes: number;
  totalCost: number;
  findings: string[];
}

export async function explainQuery(host: ExplainHost, arg?: SqlArg): Promise<ExplainCommandResult | undefined> {
  const { manager } = host;
  const sql = sqlArg(arg) ?? editorStatement();
  if (sql === undefined) return undefined;
  const active = await ensureConnection(manager);
  if (!active) return undefined;
  await loadParser();
  const run = await withCancellable(`Explaining on ${active.name}…`, (signal) => explainStatement(active.session, sql, { signal }));
  if (!run) return undefined;
  PlanPanel.createOrShow(host).showRun(run, active.name);
  return { mode: run.mode, nodes: run.analysis.nodes.length, totalCost: run.analysis.totalCost, findings: run.analysis.findings.map((f) => f.message) };
}

export async function explainQueryAnalyze(host: ExplainHost, arg?: SqlArg): Promise<ExplainCommandResult | undefined> {
  const { manager } = host;
  const sql = sqlArg(arg) ?? editorStatement();
  if (sql === undefined) return undefined;
  const active = await ensureConnection(manager);
  if (!active) return undefined;
  await loadParser();
  const checked = explainTarget(sql);
  if (!checked.ok) throw new Error(checked.message);
  const { analyzeTimeoutMs } = parseExplainSettings({ analyzeTimeoutMs: pgoptSetting('explain.analyzeTimeoutMs') }).settings;
  const target = checked.target;
  if (target.paramCount > 0) {
    throw new Error(`EXPLAIN ANALYZE executes the statement, but it has parameters ($1..$${target.paramCount}) without values. Replace them with values, or use "Explain Query" for a generic plan.`);
  }
  const detail = target.writes
    ? `This statement WRITES (${target.writes}). It will run inside a transaction that is always rolled back, so no change is kept — but while it runs it takes the same locks, fires triggers and uses sequence values, which are not given back. It is stopped after ${formatDuration(analyzeTimeoutMs / 1000)}.\n\n${truncateSql(target.sql, 300)}`
    : `This statement only reads. It runs in a read-only transaction and is stopped after ${formatDuration(analyzeTimeoutMs / 1000)}.\n\n${truncateSql(target.sql, 300)}`;
  const go = 'Run EXPLAIN ANALYZE';
  const pick = await vscode.window.showWarningMessage(`EXPLAIN ANALYZE executes the statement on "${active.name}".`, { modal: true, detail }, go);
  if (pick !== go) return undefined;
  log.info(`EXPLAIN ANALYZE on ${active.name}${target.writes ? ` (writes: ${target.writes}; rolled back)` : ' (read-only)'}: ${truncateSql(target.sql, 200)}`);
  const run = await withCancellable(`EXPLAIN ANALYZE on ${active.name}…`, (signal) => explainStatement(active.session, sql, { signal, analyzeConfirmed: true, statementTimeoutMs: analyzeTimeoutMs }));
  if (!run) return undefined;
  log.info(`EXPLAIN ANALYZE on ${active.name} done in ${run.durationMs.toFixed(0)} ms${run.mode === 'analyze-rolled-back' ? ', transaction rolled back' : ''}`);
  PlanPanel.createOrShow(host).showRun(run, active.name);
  return { mode: run.mode, nodes: run.analysis.nodes.length, totalCost: run.analysis.totalCost, findings: run.analysis.findings.map((f) => f.message) };
}

export async function explainWithHypotheticalIndexCommand(
  host: ExplainHost,
  arg?: SqlArg,
): Promise<Pick<HypotheticalComparison, 'costBefore' | 'costAfter' | 'indexUsed' | 'indexDdl'> | undefined> {
  const { manager } = host;
  const sql = sqlArg(arg) ?? editorStatement();
  if (sql === undefined) return undefined;
  const active = await ensureConnection(manager);
  if (!active) return undefined;
  await loadParser();
  const unavailable = hypopgUnavailable(active.caps);
  if (unavailable) {
    void vscode.window.showWarningMessage(`Postgres Optimizer: ${unavailable}`, { modal: false });
    return undefined;
  }
  const checked = explainTarget(sql);
  if (!checked.ok) throw new Error(checked.message);
  let choice: IndexChoice;
  const given = typeof arg === 'object' && arg !== null ? (arg as { index?: unknown }).index : undefined;
  if (typeof given === 'string') choice = given === 'advisor' ? { kind: 'advisor' } : { kind: 'ddl', ddl: given };
  else {
    const advisorItem = { label: '$(lightbulb) Let the advisor choose', description: 'the index the advisor would recommend for this statement', choice: 'advisor' as const };
    const typeItem = { label: '$(edit) Type an index…', description: 'CREATE INDEX ON table (columns)', choice: 'type' as const };
    const pick = await vscode.window.showQuickPick([advisorItem, typeItem], { title: 'Explain with Hypothetical Index', placeHolder: 'Which hypothetical index?' });
    if (!pick) return undefined;
    if (pick.choice === 'advisor') choice = { kind: 'advisor' };
    else {
      const table = tablesOf(checked.target.sql)[0] ?? 'table_name';
      const prefix = `CREATE INDEX ON ${table} (`;
      const ddl = await vscode.window.showInputBox({
        title: 'Hypothetical index (HypoPG: nothing is created)',
        prompt: 'A CREATE INDEX statement',
        value: `${prefix})`,
        valueSelection: [prefix.length, prefix.length],
        ignoreFocusOut: true,
        validateInput: (v) => checkIndexDdl(v),
      });
      if (ddl === undefined) return undefined;
      choice = { kind: 'ddl', ddl };
    }
  }
  let cmp: HypotheticalComparison | undefined;
  try {
    cmp = await withCancellable(`Planning with a hypothetical index on ${active.name}…`, (signal) => explainWithHypotheticalIndex(active.session, active.caps, sql, choice, { signal }));
  } catch (e) {
    // Information, not an error: the statement is simply as cheap as the advisor can make it.
    if (e instanceof NoIndexFoundError) {
      void vscode.window.showInformationMessage(`Postgres Optimizer: ${e.message}`);
      return undefined;
    }
    throw e;
  }
  if (!cmp) return undefined;
  PlanPanel.createOrShow(host).showComparison(cmp, active.name);
  return { costBefore: cmp.costBefore, costAfter: cmp.costAfter, indexUsed: cmp.indexUsed, indexDdl: cmp.indexDdl };
}

function report(outcome: AdminOutcome, what: string, connection: string): AdminOutcome {
  if (outcome.ok) {
    log.info(`${what} on ${connection}: ${outcome.message}`);
    void vscode.window.showInformationMessage(`Postgres Optimizer: ${outcome.message}`);
  } else {
    log.warn(`${what} on ${connection} not done: ${outcome.message}`);
    void vscode.window.showWarningMessage(`Postgres Optimizer: ${outcome.message}`);
  }
  return outcome;
}

export async function resetQueryStatistics(manager: ConnectionManager, storage: vscode.Uri, opts: ConfirmOptions = {}): Promise<AdminOutcome | undefined> {
  const active = await ensureConnection(manager);
  if (!active) return undefined;
  if (!(await guardWrite(active, 'reset-statistics', opts.confirmDatabase !== undefined ? { confirmDatabase: opts.confirmDatabase } : {}))) return { ok: false, reason: 'policy', message: 'refused by the access policy' };
  const go = 'Reset Statistics';
  const pick = opts.confirmed
    ? go
    : await vscode.window.showWarningMessage(
    `Reset the query statistics (pg_stat_statements) of "${active.name}"?`,
    { modal: true, detail: 'This clears the statistics of every statement on the whole server, for every user of it: slow-query history and the advisor\'s workload start again from zero. It cannot be undone.' },
    go,
  );
  if (pick !== go) return undefined;
  log.info(`resetting pg_stat_statements on ${active.name} (asked and confirmed)`);
  const sql = `SELECT ${quoteIdent(active.caps.extensions.pg_stat_statements.schema ?? 'public')}.pg_stat_statements_reset()`;
  return report(await audited(editorAuditSink(storage), auditBase(active, 'reset-statistics', sql), () => active.session.readOnly((q) => resetStatementStats(q, active.caps))), 'Reset Query Statistics', active.name);
}

/** The session to signal: its pid, or a row that has one (the workload views); nothing asks with a quick pick. */
export type BackendArg = number | { pid: number };

export async function signalBackendCommand(manager: ConnectionManager, storage: vscode.Uri, signal: BackendSignal, arg?: BackendArg): Promise<AdminOutcome | undefined> {
  const active = await ensureConnection(manager);
  if (!active) return undefined;
  if (!(await guardWrite(active, signal === 'cancel' ? 'cancel-backend' : 'terminate-backend'))) return { ok: false, reason: 'policy', message: 'refused by the access policy' };
  const { rows } = await active.session.readOnly((q) => fetchActivity(q));
  let row: ActivityRow | undefined;
  const argPid = typeof arg === 'number' ? arg : typeof arg === 'object' && arg !== null ? Number((arg as { pid?: unknown }).pid) : undefined;
  if (argPid !== undefined && Number.isFinite(argPid)) {
    row = rows.find((r) => r.pid === argPid);
    if (!row) return report({ ok: false, reason: 'gone', message: `Backend ${argPid} is not running on "${active.name}".` }, `${signal} backend`, active.name);
  } else {
    if (rows.length === 0) {
      void vscode.window.showInformationMessage(`Postgres Optimizer: no other client sessions on "${active.name}" are visible to this role.`);
      return undefined;
    }
    const items = rows.map((r) => ({
      label: `${r.pid}`,
      description: `${r.state ?? '?'}${r.wait_event_type === 'Lock' ? ' (waiting for a lock)' : ''} · ${r.usename ?? '?'} · ${r.application_name || 'no application'} · ${r.client_addr ?? 'local'}`,
      detail: `${r.query_age_s !== null ? `${formatDuration(r.query_age_s)} · ` : ''}${truncateSql(r.query ?? '', 160)}`,
      row: r,
    }));
    const pick = await vscode.window.showQuickPick(items, { title: `${signal === 'cancel' ? 'Cancel' : 'Terminate'} Backend on ${active.name}`, placeHolder: 'Which session?', matchOnDescription: true, matchOnDetail: true });
    if (!pick) return undefined;
    row = pick.row;
  }
  const verb = signal === 'cancel' ? 'Cancel the running statement of' : 'Terminate';
  const consequence = signal === 'cancel' ? 'Its current statement stops with an error; the session stays connected.' : 'The session is disconnected and its open transaction is rolled back.';
  const go = signal === 'cancel' ? 'Cancel Statement' : 'Terminate Session';
  const confirm = await vscode.window.showWarningMessage(
    `${verb} backend ${row.pid} on "${active.name}"?`,
    { modal: true, detail: `${consequence}\n\n${row.usename ?? '?'} · ${row.application_name || 'no application'} · ${row.state ?? '?'}\n${truncateSql(row.query ?? '', 300)}` },
    go,
  );
  if (confirm !== go) return undefined;
  log.info(`${signal} backend ${row.pid} on ${active.name} (asked and confirmed; ${row.usename ?? '?'} / ${row.application_name || 'no application'})`);
  const pid = row.pid;
  const sql = `SELECT ${signal === 'cancel' ? 'pg_cancel_backend' : 'pg_terminate_backend'}(${pid})`;
  return report(await audited(editorAuditSink(storage), auditBase(active, signal === 'cancel' ? 'cancel-backend' : 'terminate-backend', sql), () => active.session.readOnly((q) => signalBackend(q, pid, signal))), `${signal} backend ${pid}`, active.name);
}
