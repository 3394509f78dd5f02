// Runs EXPLAIN for exactly one statement and analyses the plan.
//
// - Default: EXPLAIN (FORMAT JSON, VERBOSE, SETTINGS) inside the READ ONLY analysis session (rolled back).
// - `$n` statements (normalised pg_stat_statements text) are planned generically by the advisor's
//   GenericPlanner (PG >= 16 GENERIC_PLAN; 15: PREPARE + force_generic_plan + EXPLAIN EXECUTE with NULLs).
// - ANALYZE (+ BUFFERS) only when the caller says the user confirmed. A statement that reads runs in the
//   READ ONLY session; one that writes runs in a READ WRITE transaction that is ALWAYS rolled back
//   (DbSession.alwaysRolledBack), under the same statement_timeout / lock_timeout.
import { GenericPlanner } from '../advisor/whatif';
import { CancelledError, QueryTimeoutError, type DbSession, type QueryRunner } from '../db/session';
import { pauseStatementTracking } from '../db/statementTracking';
import { explainTarget, type ExplainTarget } from './explainTarget';
import { analyzePlan, type PlanAnalysis } from './planAnalysis';

export class ExplainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExplainError';
  }
}

export type ExplainMode = 'plan' | 'generic' | 'analyze' | 'analyze-rolled-back';

export interface ExplainOptions {
  /** Run EXPLAIN ANALYZE: only pass true after the user confirmed (it executes the statement). */
  analyzeConfirmed?: boolean;
  signal?: AbortSignal;
  /** statement_timeout for this run (default: the session's analysis setting). */
  statementTimeoutMs?: number;
}

export interface ExplainRun {
  target: ExplainTarget;
  mode: ExplainMode;
  /** The EXPLAIN options that were used, e.g. ['FORMAT JSON', 'VERBOSE', 'SETTINGS']. */
  options: string[];
  /** The EXPLAIN (FORMAT JSON) document as the server returned it. */
  raw: unknown;
  analysis: PlanAnalysis;
  /** What the user should know about how the plan was made. */
  notes: string[];
  durationMs: number;
}

/** Checks the statement first (throws ExplainError with a clear message), then explains it. */
export async function explainStatement(session: DbSession, text: string, opts: ExplainOptions = {}): Promise<ExplainRun> {
  const checked = explainTarget(text);
  if (!checked.ok) throw new ExplainError(checked.message);
  const target = checked.target;
  const started = performance.now();
  const unitOpts = { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.statementTimeoutMs !== undefined ? { statementTimeoutMs: opts.statementTimeoutMs } : {}) };
  const notes: string[] = [];
  // The explained statement shares its queryid with the user's: keep it out of pg_stat_statements where allowed.
  const untracked =
    <T>(fn: (q: QueryRunner) => Promise<T>) =>
    async (q: QueryRunner): Promise<T> => {
      await pauseStatementTracking(q, session.serverVersionNum);
      return fn(q);
    };
  let mode: ExplainMode;
  let options: string[];
  let raw: unknown;
  try {
    if (opts.analyzeConfirmed) {
      if (target.paramCount > 0) {
        throw new ExplainError(`EXPLAIN ANALYZE executes the statement, but it has parameters ($1..$${target.paramCount}) without values. Replace them with values, or use "Explain Query" for a generic plan.`);
      }
      options = ['ANALYZE', 'BUFFERS', 'VERBOSE', 'SETTINGS', ...(target.writes && session.serverVersionNum >= 130000 ? ['WAL'] : []), 'FORMAT JSON'];
      const run = untracked((q: QueryRunner): Promise<unknown> => explainDirect(q, target.sql, options));
      if (target.writes) {
        mode = 'analyze-rolled-back';
        notes.push(`The statement writes (${target.writes}): it was executed inside a transaction that was rolled back. Sequence values it used stay consumed.`);
        raw = await session.alwaysRolledBack(run, unitOpts);
      } else {
        mode = 'analyze';
        notes.push('The statement was executed (EXPLAIN ANALYZE) in a read-only transaction.');
        raw = await session.readOnly(run, unitOpts);
      }
    } else {
      options = ['VERBOSE', 'SETTINGS'];
      if (target.paramCount > 0) {
        mode = 'generic';
        notes.push(`Generic plan: $1..$${target.paramCount} have no values, so the planner estimated without them (${session.serverVersionNum >= 160000 ? 'EXPLAIN (GENERIC_PLAN)' : 'PREPARE + plan_cache_mode = force_generic_plan'}).`);
        raw = await session.readOnly(untracked((q) => new GenericPlanner(q, session.serverVersionNum).explainJson(target.sql, target.paramCount, options)), unitOpts);
      } else {
        mode = 'plan';
        raw = await session.readOnly(untracked((q) => explainDirect(q, target.sql, options)), unitOpts);
      }
      options = ['FORMAT JSON', ...options];
    }
  } catch (e) {
    throw explainFailure(e, target);
  }
  let analysis: PlanAnalysis;
  try {
    analysis = analyzePlan(raw);
  } catch (e) {
    throw new ExplainError(`The server's EXPLAIN output could not be read: ${(e as Error).message}`);
  }
  return { target, mode, options, raw, analysis, notes, durationMs: performance.now() - started };
}

async function explainDirect(q: QueryRunner, sql: string, options: readonly string[]): Promise<unknown> {
  const opts = options.includes('FORMAT JSON') ? options : [...options, 'FORMAT JSON'];
  const prefix = `EXPLAIN (${opts.join(', ')}) `;
  try {
    const rows = await q.query<{ 'QUERY PLAN': unknown }>(prefix + sql);
    return rows[0]?.['QUERY PLAN'];
  } catch (e) {
    // Server positions count from the start of what we sent: make them relative to the user's statement.
    const err = e as { position?: string };
    if (err.position !== undefined) err.position = String(Math.max(1, Number(err.position) - prefix.length));
    throw e;
  }
}

/** A server error as a message that says what failed and where, in the user's statement. */
export function explainFailure(e: unknown, target: ExplainTarget): Error {
  if (e instanceof ExplainError || e instanceof CancelledError || e instanceof QueryTimeoutError) return e;
  const err = e as { message?: string; position?: string; hint?: string; detail?: string; code?: string };
  if (!err || typeof err.message !== 'string') return new ExplainError(String(e));
  const parts = [`EXPLAIN failed: ${err.message}`];
  if (err.position !== undefined) {
    const pos = Number(err.position);
    const line = target.sql.slice(0, pos - 1).split('\n').length;
    parts.push(`(at character ${pos}, line ${line} of the statement)`);
  }
  if (err.detail) parts.push(`— ${err.detail}`);
  if (err.hint) parts.push(`Hint: ${err.hint}`);
  if (err.code === '25006') parts.push('(the statement writes through a function; it cannot be analysed read-only)');
  return new ExplainError(parts.join(' '));
}
