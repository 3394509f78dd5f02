// The core project model: pgopt.json read once (BOM or not, problems as data), the one dbmate marker, and
// the one lint selection that the editor and `pgopt lint` share.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dbmateMarkers, hasMigrateUpMarker } from '../../src/core/migrations/dbmateMarker';
import { splitDbmateSections } from '../../src/core/migrations/discovery';
import { diskSelectionIo, lintSelection, selectLintFiles } from '../../src/core/project/lintSelection';
import { problemLine, projectFromText, readPgoptFile } from '../../src/core/project/project';
import { parsePgoptFile } from '../../src/core/config';
import { loadParser } from '../../src/core/lint/linter';

before(async () => {
  await loadParser();
});

const CIC = 'require-concurrent-index-creation';

test('a pgopt.json saved with a UTF-8 BOM reads like one without', () => {
  const text = `{"lint": {"pgVersion": 13, "rules": {"${CIC}": "error"}}, "migrate": {"dir": "sql"}}`;
  const withBom = projectFromText('/p', { path: '/p/pgopt.json', text: `\uFEFF${text}` });
  const without = projectFromText('/p', { path: '/p/pgopt.json', text });
  assert.deepEqual(withBom.problems, []);
  assert.deepEqual(withBom.lint.settings, without.lint.settings);
  assert.equal(withBom.lint.settings.pgVersion, 13);
  assert.equal(withBom.lint.options.rules?.[CIC], 'error');
  assert.equal(withBom.migrations.configured, true);
  assert.equal(withBom.migrations.settings.dir, 'sql');
  // The parser itself: no "invalid JSON" for the mark.
  assert.deepEqual(parsePgoptFile(`\uFEFF${text}`).problems, []);
});

test('a BOM pgopt.json on disk: read, validated, its problems located after the mark', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-project-'));
  writeFileSync(join(dir, 'pgopt.json'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"lint": {"pgVersion": "fifteen"}}')]));
  const read = readPgoptFile(dir);
  assert.ok(read.ok && read.file);
  const project = projectFromText(dir, read.file);
  assert.deepEqual(
    project.problems.map((p) => problemLine(p, 'pgopt.json')),
    ['pgopt.json.lint.pgVersion: Invalid input: expected number, received string'],
  );
});

test('problems are data: a missing --config, a folder, bad JSON, a bad section beside a good one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-project-'));
  assert.deepEqual(readPgoptFile(dir), { ok: true, file: undefined });
  const missing = readPgoptFile(dir, 'nope.json');
  assert.ok(!missing.ok && /does not exist/.test(missing.message));
  mkdirSync(join(dir, 'cfg.json'));
  const folder = readPgoptFile(dir, 'cfg.json');
  assert.ok(!folder.ok && /is a folder/.test(folder.message));
  const bad = projectFromText(dir, { path: join(dir, 'pgopt.json'), text: '{"lint": ' });
  assert.equal(bad.problems.length, 1);
  assert.match(problemLine(bad.problems[0] as never, 'pgopt.json'), /^pgopt\.json: invalid JSON/);
  const mixed = projectFromText(dir, { path: join(dir, 'pgopt.json'), text: '{"connections": 3, "monitoring": {"intervalMinutes": 5}, "lint": {"rules": {"no-such-rule": "error"}}}' });
  assert.deepEqual(mixed.config.monitoring, { intervalMinutes: 5 }, 'a bad "connections" does not hide "monitoring"');
  assert.ok(mixed.problems.some((p) => p.path === '$.connections'));
  assert.ok(mixed.problems.some((p) => p.path === '$.lint.rules.no-such-rule' && /unknown rule/.test(p.message)));
});

test('without a "lint" section the host settings apply, and their problems stay the host\'s', () => {
  const p = projectFromText('/p', undefined, { hostLint: { raw: { pgVersion: 12, rules: { 'no-such-rule': 'error' } }, prefix: 'pgopt.lint' } });
  assert.equal(p.lint.source, 'host');
  assert.equal(p.lint.settings.pgVersion, 12);
  assert.deepEqual(p.problems, []);
  assert.deepEqual(p.lint.hostProblems.map((x) => x.path), ['pgopt.lint.rules.no-such-rule']);
});

test('the dbmate marker: at a line start, up or down, options kept; not in the middle of a line', () => {
  assert.equal(hasMigrateUpMarker('-- migrate:up\nCREATE TABLE a (id int);'), true);
  assert.equal(hasMigrateUpMarker('SELECT 1;\n--migrate:UP transaction:false\n'), true);
  assert.equal(hasMigrateUpMarker('\uFEFF-- migrate:up\n'), true);
  assert.equal(hasMigrateUpMarker('SELECT 1; -- migrate:up\n'), false);
  assert.equal(hasMigrateUpMarker('-- migrate:upgrade\n'), false);
  assert.equal(hasMigrateUpMarker('--\nmigrate:up\n'), false);
  const text = '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (x);\n-- migrate:down\nDROP INDEX i;\n';
  assert.deepEqual(
    dbmateMarkers(text).map((m) => [m.kind, m.options, text.slice(m.start, m.end)]),
    [
      ['up', ' transaction:false', '-- migrate:up transaction:false'],
      ['down', '', '-- migrate:down'],
    ],
  );
  // Discovery splits with the same markers.
  assert.deepEqual(splitDbmateSections(text), { up: 'CREATE INDEX CONCURRENTLY i ON t (x);\n', down: 'DROP INDEX i;\n', noTransaction: true });
});

test('the lint selection: globs minus exclude, or a marker; exclude wins over the marker', () => {
  const s = lintSelection({ migrations: ['db/**/*.sql'], exclude: ['**/vendor/**'] });
  assert.equal(s.isMigration('db/001.sql', 'SELECT 1;'), true);
  assert.equal(s.isMigration('scripts/x.sql', 'SELECT 1;'), false);
  assert.equal(s.isMigration('scripts/x.sql', '-- migrate:up\nSELECT 1;'), true);
  assert.equal(s.isMigration(undefined, '-- migrate:up\nSELECT 1;'), true, 'an untitled document with the marker');
  assert.equal(s.isMigration('db/vendor/x.sql', '-- migrate:up\nSELECT 1;'), false);
});

test('selectLintFiles on disk: glob matches plus marker-only files outside the globs; excluded and dot folders skipped', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pgopt-select-'));
  const files: Record<string, string> = {
    'db/migrations/001_init.sql': 'CREATE TABLE a (id int);',
    'db/seed.sql': 'INSERT INTO a VALUES (1);',
    'sql/20260101000000_dbmate.sql': '-- migrate:up\nCREATE INDEX i ON a (id);\n-- migrate:down\nDROP INDEX i;\n',
    'scripts/report.sql': 'SELECT 1;',
    'node_modules/pkg/migrations/x.sql': '-- migrate:up\nSELECT 1;',
    '.hidden/y.sql': '-- migrate:up\nSELECT 1;',
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  const selection = projectFromText(root, undefined).lint.selection;
  const chosen = await selectLintFiles(selection, diskSelectionIo(root));
  assert.deepEqual(chosen, ['db/migrations/001_init.sql', 'db/seed.sql', 'sql/20260101000000_dbmate.sql']);
  // The editor decides per document with the same selection: it agrees on every file.
  for (const [rel, text] of Object.entries(files)) {
    if (rel.startsWith('.')) continue;
    assert.equal(selection.isMigration(rel, text), chosen.includes(rel), rel);
  }
});
