// Counter deltas between two snapshots. Server counters only grow until a statistics reset
// (pg_stat_reset(), pg_stat_statements_reset(), a crash, a failover); a counter that went down therefore
// means "reset", and the best estimate of what happened since is the new value itself, never a negative.
import { METRIC_DEFS, type MetricId, type MetricValues } from './metricDefs';
import type { Snapshot, StatementSample } from './snapshot';

export interface CounterDelta {
  delta: number | null;
  reset: boolean;
}

export function counterDelta(prev: number | null | undefined, cur: number | null | undefined, resetKnown = false): CounterDelta {
  if (cur === null || cur === undefined) return { delta: null, reset: false };
  if (resetKnown) return { delta: cur, reset: true };
  if (prev === null || prev === undefined) return { delta: null, reset: false };
  if (cur < prev) return { delta: cur, reset: true };
  return { delta: cur - prev, reset: false };
}

export interface IntervalValues {
  fromMs: number;
  toMs: number;
  /** Counters: the change over the interval; gauges: the value at its end. */
  values: MetricValues;
  /** Counters that were reset during the interval. */
  resets: MetricId[];
}

const COUNTERS = METRIC_DEFS.filter((d) => d.kind === 'counter').map((d) => d.id);
const GAUGES = METRIC_DEFS.filter((d) => d.kind === 'gauge').map((d) => d.id);
const PGSS_COUNTERS: ReadonlySet<MetricId> = new Set(['statement_calls', 'statement_time_ms']);

/**
 * The interval ending at `cur`. Without `prev` (the first snapshot) counters are null. A changed
 * pg_stat_database.stats_reset resets the database counters even if they happen to have grown since.
 */
export function intervalValues(prev: Snapshot | undefined, cur: Snapshot): IntervalValues {
  const values: MetricValues = {};
  const resets: MetricId[] = [];
  const dbReset = prev !== undefined && prev.statsReset !== cur.statsReset;
  for (const id of COUNTERS) {
    const d = prev ? counterDelta(prev.metrics[id], cur.metrics[id], dbReset && !PGSS_COUNTERS.has(id)) : { delta: null, reset: false };
    values[id] = d.delta;
    if (d.reset) resets.push(id);
  }
  for (const id of GAUGES) values[id] = cur.metrics[id] ?? null;
  return { fromMs: prev?.takenAtMs ?? cur.takenAtMs, toMs: cur.takenAtMs, values, resets };
}

export interface StatementDelta {
  queryid: string;
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number | null;
  reset: boolean;
}

/**
 * What each top statement did between two snapshots, busiest first. Only statements present in both
 * samples have a known delta (the top-N of either may not contain the other's entries).
 */
export function statementDeltas(prev: StatementSample[] | null, cur: StatementSample[] | null): StatementDelta[] {
  if (!prev || !cur) return [];
  const before = new Map(prev.map((s) => [s.queryid, s]));
  const out: StatementDelta[] = [];
  for (const s of cur) {
    const p = before.get(s.queryid);
    if (!p) continue;
    const calls = counterDelta(p.calls, s.calls);
    const reset = calls.reset || s.totalMs < p.totalMs;
    const dCalls = reset ? s.calls : s.calls - p.calls;
    const dTime = reset ? s.totalMs : s.totalMs - p.totalMs;
    if (dCalls === 0 && dTime === 0) continue;
    out.push({ queryid: s.queryid, query: s.query, calls: dCalls, totalMs: dTime, meanMs: dCalls > 0 ? dTime / dCalls : null, reset });
  }
  return out.sort((a, b) => b.totalMs - a.totalMs);
}
