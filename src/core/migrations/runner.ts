// Applies and rolls back migrations. Two sessions: one only holds the advisory lock and stays idle; the
// other runs the migrations. Each migration runs in its own transaction with its tracking row written in
// that same transaction, so a crash leaves either all of it (and its row) or none of it. A migration that
// holds statements which cannot run in a transaction runs statement by statement; each completed
// statement is recorded (in the statement's own transaction when it can have one), so a re-run resumes
// after the last completed statement, and an INVALID index left by an interrupted concurrent build is
// dropped (DROP INDEX CONCURRENTLY) before the build is retried.
import { userInfo } from 'node:os';
import type pg from 'pg';
import { indexState } from '../db/indexState';
import { sendUnmarked } from '../db/markedClient';
import { CancelledError, type QueryRunner } from '../db/session';
import { loadParser } from '../sql/parser';
import { qualifiedName } from '../sql/quote';
import { TOOL_MARKER } from '../sql/toolStatements';
import { releaseMigrationLock, tryAcquireMigrationLock } from './advisoryLock';
import type { AuditRecord, AuditSink } from './audit';
import { planDown, planUp, type DownStep, type DownTarget, type Plan, type PlanOptions, type UpStep, type UpTarget } from './plan';
import { planStatements, type MigrationStatement } from './statements';
import { readStatus } from './status';
import { createTrackingTableSql, DELETE_ROW_SQL, schemaExists, trackingTableExists, UPDATE_LOG_SQL, upsertRowLiteralSql, UPSERT_ROW_SQL } from './trackingTable';
import { DEFAULT_TRACKING, type DiscoveryProblem, type Migration, type StatementLog, type TrackingTarget } from './types';

export type MigrationProgress =
  | { kind: 'locked' }
  | { kind: 'start'; direction: 'up' | 'down'; version: string; name: string; mode: 'transaction' | 'statements'; total: number; resumeAt: number }
  | { kind: 'statement'; version: string; index: number; total: number; durationMs: number; skipped?: string }
  | { kind: 'invalid-index-dropped'; version: string; index: string }
  | { kind: 'done'; direction: 'up' | 'down'; version: string; durationMs: number }
  | { kind: 'failed'; direction: 'up' | 'down'; version: string; error: string };

export interface RunnerOptions extends PlanOptions {
  /** Opens a new session (called twice: lock session and work session). */
  connect: () => Promise<pg.Client>;
  tracking?: TrackingTarget;
  /** Connection description for the audit log (redacted again by the sink). */
  connectionLabel: string;
  audit?: AuditSink;
  signal?: AbortSignal;
  onProgress?: (p: MigrationProgress) => void;
  /** SET lock_timeout on the work session (a migration waiting behind a long query blocks everyone queued behind it). */
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
  /** Discovery problems (duplicates block a run). */
  problems?: DiscoveryProblem[];
  /** The migrations are pgopt's own (the shared store's schema): their statements carry the marker too. */
  ownStatements?: boolean;
}

export interface MigrationOutcome {
  version: string;
  name: string;
  mode: 'transaction' | 'statements';
  durationMs: number;
  statements: number;
  resumedAt?: number;
  notes?: string[];
}

export interface RunResult {
  direction: 'up' | 'down';
  ok: boolean;
  /** Migrations completed in this run, in order. */
  done: MigrationOutcome[];
  failed?: { version: string; name: string; statementIndex?: number; sql?: string; error: string; code?: string };
  cancelled?: boolean;
  /** Present when the run did not start (blockers); nothing was written. */
  blockers?: string[];
  warnings: string[];
}

class RunAbort extends Error {}

interface Ctx {
  opts: RunnerOptions;
  tracking: TrackingTarget;
  lock: pg.Client;
  work: pg.Client;
  workPid: number;
  serverVersionNum: number;
  actor: string;
  role: string;
  lockLost?: Error;
  workLost?: Error;
}

function queryRunner(c: pg.Client): QueryRunner {
  return { query: async <R extends object>(sql: string, params?: unknown[]) => (await c.query<R>(sql, params)).rows };
}

/** Applies pending migrations (all, up to a version, or exactly one). */
export async function applyMigrations(migrations: readonly Migration[], opts: RunnerOptions & { target?: UpTarget }): Promise<RunResult> {
  return withSessions(opts, async (ctx) => {
    const status = await readStatus(queryRunner(ctx.work), migrations, { tracking: ctx.tracking, source: 'auto', problems: opts.problems ?? [] });
    const plan = planUp(status, opts.target, opts);
    if (plan.blockers.length) return { direction: 'up', ok: false, done: [], blockers: plan.blockers, warnings: plan.warnings };
    return runUp(ctx, plan);
  });
}

/** Rolls back the last applied migration(s), or everything newer than a version. */
export async function rollbackMigrations(migrations: readonly Migration[], opts: RunnerOptions & { target?: DownTarget }): Promise<RunResult> {
  return withSessions(opts, async (ctx) => {
    const status = await readStatus(queryRunner(ctx.work), migrations, { tracking: ctx.tracking, source: 'auto' });
    const plan = planDown(status, opts.target);
    if (plan.blockers.length) return { direction: 'down', ok: false, done: [], blockers: plan.blockers, warnings: plan.warnings };
    return runDown(ctx, plan);
  });
}

async function withSessions(opts: RunnerOptions, fn: (ctx: Ctx) => Promise<RunResult>): Promise<RunResult> {
  await loadParser();
  const tracking = opts.tracking ?? DEFAULT_TRACKING;
  if (opts.signal?.aborted) throw new CancelledError();
  const lock = await opts.connect();
  let ctx: Ctx | undefined;
  const onLockError = (e: Error): void => {
    if (ctx) ctx.lockLost = e;
  };
  lock.on('error', onLockError);
  let locked = false;
  let work: pg.Client | undefined;
  try {
    // Named so that a second runner's message (and pg_stat_activity) shows which session holds the lock.
    await lock.query(`SELECT set_config('application_name', left(current_setting('application_name') || ' [migration lock]', 63), false)`);
    await tryAcquireMigrationLock(lock, tracking);
    locked = true;
    opts.onProgress?.({ kind: 'locked' });
    work = await opts.connect();
    const w = work;
    w.on('error', (e) => {
      if (ctx) ctx.workLost = e;
    });
    const info = (await w.query<{ num: number; pid: number; usr: string }>(`SELECT current_setting('server_version_num')::int AS num, pg_backend_pid() AS pid, current_user AS usr`)).rows[0];
    ctx = { opts, tracking, lock, work: w, workPid: info?.pid ?? 0, serverVersionNum: info?.num ?? 0, actor: `${osUser()} (db: ${info?.usr ?? '?'})`, role: info?.usr ?? '?' };
    const c = ctx;
    // Cancel from the idle lock session: a real cancel of whatever the work session is running.
    const onAbort = (): void => {
      void lock.query('SELECT pg_cancel_backend($1)', [c.workPid]).catch(() => undefined);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await fn(c);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  } finally {
    if (work) await work.end().catch(() => undefined);
    if (locked && !ctx?.lockLost) await releaseMigrationLock(lock, tracking).catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

function audit(ctx: Ctx, r: Omit<AuditRecord, 'actor' | 'connection'>): void {
  try {
    ctx.opts.audit?.write({ actor: ctx.actor, osUser: osUser(), role: ctx.role, connection: ctx.opts.connectionLabel, ...r });
  } catch (e) {
    // An audit log that cannot be written stops the run: writes must not go unrecorded.
    throw new Error(`cannot write the audit log: ${(e as Error).message}`);
  }
}

function checkAlive(ctx: Ctx): void {
  if (ctx.opts.signal?.aborted) throw new CancelledError();
  if (ctx.lockLost) throw new RunAbort(`the lock session was lost (${ctx.lockLost.message}); stopping so two runners cannot overlap`);
  if (ctx.workLost) throw new RunAbort(`the connection was lost: ${ctx.workLost.message}`);
}

/**
 * Before each migration: a plain session. A migration's SET (search_path, role, timeouts) outlives its
 * transaction; it must not leak into the next migration or into the tracking-table writes.
 */
function resetSessionSql(ctx: Ctx, thenBegin = false): string[] {
  // The timeouts are integers, validated here, not user text.
  const ms = (v: number | undefined): string => (v !== undefined && Number.isInteger(v) && v >= 0 ? `${v}ms` : '0');
  const { lockTimeoutMs, statementTimeoutMs } = ctx.opts;
  const parts = ['RESET ALL'];
  if (lockTimeoutMs !== undefined || statementTimeoutMs !== undefined) parts.push(`SET lock_timeout = '${ms(lockTimeoutMs)}'`, `SET statement_timeout = '${ms(statementTimeoutMs)}'`);
  if (thenBegin) parts.push('BEGIN');
  // Sent as one string: the client marks only its start, and pg_stat_statements records each statement
  // from just after the previous `;`, so each of the runner's own statements carries the marker itself.
  return parts.map((p) => `${TOOL_MARKER} ${p}`);
}

async function resetSession(ctx: Ctx, thenBegin = false): Promise<void> {
  await ctx.work.query(resetSessionSql(ctx, thenBegin).join('; '));
}

async function ensureTrackingTable(ctx: Ctx): Promise<void> {
  const q = queryRunner(ctx.work);
  if (await trackingTableExists(q, ctx.tracking)) return;
  const sql = createTrackingTableSql(ctx.tracking, !(await schemaExists(q, ctx.tracking.schema)));
  const started = Date.now();
  const at = new Date().toISOString();
  try {
    await ctx.work.query(sql);
    audit(ctx, { at, action: 'create-tracking-table', sql, result: 'ok', durationMs: Date.now() - started });
  } catch (e) {
    audit(ctx, { at, action: 'create-tracking-table', sql, result: isCancel(e, ctx) ? 'cancelled' : 'failed', error: (e as Error).message, durationMs: Date.now() - started });
    throw e;
  }
}

function errorInfo(e: unknown): { error: string; code?: string } {
  const err = e as { message?: string; code?: string };
  return { error: err.message ?? String(e), ...(err.code ? { code: err.code } : {}) };
}

function isCancel(e: unknown, ctx: Ctx): boolean {
  return e instanceof CancelledError || ((e as { code?: string }).code === '57014' && !!ctx.opts.signal?.aborted);
}

async function runUp(ctx: Ctx, plan: Plan<UpStep>): Promise<RunResult> {
  const done: MigrationOutcome[] = [];
  if (plan.steps.length === 0) return { direction: 'up', ok: true, done, warnings: plan.warnings };
  try {
    checkAlive(ctx);
    await resetSession(ctx);
    await ensureTrackingTable(ctx);
  } catch (e) {
    return { direction: 'up', ok: false, done, failed: { version: '', name: '', ...errorInfo(e) }, cancelled: isCancel(e, ctx), warnings: plan.warnings };
  }
  for (const step of plan.steps) {
    const m = step.migration;
    const sp = planStatements(m.upSql, { serverVersionNum: ctx.serverVersionNum, ...(m.noTransaction ? { noTransaction: true } : {}) });
    const started = Date.now();
    const at = new Date().toISOString();
    if (sp.error) {
      audit(ctx, { at, action: 'apply', version: m.version, name: m.name, sql: m.upSql, result: 'failed', error: sp.error, durationMs: 0 });
      return { direction: 'up', ok: false, done, failed: { version: m.version, name: m.name, error: sp.error }, warnings: plan.warnings };
    }
    ctx.opts.onProgress?.({ kind: 'start', direction: 'up', version: m.version, name: m.name, mode: sp.mode, total: sp.statements.length, resumeAt: step.resumeAt });
    const notes: string[] = [];
    let failedAt: { index: number; sql: string } | undefined;
    try {
      checkAlive(ctx);
      if (sp.mode === 'statements') await resetSession(ctx);
      if (sp.mode === 'transaction') await applyInTransaction(ctx, m, sp.statements, started, (i) => (failedAt = { index: i, sql: sp.statements[i]?.sql ?? '' }));
      else await applyStatementByStatement(ctx, m, sp.statements, step, started, notes, (i) => (failedAt = { index: i, sql: sp.statements[i]?.sql ?? '' }));
    } catch (e) {
      const info = errorInfo(e);
      const cancelled = isCancel(e, ctx);
      await recordFailure(ctx, m, sp.mode, sp.statements.length, failedAt, info, started, step).catch(() => undefined);
      audit(ctx, { at, action: 'apply', version: m.version, name: m.name, sql: m.upSql, result: cancelled ? 'cancelled' : 'failed', ...info, durationMs: Date.now() - started });
      ctx.opts.onProgress?.({ kind: 'failed', direction: 'up', version: m.version, error: info.error });
      return {
        direction: 'up',
        ok: false,
        done,
        failed: { version: m.version, name: m.name, ...(failedAt ? { statementIndex: failedAt.index, sql: failedAt.sql } : {}), ...info },
        ...(cancelled ? { cancelled } : {}),
        warnings: plan.warnings,
      };
    }
    const durationMs = Date.now() - started;
    audit(ctx, { at, action: 'apply', version: m.version, name: m.name, sql: m.upSql, result: 'ok', durationMs });
    ctx.opts.onProgress?.({ kind: 'done', direction: 'up', version: m.version, durationMs });
    done.push({ version: m.version, name: m.name, mode: sp.mode, durationMs, statements: sp.statements.length, ...(step.resumeAt ? { resumedAt: step.resumeAt } : {}), ...(notes.length ? { notes } : {}) });
  }
  return { direction: 'up', ok: true, done, warnings: plan.warnings };
}

async function runStatement(ctx: Ctx, version: string, s: MigrationStatement, total: number): Promise<void> {
  checkAlive(ctx);
  const t0 = Date.now();
  // The user's statement, as written: unmarked (docs/footprint.md); pgopt's own migrations are marked.
  if (ctx.opts.ownStatements) await ctx.work.query(s.sql);
  else await sendUnmarked(ctx.work, s.sql);
  ctx.opts.onProgress?.({ kind: 'statement', version, index: s.index, total, durationMs: Date.now() - t0 });
}

function rowParams(ctx: Ctx, m: Migration, durationMs: number | null, success: boolean, log: StatementLog): unknown[] {
  return [m.version, m.name, m.checksum, m.upSql, ctx.actor, durationMs, success, JSON.stringify(log)];
}

/**
 * A transactional migration travels as one simple query — session reset, BEGIN and all its statements —
 * then the tracking row and COMMIT as a second: two round trips whatever its length. Which statement
 * failed is still known exactly: the server acknowledges each completed statement (CommandComplete), and
 * a syntax error, found before anything runs, carries its position in the text.
 */
async function applyInTransaction(ctx: Ctx, m: Migration, stmts: MigrationStatement[], started: number, at: (i: number) => void): Promise<void> {
  const prefix = resetSessionSql(ctx, true);
  const offsets: number[] = [];
  let text = `${prefix.join(';\n')};\n`;
  for (const st of stmts) {
    offsets.push(text.length);
    text += `${ctx.opts.ownStatements ? `${TOOL_MARKER} ` : ''}${st.sql};\n`;
  }
  const acks: number[] = [];
  const conn = (ctx.work as unknown as { connection?: { on(e: string, f: () => void): void; removeListener(e: string, f: () => void): void } }).connection;
  const onAck = (): void => {
    acks.push(Date.now());
  };
  conn?.on('commandComplete', onAck);
  const t0 = Date.now();
  try {
    checkAlive(ctx);
    try {
      await ctx.work.query(text);
    } catch (e) {
      at(failedStatement(e, acks.length - prefix.length, offsets, text, !!conn));
      throw e;
    } finally {
      conn?.removeListener('commandComplete', onAck);
    }
    let prev = acks[prefix.length - 1] ?? t0;
    for (const st of stmts) {
      const done = acks[prefix.length + st.index] ?? prev;
      ctx.opts.onProgress?.({ kind: 'statement', version: m.version, index: st.index, total: stmts.length, durationMs: done - prev });
      prev = done;
    }
    at(-1);
    checkAlive(ctx);
    const log: StatementLog = { mode: 'transaction', total: stmts.length, completed: stmts.length };
    // Row and COMMIT in one round trip (literals quoted by quoteLiteral; a failure leaves the transaction
    // aborted and the catch below rolls it back).
    await ctx.work.query(`${upsertRowLiteralSql(ctx.tracking, rowParams(ctx, m, Date.now() - started, true, log))}; ${TOOL_MARKER} COMMIT`);
  } catch (e) {
    await ctx.work.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Index of the statement that failed in a batch, or -1 when it cannot be told. */
function failedStatement(e: unknown, completed: number, offsets: readonly number[], text: string, counted: boolean): number {
  const pos = Number((e as { position?: string }).position);
  if (Number.isFinite(pos) && pos > 0) {
    // position counts characters (1-based) in the query text.
    const at = codePointOffsetToUtf16(text, pos - 1);
    let idx = -1;
    for (let i = 0; i < offsets.length; i++) if ((offsets[i] as number) <= at) idx = i;
    if (idx >= 0) return idx;
  }
  return counted && completed >= 0 && completed < offsets.length ? completed : -1;
}

function codePointOffsetToUtf16(text: string, n: number): number {
  let units = 0;
  for (let points = 0; units < text.length && points < n; points++) {
    const c = text.charCodeAt(units);
    units += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
  }
  return units;
}

async function applyStatementByStatement(ctx: Ctx, m: Migration, stmts: MigrationStatement[], step: UpStep, started: number, notes: string[], at: (i: number) => void): Promise<void> {
  const total = stmts.length;
  const log: StatementLog = { mode: 'statements', total, completed: step.resumeAt };
  // The row exists (success = false) before the first statement runs: a crash from here on shows as
  // "failed after N statements", never as pending with half of it applied.
  await ctx.work.query(UPSERT_ROW_SQL(ctx.tracking), rowParams(ctx, m, null, false, log));
  for (const s of stmts.slice(step.resumeAt)) {
    at(s.index);
    checkAlive(ctx);
    const first = s.index === step.resumeAt && step.interrupted;
    if (s.noTransaction) {
      let skipped: string | undefined;
      if (s.concurrentIndex) {
        const st = await indexState(ctx.work, s.concurrentIndex.schema, s.concurrentIndex.name);
        if (st && !st.valid) {
          // Left by an interrupted or failed CREATE INDEX CONCURRENTLY: unusable, yet it blocks the retry.
          const dropSql = `DROP INDEX CONCURRENTLY ${st.qualified}`;
          const t0 = Date.now();
          const when = new Date().toISOString();
          try {
            await ctx.work.query(dropSql);
            audit(ctx, { at: when, action: 'drop-invalid-index', version: m.version, name: m.name, sql: dropSql, result: 'ok', durationMs: Date.now() - t0 });
          } catch (e) {
            audit(ctx, { at: when, action: 'drop-invalid-index', version: m.version, name: m.name, sql: dropSql, result: 'failed', error: (e as Error).message, durationMs: Date.now() - t0 });
            throw e;
          }
          notes.push(`dropped INVALID index ${st.qualified} left by an interrupted concurrent build, then rebuilt it`);
          ctx.opts.onProgress?.({ kind: 'invalid-index-dropped', version: m.version, index: st.qualified });
        } else if (st && first && !s.concurrentIndex.ifNotExists) {
          // The build finished but the run stopped before recording it (the only window outside a transaction).
          skipped = `index ${st.qualified} already built by the interrupted run`;
        }
      } else if (s.concurrentDrop && first) {
        if (!(await indexState(ctx.work, s.concurrentDrop.schema, s.concurrentDrop.name))) skipped = `index ${s.concurrentDrop.name} already dropped by the interrupted run`;
      }
      if (skipped) {
        notes.push(skipped);
        ctx.opts.onProgress?.({ kind: 'statement', version: m.version, index: s.index, total, durationMs: 0, skipped });
      } else await runStatement(ctx, m.version, s, total);
      log.completed = s.index + 1;
      if (skipped) log.notes = [...(log.notes ?? []), skipped];
      await ctx.work.query(UPDATE_LOG_SQL(ctx.tracking), [m.version, JSON.stringify(log), false, null]);
    } else {
      // A statement that can be in a transaction is recorded in the same transaction: done and recorded
      // together, or neither.
      await ctx.work.query('BEGIN');
      try {
        await runStatement(ctx, m.version, s, total);
        log.completed = s.index + 1;
        await ctx.work.query(UPDATE_LOG_SQL(ctx.tracking), [m.version, JSON.stringify(log), false, null]);
        await ctx.work.query('COMMIT');
      } catch (e) {
        log.completed = s.index;
        await ctx.work.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    }
  }
  at(-1);
  checkAlive(ctx);
  delete log.failed;
  await ctx.work.query(UPDATE_LOG_SQL(ctx.tracking), [m.version, JSON.stringify(log), true, Date.now() - started]);
}

async function recordFailure(
  ctx: Ctx,
  m: Migration,
  mode: 'transaction' | 'statements',
  total: number,
  failedAt: { index: number; sql: string } | undefined,
  info: { error: string; code?: string },
  started: number,
  step: UpStep,
): Promise<void> {
  if (ctx.workLost) return; // nothing can be written; the row (if any) already tells the truth
  const index = failedAt?.index ?? -1;
  const failed = { index, sql: failedAt?.sql ?? '', ...info };
  if (mode === 'transaction') {
    const log: StatementLog = { mode, total, completed: 0, failed };
    await ctx.work.query(UPSERT_ROW_SQL(ctx.tracking), rowParams(ctx, m, Date.now() - started, false, log));
    return;
  }
  const completed = index >= 0 ? index : step.resumeAt;
  const prev = await ctx.work.query<{ log: StatementLog }>(`SELECT log FROM ${qualifiedName(ctx.tracking.schema, ctx.tracking.table)} WHERE version = $1`, [m.version]);
  const log: StatementLog = { ...(prev.rows[0]?.log ?? { mode, total }), mode, total, completed: Math.max(prev.rows[0]?.log?.completed ?? 0, completed), failed };
  if (prev.rows[0]) await ctx.work.query(UPDATE_LOG_SQL(ctx.tracking), [m.version, JSON.stringify(log), false, Date.now() - started]);
  else await ctx.work.query(UPSERT_ROW_SQL(ctx.tracking), rowParams(ctx, m, Date.now() - started, false, log));
}

async function runDown(ctx: Ctx, plan: Plan<DownStep>): Promise<RunResult> {
  const done: MigrationOutcome[] = [];
  for (const step of plan.steps) {
    const sp = planStatements(step.sql, { serverVersionNum: ctx.serverVersionNum });
    const started = Date.now();
    const at = new Date().toISOString();
    let failedAt: { index: number; sql: string } | undefined;
    try {
      if (sp.error) throw new Error(sp.error);
      checkAlive(ctx);
      await resetSession(ctx);
      ctx.opts.onProgress?.({ kind: 'start', direction: 'down', version: step.version, name: step.name, mode: sp.mode, total: sp.statements.length, resumeAt: 0 });
      if (sp.mode === 'transaction') {
        await ctx.work.query('BEGIN');
        try {
          for (const s of sp.statements) {
            failedAt = { index: s.index, sql: s.sql };
            await runStatement(ctx, step.version, s, sp.statements.length);
          }
          failedAt = undefined;
          await ctx.work.query(DELETE_ROW_SQL(ctx.tracking), [step.version]);
          await ctx.work.query('COMMIT');
        } catch (e) {
          await ctx.work.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
      } else {
        // Outside a transaction (DROP INDEX CONCURRENTLY …): statements one by one, then the row goes.
        for (const s of sp.statements) {
          failedAt = { index: s.index, sql: s.sql };
          if (s.concurrentDrop && !(await indexState(ctx.work, s.concurrentDrop.schema, s.concurrentDrop.name))) continue;
          await runStatement(ctx, step.version, s, sp.statements.length);
        }
        failedAt = undefined;
        await ctx.work.query(DELETE_ROW_SQL(ctx.tracking), [step.version]);
      }
    } catch (e) {
      const info = errorInfo(e);
      const cancelled = isCancel(e, ctx);
      audit(ctx, { at, action: 'rollback', version: step.version, name: step.name, sql: step.sql, result: cancelled ? 'cancelled' : 'failed', ...info, durationMs: Date.now() - started });
      ctx.opts.onProgress?.({ kind: 'failed', direction: 'down', version: step.version, error: info.error });
      return {
        direction: 'down',
        ok: false,
        done,
        failed: { version: step.version, name: step.name, ...(failedAt ? { statementIndex: failedAt.index, sql: failedAt.sql } : {}), ...info },
        ...(cancelled ? { cancelled } : {}),
        warnings: plan.warnings,
      };
    }
    const durationMs = Date.now() - started;
    audit(ctx, { at, action: 'rollback', version: step.version, name: step.name, sql: step.sql, result: 'ok', durationMs });
    ctx.opts.onProgress?.({ kind: 'done', direction: 'down', version: step.version, durationMs });
    done.push({ version: step.version, name: step.name, mode: sp.mode, durationMs, statements: sp.statements.length });
  }
  return { direction: 'down', ok: true, done, warnings: plan.warnings };
}

export { RunAbort as MigrationRunAborted };
