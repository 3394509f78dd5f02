import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assessBlocking,
  assessIdleInTransaction,
  assessLeaks,
  assessLongRunning,
  assessPool,
  buildBlockingTrees,
  groupSessions,
  stopSql,
  type ActivityRow,
} from '../../src/core/analyzers/connections/activity';
import {
  assessMemorySettings,
  assessQueryCaching,
  assessRelationCache,
  referencedTables,
  type TableCacheRow,
} from '../../src/core/analyzers/caching/caching';
import { assessStatements, formatMs, statementColumns, type StatementRow, type StatementsEnv } from '../../src/core/analyzers/queries/statements';
import { truncateSql } from '../../src/core/format';
import { DEFAULT_QUERIES, parseActivitySettings, parsePgoptFile, parseQueriesSettings } from '../../src/core/config';

function stmt(p: Partial<StatementRow>): StatementRow {
  return {
    queryid: '1', username: 'app', query: 'SELECT 1', calls: 1, total_ms: 1, mean_ms: 1, stddev_ms: 0, max_ms: 1, rows: 1,
    shared_blks_hit: 0, shared_blks_read: 0, shared_blks_written: 0, local_blks_hit: 0, local_blks_read: 0, local_blks_written: 0,
    temp_blks_read: 0, temp_blks_written: 0, blk_read_ms: 0, blk_write_ms: 0, wal_bytes: 0, ...p,
  };
}
const ENV: StatementsEnv = { trackIoTiming: true, statsReset: '2024-01-01 00:00:00+00', statsAgeS: 7200, workMem: '4MB', blockSize: 8192 };

test('config: queries and activity sections default like PgHero and report bad keys by path', () => {
  assert.deepEqual(parseQueriesSettings(undefined).settings, DEFAULT_QUERIES);
  assert.equal(parseQueriesSettings({ slowMeanMs: 5 }).settings.slowMinCalls, 100);
  assert.match(parseQueriesSettings({ slowMinCalls: 0 }).problems[0]?.path ?? '', /slowMinCalls/);
  assert.equal(parseActivitySettings({ serverCpus: 8 }).settings.serverCpus, 8);
  const { problems } = parsePgoptFile(JSON.stringify({ queries: { nope: 1 }, activity: { samples: 0 } }));
  assert.deepEqual(problems.map((p) => p.path), ['pgopt.json.queries', 'pgopt.json.activity.samples']);
});

test('queries: slow = mean ≥ 20 ms and ≥ 100 calls; spills; track_io_timing off is said', () => {
  const rows = [
    stmt({ queryid: 'a', query: 'SELECT slow', calls: 100, mean_ms: 20, total_ms: 2000, shared_blks_hit: 90, shared_blks_read: 10 }),
    stmt({ queryid: 'b', query: 'SELECT fast', calls: 10_000, mean_ms: 1, total_ms: 10_000 }),
    stmt({ queryid: 'c', query: 'SELECT rare', calls: 99, mean_ms: 500, total_ms: 49_500 }),
    stmt({ queryid: 'd', query: 'SELECT sort', calls: 2, mean_ms: 5, total_ms: 10, temp_blks_written: 1000, temp_blks_read: 1000 }),
  ];
  const totals = { statements: 4, calls: 10_201, total_ms: 61_510 };
  const r = assessStatements(rows, totals, ENV, DEFAULT_QUERIES);
  assert.deepEqual(r.findings?.filter((f) => f.id === 'queries.slow').map((f) => f.sql), ['SELECT slow']);
  const spill = r.findings?.find((f) => f.id === 'queries.temp-spill');
  assert.equal(spill?.severity, 'info');
  assert.match(spill?.detail ?? '', /work_mem \(4MB\)/);
  assert.equal(r.unavailable?.length, 0);
  assert.match(r.metrics?.find((m) => m.id === 'stats-age')?.display ?? '', /2 h \(since 2024/);
  const table = r.tables?.[0];
  assert.equal(table?.rows.find((x) => x.queryid === 'a')?.hit, '90.0 %');
  const off = assessStatements(rows, totals, { ...ENV, trackIoTiming: false, statsReset: null, statsAgeS: null }, DEFAULT_QUERIES);
  assert.match(off.unavailable?.[0]?.because ?? '', /track_io_timing is off/);
  assert.equal(off.tables?.[0]?.rows[0]?.io, 'track_io_timing off');
  assert.match(off.metrics?.find((m) => m.id === 'stats-age')?.display ?? '', /unknown/);
});

test('queries: column names follow the server version', () => {
  assert.match(statementColumns(120000), /s\.total_time/);
  assert.match(statementColumns(120000), /NULL::float8 AS wal_bytes/);
  assert.match(statementColumns(150000), /s\.total_exec_time.*s\.blk_read_time/s);
  assert.match(statementColumns(170000), /shared_blk_read_time \+ s\.local_blk_read_time/);
});

test('formatting: durations and one-line truncated SQL', () => {
  assert.equal(formatMs(0.123), '0.12 ms');
  assert.equal(formatMs(12.34), '12 ms');
  assert.equal(formatMs(2500), '2.5 s');
  const t = truncateSql(`SELECT a,\n    b\nFROM   t WHERE ${'x'.repeat(200)}`, 40);
  assert.equal(t.length, 40);
  assert.ok(t.startsWith('SELECT a, b FROM t WHERE') && t.endsWith('…'));
});

function act(p: Partial<ActivityRow>): ActivityRow {
  return {
    pid: 1, datname: 'app', usename: 'app', application_name: 'web', client_addr: '10.0.0.1', client_port: 5000, state: 'idle',
    wait_event_type: null, wait_event: null, query: 'SELECT 1', backend_age_s: 100, xact_age_s: null, query_age_s: 1, state_age_s: 1,
    blocking_pids: [], ...p,
  };
}

test('blocking tree: chains and fan-out end at the root blocker', () => {
  const rows = [
    act({ pid: 10, state: 'idle in transaction', xact_age_s: 300, query: 'UPDATE t SET x = 1 WHERE id = 1' }),
    act({ pid: 11, state: 'active', wait_event_type: 'Lock', blocking_pids: [10], state_age_s: 20 }),
    act({ pid: 12, state: 'active', wait_event_type: 'Lock', blocking_pids: [11], state_age_s: 10 }),
    act({ pid: 13, state: 'active', wait_event_type: 'Lock', blocking_pids: [10] }),
    act({ pid: 20, state: 'active' }),
    act({ pid: 21, state: 'active', blocking_pids: [20] }),
  ];
  const trees = buildBlockingTrees(rows);
  assert.deepEqual(trees.map((t) => [t.root.pid, t.waiters.map((w) => [w.pid, w.depth])]), [
    [10, [[11, 1], [13, 1], [12, 2]]],
    [20, [[21, 1]]],
  ]);
  const r = assessBlocking(rows);
  assert.equal(r.findings?.length, 2);
  assert.match(r.findings?.[0]?.title ?? '', /^Session 10 blocks 3 sessions \(root blocker, idle in transaction, transaction open 5 min\)/);
  assert.equal(r.findings?.[0]?.sql, stopSql({ pid: 10, state: 'idle in transaction' }));
  assert.doesNotMatch(r.findings?.[0]?.sql ?? '', /pg_cancel_backend/, 'cancel does nothing to an idle session');
  assert.match(r.findings?.[1]?.sql ?? '', /pg_cancel_backend\(20\)[\s\S]*pg_terminate_backend\(20\)/);
  assert.equal(r.metrics?.[0]?.value, 4);
  // A blocker we cannot see (another backend type) is still the root; a deadlock cycle names its lowest pid.
  assert.equal(buildBlockingTrees([act({ pid: 5, blocking_pids: [99] })])[0]?.root.pid, 99);
  assert.deepEqual(buildBlockingTrees([act({ pid: 7, blocking_pids: [8] }), act({ pid: 8, blocking_pids: [7] })]).map((t) => t.root.pid), [7]);
});

test('idle in transaction and long-running: thresholds, ages, suggested SQL', () => {
  const rows = [
    act({ pid: 1, state: 'idle in transaction', state_age_s: 120, xact_age_s: 130 }),
    act({ pid: 2, state: 'idle in transaction (aborted)', state_age_s: 5, xact_age_s: 7200 }),
    act({ pid: 3, state: 'active', query_age_s: 4000 }),
    act({ pid: 4, state: 'active', query_age_s: 3 }),
  ];
  const idle = assessIdleInTransaction(rows, { idleInTransactionSeconds: 60 });
  assert.deepEqual(idle.findings?.map((f) => f.title.split(' ')[1]), ['1']);
  assert.equal(idle.tables?.[0]?.rows.length, 2);
  assert.match(idle.metrics?.[0]?.display ?? '', /^2, oldest transaction 2 h/);
  const long = assessLongRunning(rows, { longRunningSeconds: 60 });
  assert.deepEqual(long.findings?.map((f) => [f.severity, f.sql?.split('\n')[0]]), [['error', 'SELECT pg_cancel_backend(3);    -- cancels its running statement; the session stays']]);
});

test('leak suspects: one client holding many long-idle connections', () => {
  const many = Array.from({ length: 6 }, (_, i) => act({ pid: 100 + i, state: 'idle', state_age_s: 900, application_name: 'worker' }));
  const r = assessLeaks([...many, act({ pid: 200, state: 'idle', state_age_s: 5000, application_name: 'cron' })], { leakIdleSeconds: 600, leakMinSessions: 5 });
  assert.equal(r.findings?.length, 1);
  assert.match(r.findings?.[0]?.title ?? '', /worker .* holds 6 connections/);
  assert.equal(assessLeaks(many.map((m) => ({ ...m, state_age_s: 10 })), { leakIdleSeconds: 600, leakMinSessions: 5 }).findings?.length, 0);
});

test('pool sizing: mostly idle connections, oversubscription with known CPUs, pooler noticed', () => {
  const limits = { maxConnections: 500, reserved: 3, idleInTransactionTimeout: '0' };
  const samples = [{ active: 2, idleInTransaction: 0, waiting: 0, total: 100 }, { active: 4, idleInTransaction: 0, waiting: 0, total: 100 }];
  const r = assessPool({ limits, sessions: 100, samples, applications: ['web'] });
  assert.deepEqual(r.findings?.map((f) => f.id), ['connections.pool-mostly-idle']);
  assert.match(r.findings?.[0]?.detail ?? '', /peak 4, average 3\.0 active/);
  assert.match(r.metrics?.find((m) => m.id === 'suggested-pool')?.display ?? '', /serverCpus/);
  const busy = assessPool({ limits, sessions: 100, samples: [{ active: 40, idleInTransaction: 0, waiting: 0, total: 100 }], cpus: 4, applications: [] });
  assert.deepEqual(busy.findings?.map((f) => f.id), ['connections.oversubscribed', 'connections.max-connections-high']);
  assert.equal(busy.metrics?.find((m) => m.id === 'suggested-pool')?.value, 9);
  const pooled = assessPool({ limits, sessions: 100, samples, applications: ['pgbouncer'] });
  assert.equal(pooled.findings?.length, 0);
  assert.match(pooled.metrics?.find((m) => m.id === 'pooler')?.display ?? '', /noticed: pgbouncer/);
});

test('sessions are grouped by state, application, user and client', () => {
  const t = groupSessions([act({ pid: 1 }), act({ pid: 2, state: 'active', client_addr: null }), act({ pid: 3, application_name: '' })]);
  assert.deepEqual(t.map((x) => x.id), ['sessions-by-state', 'sessions-by-application', 'sessions-by-user', 'sessions-by-client']);
  assert.deepEqual(t[1]?.rows.map((r) => [r.key, r.count]), [['web', 2], ['(none)', 1]]);
  assert.ok(t[3]?.rows.some((r) => r.key === 'local socket'));
});

function tbl(p: Partial<TableCacheRow>): TableCacheRow {
  return { schema: 'public', table: 't', heap_hit: 0, heap_read: 0, idx_hit: 0, idx_read: 0, size_bytes: 8192, writes: 0, reads: 0, ...p };
}

test('caching: relation hit ratios need activity; big tables mention the ring buffer', () => {
  const sb = 128 * 1024 * 1024;
  const r = assessRelationCache(
    [tbl({ table: 'big', heap_hit: 100, heap_read: 9900, size_bytes: 50 * 1024 * 1024 }), tbl({ table: 'quiet', heap_read: 500 }), tbl({ table: 'warm', heap_hit: 9950, heap_read: 50 })],
    [{ schema: 'public', table: 'big', index: 'big_pkey', hit: 950, read: 50, size_bytes: 1e6 }],
    sb,
  );
  assert.deepEqual(r.findings?.map((f) => [f.object?.name, f.severity]), [['big', 'warning'], ['big_pkey', 'info']]);
  assert.match(r.findings?.[0]?.detail ?? '', /^Evidence: .*ring buffer/);
  assert.equal(r.tables?.[0]?.rows.length, 2);
});

test('caching: shared_buffers / effective_cache_size hints', () => {
  const mb = 1024 * 1024;
  const def = assessMemorySettings({ sharedBuffersBytes: 128 * mb, effectiveCacheSizeBytes: 4096 * mb, dbSizeBytes: 2048 * mb, blksHit: 999_000, blksRead: 1000 });
  assert.deepEqual(def.findings?.map((f) => [f.id, f.severity]), [['caching.shared-buffers-default', 'info']]);
  assert.match(def.findings?.[0]?.detail ?? '', /^Evidence: shared_buffers 128 MB/);
  const odd = assessMemorySettings({ sharedBuffersBytes: 8192 * mb, effectiveCacheSizeBytes: 4096 * mb, dbSizeBytes: 100_000 * mb, blksHit: 80_000, blksRead: 20_000 });
  assert.deepEqual(odd.findings?.map((f) => [f.id, f.severity]), [['caching.working-set', 'warning'], ['caching.effective-cache-size', 'info']]);
  assert.equal(assessMemorySettings({ sharedBuffersBytes: 128 * mb, effectiveCacheSizeBytes: 4096 * mb, dbSizeBytes: 10 * mb, blksHit: 0, blksRead: 0 }).findings?.length, 0);
});

test('caching: FROM/JOIN table references, best effort', () => {
  assert.deepEqual(referencedTables('SELECT * FROM users u JOIN "Audit"."Log Rows" l ON true, generate_series(1,2) WHERE x IN (SELECT 1 FROM public.orders)'), [
    { name: 'users' },
    { schema: 'Audit', name: 'Log Rows' },
    { schema: 'public', name: 'orders' },
  ]);
  assert.deepEqual(referencedTables('SELECT * FROM unnest($1) JOIN lateral f(x) ON true'), []);
  assert.deepEqual(referencedTables('SELECT 1 FROM health_data WHERE a'), [{ name: 'health_data' }]);
});

test('caching: read-mostly hot queries and materialized-view candidates, with evidence', () => {
  const tables = [tbl({ table: 'plans', writes: 10, reads: 100_000 }), tbl({ table: 'events', writes: 50_000, reads: 60_000 })];
  const statements = [
    stmt({ query: 'SELECT * FROM plans WHERE id = $1', calls: 5000, mean_ms: 0.1 }),
    stmt({ query: 'SELECT * FROM events WHERE id = $1', calls: 5000, mean_ms: 0.1 }),
    stmt({ query: 'SELECT day, count(*) FROM events GROUP BY day', calls: 200, mean_ms: 300, total_ms: 60_000 }),
    stmt({ query: 'WITH x AS (SELECT 1) SELECT count(*) FROM x', calls: 200, mean_ms: 300 }),
    stmt({ query: 'UPDATE plans SET name = $1', calls: 5000 }),
  ];
  const r = assessQueryCaching(statements, tables, DEFAULT_QUERIES);
  assert.deepEqual(r.findings?.map((f) => [f.id, f.sql]), [
    ['caching.read-mostly-hot-query', 'SELECT * FROM plans WHERE id = $1'],
    ['caching.materialized-view-candidate', 'SELECT day, count(*) FROM events GROUP BY day'],
  ]);
  assert.match(r.findings?.[0]?.detail ?? '', /plans: 10 rows written vs 100,000 read/);
  assert.match(r.findings?.[1]?.detail ?? '', /change often/);
});
