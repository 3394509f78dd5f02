// Before a write: does the role have the privileges it needs? Checked with has_*_privilege() so the user hears
// exactly which privilege is missing (in the wording of errorSentences.ts) before anything is written, instead
// of a failure half-way. Today: what the migration runner needs for its tracking table.
import { explainPrivilegeError } from './errorSentences';
import type { QueryRunner } from './session';
import { TOOL_MARKER } from '../sql/toolStatements';

interface Row {
  role: string;
  db: string;
  schema_exists: boolean;
  db_create: boolean;
  schema_usage: boolean | null;
  schema_create: boolean | null;
  table_exists: boolean;
  table_rw: boolean | null;
}

/**
 * The missing privilege for running migrations with tracking table `schema.table`, as one sentence, or undefined
 * when the role has what the runner needs (CREATE on the schema while the table is missing, else SELECT, INSERT,
 * UPDATE and DELETE on it). The migrations' own statements are not predicted here: their errors are explained
 * when they happen, and the runner stops there.
 */
export async function missingMigrationPrivilege(q: QueryRunner, tracking: { schema: string; table: string }): Promise<string | undefined> {
  const [r] = await q.query<Row>(
    `${TOOL_MARKER} SELECT current_user AS role, current_database() AS db,
       n.oid IS NOT NULL AS schema_exists,
       has_database_privilege(current_database(), 'CREATE') AS db_create,
       CASE WHEN n.oid IS NOT NULL THEN has_schema_privilege(n.oid, 'USAGE') END AS schema_usage,
       CASE WHEN n.oid IS NOT NULL THEN has_schema_privilege(n.oid, 'CREATE') END AS schema_create,
       c.oid IS NOT NULL AS table_exists,
       CASE WHEN c.oid IS NOT NULL THEN has_table_privilege(c.oid, 'SELECT') AND has_table_privilege(c.oid, 'INSERT') AND has_table_privilege(c.oid, 'UPDATE') AND has_table_privilege(c.oid, 'DELETE') END AS table_rw
     FROM (SELECT 1) one
     LEFT JOIN pg_namespace n ON n.nspname = $1
     LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = $2`,
    [tracking.schema, tracking.table],
  );
  if (!r) return undefined;
  const say = (message: string, sql?: string): string | undefined => explainPrivilegeError({ code: '42501', message }, r.role, sql);
  if (!r.schema_exists) return r.db_create ? undefined : say(`permission denied for database ${r.db}`, 'CREATE SCHEMA');
  if (!r.schema_usage) return say(`permission denied for schema ${tracking.schema}`, 'SELECT');
  if (!r.table_exists) return r.schema_create ? undefined : say(`permission denied for schema ${tracking.schema}`, 'CREATE TABLE');
  return r.table_rw ? undefined : say(`permission denied for table ${tracking.table}`, 'INSERT');
}
