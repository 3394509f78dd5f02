// What the advisor needs to know about the schema: user tables with their columns and size, existing
// indexes (columns, expressions, predicate) and write statistics. One query per kind, read-only.
import type { QueryRunner } from '../db/session';
import { quoteIdent } from '../sql/quote';

export interface ExistingIndex {
  name: string;
  /** Key columns in order; expressions as their deparsed text, e.g. `lower(email)`. */
  keys: string[];
  /** Deparsed WHERE clause of a partial index. */
  predicate?: string;
  unique: boolean;
  valid: boolean;
  am: string;
  /** Operator class of each key column (`jsonb_path_ops`, `int4_ops`, ...). */
  opclasses: string[];
  /** INCLUDE columns (lower-case). */
  include: string[];
  /** DESC per key column (absent: all ascending). */
  desc?: boolean[];
}

export interface CatalogTable {
  oid: number;
  schema: string;
  name: string;
  columns: string[];
  /** format_type of each column, parallel to `columns`. */
  types: string[];
  rows: number;
  indexes: ExistingIndex[];
  writes: { inserts: number; updates: number; hotUpdates: number; deletes: number };
  /** `p` for a partitioned table (its indexes are built per partition), `r` table, `m` materialized view. */
  relkind?: string;
  /** Direct partitions of a partitioned table, in catalog order. */
  partitions?: CatalogTable[];
  /** The partitioned table this one is a partition of. */
  parent?: CatalogTable;
  /** Every relation name of the table's schema (tables, indexes, sequences, views…: pg_class is one namespace). */
  schemaRelations?: ReadonlySet<string>;
}

export interface AdvisorCatalog {
  /** Keyed by lower-case unqualified name (the visible one wins) and by `schema.name`. */
  tables: Map<string, CatalogTable>;
  /** Seconds since this database's statistics (pg_stat_user_tables) were reset; undefined when never reset. */
  statsAgeS?: number;
}

export function lookupTable(cat: AdvisorCatalog, schema: string | undefined, name: string): CatalogTable | undefined {
  // Exact first (the parser has already folded unquoted names), so `"Foo"` and `foo` stay apart.
  const key = schema ? `${schema}.${name}` : name;
  return cat.tables.get(`=${key}`) ?? cat.tables.get(key.toLowerCase());
}

/** The comparable key of a plain column: its name, double-quoted when it is not a simple lower-case name (`id`, `"Id"`). */
export function columnKey(column: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(column) ? column : quoteIdent(column);
}

/**
 * Every identifier of the statements' text, lower-cased (quoted ones unquoted): a superset of the relation
 * names they reference, however they are written (`public.t`, `"T"`, an alias, a CTE …), without parsing.
 */
export function workloadIdentifiers(statements: readonly string[]): string[] {
  const names = new Set<string>();
  for (const sql of statements) {
    for (const m of sql.matchAll(/"((?:[^"]|"")+)"|([A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)/g)) {
      names.add((m[1] !== undefined ? m[1].replace(/""/g, '"') : (m[2] as string)).toLowerCase());
    }
  }
  return [...names];
}

/**
 * The oids of the tables a workload can reach, or undefined when the catalog must be read whole: every table,
 * view and materialized view whose name (lower-cased) is one of the workload's identifiers, the relations those
 * views read (recursively: the advisor expands views to their base tables through the plan), and the whole
 * partition / inheritance tree of each (parents and their partitions). A set-returning SQL function the
 * workload may call, or one a reached view calls, hides its tables from the catalog: then undefined.
 */
async function reachableTables(q: QueryRunner, identifiers: string[]): Promise<number[] | undefined> {
  const [r] = await q.query<{ oids: number[]; functions: boolean }>(
    `WITH RECURSIVE
       named AS (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   JOIN unnest($1::text[]) w(name) ON lower(c.relname) = w.name
                  WHERE c.relkind IN ('r', 'p', 'm', 'v')
                    AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname !~ '^pg_temp'),
       -- Views (and materialized views) to the relations their rewrite rules read, recursively.
       viewed(oid) AS (SELECT oid FROM named
                       UNION
                       SELECT d.refobjid FROM viewed v
                         JOIN pg_rewrite rw ON rw.ev_class = v.oid
                         JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                                         AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> v.oid),
       up(oid) AS (SELECT oid FROM viewed UNION SELECT h.inhparent FROM up JOIN pg_inherits h ON h.inhrelid = up.oid),
       down(oid) AS (SELECT oid FROM up UNION SELECT h.inhrelid FROM down JOIN pg_inherits h ON h.inhparent = down.oid)
     SELECT ARRAY(SELECT oid::int FROM down) AS oids,
            EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
                     WHERE l.lanname = 'sql' AND pn.nspname NOT IN ('pg_catalog', 'information_schema')
                       AND (lower(p.proname) = ANY ($1::text[])
                            OR p.oid IN (SELECT d.refobjid FROM viewed v JOIN pg_rewrite rw ON rw.ev_class = v.oid
                                           JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                                          WHERE d.refclassid = 'pg_proc'::regclass))) AS functions`,
    [identifiers],
  );
  return r && !r.functions ? r.oids : undefined;
}

export interface CatalogScope {
  /** The workload's statements: only the tables they can reach are read (reachableTables). */
  statements: readonly string[];
}

/**
 * The advisor's catalog. With a scope, only the tables the workload can reach get their columns and indexes
 * (on 10,000 tables a full read took seconds); tables outside it that have writes in pg_stat_user_tables are
 * still listed (no columns or indexes, under no name a lookup can hit) for the writes the workload does not
 * show. Without a scope, or when the scope cannot be bounded, every table is read.
 */
export async function loadAdvisorCatalog(q: QueryRunner, scope?: CatalogScope): Promise<AdvisorCatalog> {
  const reach = scope ? await reachableTables(q, workloadIdentifiers(scope.statements)) : undefined;
  const full = reach === undefined;
  // $1: the reachable tables (ignored when full). Tables and indexes in catalog (physical) order, as a full
  // sequential read gives them, whichever plan a scoped read gets.
  const inScope = full ? 'true' : 'c.oid = ANY ($1::oid[])';
  const rows = await q.query<{
    oid: number;
    schema: string;
    name: string;
    visible: boolean;
    scoped: boolean;
    columns: string[] | null;
    types: string[] | null;
    reltuples: number;
    relkind: string;
    parent_oid: number | null;
    ins: string | null;
    upd: string | null;
    hot: string | null;
    del: string | null;
  }>(`
    SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, pg_table_is_visible(c.oid) AS visible, ${inScope} AS scoped,
           CASE WHEN ${inScope} THEN ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) END AS columns,
           CASE WHEN ${inScope} THEN ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) END AS types,
           greatest(c.reltuples, 0)::float8 AS reltuples, c.relkind::text AS relkind,
           (SELECT h.inhparent::int FROM pg_inherits h JOIN pg_class pc ON pc.oid = h.inhparent WHERE h.inhrelid = c.oid AND pc.relkind = 'p' LIMIT 1) AS parent_oid,
           -- The functions behind pg_stat_user_tables' columns, called for these rows only (the view computes
           -- every column of every table: 4× slower on 10,000 tables).
           pg_stat_get_tuples_inserted(c.oid)::text AS ins, pg_stat_get_tuples_updated(c.oid)::text AS upd,
           pg_stat_get_tuples_hot_updated(c.oid)::text AS hot, pg_stat_get_tuples_deleted(c.oid)::text AS del
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'm')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname !~ '^pg_temp'
       AND (${inScope} OR pg_stat_get_tuples_inserted(c.oid) + pg_stat_get_tuples_deleted(c.oid) > 0)
     ORDER BY c.ctid`, full ? [] : [reach]);
  // Plain-column keys by name (quote_ident, exactly as pg_get_indexdef prints a column), expressions deparsed;
  // operator classes by oid, named from one read of pg_opclass: per-key deparsing and lookups over every index
  // of a 30,000-index catalog took seconds.
  const key = (from: string, to: string): string => `ARRAY(SELECT CASE WHEN i.indkey[k - 1] <> 0
             THEN (SELECT quote_ident(a.attname) FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1])
             ELSE pg_get_indexdef(i.indexrelid, k, true) END FROM generate_series(${from}, ${to}) k ORDER BY k)`;
  const idx = await q.query<{ table_oid: number; name: string; keys: string[]; desc: boolean[]; include: string[]; opclass_oids: number[]; predicate: string | null; unique: boolean; valid: boolean; am: string }>(`
    SELECT i.indrelid::int AS table_oid, ic.relname AS name,
           ${key('1', 'i.indnkeyatts')} AS keys,
           ARRAY(SELECT (i.indoption[k - 1] & 1) = 1 FROM generate_series(1, i.indnkeyatts) k ORDER BY k) AS desc,
           ${key('i.indnkeyatts + 1', 'i.indnatts')} AS include,
           i.indclass::oid[]::int8[] AS opclass_oids,
           pg_get_expr(i.indpred, i.indrelid, true) AS predicate, i.indisunique AS unique, i.indisvalid AS valid, am.amname AS am
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_am am ON am.oid = ic.relam
      JOIN pg_class c ON c.oid = i.indrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')${full ? '' : ' AND i.indrelid = ANY ($1::oid[])'}
     ORDER BY i.ctid`, full ? [] : [reach]);
  // An index name must be free in the whole schema, not only on its table (the migration's rebuild step drops
  // `schema.name` IF EXISTS): every relation name per schema.
  const rels = await q.query<{ schema: string; names: string[] }>(`
    SELECT n.nspname AS schema, array_agg(c.relname::text) AS names
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname !~ '^pg_temp'${full ? '' : ' AND n.nspname = ANY ($1::text[])'}
     GROUP BY n.nspname`, full ? [] : [[...new Set(rows.filter((r) => r.scoped).map((r) => r.schema))]]);
  const schemaRelations = new Map(rels.map((r) => [r.schema, new Set(r.names)]));
  const opclassName = new Map((await q.query<{ oid: string; name: string }>(`SELECT oid::int8::text AS oid, opcname::text AS name FROM pg_opclass`)).map((o) => [o.oid, o.name]));
  const tables = new Map<string, CatalogTable>();
  const byOid = new Map<number, CatalogTable>();
  // Visible tables first so an unqualified name resolves as the search_path does.
  rows.sort((a, b) => Number(b.visible) - Number(a.visible));
  for (const r of rows) {
    const t: CatalogTable = {
      oid: r.oid,
      schema: r.schema,
      name: r.name,
      columns: r.columns ?? [],
      types: r.types ?? [],
      rows: r.reltuples,
      indexes: [],
      writes: { inserts: Number(r.ins ?? 0), updates: Number(r.upd ?? 0), hotUpdates: Number(r.hot ?? 0), deletes: Number(r.del ?? 0) },
      relkind: r.relkind,
      schemaRelations: schemaRelations.get(r.schema) ?? new Set(),
    };
    byOid.set(r.oid, t);
    if (!r.scoped) {
      // Outside the workload's reach, listed for its writes only: under a key no name lookup can hit.
      tables.set(`\0${r.oid}`, t);
      continue;
    }
    tables.set(`${r.schema}.${r.name}`.toLowerCase(), t);
    if (!tables.has(`=${r.schema}.${r.name}`)) tables.set(`=${r.schema}.${r.name}`, t);
    if (r.visible && !tables.has(r.name.toLowerCase())) tables.set(r.name.toLowerCase(), t);
    if (r.visible && !tables.has(`=${r.name}`)) tables.set(`=${r.name}`, t);
  }
  for (const r of rows) {
    const child = byOid.get(r.oid);
    const parent = r.parent_oid != null ? byOid.get(r.parent_oid) : undefined;
    if (child && parent) {
      child.parent = parent;
      (parent.partitions ??= []).push(child);
    }
  }
  for (const i of idx) {
    byOid.get(i.table_oid)?.indexes.push({
      name: i.name,
      keys: i.keys.map(normalizeKey),
      ...(i.predicate ? { predicate: normalizePredicate(i.predicate) } : {}),
      unique: i.unique,
      valid: i.valid,
      am: i.am,
      // indclass has one entry per key column (INCLUDE columns have none), as the unnest over it gave.
      opclasses: i.opclass_oids.flatMap((o) => opclassName.get(String(o)) ?? []),
      include: i.include.map(normalizeKey),
      ...(i.desc.some(Boolean) ? { desc: i.desc } : {}),
    });
  }
  const [age] = await q.query<{ age_s: number | null }>(
    `SELECT extract(epoch FROM now() - stats_reset)::float8 AS age_s FROM pg_stat_database WHERE datname = current_database()`,
  );
  return { tables, ...(age?.age_s != null ? { statsAgeS: age.age_s } : {}) };
}

/** Comparable form of an index key: unquoted simple names, lower-cased outside double quotes (`"Id"` keeps its case), no spaces. */
export function normalizeKey(k: string): string {
  return k
    .split(/("(?:[^"]|"")*")/)
    .map((part, i) => (i % 2 ? (/^"[a-z_][a-z0-9_$]*"$/.test(part) ? part.slice(1, -1) : part) : part.replace(/\s+/g, '').toLowerCase()))
    .join('');
}

/** Comparable form of a partial-index predicate, e.g. `(acknowledged = false)` -> `acknowledged=false`. */
export function normalizePredicate(p: string): string {
  let s = p.trim();
  while (s.startsWith('(') && s.endsWith(')') && balanced(s.slice(1, -1))) s = s.slice(1, -1).trim();
  return s.replace(/"([a-z_][a-z0-9_$]*)"/g, '$1').replace(/\s+/g, '').replace(/\bNOT(\w)/g, 'NOT $1').toLowerCase();
}

function balanced(s: string): boolean {
  let d = 0;
  for (const c of s) {
    if (c === '(') d++;
    else if (c === ')' && --d < 0) return false;
  }
  return d === 0;
}
