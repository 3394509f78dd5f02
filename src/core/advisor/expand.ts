// Statements that read views or set-returning SQL functions: their base tables are not in the text, but
// the planner has expanded the views and inlined the SQL functions. From the statement's EXPLAIN (VERBOSE)
// plan, the scanned relations (with the plan's unique aliases), their conditions (Filter, Index Cond, Hash
// Cond, …), sort and group keys become one synthetic statement over the base tables, whose shape is then
// read like any other. The statement itself is still what gets planned and costed.
import { parseSql } from '../sql/parser';
import { qualifiedName, quoteIdent } from '../sql/quote';
import type { AdvisorCatalog, CatalogTable } from './catalog';
import { lookupTable } from './catalog';
import { analyzeStatement, type IndexKey, type StatementShape, type TableUse } from './extract';

const CONDITIONS = ['Filter', 'Index Cond', 'Recheck Cond', 'Join Filter', 'Hash Cond', 'Merge Cond', 'TID Cond'];

export interface PlanRelations {
  /** User tables the plan scans, by schema-qualified name. */
  tables: CatalogTable[];
  /** Relations the plan scans that the advisor does not know (system catalogs, foreign tables …). */
  other: string[];
  /** The synthetic statement the shape was read from (for tests and diagnostics). */
  sql?: string;
  shape?: StatementShape;
}

function parseable(cond: string): boolean {
  const p = parseSql(`SELECT 1 WHERE ${cond}`);
  return p.ok && p.stmts.length === 1;
}

/** The root of a partition tree: a query on a view over a partitioned table is served by the parent's index. */
function root(t: CatalogTable): CatalogTable {
  let r = t;
  while (r.parent) r = r.parent;
  return r;
}

export function shapeFromPlan(planJson: unknown, cat: AdvisorCatalog): PlanRelations {
  const arr = typeof planJson === 'string' ? (JSON.parse(planJson) as unknown) : planJson;
  const plan = Array.isArray(arr) ? (arr[0] as { Plan?: Record<string, unknown> } | undefined)?.Plan : undefined;
  const from = new Map<string, string>();
  const tables: CatalogTable[] = [];
  const other: string[] = [];
  const conds: string[] = [];
  const sortKeys: string[] = [];
  const groupKeys: string[] = [];
  const stack: unknown[] = plan ? [plan] : [];
  while (stack.length) {
    const n = stack.pop() as Record<string, unknown>;
    const rel = n['Relation Name'];
    if (typeof rel === 'string') {
      const schema = typeof n.Schema === 'string' ? n.Schema : undefined;
      const t = lookupTable(cat, schema, rel);
      const alias = typeof n.Alias === 'string' ? n.Alias : rel;
      if (t) {
        const r = root(t);
        if (!tables.includes(r)) tables.push(r);
        from.set(alias, `${qualifiedName(r.schema, r.name)} AS ${quoteIdent(alias)}`);
      } else if (!other.includes(`${schema ? `${schema}.` : ''}${rel}`)) other.push(`${schema ? `${schema}.` : ''}${rel}`);
    }
    for (const k of CONDITIONS) if (typeof n[k] === 'string') conds.push(n[k]);
    for (const k of (n['Sort Key'] as string[] | undefined) ?? []) sortKeys.push(k);
    for (const k of (n['Group Key'] as string[] | undefined) ?? []) groupKeys.push(k);
    for (const c of (n.Plans as unknown[] | undefined) ?? []) stack.push(c);
  }
  if (!from.size) return { tables, other };
  const where = conds.filter(parseable);
  const order = sortKeys.filter((k) => parseSql(`SELECT 1 ORDER BY ${k}`).ok);
  const group = groupKeys.filter((k) => parseSql(`SELECT 1 GROUP BY ${k}`).ok);
  const sql = `SELECT * FROM ${[...from.values()].join(', ')}${where.length ? ` WHERE ${where.map((c) => `(${c})`).join(' AND ')}` : ''}${group.length ? ` GROUP BY ${group.join(', ')}` : ''}${order.length ? ` ORDER BY ${order.join(', ')}` : ''}`;
  const parsed = parseSql(sql);
  if (!parsed.ok || !parsed.stmts[0]) return { tables, other, sql };
  return { tables, other, sql, shape: analyzeStatement(parsed.stmts[0].node, cat) };
}

function mergeKeys(into: IndexKey[], from: IndexKey[]): void {
  for (const k of from) if (!into.some((x) => x.key === k.key)) into.push(k);
}

/** Adds the plan-derived uses to a statement's own (tables named directly keep what the text says). */
export function mergeUses(shape: StatementShape, extra: StatementShape): void {
  for (const [oid, u] of extra.uses) {
    const have = shape.uses.get(oid);
    if (!have) {
      // The synthetic statement selects `*`: what the real one reads of the table is unknown, so no covering index.
      shape.uses.set(oid, { ...u, star: true });
      continue;
    }
    const lists: (keyof Pick<TableUse, 'eq' | 'range' | 'join' | 'sort' | 'group'>)[] = ['eq', 'range', 'join', 'sort', 'group'];
    for (const l of lists) mergeKeys(have[l], u[l]);
  }
}
