// Runs SQL the user asked to apply now (a finding's CREATE INDEX, a VALIDATE CONSTRAINT...) on its own
// connection, never the analysis session. Atomic where Postgres allows it: statements that may run in a
// transaction run in one, all or nothing; a batch holding a statement that cannot (CREATE/DROP INDEX
// CONCURRENTLY, REINDEX CONCURRENTLY, VACUUM, ...) runs statement by statement in autocommit, stops at
// the first failure and says exactly which statements completed. A CREATE INDEX CONCURRENTLY that fails
// leaves an INVALID index behind (and `IF NOT EXISTS` would then silently skip it on a retry), so it is
// dropped before returning.
import type pg from 'pg';
import { splitSql } from '../sql/splitter';
import { CancelledError } from './session';
import { cancelRunningQuery, openClient, type ConnectOptions } from './connect';
import type { ConnectionSpec } from './connectionSpec';

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

const NON_TRANSACTIONAL = [
  /^\s*(CREATE\s+(UNIQUE\s+)?INDEX|DROP\s+INDEX|REINDEX\b[^;]*?)\s+CONCURRENTLY\b/i,
  /^\s*REINDEX\s*\([^)]*\)\s*\w+\s+CONCURRENTLY\b/i,
  /^\s*ALTER\s+TABLE\b[\s\S]*\bDETACH\s+PARTITION\b[\s\S]*\bCONCURRENTLY\b/i,
  /^\s*VACUUM\b/i,
  /^\s*(CREATE|DROP)\s+DATABASE\b/i,
  /^\s*ALTER\s+SYSTEM\b/i,
  /^\s*(CREATE|DROP)\s+TABLESPACE\b/i,
];

/** Whether a statement cannot run inside a transaction block. */
export function needsAutocommit(statement: string): boolean {
  return NON_TRANSACTIONAL.some((re) => re.test(statement));
}

/** Statements of a script, without empty pieces and without explicit BEGIN/COMMIT (we own the transaction). */
export function statementsOf(sql: string): string[] {
  return splitSql(sql)
    .pieces.map((p) => p.text.trim())
    .filter((t) => t.length > 0 && !/^(BEGIN|START\s+TRANSACTION|COMMIT|END)\b\s*(WORK|TRANSACTION)?\s*$/i.test(t));
}

const CIC_NAME = /^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\s+ON\s+(?:ONLY\s+)?((?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)\.)?/i;

export async function applyStatements(spec: ConnectionSpec, sql: string, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const started = performance.now();
  const statements = statementsOf(sql);
  if (statements.length === 0) throw new Error('there is no SQL statement to apply');
  const transactional = !statements.some(needsAutocommit);
  const results: AppliedStatement[] = statements.map((s) => ({ sql: s, status: 'not run', durationMs: 0 }));
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
    for (const r of results) {
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
        if (!transactional) await dropInvalidIndexLeftBy(client, r.sql, cleanup);
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

async function dropInvalidIndexLeftBy(client: pg.Client, statement: string, cleanup: string[]): Promise<void> {
  const m = CIC_NAME.exec(statement);
  if (!m?.[1]) return;
  const name = unquote(m[1]);
  const schema = m[2] ? unquote(m[2].slice(0, -1)) : undefined;
  try {
    const rows = await client.query<{ qualified: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS qualified
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT i.indisvalid AND c.relname = $1 AND ($2::text IS NULL OR n.nspname = $2)
          AND ($2::text IS NOT NULL OR pg_catalog.pg_table_is_visible(c.oid))`,
      [name, schema ?? null],
    );
    for (const r of rows.rows) {
      await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${r.qualified}`);
      cleanup.push(`dropped the INVALID index ${r.qualified} that the failed concurrent build left behind`);
    }
  } catch (e) {
    cleanup.push(`could not drop the INVALID index "${name}" left by the failed build: ${(e as Error).message}; drop it with DROP INDEX CONCURRENTLY before retrying`);
  }
}

function unquote(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident.toLowerCase();
}
