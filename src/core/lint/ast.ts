// Small helpers over libpg-query's JSON AST (types from @pgsql/types). Rules use these instead of poking
// at node shapes, so a shape change is fixed in one place.
import type {
  AlterTableCmd,
  AlterTableStmt,
  ColumnDef,
  ColumnRef,
  Constraint,
  DefElem,
  Node,
  NullTest,
  RangeVar,
  TransactionStmt,
  TypeName,
} from '@pgsql/types';
import { matchAt } from '../sql/textScan';
import type { ParsedStatement, RelName } from './types';

/**
 * The only key of a wrapped node (`{ IndexStmt: {...} }` -> 'IndexStmt'), or undefined. A `for...in` with an
 * early exit: unwrap and `as` run millions of times per corpus, and Object.keys allocated an array each time.
 */
function soleKey(node: object): string | undefined {
  let key: string | undefined;
  for (const k in node) {
    if (key !== undefined) return undefined;
    key = k;
  }
  return key;
}

/** `{ IndexStmt: {...} }` -> 'IndexStmt' (unwrap's kind without its pair). */
export function nodeKind(node: Node | undefined): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  return soleKey(node) || undefined;
}

/** `{ IndexStmt: {...} }` -> ['IndexStmt', {...}]. */
export function unwrap(node: Node | undefined): [string, Record<string, unknown>] | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const k = soleKey(node);
  if (!k) return undefined;
  return [k, (node as unknown as Record<string, Record<string, unknown>>)[k] ?? {}];
}

/** The inner object when the node is of the given kind. */
export function as<T>(node: Node | undefined, kind: string): T | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const inner = (node as unknown as Record<string, unknown>)[kind];
  if (inner === undefined || soleKey(node) !== kind) return undefined;
  return (inner ?? {}) as T;
}

export function relName(rv: RangeVar | undefined): RelName | undefined {
  if (!rv?.relname) return undefined;
  return rv.schemaname ? { schema: rv.schemaname, name: rv.relname } : { name: rv.relname };
}

export function relLabel(rel: RelName | undefined): string {
  if (!rel) return '?';
  return rel.schema ? `${rel.schema}.${rel.name}` : rel.name;
}

/** Lower-case key used to match tables across statements ("public.t" and "t" both match "t"). */
export function relKey(rel: RelName): string {
  return rel.name.toLowerCase();
}

/** Type name without the pg_catalog prefix, lower-case: 'int4', 'varchar', 'timestamp', 'json'. */
export function typeNameOf(t: TypeName | undefined): string | undefined {
  const names = t?.names ?? [];
  const last = names[names.length - 1];
  const s = as<{ sval?: string }>(last, 'String')?.sval;
  return s?.toLowerCase();
}

let walked = new WeakMap<object, [string, Record<string, unknown>][]>();
/** How many more walks may be memoised (see forgetWalks); unbounded unless the CLI engine set a budget. */
let memoBudget = Number.POSITIVE_INFINITY;
/** Whether `walked` holds anything (an empty one need not be replaced). */
let walkedAny = false;

/**
 * Drops every memoised walk and memoises at most `budget` more until the next call. The CLI engine (no parse
 * cache) calls it after each statement with a small budget: a walk's node list lives as long as its tree, and
 * a rule's one-pass scan of the whole file at the first statement (combine-alter-table) memoised a list for
 * every statement, ~100 MB on a 200k-statement file, all garbage after that statement. The statement being
 * checked is walked first, so its walk stays memoised for the other rules. The engine calls it with no
 * budget when the run ends (the editor keeps walks across re-lints, keyed by its cached trees).
 */
export function forgetWalks(budget = Number.POSITIVE_INFINITY): void {
  // Most statements memoise no walk: their (empty) map is kept rather than replaced after every statement.
  if (walkedAny) {
    walked = new WeakMap();
    walkedAny = false;
  }
  memoBudget = budget;
}

/**
 * Every node below (and including) `root`, depth first, with its kind. Memoised per root object: several
 * rules walk the same statement, and the editor's parse cache hands back the same nodes for statements
 * that did not change, so a re-lint after an edit walks only what changed.
 */
export function walk(root: unknown): readonly [string, Record<string, unknown>][] {
  if (!root || typeof root !== 'object') return [];
  let nodes = walked.get(root);
  if (!nodes) {
    nodes = walkUncached(root);
    if (memoBudget > 0) {
      walked.set(root, nodes);
      walkedAny = true;
      memoBudget--;
    }
  }
  return nodes;
}

/**
 * Calls `fn` for every node of one of `kinds` below (and including) `root`, in walk()'s order. Without a memo
 * budget (the editor) or with the walk already memoised it goes through walk(); on the CLI path it traverses the
 * tree without building walk()'s list (a pair per node, which a one-rule scan of every statement paid for).
 */
export function forEachNodeOf(root: unknown, kinds: ReadonlySet<string>, fn: (kind: string, node: Record<string, unknown>) => void): void {
  if (!root || typeof root !== 'object') return;
  const memo = walked.get(root);
  if (memo || memoBudget === Number.POSITIVE_INFINITY) {
    for (const [k, n] of memo ?? walk(root)) if (kinds.has(k)) fn(k, n);
    return;
  }
  visitNodes(root, (k, n) => {
    if (kinds.has(k)) fn(k, n);
  });
}

/** walk()'s list, built by visitNodes. */
function walkUncached(root: object): [string, Record<string, unknown>][] {
  const out: [string, Record<string, unknown>][] = [];
  visitNodes(root, (k, n) => {
    out.push([k, n]);
  });
  return out;
}

/** Every node below (and including) `root`, in walk()'s order: a plain loop (a generator was the walk's main cost). */
function visitNodes(root: object, visit: (kind: string, node: Record<string, unknown>) => void): void {
  const stack: unknown[] = [root];
  while (stack.length) {
    const cur = stack.pop();
    if (Array.isArray(cur)) {
      for (let i = cur.length - 1; i >= 0; i--) stack.push(cur[i]);
    } else if (cur && typeof cur === 'object') {
      const k = soleKey(cur);
      const c0 = k ? k.charCodeAt(0) : 0;
      if (k && c0 >= 65 && c0 <= 90) {
        const inner = (cur as Record<string, unknown>)[k];
        if (inner && typeof inner === 'object') visit(k, inner as Record<string, unknown>);
        stack.push(inner);
      } else {
        // for...in visits the same own keys in the same order as Object.values (plain parsed JSON, no
        // inherited enumerable keys) without allocating an array per object.
        for (const key in cur) {
          const v = (cur as Record<string, unknown>)[key];
          if (v && typeof v === 'object') stack.push(v);
        }
      }
    }
  }
}

// ---- Helpers added for the lock/rewrite rules (batch A). ----

/** The `sval` of every `String` node in a list (names, column lists), in order. */
export function strings(nodes: readonly Node[] | undefined): string[] {
  const out: string[] = [];
  if (!nodes) return out;
  // Indexed loops in these helpers: they run unoptimised on most statements, where for...of allocated an
  // iterator result per element.
  for (let i = 0; i < nodes.length; i++) {
    const s = as<{ sval?: string }>(nodes[i], 'String')?.sval;
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** Same table, comparing like relKey (schema ignored: "public.t" matches "t"). */
export function sameRel(a: RelName | undefined, b: RelName | undefined): boolean {
  return !!a && !!b && relKey(a) === relKey(b);
}

/** alterTableOf's answer: shared by every caller (read it, do not change it). */
export interface AlterTableOf {
  readonly rel: RelName | undefined;
  readonly cmds: readonly AlterTableCmd[];
  readonly stmt: AlterTableStmt;
}

/** alterTableOf's last node and answer: some 30 rules and summaries ask about the same statement in a row. */
let alterNode: Node | undefined;
let alterAnswer: AlterTableOf | undefined;

/**
 * `ALTER TABLE` on a table (not an index, view, sequence, type...): its relation and subcommands. Memoised for
 * the last node asked about (like typedColumns): the answer is shared, so callers must not change it.
 */
export function alterTableOf(node: Node | undefined): AlterTableOf | undefined {
  if (node === alterNode && node !== undefined) return alterAnswer;
  const answer = alterTableOfUncached(node);
  alterNode = node;
  alterAnswer = answer;
  return answer;
}

function alterTableOfUncached(node: Node | undefined): AlterTableOf | undefined {
  const a = as<AlterTableStmt>(node, 'AlterTableStmt');
  if (!a) return undefined;
  if (a.objtype && a.objtype !== 'OBJECT_TABLE') return undefined;
  const cmds: AlterTableCmd[] = [];
  const list = a.cmds;
  if (list) {
    for (let i = 0; i < list.length; i++) {
      const cmd = as<AlterTableCmd>(list[i], 'AlterTableCmd');
      if (cmd) cmds.push(cmd);
    }
  }
  return { rel: relName(a.relation), cmds, stmt: a };
}

/** The constraint of an `ADD CONSTRAINT` subcommand (or any node that is a Constraint). */
export function constraintOf(node: Node | undefined): Constraint | undefined {
  return as<Constraint>(node, 'Constraint');
}

/** The column definition of an `ADD COLUMN` subcommand. */
export function columnDefOf(cmd: AlterTableCmd): ColumnDef | undefined {
  return cmd.subtype === 'AT_AddColumn' ? as<ColumnDef>(cmd.def, 'ColumnDef') : undefined;
}

/** Inline constraints of a column definition (NOT NULL, DEFAULT, PRIMARY KEY, REFERENCES...). */
export function columnConstraints(col: ColumnDef | undefined): Constraint[] {
  const out: Constraint[] = [];
  const list = col?.constraints;
  if (!list) return out;
  for (let i = 0; i < list.length; i++) {
    const k = constraintOf(list[i]);
    if (k) out.push(k);
  }
  return out;
}

/**
 * Constraints of one type that an ALTER TABLE adds, table-level (ADD CONSTRAINT) or inline on an added
 * column, with the columns they cover. `withIndex` keeps those that name an existing index (USING INDEX).
 */
export function addedConstraints(
  cmds: readonly AlterTableCmd[],
  contype: string,
  opts: { withIndex?: boolean } = {},
): { constraint: Constraint; columns: string }[] {
  const out: { constraint: Constraint; columns: string }[] = [];
  for (let i = 0; i < cmds.length; i++) {
    const cmd = cmds[i] as AlterTableCmd;
    if (cmd.subtype === 'AT_AddConstraint') {
      const c = constraintOf(cmd.def);
      if (c?.contype === contype && (opts.withIndex || !c.indexname)) out.push({ constraint: c, columns: strings(c.keys).join(', ') });
      continue;
    }
    const col = columnDefOf(cmd);
    const cons = columnConstraints(col);
    for (let k = 0; k < cons.length; k++) {
      const c = cons[k] as Constraint;
      if (c.contype === contype) out.push({ constraint: c, columns: col?.colname ?? '?' });
    }
  }
  return out;
}

/**
 * Whether a boolean-ish option such as `FULL` in `VACUUM (FULL)` or `CONCURRENTLY` in
 * `REINDEX (CONCURRENTLY false)` is present and switched on (no argument = on).
 */
export function optionEnabled(options: readonly Node[] | undefined, name: string): boolean {
  for (const o of options ?? []) {
    const d = as<DefElem>(o, 'DefElem');
    if (!d || d.defname?.toLowerCase() !== name) continue;
    if (!d.arg) return true;
    const s = as<{ sval?: string }>(d.arg, 'String')?.sval ?? as<{ sval?: { sval?: string } }>(d.arg, 'A_Const')?.sval?.sval;
    if (s !== undefined) return !/^(false|off|no|0)$/i.test(s.trim());
    const i = as<{ ival?: number }>(d.arg, 'Integer');
    if (i) return (i.ival ?? 0) !== 0;
    const b = as<{ boolval?: boolean }>(d.arg, 'Boolean');
    if (b) return !!b.boolval;
    return true;
  }
  return false;
}

/** Transaction-control statements that end the current transaction (COMMIT, ROLLBACK, PREPARE TRANSACTION). */
export function endsTransaction(node: Node | undefined): boolean {
  const k = as<TransactionStmt>(node, 'TransactionStmt')?.kind;
  return k === 'TRANS_STMT_COMMIT' || k === 'TRANS_STMT_ROLLBACK' || k === 'TRANS_STMT_PREPARE' || k === 'TRANS_STMT_COMMIT_PREPARED';
}

/** BEGIN / START TRANSACTION. */
export function beginsTransaction(node: Node | undefined): boolean {
  const k = as<TransactionStmt>(node, 'TransactionStmt')?.kind;
  return k === 'TRANS_STMT_BEGIN' || k === 'TRANS_STMT_START';
}

/**
 * The column a constraint proves NOT NULL once validated: `CHECK (col IS NOT NULL)` (that whole
 * expression), or a table-level `NOT NULL col` constraint (Postgres 18, may be NOT VALID).
 */
export function notNullCheckColumn(c: Constraint | undefined): string | undefined {
  if (c?.contype === 'CONSTR_NOTNULL') {
    const keys = strings(c.keys);
    return keys.length === 1 ? keys[0] : undefined;
  }
  if (!c || c.contype !== 'CONSTR_CHECK') return undefined;
  const t = as<NullTest>(c.raw_expr, 'NullTest');
  if (!t || t.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const fields = strings(as<ColumnRef>(t.arg, 'ColumnRef')?.fields);
  return fields.length === 1 ? fields[0] : undefined;
}

// ---- Helpers added for the breaking-change, hygiene and type rules (batch B). ----

/** UTF-16 offset relative to the statement text of a parser byte `location` in it. */
export function stmtOffset(ctx: import('./types').RuleContext, location: number): number {
  return ctx.fileOffset(location) - ctx.stmt.start;
}

/** A column whose type a statement writes: CREATE TABLE columns, ALTER TABLE ADD COLUMN, ALTER COLUMN TYPE. */
export interface TypedColumn {
  /** Column name (undefined only for malformed input). */
  column: string | undefined;
  def: ColumnDef;
  typeName: TypeName;
  how: 'create' | 'add' | 'alter-type';
  rel: RelName | undefined;
  /** Table-level constraints of the CREATE TABLE (PRIMARY KEY (...), FOREIGN KEY (...)); empty for ALTER. */
  tableConstraints: Constraint[];
}

/** The statement kinds typedColumns finds columns in (Rule.kinds of the rules built on it). */
export const TYPED_COLUMN_KINDS: readonly string[] = ['CreateStmt', 'AlterTableStmt'];

/** typedColumns' last statement and answer: the seven type rules ask about the same statement in a row. */
let typedFor: { node: Node; columns: readonly TypedColumn[] } | undefined;

/**
 * Every column a CREATE TABLE / ALTER TABLE statement gives a type to. Types of other tables are never seen.
 * The answer is shared (read it, do not change it): it is computed once per statement, not once per rule.
 */
export function typedColumns(node: Node | undefined): readonly TypedColumn[] {
  if (!node) return [];
  if (typedFor?.node === node) return typedFor.columns;
  const columns = typedColumnsUncached(node);
  typedFor = { node, columns };
  return columns;
}

function typedColumnsUncached(node: Node): TypedColumn[] {
  const out: TypedColumn[] = [];
  const create = as<import('@pgsql/types').CreateStmt>(node, 'CreateStmt');
  if (create) {
    const rel = relName(create.relation);
    const tableConstraints: Constraint[] = [];
    const elts = create.tableElts ?? [];
    for (let i = 0; i < elts.length; i++) {
      const c = as<Constraint>(elts[i], 'Constraint');
      if (c) tableConstraints.push(c);
    }
    for (let i = 0; i < elts.length; i++) {
      const def = as<ColumnDef>(elts[i], 'ColumnDef');
      if (def?.typeName) out.push({ column: def.colname, def, typeName: def.typeName, how: 'create', rel, tableConstraints });
    }
    return out;
  }
  const alter = alterTableOf(node);
  if (!alter) return out;
  for (let i = 0; i < alter.cmds.length; i++) {
    const cmd = alter.cmds[i] as AlterTableCmd;
    const def = as<ColumnDef>(cmd.def, 'ColumnDef');
    if (!def?.typeName) continue;
    if (cmd.subtype === 'AT_AddColumn') out.push({ column: def.colname, def, typeName: def.typeName, how: 'add', rel: alter.rel, tableConstraints: [] });
    else if (cmd.subtype === 'AT_AlterColumnType') out.push({ column: cmd.name, def, typeName: def.typeName, how: 'alter-type', rel: alter.rel, tableConstraints: [] });
  }
  return out;
}

/** Whether the type is an array (`int[]`, `int ARRAY`). */
export function isArrayType(t: TypeName): boolean {
  return (t.arrayBounds?.length ?? 0) > 0;
}

/** Integer typmods (`varchar(10)` -> [10]); undefined entries for non-constant modifiers. */
export function typmodValues(t: TypeName): (number | undefined)[] {
  return (t.typmods ?? []).map((m) => as<{ ival?: { ival?: number } }>(m, 'A_Const')?.ival?.ival);
}

/**
 * A key-like column: the values count rows of something, so running out of them is an outage.
 * PRIMARY KEY / REFERENCES / identity (inline or table-level), serial types, or named
 * `id`, `*_id`, `*Id`.
 */
export function isKeyLikeColumn(tc: TypedColumn): boolean {
  const name = tc.column ?? '';
  const lower = name.toLowerCase();
  if (lower === 'id' || lower.endsWith('_id') || /[a-z0-9]Id$/.test(name)) return true;
  if (/serial[248]?$/.test(typeNameOf(tc.typeName) ?? '')) return true;
  if (tc.def.identity) return true;
  for (const c of columnConstraints(tc.def)) {
    if (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_FOREIGN' || c.contype === 'CONSTR_IDENTITY') return true;
  }
  for (const c of tc.tableConstraints) {
    const cols = c.contype === 'CONSTR_PRIMARY' ? strings(c.keys) : c.contype === 'CONSTR_FOREIGN' ? strings(c.fk_attrs) : [];
    if (cols.includes(name)) return true;
  }
  return false;
}

/**
 * Key-like for the bigint rules: a scalar key-like column, or an array of keys (`ids int[]`, `member_ids
 * int4[]`, `serial[]`): the array holds values of a key, and runs out with it.
 */
export function isKeyLikeTypedColumn(tc: TypedColumn): boolean {
  if (!isArrayType(tc.typeName)) return isKeyLikeColumn(tc);
  const name = tc.column ?? '';
  const lower = name.toLowerCase();
  if (lower === 'ids' || lower.endsWith('_ids') || /[a-z0-9]Ids$/.test(name)) return true;
  return /serial[248]?$/.test(typeNameOf(tc.typeName) ?? '') || isKeyLikeColumn(tc);
}

/** Statements of the same `-- migrate:up/down` section as `stmt` (the file's own order). */
export function sectionStatements(statements: readonly ParsedStatement[], stmt: ParsedStatement): ParsedStatement[] {
  return statements.filter((s) => s.section === stmt.section);
}

/** Last element of a qualified name list (`['public', 'status']` -> 'status'), lower-cased. */
export function lastName(nodes: readonly Node[] | undefined): string | undefined {
  const names = strings(nodes);
  return names[names.length - 1]?.toLowerCase();
}

/**
 * Where a type is written in the statement: `re` (case-insensitive, anchored) matched at the type's
 * parser location. UTF-16 offsets relative to the statement text; undefined when it does not match
 * (then report without a fix rather than guess).
 */
export function typeSpan(ctx: import('./types').RuleContext, t: TypeName, re: RegExp): { start: number; end: number; match: RegExpExecArray } | undefined {
  if (t.location === undefined || t.location < 0) return undefined;
  const start = stmtOffset(ctx, t.location);
  const match = matchAt(ctx.stmt.text, start, re);
  return match ? { start, end: start + match[0].length, match } : undefined;
}

/** Transaction control: BEGIN/START, or COMMIT/ROLLBACK/PREPARE TRANSACTION (END and ABORT parse as these). */
export type TxKind = 'begin' | 'end' | 'other';

export function txKind(t: import('@pgsql/types').TransactionStmt | undefined): TxKind {
  switch (t?.kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START':
      return 'begin';
    case 'TRANS_STMT_COMMIT':
    case 'TRANS_STMT_ROLLBACK':
    case 'TRANS_STMT_PREPARE':
      return 'end';
    default:
      return 'other';
  }
}

/**
 * Every table a statement mentions: wrapped `RangeVar` nodes (FROM lists, LOCK, TRUNCATE...) and the
 * plain RangeVar fields `relation` / `pktable` (UPDATE target, ALTER TABLE, REFERENCES...).
 */
export function tablesReferenced(root: unknown): RelName[] {
  const out: RelName[] = [];
  const add = (rv: unknown): void => {
    const r = rv && typeof rv === 'object' ? relName(rv as RangeVar) : undefined;
    if (r) out.push(r);
  };
  for (const [kind, n] of walk(root)) {
    if (kind === 'RangeVar') add(n);
    add(n.relation);
    add(n.pktable);
  }
  return out;
}
