// The shared snapshot store in PostgreSQL, for real: several `pgopt snapshot --store postgres://…` processes
// at once against one server (no duplicate, no lost snapshot, the schema set up exactly once), analyze
// reading Trends and "What got slower" from it, custom metrics charted, an alert episode that continues
// across two CLI runs, an idempotent import of a local store, server-side compaction, the store's own
// statements kept out of the monitored workload, and bad input (unreachable, no privilege, a newer schema).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { PgSnapshotStore } from '../../src/core/metrics/pgSnapshotStore';
import type { Snapshot } from '../../src/core/metrics/snapshot';
import { PASSWORD, PASSWORD_USER, startTestPostgres, type TestPostgres } from '../harness/pgServer';
import { freePort } from '../../scripts/localPostgres';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
let db: TestPostgres;
/** A central store database, separate from the monitored one. */
let storeUrl: string;
const tmp = mkdtempSync(join(tmpdir(), 'pgopt-shared-'));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], cwd = tmp): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, cwd, env: { ...process.env, PGOPT_DEBUG: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cliAsync(args: string[], cwd = tmp): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, PGOPT_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function query<R extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

function assertOneSentence(r: Run, pattern: RegExp): void {
  assert.equal(r.status, 2, `exit 2 expected: ${r.stdout} ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error/);
}

before(async () => {
  db = await startTestPostgres();
  storeUrl = await db.createDatabase('pgopt_central');
});

after(async () => {
  await db?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('N concurrent pgopt snapshot --store postgres://… processes: every snapshot stored once, the schema set up once', async () => {
  const N = 6;
  const runs = await Promise.all(Array.from({ length: N }, () => cliAsync(['snapshot', '--url', db.url, '--store', storeUrl, '--name', 'app', '--format', 'json'])));
  for (const r of runs) assert.equal(r.status, 0, r.stderr);
  const times = runs.map((r) => (JSON.parse(r.stdout) as { snapshot: Snapshot }).snapshot.takenAtMs);
  const rows = await query<{ taken_ms: string; uid: string }>(storeUrl, `SELECT taken_ms, uid FROM pgopt.snapshots WHERE conn = 'app' ORDER BY taken_ms`);
  assert.equal(rows.length, N, 'no lost and no duplicate snapshot');
  // Exactly the snapshots the processes took; two taken in the same millisecond are stored a millisecond apart.
  const stored = rows.map((r) => Number(r.taken_ms));
  const taken = [...times].sort((a, b) => a - b);
  assert.ok(stored.every((t, i) => t >= taken[i]! && t <= taken[i]! + N), `${JSON.stringify(stored)} vs ${JSON.stringify(taken)}`);
  assert.equal(new Set(rows.map((r) => r.uid)).size, N);
  // Every snapshot has its raw points (a gauge per snapshot), none twice (primary key), none missing.
  const stamps = await query<{ n: number }>(storeUrl, `SELECT count(DISTINCT ts)::int AS n FROM pgopt.points WHERE conn = 'app' AND metric = 'connections' AND res = 0`);
  assert.equal(stamps[0]?.n, N);
  const migrations = await query<{ version: string; success: boolean }>(storeUrl, 'SELECT version, success FROM pgopt.schema_migrations');
  assert.deepEqual(migrations, [{ version: '001', success: true }], 'the schema was created once, by the runner');

  // A reader sees the whole history: analyze's Trends counts the N snapshots.
  const a = cli(['analyze', '--url', db.url, '--store', storeUrl, '--name', 'app', '--sections', 'health', '--format', 'json']);
  assert.ok(a.status === 0 || a.status === 1, a.stderr);
  const report = JSON.parse(a.stdout) as { sections: { id: string; summary: string }[] };
  assert.match(report.sections.find((s) => s.id === 'trends')?.summary ?? '', new RegExp(`^${N} snapshots over`));
  assert.ok(report.sections.some((s) => s.id === 'query-deltas' || /slower/i.test(JSON.stringify(s))), 'What got slower is built from the shared store');
});

test('readers see a consistent history while writers add: every snapshot in a view has its points, and no point lacks its snapshot', async () => {
  const store = await PgSnapshotStore.open(resolveUrl(storeUrl, nodeEnvAccess(), 'store'), { create: true });
  try {
    const writers = Promise.all(Array.from({ length: 4 }, () => cliAsync(['snapshot', '--url', db.url, '--store', storeUrl, '--name', 'consistent'])));
    let done = false;
    void writers.then(() => (done = true));
    let views = 0;
    const sizes = new Set<number>();
    while (!done || views === 0) {
      const view = await store.view('consistent', { latest: 1000 });
      const snaps = view.latest('consistent', 1000).map((x) => x.takenAtMs).sort((a, b) => a - b);
      const points = view.series('consistent', 'connections', 0, Number.MAX_SAFE_INTEGER).map((p) => p.ts);
      assert.deepEqual(points, snaps, `view ${views}: snapshots and their points agree`);
      sizes.add(snaps.length);
      views++;
    }
    for (const r of await writers) assert.equal(r.status, 0, r.stderr);
    const final = await store.view('consistent', { latest: 1000 });
    assert.equal(final.latest('consistent', 1000).length, 4);
    assert.ok(views > 1, `read ${views} views while writing (sizes seen: ${[...sizes].join(', ')})`);
  } finally {
    await store.close();
  }
});

test('pgopt snapshot --fleet FILE --store postgres://…: every database of the fleet into the shared store, under its fleet name', async () => {
  const fleet = join(tmp, 'fleet.json');
  writeFileSync(fleet, JSON.stringify({ fleet: [{ name: 'fleet-a', url: db.url }, { name: 'fleet-b', url: storeUrl }] }));
  const r = cli(['snapshot', '--fleet', fleet, '--store', storeUrl, '--concurrency', '2']);
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  assert.match(r.stdout, /Store: .*pgopt_central \(each database under its fleet name\)/);
  const rows = await query<{ conn: string; n: number }>(storeUrl, `SELECT conn, count(*)::int AS n FROM pgopt.snapshots WHERE conn LIKE 'fleet-%' GROUP BY conn ORDER BY conn`);
  assert.deepEqual(rows, [{ conn: 'fleet-a', n: 1 }, { conn: 'fleet-b', n: 1 }]);
});

test('custom metrics: stored with the snapshot, charted in Trends; bad --metric is one sentence and stores nothing', async () => {
  for (const v of ['120', '95.5']) {
    const r = cli(['snapshot', '--url', db.url, '--store', storeUrl, '--name', 'custom', '--metric', `p95_latency=${v}:ms`, '--metric', 'queue.len=7:jobs']);
    assert.equal(r.status, 0, r.stderr);
  }
  const points = await query<{ metric: string; value: number }>(storeUrl, `SELECT metric, value FROM pgopt.points WHERE conn = 'custom' AND metric LIKE 'custom:%' ORDER BY metric, ts`);
  assert.deepEqual(points, [
    { metric: 'custom:p95_latency', value: 120 },
    { metric: 'custom:p95_latency', value: 95.5 },
    { metric: 'custom:queue.len', value: 7 },
    { metric: 'custom:queue.len', value: 7 },
  ]);
  const a = cli(['analyze', '--url', db.url, '--store', storeUrl, '--name', 'custom', '--sections', 'health', '--format', 'json']);
  const trends = (JSON.parse(a.stdout) as { sections: { id: string; charts?: { id: string; label: string; unit: string; points: [number, number | null][] }[] }[] }).sections.find((s) => s.id === 'trends');
  const p95 = trends?.charts?.find((c) => c.id === 'custom:p95_latency');
  assert.deepEqual(p95?.points.map((p) => p[1]), [120, 95.5]);
  assert.equal(p95?.unit, 'ms');
  assert.equal(trends?.charts?.find((c) => c.id === 'custom:queue.len')?.label, 'queue.len (jobs)');

  const before = await query<{ n: number }>(storeUrl, `SELECT count(*)::int AS n FROM pgopt.snapshots`);
  for (const [bad, why] of [
    ['p95', /name=value/],
    ['P95=1', /is not valid/],
    ['p95=fast', /not a finite number/],
    ['p95=1:<b>', /unit/],
  ] as const) {
    assertOneSentence(cli(['snapshot', '--url', db.url, '--store', storeUrl, '--metric', bad]), why);
  }
  const dup = cli(['snapshot', '--url', db.url, '--store', storeUrl, '--metric', 'a=1', '--metric', 'a=2']);
  assertOneSentence(dup, /given twice/);
  assert.deepEqual(await query(storeUrl, `SELECT count(*)::int AS n FROM pgopt.snapshots`), before, 'nothing stored on bad input');
});

test('an alert episode continues across two CLI runs (forSeconds counts from the first run)', async () => {
  const dir = mkdtempSync(join(tmp, 'alerts-'));
  writeFileSync(
    join(dir, 'pgopt.json'),
    JSON.stringify({ monitoring: { alerts: [{ metric: 'connections', op: '>=', threshold: 0, forSeconds: 1, severity: 'warning', message: 'connections seen' }] } }),
  );
  const first = cli(['snapshot', '--url', db.url, '--store', storeUrl, '--name', 'alerting', '--format', 'json'], dir);
  assert.equal(first.status, 0, first.stderr);
  const t1 = (JSON.parse(first.stdout) as { snapshot: Snapshot; alerts: unknown[] }).snapshot.takenAtMs;
  assert.deepEqual((JSON.parse(first.stdout) as { alerts: unknown[] }).alerts, [], 'not yet: the condition must hold for 1 s');
  await new Promise((r) => setTimeout(r, 1200));
  const second = cli(['snapshot', '--url', db.url, '--store', storeUrl, '--name', 'alerting', '--format', 'json'], dir);
  const out = JSON.parse(second.stdout) as { alerts: { sinceMs: number; message: string }[]; verdict: string };
  // A fresh evaluation would start the wait again at the second run; the stored state fires it, since the first.
  assert.equal(out.alerts.length, 1, second.stdout.slice(0, 400));
  assert.equal(out.alerts[0]?.sinceMs, t1);
  assert.equal(out.verdict, 'warning');
  const third = cli(['snapshot', '--url', db.url, '--store', storeUrl, '--name', 'alerting', '--format', 'json'], dir);
  assert.equal((JSON.parse(third.stdout) as { alerts: { sinceMs: number }[] }).alerts[0]?.sinceMs, t1, 'still the same episode');
  const episodes = await query<{ started_ms: string; cleared_ms: string | null }>(storeUrl, `SELECT started_ms, cleared_ms FROM pgopt.alert_episodes WHERE conn = 'alerting'`);
  assert.deepEqual(episodes, [{ started_ms: String(t1), cleared_ms: null }], 'one open episode, not one per run');
});

test('--import copies a local store; importing twice adds nothing', async () => {
  const file = join(tmp, 'local.sqlite');
  for (let i = 0; i < 3; i++) assert.equal(cli(['snapshot', '--url', db.url, '--store', file, '--name', 'imported', '--metric', `jobs=${i}`]).status, 0);
  const first = cli(['snapshot', '--store', storeUrl, '--import', file, '--format', 'json']);
  assert.equal(first.status, 0, first.stderr);
  const r1 = JSON.parse(first.stdout) as { snapshotsRead: number; snapshotsAdded: number; pointsAdded: number };
  assert.equal(r1.snapshotsRead, 3);
  assert.equal(r1.snapshotsAdded, 3);
  assert.ok(r1.pointsAdded > 3 * 10, `points copied: ${r1.pointsAdded}`);
  const count = async (): Promise<unknown> => query(storeUrl, `SELECT (SELECT count(*)::int FROM pgopt.snapshots WHERE conn = 'imported') AS s, (SELECT count(*)::int FROM pgopt.points WHERE conn = 'imported') AS p`);
  const afterFirst = await count();
  const second = cli(['snapshot', '--store', storeUrl, '--import', file]);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /0 of 3 snapshots added \(3 already there\), 0 points/);
  assert.deepEqual(await count(), afterFirst);
  const jobs = await query<{ value: number }>(storeUrl, `SELECT value FROM pgopt.points WHERE conn = 'imported' AND metric = 'custom:jobs' ORDER BY ts`);
  assert.deepEqual(jobs.map((j) => j.value), [0, 1, 2]);
  assertOneSentence(cli(['snapshot', '--store', join(tmp, 'x.sqlite'), '--import', file]), /give --store postgres/);
  assertOneSentence(cli(['snapshot', '--store', storeUrl, '--import', join(tmp, 'missing.sqlite')]), /does not exist/);
});

test('retention and hourly rollups run server-side: pgopt.compact folds old raw points and keeps each newest snapshot', async () => {
  const store = await PgSnapshotStore.open(resolveUrl(storeUrl, nodeEnvAccess(), 'store'), { create: true });
  try {
    const base = Date.UTC(2026, 0, 1, 10, 0, 0);
    const snap = (ms: number, commits: number, conns: number): Snapshot =>
      ({ schemaVersion: 1, takenAt: new Date(ms).toISOString(), takenAtMs: ms, database: 'x', serverVersionNum: 150000, statsReset: null, inRecovery: false, maxConnections: 100, dbSizeEstimated: false, metrics: { commits, connections: conns }, connectionsByState: {}, statements: null, tables: [], indexes: [], replicas: [], durationMs: 1 }) as Snapshot;
    // Three snapshots in one hour, then one 3 hours later; keep raw for 1 h.
    await store.add('compact', snap(base, 100, 2));
    await store.add('compact', snap(base + 10 * 60_000, 150, 4));
    await store.add('compact', snap(base + 20 * 60_000, 170, 6));
    await store.add('compact', snap(base + 3 * 3_600_000, 200, 8));
    const r = await store.compact({ rawHours: 1, rollupDays: 30 }, base + 3 * 3_600_000);
    assert.equal(r.rawSnapshotsDeleted, 3);
    const rollups = await query<{ metric: string; value: number; n: number }>(storeUrl, `SELECT metric, value, n FROM pgopt.points WHERE conn = 'compact' AND res = 3600000 ORDER BY metric`);
    assert.deepEqual(rollups, [
      { metric: 'commits', value: 70, n: 2 }, // counter: the hour's deltas add up (50 + 20)
      { metric: 'connections', value: 4, n: 3 }, // gauge: the mean
    ]);
    const left = await query<{ taken_ms: string }>(storeUrl, `SELECT taken_ms FROM pgopt.snapshots WHERE conn = 'compact'`);
    assert.deepEqual(left, [{ taken_ms: String(base + 3 * 3_600_000) }]);
    // A reader's view mixes the rollup and the raw point.
    const view = await store.view('compact');
    assert.deepEqual(view.series('compact', 'connections', 0, Number.MAX_SAFE_INTEGER).map((p) => [p.value, p.resolutionMs]), [[4, 3_600_000], [8, 0]]);
  } finally {
    await store.close();
  }
});

test('the store in the monitored database: its statements never show as the workload in pg_stat_statements', async () => {
  await db.exec('SELECT pg_stat_statements_reset()');
  for (let i = 0; i < 2; i++) assert.equal(cli(['snapshot', '--url', db.url, '--store', db.url, '--metric', 'x=1']).status, 0);
  const a = cli(['analyze', '--url', db.url, '--store', db.url, '--sections', 'queries', '--format', 'json']);
  assert.ok(a.status === 0 || a.status === 1, a.stderr);
  const mine = await query<{ query: string }>(db.url, `SELECT query FROM pg_stat_statements WHERE query ILIKE '%pgopt.%' OR query ILIKE '%pgopt"%'`);
  assert.ok(mine.length > 5, `the store's statements were recorded (${mine.length})`);
  const unmarked = mine.filter((m) => !/^\s*\/\*\s*pgopt\b/.test(m.query));
  assert.deepEqual(unmarked, [], 'every store statement carries the /* pgopt */ marker (schema setup included)');
  const report = JSON.parse(a.stdout) as { sections: { id: string }[] };
  assert.doesNotMatch(JSON.stringify(report.sections.find((s) => s.id === 'queries')), /pgopt\.(snapshots|points|compact)/);
});

test('bad stores: unreachable, no privilege, not there for a reader, a newer schema: one sentence, nothing half-done', async () => {
  const port = await freePort();
  const down = cli(['snapshot', '--url', db.url, '--store', `postgres://u@127.0.0.1:${port}/x`, '--connect-timeout', '3']);
  assertOneSentence(down, /cannot reach the shared snapshot store: .*connection refused/);

  const fresh = await db.createDatabase('pgopt_noperm');
  const u = new URL(fresh);
  u.username = PASSWORD_USER;
  u.password = PASSWORD;
  const noPerm = cli(['snapshot', '--url', db.url, '--store', u.toString()]);
  assertOneSentence(noPerm, /role "pgopt_pw" may not create the "pgopt" schema in database "pgopt_noperm"/);
  assert.doesNotMatch(noPerm.stderr, /correct horse/, 'no password in the message');
  assert.deepEqual(await query(fresh, `SELECT nspname FROM pg_namespace WHERE nspname = 'pgopt'`), [], 'no schema left behind');

  assertOneSentence(cli(['analyze', '--url', db.url, '--store', fresh, '--sections', 'health']), /there is no pgopt snapshot store in .*pgopt_noperm yet/);
  assert.deepEqual(await query(fresh, `SELECT nspname FROM pg_namespace WHERE nspname = 'pgopt'`), [], 'a reader never creates the schema');

  const before = await query<{ n: number }>(storeUrl, 'SELECT count(*)::int AS n FROM pgopt.snapshots');
  await query(storeUrl, `INSERT INTO pgopt.schema_migrations (version, name, checksum, up_sql, success) VALUES ('002', 'future', 'x', '', true)`);
  try {
    assertOneSentence(cli(['snapshot', '--url', db.url, '--store', storeUrl]), /schema version 002, written by a newer pgopt .*upgrade pgopt/);
    assertOneSentence(cli(['analyze', '--url', db.url, '--store', storeUrl, '--sections', 'health']), /newer pgopt/);
    assert.deepEqual(await query(storeUrl, 'SELECT count(*)::int AS n FROM pgopt.snapshots'), before, 'nothing written');
  } finally {
    await query(storeUrl, `DELETE FROM pgopt.schema_migrations WHERE version = '002'`);
  }
});
