// Does the table already have a CHECK constraint equivalent to the one we would propose? The texts differ
// (pg_get_constraintdef adds parentheses and casts: `((progress >= (0)::numeric) AND ...)` vs our
// `"progress" >= 0 AND ...`), so the server normalizes both: the same planner and deparser turn each
// expression into the Filter of `EXPLAIN (VERBOSE, COSTS OFF) SELECT 1 FROM ONLY t WHERE (expr)`, and
// equal plans mean the same condition. Read-only (EXPLAIN without ANALYZE); runs in the analyzer's session.
import type { QueryRunner } from '../../db/session';
import { qualifiedName } from '../../sql/quote';

export interface ExistingCheck {
  name: string;
  validated: boolean;
  definition: string;
}

async function planText(q: QueryRunner, table: string, expr: string): Promise<string | undefined> {
  try {
    // Index paths would print the condition as an Index Cond instead of a Filter: keep it a Filter.
    await q.query('SET LOCAL enable_indexscan = off');
    await q.query('SET LOCAL enable_bitmapscan = off');
    const rows = await q.query<{ 'QUERY PLAN': string }>(`EXPLAIN (VERBOSE, COSTS OFF) SELECT 1 FROM ONLY ${table} WHERE (${expr})`);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } catch {
    return undefined;
  }
}

/** The first CHECK constraint of schema.table whose condition equals `expr`, if any. */
export async function findEquivalentCheck(q: QueryRunner, schema: string, table: string, expr: string): Promise<ExistingCheck | undefined> {
  const t = qualifiedName(schema, table);
  const existing = await q.query<ExistingCheck & { expr: string }>(
    `SELECT c.conname AS name, c.convalidated AS validated, pg_get_constraintdef(c.oid) AS definition, pg_get_expr(c.conbin, c.conrelid) AS expr
       FROM pg_constraint c
       JOIN pg_class r ON r.oid = c.conrelid
       JOIN pg_namespace n ON n.oid = r.relnamespace
      WHERE c.contype = 'c' AND n.nspname = $1 AND r.relname = $2
      ORDER BY c.conname`,
    [schema, table],
  );
  if (existing.length === 0) return undefined;
  const mine = await planText(q, t, expr);
  if (mine === undefined) return undefined;
  for (const e of existing) {
    if ((await planText(q, t, e.expr)) === mine) return { name: e.name, validated: e.validated, definition: e.definition };
  }
  return undefined;
}
