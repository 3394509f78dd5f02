// Bad input against a real server: each failure is provoked for real (wrong password, stopped server,
// a port that accepts but never answers, SSL-only role, missing database, malformed URL).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { ConnectError, openClient } from '../../src/core/db/connect';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { freePort } from '../../scripts/localPostgres';
import { PASSWORD, PASSWORD_USER, SSL_USER, startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
const spec = (url: string, name = 'target') => resolveUrl(url, nodeEnvAccess({}), name);

before(async () => {
  db = await startTestPostgres();
});
after(async () => {
  await db?.stop();
});

async function expectConnectError(url: string, kind: string, opts: { password?: string; timeoutMs?: number } = {}): Promise<ConnectError> {
  const started = Date.now();
  try {
    const c = await openClient(spec(url, 'my-conn'), { connectTimeoutMs: opts.timeoutMs ?? 3000, ...(opts.password ? { password: opts.password } : {}) });
    await c.end();
  } catch (e) {
    assert.ok(e instanceof ConnectError, `expected ConnectError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, /"my-conn"/, 'names the connection');
    assert.ok(Date.now() - started < (opts.timeoutMs ?? 3000) + 2000, 'within the connect timeout');
    return e;
  }
  assert.fail(`connecting to ${url} should have failed with ${kind}`);
}

test('right password connects; wrong or missing password says so', async () => {
  const url = db.server.urlFor('pgopt_test', PASSWORD_USER, '?sslmode=disable');
  const c = await openClient(spec(url), { password: PASSWORD });
  await c.end();
  const wrong = await expectConnectError(url, 'auth-failed', { password: 'nope' });
  assert.ok(wrong.needsPassword);
  assert.doesNotMatch(wrong.message, /nope/, 'the password is never echoed');
  const missing = await expectConnectError(url, 'password-required');
  assert.ok(missing.needsPassword);
});

test('server down: connection refused names host and port', async () => {
  const port = await freePort();
  const e = await expectConnectError(`postgres://u@127.0.0.1:${port}/db?sslmode=disable`, 'refused');
  assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.match(e.message, /Is the server running/);
});

test('unreachable: a port that accepts but never answers times out within the connect timeout', async () => {
  const sockets: Socket[] = [];
  const silent: Server = createServer((s) => sockets.push(s));
  const port = await freePort();
  await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r));
  try {
    const e = await expectConnectError(`postgres://u@127.0.0.1:${port}/db?sslmode=disable`, 'timeout', { timeoutMs: 1500 });
    assert.match(e.message, /no answer .* within 2 s|within 1 s|within 2 s/);
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test('SSL required: sslmode=disable is told to use require; prefer falls through to SSL; require works', async () => {
  await expectConnectError(db.server.urlFor('pgopt_test', SSL_USER, '?sslmode=disable'), 'ssl-required');
  for (const mode of ['prefer', 'require', 'allow']) {
    const c = await openClient(spec(db.server.urlFor('pgopt_test', SSL_USER, `?sslmode=${mode}`)));
    const r = await c.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    assert.equal(r.rows[0]?.ssl, true, `sslmode=${mode} encrypts`);
    await c.end();
  }
});

test('verify-full rejects a self-signed certificate with a clear hint', async () => {
  const e = await expectConnectError(db.server.urlFor('pgopt_test', SSL_USER, '?sslmode=verify-full'), 'ssl-verify');
  assert.match(e.message, /certificate/);
});

test('missing database is named', async () => {
  const e = await expectConnectError(db.server.urlFor('no_such_db', 'postgres', '?sslmode=disable'), 'no-database');
  assert.match(e.message, /database "no_such_db" does not exist/);
});

test('malformed URLs fail before any network traffic, with the reason', () => {
  assert.throws(() => spec('postgres://u@[::1/db'), /malformed URL/);
  assert.throws(() => spec('http://u@h/db'), /not a postgres:\/\//);
});

test('~/.pgpass convention: a password from PGPASSFILE is used when none is given', async () => {
  const { mkdtempSync, writeFileSync, chmodSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-pgpass-'));
  const file = join(dir, 'pgpass');
  // host:port:database:user:password, with ':' and '\' escaped as libpq requires.
  writeFileSync(file, `127.0.0.1:${db.server.port}:*:${PASSWORD_USER}:${PASSWORD.replace(/\\/g, '\\\\').replace(/:/g, '\\:')}\n`);
  chmodSync(file, 0o600);
  const before = process.env.PGPASSFILE;
  process.env.PGPASSFILE = file;
  try {
    const c = await openClient(spec(db.server.urlFor('pgopt_test', PASSWORD_USER, '?sslmode=disable')));
    const r = await c.query<{ u: string }>('SELECT current_user AS u');
    assert.equal(r.rows[0]?.u, PASSWORD_USER);
    await c.end();
  } finally {
    if (before === undefined) delete process.env.PGPASSFILE;
    else process.env.PGPASSFILE = before;
  }
});
