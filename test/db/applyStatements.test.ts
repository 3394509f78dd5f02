import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { applyStatements } from '../../src/core/db/applyStatements';
import { CancelledError } from '../../src/core/db/session';
import { resolveUrl, type ConnectionSpec } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { PASSWORD_USER, startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let spec: ConnectionSpec;

async function one<T>(sql: string): Promise<T | undefined> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query(sql)).rows[0] as T | undefined;
  } finally {
    await c.end();
  }
}

before(async () => {
  db = await startTestPostgres();
  await db.exec(`CREATE TABLE "odd ""t"" ü" (id int PRIMARY KEY, email text); INSERT INTO "odd ""t"" ü" SELECT g, 'u' || (g % 10) FROM generate_series(1, 1000) g;`);
  spec = resolveUrl(db.url, nodeEnvAccess({}), 'test');
});

after(async () => {
  await db?.stop();
});

test('a concurrent index build runs in autocommit and the index is valid', async () => {
  const r = await applyStatements(spec, `CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx ""e""" ON public."odd ""t"" ü" (email);`);
  assert.equal(r.ok, true);
  assert.equal(r.transactional, false);
  assert.deepEqual(r.statements.map((s) => s.status), ['ok']);
  const row = await one<{ valid: boolean }>(`SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = '"idx ""e"""'::regclass`);
  assert.equal(row?.valid, true);
});

test('a transactional batch is all or nothing: a failing second statement leaves no table behind', async () => {
  const r = await applyStatements(spec, `CREATE TABLE half_done (x int); ALTER TABLE half_done ADD CONSTRAINT c CHECK (no_such_column > 0);`);
  assert.equal(r.ok, false);
  assert.equal(r.transactional, true);
  assert.deepEqual(r.statements.map((s) => s.status), ['rolled back', 'failed']);
  assert.match(r.statements[1]?.error ?? '', /no_such_column/);
  assert.equal((await one<{ t: string | null }>(`SELECT to_regclass('half_done')::text AS t`))?.t, null);
});

test('a failed CREATE UNIQUE INDEX CONCURRENTLY leaves no INVALID index (dropped), so a retry is not silently skipped', async () => {
  const r = await applyStatements(spec, `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS dup_email ON "odd ""t"" ü" (email); SELECT 1;`);
  assert.equal(r.ok, false);
  assert.deepEqual(r.statements.map((s) => s.status), ['failed', 'not run']);
  assert.match(r.statements[0]?.error ?? '', /could not create unique index|duplicate/);
  assert.equal(r.cleanup.length, 1, r.cleanup.join('; '));
  assert.match(r.cleanup[0] ?? '', /dropped the INVALID index public\.dup_email/);
  assert.equal((await one<{ t: string | null }>(`SELECT to_regclass('dup_email')::text AS t`))?.t, null);
});

test('lock_timeout: a DDL statement behind a long transaction gives up with a clear reason instead of queueing everyone', async () => {
  const blocker = new pg.Client({ connectionString: db.url });
  await blocker.connect();
  try {
    await blocker.query(`BEGIN; SELECT * FROM "odd ""t"" ü" LIMIT 1;`);
    const r = await applyStatements(spec, `ALTER TABLE "odd ""t"" ü" ADD COLUMN extra int;`, { lockTimeoutMs: 300 });
    assert.equal(r.ok, false);
    assert.match(r.statements[0]?.error ?? '', /lock timeout.*held by another session/);
  } finally {
    await blocker.query('ROLLBACK');
    await blocker.end();
  }
  assert.equal((await one<{ n: string }>(`SELECT count(*)::text AS n FROM pg_attribute WHERE attrelid = '"odd ""t"" ü"'::regclass AND attname = 'extra'`))?.n, '0');
});

test('cancel stops the running statement and rolls back the transaction', async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  const r = await applyStatements(spec, `CREATE TABLE cancelled_t (x int); SELECT pg_sleep(10);`, { signal: ac.signal }).catch((e: unknown) => e);
  if (r instanceof CancelledError) assert.match(r.message, /nothing was changed/);
  else {
    assert.ok(!(r instanceof Error), String(r));
    assert.equal((r as { ok: boolean }).ok, false);
    assert.equal((r as { statements: { error?: string }[] }).statements[1]?.error, 'cancelled');
  }
  assert.equal((await one<{ t: string | null }>(`SELECT to_regclass('cancelled_t')::text AS t`))?.t, null);
});

test('wrong password: a clear connection error and nothing attempted', async () => {
  const bad = resolveUrl(db.server.urlFor('pgopt_test', PASSWORD_USER, '?sslmode=disable'), nodeEnvAccess({}), 'bad');
  await assert.rejects(applyStatements(bad, 'CREATE TABLE never (x int)', { password: 'wrong' }), /password|authentication/i);
  assert.equal((await one<{ t: string | null }>(`SELECT to_regclass('never')::text AS t`))?.t, null);
});

test('no statements is an error, not a silent success', async () => {
  await assert.rejects(applyStatements(spec, ' -- nothing\n ; '), /no SQL statement/);
});
