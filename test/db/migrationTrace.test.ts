import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { readAuditFile } from '../../src/core/audit';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { runMigrationTrace } from '../../src/core/migrations/trace/run';
import type { StatementTrace, TraceMigration, TraceResult } from '../../src/core/migrations/trace/types';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;

const HOSTILE_SCHEMA = 'Sch ema';
const HOSTILE_TABLE = 'we"ird <script>alert(1)</script> tablé 🙂';

before(async () => {
  db = await startTestPostgres();
  await db.exec(`
    CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, n int);
    INSERT INTO users SELECT g, 'u' || g, g FROM generate_series(1, 5000) g;
    CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL, total int);
    CREATE INDEX orders_user_id ON orders (user_id);
    INSERT INTO orders SELECT g, 1 + g % 5000, g FROM generate_series(1, 20000) g;
    CREATE SCHEMA "Sch ema";
    CREATE TABLE "Sch ema"."we""ird <script>alert(1)</script> tablé 🙂" (id int PRIMARY KEY, v text);
    INSERT INTO "Sch ema"."we""ird <script>alert(1)</script> tablé 🙂" SELECT g, 'x' FROM generate_series(1, 300) g;
    ANALYZE;`);
});

after(async () => {
  await db?.stop();
});

function spec(url = db.url) {
  return resolveUrl(url, nodeEnvAccess({}), 'test');
}

function migrations(...sqls: string[]): TraceMigration[] {
  return sqls.map((sql, i) => ({ version: String(i + 1).padStart(3, '0'), name: `m${i + 1}`, sql }));
}

function onTarget(ms: TraceMigration[], extra: Partial<Parameters<typeof runMigrationTrace>[0]> = {}): Promise<TraceResult> {
  return runMigrationTrace({ target: spec(), migrations: ms, where: { kind: 'target', consent: true }, timeouts: { lockTimeoutMs: 300, statementTimeoutMs: 5000 }, ...extra });
}

function stmt(r: TraceResult, migration: number, index = 0): StatementTrace {
  const s = r.migrations[migration]?.statements[index];
  assert.ok(s, `statement ${migration}/${index} exists: ${JSON.stringify(r.migrations.map((m) => m.statements.length))}`);
  return s;
}

function lockOn(s: StatementTrace, relation: string) {
  return s.locks.filter((l) => l.relation === relation);
}

/** What a trace must never change: tables, columns, indexes, constraints, storage files, and other backends' locks. */
async function catalogSnapshot(): Promise<string> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const r = await c.query(`
      SELECT n.nspname, c.relname, c.relkind, c.relfilenode,
             (SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull, ',' ORDER BY a.attnum)
                FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS cols,
             (SELECT string_agg(conname || ':' || pg_get_constraintdef(co.oid) || ':' || convalidated, ',' ORDER BY conname)
                FROM pg_constraint co WHERE co.conrelid = c.oid) AS cons
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
       ORDER BY 1, 2`);
    return JSON.stringify(r.rows);
  } finally {
    await c.end();
  }
}

async function foreignLocks(): Promise<number> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>(`SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.application_name = 'pgopt-trace'`);
    return Number(r.rows[0]?.n);
  } finally {
    await c.end();
  }
}

test('ADD COLUMN with a volatile default rewrites the table under ACCESS EXCLUSIVE, with the target size', async () => {
  const r = await onTarget(migrations(`ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()`));
  assert.equal(r.rolledBack, true);
  const s = stmt(r, 0);
  assert.equal(s.outcome, 'ok');
  // A table rewrite rebuilds every index of the table too.
  assert.deepEqual(s.rewrites.map((w) => [w.relation, w.kind]), [['public.users', 'table'], ['public.users_pkey', 'index']]);
  const [lock] = lockOn(s, 'public.users');
  assert.equal(lock?.mode, 'ACCESS EXCLUSIVE');
  assert.equal(lock?.source, 'observed');
  assert.ok(lock?.blocks.includes('SELECT') && lock.blocks.includes('INSERT/UPDATE/DELETE'));
  assert.equal(lock?.size?.rows, 5000);
  assert.ok((lock?.size?.bytes ?? 0) > 100_000, 'heap size from the target');
  assert.ok(s.changes.some((c) => c.kind === 'column' && c.change === 'added' && c.name === 'token' && /uuid DEFAULT gen_random_uuid\(\)/.test(c.after ?? '')));
});

test('ADD COLUMN nullable: ACCESS EXCLUSIVE but no rewrite', async () => {
  const r = await onTarget(migrations(`ALTER TABLE users ADD COLUMN nickname text`));
  const s = stmt(r, 0);
  assert.equal(s.outcome, 'ok');
  assert.deepEqual(s.rewrites, []);
  assert.equal(lockOn(s, 'public.users')[0]?.mode, 'ACCESS EXCLUSIVE');
  assert.deepEqual(s.changes.map((c) => [c.kind, c.change, c.name]), [['column', 'added', 'nickname']]);
});

test('CREATE INDEX takes SHARE: blocks writes, not reads; the new index is reported', async () => {
  const r = await onTarget(migrations(`CREATE INDEX users_n ON users (n)`));
  const s = stmt(r, 0);
  const [lock] = lockOn(s, 'public.users');
  assert.equal(lock?.mode, 'SHARE');
  assert.ok(lock?.blocks.includes('INSERT/UPDATE/DELETE'));
  assert.ok(!lock?.blocks.includes('SELECT'));
  assert.ok(!lock?.blocks.includes('SELECT FOR UPDATE'));
  assert.deepEqual(s.rewrites, []);
  assert.ok(s.changes.some((c) => c.kind === 'index' && c.change === 'added' && c.name === 'users_n' && /btree \(n\)/.test(c.after ?? '')));
  // The index is new: its own lock blocks nobody and is not listed as a blocker.
  assert.ok(!s.locks.some((l) => l.relation === 'public.users_n'));
});

test('ADD CONSTRAINT … NOT VALID, then VALIDATE takes SHARE UPDATE EXCLUSIVE (reads and writes continue)', async () => {
  const r = await onTarget(
    migrations(
      `ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID`,
      `ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk`,
    ),
  );
  const add = stmt(r, 0);
  assert.equal(lockOn(add, 'public.orders')[0]?.mode, 'SHARE ROW EXCLUSIVE');
  assert.equal(lockOn(add, 'public.users')[0]?.mode, 'SHARE ROW EXCLUSIVE');
  assert.ok(add.changes.some((c) => c.kind === 'constraint' && c.change === 'added' && /NOT VALID/.test(c.after ?? '')));
  const validate = stmt(r, 1);
  assert.equal(validate.outcome, 'ok');
  const [lock] = lockOn(validate, 'public.orders');
  assert.equal(lock?.mode, 'SHARE UPDATE EXCLUSIVE');
  assert.ok(!lock?.blocks.includes('SELECT') && !lock?.blocks.includes('INSERT/UPDATE/DELETE'));
  assert.ok(lock?.blocks.includes('DDL'));
  const change = validate.changes.find((c) => c.name === 'orders_user_fk');
  assert.equal(change?.change, 'changed');
  assert.match(change?.before ?? '', /NOT VALID/);
  assert.doesNotMatch(change?.after ?? '', /NOT VALID/);
  assert.deepEqual(validate.rewrites, []);
});

test('ALTER COLUMN TYPE int -> bigint rewrites the table and rebuilds its index', async () => {
  const r = await onTarget(migrations(`ALTER TABLE orders ALTER COLUMN user_id TYPE bigint`));
  const s = stmt(r, 0);
  assert.equal(s.outcome, 'ok');
  assert.ok(s.rewrites.some((w) => w.relation === 'public.orders' && w.kind === 'table'), JSON.stringify(s.rewrites));
  assert.ok(s.rewrites.some((w) => w.relation === 'public.orders_user_id' && w.kind === 'index'), JSON.stringify(s.rewrites));
  const col = s.changes.find((c) => c.kind === 'column' && c.name === 'user_id');
  assert.equal(col?.before, 'integer NOT NULL');
  assert.equal(col?.after, 'bigint NOT NULL');
  assert.equal(s.rewrites.find((w) => w.kind === 'table')?.size?.rows, 20000);
});

test('the target is unchanged afterwards: identical catalog snapshot, no leftover locks or sessions', async () => {
  const before = await catalogSnapshot();
  const r = await onTarget(
    migrations(
      `CREATE TABLE audit (id bigserial PRIMARY KEY, at timestamptz DEFAULT now()); ALTER TABLE users ADD COLUMN x int DEFAULT 1;`,
      `ALTER TABLE orders ALTER COLUMN total TYPE bigint; CREATE INDEX orders_total ON orders (total); DROP INDEX orders_user_id;`,
      `UPDATE users SET n = n + 1; TRUNCATE orders; DROP TABLE audit; COMMIT; ALTER TABLE users DROP COLUMN n;`,
    ),
  );
  assert.equal(r.rolledBack, true);
  assert.equal(r.failed, undefined, JSON.stringify(r.failed));
  const commit = r.migrations[2]?.statements.find((s) => s.kind === 'transaction control');
  assert.equal(commit?.outcome, 'skipped');
  assert.ok(stmt(r, 1, 2).changes.some((c) => c.kind === 'index' && c.change === 'dropped' && c.name === 'orders_user_id'));
  assert.ok(stmt(r, 2, 2).changes.some((c) => c.kind === 'table' && c.change === 'dropped' && c.name === 'public.audit'));
  assert.equal(await catalogSnapshot(), before);
  assert.equal(await foreignLocks(), 0);
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  const { rows } = await c.query<{ n: string }>('SELECT sum(n)::text AS n FROM users');
  await c.end();
  assert.equal(rows[0]?.n, String((5000 * 5001) / 2), 'the UPDATE was rolled back');
});

test('a syntax error mid-file names the failing statement, stops there and still rolls back', async () => {
  const before = await catalogSnapshot();
  const r = await onTarget(
    migrations(`ALTER TABLE users ADD COLUMN a1 int;\n\nALTER TABLEE users ADD COLUMN a2 int;\nALTER TABLE users ADD COLUMN a3 int;`, `ALTER TABLE users ADD COLUMN a4 int`),
  );
  assert.equal(r.rolledBack, true);
  assert.equal(stmt(r, 0, 0).outcome, 'ok');
  const bad = stmt(r, 0, 1);
  assert.equal(bad.outcome, 'failed');
  assert.equal(bad.line, 3);
  assert.match(bad.error?.message ?? '', /syntax error at or near "TABLEE"/);
  assert.equal(stmt(r, 0, 2).outcome, 'not-reached');
  assert.equal(stmt(r, 1, 0).outcome, 'not-reached');
  assert.deepEqual({ migration: r.failed?.migration, index: r.failed?.index }, { migration: '001_m1', index: 1 });
  assert.equal(await catalogSnapshot(), before);
});

test('a runtime error is reported with its code, and the statements before it keep their trace', async () => {
  const r = await onTarget(migrations(`CREATE INDEX users_email ON users (email)`, `ALTER TABLE users ALTER COLUMN nosuch TYPE bigint`));
  assert.equal(stmt(r, 0).outcome, 'ok');
  const bad = stmt(r, 1);
  assert.equal(bad.outcome, 'failed');
  assert.equal(bad.error?.code, '42703');
  assert.match(r.failed?.message ?? '', /column "nosuch"/);
});

test('hostile identifiers are traced, named unambiguously, and matched to their target size', async () => {
  const q = `"Sch ema"."we""ird <script>alert(1)</script> tablé 🙂"`;
  const r = await onTarget(migrations(`ALTER TABLE ${q} ADD COLUMN "a""b" numeric DEFAULT random()`));
  const s = stmt(r, 0);
  assert.equal(s.outcome, 'ok', JSON.stringify(s.error));
  const name = `"${HOSTILE_SCHEMA}"."${HOSTILE_TABLE.replace(/"/g, '""')}"`;
  assert.deepEqual(s.rewrites.map((w) => w.relation), [name, `${name.slice(0, -1)}_pkey"`]);
  const [lock] = lockOn(s, name);
  assert.equal(lock?.mode, 'ACCESS EXCLUSIVE');
  assert.equal(lock?.size?.rows, 300);
  assert.ok(s.changes.some((c) => c.kind === 'column' && c.name === 'a"b'));
});

test('CREATE INDEX CONCURRENTLY is traced as a plain build with the real lock (SHARE UPDATE EXCLUSIVE) and a note', async () => {
  const r = await onTarget(migrations(`CREATE INDEX CONCURRENTLY users_email_c ON users (email)`, `VACUUM users`));
  const s = stmt(r, 0);
  assert.equal(s.outcome, 'ok');
  assert.match(s.tracedAs ?? '', /^CREATE INDEX users_email_c ON users/);
  assert.ok(s.notes.some((n) => /CONCURRENTLY/.test(n)));
  const [lock] = s.locks;
  assert.deepEqual([lock?.mode, lock?.source, lock?.blocks.includes('INSERT/UPDATE/DELETE')], ['SHARE UPDATE EXCLUSIVE', 'documented', false]);
  assert.ok(s.changes.some((c) => c.kind === 'index' && c.name === 'users_email_c'));
  const vacuum = stmt(r, 1);
  assert.equal(vacuum.outcome, 'skipped');
  assert.match(vacuum.notes.join(' '), /not traceable in a transaction/);
});

test('lock_timeout: a conflicting lock held elsewhere fails the statement clearly instead of waiting', async () => {
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  try {
    await holder.query('BEGIN; LOCK TABLE users IN ACCESS SHARE MODE');
    const t = performance.now();
    const r = await onTarget(migrations(`ALTER TABLE users ADD COLUMN blocked int`), { timeouts: { lockTimeoutMs: 200, statementTimeoutMs: 5000 } });
    assert.ok(performance.now() - t < 4000);
    const s = stmt(r, 0);
    assert.equal(s.outcome, 'failed');
    assert.equal(s.error?.code, '55P03');
    assert.match(s.error?.message ?? '', /lock_timeout \(200 ms\)/);
    assert.equal(r.rolledBack, true);
  } finally {
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end();
  }
});

test('an AbortSignal cancels the running statement and still rolls back', async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  const t = performance.now();
  const r = await onTarget(migrations(`ALTER TABLE users ADD COLUMN c1 int; SELECT pg_sleep(10); ALTER TABLE users ADD COLUMN c2 int;`), { signal: ac.signal });
  assert.ok(performance.now() - t < 5000, 'did not wait for pg_sleep');
  assert.equal(r.cancelled, true);
  assert.equal(r.rolledBack, true);
  assert.equal(stmt(r, 0, 2).outcome, 'not-reached');
  assert.equal(await foreignLocks(), 0);
});

test('scratch-url: the schema is copied with pg_dump, sizes come from the target, the scratch database is dropped', async () => {
  const before = await catalogSnapshot();
  const r = await runMigrationTrace({
    target: spec(),
    migrations: migrations(`ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()`, `CREATE INDEX orders_total_i ON orders (total)`),
    where: { kind: 'scratch-url', url: db.server.url },
    scratchServer: spec(db.server.url),
  });
  assert.equal(r.where, 'scratch-url');
  assert.equal(r.schemaSource, 'pg_dump', r.limitations.join('\n'));
  const s = stmt(r, 0);
  assert.ok(s.rewrites.some((w) => w.relation === 'public.users'));
  assert.equal(lockOn(s, 'public.users')[0]?.size?.rows, 5000, 'size from the target, not the empty scratch copy');
  assert.equal(lockOn(stmt(r, 1), 'public.orders')[0]?.mode, 'SHARE');
  assert.ok(r.limitations.some((l) => /no data/.test(l)));
  const c = new pg.Client({ connectionString: db.server.url });
  await c.connect();
  const left = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'pgopt_trace_%'`);
  await c.end();
  assert.deepEqual(left.rows, []);
  assert.equal(await catalogSnapshot(), before);
});

test('tracing on the target without consent is refused', async () => {
  await assert.rejects(
    runMigrationTrace({ target: spec(), migrations: migrations('SELECT 1'), where: { kind: 'target' } as never }),
    /explicit consent/,
  );
});

async function cliRun(args: string[]): Promise<{ code: number; out: string }> {
  const { runTraceCli } = await import('../../src/cli/migrateTrace');
  const file = join(mkdtempSync(join(tmpdir(), 'pgopt-trace-out-')), 'out.txt');
  const code = await runTraceCli([...args, '--out', file]);
  return { code, out: readFileSync(file, 'utf8') };
}

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-trace-mig-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('CLI: golang-migrate files, --from, scratch server, JSON out; exit 1 when a statement fails', async () => {
  const dir = migrationsDir({
    '1_old.up.sql': 'CREATE TABLE users (id int);', // already applied on the target: skipped by --from
    '2_token.up.sql': 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();',
    '2_token.down.sql': 'ALTER TABLE users DROP COLUMN token;',
    '3_idx.up.sql': 'CREATE INDEX users_email_cli ON users (email);\n',
    '3_idx.down.sql': 'DROP INDEX users_email_cli;\n',
  });
  const ok = await cliRun(['--url', db.url, '--dir', dir, '--from', '2', '--scratch-url', db.server.url, '--format', 'json']);
  assert.equal(ok.code, 0);
  const r = JSON.parse(ok.out) as TraceResult;
  assert.deepEqual(r.migrations.map((m) => [m.version, m.name, m.statements.length]), [['2', 'token', 1], ['3', 'idx', 1]]);
  assert.equal(lockOn(stmt(r, 0), 'public.users')[0]?.size?.rows, 5000);
  assert.equal(lockOn(stmt(r, 1), 'public.users')[0]?.mode, 'SHARE');

  writeFileSync(join(dir, '4_bad.up.sql'), 'ALTER TABLE users ADD COLUMN ok1 int;\nALTER TABLE nosuch ADD COLUMN x int;\n');
  const audit = join(mkdtempSync(join(tmpdir(), 'pgopt-trace-audit-')), 'audit.jsonl');
  const bad = await cliRun(['--url', db.url, '--dir', dir, '--from', '4', '--on-target', '--yes', '--audit', audit]);
  assert.equal(bad.code, 1);
  // A failing statement is the trace's finding, not a failed write: the transaction was rolled back.
  assert.deepEqual(readAuditFile(audit).records.map((r) => `${r.action}:${r.result}:${r.version}`), ['trace-on-target:ok:4']);
  assert.match(bad.out, /FAILED at 4_bad #2/);
  assert.match(bad.out, /relation "nosuch" does not exist/);
  assert.match(bad.out, /ACCESS EXCLUSIVE on public\.users \(5,000 rows, [\d.]+ kB\) blocks reads and writes/);
});

test('CLI: --on-target without --yes is refused before connecting', async () => {
  const dir = migrationsDir({ '1_a.sql': 'SELECT 1;' });
  const { runTraceCli } = await import('../../src/cli/migrateTrace');
  await assert.rejects(runTraceCli(['--url', 'postgres://nobody@127.0.0.1:1/x', '--dir', dir, '--on-target']), /Add --yes/);
});

test('embedded scratch (the default): schema copied, trace runs, server gone afterwards', async () => {
  const dir = migrationsDir({ '1_a.sql': 'ALTER TABLE orders ADD COLUMN note text; CREATE INDEX CONCURRENTLY orders_total_e ON orders (total);' });
  const { code, out } = await cliRun(['--url', db.url, '--dir', dir]);
  assert.equal(code, 0, out);
  assert.match(out, /ran on a throwaway embedded PostgreSQL/);
  assert.match(out, /ACCESS EXCLUSIVE on public\.orders \(20,000 rows/);
  assert.match(out, /SHARE UPDATE EXCLUSIVE on public\.orders .*reads and writes continue.*\[documented lock/);
  assert.doesNotMatch(out, /pg_toast/);
  assert.match(out, /rolled back/);
});

test('no usable pg_dump: traced on an empty scratch database, and the result says so', async () => {
  const r = await runMigrationTrace({
    target: spec(),
    migrations: migrations(`CREATE TABLE fresh (id int PRIMARY KEY)`, `ALTER TABLE users ADD COLUMN z int`),
    where: { kind: 'scratch-url', url: db.server.url },
    scratchServer: spec(db.server.url),
    pgDump: '/nonexistent/pg_dump',
  });
  assert.equal(r.schemaSource, 'empty');
  assert.ok(r.limitations.some((l) => /empty database/.test(l) && /nonexistent/.test(l)), r.limitations.join('\n'));
  assert.ok(stmt(r, 0).changes.some((c) => c.kind === 'table' && c.change === 'added' && c.name === 'public.fresh'));
  assert.equal(stmt(r, 1).outcome, 'failed');
  assert.match(stmt(r, 1).error?.message ?? '', /relation "users" does not exist/);
});

test('CLI: a server that is down is a clear connection error (exit 2), nothing started', async () => {
  const dir = migrationsDir({ '1_a.sql': 'SELECT 1;' });
  const { runTraceCli } = await import('../../src/cli/migrateTrace');
  await assert.rejects(runTraceCli(['--url', 'postgres://x@127.0.0.1:1/db', '--dir', dir, '--scratch-url', db.server.url]), (e: Error & { exitCode?: number }) => {
    assert.equal(e.name, 'CliError');
    assert.match(e.message, /Cannot connect .*connection refused/);
    assert.equal(e.exitCode, 2);
    return true;
  });
});
