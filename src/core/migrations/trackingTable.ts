// The tracking table (default public.pgopt_migrations): one row per migration, written in the same
// transaction as the migration itself. Created on the first write only; status never creates it. Status
// can also read another tool's table (golang-migrate/dbmate schema_migrations, flyway_schema_history)
// without writing to it.
import type { QueryRunner } from '../db/session';
import { qualifiedName, quoteLiteral } from '../sql/quote';
import { TOOL_MARKER } from '../sql/toolStatements';
import { normalizeVersion } from './versions';
import type { AppliedRow, StatementLog, TrackingSource, TrackingTarget } from './types';

export function trackingTableName(t: TrackingTarget): string {
  return qualifiedName(t.schema, t.table);
}

/** `withSchema`: also create the schema (only when it is missing: CREATE SCHEMA IF NOT EXISTS still needs CREATE on the database). */
export function createTrackingTableSql(t: TrackingTarget, withSchema = false): string {
  return `${withSchema ? `CREATE SCHEMA IF NOT EXISTS ${qualifiedName(undefined, t.schema)};\n${TOOL_MARKER} ` : ''}CREATE TABLE IF NOT EXISTS ${trackingTableName(t)} (
  version text PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  up_sql text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  applied_by text NOT NULL DEFAULT current_user,
  duration_ms integer,
  success boolean NOT NULL,
  log jsonb NOT NULL DEFAULT '{}'::jsonb
)`;
}

async function tableColumns(q: QueryRunner, schema: string, table: string): Promise<string[] | undefined> {
  const rows = await q.query<{ attname: string }>(
    `SELECT a.attname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') ORDER BY a.attnum`,
    [schema, table],
  );
  return rows.length ? rows.map((r) => r.attname) : undefined;
}

export async function schemaExists(q: QueryRunner, schema: string): Promise<boolean> {
  return (await q.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [schema])).length > 0;
}

export async function trackingTableExists(q: QueryRunner, t: TrackingTarget): Promise<boolean> {
  return (await tableColumns(q, t.schema, t.table)) !== undefined;
}

export interface TrackingRead {
  source: TrackingSource;
  table?: string;
  readOnly: boolean;
  rows: AppliedRow[];
}

/** Reads pgopt's table when it exists, else another tool's table found in the same schema, else nothing. */
export async function readTracking(q: QueryRunner, t: TrackingTarget, prefer: TrackingSource | 'auto' = 'auto'): Promise<TrackingRead> {
  if (prefer === 'auto' || prefer === 'pgopt') {
    if (await trackingTableExists(q, t)) return { source: 'pgopt', table: `${t.schema}.${t.table}`, readOnly: false, rows: await readPgoptRows(q, t) };
    if (prefer === 'pgopt') return { source: 'none', readOnly: false, rows: [] };
  }
  const sm = await tableColumns(q, t.schema, 'schema_migrations');
  if (sm && (prefer === 'auto' || prefer === 'golang-migrate' || prefer === 'dbmate')) {
    const golang = sm.includes('dirty');
    const table = qualifiedName(t.schema, 'schema_migrations');
    const rows = await q.query<{ version: string; dirty?: boolean }>(`SELECT version::text AS version${golang ? ', dirty' : ''} FROM ${table}`);
    return {
      source: golang ? 'golang-migrate' : 'dbmate',
      table: `${t.schema}.schema_migrations`,
      readOnly: true,
      // golang-migrate keeps only the latest version (and a dirty flag); dbmate one row per migration.
      rows: rows.map((r) => foreignRow(r.version, golang ? !r.dirty : true, golang ? { dirty: !!r.dirty } : {})),
    };
  }
  const fw = await tableColumns(q, t.schema, 'flyway_schema_history');
  if (fw && (prefer === 'auto' || prefer === 'flyway')) {
    const rows = await q.query<{ version: string | null; description: string; type: string; script: string; checksum: number | null; installed_by: string; installed_on: Date; execution_time: number; success: boolean }>(
      `SELECT version, description, type, script, checksum, installed_by, installed_on, execution_time, success
         FROM ${qualifiedName(t.schema, 'flyway_schema_history')} WHERE type <> 'SCHEMA' AND type <> 'BASELINE' ORDER BY installed_rank`,
    );
    // A repeatable migration appears once per re-apply: the last row wins.
    const byVersion = new Map<string, AppliedRow>();
    for (const r of rows) {
      const version = r.version ? normalizeVersion(r.version) : `R__${r.script.replace(/^R__/, '').replace(/\.sql$/, '')}`;
      if (r.type === 'UNDO_SQL') {
        byVersion.delete(version);
        continue;
      }
      byVersion.set(version, {
        version,
        name: r.description,
        checksum: r.checksum === null ? undefined : `crc32:${r.checksum}`,
        appliedAt: r.installed_on?.toISOString(),
        appliedBy: r.installed_by,
        durationMs: r.execution_time,
        success: r.success,
        log: undefined,
        upSql: undefined,
      });
    }
    return { source: 'flyway', table: `${t.schema}.flyway_schema_history`, readOnly: true, rows: [...byVersion.values()] };
  }
  return { source: 'none', readOnly: false, rows: [] };
}

function foreignRow(version: string, success: boolean, extra: Partial<AppliedRow>): AppliedRow {
  return { version: normalizeVersion(version), name: '', checksum: undefined, appliedAt: undefined, appliedBy: undefined, durationMs: undefined, success, log: undefined, upSql: undefined, ...extra };
}

export async function readPgoptRows(q: QueryRunner, t: TrackingTarget): Promise<AppliedRow[]> {
  const rows = await q.query<{ version: string; name: string; checksum: string; up_sql: string; applied_at: Date; applied_by: string; duration_ms: number | null; success: boolean; log: StatementLog | Record<string, never> }>(
    `SELECT version, name, checksum, up_sql, applied_at, applied_by, duration_ms, success, log FROM ${trackingTableName(t)}`,
  );
  return rows.map((r) => ({
    version: r.version,
    name: r.name,
    checksum: r.checksum,
    appliedAt: r.applied_at?.toISOString(),
    appliedBy: r.applied_by,
    durationMs: r.duration_ms ?? undefined,
    success: r.success,
    log: r.log && 'mode' in r.log ? (r.log as StatementLog) : undefined,
    upSql: r.up_sql,
  }));
}

function upsertSql(t: TrackingTarget, v: readonly string[]): string {
  return `INSERT INTO ${trackingTableName(t)} (version, name, checksum, up_sql, applied_at, applied_by, duration_ms, success, log)
   VALUES (${v[0]}, ${v[1]}, ${v[2]}, ${v[3]}, now(), ${v[4]}, ${v[5]}, ${v[6]}, ${v[7]}::jsonb)
   ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, checksum = EXCLUDED.checksum, up_sql = EXCLUDED.up_sql,
     applied_at = EXCLUDED.applied_at, applied_by = EXCLUDED.applied_by, duration_ms = EXCLUDED.duration_ms,
     success = EXCLUDED.success, log = EXCLUDED.log`;
}

/** Parameters: version, name, checksum, up_sql, applied_by, duration_ms, success, log (JSON text). */
export const UPSERT_ROW_SQL = (t: TrackingTarget): string => upsertSql(t, ['$1', '$2', '$3', '$4', '$5', '$6', '$7', '$8']);

/** UPSERT_ROW_SQL with the same parameters inlined as quoted literals, so it can share a round trip with COMMIT. */
export function upsertRowLiteralSql(t: TrackingTarget, params: readonly unknown[]): string {
  const lit = (v: unknown): string =>
    v === null || v === undefined ? 'NULL' : typeof v === 'boolean' ? String(v) : typeof v === 'number' && Number.isFinite(v) ? String(Math.round(v)) : quoteLiteral(String(v));
  return upsertSql(t, params.slice(0, 8).map(lit));
}

export const UPDATE_LOG_SQL = (t: TrackingTarget): string =>
  `UPDATE ${trackingTableName(t)} SET log = $2::jsonb, success = $3, duration_ms = $4 WHERE version = $1`;

export const DELETE_ROW_SQL = (t: TrackingTarget): string => `DELETE FROM ${trackingTableName(t)} WHERE version = $1`;
