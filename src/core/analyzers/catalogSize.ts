// Sizes on a large catalog. pg_relation_size and pg_database_size stat the relation's files (every file, for the
// database): over 10,000 tables and 30,000 indexes that is seconds per query. Above LARGE_CATALOG_RELATIONS
// relations the report reads pg_class.relpages (as of the last VACUUM / ANALYZE / CREATE INDEX) instead, and
// says so; below it the sizes stay measured, as they always were. The snapshot does the same (metrics/snapshot.ts).

export const LARGE_CATALOG_RELATIONS = 5000;

/** SQL, true when sizes are estimated (an InitPlan: counted once per query). */
export const SIZES_ESTIMATED_SQL = `((SELECT count(*) FROM pg_class) > ${LARGE_CATALOG_RELATIONS})`;

/** SQL: the heap pages of pg_class row `alias` — measured (never below relpages) or, on a large catalog, relpages. */
export function relationPagesSql(alias: string): string {
  return `(CASE WHEN ${SIZES_ESTIMATED_SQL} THEN ${alias}.relpages::float8
               ELSE greatest(${alias}.relpages, pg_relation_size(${alias}.oid) / current_setting('block_size')::int)::float8 END)`;
}

/** SQL: the size of the current database in bytes — pg_database_size or, on a large catalog, Σ relpages × block size. */
export const DATABASE_SIZE_SQL = `(CASE WHEN ${SIZES_ESTIMATED_SQL}
            THEN (SELECT sum(relpages)::float8 * current_setting('block_size')::float8 FROM pg_class)
            ELSE pg_database_size(current_database())::float8 END)`;
