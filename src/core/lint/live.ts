// Collects what the live lint rules need from the connected database, in read-only, bounded queries:
// ONE catalog query for every relation the file names (existence, size, row estimate, write rate, columns,
// indexes, constraints), and one bounded count per constraint the file adds to an existing table
// (constraint-on-dirty-data). Results are cached per relation / per count query with a TTL so the editor can
// call this on every edit. Never writes: everything runs through DbSession.readOnly.
import type { Constraint, IndexStmt } from '@pgsql/types';
import { QueryTimeoutError, type DbSession, type QueryRunner } from '../db/session';
import { qualifiedName, quoteIdent } from '../sql/quote';
import { alterTableOf, as, relName, strings } from './ast';
import { checkExpressionText, constraintsAdded, indexKeyColumn, liveKey, relationsCreated, relationsOf } from './liveFacts';
import type { DirtyCount, LiveContext, LiveTable } from './liveTypes';
import type { ParsedStatement, RelName } from './types';

export interface LiveOptions {
  /** Reuse results younger than ttlMs (editor). */
  cache?: LiveCache;
  /** Rows counted at most by the dirty-data queries (default 1000). */
  dirtyLimit?: number;
  /** statement_timeout of each dirty-data count (default 5000 ms). */
  dirtyTimeoutMs?: number;
  /** Skip the dirty-data counts (they scan tables). */
  skipDirty?: boolean;
  signal?: AbortSignal;
}

interface Cached<T> {
  at: number;
  value: T;
}

/** Per-connection cache: relation key -> catalog facts, count query -> result. */
export class LiveCache {
  readonly relations = new Map<string, Cached<LiveTable | null>>();
  readonly counts = new Map<string, Cached<Omit<DirtyCount, 'cmdIndex'>>>();
  constructor(
    readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}
  fresh<T>(c: Cached<T> | undefined): c is Cached<T> {
    return !!c && this.now() - c.at < this.ttlMs;
  }
  stamp<T>(value: T): Cached<T> {
    return { at: this.now(), value };
  }
  clear(): void {
    this.relations.clear();
    this.counts.clear();
  }
}

/** Relation keys a file mentions (ALTER/DROP/CREATE INDEX targets, FK parents, FROM lists...). */
export function relationKeys(statements: readonly ParsedStatement[]): Map<string, RelName> {
  const out = new Map<string, RelName>();
  for (const s of statements) for (const r of relationsOf(s)) out.set(liveKey(r), r);
  return out;
}

const TABLE_KINDS = "('r','p','m','f','v')";

function catalogSql(versionNum: number): string {
  const nkey = versionNum >= 110000 ? 'i.indnkeyatts' : 'i.indnatts';
  const partSize = versionNum >= 120000 ? `(SELECT coalesce(sum(pg_total_relation_size(pt.relid)), 0) FROM pg_partition_tree(c.oid) pt)` : '0';
  return `
WITH req AS (
  SELECT u.k, to_regclass(CASE WHEN u.s IS NULL THEN quote_ident(u.n) ELSE quote_ident(u.s) || '.' || quote_ident(u.n) END) AS oid
  FROM unnest($1::text[], $2::text[], $3::text[]) AS u(k, s, n)
), since AS (
  SELECT coalesce((SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()), pg_postmaster_start_time()) AS t
)
SELECT req.k, c.oid IS NOT NULL AS found, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
  c.reltuples::float8 AS row_estimate,
  (CASE WHEN c.relkind = 'p' THEN ${partSize} WHEN c.relkind IN ('r','m','f','t') THEN pg_total_relation_size(c.oid) ELSE pg_relation_size(c.oid) END)::float8 AS total_bytes,
  (pg_stat_get_tuples_inserted(c.oid) + pg_stat_get_tuples_updated(c.oid) + pg_stat_get_tuples_deleted(c.oid))::float8 AS writes,
  (SELECT t FROM since)::text AS since,
  greatest(extract(epoch FROM now() - (SELECT t FROM since)), 1)::float8 AS since_s,
  (SELECT tn.nspname || '.' || tc.relname FROM pg_index ti JOIN pg_class tc ON tc.oid = ti.indrelid JOIN pg_namespace tn ON tn.oid = tc.relnamespace WHERE ti.indexrelid = c.oid) AS index_of,
  CASE WHEN c.relkind IN ${TABLE_KINDS} THEN (
    SELECT coalesce(json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'notNull', a.attnotnull) ORDER BY a.attnum), '[]')
    FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) ELSE '[]' END AS columns,
  CASE WHEN c.relkind IN ${TABLE_KINDS} THEN (
    SELECT coalesce(json_agg(json_build_object(
      'schema', ni.nspname, 'name', ci.relname, 'definition', pg_get_indexdef(i.indexrelid), 'method', am.amname,
      'unique', i.indisunique, 'primary', i.indisprimary, 'valid', i.indisvalid, 'predicate', pg_get_expr(i.indpred, i.indrelid),
      'keys', (SELECT json_agg(json_build_object(
          'column', a.attname,
          'expression', CASE WHEN i.indkey[k.i - 1] = 0 THEN pg_get_indexdef(i.indexrelid, k.i, true) END,
          'opclass', oc.opcname, 'defaultOpclass', coalesce(oc.opcdefault, true)) ORDER BY k.i)
        FROM generate_series(1, ${nkey}) AS k(i)
        LEFT JOIN pg_attribute a ON i.indkey[k.i - 1] <> 0 AND a.attrelid = i.indrelid AND a.attnum = i.indkey[k.i - 1]
        LEFT JOIN pg_opclass oc ON oc.oid = i.indclass[k.i - 1])
    ) ORDER BY ci.relname), '[]')
    FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_namespace ni ON ni.oid = ci.relnamespace JOIN pg_am am ON am.oid = ci.relam
    WHERE i.indrelid = c.oid) ELSE '[]' END AS indexes,
  CASE WHEN c.relkind IN ${TABLE_KINDS} THEN (
    SELECT coalesce(json_agg(json_build_object('name', co.conname, 'type', co.contype::text, 'definition', pg_get_constraintdef(co.oid), 'validated', co.convalidated,
      'columns', coalesce((SELECT json_agg(a.attname ORDER BY x.ord) FROM unnest(co.conkey) WITH ORDINALITY AS x(attnum, ord)
                           JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = x.attnum), '[]')) ORDER BY co.conname), '[]')
    FROM pg_constraint co WHERE co.conrelid = c.oid) ELSE '[]' END AS constraints
FROM req LEFT JOIN pg_class c ON c.oid = req.oid LEFT JOIN pg_namespace n ON n.oid = c.relnamespace`;
}

interface CatalogRow {
  k: string;
  found: boolean;
  schema: string;
  name: string;
  kind: string;
  row_estimate: number;
  total_bytes: number;
  writes: number;
  since: string;
  since_s: number;
  index_of: string | null;
  columns: LiveTable['columns'];
  indexes: (Omit<LiveTable['indexes'][number], 'predicate' | 'keys'> & { predicate: string | null; keys: { column: string | null; expression: string | null; opclass: string | null; defaultOpclass: boolean }[] | null })[];
  constraints: LiveTable['constraints'];
}

function toLiveTable(r: CatalogRow): LiveTable {
  return {
    schema: r.schema,
    name: r.name,
    kind: r.kind,
    ...(r.index_of ? { indexOf: r.index_of } : {}),
    rowEstimate: r.row_estimate,
    totalBytes: r.total_bytes,
    ...(r.kind === 'r' || r.kind === 'p' || r.kind === 'm' ? { writes: { total: r.writes, since: r.since, perSecond: r.writes / r.since_s } } : {}),
    columns: r.columns,
    indexes: r.indexes.map((i) => ({
      schema: i.schema,
      name: i.name,
      definition: i.definition,
      method: i.method,
      unique: i.unique,
      primary: i.primary,
      valid: i.valid,
      ...(i.predicate ? { predicate: i.predicate } : {}),
      keys: (i.keys ?? []).map((k) => ({
        ...(k.column !== null ? { column: k.column } : {}),
        ...(k.expression !== null ? { expression: k.expression } : {}),
        opclass: k.opclass ?? '',
        defaultOpclass: k.defaultOpclass,
      })),
    })),
    constraints: r.constraints,
  };
}

/** Fetches catalog facts for the given relations in one query. */
export async function fetchRelations(q: QueryRunner, versionNum: number, rels: readonly [string, RelName][]): Promise<Map<string, LiveTable | null>> {
  const out = new Map<string, LiveTable | null>();
  if (!rels.length) return out;
  const rows = await q.query<CatalogRow>(catalogSql(versionNum), [rels.map(([k]) => k), rels.map(([, r]) => r.schema ?? null), rels.map(([, r]) => r.name)]);
  for (const r of rows) out.set(r.k, r.found ? toLiveTable(r) : null);
  return out;
}

/** A bounded count the file needs: the SQL (with $1 = limit) and what it describes. */
export interface DirtyQuery {
  key: string;
  sql: string;
  count: Omit<DirtyCount, 'count' | 'atLeast' | 'rows' | 'error'>;
}

function notNullAll(cols: string[]): string {
  return cols.map((c) => `${quoteIdent(c)} IS NOT NULL`).join(' AND ');
}

/**
 * The dirty-data counts a file needs, for statements on tables that exist live and were not created earlier
 * in the file: ADD UNIQUE / PRIMARY KEY (duplicates, and NULLs for a primary key), CREATE UNIQUE INDEX on
 * plain columns, SET NOT NULL, ADD CHECK (without NOT VALID).
 */
export function dirtyQueries(statements: readonly ParsedStatement[], relations: ReadonlyMap<string, LiveTable | null> | Record<string, LiveTable | null>): DirtyQuery[] {
  const get = (r: RelName): LiveTable | null | undefined => (relations instanceof Map ? relations.get(liveKey(r)) : (relations as Record<string, LiveTable | null>)[liveKey(r)]);
  const out: DirtyQuery[] = [];
  const created = new Set<string>();
  let section: ParsedStatement['section'];
  for (const stmt of statements) {
    if (stmt.section !== section) {
      section = stmt.section;
      created.clear();
    }
    const existing = (rel: RelName | undefined): LiveTable | undefined => {
      if (!rel || created.has(rel.name)) return undefined;
      const t = get(rel);
      return t && (t.kind === 'r' || t.kind === 'p' || t.kind === 'm') ? t : undefined;
    };
    const hasCols = (t: LiveTable, cols: string[]): boolean => cols.length > 0 && cols.every((c) => t.columns.some((x) => x.name === c));
    const push = (t: LiveTable, rel: RelName, kind: DirtyCount['kind'], columns: string[], cmdIndex: number, where: string, grouped: boolean): void => {
      const table = qualifiedName(t.schema, t.name);
      const sql = grouped
        ? `SELECT count(*)::float8 AS n, coalesce(sum(d.c), 0)::float8 AS rows FROM (SELECT count(*) AS c FROM ${table}${where ? ` WHERE ${where}` : ''} GROUP BY ${columns.map(quoteIdent).join(', ')} HAVING count(*) > 1 LIMIT $1) d`
        : `SELECT count(*)::float8 AS n FROM (SELECT 1 FROM ${table} WHERE ${where} LIMIT $1) d`;
      out.push({ key: `${stmt.text}`, sql, count: { kind, table: liveKey(rel), columns, cmdIndex } });
    };
    const alter = alterTableOf(stmt.node);
    const t = existing(alter?.rel);
    if (alter?.rel && t) {
      const rel = alter.rel;
      alter.cmds.forEach((cmd, i) => {
        if (cmd.subtype === 'AT_SetNotNull' && cmd.name && hasCols(t, [cmd.name])) push(t, rel, 'not-null', [cmd.name], i, `${quoteIdent(cmd.name)} IS NULL`, false);
      });
      for (const { constraint: c, column, cmdIndex } of constraintsAdded(stmt)) {
        if (column) continue; // a new column's own constraints: the column has no old rows to violate
        addConstraintCounts(stmt, t, rel, c, cmdIndex, hasCols, push);
      }
    }
    const idx = as<IndexStmt>(stmt.node, 'IndexStmt');
    const irel = relName(idx?.relation);
    const it = existing(irel);
    if (idx?.unique && irel && it && !idx.whereClause) {
      const cols = (idx.indexParams ?? []).map(indexKeyColumn);
      if (cols.every((c): c is string => !!c) && hasCols(it, cols)) push(it, irel, 'unique', cols, 0, idx.nulls_not_distinct ? '' : notNullAll(cols), true);
    }
    for (const r of relationsCreated(stmt)) created.add(r.name);
  }
  return out;
}

function addConstraintCounts(
  stmt: ParsedStatement,
  t: LiveTable,
  rel: RelName,
  c: Constraint,
  cmdIndex: number,
  hasCols: (t: LiveTable, cols: string[]) => boolean,
  push: (t: LiveTable, rel: RelName, kind: DirtyCount['kind'], columns: string[], cmdIndex: number, where: string, grouped: boolean) => void,
): void {
  if ((c.contype === 'CONSTR_UNIQUE' || c.contype === 'CONSTR_PRIMARY') && !c.indexname) {
    const cols = strings(c.keys);
    if (!hasCols(t, cols)) return;
    push(t, rel, 'unique', cols, cmdIndex, c.nulls_not_distinct ? '' : notNullAll(cols), true);
    if (c.contype === 'CONSTR_PRIMARY') push(t, rel, 'not-null', cols, cmdIndex, cols.map((x) => `${quoteIdent(x)} IS NULL`).join(' OR '), false);
  }
  if (c.contype === 'CONSTR_CHECK' && !c.skip_validation) {
    const expr = checkExpressionText(stmt, c);
    if (expr) push(t, rel, 'check', [], cmdIndex, `NOT (${expr})`, false);
  }
}

async function runCount(session: DbSession, d: DirtyQuery, limit: number, timeoutMs: number, signal: AbortSignal | undefined): Promise<Omit<DirtyCount, 'cmdIndex'>> {
  const base = { kind: d.count.kind, table: d.count.table, columns: d.count.columns };
  try {
    // A parameter forces the extended protocol: the text is one statement, whatever the CHECK text holds.
    const rows = await session.readOnly((q) => q.query<{ n: number; rows?: number }>(d.sql, [limit]), { statementTimeoutMs: timeoutMs, ...(signal ? { signal } : {}) });
    const r = rows[0] ?? { n: 0 };
    return { ...base, count: r.n, ...(r.rows !== undefined ? { rows: r.rows } : {}), atLeast: r.n >= limit };
  } catch (e) {
    const msg = e instanceof QueryTimeoutError ? `the count did not finish within ${timeoutMs} ms` : `the count failed: ${(e as Error).message}`;
    if ((e as Error).name === 'CancelledError') throw e;
    return { ...base, count: 0, atLeast: false, error: msg };
  }
}

/** Collects the live context for a file's statements. Throws only when the catalog query itself fails. */
export async function prepareLiveContext(statements: readonly ParsedStatement[], session: DbSession, opts: LiveOptions = {}): Promise<LiveContext> {
  const cache = opts.cache;
  const limit = opts.dirtyLimit ?? 1000;
  const wanted = relationKeys(statements);
  const relations: Record<string, LiveTable | null> = {};
  const missing: [string, RelName][] = [];
  for (const [k, r] of wanted) {
    const c = cache?.relations.get(k);
    if (cache?.fresh(c)) relations[k] = c.value;
    else missing.push([k, r]);
  }
  if (missing.length) {
    const fetched = await session.readOnly((q) => fetchRelations(q, session.serverVersionNum, missing), opts.signal ? { signal: opts.signal } : {});
    for (const [k] of missing) {
      const v = fetched.get(k) ?? null;
      relations[k] = v;
      cache?.relations.set(k, cache.stamp(v));
    }
  }
  const dirty: Record<string, DirtyCount[]> = {};
  if (!opts.skipDirty) {
    for (const d of dirtyQueries(statements, relations)) {
      const ck = `${limit}\u0000${d.sql}`;
      let res = cache?.counts.get(ck);
      if (!cache?.fresh(res)) {
        res = { at: Date.now(), value: await runCount(session, d, limit, opts.dirtyTimeoutMs ?? 5000, opts.signal) };
        // A failed count is retried on the next call rather than cached.
        if (cache && !res.value.error) cache.counts.set(ck, cache.stamp(res.value));
      }
      (dirty[d.key] ??= []).push({ ...res.value, cmdIndex: d.count.cmdIndex });
    }
  }
  return { database: session.spec.name, relations, dirty, dirtyLimit: limit };
}
