// From one parsed statement to "how it uses each table": equality, range, join, ORDER BY and GROUP BY
// columns, `lower(col) = …` expressions and constant predicates (`flag = false`, `col IS NULL`) that can
// become partial-index predicates. Column references are resolved through aliases and, when unqualified,
// through the catalog (the one table of the statement that has the column).
import type { Node } from '@pgsql/types';
import { walk } from '../lint/ast';
import { quoteIdent } from '../sql/quote';
import { columnKey, lookupTable, type AdvisorCatalog, type CatalogTable } from './catalog';

export interface IndexKey {
  /** Comparable form (`user_id`, `lower(email)`). */
  key: string;
  /** SQL for the index definition (`"user_id"`, `lower("email")`). */
  sql: string;
  /** The table column it depends on. */
  column: string;
  /** Descending (an ORDER BY key written DESC). */
  desc?: boolean;
}

export interface ConstantPredicate {
  key: string;
  sql: string;
  column: string;
}

export interface TableUse {
  table: CatalogTable;
  eq: IndexKey[];
  range: IndexKey[];
  join: IndexKey[];
  sort: IndexKey[];
  group: IndexKey[];
  constants: ConstantPredicate[];
  /** Columns of containment / overlap predicates a GIN index can serve (`@>`, `?`, `?|`, `?&` on jsonb; `@>`, `<@`, `&&` on arrays). */
  contains: ContainsKey[];
  /** Every column of the table the statement references (for covering indexes). */
  refs: string[];
  /** `*` or `t.*` over this table (or a whole-row reference): no index-only scan. */
  star: boolean;
}

export interface ContainsKey extends IndexKey {
  /** Operators used on the column (as written, with `<@` under the column on the right turned into `@>`). */
  ops: string[];
  jsonb: boolean;
}

const JSONB_GIN_OPS = new Set(['@>', '?', '?|', '?&']);
const ARRAY_GIN_OPS = new Set(['@>', '<@', '&&']);
const FLIP: Record<string, string> = { '@>': '<@', '<@': '@>', '&&': '&&' };

export type StatementKind = 'select' | 'insert' | 'update' | 'delete' | 'merge' | 'other';

export interface StatementShape {
  kind: StatementKind;
  /** By table oid. */
  uses: Map<number, TableUse>;
  /** INSERT/UPDATE/DELETE/MERGE target. */
  writeTable?: CatalogTable;
  /** UPDATE SET columns. */
  updatedColumns: string[];
  /** Highest `$n`. */
  paramCount: number;
  /** Relations named in FROM that are not tables the advisor knows (views, unknown names) and functions in FROM. */
  unresolved: string[];
  /**
   * Some column reference could not be tied to a table (ambiguous, a CTE's or subquery's output column, an
   * output alias, a USING / NATURAL join column): the columns the statement reads of a table may be more than
   * its `refs`.
   */
  opaqueColumns?: boolean;
}

const RANGE_OPS = new Set(['<', '>', '<=', '>=']);

type Rec = Record<string, unknown>;

function unwrap1(node: unknown): [string, Rec] | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const k = Object.keys(node)[0];
  if (!k) return undefined;
  return [k, (node as Record<string, Rec>)[k] ?? {}];
}

function sval(n: unknown): string | undefined {
  const u = unwrap1(n);
  return u && u[0] === 'String' ? (u[1].sval as string | undefined) : undefined;
}

export function analyzeStatement(stmt: Node, cat: AdvisorCatalog): StatementShape {
  const top = unwrap1(stmt);
  const kindName = top?.[0];
  const kind: StatementKind =
    kindName === 'SelectStmt'
      ? 'select'
      : kindName === 'InsertStmt'
        ? 'insert'
        : kindName === 'UpdateStmt'
          ? 'update'
          : kindName === 'DeleteStmt'
            ? 'delete'
            : kindName === 'MergeStmt'
              ? 'merge'
              : 'other';
  // Every relation in the statement, by alias and by name.
  const byAlias = new Map<string, CatalogTable>();
  const tables: CatalogTable[] = [];
  let paramCount = 0;
  const unresolved: string[] = [];
  const cteNames = new Set<string>();
  for (const [k, n] of walk(stmt)) if (k === 'CommonTableExpr' && typeof n.ctename === 'string') cteNames.add(n.ctename);
  const addRelation = (n: Rec): void => {
    const relname = String(n.relname ?? '');
    const t = lookupTable(cat, n.schemaname as string | undefined, relname);
    if (!t) {
      const name = n.schemaname ? `${String(n.schemaname)}.${relname}` : relname;
      if (!(!n.schemaname && cteNames.has(relname)) && !unresolved.includes(name)) unresolved.push(name);
      return;
    }
    if (!tables.includes(t)) tables.push(t);
    const alias = (n.alias as { aliasname?: string } | undefined)?.aliasname;
    byAlias.set((alias ?? t.name).toLowerCase(), t);
    if (!alias) byAlias.set(t.name.toLowerCase(), t);
  };
  // The target of UPDATE / DELETE / MERGE is a bare RangeVar (not wrapped as a node), so walk() does not see
  // it: its WHERE / join condition is workload like any SELECT's. An INSERT's target is written, not read.
  const target = top && kind !== 'insert' ? (top[1].relation as Rec | undefined) : undefined;
  if (target) addRelation(target);
  for (const [k, n] of walk(stmt)) {
    if (k === 'RangeVar') addRelation(n);
    else if (k === 'RangeFunction') {
      for (const [fk, fn] of walk(n.functions)) {
        if (fk !== 'FuncCall') continue;
        const name = ((fn.funcname as unknown[] | undefined) ?? []).map(sval).join('.');
        if (name && !unresolved.includes(`${name}()`)) unresolved.push(`${name}()`);
        break;
      }
    } else if (k === 'ParamRef') {
      paramCount = Math.max(paramCount, Number(n.number ?? 0));
    }
  }
  const uses = new Map<number, TableUse>();
  const useOf = (t: CatalogTable): TableUse => {
    let u = uses.get(t.oid);
    if (!u) {
      u = { table: t, eq: [], range: [], join: [], sort: [], group: [], constants: [], contains: [], refs: [], star: false };
      uses.set(t.oid, u);
    }
    return u;
  };
  for (const t of tables) useOf(t);

  const resolveColumn = (node: unknown): { table: CatalogTable; column: string } | undefined => {
    const u = unwrap1(node);
    if (!u) return undefined;
    if (u[0] === 'TypeCast') return undefined;
    if (u[0] !== 'ColumnRef') return undefined;
    const fields = (u[1].fields as unknown[] | undefined) ?? [];
    const names = fields.map(sval);
    if (names.some((x) => x === undefined)) return undefined; // A_Star
    const col = names[names.length - 1]!;
    if (names.length >= 2) {
      const t = byAlias.get(names[names.length - 2]!.toLowerCase());
      return t && t.columns.includes(col) ? { table: t, column: col } : undefined;
    }
    const owners = tables.filter((t) => t.columns.includes(col));
    return owners.length === 1 ? { table: owners[0]!, column: col } : undefined;
  };

  const keyOf = (node: unknown): (IndexKey & { table: CatalogTable }) | undefined => {
    const c = resolveColumn(node);
    if (c) return { table: c.table, key: columnKey(c.column), sql: quoteIdent(c.column), column: c.column };
    const u = unwrap1(node);
    if (u?.[0] === 'FuncCall') {
      const fname = ((u[1].funcname as unknown[] | undefined) ?? []).map(sval).pop()?.toLowerCase();
      const args = (u[1].args as unknown[] | undefined) ?? [];
      if ((fname === 'lower' || fname === 'upper') && args.length === 1) {
        const inner = resolveColumn(args[0]);
        if (inner) return { table: inner.table, key: `${fname}(${columnKey(inner.column)})`, sql: `${fname}(${quoteIdent(inner.column)})`, column: inner.column };
      }
    }
    return undefined;
  };

  const hasColumnRef = (node: unknown): boolean => {
    for (const [k] of walk(node)) if (k === 'ColumnRef') return true;
    return false;
  };

  const push = (list: IndexKey[], k: IndexKey): void => {
    if (!list.some((x) => x.key === k.key)) list.push({ key: k.key, sql: k.sql, column: k.column, ...(k.desc ? { desc: true } : {}) });
  };

  const typeOf = (t: CatalogTable, column: string): string => t.types?.[t.columns.indexOf(column)] ?? '';
  const addContains = (c: { table: CatalogTable; column: string }, op: string): void => {
    const type = typeOf(c.table, c.column);
    const jsonb = type === 'jsonb';
    if (!(jsonb ? JSONB_GIN_OPS : type.endsWith('[]') ? ARRAY_GIN_OPS : undefined)?.has(op)) return;
    const list = useOf(c.table).contains;
    const key = columnKey(c.column);
    const have = list.find((x) => x.key === key);
    if (have) {
      if (!have.ops.includes(op)) have.ops.push(op);
    } else list.push({ key, sql: quoteIdent(c.column), column: c.column, ops: [op], jsonb });
  };

  let opaqueColumns = false;
  for (const [k, n] of walk(stmt)) {
    if (k === 'ColumnRef') {
      const fields = (n.fields as unknown[] | undefined) ?? [];
      const last = unwrap1(fields[fields.length - 1]);
      if (last?.[0] === 'A_Star') {
        const qual = fields.length >= 2 ? sval(fields[fields.length - 2])?.toLowerCase() : undefined;
        for (const t of qual ? [byAlias.get(qual)].filter((x): x is CatalogTable => !!x) : tables) useOf(t).star = true;
        continue;
      }
      const c = resolveColumn({ ColumnRef: n });
      if (c) {
        const refs = useOf(c.table).refs;
        if (!refs.includes(c.column)) refs.push(c.column);
      } else {
        // A bare table alias (`SELECT t FROM t`) is a whole-row reference.
        const t = fields.length === 1 ? byAlias.get(sval(fields[0])?.toLowerCase() ?? '') : undefined;
        if (t && !t.columns.includes(sval(fields[0]) ?? '')) useOf(t).star = true;
        else opaqueColumns = true;
      }
      continue;
    }
    if (k === 'JoinExpr' && (n.isNatural || (n.usingClause as unknown[] | undefined)?.length)) {
      opaqueColumns = true;
      continue;
    }
    if (k === 'A_Expr') {
      const op = ((n.name as unknown[] | undefined) ?? []).map(sval).pop();
      const akind = n.kind as string;
      const l = n.lexpr;
      const r = n.rexpr;
      if (akind === 'AEXPR_OP' && op === '=') {
        const lk = keyOf(l);
        const rk = keyOf(r);
        if (lk && rk && lk.table !== rk.table) {
          push(useOf(lk.table).join, lk);
          push(useOf(rk.table).join, rk);
          continue;
        }
        const [key, other] = lk && !hasColumnRef(r) ? [lk, r] : rk && !hasColumnRef(l) ? [rk, l] : [undefined, undefined];
        if (!key) continue;
        push(useOf(key.table).eq, key);
        const c = unwrap1(other);
        if (c?.[0] === 'A_Const' && 'boolval' in c[1] && key.key === columnKey(key.column)) {
          const v = Boolean((c[1].boolval as { boolval?: boolean }).boolval);
          const cons = useOf(key.table).constants;
          // Written as `col` / `NOT col`: Postgres canonicalises `col = true` to that form, and HypoPG
          // (1.3.1) does not, so a hypothetical `WHERE col = true` index never matches (measured).
          const ck = `${v ? '' : 'not'}${key.key}`;
          if (!cons.some((x) => x.key === ck)) cons.push({ key: ck, sql: `${v ? '' : 'NOT '}${key.sql}`, column: key.column });
        }
      } else if ((akind === 'AEXPR_OP' && op && RANGE_OPS.has(op)) || akind === 'AEXPR_BETWEEN' || akind === 'AEXPR_NOT_BETWEEN') {
        const lk = keyOf(l);
        if (lk && !hasColumnRef(r)) push(useOf(lk.table).range, lk);
        else if (akind === 'AEXPR_OP') {
          const rk = keyOf(r);
          if (rk && !hasColumnRef(l)) push(useOf(rk.table).range, rk);
        }
      } else if (akind === 'AEXPR_OP' && op && (JSONB_GIN_OPS.has(op) || ARRAY_GIN_OPS.has(op))) {
        const lc = resolveColumn(l);
        const rc = resolveColumn(r);
        if (lc && !hasColumnRef(r)) addContains(lc, op);
        else if (rc && !hasColumnRef(l) && FLIP[op]) addContains(rc, FLIP[op]);
      } else if ((akind === 'AEXPR_IN' && op === '=') || (akind === 'AEXPR_OP_ANY' && op === '=')) {
        const lk = keyOf(l);
        if (lk && !hasColumnRef(r)) push(useOf(lk.table).eq, lk);
      }
    } else if (k === 'NullTest') {
      const c = resolveColumn(n.arg);
      if (!c) continue;
      const isNull = n.nulltesttype === 'IS_NULL';
      const ck = `${c.column.toLowerCase()}is${isNull ? '' : 'not'}null`;
      const cons = useOf(c.table).constants;
      if (!cons.some((x) => x.key === ck)) cons.push({ key: ck, sql: `${quoteIdent(c.column)} IS ${isNull ? '' : 'NOT '}NULL`, column: c.column });
    } else if (k === 'SelectStmt') {
      // ORDER BY / GROUP BY may name an output column by position (`ORDER BY 1`) or by its alias
      // (`ORDER BY u`, which wins over a table column of that name): resolved to the select-list expression.
      const targets = ((n.targetList as unknown[] | undefined) ?? []).map((t) => unwrap1(t)?.[1] ?? {});
      const output = (node: unknown): unknown => {
        const u = unwrap1(node);
        if (u?.[0] === 'A_Const' && u[1].ival !== undefined) {
          const i = Number((u[1].ival as { ival?: number }).ival ?? 0);
          return targets[i - 1]?.val ?? node;
        }
        if (u?.[0] === 'ColumnRef') {
          const fields = (u[1].fields as unknown[] | undefined) ?? [];
          const name = fields.length === 1 ? sval(fields[0]) : undefined;
          const t = name !== undefined ? targets.find((x) => x.name === name) : undefined;
          if (t?.val) return t.val;
        }
        return node;
      };
      for (const s of (n.sortClause as unknown[] | undefined) ?? []) {
        const sb = unwrap1(s);
        const key = sb?.[0] === 'SortBy' ? keyOf(output(sb[1].node)) : undefined;
        if (key) push(useOf(key.table).sort, { ...key, ...(sb![1].sortby_dir === 'SORTBY_DESC' ? { desc: true } : {}) });
      }
      for (const g of (n.groupClause as unknown[] | undefined) ?? []) {
        const key = keyOf(output(g));
        if (key) push(useOf(key.table).group, key);
      }
    }
  }

  let writeTable: CatalogTable | undefined;
  const updatedColumns: string[] = [];
  if (kind === 'insert' || kind === 'update' || kind === 'delete' || kind === 'merge') {
    const rv = (top?.[1].relation ?? undefined) as Rec | undefined;
    if (rv) writeTable = lookupTable(cat, rv.schemaname as string | undefined, String(rv.relname ?? ''));
    if (kind === 'update') {
      for (const t of (top?.[1].targetList as unknown[] | undefined) ?? []) {
        const rt = unwrap1(t);
        if (rt?.[0] === 'ResTarget' && typeof rt[1].name === 'string') updatedColumns.push(rt[1].name);
      }
    }
  }
  return { kind, uses, ...(writeTable ? { writeTable } : {}), updatedColumns, paramCount, unresolved, ...(opaqueColumns ? { opaqueColumns } : {}) };
}
