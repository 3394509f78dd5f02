// The constraint inventory: per table its primary key, foreign keys, unique, check and exclusion
// constraints and NOT NULL columns, from the catalog. NOT VALID constraints get a dry-run validation:
// the rows VALIDATE CONSTRAINT would reject, counted read-only (CHECK: rows where NOT (expr); FOREIGN KEY:
// an anti-join), sampled on large tables.
import { relationPagesSql } from '../catalogSize';
import type { QueryRunner } from '../../db/session';
import { qualifiedName, quoteIdent } from '../../sql/quote';
import { rowKeyExpr, rowKeyOrder } from '../integrity/columnRules';
import { SYSTEM_SCHEMAS } from '../integrity/inferredChecks';
import { countOrphans } from '../integrity/orphans';
import { describeScope, fromItem, planSample, type SampleMethod, type SamplePlan } from '../integrity/tableSample';

export type ConstraintKind = 'primary key' | 'foreign key' | 'unique' | 'check' | 'exclusion' | 'trigger' | 'not null';

const KINDS: Record<string, ConstraintKind> = { p: 'primary key', f: 'foreign key', u: 'unique', c: 'check', x: 'exclusion', t: 'trigger', n: 'not null' };

export interface ConstraintRow {
  schema: string;
  table: string;
  name: string;
  kind: ConstraintKind;
  definition: string;
  validated: boolean;
  /** CHECK: the boolean expression (pg_get_expr of conbin). */
  checkExpr: string | null;
  columns: string[];
  refSchema: string | null;
  refTable: string | null;
  refColumns: string[];
}

export interface TableRow {
  schema: string;
  table: string;
  estimatedRows: number;
  /** Pages on disk (for the choice of sampling method). */
  pages: number;
  key: string[];
  notNull: string[];
}

export interface ConstraintInventory {
  tables: TableRow[];
  constraints: ConstraintRow[];
}

export async function fetchConstraintInventory(q: QueryRunner, schemas?: string[]): Promise<ConstraintInventory> {
  const params = [SYSTEM_SCHEMAS, schemas ?? null];
  const tables = await q.query<TableRow>(
    `SELECT n.nspname AS schema, c.relname AS table,
            ${relationPagesSql('c')} AS pages,
            (CASE WHEN c.reltuples >= 0 THEN c.reltuples
                  ELSE pg_relation_size(c.oid) / current_setting('block_size')::float8 * 60 END)::float8 AS "estimatedRows",
            ARRAY(SELECT pa.attname::text FROM pg_index i, unnest(i.indkey) WITH ORDINALITY k(attnum, ord), pg_attribute pa
                   WHERE i.indrelid = c.oid AND i.indisprimary AND pa.attrelid = c.oid AND pa.attnum = k.attnum ORDER BY k.ord) AS key,
            ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull ORDER BY a.attnum) AS "notNull"
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname <> ALL ($1::text[]) AND n.nspname !~ '^pg_(temp|toast)'
        AND ($2::text[] IS NULL OR n.nspname = ANY ($2::text[]))
      ORDER BY 1, 2`,
    params,
  );
  const constraints = await q.query<Omit<ConstraintRow, 'kind'> & { contype: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, k.conname AS name, k.contype::text AS contype,
            pg_get_constraintdef(k.oid) AS definition, k.convalidated AS validated,
            CASE WHEN k.contype = 'c' THEN pg_get_expr(k.conbin, k.conrelid) END AS "checkExpr",
            ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.ord) AS columns,
            rn.nspname AS "refSchema", rc.relname AS "refTable",
            ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum ORDER BY u.ord) AS "refColumns"
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class rc ON rc.oid = k.confrelid
       LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname <> ALL ($1::text[]) AND n.nspname !~ '^pg_(temp|toast)'
        AND ($2::text[] IS NULL OR n.nspname = ANY ($2::text[]))
      ORDER BY 1, 2, array_position(ARRAY['p','u','f','c','x','t','n']::text[], k.contype::text), 3`,
    params,
  );
  return { tables, constraints: constraints.map(({ contype, ...r }) => ({ ...r, kind: KINDS[contype] ?? 'check' })) };
}

export interface DryRun {
  scanned: number;
  violations: number;
  /** CHECK: keys of violating rows; FOREIGN KEY: missing referenced values. */
  sampleKeys: string[];
  plan: SamplePlan;
  scope: string;
}

/** What VALIDATE CONSTRAINT would find, without taking its lock: rows it would reject. */
export async function dryRunValidate(q: QueryRunner, t: TableRow, c: ConstraintRow, sample: { sampleRows: number; method: SampleMethod }): Promise<DryRun> {
  if (c.kind === 'foreign key' && c.refSchema && c.refTable) {
    const o = await countOrphans(q, t, c.columns, { schema: c.refSchema, table: c.refTable }, c.refColumns, sample);
    return { scanned: o.scanned, violations: o.orphans, sampleKeys: o.missingKeys, plan: o.plan, scope: o.scope };
  }
  if (c.kind !== 'check' || !c.checkExpr) throw new Error(`cannot dry-run a ${c.kind} constraint`);
  const plan = planSample(t.estimatedRows, sample.sampleRows, sample.method, t.pages);
  const from = fromItem(t.schema, t.table, 'r', plan);
  // A CHECK rejects a row only when its expression is false (NULL passes), exactly NOT (expr).
  const [row] = await q.query<{ scanned: number; bad: number }>(
    `SELECT count(*)::float8 AS scanned, count(*) FILTER (WHERE NOT (${c.checkExpr}))::float8 AS bad FROM ${from}`,
  );
  const violations = row?.bad ?? 0;
  let sampleKeys: string[] = [];
  if (violations > 0) {
    sampleKeys = (await q.query<{ key: string }>(`SELECT ${rowKeyExpr('r', t.key)} AS key FROM ${from} WHERE NOT (${c.checkExpr}) ORDER BY ${rowKeyOrder('r', t.key)} LIMIT 10`)).map((r) => r.key);
  }
  const scanned = row?.scanned ?? 0;
  return { scanned, violations, sampleKeys, plan, scope: describeScope(plan, scanned) };
}

/**
 * The "Validate" action for one NOT VALID constraint: a dry run (read-only, bounded, sampled on large
 * tables) and the migration, as one SQL text with the dry-run result in comments. A dry run that is cut
 * short or fails still yields the migration, saying so.
 */
export async function validateMigrationText(
  q: QueryRunner,
  ref: { schema: string; table: string; name: string },
  sample: { sampleRows: number; method: SampleMethod },
): Promise<string> {
  const inv = await fetchConstraintInventory(q, [ref.schema]);
  const c = inv.constraints.find((x) => x.table === ref.table && x.name === ref.name);
  const t = inv.tables.find((x) => x.table === ref.table);
  if (!c || !t) throw new Error(`constraint "${ref.name}" on ${ref.schema}.${ref.table} no longer exists (refresh the tree)`);
  const sql = `ALTER TABLE ${qualifiedName(ref.schema, ref.table)} VALIDATE CONSTRAINT ${quoteIdent(ref.name)};`;
  const head = [`-- Validate ${c.kind} ${c.name} on ${ref.schema}.${ref.table}`, `-- ${c.definition}`];
  if (c.validated) return [...head, '-- Already validated: nothing to do.', ''].join('\n');
  let result: string;
  try {
    const d = await dryRunValidate(q, t, c, sample);
    result =
      d.violations > 0
        ? `-- Dry run (read-only, ${d.scope}): ${d.violations} row(s) violate it${d.plan.sampled ? ' in the sample' : ''}, so VALIDATE fails until they are fixed.${d.sampleKeys.length ? `\n-- ${c.kind === 'foreign key' ? `Missing ${c.refTable} keys` : 'Sample keys'}: ${d.sampleKeys.join('; ').replace(/\n/g, ' ')}` : ''}`
        : `-- Dry run (read-only, ${d.scope}): every row passes.`;
  } catch (e) {
    result = `-- Dry run not available: ${(e as Error).message.replace(/\n/g, ' ')}`;
  }
  return [...head, result, '-- VALIDATE CONSTRAINT takes only SHARE UPDATE EXCLUSIVE: reads and writes continue while it scans.', sql, ''].join('\n');
}
