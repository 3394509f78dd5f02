// The Migrations view's heavy half: finds the workspace's migrations (pgopt.json "migrate", else the usual
// folders), reads their status from the connected database (read-only), and applies / rolls back with the
// core runner after a modal confirmation that shows the plan. Every write goes to the audit log (JSONL in
// the extension's global storage) and to the output channel; runs are cancellable.
import { relative } from 'node:path';
import * as vscode from 'vscode';
import type { MigrateSettings } from '../../core/config';
import { openClient } from '../../core/db/connect';
import { describeTarget } from '../../core/db/connectionSpec';
import { CancelledError, type DbSession } from '../../core/db/session';
import { LiveCache } from '../../core/lint/live';
import type { LintOptions } from '../../core/lint/types';
import { MigrationLockError } from '../../core/migrations/advisoryLock';
import { editorAuditSink, guardWrite } from '../writeGuard';
import { missingMigrationPrivilege } from '../../core/db/writePrivileges';
import { discoverMigrations } from '../../core/migrations/discovery';
import { CONVENTIONAL_MIGRATION_DIRS, findMigrationsDir, type LayoutRequest } from '../../core/migrations/layout';
import { formatGateFinding, lintCounts, lintPendingMigrations, type GateMigration, type LintGateResult, type MigrationLint } from '../../core/migrations/lintGate';
import { planDown, planUp, type DownTarget, type UpTarget } from '../../core/migrations/plan';
import { applyMigrations, rollbackMigrations, type MigrationProgress, type RunResult } from '../../core/migrations/runner';
import { readStatus } from '../../core/migrations/status';
import type { MigrationStatus, StatusEntry } from '../../core/migrations/types';
import { loadParser } from '../../core/sql/parser';
import { redactUrl } from '../../core/redact';
import type { ConnectionManager } from '../connectionManager';
import { PGOPT_FILE_NAME, problemLine } from '../../core/project/project';
import { loadFolderProject } from '../projectModel';
import { log } from '../log';
import type { MigrationsState } from './migrationsState';

/** A folder's project model: pgopt.json "migrate" (the layout slot), its lint options, its problems as lines. */
async function folderSettings(folder?: string): Promise<{ settings: MigrateSettings; configured: boolean; problems: string[]; lintOptions: Partial<LintOptions> }> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const project = await loadFolderProject(folders.find((f) => f.uri.fsPath === folder) ?? folders[0]);
  return { ...project.migrations, problems: project.problems.map((p) => problemLine(p, PGOPT_FILE_NAME)), lintOptions: project.lint.options };
}

/** Where the folder's migrations are and in which format (pgopt.json "migrate", else the conventional folders): shared with Create Migration. */
export async function migrationLayoutRequest(folder: string): Promise<{ request: LayoutRequest; problems: string[]; settings: MigrateSettings; configured: boolean; lintOptions: Partial<LintOptions> }> {
  const { settings, configured, problems, lintOptions } = await folderSettings(folder);
  return { request: { root: folder, ...(configured ? { configuredDir: settings.dir } : {}), format: settings.format }, problems, settings, configured, lintOptions };
}

/** Catalog facts and counts for the Migrations view's lint, per session (the view refreshes on every file change). */
const viewCaches = new WeakMap<DbSession, LiveCache>();
const VIEW_LIVE_TTL_MS = 30_000;

/** The pending (and failed, to be retried) migrations in apply order, as the view lints them. */
function pendingForLint(status: MigrationStatus): GateMigration[] {
  return status.entries
    .filter((e) => e.migration && (e.state === 'pending' || e.state === 'failed'))
    .map((e) => {
      const log = e.applied?.log;
      // A failed statement-by-statement run resumes after its completed statements (as planUp decides).
      const resumeAt = e.state === 'failed' && log?.mode === 'statements' && e.applied?.checksum === e.migration?.checksum ? log.completed : 0;
      return { migration: e.migration as NonNullable<StatusEntry['migration']>, resumeAt };
    });
}

/** `options`: the lint settings the editor's diagnostics use for the folder (pgopt.json "lint", else pgopt.lint.*). */
async function lintForView(status: MigrationStatus, session: DbSession, options: Partial<LintOptions>): Promise<Record<string, MigrationLint> | undefined> {
  const steps = pendingForLint(status);
  if (!steps.length) return undefined;
  let cache = viewCaches.get(session);
  if (!cache) viewCaches.set(session, (cache = new LiveCache(VIEW_LIVE_TTL_MS)));
  try {
    const g = await lintPendingMigrations(steps, { options, session, cache });
    for (const n of g.notes) log.warn(`migrations lint: ${n}`);
    return Object.fromEntries(g.migrations.map((m) => [m.version, m]));
  } catch (e) {
    log.error('linting the pending migrations failed', e);
    return undefined;
  }
}

export async function loadMigrationsState(manager: ConnectionManager, opts: { lint?: boolean } = {}): Promise<MigrationsState> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const empty: MigrationsState = { folder: folder ?? '', dirLabel: '', configured: false, discovery: undefined, status: undefined, connection: undefined, message: undefined, configProblems: [] };
  if (!folder) return { ...empty, message: 'Open a folder to see its migrations.' };
  const { request, settings, configured, problems, lintOptions } = await migrationLayoutRequest(folder);
  const dir = findMigrationsDir(request)?.dir;
  if (!dir) return { ...empty, configProblems: problems, message: `No migrations folder found (tried ${CONVENTIONAL_MIGRATION_DIRS.join(', ')}). Set "migrate": { "dir": "…" } in pgopt.json.` };
  const discovery = discoverMigrations(dir, { format: settings.format });
  const base = { ...empty, dirLabel: relative(folder, dir) || '.', configured, discovery, configProblems: problems };
  const active = manager.current;
  if (!active) return { ...base, message: 'Not connected: connect to see which migrations are applied.' };
  try {
    await loadParser();
    const status = await active.session.readOnly(
      (q) => readStatus(q, discovery.migrations, { tracking: { schema: settings.schema, table: settings.table }, source: settings.source, problems: discovery.problems }),
      { statementTimeoutMs: 30_000 },
    );
    const lint = opts.lint === false ? undefined : await lintForView(status, active.session, lintOptions);
    return { ...base, status, connection: active.name, ...(lint ? { lint } : {}) };
  } catch (e) {
    log.error('reading the migration status failed', e);
    return { ...base, connection: active.name, message: `Could not read the migration status: ${(e as Error).message}` };
  }
}

export type RunRequest = { direction: 'up'; target: UpTarget } | { direction: 'down'; target: DownTarget };

/** A migration of the Migrations view (its tree node), as the per-migration commands receive it. */
export type MigrationEntryArg = { kind: string; entry?: StatusEntry };

/** Version of a tree entry passed as a command argument (checked at run time: menus pass other nodes too). */
function entryOf(arg: MigrationEntryArg | undefined): StatusEntry | undefined {
  const a = arg as { kind?: string; entry?: StatusEntry } | undefined;
  return a?.kind === 'entry' ? a.entry : undefined;
}

export type MigrationCommand = 'applyAll' | 'applyUpTo' | 'applyOne' | 'rollbackLast' | 'rollbackTo';

export function requestFor(command: MigrationCommand, arg: MigrationEntryArg | undefined): RunRequest {
  const e = entryOf(arg);
  switch (command) {
    case 'applyAll':
      return { direction: 'up', target: { kind: 'all' } };
    case 'rollbackLast':
      return { direction: 'down', target: { kind: 'last' } };
    case 'applyUpTo':
    case 'applyOne':
    case 'rollbackTo':
      if (!e) throw new Error('pick a migration in the Migrations view');
      return command === 'applyUpTo'
        ? { direction: 'up', target: { kind: 'to', version: e.version } }
        : command === 'applyOne'
          ? { direction: 'up', target: { kind: 'one', version: e.version } }
          : { direction: 'down', target: { kind: 'to', version: e.version } };
  }
}

/** What the confirmation asks: the first button is the default (Enter); Cancel (Escape) is always there. */
export interface ConfirmPrompt {
  message: string;
  detail: string;
  buttons: string[];
}

export interface RunOptions {
  /** Skip the confirmation (tests, scripted use). Lint errors still refuse unless allowLintErrors. */
  confirmed?: boolean;
  /** The database name, typed in advance, for a production connection (access policy). */
  confirmDatabase?: string;
  /** Apply even though the linter predicts a failure (with confirmed: the "Apply anyway" answer). */
  allowLintErrors?: boolean;
  /**
   * Answers the confirmation instead of the modal dialog (host tests: the extension host cannot click a
   * dialog of the workbench). Gets exactly what the dialog would show; returns the chosen button, or
   * undefined for Cancel.
   */
  answer?: (prompt: ConfirmPrompt) => string | undefined | Promise<string | undefined>;
}

export const APPLY_ANYWAY = 'Apply anyway';
export const OPEN_FIRST_ERROR = 'Open First Error';

async function ask(prompt: ConfirmPrompt, opts: RunOptions): Promise<string | undefined> {
  if (opts.answer) return opts.answer(prompt);
  const [first, ...rest] = prompt.buttons;
  return vscode.window.showWarningMessage(prompt.message, { modal: true, detail: prompt.detail }, ...(first ? [first] : []), ...rest);
}

/** Findings listed per migration in the confirmation (errors come first); the rest are counted. */
const DETAIL_FINDINGS = 10;

/** Per migration of the plan: the arrow line, then its findings (errors first) as `file:line rule message`. */
function planDetail(lines: { head: string; lint?: MigrationLint }[], folder: string): string {
  const rel = (p: string): string => relative(folder, p) || p;
  return lines
    .map(({ head, lint }) => {
      const counts = lint ? lintCounts(lint) : '';
      const all = lint?.findings ?? [];
      const findings = all.slice(0, DETAIL_FINDINGS).map((f) => `   ${f.severity === 'error' ? '✗' : '⚠'} ${formatGateFinding(f, rel)}`);
      if (all.length > DETAIL_FINDINGS) findings.push(`   … and ${all.length - DETAIL_FINDINGS} more (open the file)`);
      return [`${head}${counts ? ` — ${counts}` : ''}`, ...findings].join('\n');
    })
    .join('\n\n');
}

/** Lints the plan's migrations with fresh live facts (no cache: the data may have been fixed a second ago). */
async function lintGate(steps: GateMigration[], session: DbSession): Promise<LintGateResult> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Linting ${steps.length} pending migration${steps.length === 1 ? '' : 's'}` }, async () => {
    const g = await lintPendingMigrations(steps, { options: (await folderSettings()).lintOptions, session });
    for (const n of g.notes) log.warn(`migrations lint: ${n}`);
    return g;
  });
}

/**
 * Runs an up or down request: plans from a fresh status, lints an up plan's migrations (the lint gate),
 * asks (modal, with the plan, its findings and the SQL of a rollback), runs with progress and cancel, and
 * reports. Returns the result, or undefined when nothing ran.
 */
export async function runMigrations(manager: ConnectionManager, storage: vscode.Uri, req: RunRequest, opts: RunOptions = {}): Promise<RunResult | undefined> {
  const active = manager.current;
  if (!active) throw new Error('not connected: select a connection first');
  // The access policy decides before anything is planned or asked (src/core/policy.ts).
  if (!(await guardWrite(active, req.direction === 'up' ? 'migrate-up' : 'migrate-down', opts.confirmDatabase !== undefined ? { confirmDatabase: opts.confirmDatabase } : {}))) return undefined;
  const state = await loadMigrationsState(manager, { lint: false });
  if (!state.discovery || !state.status) throw new Error(state.message ?? 'no migrations found');
  if (state.configProblems.length) throw new Error(`pgopt.json: ${state.configProblems.join('; ')}`);
  const { settings } = await folderSettings();
  const upPlan = req.direction === 'up' ? planUp(state.status, req.target, { allowOutOfOrder: settings.allowOutOfOrder }) : undefined;
  const downPlan = req.direction === 'down' ? planDown(state.status, req.target) : undefined;
  const plan = upPlan ?? downPlan;
  if (!plan) return undefined;
  if (plan.blockers.length) {
    void vscode.window.showErrorMessage(`Postgres Optimizer: refusing to ${req.direction === 'up' ? 'apply' : 'roll back'}: ${plan.blockers.join(' ')}`);
    return undefined;
  }
  if (plan.steps.length === 0) {
    void vscode.window.showInformationMessage(req.direction === 'up' ? 'Nothing to apply: the database is up to date.' : 'Nothing to roll back.');
    return undefined;
  }
  const gate = upPlan ? await lintGate(upPlan.steps.map((s) => ({ migration: s.migration, resumeAt: s.resumeAt })), active.session) : undefined;
  const byVersion = new Map((gate?.migrations ?? []).map((m) => [m.version, m]));
  const lines = upPlan
    ? upPlan.steps.map((s) => {
        const lint = byVersion.get(s.migration.version);
        return { head: `↑ ${s.migration.version} ${s.migration.name}${s.resumeAt ? ` (resumes at statement ${s.resumeAt + 1})` : s.retry ? ' (retry)' : ''}`, ...(lint ? { lint } : {}) };
      })
    : (downPlan?.steps ?? []).map((s) => ({ head: `↓ ${s.version} ${s.name}${s.generated ? ' (generated down SQL)' : ''}\n${s.sql.trim()}` }));
  const detail = [planDetail(lines, state.folder), ...plan.warnings.map((w) => `warning: ${w}`)].join('\n\n');
  const errors = gate?.errors ?? 0;
  const count = `${plan.steps.length} migration${plan.steps.length === 1 ? '' : 's'}`;
  if (errors > 0) {
    const bad = (gate?.migrations ?? []).filter((m) => m.errors > 0);
    const predicted = `The linter predicts that ${bad.length === 1 ? `migration ${bad[0]?.version} ${bad[0]?.name}` : `${bad.length} of these migrations`} will fail (${lintCounts({ errors, warnings: 0 })})`;
    if (opts.confirmed && !opts.allowLintErrors) {
      log.warn(`migrate: refused, ${predicted}:\n${detail}`);
      void vscode.window.showErrorMessage(`Postgres Optimizer: refusing to apply: ${predicted}. Nothing was applied.`, 'Show Log').then((p) => p && log.show());
      return undefined;
    }
    if (!opts.confirmed) {
      // Enter must not apply: the default button opens the first error; applying needs "Apply anyway".
      const pick = await ask({ message: `${predicted}. Apply ${count} on "${active.name}" (${active.caps.database}) anyway?`, detail, buttons: [OPEN_FIRST_ERROR, APPLY_ANYWAY] }, opts);
      if (pick === OPEN_FIRST_ERROR) await openFinding(bad[0]?.findings.find((f) => f.severity === 'error'));
      if (pick !== APPLY_ANYWAY) return undefined;
    }
    log.warn(`migrate: applying despite ${lintCounts({ errors, warnings: 0 })} from the linter (${opts.confirmed ? 'allowLintErrors' : APPLY_ANYWAY})`);
  } else if (!opts.confirmed) {
    const verb = req.direction === 'up' ? 'Apply' : 'Roll Back';
    const pick = await ask({ message: `${verb} ${count} on "${active.name}" (${active.caps.database})?`, detail, buttons: [verb] }, opts);
    if (pick !== verb) return undefined;
  }
  const missing = await active.session.readOnly((q) => missingMigrationPrivilege(q, { schema: settings.schema, table: settings.table }));
  if (missing) {
    log.warn(`migrate: ${missing}`);
    void vscode.window.showErrorMessage(`Postgres Optimizer: ${missing}; nothing was written.`);
    return undefined;
  }
  const spec = active.session.spec;
  const audit = editorAuditSink(storage);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `${req.direction === 'up' ? 'Applying' : 'Rolling back'} migrations on ${active.name}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      const common = {
        connect: () => openClient(spec, { applicationName: 'pgopt migrate' }),
        tracking: { schema: settings.schema, table: settings.table },
        connectionLabel: redactUrl(`${describeTarget(spec)} (${active.name})`),
        audit,
        signal: controller.signal,
        onProgress: (p: MigrationProgress) => {
          const line = progressText(p);
          if (line) {
            progress.report({ message: line });
            log.info(`migrate: ${line}`);
          }
        },
        problems: state.discovery?.problems ?? [],
        allowOutOfOrder: settings.allowOutOfOrder,
        ...(settings.lockTimeoutMs !== undefined ? { lockTimeoutMs: settings.lockTimeoutMs } : {}),
        ...(settings.statementTimeoutMs !== undefined ? { statementTimeoutMs: settings.statementTimeoutMs } : {}),
      };
      try {
        const migrations = state.discovery?.migrations ?? [];
        return req.direction === 'up' ? await applyMigrations(migrations, { ...common, target: req.target }) : await rollbackMigrations(migrations, { ...common, target: req.target });
      } catch (e) {
        if (e instanceof MigrationLockError) {
          void vscode.window.showErrorMessage(`Postgres Optimizer: ${e.message}`);
          return undefined;
        }
        if (e instanceof CancelledError) return undefined;
        throw e;
      } finally {
        sub.dispose();
      }
    },
  );
  if (!result) return undefined;
  const done = result.done.map((d) => d.version).join(', ');
  if (result.ok) void vscode.window.showInformationMessage(`${req.direction === 'up' ? 'Applied' : 'Rolled back'} ${result.done.length} migration${result.done.length === 1 ? '' : 's'}${done ? ` (${done})` : ''} on ${active.name}.`);
  else if (result.cancelled) void vscode.window.showWarningMessage(`Cancelled after ${result.done.length} migration${result.done.length === 1 ? '' : 's'}${done ? ` (${done})` : ''}; the status shows exactly what is applied.`);
  else {
    const f = result.failed;
    const where = f?.statementIndex !== undefined ? ` at statement ${f.statementIndex + 1}` : '';
    void vscode.window.showErrorMessage(`Migration ${f?.version ?? ''} ${f?.name ?? ''} failed${where}: ${f?.error ?? result.blockers?.join(' ') ?? 'unknown error'}`, 'Show Log').then((p) => p && log.show());
  }
  return result;
}

function progressText(p: MigrationProgress): string | undefined {
  switch (p.kind) {
    case 'locked':
      return 'lock acquired';
    case 'start':
      return `${p.direction === 'up' ? '↑' : '↓'} ${p.version} ${p.name} (${p.total} statement${p.total === 1 ? '' : 's'}${p.mode === 'statements' ? ', outside a transaction' : ''})`;
    case 'statement':
      return `${p.version} [${p.index + 1}/${p.total}]${p.skipped ? ` skipped: ${p.skipped}` : ''}`;
    case 'invalid-index-dropped':
      return `dropped INVALID index ${p.index} left by an interrupted concurrent build`;
    case 'done':
      return `${p.version} done in ${p.durationMs} ms`;
    case 'failed':
      return `${p.version} FAILED: ${p.error}`;
  }
}

async function openFinding(f: { file: string; line: number; column: number } | undefined): Promise<void> {
  if (!f) return;
  const at = new vscode.Position(Math.max(0, f.line - 1), Math.max(0, f.column - 1));
  await vscode.window.showTextDocument(vscode.Uri.file(f.file), { selection: new vscode.Range(at, at) });
}

/** Opens a diff editor: the SQL as applied (from the tracking table) vs the file now. */
export async function showMigrationDrift(arg: MigrationEntryArg | undefined): Promise<void> {
  const e = entryOf(arg);
  if (!e || e.state !== 'drifted' || !e.migration) throw new Error('pick a drifted migration');
  const applied = e.applied?.upSql;
  if (applied === undefined) {
    void vscode.window.showInformationMessage(`${e.version} ${e.name}: the tracking table has only a checksum, not the applied SQL, so no diff can be shown. ${e.detail ?? ''}`);
    return;
  }
  const left = await vscode.workspace.openTextDocument({ language: 'sql', content: applied });
  await vscode.commands.executeCommand('vscode.diff', left.uri, vscode.Uri.file(e.migration.upPath), `${e.version} ${e.name}: as applied ↔ file now`);
}
