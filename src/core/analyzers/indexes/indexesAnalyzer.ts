// Indexes: recommendations from the real workload (pg_stat_statements + HypoPG what-if) and index health
// (unused, duplicate/redundant, invalid, foreign keys without an index, low selectivity). The advisor and
// the health checks run in separate read-only units, so one failing does not hide the other.
import type { Analyzer, SectionBody } from '../analyzer';
import { runAdvisor, type AdvisorResult } from '../../advisor/advisor';
import { CancelledError } from '../../db/session';
import { describeTrackingPause } from '../../db/statementTracking';
import { formatBytes, formatCount, formatDuration, formatPercent, truncateSql } from '../../format';
import { worstStatus, type Metric, type ReportFinding, type ReportTable, type Unavailable } from '../../report/model';
import { toolStatementsMetric } from '../queries/statements';
import { assessIndexHealthBounded, fetchIndexHealth, REPORT_FINDINGS_PER_KIND, type IndexHealthFinding } from './indexHealth';

export function advisorFindings(r: AdvisorResult): ReportFinding[] {
  return r.recommendations.map((rec) => ({
    id: rec.verified ? 'indexes.recommendation' : 'indexes.recommendation-unverified',
    severity: rec.priority === 'low' ? 'info' : 'warning',
    title: `${rec.verified ? '' : '[unverified] '}${rec.method === 'gin' ? 'GIN index' : 'Index'} on ${rec.table} (${rec.columns.map((c, i) => (rec.descending?.[i] ? `${c} DESC` : c)).join(', ')})${rec.include?.length ? ` INCLUDE (${rec.include.join(', ')})` : ''}${rec.where ? ` WHERE ${rec.where}` : ''} — ${rec.priority} priority`,
    detail: [
      rec.verified
        ? `Removes ${formatPercent(rec.benefitShare, 1)} of the workload's planner cost (given the other recommendations); estimated size ${formatBytes(rec.sizeBytes ?? 0)}.`
        : `Heuristic only: not checked with what-if costs. ${rec.unverifiedReason ?? r.unverifiedReason ?? ''}`,
      `Write overhead: ${formatCount(Math.round(rec.writeRows))} rows written by the workload (≈ ${formatCount(Math.round(rec.writeOverhead))} cost units).`,
      ...rec.queries.slice(0, 5).map((q) => `${formatCount(q.calls)} calls, cost ${q.before.toFixed(0)} → ${q.after.toFixed(0)}: ${truncateSql(q.sql, 120)}`),
    ].join('\n'),
    action: rec.partitions
      ? `Partitioned table: run the statements in order, outside a transaction — the parent's index ON ONLY, each of the ${rec.partitions} partitions' CONCURRENTLY, each attached; then check that none is left INVALID.`
      : 'Create it outside a transaction (CONCURRENTLY), then check that it is not left INVALID.',
    sql: rec.sql,
    actions: [rec.action],
    object: { kind: 'table', schema: rec.schema, name: rec.table },
  }));
}

export function advisorTables(r: AdvisorResult): ReportTable[] {
  return [
    {
      id: 'index-recommendations',
      title: 'Recommended indexes',
      columns: [
        { key: 'priority', label: 'Priority' },
        { key: 'index', label: 'Index' },
        { key: 'share', label: 'Workload cost removed', numeric: true },
        { key: 'size', label: 'Size', numeric: true },
        { key: 'writes', label: 'Rows written', numeric: true },
        { key: 'queries', label: 'Queries helped', numeric: true },
      ],
      rows: r.recommendations.map((rec) => ({
        priority: rec.priority,
        index: `${rec.table} (${rec.columns.join(', ')})${rec.where ? ` WHERE ${rec.where}` : ''}`,
        share: rec.verified ? formatPercent(rec.benefitShare, 1) : 'unverified',
        size: rec.sizeBytes !== undefined ? formatBytes(rec.sizeBytes) : '?',
        writes: Math.round(rec.writeRows),
        queries: rec.queries.length,
      })),
      rowActions: r.recommendations.map((rec) => [rec.action]),
      emptyText: 'No index would pay for itself on this workload.',
    },
    {
      id: 'index-skipped-statements',
      title: 'Statements the advisor could not plan',
      columns: [
        { key: 'calls', label: 'Calls', numeric: true },
        { key: 'statement', label: 'Statement' },
        { key: 'reason', label: 'Why' },
      ],
      rows: r.skipped.map((s) => ({ calls: s.calls, statement: truncateSql(s.sql, 120), reason: s.reason })),
      emptyText: 'Every statement was planned.',
    },
  ];
}

/** Where the workload came from; with pg_qualstats, how much it added. */
export function qualstatsMetric(r: AdvisorResult): Metric {
  const q = r.qualstats;
  return {
    id: 'workload-source',
    label: 'Workload source',
    value: q ? q.statementsAdded : null,
    display: q
      ? `${r.source}: ${q.predicates} predicate${q.predicates === 1 ? '' : 's'}, ${q.statementsAdded} statement${q.statementsAdded === 1 ? '' : 's'} added (${q.predicatesAdded} predicate${q.predicatesAdded === 1 ? '' : 's'} not in pg_stat_statements)`
      : r.source,
    help: q
      ? 'pg_qualstats example queries whose fingerprint pg_stat_statements did not hold join the workload, weighted by their executions.'
      : 'Installing pg_qualstats (shared_preload_libraries + CREATE EXTENSION pg_qualstats) adds the predicates pg_stat_statements lost (evicted, reset, outside the top N).',
  };
}

export const indexesAnalyzer: Analyzer = {
  id: 'indexes',
  title: 'Indexes',
  description: "Index recommendations from the real workload (pg_stat_statements without pgopt's own statements, verified with HypoPG) and index health: unused, duplicate, invalid, foreign keys without an index, low selectivity.",
  async run(ctx): Promise<SectionBody> {
    const metrics: Metric[] = [];
    const findings: ReportFinding[] = [];
    const tables: ReportTable[] = [];
    const unavailable: Unavailable[] = [];
    /** Index health findings found, the unlisted ones included (the section lists at most REPORT_FINDINGS_PER_KIND of a kind). */
    let healthFound: number | undefined;
    const pgss = ctx.caps.extensions.pg_stat_statements;
    if (!pgss.usable) {
      unavailable.push(pgss.unavailable ?? { what: 'Index advice from the workload', because: 'pg_stat_statements is not usable', toEnable: 'CREATE EXTENSION pg_stat_statements' });
    } else {
      ctx.progress?.('indexes: advisor');
      try {
        const r = ctx.advise ? await ctx.advise() : await ctx.readOnly((q) => runAdvisor(q, ctx.caps, { ...(ctx.signal ? { signal: ctx.signal } : {}), ...(ctx.progress ? { progress: ctx.progress } : {}) }));
        if (!r.verified) {
          const h = ctx.caps.extensions.hypopg.unavailable;
          unavailable.push({
            what: 'Verified index recommendations (what-if costs with HypoPG)',
            because: `${h?.because ?? 'HypoPG is not usable'}, so the recommendations below are heuristic only`,
            toEnable: h?.toEnable ?? 'install HypoPG and run CREATE EXTENSION hypopg',
          });
        }
        metrics.push(
          { id: 'workload-statements', label: 'Workload statements analyzed', value: r.statementsAnalyzed, display: `${r.statementsAnalyzed} planned, ${r.skipped.length} skipped` },
          {
            id: 'workload-stats-age',
            label: 'Workload statistics age',
            value: r.statsAgeS ?? null,
            display: r.statsAgeS !== undefined ? `${formatDuration(r.statsAgeS)} (since ${r.statsSince})` : 'unknown',
            help: 'pg_stat_statements counts since its last reset: a short window may miss nightly or monthly jobs.',
          },
          {
            id: 'workload-cost',
            label: 'Workload cost (calls × planner cost)',
            value: r.totalCostBefore,
            display: r.verified
              ? `${formatCount(Math.round(r.totalCostBefore))} → ${formatCount(Math.round(r.totalCostAfter))} with the recommendations (−${formatPercent(r.totalCostBefore > 0 ? 1 - r.totalCostAfter / r.totalCostBefore : 0, 1)})`
              : `${formatCount(Math.round(r.totalCostBefore))} (after: not verified)`,
          },
          { id: 'index-recommendations', label: 'Index recommendations', value: r.recommendations.length, display: String(r.recommendations.length) },
        );
        metrics.push(qualstatsMetric(r));
        if (r.toolStatementsLeftOut !== undefined) metrics.push(toolStatementsMetric(r.toolStatementsLeftOut));
        const trackingNote = r.statementTracking ? describeTrackingPause(r.statementTracking) : undefined;
        if (trackingNote) unavailable.push({ what: 'Keeping what-if plans out of pg_stat_statements', because: trackingNote, toEnable: 'GRANT SET ON PARAMETER pg_stat_statements.track TO the role pgopt connects as (PostgreSQL 15+), or connect as a superuser' });
        if (r.qualstatsError) unavailable.push({ what: 'Workload predicates from pg_qualstats', because: `it could not be read: ${r.qualstatsError}`, toEnable: 'a role that may read the pg_qualstats view and pg_qualstats_example_queries()' });
        findings.push(...advisorFindings(r));
        tables.push(...advisorTables(r));
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        unavailable.push({ what: 'Index advice from the workload', because: `the advisor failed: ${(e as Error).message}`, toEnable: 'fix what the error names; the other index checks above are unaffected' });
      }
    }
    ctx.progress?.('indexes: health');
    try {
      const d = await ctx.readOnly((q) => fetchIndexHealth(q, { detailPerKind: REPORT_FINDINGS_PER_KIND }));
      // A large catalog can have thousands of one kind: the largest are listed, the rest counted (metrics stay exact).
      const health = assessIndexHealthBounded(d, ctx.caps.serverVersionNum, REPORT_FINDINGS_PER_KIND);
      findings.push(...health.findings.map(({ sizeBytes: _s, ...f }) => f));
      tables.push(indexHealthTable(health.findings));
      const count = (id: string): number => health.counts[id] ?? 0;
      healthFound = Object.values(health.counts).reduce((n, c) => n + c, 0);
      metrics.push(
        { id: 'unused-indexes', label: 'Unused indexes', value: count('indexes.unused'), display: String(count('indexes.unused')) },
        { id: 'duplicate-indexes', label: 'Duplicate / redundant indexes', value: count('indexes.duplicate') + count('indexes.redundant'), display: String(count('indexes.duplicate') + count('indexes.redundant')) },
        { id: 'fk-without-index', label: 'Foreign keys without an index', value: count('indexes.fk-without-index'), display: String(count('indexes.fk-without-index')) },
      );
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      unavailable.push({ what: 'Index health', because: `it failed: ${(e as Error).message}`, toEnable: 'a role with pg_monitor can read every statistics view' });
    }
    const status = worstStatus(findings.map((f) => f.severity));
    const recs = findings.filter((f) => f.id.startsWith('indexes.recommendation')).length;
    const problems = healthFound ?? findings.length - recs;
    return {
      status,
      summary: `${recs} index recommendation${recs === 1 ? '' : 's'}, ${problems} index health finding${problems === 1 ? '' : 's'}.`,
      metrics,
      findings,
      tables,
      unavailable,
    };
  },
};

function indexHealthTable(health: IndexHealthFinding[]): ReportTable {
  return {
    id: 'index-health',
    title: 'Index health',
    columns: [
      { key: 'kind', label: 'Finding' },
      { key: 'object', label: 'Object' },
      { key: 'size', label: 'Size', numeric: true },
      { key: 'sql', label: 'Suggested action' },
    ],
    rows: health.map((f) => ({ kind: f.id.replace(/^indexes\./, ''), object: f.object?.name ?? (f.id.endsWith('-more') ? f.title : ''), size: f.sizeBytes ? formatBytes(f.sizeBytes) : '', sql: f.sql ?? '' })),
    rowActions: health.map((f) => f.actions ?? []),
    emptyText: 'No unused, duplicate, invalid or missing foreign-key indexes.',
  };
}
