// What each maintenance check returns, and the context it runs with. Each check = one fetch (SQL, tested on
// a real server) + a pure assessment (assess*, unit-tested), like the health checks.
import type { MaintenanceSettings } from '../../config';
import type { Capabilities } from '../../db/capabilities';
import type { QueryRunner } from '../../db/session';
import type { Snapshot } from '../../metrics/snapshot';
import type { Check, CheckResult } from '../check';
import type { Metric, ReportFinding, ReportTable, Unavailable } from '../../report/model';

export type { CheckResult };

export interface MaintenanceCheckContext {
  caps: Capabilities;
  settings: MaintenanceSettings;
  /** Stored snapshots of this connection, oldest first (empty without a store). */
  history: readonly Snapshot[];
}

export type MaintenanceCheck = Check<MaintenanceCheckContext>;

export const USER_SCHEMAS_FILTER = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'`;

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
