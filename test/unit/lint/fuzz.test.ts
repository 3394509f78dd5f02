// 10k mutated/truncated inputs: no exception escapes the linter, no rule throws (an internal-error finding
// fails the test), and every input gets an outcome whose ranges lie inside the text. (The bench runs 100k.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lintText, loadParser, ParseCache } from '../../../src/core/lint/linter';
import { fuzzInputs } from './fuzzInputs';

test('fuzz: 10,000 mutated inputs never throw and produce in-range findings', async () => {
  await loadParser();
  let n = 0;
  for (const input of fuzzInputs(10_000, 2026)) {
    n++;
    let run;
    try {
      run = lintText(input, {}, { cache: new ParseCache(64) });
    } catch (e) {
      assert.fail(`input #${n} threw ${(e as Error).stack}\n--- input ---\n${input}`);
    }
    for (const f of run.findings) {
      // The engine turns a rule that throws into an internal-error finding: for the fuzz test that is a crash.
      if (f.ruleId === 'internal-error') assert.fail(`input #${n}: ${f.message}\n--- input ---\n${input}`);
      if (!(f.start >= 0 && f.end <= input.length && f.start <= f.end)) assert.fail(`input #${n}: ${f.ruleId} range ${f.start}-${f.end} outside 0-${input.length}`);
    }
    // An outcome: statements parsed, a syntax error reported, or nothing but whitespace/comments.
    assert.ok(run.statements.length > 0 || run.syntaxErrors > 0 || input.replace(/--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|\s|;/g, '').length === 0 || run.findings.length > 0, `input #${n} got no outcome:\n${input}`);
  }
  assert.equal(n, 10_000);
});
