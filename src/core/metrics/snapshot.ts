// One monitoring snapshot: a bounded batch of read-only catalog/statistics queries in a single READ ONLY
// transaction (DbSession.readOnly, with its statement timeout), stamped with the *server's* now() so that a
// local clock change never reorders the history. Cost stays flat on big catalogs: relation sizes are
// limited to the top N and statements to the top N by total time.
import { randomUUID } from 'node:crypto';
import type { Capabilities } from '../db/capabilities';
import type { DbSession, QueryRunner } from '../db/session';
import { pgssRelation } from '../analyzers/queries/statements';
import { toolStatementCondition } from '../sql/toolStatements';
import type { CustomMetric } from './customMetrics';
import type { MetricValues } from './metricDefs';

export interface StatementSample {
  queryid: string;
  calls: number;
  totalMs: number;
  /** The normalized text, cut to 200 characters (the full text stays in pg_stat_statements). */
  query: string;
}

export interface RelationSize {
  schema: string;
  name: string;
  /** For an index, the table it belongs to. */
  table?: string;
  bytes: number;
}

/** Per-table vacuum figures (the tables with the most dead rows), for "dead rows growing without an autovacuum". */
export interface TableVacuumSample {
  schema: string;
  name: string;
  dead: number;
  live: number;
  /** pg_stat_user_tables.autovacuum_count: a change between two snapshots means autovacuum ran on it. */
  autovacuumCount: number;
}

export interface ReplicaSample {
  name: string;
  state: string | null;
  replayLagS: number | null;
  lagBytes: number | null;
}

export interface Snapshot {
  schemaVersion: 1;
  /** Random, one per collection: two snapshots taken in the same millisecond that read the same counters (the
   * statistics are flushed about once a second) stay two in the shared store. Absent in older snapshots. */
  id?: string;
  /** Server clock (now() of the snapshot transaction), ISO 8601. */
  takenAt: string;
  /** The same instant in epoch milliseconds. */
  takenAtMs: number;
  database: string;
  serverVersionNum: number;
  /** pg_stat_database.stats_reset: a change means every counter restarted. */
  statsReset: string | null;
  inRecovery: boolean;
  maxConnections: number;
  /** db_size_bytes is estimated from pg_class.relpages (catalogs above 5,000 relations), not pg_database_size. */
  dbSizeEstimated: boolean;
  /** Counters are cumulative server values; see metricDefs.ts for kinds. */
  metrics: MetricValues;
  connectionsByState: Record<string, number>;
  /** Top statements by total time; null when pg_stat_statements is not usable (see statementsUnavailable). */
  statements: StatementSample[] | null;
  statementsUnavailable?: string;
  /** pg_stat_statements entries of pgopt itself, left out of `statements` (absent in older snapshots). */
  toolStatementsLeftOut?: number;
  tables: RelationSize[];
  indexes: RelationSize[];
  replicas: ReplicaSample[];
  /** Tables with the most dead rows; absent in snapshots taken before this was collected. */
  vacuum?: TableVacuumSample[];
  /** Wall time the batch took, measured locally. */
  durationMs: number;
  /** Numbers recorded with the snapshot (pgopt snapshot --metric); charted as gauges `custom:NAME`. */
  custom?: CustomMetric[];
}

export interface SnapshotOptions {
  /** Needed to find pg_stat_statements; without it statements are skipped. */
  caps?: Capabilities;
  topStatements?: number;
  topRelations?: number;
  signal?: AbortSignal;
}

export const DEFAULT_TOP_STATEMENTS = 50;
export const DEFAULT_TOP_RELATIONS = 20;
const XID_SPACE = 2 ** 31;
/** Below this many block accesses a hit ratio says nothing (a fresh or idle database). */
const MIN_BLOCKS_FOR_RATIO = 1000;

interface DatabaseRow {
  taken_at: string;
  taken_ms: number;
  database: string;
  commits: number | null;
  rollbacks: number | null;
  blks_hit: number | null;
  blks_read: number | null;
  temp_bytes: number | null;
  deadlocks: number | null;
  stats_reset: string | null;
  db_size: number;
  db_size_estimated: boolean;
  max_conn: number;
  reserved: number;
  in_recovery: boolean;
  xid_age: number | null;
  standby_lag_s: number | null;
  dead_tuples: number | null;
  oldest_xmin_age: number | null;
  wal_retained_bytes: number | null;
}

interface ActivityRow {
  state: string;
  n: number;
  idle_tx_s: number | null;
  active_s: number | null;
}

export async function collectSnapshot(session: DbSession, opts: SnapshotOptions = {}): Promise<Snapshot> {
  const started = performance.now();
  const snap = await session.readOnly((q) => collectWith(q, session.serverVersionNum, opts), { signal: opts.signal });
  snap.durationMs = Math.round((performance.now() - started) * 10) / 10;
  return snap;
}

/** The batch itself, on any read-only runner (exported for tests and the server-side history). */
export async function collectWith(q: QueryRunner, serverVersionNum: number, opts: SnapshotOptions = {}): Promise<Snapshot> {
  const topRelations = opts.topRelations ?? DEFAULT_TOP_RELATIONS;
  const [db] = await q.query<DatabaseRow>(`
    SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS taken_at,
           floor(extract(epoch FROM now()) * 1000)::float8 AS taken_ms,
           current_database() AS database,
           d.xact_commit::float8 AS commits, d.xact_rollback::float8 AS rollbacks,
           d.blks_hit::float8 AS blks_hit, d.blks_read::float8 AS blks_read,
           d.temp_bytes::float8 AS temp_bytes, d.deadlocks::float8 AS deadlocks,
           d.stats_reset::text AS stats_reset,
           -- pg_database_size stats every file of the database (0.9 s on 10,000 tables + 30,000 indexes): above
           -- 5,000 relations the size is estimated from the catalog's page counts instead.
           CASE WHEN (SELECT count(*) FROM pg_class) <= 5000 THEN pg_database_size(current_database())::float8
                ELSE (SELECT sum(relpages)::float8 * current_setting('block_size')::float8 FROM pg_class) END AS db_size,
           (SELECT count(*) FROM pg_class) > 5000 AS db_size_estimated,
           current_setting('max_connections')::int AS max_conn,
           current_setting('superuser_reserved_connections')::int AS reserved,
           pg_is_in_recovery() AS in_recovery,
           (SELECT max(age(datfrozenxid)) FROM pg_database WHERE datallowconn)::float8 AS xid_age,
           CASE WHEN pg_is_in_recovery() THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END AS standby_lag_s,
           (SELECT coalesce(sum(n_dead_tup), 0) FROM pg_stat_user_tables)::float8 AS dead_tuples,
           greatest(
             (SELECT max(age(backend_xmin)) FROM pg_stat_activity WHERE pid <> pg_backend_pid()),
             (SELECT max(greatest(age(xmin), age(catalog_xmin))) FROM pg_replication_slots),
             (SELECT max(age(transaction)) FROM pg_prepared_xacts))::float8 AS oldest_xmin_age,
           (SELECT coalesce(max(pg_wal_lsn_diff(
                     CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END, restart_lsn)), 0)
              FROM pg_replication_slots WHERE restart_lsn IS NOT NULL)::float8 AS wal_retained_bytes
      FROM pg_stat_database d WHERE d.datname = current_database()`);
  if (!db) throw new Error('pg_stat_database has no row for the current database');

  const activity = await q.query<ActivityRow>(`
    SELECT coalesce(state, 'unknown') AS state, count(*)::int AS n,
           max(extract(epoch FROM now() - state_change))
             FILTER (WHERE state IN ('idle in transaction', 'idle in transaction (aborted)'))::float8 AS idle_tx_s,
           max(extract(epoch FROM now() - query_start)) FILTER (WHERE state = 'active' AND pid <> pg_backend_pid())::float8 AS active_s
      FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1`);

  const replicas = db.in_recovery
    ? []
    : await q.query<{ name: string; state: string | null; replay_lag_s: number | null; lag_bytes: number | null }>(`
        SELECT coalesce(application_name, '') AS name, state, extract(epoch FROM replay_lag)::float8 AS replay_lag_s,
               pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS lag_bytes
          FROM pg_stat_replication ORDER BY replay_lag DESC NULLS LAST LIMIT 20`);

  const vacuum = await q.query<{ schema: string; name: string; dead: number; live: number; autovacuum_count: number }>(
    `SELECT schemaname AS schema, relname AS name, n_dead_tup::float8 AS dead, n_live_tup::float8 AS live,
            autovacuum_count::float8 AS autovacuum_count
       FROM pg_stat_user_tables ORDER BY n_dead_tup DESC, 1, 2 LIMIT $1`,
    [topRelations],
  );

  // Exact sizes read the relation's files (pg_total_relation_size opens every relation and stats its forks):
  // on 10,000 tables that took 3-10 s. So candidates come from the catalog's page counts (pg_class.relpages,
  // kept by VACUUM/ANALYZE/autovacuum) and only the 3N largest candidates are measured exactly.
  const candidates = Math.max(1, topRelations * 3);
  const tables = await q.query<RelationSize>(
    `WITH cand AS MATERIALIZED (
       SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
        ORDER BY c.relpages::bigint + coalesce((SELECT t.relpages FROM pg_class t WHERE t.oid = c.reltoastrelid), 0) DESC
        LIMIT $2)
     SELECT n.nspname AS schema, c.relname AS name, pg_total_relation_size(c.oid)::float8 AS bytes
       FROM cand JOIN pg_class c ON c.oid = cand.oid JOIN pg_namespace n ON n.oid = c.relnamespace
      ORDER BY 3 DESC, 1, 2 LIMIT $1`,
    [topRelations, candidates],
  );
  const indexes = await q.query<RelationSize>(
    `WITH cand AS MATERIALIZED (
       SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'i' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
        ORDER BY c.relpages DESC LIMIT $2)
     SELECT n.nspname AS schema, c.relname AS name, t.relname AS "table", pg_relation_size(c.oid)::float8 AS bytes
       FROM cand JOIN pg_class c ON c.oid = cand.oid JOIN pg_index i ON i.indexrelid = c.oid
       JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      ORDER BY 4 DESC, 1, 2 LIMIT $1`,
    [topRelations, candidates],
  );

  let statements: StatementSample[] | null = null;
  let statementsUnavailable: string | undefined;
  let statementTotals: { calls: number; total_ms: number; tool?: number } | undefined;
  let toolStatementsLeftOut: number | undefined;
  const pgss = opts.caps?.extensions.pg_stat_statements;
  if (opts.caps && pgss?.usable) {
    const totalCol = serverVersionNum >= 130000 ? 'total_exec_time' : 'total_time';
    const rel = pgssRelation(opts.caps);
    const where = `dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`;
    // The stored top statements leave pgopt's own out (in SQL, before the cut); the totals stay those of
    // every entry, so that a reset is still recognised against snapshots of older versions.
    const rows = await q.query<{ queryid: string; calls: number; total_ms: number; query: string }>(
      `SELECT queryid::text AS queryid, sum(calls)::float8 AS calls, sum(${totalCol})::float8 AS total_ms, left(min(query), 200) AS query
         FROM ${rel} WHERE ${where} AND queryid IS NOT NULL AND NOT ${toolStatementCondition('query')} GROUP BY queryid ORDER BY 3 DESC LIMIT $1`,
      [opts.topStatements ?? DEFAULT_TOP_STATEMENTS],
    );
    statements = rows.map((r) => ({ queryid: r.queryid, calls: r.calls, totalMs: r.total_ms, query: r.query }));
    [statementTotals] = await q.query<{ calls: number; total_ms: number; tool: number }>(
      `SELECT coalesce(sum(calls), 0)::float8 AS calls, coalesce(sum(${totalCol}), 0)::float8 AS total_ms,
              count(*) FILTER (WHERE ${toolStatementCondition('query')})::int AS tool
         FROM ${rel} WHERE ${where}`,
    );
    toolStatementsLeftOut = statementTotals?.tool ?? 0;
  } else {
    statementsUnavailable = pgss?.unavailable
      ? `${pgss.unavailable.because}; to enable: ${pgss.unavailable.toEnable}`
      : opts.caps
        ? 'pg_stat_statements is not usable in this database'
        : 'capabilities were not probed';
  }

  const byState: Record<string, number> = {};
  let total = 0;
  let idleTx = 0;
  let idleTxMax: number | null = null;
  let longest: number | null = null;
  for (const a of activity) {
    byState[a.state] = a.n;
    total += a.n;
    if (a.state.startsWith('idle in transaction')) idleTx += a.n;
    if (a.idle_tx_s !== null) idleTxMax = Math.max(idleTxMax ?? 0, a.idle_tx_s);
    if (a.active_s !== null) longest = Math.max(longest ?? 0, a.active_s);
  }
  const usable = Math.max(1, db.max_conn - db.reserved);
  const blocks = (db.blks_hit ?? 0) + (db.blks_read ?? 0);
  const primaryLag = replicas.reduce<number | null>((m, r) => (r.replay_lag_s === null ? m : Math.max(m ?? 0, r.replay_lag_s)), null);
  const metrics: MetricValues = {
    commits: db.commits,
    rollbacks: db.rollbacks,
    blks_hit: db.blks_hit,
    blks_read: db.blks_read,
    temp_bytes: db.temp_bytes,
    deadlocks: db.deadlocks,
    statement_calls: statementTotals?.calls ?? null,
    statement_time_ms: statementTotals?.total_ms ?? null,
    cache_hit_pct: blocks >= MIN_BLOCKS_FOR_RATIO ? round((100 * (db.blks_hit ?? 0)) / blocks, 3) : null,
    db_size_bytes: db.db_size,
    connections: total,
    connections_active: byState.active ?? 0,
    connections_idle_in_tx: idleTx,
    connections_used_pct: round((100 * total) / usable, 2),
    idle_in_tx_max_s: idleTxMax === null ? 0 : round(idleTxMax, 1),
    longest_query_s: longest === null ? 0 : round(longest, 1),
    replication_lag_s: db.in_recovery ? (db.standby_lag_s === null ? null : round(db.standby_lag_s, 3)) : primaryLag,
    wraparound_age: db.xid_age,
    dead_tuples: db.dead_tuples,
    oldest_xmin_age: db.oldest_xmin_age,
    wal_retained_bytes: db.wal_retained_bytes,
    wraparound_headroom_pct: db.xid_age === null ? null : round(100 * (1 - db.xid_age / XID_SPACE), 2),
  };
  return {
    schemaVersion: 1,
    id: randomUUID(),
    takenAt: db.taken_at,
    takenAtMs: Math.round(db.taken_ms),
    database: db.database,
    serverVersionNum,
    statsReset: db.stats_reset,
    inRecovery: db.in_recovery,
    maxConnections: db.max_conn,
    dbSizeEstimated: db.db_size_estimated,
    metrics,
    connectionsByState: byState,
    statements,
    ...(statementsUnavailable ? { statementsUnavailable } : {}),
    ...(toolStatementsLeftOut !== undefined ? { toolStatementsLeftOut } : {}),
    tables: tables.map((t) => ({ schema: t.schema, name: t.name, bytes: t.bytes })),
    indexes: indexes.map((i) => ({ schema: i.schema, name: i.name, table: i.table, bytes: i.bytes })),
    replicas: replicas.map((r) => ({ name: r.name, state: r.state, replayLagS: r.replay_lag_s, lagBytes: r.lag_bytes })),
    vacuum: vacuum.map((v) => ({ schema: v.schema, name: v.name, dead: v.dead, live: v.live, autovacuumCount: v.autovacuum_count })),
    durationMs: 0,
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
