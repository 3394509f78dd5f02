// The shared store's schema (`pgopt` in a database the team chooses), created and upgraded by versioned
// migrations applied with pgopt's own migration runner (migrations/runner.ts): each migration in one
// transaction with its tracking row (pgopt.schema_migrations), one runner at a time. Retention and hourly
// rollups are a server-side function (pgopt.compact), so any writer — CLI, editor, another machine —
// compacts with one statement instead of a client loop.
//
// Checks before anything is written, so a refusal leaves nothing half-done: a schema written by a newer
// pgopt (a version this one does not know) is refused; a missing schema is created only when the caller
// writes (readers never create) and only when the role may create it.
import type pg from 'pg';
import { openClient, ConnectError } from '../db/connect';
import type { ConnectionSpec } from '../db/connectionSpec';
import { describeTarget } from '../db/connectionSpec';
import { migrationChecksum } from '../migrations/checksum';
import { applyMigrations } from '../migrations/runner';
import type { Migration, TrackingTarget } from '../migrations/types';

export const STORE_SCHEMA = 'pgopt';
export const STORE_TRACKING: TrackingTarget = { schema: STORE_SCHEMA, table: 'schema_migrations' };
export const STORE_APPLICATION_NAME = 'pgopt store';

export class PgStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PgStoreError';
  }
}

const V001 = `
CREATE TABLE pgopt.snapshots (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conn text NOT NULL,
  taken_ms bigint NOT NULL,
  uid text NOT NULL UNIQUE,
  body jsonb NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX snapshots_conn_ts ON pgopt.snapshots (conn, taken_ms);
CREATE TABLE pgopt.snapshot_uids (
  uid text PRIMARY KEY,
  conn text NOT NULL,
  taken_ms bigint NOT NULL
);
CREATE TABLE pgopt.points (
  conn text NOT NULL,
  metric text NOT NULL,
  res bigint NOT NULL,
  ts bigint NOT NULL,
  value double precision,
  n integer NOT NULL DEFAULT 1,
  PRIMARY KEY (conn, metric, res, ts)
);
CREATE TABLE pgopt.custom_metrics (
  conn text NOT NULL,
  name text NOT NULL,
  unit text,
  last_ms bigint NOT NULL,
  PRIMARY KEY (conn, name)
);
CREATE TABLE pgopt.alert_state (
  conn text NOT NULL,
  rule_key text NOT NULL,
  since_ms bigint,
  firing boolean NOT NULL,
  updated_ms bigint NOT NULL,
  PRIMARY KEY (conn, rule_key)
);
CREATE TABLE pgopt.alert_episodes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conn text NOT NULL,
  rule_key text NOT NULL,
  severity text NOT NULL,
  message text NOT NULL,
  started_ms bigint NOT NULL,
  fired_ms bigint NOT NULL,
  cleared_ms bigint,
  last_value double precision
);
CREATE UNIQUE INDEX alert_episodes_open ON pgopt.alert_episodes (conn, rule_key) WHERE cleared_ms IS NULL;
CREATE FUNCTION pgopt.compact(raw_hours double precision, rollup_days double precision, counters text[], reference bigint DEFAULT NULL)
RETURNS TABLE (rolled_up bigint, snapshots_deleted bigint, rollups_deleted bigint, reference_ms bigint)
LANGUAGE plpgsql AS $compact$
DECLARE
  ref bigint := reference;
  raw_cut bigint;
  rollup_cut bigint;
BEGIN
  -- Every statement runs through EXECUTE with the /* pgopt */ marker in front: with
  -- pg_stat_statements.track = all, nested statements are recorded too, and they are pgopt's, not the workload.
  -- One compaction at a time; writers go on adding (their points are newer than the cut).
  EXECUTE $q$/* pgopt */ SELECT pg_advisory_xact_lock(hashtextextended('pgopt.compact', 0))$q$;
  IF ref IS NULL THEN
    EXECUTE $q$/* pgopt */ SELECT max(taken_ms) FROM pgopt.snapshots$q$ INTO ref;
  END IF;
  reference_ms := ref;
  rolled_up := 0;
  snapshots_deleted := 0;
  rollups_deleted := 0;
  IF ref IS NULL THEN
    RETURN NEXT;
    RETURN;
  END IF;
  raw_cut := ref - (raw_hours * 3600000)::bigint;
  rollup_cut := ref - (rollup_days * 86400000)::bigint;
  -- Raw points past retention fold into hourly rollups: counters add up, gauges average (weighted by the
  -- samples already in a rollup of the same hour).
  EXECUTE $q$/* pgopt */ WITH moved AS (
    DELETE FROM pgopt.points p WHERE p.res = 0 AND p.ts < $1 RETURNING p.conn, p.metric, p.ts, p.value
  ), grouped AS (
    SELECT m.conn, m.metric, (m.ts / 3600000) * 3600000 AS bucket, sum(m.value) AS total, count(m.value) AS cnt
      FROM moved m GROUP BY 1, 2, 3 HAVING count(m.value) > 0
  ), up AS (
    INSERT INTO pgopt.points AS p (conn, metric, res, ts, value, n)
    SELECT g.conn, g.metric, 3600000, g.bucket, CASE WHEN g.metric = ANY ($2) THEN g.total ELSE g.total / g.cnt END, g.cnt FROM grouped g
    ON CONFLICT (conn, metric, res, ts) DO UPDATE SET
      value = CASE WHEN p.metric = ANY ($2) THEN coalesce(p.value, 0) + EXCLUDED.value
                   ELSE (coalesce(p.value, 0) * p.n + EXCLUDED.value * EXCLUDED.n) / (p.n + EXCLUDED.n) END,
      n = p.n + EXCLUDED.n
    RETURNING 1
  )
  SELECT coalesce(sum(g.cnt), 0)::bigint FROM grouped g$q$ INTO rolled_up USING raw_cut, counters;
  -- Each connection's newest snapshot stays whatever its age: it is the base of the next delta.
  EXECUTE $q$/* pgopt */ DELETE FROM pgopt.snapshots s WHERE s.taken_ms < $1
     AND s.id NOT IN (SELECT DISTINCT ON (k.conn) k.id FROM pgopt.snapshots k ORDER BY k.conn, k.taken_ms DESC, k.id DESC)$q$ USING raw_cut;
  GET DIAGNOSTICS snapshots_deleted = ROW_COUNT;
  EXECUTE $q$/* pgopt */ DELETE FROM pgopt.points p WHERE p.res = 3600000 AND p.ts < $1$q$ USING rollup_cut;
  GET DIAGNOSTICS rollups_deleted = ROW_COUNT;
  -- Which snapshots were ever stored is remembered as long as rollups are kept (an import never re-adds them).
  EXECUTE $q$/* pgopt */ DELETE FROM pgopt.snapshot_uids u WHERE u.taken_ms < $1$q$ USING rollup_cut;
  RETURN NEXT;
END
$compact$;
`;

function builtin(version: string, name: string, upSql: string): Migration {
  return { version, name, format: 'plain', repeatable: false, upPath: `builtin:pgopt-store/${version}_${name}.sql`, upSql, checksum: migrationChecksum(upSql) };
}

/** Every version of the store schema, oldest first. A new version is appended, never edited. */
export const STORE_MIGRATIONS: readonly Migration[] = [builtin('001', 'store', V001)];

const KNOWN = new Set(STORE_MIGRATIONS.map((m) => m.version));

export interface EnsureOptions {
  connectTimeoutMs?: number;
  /** Create or upgrade the schema when needed (writers); readers only check. */
  create: boolean;
}

/** Opens a marked client on the store database; a connect failure is one sentence. */
export async function openStoreClient(spec: ConnectionSpec, connectTimeoutMs?: number): Promise<pg.Client> {
  try {
    return await openClient(spec, { ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}), applicationName: STORE_APPLICATION_NAME });
  } catch (e) {
    if (e instanceof ConnectError) throw new PgStoreError(`cannot reach the shared snapshot store: ${e.message}`);
    throw e;
  }
}

interface SchemaState {
  schemaExists: boolean;
  /** Undefined when the tracking table is missing. */
  applied?: { version: string; success: boolean }[];
  otherTables: number;
  canCreateSchema: boolean;
  canCreateInSchema: boolean;
  role: string;
  database: string;
}

async function readState(c: pg.Client): Promise<SchemaState> {
  const r = (
    await c.query<{ schema_exists: boolean; tracking: boolean; other_tables: number; can_db: boolean; can_schema: boolean; role: string; db: string }>(
      `SELECT n.oid IS NOT NULL AS schema_exists,
              EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid AND c.relname = $2) AS tracking,
              (SELECT count(*)::int FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm')) AS other_tables,
              has_database_privilege(current_database(), 'CREATE') AS can_db,
              CASE WHEN n.oid IS NULL THEN false ELSE has_schema_privilege(n.oid, 'CREATE') END AS can_schema,
              current_user AS role, current_database() AS db
         FROM (SELECT 1) one LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = $1`,
      [STORE_SCHEMA, STORE_TRACKING.table],
    )
  ).rows[0];
  if (!r) throw new PgStoreError('cannot read the catalog of the snapshot store database');
  const state: SchemaState = {
    schemaExists: r.schema_exists,
    otherTables: r.other_tables,
    canCreateSchema: r.can_db,
    canCreateInSchema: r.can_schema,
    role: r.role,
    database: r.db,
  };
  if (r.tracking) {
    state.applied = (await c.query<{ version: string; success: boolean }>(`SELECT version, success FROM pgopt.schema_migrations ORDER BY version`)).rows;
  }
  return state;
}

/** What the state means: ready, needs migrations (which), or a sentence why the store cannot be used. */
function judge(state: SchemaState, where: string, create: boolean): { pending: Migration[] } {
  if (state.schemaExists && !state.applied && state.otherTables > 0) {
    throw new PgStoreError(`schema "${STORE_SCHEMA}" in ${where} exists but is not a pgopt snapshot store (no ${STORE_SCHEMA}.${STORE_TRACKING.table}); refusing to change it`);
  }
  const applied = state.applied ?? [];
  const newer = applied.filter((a) => !KNOWN.has(a.version));
  if (newer.length) {
    const latest = STORE_MIGRATIONS[STORE_MIGRATIONS.length - 1]?.version ?? '?';
    throw new PgStoreError(
      `the snapshot store in ${where} has schema version ${newer.map((a) => a.version).join(', ')}, written by a newer pgopt (this one knows up to ${latest}); upgrade pgopt to use it`,
    );
  }
  const failed = applied.find((a) => !a.success);
  if (failed) throw new PgStoreError(`the snapshot store schema in ${where} has a failed migration ${failed.version}; see ${STORE_SCHEMA}.${STORE_TRACKING.table}`);
  const done = new Set(applied.map((a) => a.version));
  const pending = STORE_MIGRATIONS.filter((m) => !done.has(m.version));
  if (pending.length && !create) {
    throw new PgStoreError(
      applied.length === 0
        ? `there is no pgopt snapshot store in ${where} yet (pgopt snapshot --store URL creates it)`
        : `the snapshot store in ${where} has an older schema; run pgopt snapshot --store URL once to upgrade it`,
    );
  }
  if (pending.length) {
    const may = state.schemaExists ? state.canCreateInSchema : state.canCreateSchema;
    if (!may) {
      throw new PgStoreError(
        state.schemaExists
          ? `role "${state.role}" may not create tables in schema "${STORE_SCHEMA}" of database "${state.database}": GRANT CREATE ON SCHEMA ${STORE_SCHEMA} TO it, or have the schema's owner run pgopt snapshot --store once`
          : `role "${state.role}" may not create the "${STORE_SCHEMA}" schema in database "${state.database}": GRANT CREATE ON DATABASE to it, or have the owner run pgopt snapshot --store once to create it`,
      );
    }
  }
  return { pending };
}

/** 64-bit key for "one store-schema upgrade at a time" (waited for, unlike the runner's try-lock). */
const SETUP_LOCK = "hashtextextended('pgopt store setup', 0)";

/**
 * Makes sure the store schema is there and current (creating/upgrading it when `create`), on `client`'s
 * database. Many processes may start at once: they queue on one advisory lock, and the first one
 * migrates while the others then find the schema ready.
 */
export async function ensureStoreSchema(client: pg.Client, spec: ConnectionSpec, opts: EnsureOptions): Promise<void> {
  const where = `${describeTarget(spec)}`;
  const first = judge(await readState(client), where, opts.create);
  if (first.pending.length === 0) return;
  await client.query(`SET lock_timeout = '60s'`);
  try {
    await client.query(`SELECT pg_advisory_lock(${SETUP_LOCK})`);
  } catch (e) {
    throw new PgStoreError(`another pgopt has been setting up the snapshot store in ${where} for over a minute: ${(e as Error).message}`);
  } finally {
    await client.query('RESET lock_timeout').catch(() => undefined);
  }
  try {
    const again = judge(await readState(client), where, true);
    if (again.pending.length === 0) return;
    const result = await applyMigrations(STORE_MIGRATIONS, {
      connect: () => openClient(spec, { ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}), applicationName: STORE_APPLICATION_NAME }),
      tracking: STORE_TRACKING,
      connectionLabel: where,
      ownStatements: true,
    });
    if (!result.ok) {
      const why = result.blockers?.join('; ') ?? result.failed?.error ?? 'unknown error';
      throw new PgStoreError(`cannot set up the snapshot store schema in ${where}: ${why}`);
    }
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${SETUP_LOCK})`).catch(() => undefined);
  }
}
