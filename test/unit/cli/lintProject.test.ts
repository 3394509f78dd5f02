// pgopt lint without a pgopt.json runs with defaults built without zod (lintProject.ts): they must be what the
// core project model gives, and a pgopt.json (found or --config) must still go through it, errors included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLintSettings, loadLintProject } from '../../../src/cli/lintProject';
import { loadProject } from '../../../src/cli/cliSupport';
import { CliError } from '../../../src/cli/cliErrors';
import { projectFromText } from '../../../src/core/project/project';
import { lintSettingsSchema } from '../../../src/core/config';

const PATHS = ['db/001.sql', 'db/migrations/002.sql', 'a/migrations/b/003.sql', 'x/migrate/004.sql', 'node_modules/db/migrations/5.sql', 'src/x.sql', '.hidden/migrations/6.sql', 'db/x.txt'];

function sameLint(got: ReturnType<typeof loadLintProject>, want: ReturnType<typeof loadProject>): void {
  assert.deepEqual(got.config, want.config);
  assert.deepEqual(got.lint.settings, want.lint.settings);
  assert.deepEqual(got.lint.options, want.lint.options);
  assert.deepEqual(got.lint.selection.migrations, want.lint.selection.migrations);
  assert.deepEqual(got.lint.selection.exclude, want.lint.selection.exclude);
  for (const p of PATHS) {
    assert.equal(got.lint.selection.isMigrationPath(p), want.lint.selection.isMigrationPath(p), p);
    assert.equal(got.lint.selection.isExcluded(p), want.lint.selection.isExcluded(p), p);
    assert.equal(got.lint.selection.isMigration(p, 'select 1;'), want.lint.selection.isMigration(p, 'select 1;'), p);
    assert.equal(got.lint.selection.isMigration(p, '-- migrate:up\nselect 1;'), want.lint.selection.isMigration(p, '-- migrate:up\nselect 1;'), p);
  }
}

test('the zod-free defaults are the schema defaults and what the project model gives without pgopt.json', () => {
  assert.deepEqual(defaultLintSettings(), lintSettingsSchema.parse({}));
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-lintproject-'));
  sameLint(loadLintProject(undefined, dir), projectFromText(dir, undefined));
  sameLint(loadLintProject(undefined, dir), loadProject(undefined, dir));
});

test('a pgopt.json in the folder or given with --config is read and validated as before', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-lintproject-'));
  writeFileSync(join(dir, 'pgopt.json'), JSON.stringify({ lint: { pgVersion: 13, rules: { 'require-lock-timeout': 'off' }, exclude: ['db/old/**'] }, analysis: { statementTimeoutMs: 500 } }));
  const got = loadLintProject(undefined, dir);
  assert.equal(got.lint.options.pgVersion, 13);
  assert.deepEqual(got.config.analysis, { statementTimeoutMs: 500 });
  sameLint(got, loadProject(undefined, dir));
  const other = mkdtempSync(join(tmpdir(), 'pgopt-lintproject-'));
  sameLint(loadLintProject(join(dir, 'pgopt.json'), other), loadProject(join(dir, 'pgopt.json'), other));

  const messageOf = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof CliError, String(e));
      return e.message;
    }
    return assert.fail('expected a CliError');
  };
  const bad = mkdtempSync(join(tmpdir(), 'pgopt-lintproject-'));
  writeFileSync(join(bad, 'pgopt.json'), JSON.stringify({ lint: { pgVersion: 'fifteen' } }));
  assert.match(messageOf(() => loadLintProject(undefined, bad)), /^invalid config:\n {2}.*pgVersion/);
  assert.equal(messageOf(() => loadLintProject(undefined, bad)), messageOf(() => loadProject(undefined, bad)));
  assert.match(messageOf(() => loadLintProject('missing.json', bad)), /does not exist/);
  const folder = mkdtempSync(join(tmpdir(), 'pgopt-lintproject-'));
  mkdirSync(join(folder, 'pgopt.json'));
  assert.match(messageOf(() => loadLintProject(undefined, folder)), /is a folder/);
});
