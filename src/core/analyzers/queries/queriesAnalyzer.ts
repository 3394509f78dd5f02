// Slow queries (pg_stat_statements): per statement calls, times, rows, buffers, temp spills, block I/O
// time and WAL; slow-statement and temp-spill findings with the full statement text. Without
// pg_stat_statements the section says how to enable it instead of showing an empty list.
import type { Analyzer, SectionBody } from '../analyzer';
import { parseQueriesSettings } from '../../config';
import { privilegeUnavailable } from '../../db/capabilities';
import { formatCount } from '../../format';
import { worstStatus, type Unavailable } from '../../report/model';
import { assessStatements, fetchStatements } from './statements';

export const queriesAnalyzer: Analyzer = {
  id: 'queries',
  title: 'Slow queries',
  description: "Statements from pg_stat_statements by total time: calls, mean/max time, buffers, temp spills, I/O time, WAL. pgopt's own statements (marked /* pgopt */) are left out and counted.",
  async run(ctx): Promise<SectionBody> {
    const { settings, problems } = parseQueriesSettings(ctx.config.queries);
    const unavailable: Unavailable[] = problems.map((p) => ({
      what: `Setting ${p.path}`,
      because: p.message,
      toEnable: `fix it in pgopt.json; the defaults (mean ≥ 20 ms, ≥ 100 calls) are used meanwhile`,
    }));
    const pgss = ctx.caps.extensions.pg_stat_statements;
    if (!pgss.usable) {
      unavailable.push(
        pgss.unavailable ?? {
          what: 'Slow queries (pg_stat_statements)',
          because: 'pg_stat_statements is not usable',
          toEnable: "add pg_stat_statements to shared_preload_libraries, restart, then CREATE EXTENSION pg_stat_statements;",
        },
      );
      return {
        status: 'info',
        summary: 'Slow queries need pg_stat_statements, which is not available here.',
        metrics: [],
        findings: [],
        tables: [],
        unavailable,
      };
    }
    const priv = privilegeUnavailable(ctx.caps);
    if (priv) unavailable.push({ ...priv, what: "Other roles' statement text in pg_stat_statements" });
    ctx.progress?.('queries: pg_stat_statements');
    const snap = await ctx.readOnly((q) => fetchStatements(q, ctx.caps, { limit: settings.limit }));
    const r = assessStatements(snap.rows, snap.totals, snap.env, settings);
    unavailable.push(...(r.unavailable ?? []));
    const findings = r.findings ?? [];
    const metrics = r.metrics ?? [];
    const slow = findings.filter((f) => f.id === 'queries.slow').length;
    const spills = findings.filter((f) => f.id === 'queries.temp-spill').length;
    const summary =
      snap.totals.statements === 0
        ? 'pg_stat_statements has recorded no statements for this database yet.'
        : `${formatCount(snap.totals.statements)} statements tracked; ${slow} slow, ${spills} spilling to temp files.`;
    return {
      status: worstStatus([...findings.map((f) => f.severity), ...metrics.map((m) => m.status ?? 'ok')]),
      summary,
      metrics,
      findings,
      tables: r.tables ?? [],
      unavailable,
    };
  },
};
