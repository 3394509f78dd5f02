// Errors a user can trigger, from the built CLI (dist/cli.js) against a real server: each is one sentence on
// stderr (or in the run's FAILED line) that says what to do, with the documented exit code, never a stack or a
// driver warning. Failures are provoked for real: a folder as --out, a role without privileges, a TCP connection
// reset right after the connection is set up (a proxy in this test cuts it, as a server restart or a network drop
// would), a real `pg_ctl restart` (Debian flavour; terminated backends otherwise) in the middle of a migration, an
// SSL-only role with sslmode=require, and a password that comes from a pgpass file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CLI, cleanEnv, runCli } from '../harness/cli';
import { PASSWORD, PASSWORD_USER, SSL_USER, startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
const work = mkdtempSync(join(tmpdir(), 'pgopt-cli-errors-'));

function pgopt(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { cwd: work, env, timeoutMs: 120_000 });
}

function pgoptAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: work, env: cleanEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function assertNoStack(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+/, `a stack trace:\n${text}`);
  assert.doesNotMatch(text, /Warning|SECURITY/, `a driver warning:\n${text}`);
}

function migrations(files: Record<string, string>): string {
  const dir = mkdtempSync(join(work, 'mig-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

async function query<T extends pg.QueryResultRow>(sql: string, database = 'pgopt_test'): Promise<T[]> {
  const c = new pg.Client({ connectionString: db.server.urlFor(database) });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

before(async () => {
  db = await startTestPostgres();
});

after(async () => {
  await db?.stop();
});

test('analyze --out <a folder> or <a missing folder>: one sentence, exit 2, before any work', () => {
  const r = pgopt(['analyze', '--url', db.url, '--out', work]);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^pgopt: --out .* is a folder: give a file name, e\.g\. --out .*report\.txt$/m);
  assertNoStack(r.stderr);
  const missing = pgopt(['analyze', '--url', db.url, '--out', join(work, 'no', 'such', 'r.txt')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^pgopt: --out .*: the folder .*no\/such does not exist; create it first/m);
  const ok = pgopt(['analyze', '--url', db.url, '--sections', 'health', '--out', join(work, 'r.txt')]);
  assert.ok(ok.status === 0 || ok.status === 1, ok.stderr);
  assert.ok(existsSync(join(work, 'r.txt')));
});

test('migrate up as a role without privileges names the missing privilege and the GRANT; no stack', async () => {
  const url = await db.createDatabase('privs');
  await query('CREATE ROLE noprivs LOGIN', 'postgres');
  const roleUrl = db.server.urlFor('privs', 'noprivs');
  const dir = migrations({ '1_t.sql': 'CREATE TABLE t (id int);\n' });
  const r = pgopt(['migrate', 'up', '--url', roleUrl, '--dir', dir, '--yes']);
  // Checked before anything is written (src/core/db/writePrivileges.ts): exit 2, the privilege and the GRANT.
  assert.equal(r.status, 2, r.stderr + r.stdout);
  assert.match(r.stderr, /^pgopt: role "noprivs" may not create objects in schema public \(needs CREATE on schema public\): GRANT CREATE ON SCHEMA "public" TO "noprivs", or run as a role that may; nothing was written\.$/m);
  assertNoStack(r.stdout + r.stderr);

  // The owner applies; the role may not even read the tracking table now.
  assert.equal(pgopt(['migrate', 'up', '--url', url, '--dir', dir, '--yes']).status, 0);
  const st = pgopt(['migrate', 'up', '--url', roleUrl, '--dir', dir, '--yes']);
  assert.equal(st.status, 2, st.stderr);
  assert.match(st.stderr, /^pgopt: cannot read the migration status: role "noprivs" may not read or change table pgopt_migrations \(needs SELECT, INSERT, UPDATE and DELETE on it\): GRANT SELECT, INSERT, UPDATE, DELETE ON "pgopt_migrations" TO "noprivs"/m);
  assertNoStack(st.stderr);
});

/** A TCP proxy that lets a connection start up, then resets it when the client sends its first query. */
async function resettingProxy(port: number): Promise<{ port: number; resets: () => number; close: () => void }> {
  let resets = 0;
  const sockets: Socket[] = [];
  const server: Server = createServer((client) => {
    const upstream = netConnect(port, '127.0.0.1');
    sockets.push(client, upstream);
    let ready = false;
    upstream.on('data', (d: Buffer) => {
      // ReadyForQuery: 'Z', length 5, status byte. After it, the next client message is the first query.
      if (d.includes(Buffer.from([0x5a, 0, 0, 0, 5]))) ready = true;
      client.write(d);
    });
    client.on('data', (d: Buffer) => {
      if (ready) {
        resets++;
        client.resetAndDestroy();
        upstream.destroy();
      } else upstream.write(d);
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    resets: () => resets,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

test('the connection is reset right after it is set up (as when the server restarts while migrate connects): one sentence, exit 2', async () => {
  const proxy = await resettingProxy(db.server.port);
  try {
    const dir = migrations({ '1_a.sql': 'CREATE TABLE a (id int);\n' });
    const r = await pgoptAsync(['migrate', 'up', '--url', `postgres://postgres@127.0.0.1:${proxy.port}/pgopt_test?sslmode=disable`, '--dir', dir, '--yes']);
    assert.ok(proxy.resets() >= 1, 'the proxy reset the connection');
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^pgopt: the connection to 127\.0\.0\.1:\d+ was lost \(the server closed it: it was restarted or stopped, or the network dropped it\) while reading the migration status; nothing was changed\. Check that the server is up/);
    assertNoStack(r.stderr);
  } finally {
    proxy.close();
  }
});

test('sslmode=require for an SSL-only role, and a password from a pgpass file: no driver warnings on stderr', () => {
  const ssl = pgopt(['analyze', '--url', `${db.server.urlFor('pgopt_test', SSL_USER)}?sslmode=require`, '--sections', 'health']);
  assert.ok(ssl.status === 0 || ssl.status === 1, ssl.stderr);
  assert.equal(ssl.stderr, '', 'nothing on stderr');

  const pgpass = join(work, 'pgpass');
  writeFileSync(pgpass, `127.0.0.1:${db.server.port}:*:${PASSWORD_USER}:${PASSWORD.replace(/[:\\]/g, '\\$&')}\n`);
  chmodSync(pgpass, 0o600);
  const pw = pgopt(['analyze', '--url', db.server.urlFor('pgopt_test', PASSWORD_USER), '--sections', 'health'], { PGPASSFILE: pgpass });
  assert.ok(pw.status === 0 || pw.status === 1, pw.stderr);
  assert.equal(pw.stderr, '', 'nothing on stderr (the driver printed a pgpass DeprecationWarning)');
  // libpq ignores a password file others may read; so do we (and say how to give the password).
  chmodSync(pgpass, 0o644);
  const open = pgopt(['analyze', '--url', db.server.urlFor('pgopt_test', PASSWORD_USER), '--sections', 'health'], { PGPASSFILE: pgpass });
  assert.equal(open.status, 2);
  assert.match(open.stderr, /asks for a password .*~\/\.pgpass/);
  assertNoStack(open.stderr);
});

test('the server restarts (or the backend is terminated) during a migration: FAILED line says the connection was lost; nothing applied', async () => {
  const dir = migrations({ '1_slow.sql': 'SELECT pg_sleep(60);\n' });
  await db.createDatabase('restart');
  const url = db.server.urlFor('restart');
  let finished: { code: number | null; stdout: string; stderr: string } | undefined;
  const run = pgoptAsync(['migrate', 'up', '--url', url, '--dir', dir, '--yes']).then((r) => (finished = r));
  // Wait until the migration's statement is running (no timing assumptions: poll the server).
  for (let i = 0; ; i++) {
    const rows = await query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid() AND state = 'active'`, 'postgres');
    if ((rows[0]?.n ?? 0) > 0) break;
    assert.equal(finished, undefined, 'pgopt ended before the migration ran');
    assert.ok(i < 600, 'the migration started');
    await new Promise((r) => setTimeout(r, 100));
  }
  let how: string;
  if (db.server.flavor === 'debian') {
    how = 'restart';
    const r = spawnSync('runuser', ['-u', 'postgres', '--', '/usr/lib/postgresql/15/bin/pg_ctl', '-D', db.server.dataDir, '-m', 'fast', '-w', 'restart'], { stdio: 'ignore', timeout: 120_000 });
    assert.equal(r.status, 0, 'pg_ctl restart');
  } else {
    how = 'terminate';
    await query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'pgopt migrate%'`, 'postgres');
  }
  const r = await run;
  assert.equal(r.code, 1, `${how}: ${r.stderr}`);
  assert.match(r.stdout, /FAILED 1 slow at statement 1: terminating connection due to administrator command — the connection to 127\.0\.0\.1:\d+ was lost \(the server ended the session: it was restarted or shut down, or the backend was terminated\)/);
  assertNoStack(r.stdout + r.stderr);
  const st = pgopt(['migrate', 'status', '--url', url, '--dir', dir]);
  assert.equal(st.status, 0, st.stderr);
  assert.doesNotMatch(st.stdout, /✓ applied/);
});
