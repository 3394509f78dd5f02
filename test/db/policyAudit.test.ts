// The access policy and the one audit log, with the real CLI against a real server: a read-only policy refuses
// migrate up, migrate down, migrate trace --on-target and advise --scratch-whatif with one sentence and exit 2
// and writes nothing; allow lists and production confirmation; every write lands in .pgopt/audit.jsonl (OS user,
// role, connection without its password, action, SQL, outcome, duration); pgopt audit prints and filters it. The editor-side writes (cancel,
// terminate, reset statistics) go through the core's audited() with the core's admin actions: checked here too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { audited, auditActor, JsonlAuditSink, readAuditFile } from '../../src/core/audit';
import { resetStatementStats, signalBackend } from '../../src/core/db/adminActions';
import { probeCapabilities } from '../../src/core/db/capabilities';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { runCli } from '../harness/cli';
import { writeMigrationDir } from '../harness/migrationFixtures';
import { PASSWORD, PASSWORD_USER, startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let url: string;
/** The same superuser URL with a password in it (trust authentication ignores it): it must never reach the audit. */
let urlWithSecret: string;
const SECRET = 'hunter2-never-in-audit';

const MIGRATIONS = {
  '20240101000000_users.sql': '-- migrate:up\nCREATE TABLE users (id int PRIMARY KEY, email text);\n-- migrate:down\nDROP TABLE users;\n',
};

function workdir(policy: unknown): string {
  const cwd = mkdtempSync(join(tmpdir(), 'pgopt-policy-'));
  if (policy !== undefined) writeFileSync(join(cwd, 'pgopt.json'), JSON.stringify({ policy }));
  writeFileSync(join(cwd, 'workload.sql'), 'SELECT * FROM users WHERE email = $1;\n');
  return cwd;
}

function pgopt(cwd: string, args: string[]) {
  return runCli(args, { cwd, timeoutMs: 120_000 });
}

async function tableExists(dbUrl: string, name: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    return (await c.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name])).rows[0]?.t !== null;
  } finally {
    await c.end();
  }
}

function oneSentence(stderr: string): void {
  assert.equal(stderr.trim().split('\n').length, 1, `one line, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

before(async () => {
  db = await startTestPostgres();
  url = await db.createDatabase('policy_audit');
  const u = new URL(url);
  u.password = SECRET;
  urlWithSecret = u.toString();
});
after(async () => {
  await db?.stop();
});

test('a read-only policy refuses migrate up, migrate down and advise --scratch-whatif: one sentence, exit 2, nothing written', async () => {
  const cwd = workdir({ readOnly: true });
  const dir = writeMigrationDir(MIGRATIONS);
  for (const args of [
    ['migrate', 'up', '--url', url, '--dir', dir, '--yes'],
    ['migrate', 'down', '--url', url, '--dir', dir, '--yes'],
    ['advise', '--url', url, '--queries', 'workload.sql', '--scratch-whatif'],
  ]) {
    const r = pgopt(cwd, args);
    assert.equal(r.status, 2, `${args.slice(0, 2).join(' ')}: ${r.stderr}`);
    oneSentence(r.stderr);
    assert.match(r.stderr, /^pgopt: The access policy is read-only \(policy\.readOnly: true\), so (migrate up|migrate down|scratch what-if on the target) is refused and nothing was written\.$/m);
  }
  assert.equal(await tableExists(url, 'public.pgopt_migrations'), false, 'no tracking table was created');
  assert.equal(await tableExists(url, 'public.users'), false, 'no migration ran');
  assert.equal(existsSync(join(cwd, '.pgopt', 'audit.jsonl')), false, 'a refusal writes nothing, not even the audit');
});

test('an allow list permits only the listed writes; a production policy needs --confirm-database with the right name', async () => {
  const dir = writeMigrationDir(MIGRATIONS);
  const allowUp = workdir({ allow: ['migrate-up'] });
  const down = pgopt(allowUp, ['migrate', 'down', '--url', url, '--dir', dir, '--yes']);
  assert.equal(down.status, 2, down.stderr);
  oneSentence(down.stderr);
  assert.match(down.stderr, /allows only migrate-up, so migrate down \(migrate-down\) is refused and nothing was written; add "migrate-down" to policy\.allow/);

  const prod = workdir({ production: true });
  const database = new URL(url).pathname.slice(1);
  const plain = pgopt(prod, ['migrate', 'up', '--url', url, '--dir', dir, '--yes']);
  assert.equal(plain.status, 2, plain.stderr);
  assert.match(plain.stderr, new RegExp(`marked production \\(policy\\.production: true\\): migrate up needs the database name "${database}" typed to confirm; nothing was written\\. Pass --confirm-database ${database}\\.`));
  const wrong = pgopt(prod, ['migrate', 'up', '--url', url, '--dir', dir, '--yes', '--confirm-database', 'postgres']);
  assert.equal(wrong.status, 2, wrong.stderr);
  assert.match(wrong.stderr, /\(got "postgres"\)/);
  assert.equal(await tableExists(url, 'public.users'), false);
  // Without --yes the plan is still shown (a dry run writes nothing).
  const dry = pgopt(prod, ['migrate', 'up', '--url', url, '--dir', dir]);
  assert.equal(dry.status, 2, dry.stderr);
  assert.match(dry.stdout, /↑ 20240101000000 users/);

  const ok = pgopt(prod, ['migrate', 'up', '--url', urlWithSecret, '--dir', dir, '--yes', '--confirm-database', database]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(await tableExists(url, 'public.users'), true);

  // The audit: every write with OS user, role, connection without the password, SQL, outcome and duration.
  const text = readFileSync(join(prod, '.pgopt', 'audit.jsonl'), 'utf8');
  assert.ok(!text.includes(SECRET), 'the password never reaches the audit log');
  const { records, problems } = readAuditFile(join(prod, '.pgopt', 'audit.jsonl'));
  assert.deepEqual(problems, []);
  assert.deepEqual(records.map((r) => `${r.action}:${r.result}`), ['create-tracking-table:ok', 'apply:ok']);
  const apply = records[1];
  assert.equal(apply?.osUser, userInfo().username);
  assert.equal(apply?.host, 'cli');
  assert.equal(apply?.role, new URL(url).username || userInfo().username);
  assert.match(apply?.sql ?? '', /CREATE TABLE users/);
  assert.equal(typeof apply?.durationMs, 'number');
  assert.match(apply?.connection ?? '', /policy_audit/);

  // Roll back through the same policy: audited too.
  const back = pgopt(prod, ['migrate', 'down', '--url', urlWithSecret, '--dir', dir, '--yes', '--confirm-database', database]);
  assert.equal(back.status, 0, back.stderr);

  // pgopt audit: text, json, --since.
  const shown = pgopt(prod, ['audit']);
  assert.equal(shown.status, 0, shown.stderr);
  assert.match(shown.stdout, /ok {8}apply 20240101000000 users {2}by \S+ \(db: \S+\) on .*policy_audit/);
  assert.match(shown.stdout, /ok {8}rollback 20240101000000 users/);
  assert.ok(!shown.stdout.includes(SECRET));
  const json = JSON.parse(pgopt(prod, ['audit', '--format', 'json']).stdout) as { action: string }[];
  assert.deepEqual(json.map((r) => r.action), ['create-tracking-table', 'apply', 'rollback']);
  const future = pgopt(prod, ['audit', '--since', '2999-01-01', '--format', 'json']);
  assert.equal(future.status, 0, future.stderr);
  assert.deepEqual(JSON.parse(future.stdout), []);
  const recent = JSON.parse(pgopt(prod, ['audit', '--since', '1h', '--format', 'json']).stdout) as unknown[];
  assert.equal(recent.length, 3);
  const bad = pgopt(prod, ['audit', '--since', 'yesterday']);
  assert.equal(bad.status, 2);
  oneSentence(bad.stderr);
  const missing = pgopt(workdir(undefined), ['audit']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no audit log at .*audit\.jsonl/);
});

test('advise --scratch-whatif, when the policy allows it, is recorded in the audit log', async () => {
  await db.exec('CREATE TABLE IF NOT EXISTS users (id int PRIMARY KEY, email text); INSERT INTO users SELECT g, g::text FROM generate_series(1, 2000) g ON CONFLICT DO NOTHING; ANALYZE users', 'policy_audit');
  const cwd = workdir({ allow: ['scratch-whatif'] });
  const r = pgopt(cwd, ['advise', '--url', urlWithSecret, '--queries', 'workload.sql', '--scratch-whatif', '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const { records } = readAuditFile(join(cwd, '.pgopt', 'audit.jsonl'));
  assert.deepEqual(records.map((x) => `${x.action}:${x.result}:${x.host}`), ['scratch-whatif:ok:cli']);
  assert.ok(!readFileSync(join(cwd, '.pgopt', 'audit.jsonl'), 'utf8').includes(SECRET));
});

test('migrate trace --on-target is a write: read-only and allow lists refuse it, production needs the name, the trace is audited', async () => {
  const dir = writeMigrationDir({ '20240301000000_trace_probe.sql': '-- migrate:up\nCREATE TABLE trace_probe (id int);\n-- migrate:down\nDROP TABLE trace_probe;\n' });
  const args = ['migrate', 'trace', '--url', urlWithSecret, '--dir', dir, '--on-target', '--yes'];
  const readOnly = workdir({ readOnly: true });
  const r = pgopt(readOnly, args);
  assert.equal(r.status, 2, r.stderr);
  oneSentence(r.stderr);
  assert.match(r.stderr, /^pgopt: The access policy is read-only \(policy\.readOnly: true\), so a migration trace on the target is refused and nothing was written\.$/m);
  assert.equal(existsSync(join(readOnly, '.pgopt', 'audit.jsonl')), false);

  const allow = pgopt(workdir({ allow: ['migrate-up', 'scratch-whatif'] }), args);
  assert.equal(allow.status, 2, allow.stderr);
  oneSentence(allow.stderr);
  assert.match(allow.stderr, /allows only migrate-up, scratch-whatif, so a migration trace on the target \(trace-on-target\) is refused and nothing was written; add "trace-on-target" to policy\.allow/);

  const prod = workdir({ production: true, allow: ['trace-on-target'] });
  const database = new URL(url).pathname.slice(1);
  const unconfirmed = pgopt(prod, args);
  assert.equal(unconfirmed.status, 2, unconfirmed.stderr);
  oneSentence(unconfirmed.stderr);
  assert.match(unconfirmed.stderr, new RegExp(`marked production \\(policy\\.production: true\\): a migration trace on the target needs the database name "${database}" typed to confirm; nothing was written\\. Pass --confirm-database ${database}\\.`));
  assert.equal(existsSync(join(prod, '.pgopt', 'audit.jsonl')), false, 'a refusal writes nothing, not even the audit');

  const ok = pgopt(prod, [...args, '--confirm-database', database]);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /trace_probe/);
  assert.equal(await tableExists(url, 'public.trace_probe'), false, 'rolled back');
  const { records, problems } = readAuditFile(join(prod, '.pgopt', 'audit.jsonl'));
  assert.deepEqual(problems, []);
  assert.deepEqual(records.map((x) => `${x.action}:${x.result}:${x.host}:${x.version}`), ['trace-on-target:ok:cli:20240301000000']);
  assert.match(records[0]?.sql ?? '', /rolled back: 20240301000000 trace_probe\nCREATE TABLE trace_probe \(id int\);/);
  assert.match(records[0]?.connection ?? '', /policy_audit/);
  assert.ok(!readFileSync(join(prod, '.pgopt', 'audit.jsonl'), 'utf8').includes(SECRET));

  // Traces elsewhere (a scratch copy) are not writes on the target: their flags are a usage error.
  const misuse = pgopt(prod, ['migrate', 'trace', '--url', url, '--dir', dir, '--confirm-database', database]);
  assert.equal(misuse.status, 2);
  assert.match(misuse.stderr, /--confirm-database and --audit are for --on-target/);
});

test('cancel, terminate and reset statistics through audited(): one record each with the outcome, a privilege refusal recorded as failed', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'pgopt-audit-')), 'audit.jsonl');
  const sink = new JsonlAuditSink(file);
  const admin = await DbSession.open(resolveUrl(url, nodeEnvAccess({}), 'admin'));
  const u = new URL(url);
  u.username = PASSWORD_USER;
  await db.exec(`GRANT CONNECT ON DATABASE policy_audit TO ${PASSWORD_USER}`);
  const weak = await DbSession.open(resolveUrl(u.toString(), nodeEnvAccess({}), 'weak'), { password: PASSWORD });
  const victims: pg.Client[] = [];
  try {
    const caps = await admin.readOnly((q) => probeCapabilities(q));
    const weakCaps = await weak.readOnly((q) => probeCapabilities(q));
    for (const signal of ['cancel', 'terminate'] as const) {
      const v = new pg.Client({ connectionString: url });
      v.on('error', () => undefined);
      await v.connect();
      victims.push(v);
      const pid = (await v.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
      const sleeping = v.query('SELECT pg_sleep(30)').catch(() => undefined);
      const base = { ...auditActor(caps.currentUser), host: 'editor' as const, connection: `test (${url})`, action: `${signal}-backend` as const, sql: `SELECT pg_${signal}_backend(${pid})` };
      // The weak role may not signal a superuser's backend: recorded as failed with the reason.
      const refused = await audited(sink, { ...base, ...auditActor(weakCaps.currentUser) }, () => weak.readOnly((q) => signalBackend(q, pid, signal)));
      assert.equal(refused.ok, false);
      const done = await audited(sink, base, () => admin.readOnly((q) => signalBackend(q, pid, signal)));
      assert.equal(done.ok, true, done.message);
      await sleeping;
    }
    const reset = await audited(sink, { ...auditActor(caps.currentUser), connection: 'test', action: 'reset-statistics', sql: 'SELECT pg_stat_statements_reset()' }, () => admin.readOnly((q) => resetStatementStats(q, caps)));
    const { records } = readAuditFile(file);
    const w = weakCaps.currentUser;
    const a = caps.currentUser;
    assert.deepEqual(
      records.map((r) => `${r.action}:${r.result}:${r.role}`),
      [`cancel-backend:failed:${w}`, `cancel-backend:ok:${a}`, `terminate-backend:failed:${w}`, `terminate-backend:ok:${a}`, `reset-statistics:${reset.ok ? 'ok' : 'failed'}:${a}`],
    );
    assert.match(records[0]?.error ?? '', /Not permitted to cancel backend/);
    for (const r of records) assert.ok(!JSON.stringify(r).includes(SECRET));
  } finally {
    for (const v of victims) await v.end().catch(() => undefined);
    await weak.close();
    await admin.close();
  }
});

test('migrate up as a role without privileges: checked before any write, one sentence naming the missing privilege, nothing written', async () => {
  await db.exec('CREATE DATABASE policy_weak');
  await db.exec(`REVOKE CREATE ON SCHEMA public FROM PUBLIC; GRANT CONNECT ON DATABASE policy_weak TO ${PASSWORD_USER}`, 'policy_weak');
  const u = new URL(url);
  u.username = PASSWORD_USER;
  u.password = PASSWORD;
  u.pathname = '/policy_weak';
  const cwd = workdir(undefined);
  const dir = writeMigrationDir(MIGRATIONS);
  const r = pgopt(cwd, ['migrate', 'up', '--url', u.toString(), '--dir', dir, '--yes']);
  assert.equal(r.status, 2, r.stdout + r.stderr);
  oneSentence(r.stderr);
  assert.match(r.stderr, new RegExp(`role "${PASSWORD_USER}" may not create objects in schema public \\(needs CREATE on schema public\\): GRANT CREATE ON SCHEMA "?public"? TO "?${PASSWORD_USER}"?`));
  assert.ok(!r.stderr.includes(PASSWORD));
  const superUrl = new URL(url);
  superUrl.pathname = '/policy_weak';
  assert.equal(await tableExists(superUrl.toString(), 'public.pgopt_migrations'), false);
  assert.equal(await tableExists(superUrl.toString(), 'public.users'), false);
});
