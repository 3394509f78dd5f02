// The lint gate without a server (static rules): errors that predict a failed run (syntax error, CONCURRENTLY
// inside a transaction block), lines in the file (a dbmate up section starts below its marker), the down
// section is not judged, an ignore comment lifts a finding, and a resumed migration is judged from its
// resume point on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadParser } from '../../../src/core/lint/linter';
import { discoverMigrations } from '../../../src/core/migrations/discovery';
import { formatGateFinding, lintCounts, lintGateJson, lintPendingMigrations } from '../../../src/core/migrations/lintGate';

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'pgopt-gate-unit-'));
  for (const [n, t] of Object.entries(files)) writeFileSync(join(d, n), t);
  return d;
}

test('syntax errors and CONCURRENTLY inside BEGIN … COMMIT are errors, located by file line; clean files have none', async () => {
  await loadParser();
  const d = dir({
    '001_clean.sql': 'CREATE TABLE t (id bigint PRIMARY KEY);\n',
    '002_typo.sql': 'CREATE TABLE u (id bigint);\n\nALTER TABLE u ADD COLUMN;\n',
    '003_cic.sql': 'BEGIN;\nCREATE INDEX CONCURRENTLY t_id ON t (id);\nCOMMIT;\n',
  });
  const disc = discoverMigrations(d);
  const g = await lintPendingMigrations(disc.migrations.map((migration) => ({ migration })), { options: {} });
  assert.equal(g.live, false);
  const by = Object.fromEntries(g.migrations.map((m) => [m.name, m]));
  assert.equal(by.clean?.errors, 0);
  const typo = by.typo?.findings.find((f) => f.severity === 'error');
  assert.equal(typo?.ruleId, 'syntax-error');
  assert.equal(typo?.line, 3);
  assert.equal(formatGateFinding(typo!, (p) => p.slice(d.length + 1)).split(' ').slice(0, 2).join(' '), '002_typo.sql:3 syntax-error');
  const cic = by.cic?.findings.find((f) => f.severity === 'error');
  assert.equal(cic?.ruleId, 'ban-concurrent-index-creation-in-transaction');
  assert.equal(cic?.line, 2);
  assert.equal(g.errors, 2);
  // Errors come first in a migration's list.
  for (const m of g.migrations) assert.deepEqual(m.findings.map((f) => f.severity), [...m.findings.map((f) => f.severity)].sort());
  assert.equal(lintCounts({ errors: 2, warnings: 1 }), '2 errors, 1 warning');
  assert.equal(lintCounts({ errors: 0, warnings: 0 }), '');
});

test('dbmate: lines count from the top of the file, the down section is not judged, `-- pgopt-ignore` lifts an error', async () => {
  await loadParser();
  const d = dir({
    '20240101000000_a.sql': '-- migrate:up\nCREATE TABLE a (id bigint);\nALTER TABLE a ADD COLUMN;\n-- migrate:down\nDROP TABLE a;\nALTER TABLE a DROP;\n',
    '20240102000000_b.sql': '-- migrate:up\nBEGIN;\n-- pgopt-ignore ban-concurrent-index-creation-in-transaction\nCREATE INDEX CONCURRENTLY a_id ON a (id);\nCOMMIT;\n',
  });
  const disc = discoverMigrations(d);
  assert.equal(disc.format, 'dbmate');
  const g = await lintPendingMigrations(disc.migrations.map((migration) => ({ migration })), { options: {} });
  const [a, b] = g.migrations;
  assert.deepEqual(a?.findings.filter((f) => f.severity === 'error').map((f) => `${f.line} ${f.ruleId}`), ['3 syntax-error'], 'the down section\'s syntax error (line 6) is not the run\'s');
  assert.equal(b?.errors, 0, JSON.stringify(b?.findings));
  const js = lintGateJson(g, (p) => p.slice(d.length + 1)) as { errors: number; migrations: { file: string; findings: { line: number; rule: string }[] }[] };
  assert.equal(js.errors, 1);
  assert.equal(js.migrations[0]?.file, '20240101000000_a.sql');
});

test('a resumed migration is judged from the statement it resumes at', async () => {
  await loadParser();
  const d = dir({ '001_two.sql': 'ALTER TABLE t ADD COLUMN;\nCREATE TABLE v (id bigint);\nALTER TABLE v ADD COLUMN;\n' });
  const [m] = discoverMigrations(d).migrations;
  assert.ok(m);
  const all = await lintPendingMigrations([{ migration: m }], { options: {} });
  assert.deepEqual(all.migrations[0]?.findings.filter((f) => f.severity === 'error').map((f) => f.line), [1, 3]);
  const resumed = await lintPendingMigrations([{ migration: m, resumeAt: 1 }], { options: {} });
  assert.deepEqual(resumed.migrations[0]?.findings.filter((f) => f.severity === 'error').map((f) => f.line), [3]);
});
