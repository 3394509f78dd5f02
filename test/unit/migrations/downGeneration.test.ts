import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateDown } from '../../../src/core/migrations/downGeneration';
import { planStatements } from '../../../src/core/migrations/statements';
import { unifiedDiff } from '../../../src/core/migrations/unifiedDiff';
import { loadParser } from '../../../src/core/sql/parser';

before(async () => {
  await loadParser();
});

test('reversible statements become DROPs / reverse renames, in reverse order, quoted', () => {
  const up = `CREATE TABLE app."Order Items" (id int PRIMARY KEY);
CREATE INDEX CONCURRENTLY "idx é" ON app."Order Items" (id);
CREATE VIEW v AS SELECT 1;
CREATE MATERIALIZED VIEW mv AS SELECT 1;
CREATE SEQUENCE s;
CREATE TYPE mood AS ENUM ('a');
CREATE FUNCTION f(a int, b text[], OUT c int) LANGUAGE sql AS 'select 1';
ALTER TABLE app."Order Items" ADD COLUMN qty int, ADD CONSTRAINT qty_pos CHECK (qty > 0);
ALTER TABLE app."Order Items" RENAME COLUMN qty TO quantity;
ALTER TABLE app."Order Items" RENAME TO items;`;
  const d = generateDown(up);
  assert.ok(d.ok, JSON.stringify(d));
  assert.deepEqual(d.statements, [
    'ALTER TABLE "app"."items" RENAME TO "Order Items"',
    'ALTER TABLE "app"."Order Items" RENAME COLUMN "quantity" TO "qty"',
    'ALTER TABLE "app"."Order Items" DROP CONSTRAINT "qty_pos"',
    'ALTER TABLE "app"."Order Items" DROP COLUMN "qty"',
    'DROP FUNCTION "f"("pg_catalog"."int4", "text"[])',
    'DROP TYPE "mood"',
    'DROP SEQUENCE "s"',
    'DROP MATERIALIZED VIEW "mv"',
    'DROP VIEW "v"',
    'DROP INDEX CONCURRENTLY IF EXISTS "app"."idx é"',
    'DROP TABLE "app"."Order Items"',
  ]);
});

test('irreversible statements are refused with the reason', () => {
  const cases: [string, RegExp][] = [
    ['ALTER TABLE t DROP COLUMN a', /DROP COLUMN is irreversible/],
    ['DROP TABLE t', /DROP is irreversible/],
    ['INSERT INTO t VALUES (1)', /changes data/],
    ['UPDATE t SET a = 1', /changes data/],
    ['DELETE FROM t', /changes data/],
    ['ALTER TABLE t ALTER COLUMN a TYPE bigint', /ALTER COLUMN TYPE/],
    ['CREATE OR REPLACE VIEW v AS SELECT 1', /previous definition is not known/],
    ['CREATE TABLE IF NOT EXISTS t (a int)', /may not have created/],
    ['CREATE INDEX ON t (a)', /no name/],
    ['ALTER TABLE t ADD CHECK (a > 0)', /constraint has no name/],
  ];
  for (const [sql, reason] of cases) {
    const d = generateDown(`CREATE TABLE ok (a int);\n${sql};`);
    assert.equal(d.ok, false, sql);
    if (!d.ok) {
      assert.equal(d.refusals.length, 1, sql);
      assert.equal(d.refusals[0]?.index, 1);
      assert.match(d.refusals[0]?.reason ?? '', reason, sql);
      assert.deepEqual(d.partial, ['DROP TABLE "ok"']);
    }
  }
});

test('statement planning: transaction unless a statement cannot run in one', () => {
  assert.equal(planStatements('CREATE TABLE t (a int); INSERT INTO t VALUES (1);').mode, 'transaction');
  const cic = planStatements('CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON s.t (a);');
  assert.equal(cic.mode, 'statements');
  assert.match(cic.reason ?? '', /statement 2: CREATE INDEX CONCURRENTLY/);
  assert.deepEqual(cic.statements[1]?.concurrentIndex, { schema: 's', name: 'i', ifNotExists: true });
  for (const sql of ['VACUUM t', 'REINDEX INDEX CONCURRENTLY i', 'DROP INDEX CONCURRENTLY i', 'ALTER SYSTEM SET work_mem = 1', 'CREATE DATABASE x', 'ALTER TABLE p DETACH PARTITION c CONCURRENTLY', "ROLLBACK PREPARED 'g'", "COMMIT PREPARED 'g'"]) {
    assert.equal(planStatements(sql).mode, 'statements', sql);
  }
  assert.equal(planStatements(`ALTER TYPE e ADD VALUE 'x'`, { serverVersionNum: 110000 }).mode, 'statements');
  assert.equal(planStatements(`ALTER TYPE e ADD VALUE 'x'`, { serverVersionNum: 150000 }).mode, 'transaction');
  assert.equal(planStatements('ANALYZE t').mode, 'transaction');
  assert.equal(planStatements('ALTER TABLE p DETACH PARTITION c').mode, 'transaction');
  const wrapped = planStatements('BEGIN;\nCREATE TABLE t (a int);\nCOMMIT;');
  assert.deepEqual([wrapped.mode, wrapped.statements.map((s) => s.sql)], ['transaction', ['CREATE TABLE t (a int)']]);
  assert.match(planStatements('CREATE TABLE a (x int); COMMIT; CREATE TABLE b (x int);').error ?? '', /own BEGIN\/COMMIT/);
});

test('unified diff shows changed lines with context', () => {
  const d = unifiedDiff('a\nb\nc\nd\n', 'a\nB\nc\nd\n');
  assert.equal(d, '--- applied\n+++ file\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n \n');
  assert.equal(unifiedDiff('same', 'same'), '');
});

test('tracking-row SQL with inlined literals: hostile values and names stay data, $N in a name is not a placeholder', async () => {
  const { upsertRowLiteralSql, UPSERT_ROW_SQL } = await import('../../../src/core/migrations/trackingTable');
  const t = { schema: 's$1', table: 'tr"$2' };
  const sql = upsertRowLiteralSql(t, ['1', "it's", 'abc', "x\\'; DROP TABLE y; --", 'me', 12.4, true, '{"a":1}']);
  assert.match(sql, /^INSERT INTO "s\$1"\."tr""\$2" /);
  assert.match(sql, /VALUES \('1', 'it''s', 'abc', E'x\\\\''; DROP TABLE y; --', now\(\), 'me', 12, true, '\{"a":1\}'::jsonb\)/);
  assert.match(UPSERT_ROW_SQL(t), /VALUES \(\$1, \$2, \$3, \$4, now\(\), \$5, \$6, \$7, \$8::jsonb\)/);
  assert.match(upsertRowLiteralSql(t, ['1', 'n', 'c', 'u', 'me', null, false, '{}']), /'me', NULL, false, '\{\}'::jsonb\)/);
});
