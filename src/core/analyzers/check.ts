// One check of a many-check analyzer (health, maintenance): its own file, with nothing but the report model and
// the query runner, so the checks (imported by the snapshot code too) do not reach analyzer.ts and back.
import type { QueryRunner } from '../db/session';
import type { Metric, ReportFinding, ReportTable, Unavailable } from '../report/model';

/** What one check of a many-check analyzer (health, maintenance) returns. */
export interface CheckResult {
  metrics?: Metric[];
  findings?: ReportFinding[];
  tables?: ReportTable[];
  unavailable?: Unavailable[];
}

/** One catalog read + assessment; C is what the analyzer hands every check (capabilities, settings, …). */
export interface Check<C> {
  id: string;
  run(q: QueryRunner, c: C): Promise<CheckResult>;
}
