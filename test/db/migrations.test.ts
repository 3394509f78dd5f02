// The migration runner on a real server: round trip, drift, refusals, resumable non-transactional
// migrations with a real INVALID index, the advisory lock (two runners; CIC under the lock), hostile
// names, other tools' tables, cancel and the audit log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { MigrationLockError } from '../../src/core/migrations/advisoryLock';
import { JsonlAuditSink, MemoryAuditSink } from '../../src/core/migrations/audit';
import { flywayChecksum } from '../../src/core/migrations/checksum';
import { discoverMigrations } from '../../src/core/migrations/discovery';
import { applyMigrations, rollbackMigrations, type MigrationProgress } from '../../src/core/migrations/runner';
import { readStatus } from '../../src/core/migrations/status';
import type { TrackingTarget } from '../../src/core/migrations/types';
import { loadParser } from '../../src/core/sql/parser';
import { catalogSnapshot, connector, withClient, writeMigrationDir } from '../harness/migrationFixtures';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let dbCount = 0;

before(async () => {
  await loadParser();
  db = await startTestPostgres();
});
after(async () => {
  await db?.stop();
});

async function freshDb(): Promise<string> {
  return db.createDatabase(`mig_${++dbCount}`);
}

const q = (c: pg.Client) => ({ query: async <R extends object>(sql: string, params?: unknown[]) => (await c.query<R>(sql, params)).rows });

async function status(url: string, dir: string, tracking?: TrackingTarget) {
  const d = discoverMigrations(dir);
  return withClient(url, (c) => readStatus(q(c), d.migrations, { ...(tracking ? { tracking } : {}), problems: d.problems }));
}

function run(url: string, dir: string, extra: Record<string, unknown> = {}) {
  const d = discoverMigrations(dir);
  return { d, opts: { connect: connector(url), connectionLabel: url, audit: new MemoryAuditSink(), problems: d.problems, ...extra } };
}

const ROUND_TRIP = {
  '1_users.up.sql': `CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);
CREATE UNIQUE INDEX users_email ON users (email);`,
  '2_orders.up.sql': `CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, total numeric(12,2));
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
CREATE TYPE order_state AS ENUM ('new', 'paid');`,
  '2_orders.down.sql': `DROP TYPE order_state; DROP TABLE orders;`,
  '3_orders_user_idx.up.sql': `CREATE INDEX CONCURRENTLY orders_user ON orders (user_id);`,
  '4_rename.up.sql': `ALTER TABLE orders RENAME COLUMN total TO amount;
ALTER TABLE users ADD COLUMN name text;
CREATE VIEW user_orders AS SELECT u.id, count(o.id) AS n FROM users u LEFT JOIN orders o ON o.user_id = u.id GROUP BY u.id;
CREATE FUNCTION order_count(uid bigint) RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM orders WHERE user_id = uid';`,
};

test('round trip: up, down to nothing, up again leaves identical catalogs; status tells each step', async () => {
  const url = await freshDb();
  const dir = writeMigrationDir(ROUND_TRIP);
  const empty = await catalogSnapshot(url);
  const s0 = await status(url, dir);
  assert.equal(s0.source, 'none');
  assert.equal(s0.counts.pending, 4);
  assert.equal(await withClient(url, async (c) => (await c.query(`SELECT to_regclass('public.pgopt_migrations') AS r`)).rows[0].r), null, 'status never creates the tracking table');

  const { d, opts } = run(url, dir);
  const progress: MigrationProgress[] = [];
  const up = await applyMigrations(d.migrations, { ...opts, onProgress: (p) => progress.push(p) });
  assert.ok(up.ok, JSON.stringify(up));
  assert.deepEqual(up.done.map((m) => [m.version, m.mode]), [['1', 'transaction'], ['2', 'transaction'], ['3', 'statements'], ['4', 'transaction']]);
  assert.ok(progress.some((p) => p.kind === 'statement' && p.version === '3'));
  const full = await catalogSnapshot(url);
  assert.ok(full.includes('idx CREATE INDEX orders_user ON public.orders USING btree (user_id)'), full.join('\n'));
  const s1 = await status(url, dir);
  assert.deepEqual(s1.entries.map((e) => e.state), ['applied', 'applied', 'applied', 'applied']);
  assert.equal(s1.entries[0]?.applied?.success, true);

  const down1 = await rollbackMigrations(d.migrations, { ...opts });
  assert.ok(down1.ok, JSON.stringify(down1));
  assert.deepEqual(down1.done.map((m) => m.version), ['4']);
  assert.deepEqual((await status(url, dir)).entries.map((e) => e.state), ['applied', 'applied', 'applied', 'pending']);

  const downAll = await rollbackMigrations(d.migrations, { ...opts, target: { kind: 'to', version: '0' } });
  assert.ok(downAll.ok, JSON.stringify(downAll));
  assert.deepEqual(downAll.done.map((m) => m.version), ['3', '2', '1']);
  assert.deepEqual(await catalogSnapshot(url), empty);

  const again = await applyMigrations(d.migrations, opts);
  assert.ok(again.ok);
  assert.deepEqual(await catalogSnapshot(url), full);
  const kinds = (opts.audit as MemoryAuditSink).records.map((r) => `${r.action}:${r.version ?? ''}:${r.result}`);
  assert.deepEqual(kinds.slice(0, 5), ['create-tracking-table::ok', 'apply:1:ok', 'apply:2:ok', 'apply:3:ok', 'apply:4:ok']);
  assert.equal(kinds.filter((k) => k.startsWith('rollback')).length, 4);
});

test('up to a version, exactly one, and nothing pending is a no-op', async () => {
  const url = await freshDb();
  const dir = writeMigrationDir(ROUND_TRIP);
  const { d, opts } = run(url, dir);
  const to2 = await applyMigrations(d.migrations, { ...opts, target: { kind: 'to', version: '2' } });
  assert.deepEqual(to2.done.map((m) => m.version), ['1', '2']);
  const one = await applyMigrations(d.migrations, { ...opts, target: { kind: 'one', version: '3' } });
  assert.deepEqual(one.done.map((m) => m.version), ['3']);
  const rest = await applyMigrations(d.migrations, opts);
  assert.deepEqual(rest.done.map((m) => m.version), ['4']);
  const none = await applyMigrations(d.migrations, opts);
  assert.deepEqual([none.ok, none.done.length], [true, 0]);
});

test('drift: an edited applied file shows as drifted with a diff, and up refuses until allowed', async () => {
  const url = await freshDb();
  const dir = writeMigrationDir({ '001_a.sql': 'CREATE TABLE a (id int);\n', '002_b.sql': 'CREATE TABLE b (id int);\n' });
  const { d, opts } = run(url, dir);
  assert.ok((await applyMigrations(d.migrations, opts)).ok);
  writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (id bigint);\n');
  writeFileSync(join(dir, '003_c.sql'), 'CREATE TABLE c (id int);\n');
  const s = await status(url, dir);
  const e = s.entries.find((x) => x.version === '1');
  assert.equal(e?.state, 'drifted');
  assert.match(e?.diff ?? '', /-CREATE TABLE a \(id int\);\n\+CREATE TABLE a \(id bigint\);/);
  const r2 = run(url, dir);
  const refused = await applyMigrations(r2.d.migrations, r2.opts);
  assert.equal(refused.ok, false);
  assert.match(refused.blockers?.join('\n') ?? '', /1 a: the file changed after it was applied/);
  assert.equal(await withClient(url, async (c) => (await c.query(`SELECT to_regclass('c') AS r`)).rows[0].r), null, 'nothing ran');
  const allowed = await applyMigrations(r2.d.migrations, { ...r2.opts, allowDrift: true });
  assert.deepEqual(allowed.done.map((m) => m.version), ['3']);
});

test('generated down SQL is refused for DROP COLUMN, with the reason, and nothing is touched', async () => {
  const url = await freshDb();
  const dir = writeMigrationDir({ '001_t.sql': 'CREATE TABLE t (a int, b int);', '002_drop.sql': 'ALTER TABLE t DROP COLUMN b;' });
  const { d, opts } = run(url, dir);
  assert.ok((await applyMigrations(d.migrations, opts)).ok);
  const before = await catalogSnapshot(url);
  const r = await rollbackMigrations(d.migrations, opts);
  assert.equal(r.ok, false);
  assert.match(r.blockers?.join('\n') ?? '', /2 drop: no down SQL, and it cannot be generated: statement 1 \(ALTER TABLE t DROP COLUMN b\): DROP COLUMN is irreversible/);
  assert.deepEqual(await catalogSnapshot(url), before);
  assert.equal((await status(url, dir)).counts.applied, 2);
});

test('a failing transactional migration leaves nothing behind and shows as failed; fixed, it applies', async () => {
  const url = await freshDb();
  const dir = writeMigrationDir({ '001_ok.sql': 'CREATE TABLE ok (id int);', '002_bad.sql': 'CREATE TABLE half (id int);\nCREATE INDEX ON nope (x);\n' });
  const { d, opts } = run(url, dir);
  const before = await catalogSnapshot(url);
  const r = await applyMigrations(d.migrations, opts);
  assert.equal(r.ok, false);
  assert.deepEqual([r.failed?.version, r.failed?.statementIndex, r.failed?.code], ['2', 1, '42P01']);
  const s = await status(url, dir);
  assert.deepEqual(s.entries.map((e) => e.state), ['applied', 'failed']);
  assert.match(s.entries[1]?.detail ?? '', /failed at statement 2 of 2: relation "nope" does not exist \(rolled back\)/);
  assert.equal(await withClient(url, async (c) => (await c.query(`SELECT to_regclass('half') AS r`)).rows[0].r), null);
  assert.deepEqual((await catalogSnapshot(url)).filter((l) => !before.includes(l)).filter((l) => /half/.test(l)), []);
  writeFileSync(join(dir, '002_bad.sql'), 'CREATE TABLE half (id int);\n');
  const r2 = run(url, dir);
  const fixed = await applyMigrations(r2.d.migrations, r2.opts);
  assert.ok(fixed.ok, JSON.stringify(fixed));
  assert.deepEqual((await status(url, dir)).entries.map((e) => e.state), ['applied', 'applied']);
});

test('non-transactional migration: a failed CIC leaves an INVALID index; the re-run resumes, drops it and rebuilds', async () => {
  const url = await freshDb();
  const sql = `CREATE TABLE x (a int);
INSERT INTO x VALUES (1), (1), (2);
CREATE UNIQUE INDEX CONCURRENTLY x_a ON x (a);
CREATE TABLE y (id int);
`;
  const dir = writeMigrationDir({ '001_x.sql': sql });
  const { d, opts } = run(url, dir);
  const r = await applyMigrations(d.migrations, opts);
  assert.equal(r.ok, false);
  assert.equal(r.failed?.statementIndex, 2);
  assert.equal(r.failed?.code, '23505');
  const invalid = await withClient(url, async (c) => (await c.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'x_a'::regclass`)).rows[0]);
  assert.equal(invalid?.indisvalid, false, 'the failed concurrent build left an INVALID index');
  const s = await status(url, dir);
  assert.equal(s.entries[0]?.state, 'failed');
  assert.match(s.entries[0]?.detail ?? '', /failed at statement 3 of 4: .*\(2 completed; a re-run resumes at statement 3\)/);
  // The author fixes the data (not the file), then re-runs.
  await withClient(url, (c) => c.query(`DELETE FROM x WHERE ctid NOT IN (SELECT min(ctid) FROM x GROUP BY a)`));
  const again = await applyMigrations(d.migrations, opts);
  assert.ok(again.ok, JSON.stringify(again));
  assert.equal(again.done[0]?.resumedAt, 2, 'the CREATE TABLE and INSERT were not run again');
  assert.match(again.done[0]?.notes?.join() ?? '', /dropped INVALID index "public"."x_a"/);
  const rows = await withClient(url, async (c) => (await c.query(`SELECT (SELECT indisvalid FROM pg_index WHERE indexrelid = 'x_a'::regclass) AS valid, (SELECT count(*)::int FROM x) AS n, to_regclass('y') IS NOT NULL AS y`)).rows[0]);
  assert.deepEqual(rows, { valid: true, n: 2, y: true });
  assert.ok((opts.audit as MemoryAuditSink).records.some((a) => a.action === 'drop-invalid-index' && a.sql === 'DROP INDEX CONCURRENTLY "public"."x_a"'));
  assert.equal((await status(url, dir)).entries[0]?.state, 'applied');
});

test('CREATE INDEX CONCURRENTLY applies while the runner holds its lock (the lock session is idle); a snapshot holder would block it', async () => {
  const url = await freshDb();
  await db.exec('CREATE TABLE big (a int); INSERT INTO big SELECT g FROM generate_series(1, 200000) g;', `mig_${dbCount}`);
  const dir = writeMigrationDir({ '001_idx.sql': 'CREATE INDEX CONCURRENTLY big_a ON big (a);' });
  const { d, opts } = run(url, dir);
  // Watch the lock session while the CIC runs: it must be idle (no transaction, no snapshot). Samples are
  // taken only while the build is running, not while the lock is being taken (briefly active by design).
  const states: string[] = [];
  const lockSeen = withClient(url, async (c) => {
    for (let i = 0; i < 400; i++) {
      const r = await c.query<{ state: string; xmin: string | null }>(
        `SELECT state, backend_xmin::text AS xmin FROM pg_stat_activity WHERE application_name LIKE '%[migration lock]'
            AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'CREATE INDEX CONCURRENTLY big_a%')`,
      );
      for (const row of r.rows) states.push(`${row.state}:${row.xmin ?? '-'}`);
      if (r.rows.length && states.length > 3) return;
      await new Promise((res) => setTimeout(res, 5));
    }
  });
  const t0 = Date.now();
  const r = await applyMigrations(d.migrations, { ...opts, statementTimeoutMs: 20_000 });
  await lockSeen;
  assert.ok(r.ok, JSON.stringify(r));
  assert.ok(Date.now() - t0 < 15_000);
  assert.ok(states.length > 0, 'the lock session was seen');
  assert.ok(states.every((s) => s === 'idle:-'), `lock session states: ${states.join(', ')}`);
  // Control: a session that holds a snapshot (what an advisory lock taken inside a transaction would be)
  // makes a concurrent build wait — so the check above can fail.
  const dir2 = writeMigrationDir({ '001_idx.sql': 'CREATE INDEX CONCURRENTLY big_a2 ON big (a);' });
  const r2 = run(url, dir2, { tracking: { schema: 'public', table: 'other_tracking' }, statementTimeoutMs: 1500 });
  const blocked = await withClient(url, async (holder) => {
    await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await holder.query('SELECT count(*) FROM big');
    try {
      return await applyMigrations(r2.d.migrations, r2.opts);
    } finally {
      await holder.query('ROLLBACK');
    }
  });
  assert.equal(blocked.ok, false);
  assert.match(blocked.failed?.error ?? '', /statement timeout/);
});

test('two runners started together: each migration applied exactly once, the loser names the holder', async () => {
  const url = await freshDb();
  await db.exec('CREATE TABLE side_effects (version text);', `mig_${dbCount}`);
  const files: Record<string, string> = {};
  for (let i = 1; i <= 6; i++) files[`${String(i).padStart(3, '0')}_m${i}.sql`] = `${i === 1 ? 'SELECT pg_sleep(0.4);\n' : ''}INSERT INTO side_effects VALUES ('${i}');\nCREATE TABLE t${i} (id int);`;
  const dir = writeMigrationDir(files);
  const a = run(url, dir, { connect: connector(url, 'runner-A') });
  const b = run(url, dir, { connect: connector(url, 'runner-B') });
  const results = await Promise.allSettled([applyMigrations(a.d.migrations, a.opts), applyMigrations(b.d.migrations, b.opts)]);
  const won = results.filter((r) => r.status === 'fulfilled');
  const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.equal(won.length, 1);
  assert.equal(lost.length, 1);
  const err = lost[0]?.reason as MigrationLockError;
  assert.ok(err instanceof MigrationLockError, String(err));
  assert.match(err.message, /another migration runner holds the lock \(advisory key -?\d+\): pid \d+, application_name "runner-[AB]-1 \[migration lock\]", user postgres, client 127\.0\.0\.1, connected since \d{4}-/);
  const counts = await withClient(url, async (c) => (await c.query(`SELECT version, count(*)::int AS n FROM side_effects GROUP BY 1 ORDER BY 1`)).rows);
  assert.deepEqual(counts, ['1', '2', '3', '4', '5', '6'].map((v) => ({ version: v, n: 1 })));
  // The lock is released afterwards: a third run gets it and finds nothing to do.
  const c3 = run(url, dir);
  const third = await applyMigrations(c3.d.migrations, c3.opts);
  assert.deepEqual([third.ok, third.done.length], [true, 0]);
});

test('hostile names: schema, tracking table and migration names with quotes, spaces and unicode', async () => {
  const url = await freshDb();
  const tracking = { schema: 'we"ird schéma', table: 'track "me" 🚀' };
  const dir = writeMigrationDir({
    '1_add "quoted" table é.up.sql': 'CREATE SCHEMA "we""ird app";\nCREATE TABLE "we""ird app"."ta;ble ""x"" ✓" ("co l" int);\n',
    "2_it's <script>.up.sql": 'CREATE INDEX "i""dx" ON "we""ird app"."ta;ble ""x"" ✓" ("co l");',
  });
  const { d, opts } = run(url, dir, { tracking });
  const empty = await catalogSnapshot(url, { exclude: ['track "me" 🚀', 'track "me" 🚀_pkey'] });
  const r = await applyMigrations(d.migrations, opts);
  assert.ok(r.ok, JSON.stringify(r));
  const s = await status(url, dir, tracking);
  assert.equal(s.table, 'we"ird schéma.track "me" 🚀');
  assert.deepEqual(s.entries.map((e) => [e.name, e.state]), [['add "quoted" table é', 'applied'], ["it's <script>", 'applied']]);
  const down = await rollbackMigrations(d.migrations, { ...opts, target: { kind: 'to', version: '0' } });
  assert.ok(down.ok, JSON.stringify(down));
  assert.deepEqual(down.done.map((m) => m.version), ['2', '1']);
  const rollbackSql = (opts.audit as MemoryAuditSink).records.filter((a) => a.action === 'rollback').map((a) => a.sql);
  assert.deepEqual(rollbackSql, ['DROP INDEX "we""ird app"."i""dx";\n', 'DROP TABLE "we""ird app"."ta;ble ""x"" ✓";\nDROP SCHEMA "we""ird app";\n']);
  assert.deepEqual((await status(url, dir, tracking)).entries.map((e) => e.state), ['pending', 'pending']);
  const after = await catalogSnapshot(url, { exclude: ['track "me" 🚀', 'track "me" 🚀_pkey'] });
  assert.deepEqual(after.filter((l) => !l.includes('we"ird schéma')), empty);
});

test("status reads dbmate, golang-migrate and Flyway tables read-only, and up refuses to take them over", async () => {
  const url = await freshDb();
  const name = `mig_${dbCount}`;
  await db.exec(
    `CREATE SCHEMA dbm; CREATE TABLE dbm.schema_migrations (version varchar(128) PRIMARY KEY); INSERT INTO dbm.schema_migrations VALUES ('20240101000000'), ('20230101000000');
     CREATE SCHEMA gm; CREATE TABLE gm.schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO gm.schema_migrations VALUES (2, true);
     CREATE SCHEMA fw; CREATE TABLE fw.flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), description varchar(200), type varchar(20), script varchar(1000), checksum int, installed_by varchar(100), installed_on timestamp DEFAULT now(), execution_time int, success boolean);
     INSERT INTO fw.flyway_schema_history VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', ${flywayChecksum('CREATE TABLE a (id int);\n')}, 'me', now(), 5, true),
                                                 (2, '1.1', 'more', 'SQL', 'V1.1__more.sql', 12345, 'me', now(), 5, true);`,
    name,
  );
  const dbmDir = writeMigrationDir({ '20240101000000_b.sql': '-- migrate:up\nSELECT 1;\n', '20240202000000_c.sql': '-- migrate:up\nSELECT 1;\n' });
  const sd = await status(url, dbmDir, { schema: 'dbm', table: 'pgopt_migrations' });
  assert.deepEqual([sd.source, sd.readOnly, sd.entries.map((e) => `${e.version}:${e.state}`)], ['dbmate', true, ['20230101000000:missing', '20240101000000:applied', '20240202000000:pending']]);
  const gmDir = writeMigrationDir({ '1_a.up.sql': 'SELECT 1;', '2_b.up.sql': 'SELECT 1;', '3_c.up.sql': 'SELECT 1;' });
  const sg = await status(url, gmDir, { schema: 'gm', table: 'pgopt_migrations' });
  assert.deepEqual([sg.source, sg.entries.map((e) => `${e.version}:${e.state}`)], ['golang-migrate', ['1:applied', '2:failed', '3:pending']]);
  const fwDir = writeMigrationDir({ 'V1__init.sql': 'CREATE TABLE a (id int);\n', 'V1.1__more.sql': 'SELECT 2;\n', 'V2__next.sql': 'SELECT 3;\n' });
  const sf = await status(url, fwDir, { schema: 'fw', table: 'pgopt_migrations' });
  assert.deepEqual([sf.source, sf.entries.map((e) => `${e.version}:${e.state}`)], ['flyway', ['1:applied', '1.1:drifted', '2:pending']]);
  const { d, opts } = run(url, fwDir, { tracking: { schema: 'fw', table: 'pgopt_migrations' } });
  const refused = await applyMigrations(d.migrations, opts);
  assert.equal(refused.ok, false);
  assert.match(refused.blockers?.[0] ?? '', /tracked by flyway \(fw\.flyway_schema_history\); pgopt only reads another tool's table/);
  assert.equal(await withClient(url, async (c) => (await c.query(`SELECT to_regclass('fw.pgopt_migrations') AS r`)).rows[0].r), null);
});

test('cancel (AbortSignal) stops the running statement on the server; nothing of the migration stays', async () => {
  const url = await freshDb();
  const dir = writeMigrationDir({ '001_slow.sql': 'CREATE TABLE slow (id int);\nSELECT pg_sleep(30);\n' });
  const { d, opts } = run(url, dir);
  const controller = new AbortController();
  let abortedAt = 0;
  // Abort once the migration has started (a fixed delay would race the connection set-up on a busy machine).
  const onProgress = (p: MigrationProgress): void => {
    if (p.kind === 'start')
      setTimeout(() => {
        abortedAt = Date.now();
        controller.abort();
      }, 300);
  };
  const r = await applyMigrations(d.migrations, { ...opts, signal: controller.signal, onProgress });
  assert.ok(abortedAt > 0 && Date.now() - abortedAt < 5000, 'cancelled promptly');
  assert.equal(r.ok, false);
  assert.equal(r.cancelled, true);
  assert.equal(await withClient(url, async (c) => (await c.query(`SELECT to_regclass('slow') AS r`)).rows[0].r), null);
  assert.equal((opts.audit as MemoryAuditSink).records.at(-1)?.result, 'cancelled');
});

test('the JSONL audit sink writes one redacted record per write', async () => {
  const url = await freshDb();
  const dir = writeMigrationDir({ '001_a.sql': 'CREATE TABLE a (id int);' });
  const auditFile = join(writeMigrationDir({}), 'sub', 'audit.jsonl');
  const { d, opts } = run(url, dir, { audit: new JsonlAuditSink(auditFile), connectionLabel: 'postgres://app:s3cret@db.example:5432/app' });
  assert.ok((await applyMigrations(d.migrations, opts)).ok);
  const lines = readFileSync(auditFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.action), ['create-tracking-table', 'apply']);
  assert.equal(lines[1].connection, 'postgres://app:***@db.example:5432/app');
  assert.equal(lines[1].sql, 'CREATE TABLE a (id int);');
  assert.equal(lines[1].result, 'ok');
  assert.match(lines[1].actor, /\(db: postgres\)$/);
  assert.ok(!readFileSync(auditFile, 'utf8').includes('s3cret'));
});

test("a migration's SET does not leak into the next migration or the tracking writes", async () => {
  const url = await freshDb();
  const dir = writeMigrationDir({
    '001_path.sql': 'CREATE SCHEMA other;\nSET search_path TO other;\nCREATE TABLE in_other (id int);\n',
    '002_next.sql': 'CREATE TABLE in_public (id int);\n',
  });
  const { d, opts } = run(url, dir);
  const r = await applyMigrations(d.migrations, opts);
  assert.ok(r.ok, JSON.stringify(r));
  const where = await withClient(url, async (c) => (await c.query(`SELECT relnamespace::regnamespace::text AS s, relname FROM pg_class WHERE relname IN ('in_other', 'in_public', 'pgopt_migrations') ORDER BY relname`)).rows);
  assert.deepEqual(where, [
    { s: 'other', relname: 'in_other' },
    { s: 'public', relname: 'in_public' },
    { s: 'public', relname: 'pgopt_migrations' },
  ]);
});

test('the failing statement of a transactional migration is named exactly: syntax error (by position, after unicode), run-time error (by count)', async () => {
  const url = await freshDb();
  const cases: [string, number, string][] = [
    ["CREATE TABLE \"é🚀\" (id int);\nINSERT INTO \"é🚀\" VALUES (1);\nCREATE TABLEX bad (id int);\nCREATE TABLE after (id int);", 2, '42601'],
    ['CREATE TABLE z1 (id int);\nSELECT 1/0;\nCREATE TABLE z2 (id int);', 1, '22012'],
    ["CREATE TABLE y1 (id int);\nINSERT INTO y1 VALUES (1), (1);\nCREATE UNIQUE INDEX y1_u ON y1 (id);", 2, '23505'],
  ];
  for (const [sql, index, code] of cases) {
    const dir = writeMigrationDir({ '001_m.sql': sql });
    const { d, opts } = run(url, dir);
    const r = await applyMigrations(d.migrations, opts);
    assert.deepEqual([r.ok, r.failed?.statementIndex, r.failed?.code], [false, index, code], sql);
    const s = await status(url, dir);
    assert.match(s.entries[0]?.detail ?? '', new RegExp(`failed at statement ${index + 1} of `));
    assert.deepEqual(await withClient(url, async (c) => (await c.query(`SELECT count(*)::int AS n FROM pg_class WHERE relname IN ('é🚀', 'z1', 'y1', 'after', 'z2')`)).rows[0]), { n: 0 });
    await withClient(url, (c) => c.query('DELETE FROM pgopt_migrations'));
  }
});
