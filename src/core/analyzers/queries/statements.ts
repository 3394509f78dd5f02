// Slow queries from pg_stat_statements: one fetch (SQL that adapts to the server version) and a pure
// assessment (assessStatements) of its rows, unit-tested without a server. The caching analyzer reuses
// the fetch for read-mostly hot queries and materialized-view candidates.
import type { QueriesSettings } from '../../config';
import type { Capabilities } from '../../db/capabilities';
import type { QueryRunner } from '../../db/session';
import { formatBytes, formatCount, formatDuration, formatPercent, truncateSql } from '../../format';
import type { Metric, ReportFinding, ReportTable, Unavailable } from '../../report/model';
import { quoteIdent } from '../../sql/quote';
import { toolStatementCondition } from '../../sql/toolStatements';
import type { CheckResult } from '../health/healthChecks';

export interface StatementRow {
  queryid: string | null;
  username: string | null;
  query: string;
  calls: number;
  total_ms: number;
  mean_ms: number;
  stddev_ms: number;
  max_ms: number;
  rows: number;
  shared_blks_hit: number;
  shared_blks_read: number;
  shared_blks_written: number;
  local_blks_hit: number;
  local_blks_read: number;
  local_blks_written: number;
  temp_blks_read: number;
  temp_blks_written: number;
  /** Block read/write time in ms; 0 when track_io_timing is off. */
  blk_read_ms: number;
  blk_write_ms: number;
  /** null before PG 13. */
  wal_bytes: number | null;
}

export interface StatementTotals {
  statements: number;
  calls: number;
  total_ms: number;
  /** Entries of pgopt itself, left out of the rows and of the totals above (sql/toolStatements.ts). */
  tool_statements?: number;
}

export interface StatementsEnv {
  trackIoTiming: boolean;
  /** pg_stat_statements_info.stats_reset (PG 14+), ISO text; null when unknown. */
  statsReset: string | null;
  statsAgeS: number | null;
  /** work_mem as shown by the server, e.g. "4MB". */
  workMem: string;
  blockSize: number;
}

export interface StatementsSnapshot {
  rows: StatementRow[];
  totals: StatementTotals;
  env: StatementsEnv;
}

const BLOCK = 8192;

/** The pg_stat_statements relation, schema-qualified and quoted. */
export function pgssRelation(caps: Capabilities, name = 'pg_stat_statements'): string {
  const schema = caps.extensions.pg_stat_statements.schema;
  return schema ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);
}

/** Column expressions for the server version: names changed in PG 13 (exec time) and PG 17 (block times). */
export function statementColumns(serverVersionNum: number): string {
  const v13 = serverVersionNum >= 130000;
  const t = (base: string): string => (v13 ? `s.${base}_exec_time` : `s.${base}_time`);
  const readTime = serverVersionNum >= 170000 ? 's.shared_blk_read_time + s.local_blk_read_time' : 's.blk_read_time';
  const writeTime = serverVersionNum >= 170000 ? 's.shared_blk_write_time + s.local_blk_write_time' : 's.blk_write_time';
  return `s.queryid::text AS queryid, r.rolname AS username, s.query,
          s.calls::float8 AS calls, ${t('total')}::float8 AS total_ms, ${t('mean')}::float8 AS mean_ms,
          ${t('stddev')}::float8 AS stddev_ms, ${t('max')}::float8 AS max_ms, s.rows::float8 AS rows,
          s.shared_blks_hit::float8 AS shared_blks_hit, s.shared_blks_read::float8 AS shared_blks_read,
          s.shared_blks_written::float8 AS shared_blks_written, s.local_blks_hit::float8 AS local_blks_hit,
          s.local_blks_read::float8 AS local_blks_read, s.local_blks_written::float8 AS local_blks_written,
          s.temp_blks_read::float8 AS temp_blks_read, s.temp_blks_written::float8 AS temp_blks_written,
          (${readTime})::float8 AS blk_read_ms, (${writeTime})::float8 AS blk_write_ms,
          ${v13 ? 's.wal_bytes::float8' : 'NULL::float8'} AS wal_bytes`;
}

/** Statements of the current database, by total time (default) or by calls. */
export async function fetchStatements(
  q: QueryRunner,
  caps: Capabilities,
  opts: { limit: number; orderBy?: 'total' | 'calls' },
): Promise<StatementsSnapshot> {
  const rel = pgssRelation(caps);
  const v13 = caps.serverVersionNum >= 130000;
  const totalCol = v13 ? 's.total_exec_time' : 's.total_time';
  const order = opts.orderBy === 'calls' ? 's.calls' : totalCol;
  const db = `s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`;
  // pgopt's own statements are left out in SQL, so that they never take places of the top-N cut.
  const where = `${db} AND NOT ${toolStatementCondition('s.query')}`;
  const rows = await q.query<StatementRow>(
    `SELECT ${statementColumns(caps.serverVersionNum)}
       FROM ${rel} s LEFT JOIN pg_roles r ON r.oid = s.userid
      WHERE ${where}
      ORDER BY ${order} DESC LIMIT $1`,
    [opts.limit],
  );
  const [totals] = await q.query<StatementTotals>(
    `SELECT count(*) FILTER (WHERE NOT ${toolStatementCondition('s.query')})::int AS statements,
            COALESCE(sum(s.calls) FILTER (WHERE NOT ${toolStatementCondition('s.query')}), 0)::float8 AS calls,
            COALESCE(sum(${totalCol}) FILTER (WHERE NOT ${toolStatementCondition('s.query')}), 0)::float8 AS total_ms,
            count(*) FILTER (WHERE ${toolStatementCondition('s.query')})::int AS tool_statements
       FROM ${rel} s WHERE ${db}`,
  );
  const [settings] = await q.query<{ io: string; work_mem: string; block_size: string; info: string | null }>(
    `SELECT current_setting('track_io_timing') AS io, current_setting('work_mem') AS work_mem,
            current_setting('block_size') AS block_size, to_regclass($1)::text AS info`,
    [pgssRelation(caps, 'pg_stat_statements_info')],
  );
  let statsReset: string | null = null;
  let statsAgeS: number | null = null;
  if (settings?.info) {
    const [info] = await q.query<{ reset: string | null; age_s: number | null }>(
      `SELECT stats_reset::text AS reset, extract(epoch FROM now() - stats_reset)::float8 AS age_s FROM ${pgssRelation(caps, 'pg_stat_statements_info')}`,
    );
    statsReset = info?.reset ?? null;
    statsAgeS = info?.age_s ?? null;
  }
  return {
    rows,
    totals: totals ?? { statements: 0, calls: 0, total_ms: 0, tool_statements: 0 },
    env: {
      trackIoTiming: settings?.io === 'on',
      statsReset,
      statsAgeS,
      workMem: settings?.work_mem ?? 'unknown',
      blockSize: Number(settings?.block_size ?? BLOCK),
    },
  };
}

// ---------------------------------------------------------------- formatting helpers

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return 'unknown';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(ms / 1000);
}

/** One line, whitespace collapsed, cut at max characters with an ellipsis. */
/** Shared-buffer hit ratio of a statement; null when it touched too few blocks to say. */
export function statementHitRatio(r: Pick<StatementRow, 'shared_blks_hit' | 'shared_blks_read'>, minBlocks = 1): number | null {
  const total = r.shared_blks_hit + r.shared_blks_read;
  return total < minBlocks ? null : r.shared_blks_hit / total;
}

// ---------------------------------------------------------------- assessment

/** At most this many findings per kind; the table lists the rest. */
const MAX_FINDINGS = 20;

export function isSlow(r: StatementRow, s: Pick<QueriesSettings, 'slowMeanMs' | 'slowMinCalls'>): boolean {
  return r.mean_ms >= s.slowMeanMs && r.calls >= s.slowMinCalls;
}

export function statsAgeMetric(env: StatementsEnv): Metric {
  return env.statsReset
    ? {
        id: 'stats-age',
        label: 'Statistics collected over',
        value: env.statsAgeS,
        display: `${formatDuration(env.statsAgeS)} (since ${env.statsReset})`,
        help: 'pg_stat_statements_info.stats_reset: the last pg_stat_statements_reset() or server start.',
      }
    : {
        id: 'stats-age',
        label: 'Statistics collected over',
        value: null,
        display: 'unknown (pg_stat_statements_info needs PostgreSQL 14+ and extension 1.9+)',
      };
}

/** How many of pgopt's own pg_stat_statements entries a section left out (docs/footprint.md). */
export function toolStatementsMetric(n: number): Metric {
  return {
    id: 'tool-statements',
    label: "pgopt's own statements (left out)",
    value: n,
    display: formatCount(n),
    help: 'Entries of pg_stat_statements that pgopt itself caused (marked /* pgopt */, or of its known shapes from older versions) are not the workload: they are left out of this section, its totals and its top-N cut.',
  };
}

export function assessStatements(rows: StatementRow[], totals: StatementTotals, env: StatementsEnv, settings: QueriesSettings): CheckResult {
  const findings: ReportFinding[] = [];
  const unavailable: Unavailable[] = [];
  const block = env.blockSize || BLOCK;
  const share = (ms: number): number | null => (totals.total_ms > 0 ? ms / totals.total_ms : null);

  const slow = rows.filter((r) => isSlow(r, settings)).sort((a, b) => b.total_ms - a.total_ms);
  for (const r of slow.slice(0, MAX_FINDINGS)) {
    const hit = statementHitRatio(r);
    const io = env.trackIoTiming ? `; ${formatMs(r.blk_read_ms)} reading blocks, ${formatMs(r.blk_write_ms)} writing` : '';
    findings.push({
      id: 'queries.slow',
      severity: 'warning',
      title: `Slow query: mean ${formatMs(r.mean_ms)} over ${formatCount(r.calls)} calls (${formatPercent(share(r.total_ms), 1)} of all query time): ${truncateSql(r.query, 60)}`,
      detail:
        `queryid ${r.queryid ?? 'unknown'}${r.username ? `, role ${r.username}` : ''}: total ${formatMs(r.total_ms)}, mean ${formatMs(r.mean_ms)} ± ${formatMs(r.stddev_ms)}, ` +
        `max ${formatMs(r.max_ms)}, ${formatCount(r.rows / Math.max(1, r.calls))} rows per call, shared-buffer hit ratio ${formatPercent(hit, 1)} ` +
        `(${formatCount(r.shared_blks_read)} blocks read from disk or OS cache)${io}. Thresholds: mean ≥ ${settings.slowMeanMs} ms and ≥ ${settings.slowMinCalls} calls. The full statement is below.`,
      action: 'Run EXPLAIN (ANALYZE, BUFFERS) with representative parameters; look for sequential scans of large tables, misestimates and sorts on disk. The index advisor proposes indexes for the workload.',
      sql: r.query,
    });
  }

  const spills = rows.filter((r) => r.temp_blks_written > 0).sort((a, b) => b.temp_blks_written - a.temp_blks_written);
  for (const r of spills.slice(0, MAX_FINDINGS)) {
    const perCall = (r.temp_blks_written * block) / Math.max(1, r.calls);
    findings.push({
      id: 'queries.temp-spill',
      severity: perCall >= 64 * 1024 * 1024 || isSlow(r, settings) ? 'warning' : 'info',
      title: `Query spills to temporary files: ${formatBytes(r.temp_blks_written * block)} written over ${formatCount(r.calls)} calls: ${truncateSql(r.query, 60)}`,
      detail: `queryid ${r.queryid ?? 'unknown'}: ${formatCount(r.temp_blks_written)} temp blocks written (${formatBytes(perCall)} per call), ${formatCount(r.temp_blks_read)} read back. A sort or hash did not fit in work_mem (${env.workMem}) and went to disk. The full statement is below.`,
      action: 'Raise work_mem for the role or the transaction that runs it (SET LOCAL work_mem = …; mind that every sort/hash node of every session may use that much), or avoid the big sort/hash with an index or a narrower query.',
      sql: r.query,
    });
  }

  if (!env.trackIoTiming) {
    unavailable.push({
      what: 'Block read/write time per statement',
      because: 'track_io_timing is off, so pg_stat_statements records 0 ms for every block read and write',
      toEnable: "ALTER SYSTEM SET track_io_timing = on; SELECT pg_reload_conf(); (run pg_test_timing first: the overhead is small on most systems)",
    });
  }

  const totalTemp = rows.reduce((a, r) => a + r.temp_blks_written, 0);
  const metrics: Metric[] = [
    { id: 'statements', label: 'Statements tracked (this database)', value: totals.statements, display: formatCount(totals.statements) },
    { id: 'calls', label: 'Calls', value: totals.calls, display: formatCount(totals.calls) },
    { id: 'total-time', label: 'Total execution time', value: totals.total_ms, display: formatMs(totals.total_ms) },
    statsAgeMetric(env),
    {
      id: 'slow-statements',
      label: `Slow statements (mean ≥ ${settings.slowMeanMs} ms, ≥ ${settings.slowMinCalls} calls)`,
      value: slow.length,
      display: `${slow.length}${rows.length < totals.statements ? ` among the top ${rows.length} by total time` : ''}`,
      status: slow.length ? 'warning' : 'ok',
    },
    {
      id: 'temp-spills',
      label: 'Statements spilling to temp files',
      value: spills.length,
      display: spills.length ? `${spills.length} (${formatBytes(totalTemp * block)} written)` : '0',
      status: spills.length ? 'info' : 'ok',
    },
    ...(totals.tool_statements !== undefined ? [toolStatementsMetric(totals.tool_statements)] : []),
    {
      id: 'track-io-timing',
      label: 'track_io_timing',
      value: env.trackIoTiming ? 'on' : 'off',
      display: env.trackIoTiming ? 'on (block read/write times are measured)' : 'off (block read/write times show 0)',
      status: env.trackIoTiming ? 'ok' : 'info',
    },
  ];

  const table: ReportTable = {
    id: 'statements',
    title: `Top statements by total time (${rows.length} of ${formatCount(totals.statements)})`,
    columns: [
      { key: 'query', label: 'Query' },
      { key: 'calls', label: 'Calls', numeric: true },
      { key: 'total', label: 'Total' },
      { key: 'share', label: '% time' },
      { key: 'mean', label: 'Mean' },
      { key: 'stddev', label: 'Stddev' },
      { key: 'max', label: 'Max' },
      { key: 'rows', label: 'Rows', numeric: true },
      { key: 'hit', label: 'Cache hit' },
      { key: 'shared_read', label: 'Shared read', numeric: true },
      { key: 'shared_hit', label: 'Shared hit', numeric: true },
      { key: 'shared_written', label: 'Shared written', numeric: true },
      { key: 'local', label: 'Local hit/read/written' },
      { key: 'temp', label: 'Temp read/written' },
      { key: 'io', label: 'Block read/write time' },
      { key: 'wal', label: 'WAL' },
      { key: 'slow', label: 'Slow' },
      { key: 'queryid', label: 'queryid' },
      { key: 'user', label: 'Role' },
    ],
    rows: rows.map((r) => ({
      query: truncateSql(r.query, 80),
      // Not a column: the whole statement for the row's detail (formatted there) and for JSON readers.
      statement: r.query.length > 8000 ? `${r.query.slice(0, 7999)}…` : r.query,
      calls: r.calls,
      total: formatMs(r.total_ms),
      share: formatPercent(share(r.total_ms), 1),
      mean: formatMs(r.mean_ms),
      stddev: formatMs(r.stddev_ms),
      max: formatMs(r.max_ms),
      rows: r.rows,
      hit: formatPercent(statementHitRatio(r), 1),
      shared_read: r.shared_blks_read,
      shared_hit: r.shared_blks_hit,
      shared_written: r.shared_blks_written,
      local: `${formatCount(r.local_blks_hit)}/${formatCount(r.local_blks_read)}/${formatCount(r.local_blks_written)}`,
      temp: r.temp_blks_read || r.temp_blks_written ? `${formatBytes(r.temp_blks_read * block)}/${formatBytes(r.temp_blks_written * block)}` : '',
      io: env.trackIoTiming ? `${formatMs(r.blk_read_ms)}/${formatMs(r.blk_write_ms)}` : 'track_io_timing off',
      wal: r.wal_bytes === null ? 'n/a (PG < 13)' : formatBytes(r.wal_bytes),
      slow: isSlow(r, settings),
      queryid: r.queryid,
      user: r.username,
    })),
    emptyText: 'pg_stat_statements has no statements for this database yet (statistics were reset, or no queries ran).',
  };

  return { metrics, findings, tables: [table], unavailable };
}
