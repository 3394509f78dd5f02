// Maintenance: vacuum and analyze, what holds back the xmin horizon, space (bloat estimates, largest
// relations, TOAST, WAL retained per slot, temp files), replication (primary and standby views) and a short
// evidence-based settings review — the pages PgHero users open daily and what pganalyze's VACUUM advisor
// covers. Each check runs in its own read-only unit so one timeout does not hide the rest. Findings carry
// the SQL of the suggested action as text (VACUUM, ANALYZE, ALTER TABLE … SET, pg_drop_replication_slot,
// ROLLBACK PREPARED, pg_terminate_backend); nothing here runs it.
import { runChecks, type Analyzer, type SectionBody } from '../analyzer';
import { parseMaintenanceSettings } from '../../config';
import type { MaintenanceCheck } from './checkResult';
import { horizonCheck } from './horizon';
import { replicationCheck } from './replication';
import { settingsCheck } from './settingsReview';
import { bloatCheck, largestRelationsCheck, slotsCheck, tempFilesCheck } from './space';
import { vacuumCheck } from './vacuum';

export const MAINTENANCE_CHECKS: readonly MaintenanceCheck[] = [vacuumCheck, horizonCheck, bloatCheck, largestRelationsCheck, slotsCheck, tempFilesCheck, replicationCheck, settingsCheck];

export const maintenanceAnalyzer: Analyzer = {
  id: 'maintenance',
  title: 'Maintenance',
  description: 'Vacuum and analyze, what holds back the xmin horizon, bloat estimates, largest relations, WAL retained by slots, temp files, replication, settings review.',
  async run(ctx): Promise<SectionBody> {
    const { settings } = parseMaintenanceSettings(ctx.config.maintenance);
    const history = ctx.history ?? [];
    const { status, problems, metrics, findings, tables, unavailable } = await runChecks(ctx, maintenanceAnalyzer, MAINTENANCE_CHECKS, { caps: ctx.caps, settings, history });
    if (history.filter((s) => Array.isArray(s.vacuum)).length < 3) {
      unavailable.push({
        what: history.length ? 'Tables autovacuum fails to keep up with (dead rows growing across snapshots)' : 'Tables autovacuum fails to keep up with (dead rows growing across snapshots) and relation growth',
        because: history.length ? `only ${history.length} stored snapshot${history.length === 1 ? '' : 's'} with per-table vacuum figures (3 needed)` : 'no stored snapshots for this connection',
        toEnable: 'stay connected with pgopt.monitoring.intervalMinutes > 0, or run pgopt snapshot --store FILE from cron and pgopt analyze --store FILE',
      });
    }
    return {
      status,
      summary: problems === 0 ? `No maintenance problem found${findings.length ? ` (${findings.length} suggestion${findings.length > 1 ? 's' : ''})` : ''}.` : `${problems} maintenance problem${problems > 1 ? 's' : ''} found.`,
      metrics,
      findings,
      tables,
      unavailable,
    };
  },
};
