// Rows whose key has no match in the referenced table: the anti-join behind "orphaned rows" (a *_id
// column without a foreign key) and the dry-run validation of a NOT VALID foreign key. MATCH SIMPLE
// semantics: a row with a NULL in any key column references nothing and is never an orphan.
import type { QueryRunner } from '../../db/session';
import { qualifiedName, quoteIdent } from '../../sql/quote';
import { describeScope, fromItem, planSample, type SampleMethod, type SamplePlan } from './tableSample';

export interface OrphanCount {
  scanned: number;
  /** Rows with every key column non-null. */
  referencing: number;
  orphans: number;
  /** Up to 10 distinct missing key values, e.g. "2017" or "(3, 4)". */
  missingKeys: string[];
  plan: SamplePlan;
  scope: string;
}

export async function countOrphans(
  q: QueryRunner,
  child: { schema: string; table: string; estimatedRows: number; pages?: number },
  columns: string[],
  parent: { schema: string; table: string },
  refColumns: string[],
  sample: { sampleRows: number; method: SampleMethod },
): Promise<OrphanCount> {
  const plan = planSample(child.estimatedRows, sample.sampleRows, sample.method, child.pages);
  const from = fromItem(child.schema, child.table, 'c', plan);
  const cc = columns.map((c) => `"c".${quoteIdent(c)}`);
  const nonNull = cc.map((c) => `${c} IS NOT NULL`).join(' AND ');
  const matches = refColumns.map((r, i) => `"p".${quoteIdent(r)} = ${cc[i]}`).join(' AND ');
  const missing = `NOT EXISTS (SELECT 1 FROM ${qualifiedName(parent.schema, parent.table)} AS "p" WHERE ${matches})`;
  const [row] = await q.query<{ scanned: number; referencing: number; orphans: number }>(
    `SELECT count(*)::float8 AS scanned,
            count(*) FILTER (WHERE ${nonNull})::float8 AS referencing,
            count(*) FILTER (WHERE ${nonNull} AND ${missing})::float8 AS orphans
       FROM ${from}`,
  );
  const orphans = row?.orphans ?? 0;
  let missingKeys: string[] = [];
  if (orphans > 0) {
    const keyExpr = cc.length === 1 ? `${cc[0]}::text` : `'(' || concat_ws(', ', ${cc.map((c) => `${c}::text`).join(', ')}) || ')'`;
    const rows = await q.query<{ key: string }>(`SELECT DISTINCT ${keyExpr} AS key FROM ${from} WHERE ${nonNull} AND ${missing} ORDER BY 1 LIMIT 10`);
    missingKeys = rows.map((r) => r.key);
  }
  const scanned = row?.scanned ?? 0;
  return { scanned, referencing: row?.referencing ?? 0, orphans, missingKeys, plan, scope: describeScope(plan, scanned) };
}
