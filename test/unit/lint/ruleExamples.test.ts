// Every rule's examples are its tests: each bad example must produce a finding of that rule (and no
// syntax error) over a non-empty range inside its statement (the exact text when the example gives `range`),
// and a quick fix must parse, remove the finding and (when the example gives `fixed`) produce that SQL; each
// good example must produce none. The same examples are the docs pages.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lintText, loadParser } from '../../../src/core/lint/linter';
import { RULES } from '../../../src/core/lint/registry';

function applyEdits(sql: string, edits: readonly { start: number; end: number; newText: string }[]): string {
  let out = sql;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

before(async () => {
  await loadParser();
});

describe('rule examples', () => {
  for (const rule of RULES) {
    const id = rule.meta.id;
    test(`${id}: metadata is complete`, () => {
      assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      for (const k of ['title', 'description', 'why', 'safe'] as const) assert.ok(rule.meta[k].length > 10, `${id}.${k} is too short`);
      assert.ok(rule.meta.examples.bad.length > 0, `${id} has no bad example`);
      assert.ok(rule.meta.examples.good.length > 0, `${id} has no good example`);
    });
    // Live rules need a database: their examples (with `setup`) run in test/db/liveLint.test.ts.
    if (rule.meta.needsConnection) continue;
    rule.meta.examples.bad.forEach((ex, i) => {
      test(`${id}: bad example ${i + 1} is flagged`, () => {
        const run = lintText(ex.sql, { ...ex.options, rules: { ...ex.options?.rules, [id]: rule.meta.defaultSeverity } });
        const mine = run.findings.filter((f) => f.ruleId === id);
        assert.equal(run.syntaxErrors, 0, `syntax error in example: ${run.findings.map((f) => f.message).join('; ')}`);
        assert.ok(mine.length > 0, `expected ${id} on:\n${ex.sql}\ngot: ${run.findings.map((f) => f.ruleId).join(', ') || 'nothing'}`);
        for (const f of mine) {
          assert.ok(f.start >= 0 && f.end <= ex.sql.length && f.start < f.end, `range ${f.start}-${f.end} is a non-empty span inside the text`);
          // The range lies inside one statement of the file (or is the whole statement).
          const stmt = run.statements.find((s) => s.index === f.statementIndex);
          if (stmt) assert.ok(f.start >= stmt.start && f.end <= stmt.end, `range ${JSON.stringify(ex.sql.slice(f.start, f.end))} outside its statement`);
          if (f.fix) {
            // A fix applies cleanly, its result still parses, and it removes this finding.
            const fixed = applyEdits(ex.sql, f.fix.edits);
            const after = lintText(fixed, { ...ex.options, rules: { ...ex.options?.rules, [id]: rule.meta.defaultSeverity } });
            assert.equal(after.syntaxErrors, 0, `fix "${f.fix.title}" breaks the SQL:\n${fixed}`);
            assert.ok(after.findings.filter((x) => x.ruleId === id).length < mine.length, `fix "${f.fix.title}" leaves the finding in place:\n${fixed}`);
          }
        }
        if (ex.range !== undefined) assert.equal(ex.sql.slice(mine[0]?.start, mine[0]?.end), ex.range, 'the finding covers the expected text');
        if (ex.fixed !== undefined) {
          const edits = mine.flatMap((f) => f.fix?.edits ?? []);
          assert.ok(edits.length > 0, 'the example expects a fix');
          assert.equal(applyEdits(ex.sql, edits), ex.fixed, 'the fixed SQL');
        }
      });
    });
    rule.meta.examples.good.forEach((ex, i) => {
      test(`${id}: good example ${i + 1} is clean`, () => {
        const run = lintText(ex.sql, { ...ex.options, rules: { ...ex.options?.rules, [id]: rule.meta.defaultSeverity } });
        assert.equal(run.syntaxErrors, 0, `syntax error in example: ${run.findings.map((f) => f.message).join('; ')}`);
        const mine = run.findings.filter((f) => f.ruleId === id);
        assert.deepEqual(mine.map((f) => f.message), [], `unexpected ${id} on:\n${ex.sql}`);
      });
    });
  }
});
