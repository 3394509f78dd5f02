// Plain data the Migrations view shows, loaded by the heavy side (discovery reads files, status reads the
// tracking table in a read-only session). Kept apart so the light bundle only needs the types.
import type { MigrationLint } from '../../core/migrations/lintGate';
import type { Discovery, MigrationStatus } from '../../core/migrations/types';

export interface MigrationsState {
  /** Workspace folder the migrations belong to. */
  folder: string;
  /** Directory, relative to the folder, and whether it came from pgopt.json. */
  dirLabel: string;
  configured: boolean;
  discovery: Discovery | undefined;
  /** undefined when not connected (states are unknown then). */
  status: MigrationStatus | undefined;
  /** Connection the status was read from. */
  connection: string | undefined;
  /** Why there is nothing to show, or what went wrong reading the status. */
  message: string | undefined;
  /** Problems in pgopt.json "migrate". */
  configProblems: string[];
  /** Lint of each pending (or failed, to be retried) migration, by version: what the run's lint gate will judge. */
  lint?: Record<string, MigrationLint>;
}
