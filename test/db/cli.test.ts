// The pgopt binary as CI runs it: real process, real server, exit codes and formats.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/localPostgres';
import { runCli } from '../harness/cli';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
const tmp = mkdtempSync(join(tmpdir(), 'pgopt-cli-'));

function pgopt(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { cwd: tmp, env });
}

before(async () => {
  db = await startTestPostgres();
});
after(async () => {
  await db?.stop();
});

test('healthy database: exit 0, text report on stdout', () => {
  const r = pgopt(['analyze', '--url', db.url]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /== Health \[/);
  assert.match(r.stdout, /Cache hit ratio \(tables\)/);
  assert.equal(r.stderr, '');
});

test('workload sections: --sections queries,connections,caching with thresholds from --config', () => {
  const config = join(tmp, 'workload.pgopt.json');
  writeFileSync(config, JSON.stringify({ queries: { slowMeanMs: 0, slowMinCalls: 1, limit: 5 }, activity: { samples: 2 } }));
  const r = pgopt(['analyze', '--url', db.url, '--format', 'json', '--sections', 'queries,connections,caching', '--config', config]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { sections: { id: string; error?: string; metrics: { id: string; label: string }[]; tables: { id: string; rows: unknown[] }[] }[] };
  assert.deepEqual(report.sections.map((s) => [s.id, s.error]), [['queries', undefined], ['connections', undefined], ['caching', undefined]]);
  const queries = report.sections[0];
  assert.ok((queries?.tables.find((t) => t.id === 'statements')?.rows.length ?? 0) <= 5);
  assert.ok(queries?.metrics.some((m) => m.label.includes('mean ≥ 0 ms, ≥ 1 calls')));
  const bad = join(tmp, 'bad.pgopt.json');
  writeFileSync(bad, JSON.stringify({ queries: { slowMinCalls: 'many' } }));
  const b = pgopt(['analyze', '--url', db.url, '--sections', 'queries', '--config', bad]);
  assert.equal(b.status, 2);
  assert.match(b.stderr, /queries\.slowMinCalls/);
});

test('each analyzer that ran has its time: timings in --format json, the footer of the text report', () => {
  const r = pgopt(['analyze', '--url', db.url, '--format', 'json', '--sections', 'health,indexes,constraints']);
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  const report = JSON.parse(r.stdout) as { sections: { id: string; title: string; durationMs: number }[]; timings: { analyzer: string; title: string; ms: number }[] };
  assert.deepEqual(
    report.timings.map((t) => t.analyzer),
    ['health', 'indexes', 'constraints'],
  );
  for (const t of report.timings) {
    assert.ok(Number.isInteger(t.ms) && t.ms >= 0, `${t.analyzer}: ${t.ms}`);
    assert.equal(t.ms, report.sections.find((s) => s.id === t.analyzer)?.durationMs, `${t.analyzer}: the section's own duration`);
  }
  const text = pgopt(['analyze', '--url', db.url, '--sections', 'health,constraints']);
  const t = String.raw`\d+(?: ms|\.\d s)`;
  assert.match(text.stdout, new RegExp(String.raw`\nAnalyzer times: Health ${t} · Constraints ${t} — ${t} in all\n?$`));
});

test('error-severity finding: exit 1; JSON is the report model', async () => {
  await db.exec(`CREATE TABLE t (id serial); SELECT setval('t_id_seq', 2100000000);`);
  const r = pgopt(['analyze', '--url', db.url, '--format', 'json', '--sections', 'health']);
  assert.equal(r.status, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { schemaVersion: number; sections: { id: string; findings: { id: string; severity: string }[] }[] };
  assert.equal(report.schemaVersion, 1);
  assert.ok(report.sections[0]?.findings.some((f) => f.id === 'health.sequence-exhaustion' && f.severity === 'error'));
  await db.exec(`DROP TABLE t`);
});

test('--format html --out writes a self-contained file; connection from DATABASE_URL and from PG* variables', () => {
  const out = join(tmp, 'r.html');
  const r = pgopt(['analyze', '--format', 'html', '--out', out], { DATABASE_URL: db.url });
  assert.equal(r.status, 0, r.stderr);
  assert.match(readFileSync(out, 'utf8'), /^<!DOCTYPE html>[\s\S]*Cache hit ratio/);
  const viaEnv = pgopt(['analyze'], { PGHOST: '127.0.0.1', PGPORT: String(db.server.port), PGUSER: 'postgres', PGDATABASE: 'pgopt_test', PGSSLMODE: 'disable' });
  assert.equal(viaEnv.status, 0, viaEnv.stderr);
});

test('--config reads pgopt.json; an invalid one is exit 2 with the offending key', () => {
  const good = join(tmp, 'good.json');
  writeFileSync(good, JSON.stringify({ analysis: { statementTimeoutMs: 5000 } }));
  assert.equal(pgopt(['analyze', '--url', db.url, '--config', good]).status, 0);
  const bad = join(tmp, 'bad.json');
  writeFileSync(bad, JSON.stringify({ analysis: { statementTimeoutMs: 'soon' } }));
  const r = pgopt(['analyze', '--url', db.url, '--config', bad]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /analysis\.statementTimeoutMs/);
  assert.equal(r.stdout, '');
});

test('usage and connection errors: exit 2 with a message on stderr', async () => {
  const cases: [string[], RegExp][] = [
    [['analyze'], /no database given/],
    [['analyze', '--url', 'mysql://x'], /not a postgres/],
    [['analyze', '--url', db.url, '--sections', 'health,nope'], /unknown section\(s\): nope/],
    [['analyze', '--url', db.url, '--format', 'pdf'], /--format must be one of/],
    [['analyze', '--bogus'], /Unknown option '--bogus'/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['analyze', '--url', `postgres://u@127.0.0.1:${await freePort()}/x?sslmode=disable`], /refused.*Is the server running/],
  ];
  for (const [args, re] of cases) {
    const r = pgopt(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stdout, '', 'nothing on stdout');
  }
  assert.equal(pgopt(['--help']).status, 0);
});

test('pgopt lint --url over a directory: a table an earlier pending file creates is new (no lock findings, not unknown); a live table still is', async () => {
  await db.exec(`DROP TABLE IF EXISTS busy_t; CREATE TABLE busy_t (id int PRIMARY KEY); INSERT INTO busy_t SELECT generate_series(1, 100);`);
  const dir = mkdtempSync(join(tmp, 'earlier-'));
  writeFileSync(join(dir, '001_create.sql'), 'CREATE TABLE fresh_t (id bigint PRIMARY KEY);\n');
  writeFileSync(join(dir, '002_alter.sql'), "SET lock_timeout = '1s';\nALTER TABLE fresh_t ADD COLUMN code text NOT NULL;\nCREATE INDEX fresh_t_code ON fresh_t (code);\nALTER TABLE busy_t ADD COLUMN code text NOT NULL;\n");
  type J = { file: string; line: number; rule: string }[];
  const withDb = pgopt(['lint', dir, '--format', 'json', '--url', db.url]);
  const on002 = (JSON.parse(withDb.stdout) as J).filter((f) => f.file.endsWith('002_alter.sql'));
  assert.deepEqual(on002.filter((f) => (f.line === 2 || f.line === 3) && f.rule !== 'prefer-robust-stmts').map((f) => f.rule), [], `fresh_t is created by 001, which the database does not have yet: ${withDb.stdout}`);
  assert.ok(on002.some((f) => f.line === 4 && f.rule === 'adding-required-field'), withDb.stdout);
  // Without a connection nothing is assumed: 001 may already be applied and fresh_t busy.
  const without = pgopt(['lint', dir, '--format', 'json']);
  const offline = (JSON.parse(without.stdout) as J).filter((f) => f.file.endsWith('002_alter.sql'));
  assert.ok(offline.some((f) => f.line === 3 && f.rule === 'require-concurrent-index-creation'), without.stdout);
  assert.ok(offline.some((f) => f.line === 2 && f.rule === 'adding-required-field'), without.stdout);
});

test('--sections constraints,integrity with rules from --config: counts, config errors (exit 1), NOT VALID dry run', async () => {
  await db.exec(`CREATE TABLE cli_people (id serial PRIMARY KEY, email text, age int);
    INSERT INTO cli_people (email, age) SELECT 'p' || g || '@x.io', 20 + g % 50 FROM generate_series(1, 100) g;
    UPDATE cli_people SET email = 'nope' WHERE id IN (3, 4);
    ALTER TABLE cli_people ADD CONSTRAINT cli_people_age_check CHECK (age < 60) NOT VALID;`);
  try {
    const config = join(tmp, 'integrity.pgopt.json');
    writeFileSync(config, JSON.stringify({ integrity: { rules: [{ table: 'cli_people', column: 'email', format: 'email' }] } }));
    const r = pgopt(['analyze', '--url', db.url, '--format', 'json', '--sections', 'constraints,integrity', '--config', config]);
    assert.equal(r.status, 0, r.stderr);
    type Section = { id: string; error?: string; findings: { id: string; title: string; severity: string }[] };
    const report = JSON.parse(r.stdout) as { sections: Section[] };
    assert.deepEqual(report.sections.map((s) => [s.id, s.error]), [['constraints', undefined], ['integrity', undefined]]);
    const [constraints, integrity] = report.sections as [Section, Section];
    // age = 20 + g % 50 >= 60 for g % 50 in 40..49: 20 of 100 rows.
    assert.ok(constraints.findings.some((f) => f.id === 'constraints.not-valid' && /cli_people_age_check .*: 20 rows would fail VALIDATE/.test(f.title)));
    assert.ok(integrity.findings.some((f) => f.id === 'integrity.rule-violation' && f.title === 'public.cli_people.email: 2 rows violate format email'));
    // A rule naming a missing column: an error finding, so exit 1.
    writeFileSync(config, JSON.stringify({ integrity: { rules: [{ table: 'cli_people', column: 'mail', format: 'email' }] } }));
    const bad = pgopt(['analyze', '--url', db.url, '--sections', 'integrity', '--config', config]);
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stdout, /Integrity rule #0 \(cli_people\.mail\): column "mail" does not exist in table public\.cli_people/);
    // A malformed rule: the CLI refuses the config (exit 2) and names the key.
    writeFileSync(config, JSON.stringify({ integrity: { rules: [{ table: 'cli_people', column: 'email', format: 'e-mail' }] } }));
    const invalid = pgopt(['analyze', '--url', db.url, '--sections', 'integrity', '--config', config]);
    assert.equal(invalid.status, 2);
    assert.match(invalid.stderr, /integrity\.rules\[0\]\.format/);
  } finally {
    await db.exec('DROP TABLE cli_people');
  }
});
