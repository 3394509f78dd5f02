// Every metric a snapshot yields, with its kind. A counter is cumulative on the server (pg_stat_database,
// pg_stat_statements): trends and alerts use its per-interval delta; a gauge is used as sampled.
export type MetricKind = 'counter' | 'gauge';
export type MetricUnit = 'count' | 'bytes' | 'percent' | 'seconds' | 'ms';

export interface MetricDef {
  id: string;
  label: string;
  kind: MetricKind;
  unit: MetricUnit;
  help: string;
}

export const METRIC_DEFS = [
  { id: 'commits', label: 'Commits', kind: 'counter', unit: 'count', help: 'pg_stat_database.xact_commit' },
  { id: 'rollbacks', label: 'Rollbacks', kind: 'counter', unit: 'count', help: 'pg_stat_database.xact_rollback' },
  { id: 'blks_hit', label: 'Blocks hit', kind: 'counter', unit: 'count', help: 'pg_stat_database.blks_hit (found in shared buffers)' },
  { id: 'blks_read', label: 'Blocks read', kind: 'counter', unit: 'count', help: 'pg_stat_database.blks_read (read from the OS / disk)' },
  { id: 'temp_bytes', label: 'Temp bytes', kind: 'counter', unit: 'bytes', help: 'pg_stat_database.temp_bytes (sorts/hashes spilled to disk)' },
  { id: 'deadlocks', label: 'Deadlocks', kind: 'counter', unit: 'count', help: 'pg_stat_database.deadlocks' },
  { id: 'statement_calls', label: 'Statement calls', kind: 'counter', unit: 'count', help: 'sum of pg_stat_statements.calls in this database' },
  { id: 'statement_time_ms', label: 'Statement time', kind: 'counter', unit: 'ms', help: 'sum of pg_stat_statements total execution time in this database' },
  { id: 'cache_hit_pct', label: 'Cache hit ratio', kind: 'gauge', unit: 'percent', help: 'blks_hit / (blks_hit + blks_read) since the statistics were reset; unknown below 1,000 blocks' },
  { id: 'db_size_bytes', label: 'Database size', kind: 'gauge', unit: 'bytes', help: 'pg_database_size(current_database())' },
  { id: 'connections', label: 'Connections', kind: 'gauge', unit: 'count', help: 'client backends on the server (pg_stat_activity)' },
  { id: 'connections_active', label: 'Active connections', kind: 'gauge', unit: 'count', help: "client backends in state 'active'" },
  { id: 'connections_idle_in_tx', label: 'Idle in transaction', kind: 'gauge', unit: 'count', help: "client backends in state 'idle in transaction' (or aborted)" },
  { id: 'connections_used_pct', label: 'Connections used', kind: 'gauge', unit: 'percent', help: 'client backends / (max_connections - superuser_reserved_connections)' },
  { id: 'idle_in_tx_max_s', label: 'Longest idle in transaction', kind: 'gauge', unit: 'seconds', help: 'age of the oldest transaction whose session sits idle' },
  { id: 'longest_query_s', label: 'Longest running query', kind: 'gauge', unit: 'seconds', help: 'age of the oldest active query (other than pgopt itself)' },
  { id: 'replication_lag_s', label: 'Replication lag', kind: 'gauge', unit: 'seconds', help: 'standby: now() - pg_last_xact_replay_timestamp(); primary: the largest replay_lag in pg_stat_replication; unknown without replication' },
  { id: 'wraparound_age', label: 'Transaction ID age', kind: 'gauge', unit: 'count', help: 'max age(datfrozenxid) over the databases' },
  { id: 'dead_tuples', label: 'Dead rows', kind: 'gauge', unit: 'count', help: 'sum of pg_stat_user_tables.n_dead_tup in this database (what VACUUM has yet to remove)' },
  { id: 'oldest_xmin_age', label: 'Oldest xmin age', kind: 'gauge', unit: 'count', help: 'age in transactions of the oldest xmin held by a session, prepared transaction, replication slot or standby (what VACUUM may not clean past)' },
  { id: 'wal_retained_bytes', label: 'WAL retained by slots', kind: 'gauge', unit: 'bytes', help: 'WAL kept for the replication slot furthest behind: current WAL position minus its restart_lsn; 0 without slots' },
  { id: 'wraparound_headroom_pct', label: 'Wraparound headroom', kind: 'gauge', unit: 'percent', help: 'share of the 2^31 transaction ID space still before wraparound' },
] as const satisfies readonly MetricDef[];

export type MetricId = (typeof METRIC_DEFS)[number]['id'];
export type MetricValues = Partial<Record<MetricId, number | null>>;

const BY_ID = new Map<string, MetricDef>(METRIC_DEFS.map((d) => [d.id, d]));

export function metricDef(id: string): MetricDef | undefined {
  return BY_ID.get(id);
}

export function isMetricId(id: string): id is MetricId {
  return BY_ID.has(id);
}
