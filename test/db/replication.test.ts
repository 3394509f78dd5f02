// Replication in the maintenance section, with a real streaming standby started by the harness
// (pg_basebackup -R with a physical slot, hot_standby_feedback on): the primary's view (standby state, lag
// in bytes while replay is paused, the slot, the standby holding the xmin horizon) and the standby's own
// view (WAL receiver, received-not-replayed WAL, paused replay and its SQL, recovery conflicts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { maintenanceAnalyzer } from '../../src/core/analyzers/maintenance/maintenanceAnalyzer';
import { fetchReplicationFacts } from '../../src/core/analyzers/maintenance/replication';
import type { PgoptFile } from '../../src/core/config';
import { applyStatements } from '../../src/core/db/applyStatements';
import { resolveUrl, type ConnectionSpec } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { collectSnapshot } from '../../src/core/metrics/snapshot';
import { buildReport } from '../../src/core/report/buildReport';
import type { ReportSection } from '../../src/core/report/model';
import { debianPostgresAvailable } from '../../scripts/localPostgres';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';
import { startStandby, waitForReplay, waitForStreaming, type Standby } from '../harness/standby';

const skip = !debianPostgresAvailable() || process.env.PGOPT_TEST_FLAVOR === 'embedded' ? 'needs the Debian PostgreSQL binaries (pg_basebackup)' : false;

let db: TestPostgres;
let standby: Standby;
let primary: DbSession;
let replica: DbSession;
let replicaSpec: ConnectionSpec;

async function one<T>(url: string, sql: string, params: unknown[] = []): Promise<T | undefined> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows[0] as T | undefined;
  } finally {
    await c.end();
  }
}

async function poll(what: string, fn: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function section(on: DbSession, config: PgoptFile = {}): Promise<ReportSection> {
  const r = await buildReport(on, { analyzers: [maintenanceAnalyzer], config });
  const s = r.sections[0];
  assert.ok(s);
  assert.equal(s.error, undefined);
  assert.deepEqual(s.unavailable.filter((u) => u.because.startsWith('it failed')), [], 'every check ran');
  return s;
}

before(async () => {
  if (skip) return;
  db = await startTestPostgres();
  await db.exec(`CREATE TABLE readings (id int PRIMARY KEY, v int); INSERT INTO readings SELECT g, g FROM generate_series(1, 1000) g;`);
  standby = await startStandby(db.server, { slot: 'standby_1', settings: { hot_standby_feedback: 'on', wal_receiver_status_interval: 1, max_standby_streaming_delay: 0 } });
  await waitForStreaming(db.url);
  primary = await DbSession.open(resolveUrl(db.url, nodeEnvAccess({}), 'primary'));
  replicaSpec = resolveUrl(standby.urlFor('pgopt_test'), nodeEnvAccess({}), 'standby');
  replica = await DbSession.open(replicaSpec);
});

after(async () => {
  await replica?.close();
  await primary?.close();
  await standby?.stop();
  await db?.stop();
});

test('primary: the streaming standby, its slot and the xmin its hot_standby_feedback holds', { skip }, async () => {
  // Through a slot, the standby's feedback xmin is kept on the slot.
  await poll('the standby feedback xmin', async () => (await one<{ ok: boolean }>(db.url, `SELECT bool_or(xmin IS NOT NULL) AS ok FROM pg_replication_slots WHERE slot_name = 'standby_1'`))?.ok === true);
  const s = await section(primary);
  assert.equal(s.metrics.find((m) => m.id === 'replication-role')?.value, 'primary');
  const standbys = s.tables.find((t) => t.id === 'standbys');
  assert.equal(standbys?.rows.length, 1);
  assert.equal(standbys?.rows[0]?.state, 'streaming');
  assert.equal(standbys?.rows[0]?.feedback, 'on (holds an xmin)');
  const slot = s.tables.find((t) => t.id === 'replication-slots')?.rows.find((r) => r.slot === 'standby_1');
  assert.equal(slot?.active, true);
  assert.ok(!s.findings.some((f) => f.id === 'maintenance.slot-inactive'), 'an active slot is not abandoned');
  const holder = s.tables.find((t) => t.id === 'xmin-holders')?.rows.find((r) => r.kind === 'slot');
  assert.match(String(holder?.detail), /^hot_standby_feedback of standby walreceiver$/);
  // With the thresholds at zero the standby's feedback is a finding, without SQL (it must be fixed on the standby).
  const strict = await section(primary, { maintenance: { horizonSeconds: 0, horizonXids: 0 } });
  const held = strict.findings.find((f) => f.id === 'maintenance.horizon-slot');
  assert.ok(held, strict.findings.map((f) => f.id).join(', '));
  assert.match(held.title, /active physical replication slot "standby_1" \(hot_standby_feedback of standby walreceiver\)/);
  assert.match(held.action ?? '', /hot_standby_feedback off/);
  assert.equal(held.sql, undefined);
});

test('standby: recovery conflicts are counted when replay cancels a query', { skip }, async () => {
  await db.exec('CREATE TABLE doomed (id int); INSERT INTO doomed VALUES (1);');
  await waitForReplay(db.url, standby.urlFor('pgopt_test'));
  const reader = new pg.Client({ connectionString: standby.urlFor('pgopt_test') });
  reader.on('error', () => undefined);
  await reader.connect();
  await reader.query('BEGIN; SELECT * FROM doomed;');
  // DROP TABLE on the primary needs an ACCESS EXCLUSIVE lock on the standby: with max_standby_streaming_delay
  // 0, replay cancels the reader at once.
  await db.exec('DROP TABLE doomed');
  await waitForReplay(db.url, standby.urlFor('pgopt_test'));
  await reader.end().catch(() => undefined);
  await poll('the conflict counter', async () => ((await one<{ n: number }>(standby.urlFor('pgopt_test'), `SELECT confl_lock::int AS n FROM pg_stat_database_conflicts WHERE datname = current_database()`))?.n ?? 0) > 0);
  const s = await section(replica);
  const c = s.findings.find((f) => f.id === 'maintenance.standby-conflicts');
  assert.ok(c, s.findings.map((f) => f.id).join(', '));
  assert.match(c.detail, /lock 1\b/);
  assert.match(c.detail, /hot_standby_feedback is on/);
});

test('lag while replay is paused: bytes behind on the primary, received-not-replayed on the standby, and the resume SQL runs', { skip }, async () => {
  await one(standby.urlFor('pgopt_test'), 'SELECT pg_wal_replay_pause()');
  await db.exec('INSERT INTO readings SELECT g, g FROM generate_series(1001, 20000) g');
  const target = await one<{ lsn: string }>(db.url, 'SELECT pg_current_wal_lsn()::text AS lsn');
  await poll('the standby to receive the new WAL', async () => (await one<{ ok: boolean }>(db.url, 'SELECT bool_and(flush_lsn >= $1::pg_lsn) AS ok FROM pg_stat_replication', [target?.lsn]))?.ok === true);

  const facts = await primary.readOnly((q) => fetchReplicationFacts(q));
  assert.equal(facts.role, 'primary');
  const row = facts.role === 'primary' ? facts.standbys[0] : undefined;
  assert.ok(row && (row.replay_lag_bytes ?? 0) > 100_000, `replay lag ${row?.replay_lag_bytes} bytes`);
  assert.ok((row.flush_lag_bytes ?? 1) < (row.replay_lag_bytes ?? 0), 'flushed but not replayed');
  const s = await section(primary, { maintenance: { replicationLagSeconds: 0 } });
  const lag = s.findings.find((f) => f.id === 'maintenance.standby-lag');
  assert.ok(lag, s.findings.map((f) => f.id).join(', '));
  // The slot's restart_lsn follows what the standby flushed, not what it replayed: little is retained.
  const snap = await collectSnapshot(primary);
  assert.equal(typeof snap.metrics.wal_retained_bytes, 'number');
  assert.ok((snap.metrics.replication_lag_s ?? 0) >= 0);

  const side = await section(replica, { maintenance: { replicationLagSeconds: 0 } });
  assert.equal(side.metrics.find((m) => m.id === 'replication-role')?.value, 'standby');
  const status = Object.fromEntries((side.tables.find((t) => t.id === 'standby-status')?.rows ?? []).map((r) => [r.what, r.value]));
  assert.match(String(status['WAL receiver']), /^streaming from 127\.0\.0\.1:\d+ \(slot standby_1\)$/);
  assert.equal(status['Replay paused'], true);
  assert.notEqual(status['Received, not replayed'], '0 B');
  const paused = side.findings.find((f) => f.id === 'maintenance.standby-replay-paused');
  assert.equal(paused?.sql, 'SELECT pg_wal_replay_resume();');
  const standbySnap = await collectSnapshot(replica);
  assert.equal(standbySnap.inRecovery, true);

  const r = await applyStatements(replicaSpec, paused?.sql ?? '');
  assert.equal(r.ok, true, r.statements.map((x) => x.error).join('; '));
  await waitForReplay(db.url, standby.urlFor('pgopt_test'));
  const resumed = await section(replica);
  assert.ok(!resumed.findings.some((f) => f.id === 'maintenance.standby-replay-paused'));
  const count = await one<{ n: number }>(standby.urlFor('pgopt_test'), 'SELECT count(*)::int AS n FROM readings');
  assert.equal(count?.n, 20000);
});
