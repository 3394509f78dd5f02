// Runs SQL the user asked to apply now (a finding's CREATE INDEX, a VALIDATE CONSTRAINT...) on its own
// connection, never the analysis session. Atomic where Postgres allows it: statements that may run in a
// transaction run in one, all or nothing; a batch holding a statement that cannot (CREATE/DROP INDEX
// CONCURRENTLY, REINDEX CONCURRENTLY, VACUUM, ...) runs statement by statement in autocommit, stops at
// the first failure and says exactly which statements completed. A CREATE INDEX CONCURRENTLY that fails
// leaves an INVALID index behind (and `IF NOT EXISTS` would then silently skip it on a retry), so it is
// dropped before returning.
import type pg from 'pg';
import { planStatements, type StatementPlan } from '../migrations/statements';
import { loadParser } from '../sql/parser';
import { CancelledError } from './session';
import { cancelRunningQuery, openClient, type ConnectOptions } from './connect';
import type { ConnectionSpec } from './connectionSpec';
import { indexState } from './indexState';

export interface AppliedStatement {
  sql: string;
  status: 'ok' | 'failed' | 'not run' | 'rolled back';
  durationMs: number;
  error?: string;
}

export interface ApplyResult {
  ok: boolean;
  /** True when every statement ran in one transaction (so a failure changed nothing). */
  transactional: boolean;
  statements: AppliedStatement[];
  durationMs: number;
  /** What was done to clean up after a failure, e.g. an INVALID index dropped. */
  cleanup: string[];
}

export interface ApplyOptions extends ConnectOptions {
  signal?: AbortSignal;
  /** Default 5 s: a DDL statement waiting behind a long transaction must not queue every other query behind it. */
  lockTimeoutMs?: number;
  /** Default 0 (none): building an index on a big table legitimately takes long. */
  statementTimeoutMs?: number;
}

/** Whether a statement cannot run inside a transaction block (the migration runner's rules). Needs loadParser(). */
export function needsAutocommit(statement: string): boolean {
  return planStatements(statement).mode === 'statements';
}

/**
 * Statements of a script as the migration runner splits them, without a BEGIN … COMMIT wrapper (we own the
 * transaction); SQL with its own transaction control in the middle is refused. Needs loadParser().
 */
export function statementsOf(sql: string): string[] {
  return planOf(sql).statements.map((st) => st.sql.trim()).filter((t) => t.length > 0);
}

function planOf(sql: string): StatementPlan {
  const plan = planStatements(sql);
  if (plan.error) throw new Error(plan.error);
  return plan;
}

export async function applyStatements(spec: ConnectionSpec, sql: string, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const started = performance.now();
  await loadParser();
  const plan = planOf(sql);
  const statements = plan.statements.filter((st) => st.sql.trim().length > 0);
  if (statements.length === 0) throw new Error('there is no SQL statement to apply');
  const transactional = plan.mode === 'transaction';
  const results: AppliedStatement[] = statements.map((st) => ({ sql: st.sql.trim(), status: 'not run', durationMs: 0 }));
  const cleanup: string[] = [];
  if (opts.signal?.aborted) throw new CancelledError();
  const client = await openClient(spec, opts);
  const onAbort = (): void => void cancelRunningQuery(client, spec);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await client.query(`SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false), set_config('application_name', 'pgopt apply', false)`, [
      `${opts.lockTimeoutMs ?? 5000}ms`,
      `${opts.statementTimeoutMs ?? 0}ms`,
    ]);
    if (transactional) await client.query('BEGIN');
    let failed = false;
    for (const [i, r] of results.entries()) {
      if (opts.signal?.aborted) break;
      const t0 = performance.now();
      try {
        await client.query(r.sql);
        r.status = 'ok';
      } catch (e) {
        r.status = 'failed';
        r.error = describePgError(e, opts.signal);
        failed = true;
      }
      r.durationMs = Math.round(performance.now() - t0);
      if (failed) {
        const built = statements[i]?.concurrentIndex;
        if (!transactional && built) await dropInvalidIndexLeftBy(client, built, cleanup);
        break;
      }
    }
    const aborted = opts.signal?.aborted ?? false;
    if (transactional) {
      if (failed || aborted) {
        await client.query('ROLLBACK').catch(() => undefined);
        for (const r of results) if (r.status === 'ok') r.status = 'rolled back';
      } else {
        await client.query('COMMIT');
      }
    }
    if (aborted && !failed) {
      const done = results.filter((r) => r.status === 'ok').length;
      throw new CancelledError(transactional ? 'Cancelled; nothing was changed.' : `Cancelled after ${done} of ${results.length} statements; those ${done} stay applied.`);
    }
    return { ok: !failed, transactional, statements: results, durationMs: Math.round(performance.now() - started), cleanup };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await client.end().catch(() => undefined);
  }
}

function describePgError(e: unknown, signal: AbortSignal | undefined): string {
  const err = e as { code?: string; message?: string };
  if (err.code === '57014' && signal?.aborted) return 'cancelled';
  if (err.code === '55P03') return `${err.message ?? 'lock timeout'} (waited for a lock held by another session; retry when it is released)`;
  if (err.code === '42501') return `${err.message ?? 'permission denied'} (the connection's role lacks the privilege)`;
  return err.message ?? String(e);
}

async function dropInvalidIndexLeftBy(client: pg.Client, built: { schema?: string; name: string }, cleanup: string[]): Promise<void> {
  try {
    const st = await indexState(client, built.schema, built.name);
    if (st && !st.valid) {
      await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${st.qualified}`);
      cleanup.push(`dropped the INVALID index ${st.schema}.${built.name} that the failed concurrent build left behind`);
    }
  } catch (e) {
    cleanup.push(`could not drop the INVALID index "${built.name}" left by the failed build: ${(e as Error).message}; drop it with DROP INDEX CONCURRENTLY before retrying`);
  }
}
