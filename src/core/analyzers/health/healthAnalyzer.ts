// Health: version, uptime, size, cache hit ratio, connections, wraparound, sequences, invalid indexes,
// NOT VALID constraints. Each check runs in its own read-only unit so one timeout does not hide the rest.
import type { Analyzer, SectionBody } from '../analyzer';
import { CancelledError } from '../../db/session';
import { privilegeUnavailable } from '../../db/capabilities';
import { worstStatus, type Metric, type ReportFinding, type ReportTable, type Unavailable } from '../../report/model';
import { HEALTH_CHECKS } from './healthChecks';

export const healthAnalyzer: Analyzer = {
  id: 'health',
  title: 'Health',
  description: 'Server overview, cache hit ratio, connections, wraparound, sequences, invalid indexes, NOT VALID constraints.',
  async run(ctx): Promise<SectionBody> {
    const metrics: Metric[] = [];
    const findings: ReportFinding[] = [];
    const tables: ReportTable[] = [];
    const unavailable: Unavailable[] = [];
    const priv = privilegeUnavailable(ctx.caps);
    if (priv) unavailable.push(priv);
    for (const check of HEALTH_CHECKS) {
      ctx.progress?.(`health: ${check.id}`);
      try {
        const r = await ctx.readOnly((q) => check.run(q, ctx.caps));
        metrics.push(...(r.metrics ?? []));
        findings.push(...(r.findings ?? []));
        tables.push(...(r.tables ?? []));
        unavailable.push(...(r.unavailable ?? []));
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        unavailable.push({
          what: `Health check "${check.id}"`,
          because: `it failed: ${(e as Error).message}`,
          toEnable: 'the error names what failed; a role with pg_monitor can read every statistics view',
        });
      }
    }
    const status = worstStatus([...findings.map((f) => f.severity), ...metrics.map((m) => m.status ?? 'ok')]);
    const problems = findings.filter((f) => f.severity !== 'info').length;
    return {
      status,
      summary: problems === 0 ? 'No health problems found.' : `${problems} health problem${problems > 1 ? 's' : ''} found.`,
      metrics,
      findings,
      tables,
      unavailable,
    };
  },
};
