// prefer-robust-stmts' fix for `DROP COLUMN name` / `DROP CONSTRAINT name` (outside a transaction) inserts
// IF EXISTS before the name. The rule finds that place with one scan of fixed patterns; it used to compile a
// pattern per name, `\bDROP\s+(?:COLUMN\s+)?(?=<name>(?![\w$]))` (case-insensitive, the name plain or quoted),
// which is the oracle here: on every statement below the fix lands where that pattern put it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lintTextAsync } from '../../../src/core/lint/linter';

function oracle(text: string, what: 'COLUMN' | 'CONSTRAINT', name: string): number | undefined {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const ident = `(?:"${esc.replace(/"/g, '""')}"|${esc})`;
  const re = new RegExp(`\\bDROP\\s+${what === 'COLUMN' ? '(?:COLUMN\\s+)?' : 'CONSTRAINT\\s+'}(?=${ident}(?![\\w$]))`, 'i');
  const m = re.exec(text);
  return m ? m.index + m[0].length : undefined;
}

const CASES: { sql: string; drops: [what: 'COLUMN' | 'CONSTRAINT', name: string][] }[] = [
  { sql: 'ALTER TABLE t DROP COLUMN a;', drops: [['COLUMN', 'a']] },
  { sql: 'ALTER TABLE t DROP a;', drops: [['COLUMN', 'a']] },
  { sql: 'alter table t drop   column\n  "Mixed Case";', drops: [['COLUMN', 'Mixed Case']] },
  { sql: 'ALTER TABLE t DROP COLUMN "we""ird", DROP COLUMN b;', drops: [['COLUMN', 'we"ird'], ['COLUMN', 'b']] },
  { sql: 'ALTER TABLE t DROP CONSTRAINT c, DROP COLUMN c;', drops: [['CONSTRAINT', 'c'], ['COLUMN', 'c']] },
  { sql: 'ALTER TABLE t DROP COLUMN "column";', drops: [['COLUMN', 'column']] },
  { sql: 'ALTER TABLE t DROP COLUMN ab, DROP COLUMN a;', drops: [['COLUMN', 'ab'], ['COLUMN', 'a']] },
  { sql: 'ALTER TABLE t DROP COLUMN a$b, DROP COLUMN a;', drops: [['COLUMN', 'a$b'], ['COLUMN', 'a']] },
  { sql: 'ALTER TABLE t DROP COLUMN ÉTÉ;', drops: [['COLUMN', 'été']] },
  { sql: 'ALTER TABLE t DROP COLUMN "Été";', drops: [['COLUMN', 'Été']] },
  { sql: 'ALTER TABLE t DROP CONSTRAINT "t_a.b_check";', drops: [['CONSTRAINT', 't_a.b_check']] },
  { sql: '/* DROP COLUMN a */ ALTER TABLE t DROP COLUMN a;', drops: [['COLUMN', 'a']] },
];

test('IF EXISTS is inserted before the dropped name, where the per-name pattern put it', async () => {
  let fixes = 0;
  for (const c of CASES) {
    // A one-statement migration is atomic and never flagged: a second statement follows.
    const run = await lintTextAsync(`${c.sql}\nSELECT 1;\n`, { assumeInTransaction: false });
    const found = run.findings.filter((f) => f.ruleId === 'prefer-robust-stmts' && f.fix?.title === 'Insert IF EXISTS');
    assert.equal(found.length, c.drops.length, `${c.sql}: ${found.map((f) => f.message).join(' | ')}`);
    c.drops.forEach(([what, name], i) => {
      // The finding spans its statement (a leading comment is not part of it); the pattern ran on its text.
      const start = found[i]?.start ?? 0;
      const want = oracle(c.sql.slice(start), what, name);
      const edit = found[i]?.fix?.edits[0];
      assert.ok(want !== undefined, `the oracle finds ${what} ${name} in ${c.sql}`);
      assert.equal(edit?.start, start + want, `${c.sql}: ${what} ${name}`);
      assert.equal(edit?.newText, 'IF EXISTS ');
      fixes++;
    });
  }
  assert.equal(fixes, 16);
});
