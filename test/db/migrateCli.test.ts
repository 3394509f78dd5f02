// pgopt migrate as a real process against a real server: plan without --yes (exit 2), apply with --yes,
// status text/json, --strict on drift (exit 1), down with a generated/refused rollback, audit file, trace seam.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { writeMigrationDir } from '../harness/migrationFixtures';
import { CLI, cleanEnv, runCli } from '../harness/cli';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let url: string;
const cwd = writeMigrationDir({}, 'pgopt-migrate-cli-');

function pgopt(args: string[]) {
  return runCli(['migrate', ...args], { cwd });
}

before(async () => {
  db = await startTestPostgres();
  url = await db.createDatabase('migrate_cli');
});
after(async () => {
  await db?.stop();
});

test('up without --yes prints the plan and exits 2; with --yes applies, audits and status shows ✓', () => {
  const dir = writeMigrationDir({
    '20240101000000_users.sql': '-- migrate:up\nCREATE TABLE users (id int PRIMARY KEY);\n-- migrate:down\nDROP TABLE users;\n',
    '20240102000000_idx.sql': '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_id2 ON users (id);\n',
  });
  const plan = pgopt(['up', '--url', url, '--dir', dir]);
  assert.equal(plan.status, 2, plan.stderr);
  assert.match(plan.stdout, /↑ 20240101000000 users\n {2}↑ 20240102000000 idx/);
  assert.match(plan.stderr, /nothing was changed\. Add --yes to apply these 2 migrations/);

  const up = pgopt(['up', '--url', url, '--dir', dir, '--yes']);
  assert.equal(up.status, 0, up.stderr);
  assert.match(up.stdout, /applied 20240101000000 users .*\napplied 20240102000000 idx/);
  assert.match(up.stderr, /statement by statement, outside a transaction/);
  const audit = readFileSync(join(cwd, '.pgopt', 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(audit.map((a) => `${a.action}:${a.version ?? ''}`), ['create-tracking-table:', 'apply:20240101000000', 'apply:20240102000000']);

  const st = pgopt(['status', '--url', url, '--dir', dir]);
  assert.equal(st.status, 0, st.stderr);
  assert.match(st.stdout, /✓ applied {2}20240101000000 users\n✓ applied {2}20240102000000 idx/);
  assert.match(st.stdout, /dbmate, detected.*tracking: public\.pgopt_migrations \(pgopt\)/);
  const js = JSON.parse(pgopt(['status', '--url', url, '--dir', dir, '--format', 'json']).stdout);
  assert.deepEqual(js.counts, { applied: 2, pending: 0, drifted: 0, failed: 0, missing: 0 });

  // Drift: status --strict exits 1 and shows the diff; up refuses (exit 1).
  writeFileSync(join(dir, '20240101000000_users.sql'), '-- migrate:up\nCREATE TABLE users (id bigint PRIMARY KEY);\n-- migrate:down\nDROP TABLE users;\n');
  const strict = pgopt(['status', '--url', url, '--dir', dir, '--strict']);
  assert.equal(strict.status, 1);
  assert.match(strict.stdout, /⚠ drifted {2}20240101000000 users[\s\S]*-CREATE TABLE users \(id int PRIMARY KEY\);\n {4}\+CREATE TABLE users \(id bigint PRIMARY KEY\);/);
  assert.equal(pgopt(['status', '--url', url, '--dir', dir]).status, 0, 'without --strict drift is reported, not an error');

  // down: the last one has no down section -> generated DROP INDEX CONCURRENTLY; plan then --yes.
  const downPlan = pgopt(['down', '--url', url, '--dir', dir]);
  assert.equal(downPlan.status, 2);
  assert.match(downPlan.stdout, /↓ 20240102000000 idx \(generated down SQL\)[\s\S]*DROP INDEX CONCURRENTLY IF EXISTS "users_id2";/);
  const down = pgopt(['down', '--url', url, '--dir', dir, '--yes']);
  assert.equal(down.status, 0, down.stderr);
  assert.match(down.stdout, /rolled back 20240102000000 idx/);
});

test('a failing migration exits 1 with the statement; bad usage and a dead server exit 2; trace dry-runs the failed one', async () => {
  const url = await db.createDatabase('migrate_cli_2');
  const dir = writeMigrationDir({ '001_bad.sql': 'CREATE TABLE ok1 (id int);\nSELECT 1/0;\n' });
  const r = pgopt(['up', '--url', url, '--dir', dir, '--yes', '--audit', join(cwd, 'a2.jsonl')]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /FAILED 1 bad at statement 2: division by zero/);
  assert.equal(pgopt(['sideways', '--url', url]).status, 2);
  const noDir = pgopt(['status', '--url', url, '--dir', join(cwd, 'nope')]);
  assert.equal(noDir.status, 2);
  assert.match(noDir.stderr, /cannot read migrations directory/);
  const dead = pgopt(['status', '--url', 'postgres://u:secret@127.0.0.1:1/x', '--dir', dir]);
  assert.equal(dead.status, 2);
  assert.match(dead.stderr, /Cannot connect/);
  assert.ok(!dead.stderr.includes('secret'));
  // trace dry-runs what is not applied (the failed 001) on a scratch database of the same server: the
  // division by zero fails there too, exit 1, and the target is untouched.
  const trace = pgopt(['trace', '--url', url, '--dir', dir, '--scratch-url', db.server.url]);
  assert.equal(trace.status, 1, trace.stderr);
  assert.match(trace.stdout, /1 bad/);
  assert.match(trace.stdout, /division by zero/);
});

test('two CLI runners at once: one applies, the other exits 1 naming the lock holder', async () => {
  const url = await db.createDatabase('migrate_cli_3');
  // The winner's migration waits (up to 60 s) until the test says go, which it does only once the loser has
  // exited: no timing assumption about how fast two node processes start on a loaded machine.
  const dir = writeMigrationDir({
    '001_slow.sql': "DO $$ BEGIN FOR i IN 1..1200 LOOP EXIT WHEN EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'race-go'); PERFORM pg_sleep(0.05); END LOOP; END $$;\nCREATE TABLE raced (id int);\n",
  });
  const start = () =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const p = spawn(process.execPath, [CLI, 'migrate', 'up', '--url', url, '--dir', dir, '--yes', '--audit', join(cwd, 'race.jsonl')], { cwd, env: cleanEnv() });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      p.on('close', (code) => resolve({ code, out, err }));
    });
  const runs = [start(), start()] as const;
  const first = await Promise.race(runs);
  const go = new pg.Client({ connectionString: url, application_name: 'race-go' });
  await go.connect();
  const [a, b] = await Promise.all(runs).finally(() => go.end());
  assert.equal(first.code, 1, `the runner that finished first should be the one refused: ${first.err}`);
  const codes = [a.code, b.code].sort();
  assert.deepEqual(codes, [0, 1], `${a.err}\n${b.err}`);
  const loser = a.code === 1 ? a : b;
  assert.match(loser.err, /another migration runner holds the lock .*application_name "pgopt migrate \[migration lock\]"/);
});

test('a migration saved with a UTF-8 BOM lints clean and applies (psql skips the BOM; so do lint and migrate)', async () => {
  const url = await db.createDatabase('migrate_cli_bom');
  const dir = writeMigrationDir({ '001_bom.sql': '\uFEFFCREATE TABLE bom_t (id int PRIMARY KEY);\n' });
  const lint = runCli(['lint', join(dir, '001_bom.sql')], { cwd });
  assert.doesNotMatch(lint.stdout + lint.stderr, /syntax/i);
  assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  const up = pgopt(['up', '--url', url, '--dir', dir, '--yes']);
  assert.equal(up.status, 0, up.stdout + up.stderr);
  assert.match(up.stdout, /applied 1 bom/);
  const st = pgopt(['status', '--url', url, '--dir', dir]);
  assert.match(st.stdout, /✓ applied {2}1 bom/);
  // Removing the BOM (another editor) is not drift: the checksum is over the text without it.
  writeFileSync(join(dir, '001_bom.sql'), 'CREATE TABLE bom_t (id int PRIMARY KEY);\n');
  assert.equal(pgopt(['status', '--url', url, '--dir', dir, '--strict']).status, 0);
});
