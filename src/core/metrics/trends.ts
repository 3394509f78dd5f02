// Trend series for the report and the charts: one series per metric over a range (all stored snapshots — the
// default, so ten minutes of data fill the chart instead of a dot at its right edge — or 1 h / 24 h / 7 d /
// 30 d), bucketed so a chart gets at most a few hundred points. Counters appear as their change per bucket (the
// per-interval deltas), gauges as the bucket's mean. Ranges end at the newest server timestamp stored. Where
// no snapshot was taken for a while (the editor was closed, cron stopped) a null point marks the gap, so charts
// show a gap instead of a straight line across it.
import { customMetricId, customSeriesLook, type CustomMetricId } from './customMetrics';
import { METRIC_DEFS, type MetricId, type MetricKind, type MetricUnit } from './metricDefs';
import { HOUR_MS, type SeriesPoint, type SnapshotStore } from './snapshotStore';

export const TREND_RANGES = [
  { id: 'all', label: 'all stored snapshots', spanMs: 0, stepMs: 0 },
  { id: '1h', label: '1 hour', spanMs: HOUR_MS, stepMs: 0 },
  { id: '24h', label: '24 hours', spanMs: 24 * HOUR_MS, stepMs: 5 * 60_000 },
  { id: '7d', label: '7 days', spanMs: 7 * 24 * HOUR_MS, stepMs: HOUR_MS },
  { id: '30d', label: '30 days', spanMs: 30 * 24 * HOUR_MS, stepMs: 4 * HOUR_MS },
] as const;
export type TrendRangeId = (typeof TREND_RANGES)[number]['id'];

export interface TrendSeries {
  /** A built-in metric, or `custom:NAME` for one recorded with pgopt snapshot --metric (a gauge). */
  metric: MetricId | CustomMetricId;
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

/** A bucket width that gives at most ~`maxPoints` points over `spanMs`: 0 (every point) for spans up to
 * six hours, else the smallest of 5 min, 15 min, 1 h, 4 h, 1 d that fits. Pure. */
export function stepForSpan(spanMs: number, maxPoints = 300): number {
  if (spanMs <= 6 * HOUR_MS) return 0;
  const steps = [5 * 60_000, 15 * 60_000, HOUR_MS, 4 * HOUR_MS, 24 * HOUR_MS];
  return steps.find((s) => spanMs / s <= maxPoints) ?? 24 * HOUR_MS;
}

/**
 * Inserts a null point where the time between two consecutive points is more than three times the median
 * interval (and more than the bucket width), so a chart breaks the line there. Pure; keeps existing points.
 */
export function markGaps(points: readonly [number, number | null][], stepMs = 0): [number, number | null][] {
  if (points.length < 3) return [...points];
  const times = points.map(([t]) => t);
  const deltas = times.slice(1).map((t, i) => t - (times[i] ?? t)).sort((a, b) => a - b);
  const median = deltas[Math.floor(deltas.length / 2)] ?? 0;
  const limit = Math.max(3 * median, 2 * stepMs);
  const out: [number, number | null][] = [];
  points.forEach((p, i) => {
    const prev = i > 0 ? times[i - 1] : undefined;
    if (prev !== undefined && p[0] - prev > limit) out.push([prev + Math.round(median), null]);
    out.push(p);
  });
  return out;
}

export function buildTrends(store: SnapshotStore, connection: string, range: TrendRangeId, toMs?: number): Trends {
  const r = TREND_RANGES.find((x) => x.id === range) ?? TREND_RANGES[0];
  const end = toMs ?? store.latest(connection, 1)[0]?.takenAtMs ?? 0;
  const defs: { id: MetricId | CustomMetricId; label: string; unit: MetricUnit; kind: MetricKind }[] = [
    ...METRIC_DEFS,
    // Custom metrics (pgopt snapshot --metric) after the built-in ones, charted as gauges.
    ...store.customMetrics(connection).map((m) => ({ id: customMetricId(m.name), ...customSeriesLook(m.name, m.unit), kind: 'gauge' as const })),
  ];
  const raw = defs.map((d) => ({ d, points: store.series(connection, d.id, r.id === 'all' ? 0 : end - r.spanMs, end) }));
  // "all": from the oldest stored point (raw snapshots or hourly rollups), so the range is the data's span.
  const from = r.id === 'all' ? Math.min(end, ...raw.map((x) => x.points[0]?.ts ?? end)) : end - r.spanMs;
  const stepMs = r.id === 'all' ? stepForSpan(end - from) : r.stepMs;
  const series = raw.map(({ d, points }) => ({
    metric: d.id,
    label: d.label,
    unit: d.unit,
    kind: d.kind,
    points: markGaps(bucketPoints(points, d.kind, stepMs), stepMs),
  }));
  return { connection, range: r.id, fromMs: from, toMs: end, series };
}
