import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintText, loadParser } from '../../../src/core/lint/linter';
import { migrationChecksum } from '../../../src/core/migrations/checksum';
import { discoverMigrations } from '../../../src/core/migrations/discovery';
import { sqlFileText } from '../../../src/core/sql/sqlFileText';

before(async () => {
  await loadParser();
});

const BOM_SQL = '\uFEFFCREATE TABLE t (id int);\nSELECT 1;\n';

test('sqlFileText strips one leading BOM from bytes and strings, nothing else', () => {
  assert.equal(sqlFileText(Buffer.from(BOM_SQL, 'utf8')), BOM_SQL.slice(1));
  assert.equal(sqlFileText(BOM_SQL), BOM_SQL.slice(1));
  assert.equal(sqlFileText('SELECT 1;'), 'SELECT 1;');
  assert.equal(sqlFileText("SELECT '\uFEFF';"), "SELECT '\uFEFF';");
});

test('lintText: a leading BOM is no syntax error, and offsets still point into the given text', () => {
  const run = lintText(BOM_SQL);
  assert.equal(run.syntaxErrors, 0, run.findings.map((f) => f.message).join('; '));
  const sel = run.statements.find((s) => s.kind === 'SelectStmt');
  assert.equal(BOM_SQL.slice(sel?.start, sel?.start !== undefined ? sel.start + 6 : 0), 'SELECT');
});

test('discovery reads a BOM file without the BOM; its checksum equals the file without one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-bom-'));
  writeFileSync(join(dir, '001_a.sql'), BOM_SQL);
  const d = discoverMigrations(dir);
  const m = d.migrations[0];
  assert.ok(m);
  assert.equal(m.upSql.charCodeAt(0), 'C'.charCodeAt(0));
  assert.equal(m.checksum, migrationChecksum(BOM_SQL.slice(1)));
  assert.equal(migrationChecksum(BOM_SQL), migrationChecksum(BOM_SQL.slice(1)));
});
