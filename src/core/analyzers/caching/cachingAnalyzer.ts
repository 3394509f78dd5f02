// Caching: relations with a low hit ratio, memory settings, and (with pg_stat_statements) read-mostly hot
// queries and materialized-view candidates. Each recommendation names the statistics it rests on.
import type { Analyzer, SectionBody } from '../analyzer';
import { parseQueriesSettings } from '../../config';
import { privilegeUnavailable } from '../../db/capabilities';
import { worstStatus, type Metric, type ReportFinding, type ReportTable, type Unavailable } from '../../report/model';
import { fetchStatements, toolStatementsMetric } from '../queries/statements';
import { assessMemorySettings, assessQueryCaching, assessRelationCache, fetchCacheStats } from './caching';

export const cachingAnalyzer: Analyzer = {
  id: 'caching',
  title: 'Caching',
  description: "Tables/indexes with low cache hit ratio, shared_buffers and effective_cache_size, read-mostly hot queries, materialized-view candidates (pgopt's own statements left out).",
  async run(ctx): Promise<SectionBody> {
    const { settings } = parseQueriesSettings(ctx.config.queries);
    const unavailable: Unavailable[] = [];
    const priv = privilegeUnavailable(ctx.caps);
    if (priv) unavailable.push(priv);
    ctx.progress?.('caching: pg_statio');
    const stats = await ctx.readOnly((q) => fetchCacheStats(q));
    const metrics: Metric[] = [];
    const findings: ReportFinding[] = [];
    const tables: ReportTable[] = [];
    const parts = [assessMemorySettings(stats.memory), assessRelationCache(stats.tables, stats.indexes, stats.memory.sharedBuffersBytes)];
    const pgss = ctx.caps.extensions.pg_stat_statements;
    if (pgss.usable) {
      ctx.progress?.('caching: pg_stat_statements');
      const byCalls = await ctx.readOnly((q) => fetchStatements(q, ctx.caps, { limit: 500, orderBy: 'calls' }));
      const byTime = await ctx.readOnly((q) => fetchStatements(q, ctx.caps, { limit: 200 }));
      const seen = new Set<string>();
      const statements = [...byCalls.rows, ...byTime.rows].filter((r) => {
        const k = `${r.queryid}:${r.username}:${r.query}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      parts.push(assessQueryCaching(statements, stats.tables, settings));
      parts.push({ metrics: [toolStatementsMetric(byCalls.totals.tool_statements ?? 0)] });
    } else {
      unavailable.push({
        what: 'Read-mostly hot queries and materialized-view candidates',
        because: pgss.unavailable?.because ?? 'pg_stat_statements is not usable',
        toEnable: pgss.unavailable?.toEnable ?? 'add pg_stat_statements to shared_preload_libraries, restart, then CREATE EXTENSION pg_stat_statements;',
      });
    }
    for (const r of parts) {
      metrics.push(...(r.metrics ?? []));
      findings.push(...(r.findings ?? []));
      tables.push(...(r.tables ?? []));
    }
    const n = findings.length;
    return {
      status: worstStatus([...findings.map((f) => f.severity), ...metrics.map((m) => m.status ?? 'ok')]),
      summary: n === 0 ? 'No caching recommendation.' : `${n} caching recommendation${n === 1 ? '' : 's'}.`,
      metrics,
      findings,
      tables,
      unavailable,
    };
  },
};
