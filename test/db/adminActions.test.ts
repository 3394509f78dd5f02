// Cancel / terminate a backend and reset pg_stat_statements on a real server: done when permitted, a
// message naming the missing privilege when not, and "gone" for a pid that is not running.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { resetStatementStats, signalBackend } from '../../src/core/db/adminActions';
import { privilegeUnavailable, probeCapabilities } from '../../src/core/db/capabilities';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { PASSWORD, PASSWORD_USER, startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let admin: DbSession;
let weak: DbSession;
const victims: pg.Client[] = [];

async function victim(url: string): Promise<{ client: pg.Client; pid: number; done: Promise<unknown> }> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  victims.push(client);
  const [r] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  const done = client.query('SELECT pg_sleep(30)').then(() => 'finished', (e: Error) => e.message);
  return { client, pid: r?.pid ?? 0, done };
}

before(async () => {
  db = await startTestPostgres();
  await db.exec(`GRANT CONNECT ON DATABASE pgopt_test TO ${PASSWORD_USER}`);
  admin = await DbSession.open(resolveUrl(db.url, nodeEnvAccess({}), 'admin'));
  const u = new URL(db.url);
  u.username = PASSWORD_USER;
  weak = await DbSession.open(resolveUrl(u.toString(), nodeEnvAccess({}), 'weak'), { password: PASSWORD });
});

after(async () => {
  for (const v of victims) await v.end().catch(() => undefined);
  await weak?.close();
  await admin?.close();
  await db?.stop();
});

test('cancel stops the running statement and keeps the session; terminate ends it', async () => {
  const v = await victim(db.url);
  await new Promise((r) => setTimeout(r, 100));
  const r = await admin.readOnly((q) => signalBackend(q, v.pid, 'cancel'));
  assert.ok(r.ok, r.message);
  assert.match(String(await v.done), /canceling statement due to user request/);
  const [alive] = (await v.client.query<{ one: number }>('SELECT 1 AS one')).rows;
  assert.equal(alive?.one, 1);
  const t = await admin.readOnly((q) => signalBackend(q, v.pid, 'terminate'));
  assert.ok(t.ok, t.message);
  await assert.rejects(v.client.query('SELECT 1'));
});

test('a role without the privilege gets a message naming it; nothing happens to the backend', async () => {
  const v = await victim(db.url); // a superuser backend: only a superuser may signal it
  await new Promise((r) => setTimeout(r, 100));
  for (const signal of ['cancel', 'terminate'] as const) {
    const r = await weak.readOnly((q) => signalBackend(q, v.pid, signal));
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.reason === 'privilege', r.message);
    assert.match(r.message, new RegExp(`Not permitted to ${signal} backend ${v.pid}: .*pg_signal_backend`));
  }
  const [row] = await admin.readOnly((q) => q.query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [v.pid]));
  assert.equal(row?.state, 'active');
  await admin.readOnly((q) => signalBackend(q, v.pid, 'cancel'));
  await v.done;
});

test('a pid that is not running, a bad pid and our own pid are refused with a message', async () => {
  const gone = await admin.readOnly((q) => signalBackend(q, 999_999, 'cancel'));
  assert.ok(!gone.ok && gone.reason === 'gone', gone.message);
  const bad = await admin.readOnly((q) => signalBackend(q, -3, 'terminate'));
  assert.ok(!bad.ok && /not a backend process id/.test(bad.message));
  const self = await admin.readOnly((q) => signalBackend(q, admin.backendPid, 'terminate'));
  assert.ok(!self.ok && /own session/.test(self.message));
  assert.ok(admin.alive);
});

test('reset query statistics: done for a superuser, a privilege message for another role', async () => {
  // Every statement so far is in pg_stat_statements; after a reset only the statements since remain.
  const count = async (): Promise<number> => {
    const [r] = await admin.readOnly((q) => q.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_statements'));
    return r?.n ?? -1;
  };
  const before = await count();
  assert.ok(before > 10, String(before));
  const caps = await admin.readOnly((q) => probeCapabilities(q));
  const weakCaps = await weak.readOnly((q) => probeCapabilities(q));
  const denied = await weak.readOnly((q) => resetStatementStats(q, weakCaps));
  assert.ok(!denied.ok && denied.reason === 'privilege', denied.message);
  assert.match(denied.message, /GRANT EXECUTE ON FUNCTION "public"\.pg_stat_statements_reset\(oid, oid, bigint\) TO "pgopt_pw"/);
  assert.ok((await count()) >= before, 'the denied reset changed nothing');
  const r = await admin.readOnly((q) => resetStatementStats(q, caps));
  assert.ok(r.ok, r.message);
  const left = await count();
  assert.ok(left < 10 && left < before, `only the reset and the statements of the count itself are left: ${left} of ${before}`);
});

test('reset without pg_stat_statements says how to enable it', async () => {
  const url = await db.createDatabase('no_pgss');
  await db.exec('DROP EXTENSION pg_stat_statements', 'no_pgss');
  const s = await DbSession.open(resolveUrl(url, nodeEnvAccess({}), 'nopgss'));
  try {
    const caps = await s.readOnly((q) => probeCapabilities(q));
    const r = await s.readOnly((q) => resetStatementStats(q, caps));
    assert.ok(!r.ok && r.reason === 'unavailable');
    assert.match(r.message, /CREATE EXTENSION pg_stat_statements/);
  } finally {
    await s.close();
  }
});

// Hostile role and schema names: a reserved word (`GRANT … TO user` would grant to the current user, not to
// the role "user"), quotes, dots, spaces, upper case and non-ASCII letters.
const HOSTILE_ROLES = ['user', 'Ops Team', 'we"ird', 'dot.ted', 'MixedCase', 'ünïcode'];

async function asRole(url: string, role: string, fn: (q: { query<R extends object>(sql: string, params?: unknown[]): Promise<R[]> }) => Promise<void>): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`SET ROLE ${pg.escapeIdentifier(role)}`);
    await fn({ query: async <R extends object>(sql: string, params?: unknown[]) => (await c.query(sql, params)).rows as R[] });
  } finally {
    await c.end();
  }
}

test('the GRANT shown to a role without pg_monitor reaches that role, whatever its name', async () => {
  for (const role of HOSTILE_ROLES) await db.exec(`CREATE ROLE ${pg.escapeIdentifier(role)}`);
  await db.exec(`GRANT USAGE ON SCHEMA public TO ${HOSTILE_ROLES.map((r) => pg.escapeIdentifier(r)).join(', ')}`);
  for (const role of HOSTILE_ROLES) {
    let grant = '';
    await asRole(db.url, role, async (q) => {
      const caps = await probeCapabilities(q);
      assert.equal(caps.currentUser, role);
      grant = privilegeUnavailable(caps)?.toEnable ?? '';
    });
    assert.match(grant, /^GRANT pg_monitor TO /);
    await db.exec(grant);
    await asRole(db.url, role, async (q) => {
      const caps = await probeCapabilities(q);
      assert.equal(caps.hasPgMonitor, true, `${grant} did not make ${role} a member of pg_monitor`);
      assert.equal(privilegeUnavailable(caps), undefined);
    });
  }
});

test('reset with pg_stat_statements in a hostile schema, and the GRANT named for a hostile role works', async () => {
  const schema = 'Stats "x".y ü';
  const url = await db.createDatabase('hostile_pgss');
  await db.exec(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}; ALTER EXTENSION pg_stat_statements SET SCHEMA ${pg.escapeIdentifier(schema)};`, 'hostile_pgss');
  const role = 'we"ird';
  await db.exec(`GRANT USAGE ON SCHEMA ${pg.escapeIdentifier(schema)} TO ${pg.escapeIdentifier(role)}`, 'hostile_pgss');
  let grant = '';
  await asRole(url, role, async (q) => {
    const caps = await probeCapabilities(q);
    assert.equal(caps.extensions.pg_stat_statements.schema, schema);
    const denied = await resetStatementStats(q, caps);
    assert.ok(!denied.ok && denied.reason === 'privilege', denied.message);
    grant = /GRANT EXECUTE ON FUNCTION .* TO .*(?=\.$)/.exec(denied.message)?.[0] ?? '';
  });
  assert.equal(grant, `GRANT EXECUTE ON FUNCTION ${pg.escapeIdentifier(schema)}.pg_stat_statements_reset(oid, oid, bigint) TO ${pg.escapeIdentifier(role)}`);
  await db.exec(grant, 'hostile_pgss');
  await asRole(url, role, async (q) => {
    const r = await resetStatementStats(q, await probeCapabilities(q));
    assert.ok(r.ok, r.message);
  });
});
