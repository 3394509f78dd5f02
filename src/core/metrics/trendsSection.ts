// The report's Trends section from stored snapshots: per metric over a range, the latest value, the range
// (min–max of gauges) and the total change of counters. Plain report data, so the HTML/JSON/Markdown
// exports carry it too; the webview draws the charts from the full series (protocol showTrends).
import type { ReportSection, ReportTable } from '../report/model';
import { metricDef } from './metricDefs';
import { formatMetric } from './snapshotSummary';
import { TREND_RANGES, type Trends } from './trends';

export function buildTrendsSection(trends: readonly Trends[], rangeId = '24h'): ReportSection {
  const t = trends.find((x) => x.range === rangeId) ?? trends[0];
  const points = t?.series.reduce((n, s) => n + s.points.length, 0) ?? 0;
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
  if (!t || points === 0) {
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
  const table: ReportTable = {
    id: 'trend-summary',
    title: `Over the last ${range?.label ?? t.range} (server time ${new Date(t.fromMs).toISOString()} – ${new Date(t.toMs).toISOString()})`,
    columns: [
      { key: 'metric', label: 'Metric' },
      { key: 'kind', label: 'Kind' },
      { key: 'latest', label: 'Latest' },
      { key: 'min', label: 'Min' },
      { key: 'max', label: 'Max' },
      { key: 'change', label: 'Total change' },
      { key: 'points', label: 'Points', numeric: true },
    ],
    rows: [],
    emptyText: 'No data in this range.',
  };
  for (const s of t.series) {
    const values = s.points.map(([, v]) => v).filter((v): v is number => v !== null);
    if (values.length === 0) continue;
    const def = metricDef(s.metric) ?? { unit: s.unit };
    const f = (v: number | null): string => formatMetric(def, v);
    table.rows.push({
      metric: s.label,
      kind: s.kind === 'counter' ? 'change per interval' : 'value',
      latest: f(values.at(-1) ?? null),
      min: f(Math.min(...values)),
      max: f(Math.max(...values)),
      change: s.kind === 'counter' ? f(values.reduce((a, b) => a + b, 0)) : '',
      points: values.length,
    });
  }
  return { ...base, summary: `${points} stored points over ${trends.length} range(s); charts in the editor's report.`, tables: [table] };
}
