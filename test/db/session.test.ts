import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { DbSession, CancelledError, QueryTimeoutError } from '../../src/core/db/session';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { privilegeUnavailable, probeCapabilities } from '../../src/core/db/capabilities';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let session: DbSession;

before(async () => {
  db = await startTestPostgres();
  await db.exec('CREATE TABLE guarded (id int PRIMARY KEY, v text); INSERT INTO guarded VALUES (1, $$a$$);');
  session = await DbSession.open(resolveUrl(db.url, nodeEnvAccess({}), 'test'), { analysis: { statementTimeoutMs: 500, lockTimeoutMs: 200 } });
});

after(async () => {
  await session?.close();
  await db?.stop();
});

test('analysis units are READ ONLY, bounded, named pgopt, and rolled back', async () => {
  const row = await session.readOnly(async (q) => {
    const [r] = await q.query<{ ro: string; st: string; lt: string; app: string }>(
      `SELECT current_setting('transaction_read_only') AS ro, current_setting('statement_timeout') AS st,
              current_setting('lock_timeout') AS lt, current_setting('application_name') AS app`,
    );
    return r;
  });
  assert.deepEqual(row, { ro: 'on', st: '500ms', lt: '200ms', app: 'pgopt' });
  await assert.rejects(session.readOnly((q) => q.query(`UPDATE guarded SET v = 'changed'`)), /read-only transaction/);
  // After the failure the client is usable and nothing changed.
  const [v] = await session.readOnly((q) => q.query<{ v: string }>('SELECT v FROM guarded WHERE id = 1'));
  assert.equal(v?.v, 'a');
  const [outside] = (await session.client.query<{ s: string }>(`SELECT current_setting('statement_timeout') AS s`)).rows;
  assert.equal(outside?.s, '0', 'SET LOCAL did not leak out of the unit');
});

test('statement_timeout stops a slow analyzer query with a clear error', async () => {
  await assert.rejects(session.readOnly((q) => q.query('SELECT pg_sleep(3)')), (e: unknown) => {
    assert.ok(e instanceof QueryTimeoutError);
    assert.match(e.message, /longer than 500 ms.*statementTimeoutMs/);
    return true;
  });
});

test('lock_timeout: an analyzer never waits behind a writer', async () => {
  const blocker = new pg.Client({ connectionString: db.url });
  await blocker.connect();
  try {
    await blocker.query('BEGIN; LOCK TABLE guarded IN ACCESS EXCLUSIVE MODE');
    const started = Date.now();
    await assert.rejects(session.readOnly((q) => q.query('SELECT count(*) FROM guarded')), (e: unknown) => {
      assert.ok(e instanceof QueryTimeoutError);
      assert.equal(e.kind, 'lock');
      return true;
    });
    assert.ok(Date.now() - started < 3000, 'gave up quickly');
  } finally {
    await blocker.query('ROLLBACK');
    await blocker.end();
  }
});

test('an AbortSignal cancels the running query on the server', async () => {
  const controller = new AbortController();
  const started = Date.now();
  const p = session.readOnly((q) => q.query('SELECT pg_sleep(20)'), { signal: controller.signal, statementTimeoutMs: 60_000 });
  setTimeout(() => controller.abort(), 300);
  await assert.rejects(p, CancelledError);
  assert.ok(Date.now() - started < 5000, `cancelled in ${Date.now() - started} ms`);
  const [r] = await session.readOnly((q) => q.query<{ one: number }>('SELECT 1 AS one'));
  assert.equal(r?.one, 1, 'session still usable');
});

test('units on one session are serialised, never interleaved', async () => {
  const results = await Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      session.readOnly(async (q) => {
        await q.query('SELECT pg_sleep(0.02)');
        const [r] = await q.query<{ xid: string }>('SELECT txid_current_if_assigned()::text AS xid, $1::int AS i', [i]);
        return r;
      }),
    ),
  );
  assert.equal(results.length, 5);
});

test('capability probe sees the preloaded extensions and the superuser', async () => {
  const caps = await session.readOnly((q) => probeCapabilities(q));
  assert.ok(caps.serverVersionNum >= 150000);
  assert.equal(caps.isSuperuser, true);
  assert.equal(caps.extensions.pg_stat_statements.usable, true);
  assert.equal(caps.extensions.hypopg.usable, db.hasHypopg);
  assert.equal(caps.extensions.pg_qualstats.usable, db.hasQualstats);
});

test('capability probe explains what is missing and how to enable it', async () => {
  await db.createDatabase('bare_caps');
  await db.exec('DROP EXTENSION IF EXISTS hypopg; DROP EXTENSION pg_stat_statements;', 'bare_caps');
  await db.exec(`CREATE ROLE plain_user LOGIN; GRANT CONNECT ON DATABASE bare_caps TO plain_user;`, 'postgres');
  const s = await DbSession.open(resolveUrl(db.server.urlFor('bare_caps', 'plain_user'), nodeEnvAccess({}), 'plain'));
  try {
    const caps = await s.readOnly((q) => probeCapabilities(q));
    assert.equal(caps.isSuperuser, false);
    const pss = caps.extensions.pg_stat_statements;
    assert.equal(pss.usable, false);
    assert.match(pss.unavailable?.toEnable ?? '', /CREATE EXTENSION pg_stat_statements/);
    assert.match(privilegeUnavailable(caps)?.toEnable ?? '', /GRANT pg_monitor TO plain_user/);
  } finally {
    await s.close();
  }
});
