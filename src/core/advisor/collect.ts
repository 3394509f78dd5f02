// Advisor phase 1, the workload: pg_stat_statements (plus pg_qualstats' example queries when it is usable),
// a workload file, or statements from another source (the server log, a pg_stat_activity sample).
import type { Capabilities } from '../db/capabilities';
import { CancelledError, type QueryRunner } from '../db/session';
import { loadQualstats, mergeQualstatsExamples } from './qualstats';
import type { AdvisorOptions, QualstatsContribution } from './types';
import { loadPgssWorkload, parseWorkloadFile, type Workload } from './workload';

export interface CollectedWorkload {
  workload: Workload;
  qualstats?: QualstatsContribution;
  /** pg_qualstats is installed but could not be read: why. */
  qualstatsError?: string;
}

export async function collectWorkload(q: QueryRunner, caps: Capabilities, opts: AdvisorOptions, check: () => void): Promise<CollectedWorkload> {
  let workload: Workload;
  const external = opts.workloadText !== undefined || opts.workloadStatements !== undefined;
  if (opts.workloadText !== undefined) workload = { statements: parseWorkloadFile(opts.workloadText) };
  else if (opts.workloadStatements) workload = { statements: opts.workloadStatements.statements.map((s) => ({ ...s })) };
  else {
    const pgss = caps.extensions.pg_stat_statements;
    if (!pgss.usable) throw new Error(`pg_stat_statements is not usable: ${pgss.unavailable?.because ?? 'unknown'}; to enable: ${pgss.unavailable?.toEnable ?? ''}`);
    workload = await loadPgssWorkload(q, opts.topN ?? 100, caps.serverVersionNum, pgss.schema ?? 'public');
  }
  let qualstats: QualstatsContribution | undefined;
  let qualstatsError: string | undefined;
  const qs = caps.extensions.pg_qualstats;
  if (!external && opts.qualstats !== false && qs?.usable) {
    check();
    // In a savepoint: a failing read (e.g. a role without access) must not abort the session's transaction.
    const savepoint = await q.query('SAVEPOINT pgopt_qualstats').then(
      () => true,
      () => false,
    );
    try {
      const data = await loadQualstats(q, qs.schema ?? 'public', caps.extensions.pg_stat_statements.schema ?? 'public');
      if (savepoint) await q.query('RELEASE SAVEPOINT pgopt_qualstats');
      const merged = mergeQualstatsExamples(workload.statements, data.examples);
      workload = { ...workload, statements: merged.statements };
      qualstats = {
        predicates: data.predicates.length,
        predicatesAdded: data.predicates.filter((p) => p.queryId !== undefined && merged.addedQueryIds.has(p.queryId)).length,
        statementsAdded: merged.added,
        statementsDuplicate: merged.duplicates,
        sampleRate: data.sampleRate,
      };
    } catch (e) {
      if (savepoint) await q.query('ROLLBACK TO SAVEPOINT pgopt_qualstats').catch(() => undefined);
      if (e instanceof CancelledError) throw e;
      qualstatsError = (e as Error).message;
    }
  }
  return { workload, ...(qualstats ? { qualstats } : {}), ...(qualstatsError ? { qualstatsError } : {}) };
}
