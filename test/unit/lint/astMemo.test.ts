// The per-statement memos of ast.ts (the last node's answer) must answer what a fresh computation does, across
// statements and files, and never hand back the answer of the node asked about before.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '@pgsql/types';
import { lintText, loadParser, NewTables } from '../../../src/core/lint/linter';
import { alterTableOf, typedColumns } from '../../../src/core/lint/ast';

before(async () => {
  await loadParser();
});

const FILES = [
  'ALTER TABLE a ADD COLUMN x int, DROP COLUMN y;\nALTER TABLE b ALTER COLUMN z TYPE bigint;\nCREATE TABLE c (id int);\nALTER INDEX i RENAME TO j;',
  'ALTER TABLE s.a ADD CONSTRAINT k CHECK (x > 0) NOT VALID;\nSELECT 1;\nALTER TABLE a VALIDATE CONSTRAINT k;\nALTER TABLE a ADD COLUMN x int;',
];

function nodes(): Node[] {
  const out: Node[] = [];
  for (const sql of FILES) for (const s of lintText(sql).statements) out.push(s.node);
  return out;
}

test('alterTableOf: the memoised answer equals a fresh one, in any order of statements and files, and is never stale', () => {
  const all = nodes();
  assert.ok(all.filter((n) => alterTableOf(n)).length >= 5, 'a sample with several ALTER TABLEs');
  // A structured clone is another node: its answer is computed afresh.
  const fresh = (n: Node): unknown => alterTableOf(structuredClone(n));
  for (const order of [all, [...all].reverse(), all.flatMap((n, i) => [n, all[(i * 3 + 1) % all.length] as Node, n])]) {
    for (const n of order) {
      const memo = alterTableOf(n);
      assert.deepEqual(alterTableOf(n), memo, 'asked twice in a row');
      assert.deepEqual(memo, fresh(n));
      if (memo) assert.equal(memo.stmt, (n as { AlterTableStmt?: unknown }).AlterTableStmt, "the answer is about this node's statement");
    }
  }
  assert.equal(alterTableOf(undefined), undefined);
  const a = all[0] as Node;
  assert.ok(alterTableOf(a));
  assert.equal(alterTableOf(undefined), undefined, 'undefined after a real node');
});

test('typedColumns: the memoised answer equals a fresh one after another node', () => {
  const all = nodes();
  for (const order of [all, [...all].reverse()]) for (const n of order) assert.deepEqual(typedColumns(n), typedColumns(structuredClone(n)));
});

test("the engine's isNewTable memo forgets its answer when a table is created and when a dbmate section starts", () => {
  const sql = [
    '-- migrate:up',
    'ALTER TABLE t ALTER COLUMN id TYPE bigint;',
    'CREATE TABLE t (id int);',
    'ALTER TABLE t ALTER COLUMN id TYPE text;',
    '-- migrate:down',
    'ALTER TABLE t ALTER COLUMN id TYPE numeric;',
  ].join('\n');
  for (const stream of [false, true]) {
    const run = lintText(sql, {}, { stream });
    const flagged = run.findings.filter((f) => f.ruleId === 'changing-column-type').map((f) => f.statementIndex);
    assert.deepEqual(flagged, [0, 3], 'existing table before the CREATE and again in the down section; new table after it');
  }
});

test('NewTables: the same RelName asked again gets a fresh answer after add and reset', () => {
  const rel = { name: 'Orders' };
  const t = new NewTables(new Set(['users']));
  assert.equal(t.has(rel), false);
  assert.equal(t.has(rel), false, 'asked twice');
  t.add('orders');
  assert.equal(t.has(rel), true, 'after add');
  t.reset(new Set(['users']));
  assert.equal(t.has(rel), false, 'after reset');
  assert.equal(t.has({ name: 'USERS', schema: 'public' }), true);
  assert.equal(t.has(undefined), false);
});
