// The safe analysis session: every analyzer query runs inside BEGIN READ ONLY with SET LOCAL
// statement_timeout / lock_timeout and is always rolled back. One pg client per connection; read-only
// units are serialised so two analyzers never interleave their transactions on the same client.
import type pg from 'pg';
import { DEFAULT_ANALYSIS, type AnalysisSettings } from '../config';
import { cancelRunningQuery, openClient, type ConnectOptions } from './connect';
import type { ConnectionSpec } from './connectionSpec';

export interface QueryRunner {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

export class CancelledError extends Error {
  constructor(message = 'Cancelled.') {
    super(message);
    this.name = 'CancelledError';
  }
}

export class QueryTimeoutError extends Error {
  constructor(
    readonly timeoutMs: number,
    readonly kind: 'statement' | 'lock',
  ) {
    super(
      kind === 'statement'
        ? `the query ran longer than ${timeoutMs} ms and was stopped (setting pgopt.analysis.statementTimeoutMs)`
        : `the query waited longer than ${timeoutMs} ms for a lock and was stopped (setting pgopt.analysis.lockTimeoutMs)`,
    );
    this.name = 'QueryTimeoutError';
  }
}

export interface ReadOnlyOptions {
  signal?: AbortSignal;
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
  /**
   * `false`: JIT compilation off for this unit. Catalog queries over many relations get planner costs in the
   * millions, which triggers JIT, and compiling costs more than it saves (measured on 10,000 tables / 30,000
   * indexes: 1.6 s → 0.7 s for one query). The report's analyzers run with it off; EXPLAIN of the user's own
   * statements keeps the server's setting, so its plans and timings are the ones the application gets.
   */
  jit?: false;
}

export class DbSession {
  private queue: Promise<unknown> = Promise.resolve();
  private dead: Error | undefined;

  private constructor(
    readonly spec: ConnectionSpec,
    readonly client: pg.Client,
    readonly settings: AnalysisSettings,
    readonly serverVersionNum: number,
    readonly serverVersion: string,
    readonly backendPid: number,
  ) {
    client.on('error', (e) => {
      this.dead = e;
    });
    client.on('end', () => {
      this.dead ??= new Error('the connection was closed');
    });
  }

  static async open(spec: ConnectionSpec, opts: ConnectOptions & { analysis?: AnalysisSettings } = {}): Promise<DbSession> {
    const client = await openClient(spec, opts);
    try {
      const r = await client.query<{ num: string; version: string; pid: number }>(
        `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version, pg_backend_pid() AS pid`,
      );
      const row = r.rows[0];
      if (!row) throw new Error('server returned no version');
      return new DbSession(spec, client, opts.analysis ?? DEFAULT_ANALYSIS, Number(row.num), row.version, row.pid);
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  get deathReason(): string | undefined {
    return this.dead?.message;
  }

  /** Runs fn in a READ ONLY transaction with bounded timeouts, then rolls back whatever happened. */
  readOnly<T>(fn: (q: QueryRunner) => Promise<T>, opts: ReadOnlyOptions = {}): Promise<T> {
    return this.unit('BEGIN READ ONLY', fn, opts);
  }

  /**
   * Runs fn in a READ WRITE transaction with the same bounded timeouts, and ALWAYS rolls it back. Only for
   * work the user confirmed (EXPLAIN ANALYZE of a statement that writes): its effects never commit.
   */
  alwaysRolledBack<T>(fn: (q: QueryRunner) => Promise<T>, opts: ReadOnlyOptions = {}): Promise<T> {
    return this.unit('BEGIN READ WRITE', fn, opts);
  }

  private unit<T>(begin: 'BEGIN READ ONLY' | 'BEGIN READ WRITE', fn: (q: QueryRunner) => Promise<T>, opts: ReadOnlyOptions): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.dead) throw new Error(`the connection to "${this.spec.name}" was lost: ${this.dead.message}`);
      if (opts.signal?.aborted) throw new CancelledError();
      const stmtMs = opts.statementTimeoutMs ?? this.settings.statementTimeoutMs;
      const lockMs = opts.lockTimeoutMs ?? this.settings.lockTimeoutMs;
      const onAbort = (): void => {
        void cancelRunningQuery(this.client, this.spec);
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      let began = false;
      try {
        await this.client.query(begin);
        began = true;
        await this.client.query(
          `SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true), set_config('application_name', 'pgopt', true)${opts.jit === false ? `, set_config('jit', 'off', true)` : ''}`,
          [`${stmtMs}ms`, `${lockMs}ms`],
        );
        const runner: QueryRunner = {
          query: async <R extends object>(sql: string, params?: unknown[]): Promise<R[]> => {
            if (opts.signal?.aborted) throw new CancelledError();
            try {
              const res = await this.client.query<R>(sql, params);
              return res.rows;
            } catch (e) {
              throw translateQueryError(e, opts.signal, stmtMs, lockMs);
            }
          },
        };
        return await fn(runner);
      } catch (e) {
        throw translateQueryError(e, opts.signal, stmtMs, lockMs);
      } finally {
        opts.signal?.removeEventListener('abort', onAbort);
        if (began && !this.dead) await this.client.query('ROLLBACK').catch(() => undefined);
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    this.dead ??= new Error('disconnected');
    await this.client.end().catch(() => undefined);
  }
}

function translateQueryError(e: unknown, signal: AbortSignal | undefined, stmtMs: number, lockMs: number): unknown {
  if (e instanceof CancelledError || e instanceof QueryTimeoutError) return e;
  const err = e as { code?: string; message?: string };
  if (err.code === '57014') {
    if (signal?.aborted || /user request/i.test(err.message ?? '')) return new CancelledError();
    return new QueryTimeoutError(stmtMs, 'statement');
  }
  if (err.code === '55P03') return new QueryTimeoutError(lockMs, 'lock');
  return e;
}
