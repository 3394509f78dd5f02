// The lint gate of `pgopt migrate up` as a real process against a real server: a clean migration followed by
// one the live linter flags as an error (a CHECK that 11 existing rows violate) refuses the whole run with
// exit 1 naming file:line and the rule, and applies nothing — not even the clean one; --allow-lint-errors
// proceeds (and the CHECK then fails as predicted); a `-- pgopt-ignore` on the statement proceeds too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pg from 'pg';
import { knownRuleIds } from '../../src/core/lint/lintConfig';
import { writeMigrationDir } from '../harness/migrationFixtures';
import { runCli } from '../harness/cli';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
const cwd = writeMigrationDir({}, 'pgopt-lint-gate-');

function pgopt(args: string[]) {
  return runCli(['migrate', ...args], { cwd });
}

async function query<R extends object>(url: string, sql: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql)).rows;
  } finally {
    await c.end();
  }
}

/** A database with 11 rows that fail `age >= 0` (and 5 that pass). */
async function seeded(name: string): Promise<string> {
  const url = await db.createDatabase(name);
  await query(url, 'CREATE TABLE gate_people (id bigint PRIMARY KEY, age int); INSERT INTO gate_people SELECT g, CASE WHEN g <= 11 THEN -g ELSE g END FROM generate_series(1, 16) g');
  return url;
}

const CLEAN = 'CREATE TABLE gate_clean (id bigint PRIMARY KEY);\n';
const CHECK = '-- ages are never negative\nALTER TABLE gate_people\n  ADD CONSTRAINT gate_people_age CHECK (age >= 0);\n';

before(async () => {
  db = await startTestPostgres();
});
after(async () => {
  await db?.stop();
});

const ruleIds = knownRuleIds().map((id) => id.replace(/[-]/g, '\\-')).join('|');

test('a live lint error refuses the whole run: exit 1 naming file:line and rule, nothing applied, not even the clean migration before it', async () => {
  const url = await seeded('gate_refuse');
  const dir = writeMigrationDir({ '001_clean.sql': CLEAN, '002_age_check.sql': CHECK });

  const r = pgopt(['up', '--url', url, '--dir', dir, '--yes', '--audit', join(cwd, 'refuse.jsonl')]);
  assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
  // file:line rule message — the statement starts on line 2 of the file.
  const line = new RegExp(`002_age_check\\.sql:2 (${ruleIds}) 11 rows of \\S*gate_people .*fail this CHECK`);
  assert.match(r.stderr, line);
  assert.match(r.stderr, /refusing to run up: .*nothing was applied/);
  assert.match(r.stderr, /--allow-lint-errors/);
  // The plan shows the findings under the migration they belong to.
  assert.match(r.stdout, /↑ 2 age_check {2}\[lint: 1 error[^\]]*\]\n {6}error {3}\S*002_age_check\.sql:2 /);
  const tables = await query<{ clean: string | null; tracking: string | null }>(url, `SELECT to_regclass('public.gate_clean')::text AS clean, to_regclass('public.pgopt_migrations')::text AS tracking`);
  assert.deepEqual(tables, [{ clean: null, tracking: null }], 'nothing was applied, no tracking table was created');

  // Without --yes the plan already says the run would be refused (exit 1, not the dry-run exit 2).
  const plan = pgopt(['up', '--url', url, '--dir', dir]);
  assert.equal(plan.status, 1, plan.stderr);
  assert.match(plan.stderr, line);

  // --format json carries the findings.
  const js = pgopt(['up', '--url', url, '--dir', dir, '--yes', '--format', 'json']);
  assert.equal(js.status, 1, js.stderr);
  const out = JSON.parse(js.stdout) as { ok: boolean; lint: { errors: number; live: boolean; migrations: { version: string; findings: { rule: string; severity: string; line: number; message: string }[] }[] } };
  assert.equal(out.ok, false);
  assert.equal(out.lint.live, true);
  assert.ok(out.lint.errors >= 1);
  const f = out.lint.migrations.find((m) => m.version === '2')?.findings.find((x) => x.severity === 'error');
  assert.ok(f, js.stdout);
  assert.equal(f.line, 2);
  assert.match(f.message, /11 rows .*fail this CHECK/);
  assert.deepEqual(out.lint.migrations.find((m) => m.version === '1')?.findings.filter((x) => x.severity === 'error'), []);
  assert.deepEqual(await query(url, `SELECT to_regclass('public.gate_clean')::text AS t`), [{ t: null }]);
});

test('--allow-lint-errors proceeds: the clean migration is applied and the CHECK fails as the linter predicted', async () => {
  const url = await seeded('gate_allow');
  const dir = writeMigrationDir({ '001_clean.sql': CLEAN, '002_age_check.sql': CHECK });
  const r = pgopt(['up', '--url', url, '--dir', dir, '--yes', '--allow-lint-errors', '--audit', join(cwd, 'allow.jsonl')]);
  assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /applying despite 1 error from the linter \(--allow-lint-errors\)/);
  assert.match(r.stdout, /applied 1 clean/);
  assert.match(r.stdout, /FAILED 2 age_check .*violated by some row/);
  const rows = await query<{ version: string; success: boolean }>(url, 'SELECT version, success FROM public.pgopt_migrations ORDER BY version');
  assert.deepEqual(rows.map((x) => `${x.version}:${x.success}`), ['1:true', '2:false']);
});

test('a `-- pgopt-ignore` on the statement proceeds (the run is the author\'s call)', async () => {
  const url = await seeded('gate_ignore');
  const ignored = CHECK.replace('ALTER TABLE', '-- pgopt-ignore\nALTER TABLE');
  const dir = writeMigrationDir({ '001_clean.sql': CLEAN, '002_age_check.sql': ignored, '003_after.sql': 'CREATE TABLE gate_after (id bigint PRIMARY KEY);\n' });
  const r = pgopt(['up', '--url', url, '--dir', dir, '--yes', '--audit', join(cwd, 'ignore.jsonl')]);
  assert.doesNotMatch(r.stderr, /refusing/);
  assert.match(r.stdout, /applied 1 clean/);
  assert.match(r.stdout, /FAILED 2 age_check/);
  assert.equal(r.status, 1);
  // Fix the data: the same files now apply to the end.
  await query(url, 'DELETE FROM gate_people WHERE age < 0');
  const again = pgopt(['up', '--url', url, '--dir', dir, '--yes', '--audit', join(cwd, 'ignore.jsonl')]);
  assert.equal(again.status, 0, `${again.stdout}\n${again.stderr}`);
  assert.match(again.stdout, /applied 2 age_check[\s\S]*applied 3 after/);
});

test('warnings do not block: they are listed in the plan and the run goes ahead', async () => {
  const url = await seeded('gate_warn');
  // Validating a CHECK on an existing table takes ACCESS EXCLUSIVE for the scan: a warning, not a failure.
  const dir = writeMigrationDir({ '001_positive.sql': 'ALTER TABLE gate_people ADD CONSTRAINT gate_people_id CHECK (id > 0);\n' });
  const plan = pgopt(['up', '--url', url, '--dir', dir]);
  assert.equal(plan.status, 2, plan.stderr);
  assert.match(plan.stdout, /↑ 1 positive {2}\[lint: \d+ warnings?\]\n {6}warning \S*001_positive\.sql:1 \S+ /);
  const r = pgopt(['up', '--url', url, '--dir', dir, '--yes', '--audit', join(cwd, 'warn.jsonl')]);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /warning \S*001_positive\.sql:1 /);
  assert.match(r.stdout, /applied 1 positive/);
});

test('a table an earlier pending migration creates is not unknown; a table nobody creates is an error', async () => {
  const url = await db.createDatabase('gate_earlier');
  const dir = writeMigrationDir({
    '001_create.sql': 'CREATE TABLE gate_new (id bigint PRIMARY KEY);\n',
    '002_alter.sql': 'ALTER TABLE gate_new ADD COLUMN note text;\n',
    '003_typo.sql': 'ALTER TABLE gate_nwe ADD COLUMN note text;\n',
  });
  const r = pgopt(['up', '--url', url, '--dir', dir, '--yes', '--format', 'json']);
  assert.equal(r.status, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { lint: { migrations: { version: string; findings: { rule: string; severity: string; message: string }[] }[] } };
  const errors = (v: string): string[] => out.lint.migrations.find((m) => m.version === v)?.findings.filter((f) => f.severity === 'error').map((f) => `${f.rule}: ${f.message}`) ?? ['missing'];
  assert.deepEqual(errors('1'), []);
  assert.deepEqual(errors('2'), [], 'gate_new comes from 001, which is pending');
  assert.equal(errors('3').length, 1);
  assert.match(errors('3')[0] ?? '', /^unknown-object: .*gate_nwe/);
  assert.deepEqual(await query(url, `SELECT to_regclass('public.gate_new')::text AS t`), [{ t: null }]);
});
