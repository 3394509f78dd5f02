// The maintenance section on a real server with autovacuum off: dead rows from updates, a table with
// autovacuum disabled, an inactive physical slot reserving WAL, a prepared transaction and an
// idle-in-transaction session holding the xmin horizon (proved by a VACUUM that cannot remove rows),
// temp spills and pg_stat_statements evictions; bloat estimates compared with pgstattuple after deletes;
// and every finding's SQL run on the throwaway server.
import { after, before, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import pg from 'pg';
import { maintenanceAnalyzer } from '../../src/core/analyzers/maintenance/maintenanceAnalyzer';
import { estimateBtreeBloat, estimateTableBloat, fetchBtreeStats, fetchLayout, fetchTableStats } from '../../src/core/analyzers/maintenance/bloat';
import type { PgoptFile } from '../../src/core/config';
import { applyStatements } from '../../src/core/db/applyStatements';
import { resolveUrl, type ConnectionSpec } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { collectSnapshot } from '../../src/core/metrics/snapshot';
import { buildReport } from '../../src/core/report/buildReport';
import type { ReportSection } from '../../src/core/report/model';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let session: DbSession;
let spec: ConnectionSpec;
let idle: pg.Client;
let idlePid: number;
const CHURN = 'Churn "x"';

let bloatSession: DbSession;
let bloatSpec: ConnectionSpec;

async function rows<T>(sql: string, params: unknown[] = [], url = db.url): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
const bloatSpecUrl = (): string => db.server.urlFor('bloat');
const CONFIG = { maintenance: { horizonSeconds: 0, largeTableRows: 10_000, bloatMinBytes: 0, storage: 'ssd' } };

async function maintenance(config: PgoptFile = CONFIG, on: DbSession = session): Promise<ReportSection> {
  const report = await buildReport(on, { analyzers: [maintenanceAnalyzer], config });
  const s = report.sections[0];
  assert.ok(s);
  assert.equal(s.error, undefined);
  return s;
}

before(async () => {
  db = await startTestPostgres({
    settings: { autovacuum: 'off', max_prepared_transactions: 5, track_io_timing: 'off', 'pg_stat_statements.max': 100 },
  });
  const q = pg.escapeIdentifier(CHURN);
  await db.exec(`
    CREATE TABLE ${q} (id int PRIMARY KEY, v int, pad text);
    INSERT INTO ${q} SELECT g, 0, repeat('x', 40) FROM generate_series(1, 20000) g;
    CREATE TABLE quiet (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false);
    INSERT INTO quiet SELECT g, g FROM generate_series(1, 5000) g;
    CREATE TABLE held (id int PRIMARY KEY, v int);
    INSERT INTO held SELECT g, g FROM generate_series(1, 3000) g;
    SELECT pg_create_physical_replication_slot('abandoned', true);
  `);
  await db.exec(`VACUUM ANALYZE held`);
  await db.exec(`ANALYZE ${q}`);
  await db.exec(`UPDATE ${q} SET v = v + 1`);
  // WAL after the slot's restart_lsn, which it must now retain.
  await db.exec(`CREATE TABLE wal_filler AS SELECT g, md5(g::text) AS h FROM generate_series(1, 50000) g; SELECT pg_switch_wal();`);
  // A forgotten two-phase transaction and an idle session, both with an xid that holds the horizon.
  await db.exec(`BEGIN; INSERT INTO wal_filler VALUES (0, 'prepared'); PREPARE TRANSACTION 'forgotten ''gid''';`);
  idle = new pg.Client({ connectionString: db.url, application_name: 'leaky app' });
  idle.on('error', () => undefined); // the last test terminates it on purpose
  await idle.connect();
  await idle.query('BEGIN');
  idlePid = (await idle.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, txid_current()')).rows[0]?.pid ?? 0;
  // Rows updated now cannot be removed by VACUUM while those two hold the horizon.
  await db.exec(`UPDATE held SET v = v + 1`);
  await db.exec(`VACUUM held`);
  // Sorts that spill (work_mem 64 kB) and more distinct statements than pg_stat_statements.max keeps.
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query(`SET work_mem = '64kB'`);
  for (let i = 0; i < 12; i++) await c.query(`SELECT count(DISTINCT h) FROM wal_filler WHERE g > ${i}`);
  for (let i = 1; i <= 150; i++) await c.query(`SELECT ${Array.from({ length: i }, () => '1').join(', ')}`);
  await c.end();
  spec = resolveUrl(db.url, nodeEnvAccess({}), 'maintenance-test');
  session = await DbSession.open(spec);
  // The bloat tables live in their own database: since PostgreSQL 14 a session's (or prepared
  // transaction's) xmin holds back only its own database, so VACUUM there removes the deleted rows.
  const bloatUrl = await db.createDatabase('bloat');
  await db.exec('CREATE EXTENSION pgstattuple', 'bloat');
  bloatSpec = resolveUrl(bloatUrl, nodeEnvAccess({}), 'maintenance-bloat');
  bloatSession = await DbSession.open(bloatSpec);
});

after(async () => {
  await idle?.end().catch(() => undefined);
  await session?.close();
  await bloatSession?.close();
  await db?.stop();
});

test('dead rows from updates with autovacuum off: found per table, with VACUUM (ANALYZE) on the quoted name', async () => {
  const s = await maintenance();
  const off = s.findings.find((f) => f.id === 'maintenance.autovacuum-off');
  assert.ok(off, 'autovacuum is off on this server');
  const dead = s.findings.find((f) => f.id === 'maintenance.dead-tuples' && f.object?.name === CHURN);
  assert.ok(dead, s.findings.map((f) => f.title).join('\n'));
  assert.match(dead.title, /20,000 dead rows \(50 %/);
  assert.equal(dead.sql, 'VACUUM (ANALYZE) "public"."Churn ""x""";');
  assert.match(dead.detail, /disabled on the server/);
  const row = s.tables.find((t) => t.id === 'vacuum-tables')?.rows.find((r) => r.table === `public.${CHURN}`);
  assert.equal(row?.dead, 20000);
  assert.equal(row?.mod, 20000, 'the 20,000 updates count as modifications since the analyze');
  const metric = s.metrics.find((m) => m.id === 'dead-tuples');
  assert.ok(typeof metric?.value === 'number' && metric.value >= 20000);
  const scale = s.findings.find((f) => f.id === 'maintenance.autovacuum-scale-factor' && f.object?.name === CHURN);
  assert.equal(scale, undefined, 'no per-table scale advice while autovacuum is off');
  const quiet = s.findings.find((f) => f.id === 'maintenance.autovacuum-disabled-table');
  assert.equal(quiet?.object?.name, 'quiet');
  assert.equal(quiet?.sql, 'ALTER TABLE "public"."quiet" RESET (autovacuum_enabled);');
  const never = s.findings.find((f) => f.id === 'maintenance.never-analyzed' && f.object?.name === 'quiet');
  assert.equal(never?.sql, 'ANALYZE "public"."quiet";');
});

test('an inactive physical slot reserving WAL is found with the WAL it retains', async () => {
  const s = await maintenance();
  const slot = s.findings.find((f) => f.id === 'maintenance.slot-inactive');
  assert.ok(slot, s.findings.map((f) => f.id).join(', '));
  assert.match(slot.title, /Inactive physical replication slot abandoned retains \d/);
  assert.equal(slot.sql, `SELECT pg_drop_replication_slot('abandoned');`);
  const [exact] = await rows<{ bytes: number }>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::float8 AS bytes FROM pg_replication_slots WHERE slot_name = 'abandoned'`);
  const metric = s.metrics.find((m) => m.id === 'wal-retained');
  assert.ok(exact && typeof metric?.value === 'number');
  assert.ok(metric.value >= 1024 * 1024, `retains at least the 1 MB of WAL written after it: ${metric.value}`);
  assert.ok(Math.abs(metric.value - exact.bytes) < 1024 * 1024, `${metric.value} vs ${exact.bytes}`);
  const table = s.tables.find((t) => t.id === 'replication-slots');
  assert.equal(table?.rows[0]?.slot, 'abandoned');
  assert.equal(table?.rows[0]?.wal_status, 'reserved');
});

test('a prepared transaction and an idle-in-transaction session hold the horizon: both named, with their SQL', async () => {
  const [held] = await rows<{ dead: number }>(`SELECT n_dead_tup::float8 AS dead FROM pg_stat_user_tables WHERE relname = 'held'`);
  assert.equal(held?.dead, 3000, 'VACUUM could not remove the updated rows: the horizon is really held');
  const s = await maintenance();
  const prepared = s.findings.find((f) => f.id === 'maintenance.horizon-prepared');
  assert.ok(prepared, s.findings.map((f) => f.id).join(', '));
  assert.equal(prepared.sql, `ROLLBACK PREPARED 'forgotten ''gid''';`);
  const leaky = s.findings.find((f) => f.id === 'maintenance.horizon-session');
  assert.ok(leaky);
  assert.equal(leaky.sql, `SELECT pg_terminate_backend(${idlePid});`);
  assert.match(leaky.title, /leaky app, idle in transaction/);
  const holders = s.tables.find((t) => t.id === 'xmin-holders');
  const kinds = holders?.rows.map((r) => r.kind);
  assert.ok(kinds?.includes('prepared') && kinds.includes('session'), String(kinds));
  assert.ok(!holders?.rows.some((r) => String(r.holder).startsWith(`session ${session.backendPid} `)), 'our own analysis transaction is not a holder');
  const oldest = s.metrics.find((m) => m.id === 'oldest-xmin');
  assert.ok(typeof oldest?.value === 'number' && oldest.value >= 1);
  // With the default thresholds (10 min / 1M transactions) neither is old enough to be a finding yet.
  const quiet = await maintenance({});
  assert.equal(quiet.findings.filter((f) => f.id.startsWith('maintenance.horizon-')).length, 0);
});

test('settings review: temp spills, evicted pg_stat_statements entries, track_io_timing off, random_page_cost on SSD', async () => {
  const s = await maintenance();
  const ids = s.findings.map((f) => f.id);
  for (const id of ['maintenance.settings-work-mem', 'maintenance.settings-pgss-max', 'maintenance.settings-track-io-timing', 'maintenance.settings-random-page-cost']) {
    assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);
  }
  assert.equal(s.findings.find((f) => f.id === 'maintenance.settings-pgss-max')?.sql, 'ALTER SYSTEM SET pg_stat_statements.max = 10000;');
  const review = s.tables.find((t) => t.id === 'settings-review');
  assert.deepEqual(review?.rows.map((r) => r.setting), ['max_wal_size', 'work_mem', 'shared_buffers', 'effective_cache_size', 'random_page_cost', 'track_io_timing', 'pg_stat_statements.max']);
  const temp = s.tables.find((t) => t.id === 'temp-files');
  assert.ok(temp?.rows.some((r) => r.database === 'pgopt_test' && Number(r.files) >= 12));
  // Without "storage": "ssd", random_page_cost is not judged.
  const unknown = await maintenance({ maintenance: { horizonSeconds: 0 } });
  assert.ok(!unknown.findings.some((f) => f.id === 'maintenance.settings-random-page-cost'));
});

test('bloat estimates against pgstattuple after deletes (tables and btree indexes)', async (t) => {
  await db.exec(`
    CREATE TABLE packed (id int PRIMARY KEY, v int, note text);
    INSERT INTO packed SELECT g, g % 100, 'note ' || g FROM generate_series(1, 40000) g;
    CREATE TABLE halved (id int PRIMARY KEY, v int, note text);
    INSERT INTO halved SELECT g, g % 100, 'note ' || g FROM generate_series(1, 40000) g;
    CREATE TABLE mostly_gone (id bigint PRIMARY KEY, amount numeric, at timestamptz);
    INSERT INTO mostly_gone SELECT g, g * 1.5, now() FROM generate_series(1, 30000) g;
    DELETE FROM halved WHERE id % 2 = 0;
    DELETE FROM mostly_gone WHERE id % 5 <> 0;
  `, 'bloat');
  for (const name of ['packed', 'halved', 'mostly_gone']) await db.exec(`VACUUM ANALYZE ${name}`, 'bloat');
  const { tables, indexes, layout } = await bloatSession.readOnly(async (q) => ({ layout: await fetchLayout(q), tables: await fetchTableStats(q), indexes: await fetchBtreeStats(q) }));
  for (const name of ['packed', 'halved', 'mostly_gone']) {
    const row = tables.find((r) => r.table === name);
    assert.ok(row, name);
    const est = estimateTableBloat(row, layout);
    const [exact] = await rows<{ ratio: number }>(`SELECT (free_space + dead_tuple_len)::float8 / table_len AS ratio FROM pgstattuple($1::regclass)`, [name], bloatSpecUrl());
    assert.ok(exact);
    t.diagnostic(`table ${name}: estimated ${(est.ratio * 100).toFixed(1)} % wasted, pgstattuple ${(exact.ratio * 100).toFixed(1)} % free+dead`);
    assert.ok(est.reliable);
    assert.ok(Math.abs(est.ratio - exact.ratio) <= 0.1, `${name}: estimate ${est.ratio} vs exact ${exact.ratio}`);
    const idx = indexes.find((r) => r.index === `${name}_pkey`);
    assert.ok(idx, `${name}_pkey`);
    const iest = estimateBtreeBloat(idx, layout);
    // pgstatindex: leaf density against the 90 % a freshly built btree packs its leaves to.
    const [iexact] = await rows<{ ratio: number }>(`SELECT greatest(0, 1 - avg_leaf_density / 90)::float8 AS ratio FROM pgstatindex($1::regclass)`, [`${name}_pkey`], bloatSpecUrl());
    assert.ok(iexact);
    t.diagnostic(`index ${name}_pkey: estimated ${(iest.ratio * 100).toFixed(1)} % wasted, pgstatindex ${(iexact.ratio * 100).toFixed(1)} % below 90 % leaf density`);
    assert.ok(Math.abs(iest.ratio - iexact.ratio) <= 0.12, `${name}_pkey: estimate ${iest.ratio} vs exact ${iexact.ratio}`);
  }
  const s = await maintenance({ maintenance: { bloatMinBytes: 0, bloatRatio: 0.5 } }, bloatSession);
  const found = s.findings.filter((f) => f.id === 'maintenance.table-bloat' || f.id === 'maintenance.index-bloat').map((f) => f.object?.name);
  assert.ok(found.includes('mostly_gone') && found.includes('mostly_gone_pkey'), found.join(', '));
  assert.ok(!found.includes('packed') && !found.includes('packed_pkey'), found.join(', '));
  assert.equal(s.findings.find((f) => f.object?.name === 'mostly_gone_pkey')?.sql, 'REINDEX INDEX CONCURRENTLY "public"."mostly_gone_pkey";');
});

test('snapshots carry dead rows, the oldest xmin age and WAL retained by slots', async () => {
  const snap = await collectSnapshot(session);
  assert.ok((snap.metrics.dead_tuples ?? 0) >= 20000);
  assert.ok((snap.metrics.oldest_xmin_age ?? 0) >= 1, 'the prepared transaction and idle session hold an xmin');
  assert.ok((snap.metrics.wal_retained_bytes ?? 0) >= 1024 * 1024);
  assert.equal(snap.vacuum?.[0]?.name, CHURN);
  assert.equal(snap.vacuum?.[0]?.dead, 20000);
});

test('dead rows growing across stored snapshots without an autovacuum become a finding', async () => {
  const q = pg.escapeIdentifier(CHURN);
  const history = [];
  for (let i = 0; i < 3; i++) {
    await db.exec(`UPDATE ${q} SET v = v + 1 WHERE id <= 5000`);
    history.push(await collectSnapshot(session));
  }
  const report = await buildReport(session, { analyzers: [maintenanceAnalyzer], config: CONFIG, history });
  const s = report.sections[0];
  const growth = s?.findings.find((f) => f.id === 'maintenance.autovacuum-not-keeping-up');
  assert.ok(growth, s?.findings.map((f) => f.id).join(', '));
  assert.equal(growth.object?.name, CHURN);
  assert.ok(!s?.unavailable.some((u) => u.what.startsWith('Tables autovacuum fails')), 'three snapshots are enough');
  const largest = s?.tables.find((t) => t.id === 'largest-relations');
  assert.ok(largest?.rows.some((r) => r.table === `public.${CHURN}` && String(r.growth).startsWith('+')), JSON.stringify(largest?.rows.slice(0, 3)));
});

test('pgopt analyze --sections maintenance --store: the growth across CLI snapshots is in the JSON report', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'pgopt-maint-cli-'));
  try {
    const store = join(tmp, 'snapshots.sqlite');
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && k !== 'DATABASE_URL'));
    const pgopt = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp, env: clean, timeout: 60_000 });
    for (let i = 0; i < 3; i++) {
      // One more batch of updates before each snapshot: the table's dead rows grow at every step.
      await db.exec(`UPDATE ${pg.escapeIdentifier(CHURN)} SET v = v + 1 WHERE id <= 2000`);
      const r = pgopt(['snapshot', '--url', db.url, '--store', store, '--name', 'prod']);
      assert.equal(r.status, 0, r.stderr);
    }
    const r = pgopt(['analyze', '--url', db.url, '--sections', 'maintenance', '--store', store, '--name', 'prod', '--format', 'json', '--config', writeConfig(tmp)]);
    assert.equal(r.status, 1, `errors (autovacuum off, 50 % dead rows) exit 1: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as { sections: ReportSection[] };
    assert.deepEqual(report.sections.map((x) => x.id), ['maintenance', 'trends', 'query-deltas']);
    const m = report.sections[0];
    assert.ok(m?.findings.some((f) => f.id === 'maintenance.autovacuum-not-keeping-up' && f.object?.name === CHURN), m?.findings.map((f) => f.id).join(', '));
    const trends = report.sections[1]?.tables[0]?.rows.map((row) => row.metric);
    for (const label of ['Dead rows', 'Oldest xmin age', 'WAL retained by slots']) assert.ok(trends?.includes(label), `${label} in Trends: ${trends?.join(', ')}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

function writeConfig(dir: string): string {
  const file = join(dir, 'pgopt.json');
  writeFileSync(file, JSON.stringify(CONFIG));
  return file;
}

test("every finding's SQL runs on the throwaway server, and the holders are gone afterwards", async () => {
  const s = await maintenance();
  const inBloat = await maintenance(CONFIG, bloatSession);
  const sqls = [...new Set(s.findings.map((f) => f.sql).filter((x): x is string => typeof x === 'string'))];
  // Server-wide holders (the prepared transaction, the session, the slot) show in both databases: run them once.
  const bloatSqls = [...new Set(inBloat.findings.map((f) => f.sql).filter((x): x is string => typeof x === 'string' && !sqls.includes(x)))];
  const expected = ['VACUUM (ANALYZE)', 'ANALYZE', 'ALTER TABLE', 'pg_drop_replication_slot', 'ROLLBACK PREPARED', 'pg_terminate_backend', 'ALTER SYSTEM', 'REINDEX INDEX CONCURRENTLY'];
  for (const e of expected) assert.ok([...sqls, ...bloatSqls].some((x) => x.includes(e)), `a finding suggests ${e}: ${sqls.join(' | ')}`);
  // Release the horizon first: REINDEX CONCURRENTLY waits for every older transaction, VACUUM cannot clean past them.
  const first = (x: string): number => (/pg_terminate_backend|ROLLBACK PREPARED|pg_drop_replication_slot/.test(x) ? 0 : 1);
  sqls.sort((a, b) => first(a) - first(b));
  for (const sql of sqls) {
    const r = await applyStatements(spec, sql);
    assert.equal(r.ok, true, `${sql}: ${r.statements.map((x) => x.error).filter(Boolean).join('; ')}`);
  }
  for (const sql of bloatSqls) {
    const r = await applyStatements(bloatSpec, sql);
    assert.equal(r.ok, true, `${sql}: ${r.statements.map((x) => x.error).filter(Boolean).join('; ')}`);
  }
  await db.exec(`SELECT pg_reload_conf()`);
  const after = await maintenance();
  const left = after.findings.map((f) => f.id);
  for (const id of ['maintenance.horizon-prepared', 'maintenance.horizon-session', 'maintenance.slot-inactive', 'maintenance.autovacuum-off', 'maintenance.autovacuum-disabled-table', 'maintenance.settings-track-io-timing']) {
    assert.ok(!left.includes(id), `${id} is gone after its SQL ran: ${left.join(', ')}`);
  }
  assert.ok(!after.findings.some((f) => f.id === 'maintenance.dead-tuples' && f.object?.name === CHURN), 'vacuumed');
});
