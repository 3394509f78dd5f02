// The pure parts of the editor's lint integration: the "disable" quick-fix edits (checked by linting the
// edited text with the real engine), locating pgopt.json problems, and lint settings that survive a typo.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MIGRATION_GLOBS, lintSettingsSchema, parsePgoptFile } from '../../src/core/config';
import { lintText, loadParser } from '../../src/core/lint/linter';
import type { TextEdit } from '../../src/core/lint/types';
import { requireConcurrentIndexCreation } from '../../src/core/lint/rules/require-concurrent-index-creation';
import { locateConfigProblems, pathSegments } from '../../src/extension/diagnostics/configProblemLocations';
import { disableForFileEdit, disableForStatementEdit } from '../../src/extension/diagnostics/ignoreEdits';
import { projectFromText } from '../../src/core/project/project';
import { parseLintSettings } from '../../src/core/config';

const CIC = 'require-concurrent-index-creation';
const ONE = { rules: [requireConcurrentIndexCreation] };
const ids = (sql: string): string[] => lintText(sql, {}, ONE).findings.map((f) => f.ruleId);
const apply = (text: string, e: TextEdit | undefined): string => {
  assert.ok(e, 'an edit');
  return text.slice(0, e.start) + e.newText + text.slice(e.end);
};

before(async () => {
  await loadParser();
});

test('disable for this statement: a comment line above with the statement indentation, which silences it', () => {
  const sql = 'BEGIN;\n  CREATE INDEX a ON t (x);\n  CREATE INDEX b ON t (y);\nCOMMIT;\n';
  const second = sql.indexOf('CREATE INDEX b');
  const out = apply(sql, disableForStatementEdit(sql, second, CIC));
  assert.equal(out, `BEGIN;\n  CREATE INDEX a ON t (x);\n  -- pgopt-ignore ${CIC}\n  CREATE INDEX b ON t (y);\nCOMMIT;\n`);
  assert.deepEqual(ids(out), [CIC], 'only the first index is still reported');
});

test('disable for this statement extends an existing pgopt-ignore above it, and is a no-op when already listed', () => {
  const sql = '-- pgopt-ignore some-rule\r\nCREATE INDEX a ON t (x);\r\n';
  const out = apply(sql, disableForStatementEdit(sql, sql.indexOf('CREATE'), CIC));
  assert.equal(out, `-- pgopt-ignore some-rule, ${CIC}\r\nCREATE INDEX a ON t (x);\r\n`);
  assert.equal(disableForStatementEdit(out, out.indexOf('CREATE'), CIC), undefined);
  assert.equal(disableForStatementEdit('-- pgopt-ignore\nCREATE INDEX a ON t (x);', 16, CIC), undefined, 'a bare ignore already covers every rule');
});

test('disable for this statement when another statement shares the line puts the comment on a line of its own', () => {
  const sql = 'SELECT 1; CREATE INDEX a ON t (x);';
  const out = apply(sql, disableForStatementEdit(sql, sql.indexOf('CREATE'), CIC));
  assert.equal(out, `SELECT 1; \n-- pgopt-ignore ${CIC}\nCREATE INDEX a ON t (x);`);
  assert.deepEqual(ids(out), []);
});

test('disable for this file inserts a first line, or extends the existing pgopt-ignore-file comment', () => {
  const sql = 'CREATE INDEX a ON t (x);\nCREATE INDEX b ON t (y);\n';
  const once = apply(sql, disableForFileEdit(sql, CIC));
  assert.equal(once, `-- pgopt-ignore-file ${CIC}\n${sql}`);
  assert.deepEqual(ids(once), []);
  assert.equal(disableForFileEdit(once, CIC), undefined, 'already disabled');
  const other = `-- migrate:up\n-- pgopt-ignore-file other-rule   \n${sql}`;
  assert.equal(apply(other, disableForFileEdit(other, CIC)), `-- migrate:up\n-- pgopt-ignore-file other-rule, ${CIC}   \n${sql}`);
});

test('an ignore comment inside a string or dollar quote is not taken for one', () => {
  const sql = "SELECT '-- pgopt-ignore-file x';\nDO $$ BEGIN -- pgopt-ignore-file y\nEND $$;\nCREATE INDEX a ON t (x);";
  assert.equal(apply(sql, disableForFileEdit(sql, CIC)).split('\n')[0], `-- pgopt-ignore-file ${CIC}`);
});

test('config problem paths become jsonc-parser segments', () => {
  assert.deepEqual(pathSegments('$.connections[1].port'), ['connections', 1, 'port']);
  assert.deepEqual(pathSegments('$.lint.rules.require-concurrent-index-creation'), ['lint', 'rules', 'require-concurrent-index-creation']);
  assert.deepEqual(pathSegments('$'), []);
});

test('pgopt.json problems are located at the offending value or key', () => {
  const text = '{\n  "lint": {\n    "pgVersion": "fifteen",\n    "rulez": {},\n    "rules": { "Bad_Id": "warning", "x-y": "loud" }\n  }\n}\n';
  const { problems } = parsePgoptFile(text, '$');
  const located = locateConfigProblems(text, problems);
  const at = (s: string): string | undefined => located.find((l) => text.slice(l.start, l.end) === s)?.message;
  assert.ok(at('"fifteen"'), `pgVersion value: ${JSON.stringify(located)}`);
  assert.equal(at('"rulez"'), 'unknown key "rulez"');
  assert.ok(at('"Bad_Id"'), `bad rule id key: ${JSON.stringify(located)}`);
  assert.ok(at('"loud"'), `bad severity value: ${JSON.stringify(located)}`);
  for (const l of located) assert.ok(l.end > l.start);
});

test('a JSON syntax error is placed where the parser stopped', () => {
  const text = '{\n  "lint": { "pgVersion": 15, }\n}';
  const { problems } = parsePgoptFile(text, '$');
  const [p] = locateConfigProblems(text, problems);
  assert.ok(p);
  assert.match(p.message, /invalid JSON/);
  assert.equal(text.slice(p.start, p.end), '}');
});

test('lint settings keep every valid key when one is bad', () => {
  const { settings, problems } = parseLintSettings({ pgVersion: 12, assumeInTransaction: 'yes', rules: { [CIC]: 'error', 'x-y': 'loud' } }, '$.lint');
  assert.equal(settings.pgVersion, 12);
  assert.equal(settings.assumeInTransaction, false);
  assert.deepEqual(settings.rules, { [CIC]: 'error' });
  assert.ok(problems.some((p) => p.path === '$.lint.assumeInTransaction'));
  assert.ok(problems.some((p) => p.path.startsWith('$.lint.rules')));
  // A bad sibling section does not hide a good "lint" (the project model salvages each section).
  const project = projectFromText('/p', { path: '/p/pgopt.json', text: '{"connections": "nope", "lint": {"pgVersion": 13}}' });
  assert.equal(project.lint.source, 'pgopt.json');
  assert.equal(project.lint.settings.pgVersion, 13);
  assert.ok(project.problems.some((p) => p.path === '$.connections'));
  assert.equal(projectFromText('/p', { path: '/p/pgopt.json', text: 'not json' }).lint.source, 'host');
});

test('the pgopt.lint.* setting defaults in package.json are the core defaults', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
    contributes: { configuration: { title: string; properties: Record<string, { default: unknown }> }[] };
  };
  const lint = pkg.contributes.configuration.find((c) => c.title === 'Lint')?.properties ?? {};
  const defaults = lintSettingsSchema.parse({});
  assert.deepEqual(lint['pgopt.lint.migrations']?.default, DEFAULT_MIGRATION_GLOBS);
  assert.deepEqual(lint['pgopt.lint.exclude']?.default, defaults.exclude);
  assert.equal(lint['pgopt.lint.pgVersion']?.default, defaults.pgVersion);
  assert.equal(lint['pgopt.lint.assumeInTransaction']?.default, defaults.assumeInTransaction);
  assert.deepEqual(lint['pgopt.lint.rules']?.default, defaults.rules);
});
