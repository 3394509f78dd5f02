// Workload analyzers against real load: an idle-in-transaction session, a blocker with two waiters, a
// query spilling to temp files and a slow query. The analyzers must see each.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { cachingAnalyzer } from '../../src/core/analyzers/caching/cachingAnalyzer';
import { connectionsAnalyzer } from '../../src/core/analyzers/connections/connectionsAnalyzer';
import { queriesAnalyzer } from '../../src/core/analyzers/queries/queriesAnalyzer';
import type { Analyzer } from '../../src/core/analyzers/analyzer';
import type { PgoptFile } from '../../src/core/config';
import { buildReport } from '../../src/core/report/buildReport';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import type { ReportSection } from '../../src/core/report/model';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let session: DbSession;
const clients: pg.Client[] = [];
const pending: Promise<unknown>[] = [];
const pids = { idle: 0, blocker: 0, waiter1: 0, waiter2: 0 };

async function client(app: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.url, application_name: app });
  c.on('error', () => undefined);
  await c.connect();
  clients.push(c);
  return c;
}

async function pidOf(c: pg.Client): Promise<number> {
  return (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
}

async function waitUntilBlocked(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await clients[0]!.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [pid]);
    if (r.rowCount) return;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`session ${pid} never queued on the lock`);
}

const CONFIG: PgoptFile = {
  queries: { slowMeanMs: 20, slowMinCalls: 5 },
  activity: { idleInTransactionSeconds: 0, longRunningSeconds: 0, samples: 3 },
};

async function run(analyzer: Analyzer, config: PgoptFile = CONFIG): Promise<ReportSection> {
  const report = await buildReport(session, { analyzers: [analyzer], config });
  const s = report.sections[0];
  assert.ok(s);
  assert.equal(s.error, undefined, s.error);
  return s;
}

before(async () => {
  db = await startTestPostgres();
  await db.exec(`
    CREATE TABLE accounts (id int PRIMARY KEY, balance numeric NOT NULL);
    INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 1000) g;
    CREATE FUNCTION slow_lookup(n int) RETURNS int LANGUAGE sql AS $$ SELECT n FROM (SELECT pg_sleep(0.03)) s $$;
    SELECT pg_stat_statements_reset();
  `);
  await client('pgopt-test-probe');
  // Caching: a table larger than shared_buffers / 4 (sequential scans go through a small ring buffer, so
  // they miss the cache every time), an expensive aggregate over it run repeatedly, and a hot query on a
  // rarely written table. A separate client that then disconnects, so its table statistics are flushed.
  await db.exec(`
    CREATE TABLE big AS SELECT g AS id, g % 10 AS bucket, repeat('x', 200) AS pad FROM generate_series(1, 200000) g;
    CREATE TABLE plans (id int PRIMARY KEY, name text);
    INSERT INTO plans SELECT g, 'plan ' || g FROM generate_series(1, 10) g;
  `);
  const reader = await client('pgopt-test-reader');
  for (let i = 0; i < 5; i++) await reader.query('SELECT bucket, count(*), max(length(pad)) FROM big WHERE id > $1 GROUP BY bucket', [i]);
  for (let i = 0; i < 60; i++) await reader.query('SELECT id, name FROM plans WHERE name <> $1', [`x${i}`]);
  await reader.end();
  // A slow query: 6 calls of ~30 ms.
  const app = await client('pgopt-test-app');
  for (let i = 0; i < 6; i++) await app.query('SELECT slow_lookup($1)', [i]);
  // A sort that spills: 64 kB of work_mem for 200k rows.
  await app.query(`SET work_mem = '64kB'`);
  await app.query(`SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC OFFSET 199999`);
  await app.query('RESET work_mem');
  // Idle in transaction.
  const idle = await client('pgopt-test-idle');
  await idle.query('BEGIN');
  await idle.query('SELECT count(*) FROM accounts');
  pids.idle = await pidOf(idle);
  // A blocker and two waiters on the same row.
  const blocker = await client('pgopt-test-blocker');
  pids.blocker = await pidOf(blocker);
  await blocker.query('BEGIN');
  await blocker.query('UPDATE accounts SET balance = balance - 1 WHERE id = 1');
  for (const name of ['waiter1', 'waiter2'] as const) {
    const w = await client(`pgopt-test-${name}`);
    await w.query(`SET statement_timeout = '2min'`);
    pids[name] = await pidOf(w);
    pending.push(w.query('UPDATE accounts SET balance = balance + 1 WHERE id = 1').catch(() => undefined));
    await waitUntilBlocked(pids[name]);
  }
  session = await DbSession.open(resolveUrl(db.url, nodeEnvAccess({}), 'workload-test'));
});

after(async () => {
  // Cancel the waiters before releasing the lock, then end everything.
  const admin = clients[0];
  if (admin) await admin.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) pid', [[pids.waiter1, pids.waiter2]]).catch(() => undefined);
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 5000))]);
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  await session?.close();
  await db?.stop();
});

test('queries: the slow function call and the temp-file spill are found, with stats age and full text', async () => {
  const s = await run(queriesAnalyzer);
  const slow = s.findings.filter((f) => f.id === 'queries.slow');
  assert.ok(slow.some((f) => /slow_lookup/.test(f.sql ?? '')), slow.map((f) => f.title).join('\n'));
  const spill = s.findings.filter((f) => f.id === 'queries.temp-spill');
  assert.ok(spill.some((f) => /generate_series/.test(f.sql ?? '')), s.findings.map((f) => f.title).join('\n'));
  const ids = s.metrics.map((m) => m.id);
  for (const id of ['statements', 'calls', 'total-time', 'stats-age', 'slow-statements', 'temp-spills', 'track-io-timing']) assert.ok(ids.includes(id), id);
  assert.match(s.metrics.find((m) => m.id === 'stats-age')?.display ?? '', /since/);
  assert.equal(s.metrics.find((m) => m.id === 'track-io-timing')?.value, 'on');
  const table = s.tables.find((t) => t.id === 'statements');
  assert.ok(table && table.rows.length > 0);
  assert.ok(table.rows.every((r) => String(r.query).length <= 80));
  const slowRow = table.rows.find((r) => /slow_lookup/.test(String(r.query)));
  assert.equal(slowRow?.calls, 6);
  assert.equal(slowRow?.slow, true);
});

test('queries: default thresholds (≥ 100 calls) do not call 6 calls slow', async () => {
  const s = await run(queriesAnalyzer, {});
  assert.ok(!s.findings.some((f) => f.id === 'queries.slow' && /slow_lookup/.test(f.sql ?? '')));
});

test('connections: idle in transaction, the blocking tree down to the root blocker, sessions grouped', async () => {
  const s = await run(connectionsAnalyzer);
  const idle = s.findings.filter((f) => f.id === 'connections.idle-in-transaction');
  assert.ok(idle.some((f) => f.title.includes(`Session ${pids.idle} `)), idle.map((f) => f.title).join('\n'));
  assert.ok(idle.every((f) => /pg_terminate_backend\(\d+\)/.test(f.sql ?? '')));

  const blocking = s.findings.filter((f) => f.id === 'connections.blocking');
  assert.equal(blocking.length, 1, blocking.map((f) => f.title).join('\n'));
  const root = blocking[0]!;
  assert.match(root.title, new RegExp(`^Session ${pids.blocker} blocks 2 sessions`));
  assert.match(root.detail, /UPDATE accounts SET balance = balance - 1/);
  assert.match(root.sql ?? '', new RegExp(`pg_terminate_backend\\(${pids.blocker}\\)`));
  const tree = s.tables.find((t) => t.id === 'blocking-tree');
  const sessions = tree?.rows.map((r) => String(r.session).trim()) ?? [];
  assert.equal(sessions[0], `${pids.blocker} (root)`);
  assert.ok(sessions.some((x) => x.endsWith(` ${pids.waiter1}`)), sessions.join(' | '));
  assert.ok(sessions.some((x) => x.endsWith(` ${pids.waiter2}`)), sessions.join(' | '));
  assert.equal(s.metrics.find((m) => m.id === 'waiting-sessions')?.value, 2);

  const byApp = s.tables.find((t) => t.id === 'sessions-by-application')?.rows.map((r) => r.key);
  for (const app of ['pgopt-test-idle', 'pgopt-test-blocker', 'pgopt-test-waiter1', 'pgopt-test-waiter2']) assert.ok(byApp?.includes(app), app);
  const states = s.tables.find((t) => t.id === 'sessions-by-state')?.rows.map((r) => r.key);
  assert.ok(states?.includes('idle in transaction'));
  // The waiters are long-running at threshold 0 and get a cancel suggestion.
  const long = s.findings.filter((f) => f.id === 'connections.long-running');
  assert.ok(long.some((f) => f.sql?.includes(`pg_cancel_backend(${pids.waiter1})`)));
  assert.match(s.metrics.find((m) => m.id === 'active-concurrency')?.display ?? '', /peak [2-9]/);
  assert.match(s.metrics.find((m) => m.id === 'suggested-pool')?.display ?? '', /serverCpus/);
});

test('caching: low hit ratio of a big table, read-mostly hot query, materialized-view candidate, memory hints', async () => {
  const s = await run(cachingAnalyzer);
  const ids = s.findings.map((f) => `${f.id}:${f.object?.name ?? ''}`);
  assert.ok(ids.includes('caching.table-hit-ratio:big'), ids.join('\n'));
  const big = s.findings.find((f) => f.object?.name === 'big');
  assert.match(big?.detail ?? '', /Evidence: pg_statio_user_tables/);
  assert.match(big?.detail ?? '', /ring buffer/);
  const hot = s.findings.filter((f) => f.id === 'caching.read-mostly-hot-query');
  assert.ok(hot.some((f) => /FROM plans/.test(f.sql ?? '')), hot.map((f) => f.title).join('\n'));
  assert.match(hot[0]?.detail ?? '', /Evidence: pg_stat_statements/);
  const mv = s.findings.filter((f) => f.id === 'caching.materialized-view-candidate');
  assert.ok(mv.some((f) => /FROM big/.test(f.sql ?? '')), mv.map((f) => f.title).join('\n'));
  assert.ok(!mv.some((f) => /slow_lookup/.test(f.sql ?? '')), 'no aggregate, no candidate');
  const metricIds = s.metrics.map((m) => m.id);
  for (const id of ['shared-buffers', 'effective-cache-size', 'database-hit-ratio']) assert.ok(metricIds.includes(id), id);
  assert.equal(s.metrics.find((m) => m.id === 'shared-buffers')?.display, '128 MB');
});

test('pgopt analyze --sections queries,connections,caching runs the three sections', async () => {
  const { selectAnalyzers } = await import('../../src/core/analyzers/registry');
  const { analyzers, unknown } = selectAnalyzers(['queries', 'connections', 'caching']);
  assert.deepEqual(unknown, []);
  const report = await buildReport(session, { analyzers, config: CONFIG });
  assert.deepEqual(report.sections.map((x) => [x.id, x.error]), [['queries', undefined], ['connections', undefined], ['caching', undefined]]);
});
