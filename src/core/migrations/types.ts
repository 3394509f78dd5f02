// Plain data shared by discovery, status, the runner and the editor/CLI layers. Everything here is
// serialisable so the extension can hand it to a tree view or a webview as is.

export const MIGRATION_FORMATS = ['golang-migrate', 'dbmate', 'flyway', 'plain'] as const;
export type MigrationFormat = (typeof MIGRATION_FORMATS)[number];

export interface Migration {
  /** Version as written in the file name ("20240101120000", "1.2.10", "007"); for Flyway repeatables "R__name". */
  version: string;
  name: string;
  format: MigrationFormat;
  /** Flyway `R__` migrations: re-applied whenever their checksum changes, after the versioned ones. */
  repeatable: boolean;
  /** Absolute path of the file holding the up SQL. */
  upPath: string;
  /** Absolute path of the file holding the down SQL, when separate (golang-migrate .down.sql, Flyway U). */
  downPath?: string;
  upSql: string;
  /** Down SQL from a down file or a `-- migrate:down` section; undefined when the migration has none. */
  downSql?: string;
  /** sha256 (hex) of upSql with line endings normalised to \n. */
  checksum: string;
  /** dbmate `-- migrate:up transaction:false`: the author asks for no wrapping transaction. */
  noTransaction?: boolean;
}

export type ProblemSeverity = 'error' | 'warning';

export interface DiscoveryProblem {
  severity: ProblemSeverity;
  /** File (absolute) the problem is about, when one. */
  file?: string;
  message: string;
}

export interface Discovery {
  dir: string;
  format: MigrationFormat;
  /** True when the format was detected from the files rather than configured. */
  detected: boolean;
  /** Versioned migrations in apply order, then repeatables by name. */
  migrations: Migration[];
  problems: DiscoveryProblem[];
}

/** Where applied migrations are recorded. */
export interface TrackingTarget {
  schema: string;
  table: string;
}

export const DEFAULT_TRACKING: TrackingTarget = { schema: 'public', table: 'pgopt_migrations' };

/** Per-statement progress of a migration that runs outside a transaction (the `log` jsonb column). */
export interface StatementLog {
  mode: 'transaction' | 'statements';
  /** Number of statements of the up SQL. */
  total: number;
  /** Statements completed (statements mode: a re-run resumes at this index). */
  completed: number;
  failed?: { index: number; sql: string; error: string; code?: string };
  /** Statements that were skipped on resume because their effect was already there (index built). */
  notes?: string[];
}

export interface AppliedRow {
  version: string;
  name: string;
  checksum: string | undefined;
  appliedAt: string | undefined;
  appliedBy: string | undefined;
  durationMs: number | undefined;
  success: boolean;
  log: StatementLog | undefined;
  /** The up SQL as applied (pgopt table only), for a drift diff. */
  upSql: string | undefined;
  /** golang-migrate's dirty flag. */
  dirty?: boolean;
}

export type MigrationState = 'applied' | 'pending' | 'drifted' | 'failed' | 'missing';

export interface StatusEntry {
  version: string;
  name: string;
  state: MigrationState;
  repeatable: boolean;
  /** Pending but older than the newest applied version. */
  outOfOrder?: boolean;
  migration?: Migration;
  applied?: AppliedRow;
  /** Human explanation for drifted/failed/missing. */
  detail?: string;
  /** Unified diff applied -> current file, when the applied SQL is known (drifted only). */
  diff?: string;
}

export type TrackingSource = 'pgopt' | 'golang-migrate' | 'dbmate' | 'flyway' | 'none';

export interface MigrationStatus {
  source: TrackingSource;
  /** Schema-qualified table status was read from (undefined when none exists yet). */
  table?: string;
  /** True when another tool's table was read: pgopt will not write to it. */
  readOnly: boolean;
  entries: StatusEntry[];
  counts: Record<MigrationState, number>;
  problems: DiscoveryProblem[];
}
