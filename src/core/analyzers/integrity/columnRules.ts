// Column rules from pgopt.json "integrity.rules" (format / range / oneOf / regex, optionally limited by a
// `where`), checked on the live data in SQL: one aggregate over the table (or its TABLESAMPLE) counts the
// violating rows, and a second query fetches up to 10 keys of violating rows. Values and patterns are
// query parameters; the same predicate, with literals, becomes the CHECK constraint offered as a fix.
import type { IntegrityRule } from '../../config';
import type { QueryRunner } from '../../db/session';
import { parseSql } from '../../sql/parser';
import { qualifiedName, quoteIdent, quoteLiteral } from '../../sql/quote';
import { identifierName } from './safeConstraintSql';
import { describeScope, fromItem, planSample, type SampleMethod, type SamplePlan } from './tableSample';

// POSIX regular expressions (the `~` operator). Deliberately permissive: they catch what is clearly not
// an email/phone/... rather than enforcing every RFC detail.
export const FORMAT_PATTERNS = {
  email: '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$',
  phone: '^\\+[1-9][0-9]{6,14}$',
  url: '^https?://[^[:space:]/?#]+([/?#][^[:space:]]*)?$',
  uuid: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  'quantity-with-unit': '^[0-9]+([.,][0-9]+)?[[:space:]]*[[:alpha:]µ%][[:alpha:]µ%/.[:space:]]*$',
} as const;

export const PLAUSIBLE_AGE_YEARS = 120;

/** What a rule checks, in words, for titles and tables. */
export function describeRule(rule: IntegrityRule): string {
  if (rule.format) return `format ${rule.format}`;
  if (rule.range) return `range [${rule.range[0]}, ${rule.range[1]}]`;
  if (rule.oneOf) return `one of ${rule.oneOf.map((v) => JSON.stringify(v)).join(', ')}`;
  return `regex ${rule.regex ?? ''}`;
}

export interface RuleCheck {
  /** The predicate a valid value satisfies, for a column reference and a value binder. */
  predicate(col: string, bind: (value: unknown, cast?: string) => string): string;
  /** The same predicate as a CHECK expression (literals inlined, the `where` folded in). */
  constraintExpr: string;
  constraintName: string;
  /**
   * False when the condition depends on the current time (now()): a CHECK must be immutable — Postgres
   * checks it only when a row is written, so a row valid then may violate it later, and a dump, restore or
   * VALIDATE at another time gives another answer. Such rules are checked and reported, never proposed as
   * a CHECK.
   */
  stable: boolean;
}

export class RuleConfigError extends Error {}

/** typeCategory: pg_type.typcategory of the column (N numeric, D date/time, S string, ...). */
export function buildRuleCheck(rule: IntegrityRule, col: { schema: string; typeCategory: string }, nameSuffix = ''): RuleCheck {
  const numeric = col.typeCategory === 'N';
  const temporal = col.typeCategory === 'D';
  let predicate: RuleCheck['predicate'];
  let tag: string;
  let stable = true;
  const regex = (pattern: string): RuleCheck['predicate'] => (c, bind) => `${c}::text ~ ${bind(pattern)}`;
  if (rule.format) {
    tag = rule.format.replace(/-/g, '_');
    switch (rule.format) {
      case 'date-past':
        if (!temporal) throw new RuleConfigError(`format "date-past" needs a date or timestamp column`);
        predicate = (c) => `${c} <= now()`;
        stable = false;
        break;
      case 'plausible-age':
        if (temporal) {
          predicate = (c) => `${c} > now() - interval '${PLAUSIBLE_AGE_YEARS} years' AND ${c} <= now()`;
          stable = false;
        }
        else if (numeric) predicate = (c) => `${c} >= 0 AND ${c} <= ${PLAUSIBLE_AGE_YEARS}`;
        else throw new RuleConfigError(`format "plausible-age" needs a date of birth (date/timestamp) or an age (number) column`);
        break;
      default:
        predicate = regex(FORMAT_PATTERNS[rule.format]);
    }
  } else if (rule.range) {
    if (!numeric && !temporal) throw new RuleConfigError(`"range" needs a numeric column`);
    const [lo, hi] = rule.range;
    tag = 'range';
    predicate = (c, bind) => `${c} >= ${bind(lo)} AND ${c} <= ${bind(hi)}`;
  } else if (rule.oneOf) {
    const values = rule.oneOf;
    tag = 'values';
    if (numeric && values.every((v) => typeof v === 'number')) predicate = (c, bind) => `${c} = ANY (${bind(values, 'float8[]')})`;
    else predicate = (c, bind) => `${c}::text = ANY (${bind(values.map(String), 'text[]')})`;
  } else {
    tag = 'format';
    predicate = regex(rule.regex ?? '');
  }
  const literal = (value: unknown, cast?: string): string => {
    if (Array.isArray(value)) return `ARRAY[${value.map((v) => literal(v)).join(', ')}]${cast ? `::${cast}` : ''}`;
    if (typeof value === 'number') return String(value);
    return quoteLiteral(String(value));
  };
  const body = predicate(quoteIdent(rule.column), literal);
  // A `--` comment in the user's condition would swallow the rest of the line: give it its own lines.
  const where = rule.where && /--/.test(rule.where) ? `\n${rule.where}\n` : rule.where;
  const constraintExpr = where ? `NOT (${where}) OR (${body})` : body;
  return { predicate, constraintExpr, constraintName: identifierName(rule.table, rule.column, tag, nameSuffix, 'check'), stable };
}

/** A `where` is the user's own SQL: it must be one boolean expression, not a way to end our transaction. */
export function checkWhereClause(where: string): string | undefined {
  const parsed = parseSql(`SELECT 1 WHERE (\n${where}\n)`);
  if (!parsed.ok) return `"where" is not a valid SQL condition: ${parsed.message}`;
  if (parsed.stmts.length !== 1 || !('SelectStmt' in parsed.stmts[0]!.node)) return `"where" must be a single SQL condition`;
  return undefined;
}

export interface ResolvedColumn {
  schema: string;
  table: string;
  relkind: string;
  estimatedRows: number;
  /** Pages on disk (for the choice of sampling method). */
  pages: number;
  column: string | null;
  type: string | null;
  typeCategory: string | null;
  /** Primary-key columns (empty: the ctid identifies sample rows). */
  key: string[];
}

/** Resolves the rule's table (through the search_path when no schema is given) and column. */
export async function resolveRuleColumn(q: QueryRunner, rule: IntegrityRule): Promise<ResolvedColumn | undefined> {
  const rel = rule.schema ? qualifiedName(rule.schema, rule.table) : quoteIdent(rule.table);
  const [row] = await q.query<ResolvedColumn>(
    `SELECT n.nspname AS schema, c.relname AS table, c.relkind::text AS relkind,
            greatest(c.relpages, pg_relation_size(c.oid) / current_setting('block_size')::int)::float8 AS pages,
            (CASE WHEN c.reltuples >= 0 THEN c.reltuples
                  ELSE pg_relation_size(c.oid) / current_setting('block_size')::float8 * 60 END)::float8 AS "estimatedRows",
            a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, t.typcategory::text AS "typeCategory",
            ARRAY(SELECT pa.attname::text FROM pg_index i, unnest(i.indkey) WITH ORDINALITY k(attnum, ord), pg_attribute pa
                   WHERE i.indrelid = c.oid AND i.indisprimary AND pa.attrelid = c.oid AND pa.attnum = k.attnum ORDER BY k.ord) AS key
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_type t ON t.oid = a.atttypid
      WHERE c.oid = to_regclass($1)`,
    [rel, rule.column],
  );
  return row;
}

/** SQL expression naming a row for "sample keys": its primary key, else its ctid. */
export function rowKeyExpr(alias: string, key: string[]): string {
  const a = quoteIdent(alias);
  if (key.length === 0) return `${a}.ctid::text`;
  if (key.length === 1) return `${a}.${quoteIdent(key[0]!)}::text`;
  return `'(' || concat_ws(', ', ${key.map((k) => `${a}.${quoteIdent(k)}::text`).join(', ')}) || ')'`;
}

export interface RuleResult {
  scanned: number;
  inScope: number;
  /** Rows in scope whose value is not NULL (the rows a rule can judge). */
  nonNull: number;
  violations: number;
  sampleKeys: string[];
  plan: SamplePlan;
  scope: string;
}

export interface RuleItem {
  rule: IntegrityRule;
  resolved: ResolvedColumn & { column: string };
  check: RuleCheck;
}

function ruleSql(item: RuleItem, bind: (value: unknown, cast?: string) => string): { scope: string; violates: string } {
  const col = `"r".${quoteIdent(item.resolved.column)}`;
  // NULL never violates a rule (that is NOT NULL's job), exactly as a CHECK constraint treats it.
  const violates = `${col} IS NOT NULL AND NOT (${item.check.predicate(col, bind)})`;
  // The user's condition sits on its own lines so a trailing `--` comment cannot swallow our SQL.
  const scope = item.rule.where ? `(\n${item.rule.where}\n)` : 'true';
  return { scope, violates };
}

/** Rules on the same table (and sample size) are checked in one pass over it. */
export function ruleBatchKey(item: RuleItem, sampleRows: number): string {
  return JSON.stringify([item.resolved.schema, item.resolved.table, item.rule.sampleRows ?? sampleRows]);
}

/**
 * Counts the rows that break each rule in ONE scan of the table (or its sample): per rule, the rows its
 * `where` selects and the violating ones; then up to 10 keys per violated rule. All items must be on
 * the same table with the same sample size (see ruleBatchKey).
 */
export async function runRuleBatch(q: QueryRunner, items: RuleItem[], sample: { sampleRows: number; method: SampleMethod }): Promise<RuleResult[]> {
  const first = items[0];
  if (!first) return [];
  const r0 = first.resolved;
  const plan = planSample(r0.estimatedRows, first.rule.sampleRows ?? sample.sampleRows, sample.method, r0.pages);
  const from = fromItem(r0.schema, r0.table, 'r', plan);
  const params: unknown[] = [];
  const bind = (value: unknown, cast?: string): string => {
    params.push(value);
    return `$${params.length}${cast ? `::${cast}` : ''}`;
  };
  const aggregates = items.map((item, i) => {
    const { scope, violates } = ruleSql(item, bind);
    return `count(*) FILTER (WHERE ${scope})::float8 AS in_scope_${i},\n            count("r".${quoteIdent(item.resolved.column)}) FILTER (WHERE ${scope})::float8 AS non_null_${i},\n            count(*) FILTER (WHERE ${scope} AND ${violates})::float8 AS bad_${i}`;
  });
  const [counts] = await q.query<Record<string, number>>(`SELECT count(*)::float8 AS scanned,\n            ${aggregates.join(',\n            ')}\n       FROM ${from}`, params);
  const scanned = counts?.scanned ?? 0;
  const out: RuleResult[] = [];
  for (const [i, item] of items.entries()) {
    const violations = counts?.[`bad_${i}`] ?? 0;
    let sampleKeys: string[] = [];
    if (violations > 0) {
      const keyParams: unknown[] = [];
      const { scope, violates } = ruleSql(item, (value, cast) => {
        keyParams.push(value);
        return `$${keyParams.length}${cast ? `::${cast}` : ''}`;
      });
      const rows = await q.query<{ key: string }>(
        `SELECT ${rowKeyExpr('r', r0.key)} AS key FROM ${from} WHERE ${scope} AND ${violates} ORDER BY ${rowKeyOrder('r', r0.key)} LIMIT 10`,
        keyParams,
      );
      sampleKeys = rows.map((r) => r.key);
    }
    out.push({ scanned, inScope: counts?.[`in_scope_${i}`] ?? 0, nonNull: counts?.[`non_null_${i}`] ?? 0, violations, sampleKeys, plan, scope: describeScope(plan, scanned) });
  }
  return out;
}

/** ORDER BY list that sorts rows by their key (numerically for numeric keys), else by ctid. */
export function rowKeyOrder(alias: string, key: string[]): string {
  const a = quoteIdent(alias);
  return key.length ? key.map((k) => `${a}.${quoteIdent(k)}`).join(', ') : `${a}.ctid`;
}

export function keyLabel(key: string[]): string {
  return key.length ? key.join(', ') : 'ctid';
}

export function sampleKeysText(keys: string[], key: string[]): string {
  return keys.length ? ` Sample keys (${keyLabel(key)}): ${keys.join('; ')}.` : '';
}

