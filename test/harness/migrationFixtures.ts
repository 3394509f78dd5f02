// Helpers for the migration runner's db tests: write migration files, open sessions, and take a catalog
// snapshot (tables, columns, indexes, constraints, types, functions) to compare databases exactly.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export function writeMigrationDir(files: Record<string, string>, prefix = 'pgopt-mig-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A connect() for the runner; every session gets a distinct application_name so tests can find it. */
export function connector(url: string, appName = 'pgopt-migrate-test'): () => Promise<pg.Client> {
  let n = 0;
  return async () => {
    const c = new pg.Client({ connectionString: url, application_name: `${appName}-${++n}` });
    await c.connect();
    return c;
  };
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Everything a migration can create, as sorted text lines; the tracking table itself is left out. */
export async function catalogSnapshot(target: string | pg.Client, opts: { exclude?: string[]; validIndexesOnly?: boolean } = {}): Promise<string[]> {
  const exclude = opts.exclude ?? ['pgopt_migrations', 'pgopt_migrations_pkey'];
  const take = async (c: pg.Client): Promise<string[]> => {
    const r = await c.query<{ line: string }>(
      `WITH rels AS (
         SELECT c.oid, n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%'
            AND n.nspname NOT LIKE 'pg_toast_temp%' AND NOT (c.relname = ANY ($1::text[]))
            AND NOT ($2::boolean AND EXISTS (SELECT 1 FROM pg_index x WHERE x.indexrelid = c.oid AND NOT x.indisvalid)))
       SELECT 'rel ' || nspname || '.' || relname || ' ' || relkind::text AS line FROM rels
       UNION ALL
       SELECT 'col ' || r.nspname || '.' || r.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
         FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped WHERE r.relkind IN ('r', 'p', 'v', 'm', 'c')
       UNION ALL
       SELECT 'idx ' || pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' INVALID' END
         FROM pg_index i JOIN rels r ON r.oid = i.indexrelid WHERE $2::boolean IS FALSE OR i.indisvalid
       UNION ALL
       SELECT 'con ' || r.nspname || '.' || r.relname || ' ' || co.conname || ' ' || pg_get_constraintdef(co.oid)
         FROM pg_constraint co JOIN rels r ON r.oid = co.conrelid
       UNION ALL
       SELECT 'type ' || n.nspname || '.' || t.typname || ' ' || t.typtype::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND t.typtype IN ('e', 'd', 'r') 
       UNION ALL
       SELECT 'fn ' || p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
       UNION ALL
       SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg_%' AND nspname <> 'information_schema'
       ORDER BY 1`,
      [exclude, !!opts.validIndexesOnly],
    );
    return r.rows.map((x) => x.line);
  };
  return typeof target === 'string' ? withClient(target, take) : take(target);
}
