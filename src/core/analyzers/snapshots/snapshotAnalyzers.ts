// The two sections built from stored snapshots rather than from the live server: Trends and "What got slower".
// They are analyzers like the others (registry.ts), so the report use case (report/runReport.ts) runs them,
// streams them and counts their findings the same way in the editor and in pgopt analyze --store.
import { queryDeltasFromStore, QUERY_DELTAS_SECTION_ID } from '../../metrics/queryDeltasSection';
import { buildTrends, TREND_RANGES, type Trends } from '../../metrics/trends';
import { buildTrendsSection } from '../../metrics/trendsSection';
import type { ReportSection } from '../../report/model';
import type { Analyzer, AnalyzerContext, SectionBody, SnapshotSource } from '../analyzer';

function body({ id: _id, title: _title, durationMs: _ms, ...rest }: ReportSection): SectionBody {
  return rest;
}

function source(ctx: AnalyzerContext, title: string): SnapshotSource {
  if (!ctx.snapshots) throw new Error(`${title} reads stored snapshots, and no snapshot store was given`);
  return ctx.snapshots;
}

/** Trend series of a connection over every range (the report section and the webview's interactive charts). */
export function storedTrends(s: SnapshotSource): Trends[] {
  return TREND_RANGES.map((r) => buildTrends(s.store, s.connection, r.id));
}

export const trendsAnalyzer: Analyzer = {
  id: 'trends',
  title: 'Trends',
  description: 'Per metric over the stored snapshots: latest value, range and total change, with a chart.',
  needs: 'snapshots',
  async run(ctx) {
    return body(buildTrendsSection(storedTrends(source(ctx, 'Trends'))));
  },
};

export const queryDeltasAnalyzer: Analyzer = {
  id: QUERY_DELTAS_SECTION_ID,
  title: 'What got slower',
  description: 'Statements slower per call than in a baseline snapshot (default: the oldest of the last 24 h), and new heavy ones.',
  needs: 'snapshots',
  async run(ctx) {
    const s = source(ctx, 'What got slower');
    return body(queryDeltasFromStore(s.store, s.connection, { sinceHours: s.sinceHours, atMs: s.atMs }));
  },
};
