// Rules that look back at earlier statements through a per-file index (built once, so long files stay
// linear) must still see only what comes before the statement, and the latest match where that matters.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lintText, loadParser } from '../../../src/core/lint/linter';
import { RULES } from '../../../src/core/lint/registry';
import type { Rule } from '../../../src/core/lint/types';

before(async () => {
  await loadParser();
});

function rule(id: string): Rule {
  const r = RULES.find((x) => x.meta.id === id);
  if (!r) throw new Error(`no rule ${id}`);
  return r;
}

/** Line numbers (0-based) of the rule's findings. */
function lines(id: string, sql: string): number[] {
  return lintText(sql, {}, { rules: [rule(id)] }).findings.filter((f) => f.ruleId === id).map((f) => f.line);
}

test('require-enum-value-ordering: only an enum created earlier in the file exempts ADD VALUE', () => {
  const id = 'require-enum-value-ordering';
  assert.deepEqual(lines(id, "CREATE TYPE mood AS ENUM ('a');\nALTER TYPE mood ADD VALUE 'b';"), []);
  assert.deepEqual(lines(id, "ALTER TYPE mood ADD VALUE 'b';\nCREATE TYPE mood AS ENUM ('a');\nALTER TYPE mood ADD VALUE 'c';"), [0]);
  assert.deepEqual(lines(id, "CREATE TYPE other AS ENUM ('a');\nALTER TYPE mood ADD VALUE 'b';"), [1]);
});

test('ban-concurrent-index-creation-on-partitioned-table: the latest earlier CREATE TABLE of the name decides', () => {
  const id = 'ban-concurrent-index-creation-on-partitioned-table';
  const part = 'CREATE TABLE ev (id bigint, d date) PARTITION BY RANGE (d);';
  const plain = 'CREATE TABLE ev (id bigint, d date);';
  const cic = 'CREATE INDEX CONCURRENTLY ev_d ON ev (d);';
  assert.deepEqual(lines(id, `${part}\n${cic}`), [1]);
  assert.deepEqual(lines(id, `${cic}\n${part}`), [], 'created after the index: not known to be partitioned then');
  assert.deepEqual(lines(id, `${part}\n${plain}\n${cic}`), [], 'the later plain CREATE TABLE wins');
  assert.deepEqual(lines(id, `${plain}\n${part}\n${cic}\nCREATE TABLE other (d date) PARTITION BY RANGE (d);\n${cic}`), [2, 4]);
  assert.deepEqual(lines(id, `CREATE TABLE EV (id bigint, d date) PARTITION BY RANGE (d);\n${cic}`), [1], 'names match case-insensitively');
});

test('require-concurrent-index-deletion / -reindex: the latest earlier CREATE INDEX of the name tells the table', () => {
  const del = 'require-concurrent-index-deletion';
  const fresh = 'CREATE TABLE fresh (x int);';
  // The index was created on a table of this file: dropping it locks nobody else.
  assert.deepEqual(lines(del, `${fresh}\nCREATE INDEX i ON fresh (x);\nDROP INDEX i;`), []);
  // The latest CREATE INDEX i before the DROP is on an existing table.
  assert.deepEqual(lines(del, `${fresh}\nCREATE INDEX i ON fresh (x);\nCREATE INDEX i ON old (x);\nDROP INDEX i;`), [3]);
  assert.deepEqual(lines(del, `${fresh}\nCREATE INDEX i ON old (x);\nCREATE INDEX i ON fresh (x);\nDROP INDEX i;`), []);
  // A CREATE INDEX after the DROP does not count.
  assert.deepEqual(lines(del, `${fresh}\nDROP INDEX i;\nCREATE INDEX i ON fresh (x);`), [1]);
  const re = 'require-concurrent-reindex';
  assert.deepEqual(lines(re, `${fresh}\nCREATE INDEX i ON fresh (x);\nREINDEX INDEX i;`), []);
  assert.deepEqual(lines(re, `${fresh}\nREINDEX INDEX i;\nCREATE INDEX i ON fresh (x);`), [1]);
});
