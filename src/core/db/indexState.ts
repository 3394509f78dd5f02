// Whether an index exists and is valid, looked up the way an unqualified name resolves (search_path order)
// or in the given schema. A failed or interrupted CREATE INDEX CONCURRENTLY leaves an INVALID index behind,
// which both the migration runner and Apply Now drop before anything retries the build.
import { qualifiedName } from '../sql/quote';

interface Queryable {
  query<R extends object>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export async function indexState(client: Queryable, schema: string | undefined, name: string): Promise<{ valid: boolean; schema: string; qualified: string } | undefined> {
  const r = await client.query<{ nspname: string; indisvalid: boolean }>(
    `SELECT n.nspname, i.indisvalid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = $1 AND (CASE WHEN $2::text IS NULL THEN n.nspname = ANY (current_schemas(false)) ELSE n.nspname = $2::text END)
      ORDER BY array_position(current_schemas(false), n.nspname) LIMIT 1`,
    [name, schema ?? null],
  );
  const row = r.rows[0];
  return row ? { valid: row.indisvalid, schema: row.nspname, qualified: qualifiedName(row.nspname, name) } : undefined;
}
