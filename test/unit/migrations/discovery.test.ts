import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverMigrations, detectFormat, parseMigrationFiles, splitDbmateSections, type MigrationFile } from '../../../src/core/migrations/discovery';
import { compareVersions, normalizeVersion } from '../../../src/core/migrations/versions';
import { flywayChecksum, migrationChecksum } from '../../../src/core/migrations/checksum';
import { parseMigrateSettings, parsePgoptFile } from '../../../src/core/config';

const f = (name: string, text = 'SELECT 1;'): MigrationFile => ({ name, path: `/m/${name}`, text });

test('versions compare numerically part by part, text otherwise', () => {
  assert.ok(compareVersions('1.2.10', '1.2.9') > 0);
  assert.ok(compareVersions('2', '10') < 0);
  assert.equal(compareVersions('007', '7'), 0);
  assert.equal(compareVersions('1.0', '1'), 0);
  assert.ok(compareVersions('20240101120000', '20231231235959') > 0);
  assert.ok(compareVersions('99999999999999999999', '100000000000000000000') < 0, 'no float precision loss on long versions');
  assert.equal(normalizeVersion('007'), '7');
  assert.equal(normalizeVersion('1.02_3'), '1.2_3');
});

test('format detection', () => {
  assert.equal(detectFormat([f('1_a.up.sql'), f('1_a.down.sql')]), 'golang-migrate');
  assert.equal(detectFormat([f('V1__init.sql')]), 'flyway');
  assert.equal(detectFormat([f('R__views.sql')]), 'flyway');
  assert.equal(detectFormat([f('20240101_a.sql', '-- migrate:up\nSELECT 1;\n-- migrate:down\n')]), 'dbmate');
  assert.equal(detectFormat([f('001_a.sql'), f('002_b.sql')]), 'plain');
});

test('golang-migrate: up and down files paired by version, ordered numerically', () => {
  const d = parseMigrationFiles([f('10_c.up.sql', 'C'), f('2_b.up.sql', 'B'), f('2_b.down.sql', 'DB'), f('1_a.up.sql', 'A'), f('README.md.sql')]);
  assert.equal(d.format, 'golang-migrate');
  assert.deepEqual(d.migrations.map((m) => [m.version, m.name, m.upSql, m.downSql]), [
    ['1', 'a', 'A', undefined],
    ['2', 'b', 'B', 'DB'],
    ['10', 'c', 'C', undefined],
  ]);
  assert.ok(d.problems.some((p) => p.severity === 'warning' && /README\.md\.sql is not a golang-migrate migration/.test(p.message)));
});

test('dbmate: sections, transaction:false, down optional', () => {
  const text = '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n\n-- migrate:down\nDROP INDEX CONCURRENTLY i;\n';
  assert.deepEqual(splitDbmateSections(text), { up: 'CREATE INDEX CONCURRENTLY i ON t (a);\n\n', down: 'DROP INDEX CONCURRENTLY i;\n', noTransaction: true });
  const d = parseMigrationFiles([f('20240102000000_idx.sql', text), f('20240101000000_init.sql', '-- migrate:up\nCREATE TABLE t (a int);\n-- migrate:down\n'), f('20240103000000_bad.sql', 'SELECT 1;')], { format: 'dbmate' });
  assert.deepEqual(d.migrations.map((m) => [m.version, m.name, m.noTransaction ?? false, m.downSql !== undefined]), [
    ['20240101000000', 'init', false, false],
    ['20240102000000', 'idx', true, true],
  ]);
  assert.ok(d.problems.some((p) => p.severity === 'error' && /20240103000000_bad\.sql has no "-- migrate:up" section/.test(p.message)));
});

test('flyway: V, U and R files; dotted versions sorted numerically; repeatables last', () => {
  const d = parseMigrationFiles([f('V1.2.10__ten.sql'), f('V1.2.9__nine.sql'), f('U1.2.9__nine.sql', 'UNDO'), f('R__my_views.sql'), f('V1__first_thing.sql'), f('U7__orphan.sql')]);
  assert.equal(d.format, 'flyway');
  assert.deepEqual(d.migrations.map((m) => [m.version, m.name, m.repeatable]), [
    ['1', 'first thing', false],
    ['1.2.9', 'nine', false],
    ['1.2.10', 'ten', false],
    ['R__my_views', 'my views', true],
  ]);
  assert.equal(d.migrations[1]?.downSql, 'UNDO');
  assert.ok(d.problems.some((p) => /U7__orphan\.sql undoes a version that has no V file/.test(p.message)));
});

test('plain: duplicates are errors, gaps are warnings, timestamps have no gaps', () => {
  const d = parseMigrationFiles([f('001_a.sql'), f('1_again.sql'), f('002_b.sql'), f('005_e.sql')]);
  assert.equal(d.format, 'plain');
  const dup = d.problems.filter((p) => p.severity === 'error');
  assert.equal(dup.length, 1);
  assert.match(dup[0]?.message ?? '', /duplicate version 1: \/m\/(001_a|1_again)\.sql and \/m\/(001_a|1_again)\.sql/);
  assert.ok(d.problems.some((p) => p.severity === 'warning' && p.message === 'gap: versions 3..4 are missing (between 2 and 5)'));
  const ts = parseMigrationFiles([f('20240101000000_a.sql'), f('20240105000000_b.sql')]);
  assert.deepEqual(ts.problems, []);
});

test('discoverMigrations reads a directory; a missing directory is a clear problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-disc-'));
  writeFileSync(join(dir, '1_first.up.sql'), 'CREATE TABLE a (id int);\r\n');
  writeFileSync(join(dir, '1_first.down.sql'), 'DROP TABLE a;');
  writeFileSync(join(dir, 'notes.txt'), 'ignored');
  const d = discoverMigrations(dir);
  assert.equal(d.format, 'golang-migrate');
  assert.equal(d.migrations.length, 1);
  assert.equal(d.migrations[0]?.checksum, migrationChecksum('CREATE TABLE a (id int);\n'), 'CRLF checksums like LF');
  const missing = discoverMigrations(join(dir, 'nope'));
  assert.equal(missing.migrations.length, 0);
  assert.match(missing.problems[0]?.message ?? '', /cannot read migrations directory .*nope/);
});

test('checksums: sha256 over normalised line endings; Flyway CRC32 ignores line endings and the BOM', () => {
  assert.equal(migrationChecksum('a\r\nb'), migrationChecksum('a\nb'));
  assert.notEqual(migrationChecksum('a\nb'), migrationChecksum('a\nc'));
  assert.match(migrationChecksum(''), /^[0-9a-f]{64}$/);
  assert.equal(flywayChecksum('\uFEFFSELECT 1;\r\n'), flywayChecksum('SELECT 1;\n'));
  // CRC32 of "SELECT 1;" (zlib): 0x... as a signed int
  const { crc32 } = require('node:zlib') as { crc32?: (s: string) => number };
  if (crc32) assert.equal(flywayChecksum('SELECT 1;'), crc32('SELECT 1;') | 0);
});

test('pgopt.json migrate section: defaults, validation, lint.migrations untouched', () => {
  assert.deepEqual(parseMigrateSettings(undefined).settings, { dir: 'db/migrations', format: 'auto', table: 'pgopt_migrations', schema: 'public', source: 'auto', allowOutOfOrder: false });
  assert.equal(parseMigrateSettings({ format: 'flyway', table: 'my migrations' }).settings.table, 'my migrations');
  const bad = parsePgoptFile(JSON.stringify({ migrate: { format: 'sqitch', tabel: 'x' }, lint: { migrations: ['db/**/*.sql'] } }));
  assert.ok(bad.problems.some((p) => p.path === 'pgopt.json.migrate.format'), JSON.stringify(bad.problems));
  assert.ok(bad.problems.some((p) => /unknown key: tabel/.test(p.message)));
  assert.ok(!bad.problems.some((p) => p.path.includes('lint')));
});
