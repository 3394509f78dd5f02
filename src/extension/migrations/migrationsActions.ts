// The Migrations view's heavy half: finds the workspace's migrations (pgopt.json "migrate", else the usual
// folders), reads their status from the connected database (read-only), and applies / rolls back with the
// core runner after a modal confirmation that shows the plan. Every write goes to the audit log (JSONL in
// the extension's global storage) and to the output channel; runs are cancellable.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as vscode from 'vscode';
import { parseMigrateSettings, parsePgoptFile, type MigrateSettings } from '../../core/config';
import { openClient } from '../../core/db/connect';
import { describeTarget } from '../../core/db/connectionSpec';
import { CancelledError } from '../../core/db/session';
import { MigrationLockError } from '../../core/migrations/advisoryLock';
import { JsonlAuditSink, type AuditRecord, type AuditSink } from '../../core/migrations/audit';
import { discoverMigrations } from '../../core/migrations/discovery';
import { planDown, planUp, type DownTarget, type UpTarget } from '../../core/migrations/plan';
import { applyMigrations, rollbackMigrations, type MigrationProgress, type RunResult } from '../../core/migrations/runner';
import { readStatus } from '../../core/migrations/status';
import type { StatusEntry } from '../../core/migrations/types';
import { loadParser } from '../../core/sql/parser';
import { redactUrl } from '../../core/redact';
import type { ConnectionManager } from '../connectionManager';
import { log } from '../log';
import type { MigrationsState } from './migrationsState';

/** Folders tried, in order, when pgopt.json does not say where the migrations are. */
export const CONVENTIONAL_DIRS = ['db/migrations', 'migrations', 'db/migrate', 'migrate', 'database/migrations', 'sql/migrations', 'supabase/migrations'];

function folderSettings(folder: string): { settings: MigrateSettings; configured: boolean; problems: string[] } {
  const file = join(folder, 'pgopt.json');
  if (!existsSync(file)) return { ...parseMigrateSettings(undefined), configured: false, problems: [] };
  const { file: parsed, problems } = parsePgoptFile(readFileSync(file, 'utf8'), 'pgopt.json');
  const migrate = parseMigrateSettings(parsed.migrate, 'pgopt.json migrate');
  const raw = parsed.migrate as { dir?: unknown } | undefined;
  return { settings: migrate.settings, configured: typeof raw?.dir === 'string', problems: [...problems, ...migrate.problems].map((p) => `${p.path}: ${p.message}`) };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function resolveDir(folder: string, settings: MigrateSettings, configured: boolean): string | undefined {
  if (configured) return join(folder, settings.dir);
  for (const rel of CONVENTIONAL_DIRS) if (isDir(join(folder, rel))) return join(folder, rel);
  return undefined;
}

export async function loadMigrationsState(manager: ConnectionManager): Promise<MigrationsState> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const empty: MigrationsState = { folder: folder ?? '', dirLabel: '', configured: false, discovery: undefined, status: undefined, connection: undefined, message: undefined, configProblems: [] };
  if (!folder) return { ...empty, message: 'Open a folder to see its migrations.' };
  const { settings, configured, problems } = folderSettings(folder);
  const dir = resolveDir(folder, settings, configured);
  if (!dir) return { ...empty, configProblems: problems, message: `No migrations folder found (tried ${CONVENTIONAL_DIRS.join(', ')}). Set "migrate": { "dir": "…" } in pgopt.json.` };
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
    return { ...base, status, connection: active.name };
  } catch (e) {
    log.error('reading the migration status failed', e);
    return { ...base, connection: active.name, message: `Could not read the migration status: ${(e as Error).message}` };
  }
}

/** Writes audit records to the JSONL file and the output channel. */
class EditorAuditSink implements AuditSink {
  private readonly file: JsonlAuditSink;
  constructor(readonly path: string) {
    this.file = new JsonlAuditSink(path);
  }
  write(r: AuditRecord): void {
    log.info(`audit: ${r.action} ${r.version ?? ''} ${r.name ?? ''} ${r.result} in ${r.durationMs} ms on ${r.connection}${r.error ? ` — ${r.error}` : ''}`);
    try {
      this.file.write(r);
    } catch (e) {
      log.error(`could not append to the audit log ${this.path}`, e);
    }
  }
}

export type RunRequest = { direction: 'up'; target: UpTarget } | { direction: 'down'; target: DownTarget };

/** Version of a tree entry passed as a command argument. */
function entryOf(arg: unknown): StatusEntry | undefined {
  const a = arg as { kind?: string; entry?: StatusEntry } | undefined;
  return a?.kind === 'entry' ? a.entry : undefined;
}

export function requestFor(command: 'applyAll' | 'applyUpTo' | 'applyOne' | 'rollbackLast' | 'rollbackTo', arg: unknown): RunRequest {
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

/**
 * Runs an up or down request: plans from a fresh status, asks (modal, with the plan and the SQL of a
 * rollback), runs with progress and cancel, and reports. Returns the result, or undefined when nothing ran.
 */
export async function runMigrations(manager: ConnectionManager, storage: vscode.Uri, req: RunRequest, opts: { confirmed?: boolean } = {}): Promise<RunResult | undefined> {
  const active = manager.current;
  if (!active) throw new Error('not connected: select a connection first');
  const state = await loadMigrationsState(manager);
  if (!state.discovery || !state.status) throw new Error(state.message ?? 'no migrations found');
  if (state.configProblems.length) throw new Error(`pgopt.json: ${state.configProblems.join('; ')}`);
  const { settings } = folderSettings(state.folder);
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
  const lines = upPlan
    ? upPlan.steps.map((s) => `↑ ${s.migration.version} ${s.migration.name}${s.resumeAt ? ` (resumes at statement ${s.resumeAt + 1})` : s.retry ? ' (retry)' : ''}`)
    : (downPlan?.steps ?? []).map((s) => `↓ ${s.version} ${s.name}${s.generated ? ' (generated down SQL)' : ''}\n${s.sql.trim()}`);
  if (!opts.confirmed) {
    const verb = req.direction === 'up' ? 'Apply' : 'Roll Back';
    const pick = await vscode.window.showWarningMessage(
      `${verb} ${plan.steps.length} migration${plan.steps.length === 1 ? '' : 's'} on "${active.name}" (${active.caps.database})?`,
      { modal: true, detail: [...lines, ...plan.warnings.map((w) => `warning: ${w}`)].join('\n\n') },
      verb,
    );
    if (pick !== verb) return undefined;
  }
  const spec = active.session.spec;
  const audit = new EditorAuditSink(vscode.Uri.joinPath(storage, 'audit.jsonl').fsPath);
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

/** Opens a diff editor: the SQL as applied (from the tracking table) vs the file now. */
export async function showMigrationDrift(arg: unknown): Promise<void> {
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
