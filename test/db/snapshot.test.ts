// Real snapshots against a real server: the batch reads what the server did between two snapshots
// (commits, statements, an idle-in-transaction session, a stats reset), the store keeps it, and the
// CLI does the same from a cron-style run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { probeCapabilities, type Capabilities } from '../../src/core/db/capabilities';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { CancelledError, DbSession } from '../../src/core/db/session';
import { DEFAULT_ALERT_RULES, evaluateAlerts } from '../../src/core/metrics/alerts';
import { intervalValues, statementDeltas } from '../../src/core/metrics/deltas';
import { collectSnapshot } from '../../src/core/metrics/snapshot';
import { openSqliteSnapshotStore } from '../../src/core/metrics/sqliteSnapshotStore';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
const HOSTILE = `<script>alert("x")</script> 'tbl'`;
let db: TestPostgres;
let session: DbSession;
let caps: Capabilities;
const tmp = mkdtempSync(join(tmpdir(), 'pgopt-snap-'));

before(async () => {
  db = await startTestPostgres();
  await db.exec(`
    CREATE TABLE big (id int PRIMARY KEY, pad text);
    INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g;
    CREATE TABLE ${pg.escapeIdentifier(HOSTILE)} (v int);
    CREATE INDEX big_pad ON big (pad);
  `);
  session = await DbSession.open(resolveUrl(db.url, nodeEnvAccess({}), 'snapshot-test'));
  caps = await session.readOnly((q) => probeCapabilities(q));
});

after(async () => {
  await session?.close();
  await db?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('two real snapshots: server-time stamps, counters, sizes, statements, and deltas between them', async () => {
  // A snapshot keeps the top statements by total time (DEFAULT_TOP_STATEMENTS = 50), and a delta needs the
  // statement in both. Setup (CREATE, INSERT of 20,000 rows, the capability probe…) leaves ~70 statements with more
  // time than one fast lookup, so without a reset the lookup fell below the cut in snapshot a whenever timings
  // shuffled (under load: "has a delta" failed with undefined). After the reset only this test's statements count.
  await db.exec('SELECT pg_stat_statements_reset()');
  // Once before the first snapshot, so the statement has a base to compute its delta from.
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query('SELECT count(*) FROM big WHERE id < $1', [5]);
  const a = await collectSnapshot(session, { caps });
  assert.ok(a.statements && a.statements.length < 50, `after the reset every statement fits under the cut (${a.statements?.length})`);
  assert.equal(a.statements.find((s) => s.query.includes('FROM big WHERE id <'))?.calls, 1, 'the lookup is in snapshot a');
  assert.equal(a.database, 'pgopt_test');
  assert.ok(Math.abs(a.takenAtMs - Date.parse(a.takenAt)) < 1, `${a.takenAt} vs ${a.takenAtMs}`);
  assert.ok((a.metrics.commits ?? 0) > 0);
  assert.ok((a.metrics.db_size_bytes ?? 0) > 4_000_000);
  assert.ok((a.metrics.connections ?? 0) >= 1);
  assert.ok((a.metrics.wraparound_age ?? -1) >= 0);
  assert.ok((a.metrics.wraparound_headroom_pct ?? 0) > 99);
  assert.equal(a.metrics.replication_lag_s, null, 'no replication on the test server');
  assert.deepEqual(a.tables[0] && [a.tables[0].schema, a.tables[0].name], ['public', 'big']);
  assert.ok(a.tables.some((t) => t.name === HOSTILE), 'hostile names come back verbatim');
  assert.ok(a.indexes.some((i) => i.name === 'big_pad' && i.table === 'big'));
  assert.ok(a.statements !== null, a.statementsUnavailable);

  // Work between the snapshots: 25 commits of a recognisable statement, run by another client.
  try {
    for (let i = 0; i < 25; i++) await client.query('SELECT count(*) FROM big WHERE id < $1', [i * 100]);
  } finally {
    await client.end();
  }
  const b = await collectSnapshot(session, { caps });
  assert.ok(b.takenAtMs > a.takenAtMs);
  const iv = intervalValues(a, b);
  assert.ok((iv.values.commits ?? 0) >= 25, `commits delta ${iv.values.commits}`);
  assert.ok((iv.values.statement_calls ?? 0) >= 25);
  assert.deepEqual(iv.resets, []);
  const top = statementDeltas(a.statements, b.statements).find((s) => s.query.includes('FROM big WHERE id <'));
  assert.ok(top, 'the statement run between the snapshots has a delta');
  assert.equal(top.calls, 25);
});

test('a stats reset between snapshots is a reset, never a negative delta', async () => {
  const a = await collectSnapshot(session, { caps });
  await db.exec('SELECT pg_stat_reset(); SELECT pg_stat_statements_reset();');
  await new Promise((r) => setTimeout(r, 600)); // the stats collector publishes the reset
  const b = await collectSnapshot(session, { caps });
  const iv = intervalValues(a, b);
  assert.ok(iv.resets.includes('commits'), `resets: ${iv.resets.join(', ')}`);
  for (const [k, v] of Object.entries(iv.values)) assert.ok(v === null || v >= 0, `${k} = ${v}`);
  assert.ok(statementDeltas(a.statements, b.statements).every((s) => s.calls >= 0 && s.totalMs >= 0));
});

test('an idle-in-transaction session shows up, and the alert evaluator fires on it with a 0 s threshold', async () => {
  const idle = new pg.Client({ connectionString: db.url });
  await idle.connect();
  try {
    await idle.query('BEGIN; SELECT 1');
    await new Promise((r) => setTimeout(r, 1100));
    const s = await collectSnapshot(session, { caps });
    assert.ok((s.metrics.connections_idle_in_tx ?? 0) >= 1);
    assert.ok((s.metrics.idle_in_tx_max_s ?? 0) >= 1);
    const rules = [{ ...DEFAULT_ALERT_RULES[2]!, threshold: 0.5 }];
    const e = evaluateAlerts(rules, s.metrics, s.takenAtMs);
    assert.deepEqual(e.events.map((x) => x.kind), ['fired']);
  } finally {
    await idle.query('ROLLBACK').catch(() => undefined);
    await idle.end();
  }
});

test('without capabilities the statements are skipped with a reason, the rest is collected', async () => {
  const s = await collectSnapshot(session);
  assert.equal(s.statements, null);
  assert.match(s.statementsUnavailable ?? '', /capabilities/);
  assert.equal(s.metrics.statement_calls, null);
  assert.ok((s.metrics.commits ?? 0) >= 0);
});

test('an aborted snapshot rejects with CancelledError and leaves the session usable', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(collectSnapshot(session, { caps, signal: controller.signal }), CancelledError);
  assert.ok((await collectSnapshot(session, { caps })).takenAtMs > 0);
});

test('pgopt snapshot --store: two cron runs build a history with deltas; a bad store is a clean exit 2', () => {
  const store = join(tmp, 'hist.sqlite');
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'snapshot', ...args], { encoding: 'utf8', cwd: tmp, timeout: 60_000 });
  const first = run(['--url', db.url, '--store', store]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /Snapshot of pgopt_test at \d{4}-\d\d-\d\dT/);
  assert.match(first.stdout, /Cache hit ratio/);
  const second = run(['--url', db.url, '--store', store, '--format', 'json', '--name', 'ci']);
  assert.equal(second.status, 0, second.stderr);
  const out = JSON.parse(second.stdout) as { connection: string; bytes: number; interval: { values: Record<string, number | null> } };
  assert.equal(out.connection, 'ci');
  assert.ok(out.bytes > 500);
  assert.equal(out.interval.values.commits, null, 'a new connection key has no delta base yet');
  const third = run(['--url', db.url, '--store', store]);
  assert.match(third.stdout, /Commits\s+[\d,]+\s+\(\+[\d,]+ in/);
  assert.ok(statSync(store).size > 0);
  const s = openSqliteSnapshotStore(store);
  try {
    assert.deepEqual(s.connections().length, 2);
  } finally {
    s.close();
  }
  // pgopt analyze --format markdown|html --store: the Trends section comes from the same store.
  const analyze = (args: string[]) => spawnSync(process.execPath, [CLI, 'analyze', '--url', db.url, '--sections', 'health', '--store', store, ...args], { encoding: 'utf8', cwd: tmp, timeout: 60_000 });
  const md = analyze(['--format', 'markdown']);
  assert.equal(md.status, 0, md.stderr);
  assert.match(md.stdout, /^# Postgres Optimizer report/m);
  assert.match(md.stdout, /## Trends — ok/);
  assert.match(md.stdout, /\| Commits \\\(per interval\\\) \|/);
  const html = analyze(['--format', 'html']);
  assert.match(html.stdout, /<details class="section" id="section-trends"/);
  assert.match(html.stdout, /<svg class="chart"/, 'the Trends charts are in the HTML export (static SVG)');
  assert.doesNotMatch(html.stdout, /<(script|link|img)\b/i);
  const missing = analyze(['--store', join(tmp, 'typo.sqlite')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /typo\.sqlite does not exist/);
  const bad = run(['--url', db.url, '--store', join(tmp, 'hist.sqlite', 'inside-a-file')]);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /pgopt: .*(snapshot store|ENOTDIR|EEXIST)/);
  const down = run(['--url', 'postgres://nobody@127.0.0.1:1/x', '--connect-timeout', '2']);
  assert.equal(down.status, 2);
});

test('pgopt snapshot judges alerts with the one verdict: a warning rule exits 0 with verdict warning, an error rule exits 1', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'snapshot', ...args], { encoding: 'utf8', cwd: tmp, timeout: 60_000 });
  const cfg = (severity: string): string => {
    const file = join(tmp, `alerts-${severity}.json`);
    writeFileSync(file, JSON.stringify({ monitoring: { alerts: [{ metric: 'connections_used_pct', op: '>=', threshold: 0, forSeconds: 0, severity }] } }));
    return file;
  };
  const warn = run(['--url', db.url, '--config', cfg('warning'), '--format', 'json']);
  assert.equal(warn.status, 0, warn.stderr);
  assert.equal((JSON.parse(warn.stdout) as { verdict: string }).verdict, 'warning');
  const err = run(['--url', db.url, '--config', cfg('error')]);
  assert.equal(err.status, 1, err.stderr);
  assert.match(err.stdout, /Verdict: error$/m);
});
