// Health checks, PgHero-style. Each check = one catalog query (fetch) + a pure assessment of its rows
// (assess*), so the thresholds are unit-tested without a server and the SQL is tested on a real one.
import { DATABASE_SIZE_SQL, LARGE_CATALOG_RELATIONS, SIZES_ESTIMATED_SQL } from '../catalogSize';
import { formatBytes, formatCount, formatDuration, formatPercent } from '../../format';
import type { Metric, ReportFinding, ReportTable, Status, Unavailable } from '../../report/model';
import { qualifiedName, quoteIdent } from '../../sql/quote';
import type { QueryRunner } from '../../db/session';
import type { Capabilities } from '../../db/capabilities';
import type { Check, CheckResult } from '../check';

export type { CheckResult };

export type HealthCheck = Check<Capabilities>;

const SYSTEM_SCHEMAS = `('pg_catalog', 'information_schema', 'pg_toast')`;

// ---------------------------------------------------------------- overview
interface OverviewRow {
  version: string;
  uptime_s: number | null;
  db_size: string;
  db_size_estimated: boolean;
  max_connections: number;
  reserved: number;
}

export const overviewCheck: HealthCheck = {
  id: 'overview',
  async run(q) {
    const [r] = await q.query<OverviewRow>(`
      SELECT current_setting('server_version') AS version,
             extract(epoch FROM now() - pg_postmaster_start_time())::float8 AS uptime_s,
             ${DATABASE_SIZE_SQL}::text AS db_size, ${SIZES_ESTIMATED_SQL} AS db_size_estimated,
             current_setting('max_connections')::int AS max_connections,
             current_setting('superuser_reserved_connections')::int AS reserved`);
    if (!r) return {};
    const size = Number(r.db_size);
    return {
      metrics: [
        { id: 'version', label: 'Server version', value: r.version, display: `PostgreSQL ${r.version}` },
        { id: 'uptime', label: 'Uptime', value: r.uptime_s, display: formatDuration(r.uptime_s), help: 'Statistics since start-up or the last reset.' },
        {
          id: 'database-size',
          label: 'Database size',
          value: size,
          display: r.db_size_estimated ? `≈ ${formatBytes(size)}` : formatBytes(size),
          ...(r.db_size_estimated ? { help: `Estimated from the page counts in pg_class (above ${formatCount(LARGE_CATALOG_RELATIONS)} relations, measuring every file costs seconds).` } : {}),
        },
      ],
    };
  },
};

// ---------------------------------------------------------------- cache hit ratio
export interface CacheRow {
  kind: 'tables' | 'indexes';
  hit: number;
  read: number;
}

/** Below this many block requests the ratio says nothing. */
export const CACHE_MIN_BLOCKS = 1000;

export function assessCacheHit(rows: CacheRow[]): CheckResult {
  const metrics: Metric[] = [];
  const findings: ReportFinding[] = [];
  for (const kind of ['tables', 'indexes'] as const) {
    const r = rows.find((x) => x.kind === kind) ?? { kind, hit: 0, read: 0 };
    const total = r.hit + r.read;
    const label = `Cache hit ratio (${kind})`;
    if (total < CACHE_MIN_BLOCKS) {
      metrics.push({ id: `cache-hit-${kind}`, label, value: null, display: `not enough activity (${formatCount(total)} block reads)`, status: 'ok' });
      continue;
    }
    const ratio = r.hit / total;
    const status: Status = ratio < 0.9 ? 'error' : ratio < 0.99 ? 'warning' : 'ok';
    metrics.push({ id: `cache-hit-${kind}`, label, value: ratio, display: formatPercent(ratio, 2), status, help: 'Share of block requests served from shared_buffers. OLTP databases should stay above 99 %.' });
    if (status !== 'ok') {
      findings.push({
        id: 'health.cache-hit-ratio',
        severity: status,
        title: `Low ${kind} cache hit ratio: ${formatPercent(ratio, 2)}`,
        detail: `${formatCount(r.read)} of ${formatCount(total)} ${kind === 'tables' ? 'heap' : 'index'} block requests since the last statistics reset went to disk or the OS cache.`,
        action: 'Check that the working set fits in shared_buffers (usually ~25 % of RAM), and look for sequential scans of large tables in the slow query list.',
      });
    }
  }
  return { metrics, findings };
}

export const cacheHitCheck: HealthCheck = {
  id: 'cache-hit',
  async run(q) {
    const rows = await q.query<CacheRow>(`
      SELECT 'tables' AS kind, COALESCE(sum(heap_blks_hit), 0)::float8 AS hit, COALESCE(sum(heap_blks_read), 0)::float8 AS read
        FROM pg_statio_user_tables
      UNION ALL
      SELECT 'indexes', COALESCE(sum(idx_blks_hit), 0)::float8, COALESCE(sum(idx_blks_read), 0)::float8
        FROM pg_statio_user_indexes`);
    return assessCacheHit(rows);
  },
};

// ---------------------------------------------------------------- connections
export interface ConnectionStateRow {
  state: string;
  count: number;
  oldest_s: number | null;
}

export function assessConnections(rows: ConnectionStateRow[], maxConnections: number, reserved: number): CheckResult {
  const total = rows.reduce((a, r) => a + r.count, 0);
  const usable = Math.max(1, maxConnections - reserved);
  const ratio = total / usable;
  const status: Status = ratio >= 0.95 ? 'error' : ratio >= 0.8 ? 'warning' : 'ok';
  const findings: ReportFinding[] = [];
  if (status !== 'ok') {
    findings.push({
      id: 'health.connections-near-limit',
      severity: status,
      title: `${total} of ${usable} usable connections in use (${formatPercent(ratio, 0)})`,
      detail: `max_connections is ${maxConnections} with ${reserved} reserved for superusers. New clients will be refused when the limit is reached.`,
      action: 'Put a connection pooler (PgBouncer) in front, shrink application pool sizes, or close idle sessions.',
    });
  }
  const idleTx = rows.find((r) => r.state === 'idle in transaction');
  if (idleTx && idleTx.count > 0 && (idleTx.oldest_s ?? 0) >= 300) {
    findings.push({
      id: 'health.idle-in-transaction',
      severity: 'warning',
      title: `${idleTx.count} session${idleTx.count > 1 ? 's' : ''} idle in transaction, oldest ${formatDuration(idleTx.oldest_s)}`,
      detail: 'A transaction left open holds its locks and stops VACUUM from removing dead rows anywhere in the database.',
      action: 'Fix the client that leaves transactions open; set idle_in_transaction_session_timeout as a safety net.',
    });
  }
  return {
    metrics: [
      { id: 'connections', label: 'Connections', value: total, display: `${total} / ${usable} (${formatPercent(ratio, 0)})`, status },
    ],
    findings,
    tables: [
      {
        id: 'connections-by-state',
        title: 'Client connections by state',
        columns: [
          { key: 'state', label: 'State' },
          { key: 'count', label: 'Sessions', numeric: true },
          { key: 'oldest', label: 'Oldest in this state' },
        ],
        rows: rows.map((r) => ({ state: r.state, count: r.count, oldest: formatDuration(r.oldest_s) })),
        emptyText: 'No client sessions.',
      },
    ],
  };
}

export const connectionsCheck: HealthCheck = {
  id: 'connections',
  async run(q) {
    const rows = await q.query<ConnectionStateRow>(`
      SELECT COALESCE(state, 'unknown') AS state, count(*)::int AS count,
             extract(epoch FROM max(now() - state_change))::float8 AS oldest_s
        FROM pg_stat_activity
       WHERE backend_type = 'client backend'
       GROUP BY 1 ORDER BY 2 DESC`);
    const [limits] = await q.query<{ max: number; reserved: number }>(
      `SELECT current_setting('max_connections')::int AS max, current_setting('superuser_reserved_connections')::int AS reserved`,
    );
    return assessConnections(rows, limits?.max ?? 100, limits?.reserved ?? 3);
  },
};

// ---------------------------------------------------------------- transaction-ID wraparound
export interface WraparoundRow {
  datname: string;
  xid_age: number;
  mxid_age: number;
  freeze_max_age: number;
}

/** Postgres refuses new XIDs ~2^31 transactions after the oldest unfrozen one. */
export const XID_LIMIT = 2 ** 31;

export function assessWraparound(rows: WraparoundRow[]): CheckResult {
  const findings: ReportFinding[] = [];
  const tableRows = rows.map((r) => {
    const age = Math.max(r.xid_age, r.mxid_age);
    const headroom = 1 - age / XID_LIMIT;
    const status: Status = headroom < 0.2 ? 'error' : headroom < 0.5 ? 'warning' : 'ok';
    if (status !== 'ok') {
      findings.push({
        id: 'health.xid-wraparound',
        severity: status,
        title: `Database ${r.datname}: ${formatPercent(headroom, 0)} transaction-ID headroom left`,
        detail: `The oldest unfrozen ${r.xid_age >= r.mxid_age ? 'transaction ID' : 'multixact ID'} is ${formatCount(age)} old; at ${formatCount(XID_LIMIT)} the server stops accepting writes. autovacuum_freeze_max_age is ${formatCount(r.freeze_max_age)}.`,
        action: 'Find what blocks freezing (long transactions, abandoned replication slots, prepared transactions) and run VACUUM (FREEZE) on the oldest tables.',
        object: { kind: 'database', name: r.datname },
      });
    }
    return { database: r.datname, xid_age: r.xid_age, mxid_age: r.mxid_age, headroom: formatPercent(headroom, 1) };
  });
  const minHeadroom = rows.length ? Math.min(...rows.map((r) => 1 - Math.max(r.xid_age, r.mxid_age) / XID_LIMIT)) : null;
  return {
    metrics: [
      {
        id: 'xid-headroom',
        label: 'Wraparound headroom (worst database)',
        value: minHeadroom,
        display: formatPercent(minHeadroom, 1),
        status: minHeadroom === null ? 'ok' : minHeadroom < 0.2 ? 'error' : minHeadroom < 0.5 ? 'warning' : 'ok',
      },
    ],
    findings,
    tables: [
      {
        id: 'wraparound',
        title: 'Transaction-ID age per database',
        columns: [
          { key: 'database', label: 'Database' },
          { key: 'xid_age', label: 'XID age', numeric: true },
          { key: 'mxid_age', label: 'Multixact age', numeric: true },
          { key: 'headroom', label: 'Headroom' },
        ],
        rows: tableRows,
        emptyText: 'No databases accept connections.',
      },
    ],
  };
}

export const wraparoundCheck: HealthCheck = {
  id: 'wraparound',
  async run(q) {
    const rows = await q.query<WraparoundRow>(`
      SELECT datname, age(datfrozenxid)::float8 AS xid_age, mxid_age(datminmxid)::float8 AS mxid_age,
             current_setting('autovacuum_freeze_max_age')::float8 AS freeze_max_age
        FROM pg_database WHERE datallowconn ORDER BY 2 DESC`);
    return assessWraparound(rows);
  },
};

// ---------------------------------------------------------------- sequences near exhaustion
export interface SequenceRow {
  schema: string;
  sequence: string;
  last_value: string | null;
  min_value: string;
  max_value: string;
  increment_by: string;
  data_type: string;
  owner_table: string | null;
  owner_schema: string | null;
  owner_column: string | null;
  column_type: string | null;
}

const TYPE_MAX: Record<string, bigint> = {
  smallint: 32767n,
  integer: 2147483647n,
  bigint: 9223372036854775807n,
};

/** Fraction of the usable range consumed, limited by the owning column's type when it is narrower. */
export function sequenceUsage(r: SequenceRow): { used: number; limit: bigint; limitedBy: 'sequence' | 'column' } | null {
  if (r.last_value === null) return null;
  const last = BigInt(r.last_value);
  const inc = BigInt(r.increment_by);
  const min = BigInt(r.min_value);
  let max = BigInt(r.max_value);
  let limitedBy: 'sequence' | 'column' = 'sequence';
  const colMax = r.column_type ? TYPE_MAX[r.column_type] : undefined;
  if (inc > 0n && colMax !== undefined && colMax < max) {
    max = colMax;
    limitedBy = 'column';
  }
  if (inc > 0n) {
    const span = max - min;
    if (span <= 0n) return null;
    return { used: Number(((last - min) * 1_000_000n) / span) / 1_000_000, limit: max, limitedBy };
  }
  const span = max - min;
  if (span <= 0n) return null;
  return { used: Number(((max - last) * 1_000_000n) / span) / 1_000_000, limit: min, limitedBy };
}

/** Sequences at or above this share of their range are listed (and fetched: sequencesCheck). */
export const SEQUENCE_REPORT_ABOVE = 0.5;

export function assessSequences(rows: SequenceRow[], reportAbove = SEQUENCE_REPORT_ABOVE): CheckResult {
  const findings: ReportFinding[] = [];
  const scored = rows
    .map((r) => ({ r, u: sequenceUsage(r) }))
    .filter((x): x is { r: SequenceRow; u: NonNullable<ReturnType<typeof sequenceUsage>> } => x.u !== null)
    .sort((a, b) => b.u.used - a.u.used);
  for (const { r, u } of scored) {
    if (u.used < 0.75) break;
    const severity = u.used >= 0.9 ? 'error' : 'warning';
    const owner = r.owner_table ? `${r.owner_schema}.${r.owner_table}.${r.owner_column}` : undefined;
    findings.push({
      id: 'health.sequence-exhaustion',
      severity,
      title: `Sequence ${r.schema}.${r.sequence} has used ${formatPercent(u.used, 1)} of its range`,
      detail:
        u.limitedBy === 'column'
          ? `It feeds ${owner} of type ${r.column_type}, which overflows at ${u.limit.toString()} even though the sequence itself could go further.`
          : `It stops at ${u.limit.toString()}${owner ? ` and feeds ${owner}` : ''}; nextval() then fails and inserts stop.`,
      action: owner && r.column_type !== 'bigint'
        ? `Change ${owner} to bigint (a table rewrite: plan it, or migrate via a new column) and ALTER SEQUENCE ${qualifiedName(r.schema, r.sequence)} AS bigint.`
        : `ALTER SEQUENCE ${qualifiedName(r.schema, r.sequence)} AS bigint MAXVALUE 9223372036854775807;`,
      object: { kind: 'sequence', schema: r.schema, name: r.sequence },
    });
  }
  const listed = scored.filter((x) => x.u.used >= reportAbove).slice(0, 50);
  return {
    metrics: [
      {
        id: 'sequences-worst',
        label: 'Most used sequence',
        value: scored[0]?.u.used ?? null,
        display: scored[0] ? `${formatPercent(scored[0].u.used, 1)} (${scored[0].r.schema}.${scored[0].r.sequence})` : 'no sequences in use',
        status: scored[0] ? (scored[0].u.used >= 0.9 ? 'error' : scored[0].u.used >= 0.75 ? 'warning' : 'ok') : 'ok',
      },
    ],
    findings,
    tables: [
      {
        id: 'sequences',
        title: `Sequences above ${formatPercent(reportAbove, 0)} of their range`,
        columns: [
          { key: 'sequence', label: 'Sequence' },
          { key: 'owner', label: 'Feeds column' },
          { key: 'used', label: 'Used' },
          { key: 'limit', label: 'Limit' },
        ],
        rows: listed.map(({ r, u }) => ({
          sequence: `${r.schema}.${r.sequence}`,
          owner: r.owner_table ? `${r.owner_schema}.${r.owner_table}.${r.owner_column} (${r.column_type})` : '',
          used: formatPercent(u.used, 1),
          limit: `${u.limit.toString()} (${u.limitedBy})`,
        })),
        emptyText: `No sequence is above ${formatPercent(reportAbove, 0)} of its range.`,
      },
    ],
  };
}

export const sequencesCheck: HealthCheck = {
  id: 'sequences',
  async run(q) {
    // Usage computed in the server (as sequenceUsage does, the owning column's type bounding it): only the
    // sequences the report can show (at or near REPORT_ABOVE) and the most used one come back, with their
    // names and types; on 10,000 sequences every row with its owner's format_type cost most of a second.
    // last_value as pg_sequences gives it (NULL without the privilege, or before the first nextval).
    const rows = await q.query<SequenceRow>(`
      WITH s AS (
        SELECT c.oid, c.relnamespace, c.relname, sq.seqmin, sq.seqmax, sq.seqincrement, sq.seqtypid,
               CASE WHEN has_sequence_privilege(c.oid, 'SELECT,USAGE') THEN pg_sequence_last_value(c.oid) END AS last_value,
               own.refobjid AS owner_oid, own.refobjsubid AS owner_attnum,
               CASE own.atttypid WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype THEN 2147483647 WHEN 'int8'::regtype THEN 9223372036854775807 END AS colmax
          FROM pg_sequence sq
          JOIN pg_class c ON c.oid = sq.seqrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          LEFT JOIN LATERAL (
            SELECT d.refobjid, d.refobjsubid, a.atttypid FROM pg_depend d
              JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
             WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
               AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
             LIMIT 1) own ON true
         WHERE n.nspname NOT IN ${SYSTEM_SCHEMAS} AND NOT pg_is_other_temp_schema(n.oid)
      ), u AS (
        SELECT s.*, CASE WHEN s.seqincrement > 0 AND s.colmax IS NOT NULL AND s.colmax < s.seqmax THEN s.colmax ELSE s.seqmax END AS top
          FROM s WHERE s.last_value IS NOT NULL
      ), used AS (
        SELECT u.*, CASE WHEN u.seqincrement > 0 THEN (u.last_value - u.seqmin)::numeric / nullif(greatest(u.top::numeric - u.seqmin, 0), 0)
                         ELSE (u.seqmax - u.last_value)::numeric / nullif(greatest(u.seqmax::numeric - u.seqmin, 0), 0) END AS used
          FROM u
      ), shown AS (
        SELECT * FROM used WHERE used >= ${SEQUENCE_REPORT_ABOVE - 0.001}
        UNION
        (SELECT * FROM used WHERE used IS NOT NULL ORDER BY used DESC LIMIT 1)
      )
      SELECT n.nspname AS schema, sh.relname AS sequence, sh.last_value::text AS last_value,
             sh.seqmin::text AS min_value, sh.seqmax::text AS max_value, sh.seqincrement::text AS increment_by,
             format_type(sh.seqtypid, NULL) AS data_type,
             t.relname AS owner_table, tn.nspname AS owner_schema, a.attname AS owner_column,
             format_type(a.atttypid, NULL) AS column_type
        FROM shown sh
        JOIN pg_namespace n ON n.oid = sh.relnamespace
        LEFT JOIN pg_class t ON t.oid = sh.owner_oid
        LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
        LEFT JOIN pg_attribute a ON a.attrelid = sh.owner_oid AND a.attnum = sh.owner_attnum
       ORDER BY sh.oid`);
    return assessSequences(rows);
  },
};

// ---------------------------------------------------------------- invalid indexes
export interface InvalidIndexRow {
  schema: string;
  index: string;
  table: string;
  size: string;
  definition: string;
  building: boolean;
}

export function assessInvalidIndexes(rows: InvalidIndexRow[], serverVersionNum: number): CheckResult {
  const findings: ReportFinding[] = rows
    .filter((r) => !r.building)
    .map((r) => ({
      id: 'health.invalid-index',
      severity: 'warning' as const,
      title: `Invalid index ${r.schema}.${r.index} on ${r.table}`,
      detail: `A failed CREATE INDEX CONCURRENTLY (or REINDEX) left it INVALID: the planner never uses it, but every write still maintains it (${formatBytes(Number(r.size))}). Definition: ${r.definition}`,
      action: 'Rebuild it, or drop it if it is not needed.',
      sql:
        serverVersionNum >= 120000
          ? `REINDEX INDEX CONCURRENTLY ${qualifiedName(r.schema, r.index)};`
          : `DROP INDEX CONCURRENTLY IF EXISTS ${qualifiedName(r.schema, r.index)};\n${r.definition.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX CONCURRENTLY ')};`,
      object: { kind: 'index', schema: r.schema, name: r.index, table: r.table },
    }));
  const building = rows.filter((r) => r.building).length;
  return {
    metrics: [
      {
        id: 'invalid-indexes',
        label: 'Invalid indexes',
        value: findings.length,
        display: `${findings.length}${building ? ` (+${building} being built now)` : ''}`,
        status: findings.length ? 'warning' : 'ok',
      },
    ],
    findings,
  };
}

export const invalidIndexesCheck: HealthCheck = {
  id: 'invalid-indexes',
  async run(q, caps) {
    const rows = await q.query<InvalidIndexRow>(`
      SELECT n.nspname AS schema, c.relname AS index, t.relname AS table,
             pg_relation_size(c.oid)::text AS size, pg_get_indexdef(c.oid) AS definition,
             EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = c.oid) AS building
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE NOT i.indisvalid AND n.nspname NOT IN ${SYSTEM_SCHEMAS}
       ORDER BY 1, 2`);
    return assessInvalidIndexes(rows, caps.serverVersionNum);
  },
};

// ---------------------------------------------------------------- NOT VALID constraints
export interface NotValidRow {
  schema: string;
  table: string;
  constraint: string;
  contype: string;
  definition: string;
}

const CONTYPE: Record<string, string> = { c: 'CHECK', f: 'FOREIGN KEY', n: 'NOT NULL', u: 'UNIQUE', p: 'PRIMARY KEY', x: 'EXCLUDE' };

export function assessNotValid(rows: NotValidRow[]): CheckResult {
  const findings: ReportFinding[] = rows.map((r) => ({
    id: 'health.not-valid-constraint',
    severity: 'info',
    title: `${CONTYPE[r.contype] ?? r.contype} constraint ${r.constraint} on ${r.schema}.${r.table} is NOT VALID`,
    detail: `New rows are checked, but existing rows were never verified: ${r.definition}. The planner cannot rely on it.`,
    action: 'Validate it. VALIDATE CONSTRAINT takes only a SHARE UPDATE EXCLUSIVE lock: reads and writes continue while it scans.',
    sql: `ALTER TABLE ${qualifiedName(r.schema, r.table)} VALIDATE CONSTRAINT ${quoteIdent(r.constraint)};`,
    actions: [{ kind: 'validateConstraint', schema: r.schema, table: r.table, name: r.constraint }],
    object: { kind: 'constraint', schema: r.schema, name: r.constraint, table: r.table },
  }));
  return {
    metrics: [{ id: 'not-valid-constraints', label: 'NOT VALID constraints', value: rows.length, display: String(rows.length), status: rows.length ? 'info' : 'ok' }],
    findings,
  };
}

export const notValidConstraintsCheck: HealthCheck = {
  id: 'not-valid-constraints',
  async run(q) {
    const rows = await q.query<NotValidRow>(`
      SELECT n.nspname AS schema, t.relname AS table, c.conname AS constraint, c.contype::text AS contype,
             pg_get_constraintdef(c.oid) AS definition
        FROM pg_constraint c
        JOIN pg_class t ON t.oid = c.conrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE NOT c.convalidated AND n.nspname NOT IN ${SYSTEM_SCHEMAS}
       ORDER BY 1, 2, 3`);
    return assessNotValid(rows);
  },
};

export const HEALTH_CHECKS: HealthCheck[] = [
  overviewCheck,
  cacheHitCheck,
  connectionsCheck,
  wraparoundCheck,
  sequencesCheck,
  invalidIndexesCheck,
  notValidConstraintsCheck,
];
