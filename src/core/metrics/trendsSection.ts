// The report's Trends section from stored snapshots: per metric over a range (default: every stored snapshot,
// so the span follows the data), the latest value, the range (min–max of gauges) and the total change of
// counters, plus the series themselves as `charts` so the HTML export draws static charts and the webview
// a sparkline per metric. Plain report data; the webview's interactive charts come from protocol showTrends.
import type { ReportSection, ReportTable } from '../report/model';
import { metricDef } from './metricDefs';
import { formatMetric } from './snapshotSummary';
import { TREND_RANGES, type Trends } from './trends';

function formatSpan(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = ms / 3_600_000;
  if (h < 48) return `${Math.round(h * 10) / 10} h`;
  return `${Math.round(h / 24)} d`;
}

export function buildTrendsSection(trends: readonly Trends[], rangeId = 'all'): ReportSection {
  const t = trends.find((x) => x.range === rangeId) ?? trends[0];
  const stamps = new Set<number>();
  for (const s of t?.series ?? []) for (const [ts, v] of s.points) if (v !== null) stamps.add(ts);
  const range = TREND_RANGES.find((r) => r.id === t?.range);
  const base: ReportSection = {
    id: 'trends',
    title: 'Trends',
    status: 'ok',
    summary: '',
    metrics: [],
    findings: [],
    tables: [],
    unavailable: [],
    durationMs: 0,
  };
  if (!t || stamps.size === 0) {
    return {
      ...base,
      summary: 'No snapshot stored for this connection yet.',
      unavailable: [
        {
          what: 'Trends',
          because: 'no snapshot has been stored for this connection',
          toEnable: 'stay connected with pgopt.monitoring.intervalMinutes > 0, run "Postgres Optimizer: Take Snapshot", or pgopt snapshot --store FILE from cron',
        },
      ],
    };
  }
  const from = new Date(t.fromMs).toISOString().replace('T', ' ').slice(0, 16);
  const to = new Date(t.toMs).toISOString().replace('T', ' ').slice(0, 16);
  const table: ReportTable = {
    id: 'trend-summary',
    title: `${range?.id === 'all' ? 'All stored snapshots' : `Last ${range?.label ?? t.range}`}: ${from} – ${to} UTC (server time)`,
    columns: [
      { key: 'metric', label: 'Metric' },
      { key: 'latest', label: 'Latest', numeric: true },
      { key: 'min', label: 'Min', numeric: true },
      { key: 'max', label: 'Max', numeric: true },
      { key: 'change', label: 'Total change', numeric: true },
      { key: 'samples', label: 'Samples', numeric: true },
    ],
    rows: [],
    emptyText: 'No data in this range.',
  };
  const charts: NonNullable<ReportSection['charts']> = [];
  for (const s of t.series) {
    const values = s.points.map(([, v]) => v).filter((v): v is number => v !== null);
    if (values.length === 0) continue;
    const def = metricDef(s.metric) ?? { unit: s.unit };
    const f = (v: number | null): string => formatMetric(def, v);
    table.rows.push({
      metric: s.kind === 'counter' ? `${s.label} (per interval)` : s.label,
      latest: f(values.at(-1) ?? null),
      min: f(Math.min(...values)),
      max: f(Math.max(...values)),
      change: s.kind === 'counter' ? f(values.reduce((a, b) => a + b, 0)) : '',
      samples: values.length,
      // Not a column: names the chart (section.charts) drawn as this row's sparkline.
      chart: s.metric,
    });
    charts.push({ id: s.metric, label: s.label, unit: s.unit, kind: s.kind, points: s.points });
  }
  const span = formatSpan(t.toMs - t.fromMs);
  return {
    ...base,
    summary: `${stamps.size} snapshot${stamps.size === 1 ? '' : 's'} over ${span}.`,
    tables: [table],
    charts,
  };
}
