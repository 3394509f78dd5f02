// Every rule's examples are its tests: each bad example must produce a finding of that rule (and no
// syntax error), each good example none. The same examples are the docs pages.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lintText, loadParser } from '../../../src/core/lint/linter';
import { RULES } from '../../../src/core/lint/registry';

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
          assert.ok(f.start >= 0 && f.end <= ex.sql.length && f.start <= f.end, `range ${f.start}-${f.end} inside the text`);
          if (f.fix) {
            // A fix applies cleanly and its result still parses.
            let fixed = ex.sql;
            for (const e of [...f.fix.edits].sort((a, b) => b.start - a.start)) fixed = fixed.slice(0, e.start) + e.newText + fixed.slice(e.end);
            assert.equal(lintText(fixed, ex.options).syntaxErrors, 0, `fix "${f.fix.title}" breaks the SQL:\n${fixed}`);
          }
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
