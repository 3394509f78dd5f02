// What the live rules know about the connected database: plain, JSON-serialisable data (it crosses to the
// CLI's worker threads and is cached by the editor). Collected by live.ts in read-only, bounded queries;
// the rules themselves stay synchronous and only read this.

export interface LiveColumn {
  name: string;
  type: string;
  notNull: boolean;
}

export interface LiveIndexKey {
  /** Column name, or undefined for an expression key. */
  column?: string;
  /** Expression text (pg_get_indexdef of the key) for expression keys. */
  expression?: string;
  /** Operator class name, and whether it is the default one for the column type. */
  opclass: string;
  defaultOpclass: boolean;
}

export interface LiveIndex {
  schema: string;
  name: string;
  definition: string;
  method: string;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  /** Key columns (INCLUDE columns are not keys). */
  keys: LiveIndexKey[];
  /** WHERE clause of a partial index (pg_get_expr), undefined for a full index. */
  predicate?: string;
}

export interface LiveConstraint {
  name: string;
  /** pg_constraint.contype: p, u, f, c, x, n, t. */
  type: string;
  definition: string;
  columns: string[];
  validated: boolean;
}

export interface LiveTable {
  schema: string;
  name: string;
  /** pg_class.relkind: r, p, m, v, f, i, I, S... */
  kind: string;
  /** Index: the table it belongs to (schema.name). */
  indexOf?: string;
  /** pg_class.reltuples (-1 or 0 when never analyzed: rows unknown). */
  rowEstimate: number;
  /** pg_total_relation_size: heap + indexes + TOAST. */
  totalBytes: number;
  /** Rows inserted + updated + deleted since the statistics were reset, and since when (ISO). */
  writes?: { total: number; since: string; perSecond: number };
  columns: LiveColumn[];
  indexes: LiveIndex[];
  constraints: LiveConstraint[];
}

/** Rows that violate a constraint a statement adds, counted with a bounded query. */
export interface DirtyCount {
  /** unique: duplicated keys (and NULL keys for PRIMARY KEY); not-null: NULL rows; check: failing rows. */
  kind: 'unique' | 'not-null' | 'check';
  /** schema.name or name, as written. */
  table: string;
  columns: string[];
  /** For unique: duplicated key values; otherwise violating rows. */
  count: number;
  /** For unique: rows sharing a duplicated key. */
  rows?: number;
  /** The count stopped at the limit: there are at least `count`. */
  atLeast: boolean;
  /** The query could not finish (timeout, error): what happened instead of a count. */
  error?: string;
  /** Which subcommand of the statement (0-based index into the ALTER TABLE's commands). */
  cmdIndex: number;
}

export interface LiveContext {
  /** Connection label, shown in messages ("in database app"). */
  database: string;
  /**
   * Relations the file mentions, keyed as written ("schema.name" or "name", parser case). null = checked and
   * absent; a missing key = not checked (e.g. the text changed since): rules then stay silent.
   */
  relations: Record<string, LiveTable | null>;
  /** Dirty-row counts keyed by the statement's text, so an edit elsewhere does not misplace them. */
  dirty: Record<string, DirtyCount[]>;
  /** Limit used for the bounded counts. */
  dirtyLimit: number;
  /**
   * Tables (parser-case names) that earlier migration files of the same run create and the database does
   * not have yet (see EarlierMigrations): new, so no lock hazard and not unknown.
   */
  createdByEarlierFiles?: string[];
}
