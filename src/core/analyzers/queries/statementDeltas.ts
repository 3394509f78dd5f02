// "What got slower since this morning": the difference between two pg_stat_statements captures, matched by
// (queryid, dbid, userid). pg_stat_statements counters only grow, except when they are reset: for the whole
// server (pg_stat_statements_reset(), seen as a newer pg_stat_statements_info.stats_reset), or for one entry
// (a targeted reset, or eviction at pg_stat_statements.max and re-entry). Then the later counters are
// everything since that reset, so they are the delta and say so. Pure: two captures in, deltas out.

export interface CapturedStatement {
  queryid: string | null;
  dbid: number | string;
  userid: number | string;
  query: string;
  calls: number;
  total_ms: number;
  rows: number;
  shared_blks_read?: number;
  temp_blks_written?: number;
}

export interface StatementCapture {
  /** ISO time the capture was taken. */
  takenAt: string;
  /** pg_stat_statements_info.stats_reset (PG 14+) as ISO text, or null when unknown. */
  statsReset: string | null;
  rows: CapturedStatement[];
}

export type DeltaBasis =
  /** after − before. */
  | 'delta'
  /** Not in the earlier capture: everything since it appeared. */
  | 'new'
  /** Its counters went down (targeted reset, or evicted and re-entered): everything since then. */
  | 'entry-reset'
  /** The whole server's statistics were reset between the captures: everything since that reset. */
  | 'server-reset';

export interface StatementDelta {
  key: string;
  queryid: string | null;
  dbid: string;
  userid: string;
  query: string;
  calls: number;
  totalMs: number;
  /** totalMs / calls within the window. */
  meanMs: number;
  rows: number;
  sharedBlksRead: number;
  tempBlksWritten: number;
  /** Mean time per call in the earlier capture (over its whole history), when known. */
  beforeMeanMs: number | null;
  /** meanMs / beforeMeanMs; null when there is nothing to compare with. */
  slowdown: number | null;
  basis: DeltaBasis;
}

export interface StatementDeltas {
  from: string;
  to: string;
  periodS: number;
  serverReset: boolean;
  /** Statements that ran in the window, by time spent in it (largest first). */
  deltas: StatementDelta[];
  /** Statements whose mean time per call grew by at least `slowerFactor` with at least `minCalls` calls, worst first. */
  slower: StatementDelta[];
  /** Entries of the earlier capture missing from the later one (reset or evicted). */
  gone: number;
}

export interface DeltaOptions {
  /** Default 1.5 (50 % slower per call). */
  slowerFactor?: number;
  /** Default 10 calls in the window. */
  minCalls?: number;
}

export function statementKey(r: Pick<CapturedStatement, 'queryid' | 'dbid' | 'userid' | 'query'>): string {
  // Before PG 14 a role without pg_read_all_stats sees NULL queryids: fall back to the text.
  return `${String(r.dbid)}/${String(r.userid)}/${r.queryid ?? `text:${r.query}`}`;
}

export function statementDeltas(before: StatementCapture, after: StatementCapture, opts: DeltaOptions = {}): StatementDeltas {
  const slowerFactor = opts.slowerFactor ?? 1.5;
  const minCalls = opts.minCalls ?? 10;
  const fromMs = Date.parse(before.takenAt);
  const toMs = Date.parse(after.takenAt);
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) throw new Error('a capture has no valid takenAt time');
  if (toMs < fromMs) return statementDeltas(after, before, opts);
  const resetMs = after.statsReset ? Date.parse(after.statsReset) : NaN;
  const serverReset = after.statsReset !== null && after.statsReset !== before.statsReset && Number.isFinite(resetMs) && resetMs > fromMs;
  const earlier = new Map<string, CapturedStatement>();
  if (!serverReset) for (const r of before.rows) earlier.set(statementKey(r), r);
  const seen = new Set<string>();
  const deltas: StatementDelta[] = [];
  for (const a of after.rows) {
    const key = statementKey(a);
    seen.add(key);
    const b = earlier.get(key);
    let basis: DeltaBasis;
    let calls: number;
    let totalMs: number;
    let rows: number;
    let read: number;
    let temp: number;
    if (serverReset) basis = 'server-reset';
    else if (!b) basis = 'new';
    else if (a.calls < b.calls || a.total_ms < b.total_ms) basis = 'entry-reset';
    else basis = 'delta';
    if (basis === 'delta' && b) {
      calls = a.calls - b.calls;
      totalMs = a.total_ms - b.total_ms;
      rows = Math.max(0, a.rows - b.rows);
      read = Math.max(0, (a.shared_blks_read ?? 0) - (b.shared_blks_read ?? 0));
      temp = Math.max(0, (a.temp_blks_written ?? 0) - (b.temp_blks_written ?? 0));
    } else {
      calls = a.calls;
      totalMs = a.total_ms;
      rows = a.rows;
      read = a.shared_blks_read ?? 0;
      temp = a.temp_blks_written ?? 0;
    }
    if (calls <= 0) continue;
    const meanMs = totalMs / calls;
    const beforeMeanMs = b && b.calls > 0 ? b.total_ms / b.calls : null;
    deltas.push({
      key,
      queryid: a.queryid,
      dbid: String(a.dbid),
      userid: String(a.userid),
      query: a.query,
      calls,
      totalMs,
      meanMs,
      rows,
      sharedBlksRead: read,
      tempBlksWritten: temp,
      beforeMeanMs,
      slowdown: beforeMeanMs !== null && beforeMeanMs > 0 ? meanMs / beforeMeanMs : null,
      basis,
    });
  }
  deltas.sort((x, y) => y.totalMs - x.totalMs || x.key.localeCompare(y.key));
  const slower = deltas
    .filter((d) => d.slowdown !== null && d.slowdown >= slowerFactor && d.calls >= minCalls)
    .sort((x, y) => (y.meanMs - (y.beforeMeanMs ?? 0)) * y.calls - (x.meanMs - (x.beforeMeanMs ?? 0)) * x.calls);
  const gone = serverReset ? before.rows.length : before.rows.filter((r) => !seen.has(statementKey(r))).length;
  return { from: before.takenAt, to: after.takenAt, periodS: (toMs - fromMs) / 1000, serverReset, deltas, slower, gone };
}
