// Caching: tables and indexes with a low shared-buffer hit ratio (pg_statio_*), shared_buffers /
// effective_cache_size hints, read-mostly hot queries (application-cache candidates) and
// materialized-view candidates for expensive repeated aggregates. Each finding states its evidence.
import { DATABASE_SIZE_SQL } from '../catalogSize';
import type { QueriesSettings } from '../../config';
import type { QueryRunner } from '../../db/session';
import { formatBytes, formatCount, formatPercent, truncateSql } from '../../format';
import type { Metric, ReportFinding, ReportTable, Severity } from '../../report/model';
import { qualifiedName } from '../../sql/quote';
import type { CheckResult } from '../health/healthChecks';
import { formatMs, type StatementRow } from '../queries/statements';

/** Below this many block requests a ratio says nothing. */
export const CACHE_MIN_BLOCKS = 1000;
const MAX_FINDINGS = 10;

export interface TableCacheRow {
  schema: string;
  table: string;
  heap_hit: number;
  heap_read: number;
  idx_hit: number;
  idx_read: number;
  size_bytes: number;
  /** Rows inserted + updated + deleted since the statistics reset. */
  writes: number;
  /** Rows read by sequential and index scans. */
  reads: number;
}

export interface IndexCacheRow {
  schema: string;
  table: string;
  index: string;
  hit: number;
  read: number;
  size_bytes: number;
}

export interface MemorySettings {
  sharedBuffersBytes: number;
  effectiveCacheSizeBytes: number;
  dbSizeBytes: number;
  /** pg_stat_database of the current database. */
  blksHit: number;
  blksRead: number;
}

export async function fetchCacheStats(q: QueryRunner): Promise<{ tables: TableCacheRow[]; indexes: IndexCacheRow[]; memory: MemorySettings }> {
  const tables = await q.query<TableCacheRow>(`
    SELECT io.schemaname AS schema, io.relname AS table,
           COALESCE(io.heap_blks_hit, 0)::float8 AS heap_hit, COALESCE(io.heap_blks_read, 0)::float8 AS heap_read,
           COALESCE(io.idx_blks_hit, 0)::float8 AS idx_hit, COALESCE(io.idx_blks_read, 0)::float8 AS idx_read,
           pg_relation_size(io.relid)::float8 AS size_bytes,
           (COALESCE(st.n_tup_ins, 0) + COALESCE(st.n_tup_upd, 0) + COALESCE(st.n_tup_del, 0))::float8 AS writes,
           (COALESCE(st.seq_tup_read, 0) + COALESCE(st.idx_tup_fetch, 0))::float8 AS reads
      FROM pg_statio_user_tables io JOIN pg_stat_user_tables st ON st.relid = io.relid
     ORDER BY COALESCE(io.heap_blks_read, 0) + COALESCE(io.heap_blks_hit, 0) DESC
     LIMIT 500`);
  const indexes = await q.query<IndexCacheRow>(`
    SELECT schemaname AS schema, relname AS table, indexrelname AS index,
           COALESCE(idx_blks_hit, 0)::float8 AS hit, COALESCE(idx_blks_read, 0)::float8 AS read,
           pg_relation_size(indexrelid)::float8 AS size_bytes
      FROM pg_statio_user_indexes
     ORDER BY COALESCE(idx_blks_read, 0) DESC
     LIMIT 200`);
  const [m] = await q.query<MemorySettings>(`
    SELECT (SELECT setting::float8 * current_setting('block_size')::float8 FROM pg_settings WHERE name = 'shared_buffers') AS "sharedBuffersBytes",
           (SELECT setting::float8 * current_setting('block_size')::float8 FROM pg_settings WHERE name = 'effective_cache_size') AS "effectiveCacheSizeBytes",
           ${DATABASE_SIZE_SQL} AS "dbSizeBytes",
           COALESCE(d.blks_hit, 0)::float8 AS "blksHit", COALESCE(d.blks_read, 0)::float8 AS "blksRead"
      FROM pg_stat_database d WHERE d.datname = current_database()`);
  return { tables, indexes, memory: m ?? { sharedBuffersBytes: 0, effectiveCacheSizeBytes: 0, dbSizeBytes: 0, blksHit: 0, blksRead: 0 } };
}

// ---------------------------------------------------------------- relations with a low hit ratio

const ratioSeverity = (ratio: number): Severity | undefined => (ratio < 0.9 ? 'warning' : ratio < 0.99 ? 'info' : undefined);

export function assessRelationCache(tables: TableCacheRow[], indexes: IndexCacheRow[], sharedBuffersBytes: number): CheckResult {
  const findings: ReportFinding[] = [];
  const tableRows: Record<string, string | number>[] = [];
  const scored = tables
    .map((t) => ({ t, total: t.heap_hit + t.heap_read }))
    .filter((x) => x.total >= CACHE_MIN_BLOCKS)
    .map((x) => ({ ...x, ratio: x.t.heap_hit / x.total }))
    .sort((a, b) => a.ratio - b.ratio || b.t.heap_read - a.t.heap_read);
  for (const { t, total, ratio } of scored) {
    const sev = ratioSeverity(ratio);
    if (!sev) continue;
    const bigger = t.size_bytes > sharedBuffersBytes / 4;
    if (findings.length < MAX_FINDINGS) {
      findings.push({
        id: 'caching.table-hit-ratio',
        severity: sev,
        title: `Table ${t.schema}.${t.table}: ${formatPercent(ratio, 1)} of heap block requests served from shared_buffers`,
        detail:
          `Evidence: pg_statio_user_tables counts ${formatCount(t.heap_read)} reads from disk/OS cache out of ${formatCount(total)} heap block requests since the statistics reset; ` +
          `the table is ${formatBytes(t.size_bytes)}, shared_buffers is ${formatBytes(sharedBuffersBytes)}.` +
          (bigger ? ' It is larger than a quarter of shared_buffers, so sequential scans read it through a small ring buffer and never cache it: each one goes to the OS.' : ''),
        action: bigger
          ? 'Look for sequential scans of this table in the slow query list and give them an index; if the whole table is the working set, shared_buffers must grow.'
          : 'The table is small enough to stay cached: frequent evictions mean shared_buffers is too small for the working set, or the table was just loaded.',
        object: { kind: 'table', schema: t.schema, name: t.table },
      });
    }
    tableRows.push({ relation: qualifiedName(t.schema, t.table), kind: 'table', ratio: formatPercent(ratio, 1), read: t.heap_read, requests: total, size: formatBytes(t.size_bytes) });
  }
  const idxScored = indexes
    .map((i) => ({ i, total: i.hit + i.read }))
    .filter((x) => x.total >= CACHE_MIN_BLOCKS)
    .map((x) => ({ ...x, ratio: x.i.hit / x.total }))
    .sort((a, b) => a.ratio - b.ratio);
  let idxFindings = 0;
  for (const { i, total, ratio } of idxScored) {
    const sev = ratioSeverity(ratio);
    if (!sev) continue;
    if (idxFindings++ < MAX_FINDINGS) {
      findings.push({
        id: 'caching.index-hit-ratio',
        severity: sev,
        title: `Index ${i.schema}.${i.index}: ${formatPercent(ratio, 1)} of block requests served from shared_buffers`,
        detail: `Evidence: pg_statio_user_indexes counts ${formatCount(i.read)} reads from disk/OS cache out of ${formatCount(total)} since the statistics reset; the index is ${formatBytes(i.size_bytes)}, shared_buffers ${formatBytes(sharedBuffersBytes)}.`,
        action: 'Indexes should stay cached. A bloated index (REINDEX CONCURRENTLY shrinks it), a random-key index (UUIDv4) or a too-small shared_buffers explain misses.',
        object: { kind: 'index', schema: i.schema, name: i.index, table: i.table },
      });
    }
    tableRows.push({ relation: qualifiedName(i.schema, i.index), kind: 'index', ratio: formatPercent(ratio, 1), read: i.read, requests: total, size: formatBytes(i.size_bytes) });
  }
  return {
    findings,
    tables: [
      {
        id: 'low-hit-relations',
        title: `Tables and indexes below 99 % cache hits (≥ ${formatCount(CACHE_MIN_BLOCKS)} block requests)`,
        columns: [
          { key: 'relation', label: 'Relation' },
          { key: 'kind', label: 'Kind' },
          { key: 'ratio', label: 'Hit ratio' },
          { key: 'read', label: 'Blocks read', numeric: true },
          { key: 'requests', label: 'Block requests', numeric: true },
          { key: 'size', label: 'Size' },
        ],
        rows: tableRows,
        emptyText: 'Every table and index with enough activity is served from shared_buffers at least 99 % of the time.',
      },
    ],
  };
}

// ---------------------------------------------------------------- shared_buffers / effective_cache_size

const DEFAULT_SHARED_BUFFERS = 128 * 1024 * 1024;
const DEFAULT_EFFECTIVE_CACHE = 4 * 1024 * 1024 * 1024;

export function assessMemorySettings(m: MemorySettings): CheckResult {
  const findings: ReportFinding[] = [];
  const total = m.blksHit + m.blksRead;
  const ratio = total >= CACHE_MIN_BLOCKS ? m.blksHit / total : null;
  const evidence = `shared_buffers ${formatBytes(m.sharedBuffersBytes)}, effective_cache_size ${formatBytes(m.effectiveCacheSizeBytes)}, database ${formatBytes(m.dbSizeBytes)}, database hit ratio ${ratio === null ? 'not enough activity' : formatPercent(ratio, 2)} (pg_stat_database)`;
  if (m.sharedBuffersBytes <= DEFAULT_SHARED_BUFFERS && m.dbSizeBytes > m.sharedBuffersBytes) {
    findings.push({
      id: 'caching.shared-buffers-default',
      severity: ratio !== null && ratio < 0.99 ? 'warning' : 'info',
      title: `shared_buffers is ${formatBytes(m.sharedBuffersBytes)} (the default) for a ${formatBytes(m.dbSizeBytes)} database`,
      detail: `Evidence: ${evidence}. The default suits a laptop, not a server.`,
      action: 'Set shared_buffers to about 25 % of the server RAM (ALTER SYSTEM SET shared_buffers = …; needs a restart) and effective_cache_size to 50–75 % of RAM.',
    });
  } else if (ratio !== null && ratio < 0.99 && m.dbSizeBytes > m.sharedBuffersBytes) {
    findings.push({
      id: 'caching.working-set',
      severity: ratio < 0.9 ? 'warning' : 'info',
      title: `The database (${formatBytes(m.dbSizeBytes)}) is larger than shared_buffers and ${formatPercent(1 - ratio, 1)} of block requests miss it`,
      detail: `Evidence: ${evidence}.`,
      action: 'Fix the scans that read most (slow queries, tables below) first; if the hot data really is larger than shared_buffers, raise it towards 25 % of RAM.',
    });
  }
  if (m.effectiveCacheSizeBytes < m.sharedBuffersBytes || (m.effectiveCacheSizeBytes === DEFAULT_EFFECTIVE_CACHE && m.sharedBuffersBytes > DEFAULT_EFFECTIVE_CACHE / 2)) {
    findings.push({
      id: 'caching.effective-cache-size',
      severity: 'info',
      title: `effective_cache_size (${formatBytes(m.effectiveCacheSizeBytes)}) looks too small next to shared_buffers (${formatBytes(m.sharedBuffersBytes)})`,
      detail: `Evidence: ${evidence}. effective_cache_size tells the planner how much of the data shared_buffers and the OS cache hold together; too small makes index scans look expensive.`,
      action: 'Set effective_cache_size to shared_buffers plus the memory the OS uses as file cache (typically 50–75 % of RAM); it allocates nothing and needs only a reload.',
    });
  }
  const metrics: Metric[] = [
    { id: 'shared-buffers', label: 'shared_buffers', value: m.sharedBuffersBytes, display: formatBytes(m.sharedBuffersBytes) },
    { id: 'effective-cache-size', label: 'effective_cache_size', value: m.effectiveCacheSizeBytes, display: formatBytes(m.effectiveCacheSizeBytes) },
    {
      id: 'database-hit-ratio',
      label: 'Database cache hit ratio',
      value: ratio,
      display: ratio === null ? `not enough activity (${formatCount(total)} block requests)` : formatPercent(ratio, 2),
      status: ratio === null ? 'ok' : ratio < 0.9 ? 'warning' : ratio < 0.99 ? 'info' : 'ok',
    },
  ];
  return { metrics, findings };
}

// ---------------------------------------------------------------- read-mostly hot queries, materialized views

/** Tables a statement reads, best effort: identifiers after FROM / JOIN that are not function calls. */
export function referencedTables(sql: string): { schema?: string; name: string }[] {
  const ident = `(?:"(?:[^"]|"")+"|[A-Za-z_][\\w$]*)`;
  const re = new RegExp(`\\b(?:from|join)\\s+(${ident})(?:\\s*\\.\\s*(${ident}))?(?![\\w$]|\\s*[.(])`, 'gi');
  const norm = (s: string): string => (s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s.toLowerCase());
  const out = new Map<string, { schema?: string; name: string }>();
  for (const m of sql.matchAll(re)) {
    const a = m[1];
    const b = m[2];
    if (!a) continue;
    const ref = b ? { schema: norm(a), name: norm(b) } : { name: norm(a) };
    if (!b && ['lateral', 'select', 'unnest', 'only'].includes(ref.name)) continue;
    out.set(`${ref.schema ?? ''}.${ref.name}`, ref);
  }
  return [...out.values()];
}

const isSelect = (sql: string): boolean => /^\s*(\/\*[\s\S]*?\*\/\s*|--[^\n]*\n\s*)*(select|with)\b/i.test(sql) && !/\b(insert|update|delete|merge)\b/i.test(sql);
const hasAggregate = (sql: string): boolean => /\bgroup\s+by\b|\b(count|sum|avg|min|max|array_agg|string_agg|jsonb_agg|json_agg|percentile_cont)\s*\(/i.test(sql);

function matchTables(sql: string, tables: TableCacheRow[]): TableCacheRow[] | undefined {
  const refs = referencedTables(sql);
  if (refs.length === 0) return undefined;
  const found: TableCacheRow[] = [];
  for (const r of refs) {
    const candidates = tables.filter((t) => t.table === r.name && (!r.schema || t.schema === r.schema));
    const t = candidates.find((c) => c.schema === 'public') ?? candidates[0];
    if (!t) return undefined; // a CTE, a view or a catalog: cannot judge the write rate
    found.push(t);
  }
  return found;
}

const writeShare = (t: TableCacheRow): number => (t.writes + t.reads > 0 ? t.writes / (t.writes + t.reads) : 0);

export interface HotQueryOptions {
  /** A hot query runs at least this many times (default: 10 × slowMinCalls). */
  hotMinCalls: number;
  /** Tables whose writes are at most this share of rows touched are read-mostly. */
  maxWriteShare: number;
}

export function assessQueryCaching(
  statements: StatementRow[],
  tables: TableCacheRow[],
  settings: Pick<QueriesSettings, 'slowMeanMs' | 'slowMinCalls'>,
  opts: HotQueryOptions = { hotMinCalls: settings.slowMinCalls * 10, maxWriteShare: 0.05 },
): CheckResult {
  const findings: ReportFinding[] = [];
  const totalCalls = statements.reduce((a, s) => a + s.calls, 0);
  const evidenceOf = (ts: TableCacheRow[]): string =>
    ts.map((t) => `${t.schema}.${t.table}: ${formatCount(t.writes)} rows written vs ${formatCount(t.reads)} read (${formatPercent(writeShare(t), 1)} writes)`).join('; ');
  const hot: Record<string, string | number>[] = [];
  const mv: Record<string, string | number>[] = [];
  for (const s of [...statements].sort((a, b) => b.calls - a.calls)) {
    if (!isSelect(s.query)) continue;
    const ts = matchTables(s.query, tables);
    if (!ts) continue;
    const maxShare = Math.max(...ts.map(writeShare));
    if (s.calls >= opts.hotMinCalls && maxShare <= opts.maxWriteShare) {
      if (hot.length < MAX_FINDINGS) {
        findings.push({
          id: 'caching.read-mostly-hot-query',
          severity: 'info',
          title: `Read-mostly hot query (${formatCount(s.calls)} calls, ${formatPercent(totalCalls ? s.calls / totalCalls : null, 1)} of all calls): ${truncateSql(s.query, 60)}`,
          detail: `Evidence: pg_stat_statements: ${formatCount(s.calls)} calls, mean ${formatMs(s.mean_ms)}, ${formatCount(s.rows / Math.max(1, s.calls))} rows per call; its tables are rarely written (pg_stat_user_tables — ${evidenceOf(ts)}). Tables found by a best-effort scan of FROM/JOIN.`,
          action: 'Cache the result in the application (or an HTTP/edge cache) and invalidate on the rare writes; the database then serves only the misses.',
          sql: s.query,
        });
      }
      hot.push({ query: truncateSql(s.query, 80), calls: s.calls, mean: formatMs(s.mean_ms), writes: formatPercent(maxShare, 2) });
    }
    if (hasAggregate(s.query) && s.calls >= settings.slowMinCalls && s.mean_ms >= settings.slowMeanMs) {
      if (mv.length < MAX_FINDINGS) {
        findings.push({
          id: 'caching.materialized-view-candidate',
          severity: 'info',
          title: `Materialized-view candidate: aggregate run ${formatCount(s.calls)} times at ${formatMs(s.mean_ms)} each (${formatMs(s.total_ms)} in total): ${truncateSql(s.query, 60)}`,
          detail: `Evidence: pg_stat_statements: ${formatCount(s.calls)} calls, mean ${formatMs(s.mean_ms)}, total ${formatMs(s.total_ms)}, ${formatCount(s.rows / Math.max(1, s.calls))} rows per call; it aggregates (GROUP BY / aggregate functions) over ${evidenceOf(ts)}. ` +
            (maxShare <= opts.maxWriteShare ? 'The tables change rarely, so a refreshed copy stays accurate.' : 'The tables change often: only worth it if slightly stale results are acceptable.'),
          action: 'Precompute it: CREATE MATERIALIZED VIEW … AS the aggregate without the per-request parameters (keep them as columns), add a UNIQUE index, and REFRESH MATERIALIZED VIEW CONCURRENTLY on a schedule; or maintain a summary table.',
          sql: s.query,
        });
      }
      mv.push({ query: truncateSql(s.query, 80), calls: s.calls, mean: formatMs(s.mean_ms), total: formatMs(s.total_ms), writes: formatPercent(maxShare, 2) });
    }
  }
  const tablesOut: ReportTable[] = [
    {
      id: 'read-mostly-hot-queries',
      title: `Read-mostly hot queries (≥ ${formatCount(opts.hotMinCalls)} calls, tables ≤ ${formatPercent(opts.maxWriteShare, 0)} writes)`,
      columns: [
        { key: 'query', label: 'Query' },
        { key: 'calls', label: 'Calls', numeric: true },
        { key: 'mean', label: 'Mean' },
        { key: 'writes', label: 'Write share of its busiest-written table' },
      ],
      rows: hot,
      emptyText: 'No frequent query reads only rarely written tables.',
    },
    {
      id: 'materialized-view-candidates',
      title: `Materialized-view candidates (aggregates, ≥ ${settings.slowMinCalls} calls, mean ≥ ${settings.slowMeanMs} ms)`,
      columns: [
        { key: 'query', label: 'Query' },
        { key: 'calls', label: 'Calls', numeric: true },
        { key: 'mean', label: 'Mean' },
        { key: 'total', label: 'Total' },
        { key: 'writes', label: 'Write share of its busiest-written table' },
      ],
      rows: mv,
      emptyText: 'No expensive aggregate runs often enough to be worth precomputing.',
    },
  ];
  return { findings, tables: tablesOut };
}
