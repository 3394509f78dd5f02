// Runs one data check in its own read-only unit with its own statement_timeout, so a check that is cut
// short (or fails) is reported on its own and the next check starts in a fresh transaction.
import type { AnalyzerContext } from '../analyzer';
import { CancelledError, QueryTimeoutError, type QueryRunner } from '../../db/session';

export type CheckOutcome<T> = { ok: true; value: T; ms: number } | { ok: false; cutShort: boolean; message: string; ms: number };

export async function boundedCheck<T>(ctx: AnalyzerContext, timeoutMs: number | undefined, fn: (q: QueryRunner) => Promise<T>): Promise<CheckOutcome<T>> {
  if (ctx.signal?.aborted) throw new CancelledError();
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  try {
    const value = await ctx.readOnly(async (q) => {
      if (timeoutMs !== undefined) await q.query(`SELECT set_config('statement_timeout', $1, true)`, [`${timeoutMs}ms`]);
      return fn(q);
    });
    return { ok: true, value, ms: ms() };
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    if (ctx.signal?.aborted) throw new CancelledError();
    if (e instanceof QueryTimeoutError && e.kind === 'statement') {
      const limit = timeoutMs ?? e.timeoutMs;
      return { ok: false, cutShort: true, message: `cut short: the check ran longer than its ${limit} ms statement_timeout (integrity.statementTimeoutMs / analysis.statementTimeoutMs) and was stopped`, ms: ms() };
    }
    if (e instanceof QueryTimeoutError) return { ok: false, cutShort: true, message: `cut short: ${e.message}`, ms: ms() };
    return { ok: false, cutShort: false, message: (e as Error).message, ms: ms() };
  }
}
