// Bloat estimates without an extension: the well-known statistics-based method (as in the ioguix /
// pgexperts bloat queries, which PgHero and check_postgres also rely on) — from pg_stats (null_frac,
// avg_width) and pg_class (reltuples, relpages, fillfactor) work out how many pages the live rows need
// when packed at the fillfactor, and call the rest wasted. The catalog fetch is SQL; the arithmetic is a
// pure function here, unit-tested, and checked against pgstattuple on real tables in the db tests.
// Known limits (said in the report): tables/indexes without statistics are skipped (ANALYZE first), "name"
// columns are misreported by pg_stats, and btree deduplication (PG 13+) makes indexes with many duplicate
// keys smaller than the estimate, so their bloat is under-reported, never over-reported.
import type { QueryRunner } from '../../db/session';
import { USER_SCHEMAS_FILTER } from './checkResult';

export interface LayoutConstants {
  blockSize: number;
  /** MAXALIGN: 8 on 64-bit builds. */
  maxAlign: number;
}

export interface TableStatsRow {
  schema: string;
  table: string;
  reltuples: number;
  heap_pages: number;
  toast_pages: number;
  toast_tuples: number;
  fillfactor: number;
  columns: number;
  columns_with_stats: number;
  max_null_frac: number;
  /** Σ (1 − null_frac) × avg_width over the columns. */
  data_width: number;
  has_name_column: boolean;
}

export interface IndexStatsRow {
  schema: string;
  table: string;
  index: string;
  reltuples: number;
  pages: number;
  fillfactor: number;
  columns: number;
  columns_with_stats: number;
  max_null_frac: number;
  data_width: number;
  has_name_column: boolean;
}

export interface BloatEstimate {
  /** Pages (8 kB by default) the relation has, heap + TOAST for tables. */
  actualPages: number;
  /** Pages its live rows would need packed at the fillfactor. */
  expectedPages: number;
  actualBytes: number;
  wastedBytes: number;
  /** wastedBytes / actualBytes. */
  ratio: number;
  /** False when statistics are missing for some column (or a "name" column skews them): no finding then. */
  reliable: boolean;
  reason?: string;
}

const PAGE_HEADER = 24;
const LINE_POINTER = 4;
const HEAP_TUPLE_HEADER = 23;
const INDEX_TUPLE_HEADER = 8;
const BTREE_OPAQUE = 16;
/** TOAST chunks are ~2 kB: about four per page. */
const TOAST_CHUNKS_PER_PAGE = 4;

export function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

function finish(actualPages: number, expectedPages: number, c: LayoutConstants, reliable: boolean, reason?: string): BloatEstimate {
  const wastedPages = Math.max(0, actualPages - expectedPages);
  const actualBytes = actualPages * c.blockSize;
  return {
    actualPages,
    expectedPages,
    actualBytes,
    wastedBytes: wastedPages * c.blockSize,
    ratio: actualPages > 0 ? wastedPages / actualPages : 0,
    reliable,
    ...(reason ? { reason } : {}),
  };
}

function reliability(r: { columns: number; columns_with_stats: number; has_name_column: boolean; reltuples: number }): string | undefined {
  if (r.reltuples < 0) return 'never analyzed';
  if (r.columns_with_stats < r.columns) return `no statistics for ${r.columns - r.columns_with_stats} of ${r.columns} columns (ANALYZE it)`;
  if (r.has_name_column) return 'a column of type name (its statistics are misleading)';
  return undefined;
}

/** Heap: tuple = header (23 B + null bitmap) aligned + data aligned + line pointer; pages = rows / per page. */
export function estimateTableBloat(r: TableStatsRow, c: LayoutConstants): BloatEstimate {
  const nullBitmap = r.max_null_frac > 0 ? Math.ceil(r.columns / 8) : 0;
  const header = alignUp(HEAP_TUPLE_HEADER + nullBitmap, c.maxAlign);
  const data = alignUp(Math.ceil(r.data_width), c.maxAlign);
  const tuple = header + data + LINE_POINTER;
  const usable = ((c.blockSize - PAGE_HEADER) * r.fillfactor) / 100;
  const perPage = Math.max(1, Math.floor(usable / tuple));
  const tuples = Math.max(0, r.reltuples);
  const expected = Math.ceil(tuples / perPage) + Math.ceil(r.toast_tuples / TOAST_CHUNKS_PER_PAGE);
  const reason = reliability(r);
  return finish(r.heap_pages + r.toast_pages, expected, c, reason === undefined, reason);
}

/** Btree leaf: index tuple = header (8 B, + 4 B null bitmap) aligned + key data aligned + line pointer; plus the metapage. */
export function estimateBtreeBloat(r: IndexStatsRow, c: LayoutConstants): BloatEstimate {
  const header = alignUp(INDEX_TUPLE_HEADER + (r.max_null_frac > 0 ? 4 : 0), c.maxAlign);
  const data = alignUp(Math.ceil(r.data_width), c.maxAlign);
  const item = header + data + LINE_POINTER;
  const usable = ((c.blockSize - PAGE_HEADER - BTREE_OPAQUE) * r.fillfactor) / 100;
  const perPage = Math.max(1, Math.floor(usable / item));
  const tuples = Math.max(0, r.reltuples);
  const expected = 1 + Math.ceil(tuples / perPage);
  const reason = reliability(r);
  return finish(r.pages, expected, c, reason === undefined, reason);
}

/** Relations considered: the largest by pages (the estimate is cheap, but pg_stats joins are not free on big catalogs). */
export const BLOAT_CANDIDATES = 200;

export async function fetchLayout(q: QueryRunner): Promise<LayoutConstants> {
  const [r] = await q.query<{ bs: number; v: string }>(`SELECT current_setting('block_size')::int AS bs, version() AS v`);
  return { blockSize: r?.bs ?? 8192, maxAlign: r && /64-bit|x86_64|aarch64|arm64|ppc64|amd64|s390x|mingw64/i.test(r.v) ? 8 : 4 };
}

export async function fetchTableStats(q: QueryRunner, limit = BLOAT_CANDIDATES): Promise<TableStatsRow[]> {
  return q.query<TableStatsRow>(
    `WITH cand AS MATERIALIZED (
       SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm') AND c.relpages > 0 AND ${USER_SCHEMAS_FILTER}
        ORDER BY c.relpages DESC LIMIT $1)
     SELECT n.nspname AS schema, c.relname AS "table", c.reltuples::float8 AS reltuples,
            c.relpages::float8 AS heap_pages, coalesce(t.relpages, 0)::float8 AS toast_pages,
            coalesce(t.reltuples, 0)::float8 AS toast_tuples,
            coalesce((SELECT o.option_value FROM pg_options_to_table(c.reloptions) o WHERE o.option_name = 'fillfactor'), '100')::int AS fillfactor,
            count(a.attnum)::int AS columns, count(s.attname)::int AS columns_with_stats,
            coalesce(max(s.null_frac), 0)::float8 AS max_null_frac,
            coalesce(sum((1 - s.null_frac) * s.avg_width), 0)::float8 AS data_width,
            coalesce(bool_or(a.atttypid = 'pg_catalog.name'::regtype), false) AS has_name_column
       FROM cand
       JOIN pg_class c ON c.oid = cand.oid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname AND NOT s.inherited
       LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
      GROUP BY n.nspname, c.relname, c.reltuples, c.relpages, t.relpages, t.reltuples, c.reloptions
      ORDER BY c.relpages DESC`,
    [limit],
  );
}

export async function fetchBtreeStats(q: QueryRunner, limit = BLOAT_CANDIDATES): Promise<IndexStatsRow[]> {
  // Key columns come from the table's statistics; expression columns from the index's own (pg_stats lists
  // them under the index name). INCLUDE columns are stored in leaf tuples too, so they count.
  return q.query<IndexStatsRow>(
    `WITH cand AS MATERIALIZED (
       SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = c.relam
        WHERE c.relkind = 'i' AND am.amname = 'btree' AND c.relpages > 0 AND ${USER_SCHEMAS_FILTER}
        ORDER BY c.relpages DESC LIMIT $1)
     SELECT n.nspname AS schema, t.relname AS "table", c.relname AS index, c.reltuples::float8 AS reltuples,
            c.relpages::float8 AS pages,
            coalesce((SELECT o.option_value FROM pg_options_to_table(c.reloptions) o WHERE o.option_name = 'fillfactor'), '90')::int AS fillfactor,
            count(*)::int AS columns, count(s.attname)::int AS columns_with_stats,
            coalesce(max(s.null_frac), 0)::float8 AS max_null_frac,
            coalesce(sum((1 - s.null_frac) * s.avg_width), 0)::float8 AS data_width,
            coalesce(bool_or(a.atttypid = 'pg_catalog.name'::regtype), false) AS has_name_column
       FROM cand
       JOIN pg_class c ON c.oid = cand.oid
       JOIN pg_index i ON i.indexrelid = c.oid
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, pos)
       LEFT JOIN pg_attribute a ON (k.attnum <> 0 AND a.attrelid = t.oid AND a.attnum = k.attnum)
                                OR (k.attnum = 0 AND a.attrelid = c.oid AND a.attnum = k.pos)
       LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.attname = a.attname AND NOT s.inherited
                           AND s.tablename = CASE WHEN k.attnum = 0 THEN c.relname ELSE t.relname END
      GROUP BY n.nspname, t.relname, c.relname, c.reltuples, c.relpages, c.reloptions
      ORDER BY c.relpages DESC`,
    [limit],
  );
}
