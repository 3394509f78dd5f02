// Trend series for the report and the charts: one series per metric over a range (1 h / 24 h / 7 d / 30 d),
// bucketed so a chart gets at most a few hundred points. Counters appear as their change per bucket (the
// per-interval deltas), gauges as the bucket's mean. Ranges end at the newest server timestamp stored.
import { METRIC_DEFS, type MetricId, type MetricKind, type MetricUnit } from './metricDefs';
import { HOUR_MS, type SeriesPoint, type SnapshotStore } from './snapshotStore';

export const TREND_RANGES = [
  { id: '1h', label: '1 hour', spanMs: HOUR_MS, stepMs: 0 },
  { id: '24h', label: '24 hours', spanMs: 24 * HOUR_MS, stepMs: 5 * 60_000 },
  { id: '7d', label: '7 days', spanMs: 7 * 24 * HOUR_MS, stepMs: HOUR_MS },
  { id: '30d', label: '30 days', spanMs: 30 * 24 * HOUR_MS, stepMs: 4 * HOUR_MS },
] as const;
export type TrendRangeId = (typeof TREND_RANGES)[number]['id'];

export interface TrendSeries {
  metric: MetricId;
  label: string;
  unit: MetricUnit;
  kind: MetricKind;
  /** [epoch ms, value] pairs, oldest first. */
  points: [number, number | null][];
}

export interface Trends {
  connection: string;
  range: TrendRangeId;
  fromMs: number;
  toMs: number;
  series: TrendSeries[];
}

/** Buckets points of one metric; stepMs 0 keeps every point. Pure. */
export function bucketPoints(points: readonly SeriesPoint[], kind: MetricKind, stepMs: number): [number, number | null][] {
  if (stepMs <= 0) return points.map((p) => [p.ts, p.value]);
  const buckets = new Map<number, { sum: number; n: number }>();
  for (const p of points) {
    if (p.value === null) continue;
    const key = Math.floor(p.ts / stepMs) * stepMs;
    const b = buckets.get(key) ?? { sum: 0, n: 0 };
    b.sum += p.value;
    b.n += 1;
    buckets.set(key, b);
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([ts, b]) => [ts, kind === 'counter' ? b.sum : b.sum / b.n]);
}

export function buildTrends(store: SnapshotStore, connection: string, range: TrendRangeId, toMs?: number): Trends {
  const r = TREND_RANGES.find((x) => x.id === range) ?? TREND_RANGES[0];
  const end = toMs ?? store.latest(connection, 1)[0]?.takenAtMs ?? 0;
  const from = end - r.spanMs;
  const series = METRIC_DEFS.map((d) => ({
    metric: d.id,
    label: d.label,
    unit: d.unit,
    kind: d.kind,
    points: bucketPoints(store.series(connection, d.id, from, end), d.kind, r.stepMs),
  }));
  return { connection, range: r.id, fromMs: from, toMs: end, series };
}
