// Health: version, uptime, size, cache hit ratio, connections, wraparound, sequences, invalid indexes,
// NOT VALID constraints. Each check runs in its own read-only unit so one timeout does not hide the rest.
import { runChecks, type Analyzer, type SectionBody } from '../analyzer';
import { HEALTH_CHECKS } from './healthChecks';

export const healthAnalyzer: Analyzer = {
  id: 'health',
  title: 'Health',
  description: 'Server overview, cache hit ratio, connections, wraparound, sequences, invalid indexes, NOT VALID constraints.',
  async run(ctx): Promise<SectionBody> {
    const { status, problems, metrics, findings, tables, unavailable } = await runChecks(ctx, healthAnalyzer, HEALTH_CHECKS, ctx.caps);
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
