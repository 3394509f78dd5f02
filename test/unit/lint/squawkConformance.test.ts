// squawk's own rule cases (test/fixtures/squawk-conformance/cases.json, extracted from sbdchd/squawk's
// crates/squawk_linter/src/rules/*.rs tests): each case is SQL plus whether squawk's rule must fire. We expect
// the same rule id to fire / not fire, except for the deliberate differences listed with their reason in
// differences.json (each of them is also documented on the rule's docs page). Counts are printed.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lintText, loadParser } from '../../../src/core/lint/linter';
import { RULES } from '../../../src/core/lint/registry';
import type { LintOptions, Rule } from '../../../src/core/lint/types';

interface SquawkCase {
  id: string;
  rule: string;
  expect: 'error' | 'ok';
  kind: 'lint' | 'fix';
  options: { pgVersion?: number; assumeInTransaction?: boolean };
  sql: string;
  fixed?: string;
}
interface Difference {
  /**
   * What we do instead: 'error' (fire), 'ok' (stay silent), 'syntax-error' (our parser rejects it) or
   * 'other-rule' (the hazard is reported under our id `rule`).
   */
  ours: 'error' | 'ok' | 'syntax-error' | 'other-rule';
  rule?: string;
  reason: string;
}

const DIR = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'squawk-conformance');
const CASES = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as SquawkCase[];
const DIFFERENCES = JSON.parse(readFileSync(join(DIR, 'differences.json'), 'utf8')) as Record<string, Difference>;

/** Our rule answering to squawk's id (same id, an alias, or meta.squawk). */
function ourRules(squawkId: string): Rule[] {
  return RULES.filter((r) => r.meta.id === squawkId || r.meta.squawk === squawkId || r.meta.aliases?.includes(squawkId));
}

function outcome(c: SquawkCase, otherRule?: string): { fired: boolean; syntaxError: boolean; internal: string[] } {
  const rules = otherRule ? RULES.filter((r) => r.meta.id === otherRule) : ourRules(c.rule);
  const names = new Set(rules.flatMap((r) => [r.meta.id, ...(r.meta.aliases ?? []), ...(r.meta.squawk ? [r.meta.squawk] : [])]).concat(otherRule ? [] : [c.rule]));
  const options: Partial<LintOptions> = {
    ...(c.options.pgVersion !== undefined ? { pgVersion: c.options.pgVersion } : {}),
    ...(c.options.assumeInTransaction ? { assumeInTransaction: true } : {}),
    // Like squawk's tests: only the rule under test (opt-in rules switched on).
    rules: Object.fromEntries(RULES.map((r) => [r.meta.id, rules.includes(r) ? ('warning' as const) : ('off' as const)])),
  };
  const run = lintText(c.sql, options);
  return {
    fired: run.findings.some((f) => names.has(f.ruleId)),
    syntaxError: run.syntaxErrors > 0,
    internal: run.findings.filter((f) => f.ruleId === 'internal-error').map((f) => f.message),
  };
}

before(async () => {
  await loadParser();
});

test('squawk conformance: every case extracted has a rule of ours to compare with', () => {
  assert.ok(CASES.length > 300, `only ${CASES.length} cases`);
  const missing = [...new Set(CASES.map((c) => c.rule))].filter((id) => ourRules(id).length === 0);
  assert.deepEqual(missing, []);
  const unknown = Object.keys(DIFFERENCES).filter((id) => !CASES.some((c) => c.id === id));
  assert.deepEqual(unknown, [], 'differences.json names cases that do not exist');
});

test("squawk conformance: squawk's cases fire / stay silent like squawk, or differ as documented", (t) => {
  const bad = CASES.filter((c) => c.expect === 'error');
  const good = CASES.filter((c) => c.expect === 'ok');
  let flagged = 0;
  let flaggedElsewhere = 0;
  let falseFires = 0;
  const wrong: string[] = [];
  const staleDifferences: string[] = [];
  for (const c of CASES) {
    const diff = DIFFERENCES[c.id];
    const o = outcome(c);
    if (o.internal.length) wrong.push(`${c.id}: internal error ${o.internal.join('; ')}`);
    if (c.expect === 'error' && o.fired) flagged++;
    if (c.expect === 'ok' && o.fired) falseFires++;
    let ours: Difference['ours'] = o.syntaxError && !o.fired ? 'syntax-error' : o.fired ? 'error' : 'ok';
    if (diff?.ours === 'other-rule') {
      if (!diff.rule) wrong.push(`${c.id}: an other-rule difference names the rule`);
      else if (!o.fired && outcome(c, diff.rule).fired) {
        ours = 'other-rule';
        flaggedElsewhere++;
      }
    }
    const expected = diff ? diff.ours : c.expect;
    if (ours !== expected) {
      if (diff && ours === c.expect) staleDifferences.push(c.id);
      else wrong.push(`${c.id} [${c.rule}] squawk: ${c.expect}, expected here: ${expected}, got: ${ours}\n${c.sql.trim()}`);
    }
    if (diff && !diff.reason.trim()) wrong.push(`${c.id}: a difference needs its reason`);
  }
  const summary = `flagged ${flagged}/${bad.length} (+${flaggedElsewhere} under another rule id of ours), false fires ${falseFires}/${good.length}, documented differences ${Object.keys(DIFFERENCES).length}`;
  t.diagnostic(summary);
  process.stdout.write(`squawk conformance: ${summary}\n`);
  for (const w of wrong) process.stdout.write(`MISMATCH ${w}\n---\n`);
  assert.deepEqual(staleDifferences, [], 'these now behave like squawk: remove them from differences.json and the docs');
  assert.deepEqual(wrong, []);
});
