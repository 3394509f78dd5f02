// Typed finding actions: what a finding (or a report row) proposes to change, as data, not as a SQL string.
// The producer (an analyzer) knows the object and the change; every consumer (Copy SQL, Apply Now, Create
// Migration, `pgopt advise --emit-migration`, the report's buttons) renders it here, so nobody re-parses SQL
// to learn that it needs CONCURRENTLY or guesses which column holds it. Plain serialisable data: the report
// webview receives it as is. Identifiers are quoted with ../sql/quote; expressions (index keys, predicates,
// constraint bodies) come deparsed from the catalog or from the advisor's own quoting.
import { qualifiedName, quoteIdent } from '../sql/quote';

/** One key of an index: a column (quoted here) or an expression already in SQL. */
export interface IndexKeySpec {
  column?: string;
  expression?: string;
  desc?: boolean;
  opclass?: string;
}

/** A partition of a partitioned table, with the index it gets and its parent's index (attached to it). */
export interface PartitionIndexSpec {
  schema: string;
  table: string;
  name: string;
  parentSchema: string;
  parentIndex: string;
  /** A sub-partitioned partition: its index is created ON ONLY too (no build), then attached. */
  partitioned: boolean;
}

export interface CreateIndexAction {
  kind: 'createIndex';
  schema: string;
  table: string;
  name: string;
  keys: IndexKeySpec[];
  /** INCLUDE columns (names). */
  include?: string[];
  /** Predicate of a partial index, SQL. */
  where?: string;
  method?: 'btree' | 'gin' | 'gist' | 'brin' | 'hash';
  unique?: boolean;
  /** The table is partitioned: the parent's index ON ONLY, each leaf's CONCURRENTLY, each attached. */
  partitions?: PartitionIndexSpec[];
}

export interface DropIndexAction {
  kind: 'dropIndex';
  schema: string;
  name: string;
  table?: string;
  /** pg_get_indexdef of the index: the down part re-creates it (concurrently). Absent: no down. */
  definition?: string;
}

export interface AddConstraintAction {
  kind: 'addConstraint';
  schema: string;
  table: string;
  name: string;
  /** The constraint body, e.g. `CHECK (amount >= 0)` or `FOREIGN KEY ("a") REFERENCES "public"."t" ("id")`. */
  definition: string;
  /** Run VALIDATE CONSTRAINT after adding it NOT VALID (default true). */
  validate?: boolean;
}

export interface ValidateConstraintAction {
  kind: 'validateConstraint';
  schema: string;
  table: string;
  name: string;
}

export interface AnalyzeAction {
  kind: 'analyze';
  schema: string;
  table: string;
}

export type FindingAction = CreateIndexAction | DropIndexAction | AddConstraintAction | ValidateConstraintAction | AnalyzeAction;

/** How an action is run and undone. Statements end with `;`. */
export interface RenderedAction {
  up: string[];
  /** Statements that undo it, in order; empty when it cannot be undone (ANALYZE, VALIDATE). */
  down: string[];
  /** True when the up part must run outside a transaction (CONCURRENTLY). */
  autocommit: boolean;
  /** True when the down part must run outside a transaction. */
  downAutocommit: boolean;
  /**
   * The up part as a migration writes it (`pgopt lint` clean): a concurrent build first drops a leftover
   * INVALID index of a failed earlier run (IF NOT EXISTS would keep it), so a re-run starts clean.
   */
  lintClean: string[];
}

const LOCK_TIMEOUT_DEFAULT = '5s';

function keySql(k: IndexKeySpec): string {
  const base = k.column !== undefined ? quoteIdent(k.column) : (k.expression ?? '');
  return `${base}${k.opclass ? ` ${k.opclass}` : ''}${k.desc ? ' DESC' : ''}`;
}

function indexBody(a: CreateIndexAction, schema: string, table: string, only: boolean): string {
  const method = a.method && a.method !== 'btree' ? ` USING ${a.method}` : '';
  const include = a.include?.length ? ` INCLUDE (${a.include.map(quoteIdent).join(', ')})` : '';
  return `${only ? 'ONLY ' : ''}${qualifiedName(schema, table)}${method} (${a.keys.map(keySql).join(', ')})${include}${a.where ? ` WHERE ${a.where}` : ''}`;
}

function createIndexUp(a: CreateIndexAction, migration: boolean): string[] {
  const unique = a.unique ? 'UNIQUE ' : '';
  // In a migration: drop a leftover of a failed concurrent build, then build (IF NOT EXISTS would keep an INVALID leftover).
  const concurrent = (schema: string, table: string, name: string): string[] =>
    migration
      ? [`DROP INDEX CONCURRENTLY IF EXISTS ${qualifiedName(schema, name)};`, `CREATE ${unique}INDEX CONCURRENTLY ${quoteIdent(name)} ON ${indexBody(a, schema, table, false)};`]
      : [`CREATE ${unique}INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(name)} ON ${indexBody(a, schema, table, false)};`];
  if (!a.partitions) return concurrent(a.schema, a.table, a.name);
  // A partitioned table cannot be indexed concurrently: ON ONLY creates the parent's index (invalid, no build),
  // each leaf's is built CONCURRENTLY and attached; the parent's becomes valid once every partition has one.
  const out = [`CREATE ${unique}INDEX IF NOT EXISTS ${quoteIdent(a.name)} ON ${indexBody(a, a.schema, a.table, true)};`];
  for (const p of a.partitions) {
    out.push(
      ...(p.partitioned ? [`CREATE ${unique}INDEX IF NOT EXISTS ${quoteIdent(p.name)} ON ${indexBody(a, p.schema, p.table, true)};`] : concurrent(p.schema, p.table, p.name)),
      `ALTER INDEX ${qualifiedName(p.parentSchema, p.parentIndex)} ATTACH PARTITION ${qualifiedName(p.schema, p.name)};`,
    );
  }
  return out;
}

/** pg_get_indexdef output made concurrent and idempotent: `CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS …`. */
export function concurrentIndexDef(definition: string): string | undefined {
  const m = /^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(.*?);?\s*$/is.exec(definition);
  // ON ONLY (an index of a partitioned table's parent) cannot be built concurrently: no safe one-statement re-creation.
  if (!m || /\sON\s+ONLY\s/i.test(definition)) return undefined;
  return `CREATE ${m[1] ? 'UNIQUE ' : ''}INDEX CONCURRENTLY IF NOT EXISTS ${m[2] as string};`;
}

/** The statements an action runs and undoes. */
export function renderAction(a: FindingAction): RenderedAction {
  switch (a.kind) {
    case 'createIndex': {
      // Dropping the parent's index of a partitioned table drops its partitions' indexes too (and cannot be concurrent).
      const down = a.partitions ? `DROP INDEX IF EXISTS ${qualifiedName(a.schema, a.name)};` : `DROP INDEX CONCURRENTLY IF EXISTS ${qualifiedName(a.schema, a.name)};`;
      return { up: createIndexUp(a, false), lintClean: createIndexUp(a, true), down: [down], autocommit: true, downAutocommit: !a.partitions };
    }
    case 'dropIndex': {
      const recreate = a.definition ? concurrentIndexDef(a.definition) : undefined;
      const up = [`DROP INDEX CONCURRENTLY IF EXISTS ${qualifiedName(a.schema, a.name)};`];
      return { up, lintClean: up, down: recreate ? [recreate] : [], autocommit: true, downAutocommit: true };
    }
    case 'addConstraint': {
      const t = qualifiedName(a.schema, a.table);
      const up = [`ALTER TABLE ${t} ADD CONSTRAINT ${quoteIdent(a.name)} ${a.definition} NOT VALID;`];
      if (a.validate !== false) up.push(`ALTER TABLE ${t} VALIDATE CONSTRAINT ${quoteIdent(a.name)};`);
      return { up, lintClean: up, down: [`ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${quoteIdent(a.name)};`], autocommit: false, downAutocommit: false };
    }
    case 'validateConstraint': {
      const up = [`ALTER TABLE ${qualifiedName(a.schema, a.table)} VALIDATE CONSTRAINT ${quoteIdent(a.name)};`];
      return { up, lintClean: up, down: [], autocommit: false, downAutocommit: false };
    }
    case 'analyze': {
      const up = [`ANALYZE ${qualifiedName(a.schema, a.table)};`];
      return { up, lintClean: up, down: [], autocommit: false, downAutocommit: false };
    }
  }
}

/**
 * Migrations made of these actions, in order: an added constraint is validated in a migration of its own
 * (VALIDATE in the transaction that added it NOT VALID would hold the add's lock for the whole scan).
 */
export function migrationSteps(actions: readonly FindingAction[]): FindingAction[][] {
  const first = actions.map((a) => (a.kind === 'addConstraint' && a.validate !== false ? { ...a, validate: false } : a));
  const validations: FindingAction[] = actions.flatMap((a) => (a.kind === 'addConstraint' && a.validate !== false ? [{ kind: 'validateConstraint', schema: a.schema, table: a.table, name: a.name }] : []));
  return validations.length ? [first, validations] : [first];
}

/** The SQL of a list of actions, one statement a line (Copy SQL, Apply Now). */
export function actionsSql(actions: readonly FindingAction[]): string {
  return actions.flatMap((a) => renderAction(a).up).join('\n');
}

/** Whether any action must run outside a transaction. */
export function actionsNeedAutocommit(actions: readonly FindingAction[]): boolean {
  return actions.some((a) => renderAction(a).autocommit);
}

/**
 * The lint-clean form of the up part (what goes in a migration): the timeouts the linter asks for, then the
 * statements. `pgopt lint` reports no error or warning on it.
 */
export function lintCleanUp(actions: readonly FindingAction[], lockTimeout = LOCK_TIMEOUT_DEFAULT): string[] {
  return [`SET lock_timeout = '${lockTimeout}';`, "SET statement_timeout = '0';", ...actions.flatMap((a) => renderAction(a).lintClean)];
}

/** The lint-clean form of the down part (actions undone in reverse order); empty when nothing can be undone. */
export function lintCleanDown(actions: readonly FindingAction[], lockTimeout = LOCK_TIMEOUT_DEFAULT): string[] {
  const down = [...actions].reverse().flatMap((a) => renderAction(a).down);
  return down.length ? [`SET lock_timeout = '${lockTimeout}';`, "SET statement_timeout = '0';", ...down] : [];
}

/** A short readable title for a migration made of these actions, e.g. "add index orders_customer_id_idx". */
export function actionsTitle(actions: readonly FindingAction[]): string {
  if (actions.length === 0) return 'migration';
  const kinds = new Set(actions.map((a) => a.kind));
  if (actions.length > 1 && kinds.size === 1 && kinds.has('createIndex')) return `add ${actions.length} indexes on ${[...new Set(actions.map((a) => (a as CreateIndexAction).table))].join(' ')}`;
  const one = (a: FindingAction): string => {
    switch (a.kind) {
      case 'createIndex':
        return `add index ${a.name}`;
      case 'dropIndex':
        return `drop index ${a.name}`;
      case 'addConstraint':
        return `add constraint ${a.name}`;
      case 'validateConstraint':
        return `validate constraint ${a.name}`;
      case 'analyze':
        return `analyze ${a.table}`;
    }
  };
  return actions.map(one).join(' and ');
}
