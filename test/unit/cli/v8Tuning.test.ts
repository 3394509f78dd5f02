// The CLI's V8 tuning for one-shot lint runs (src/cli/v8Tuning.ts) changes how code is compiled, never what it
// computes: a child process with the tuning lints the rules' examples, squawk's cases and generated migrations,
// and its findings must equal this (untuned) process's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateMigration, Rng } from '../../../bench/lintCorpus';
import { getHeapSpaceStatistics } from 'node:v8';
import { lintInputRead, tuneV8ForOneShotLint, youngGenerationCheck } from '../../../src/cli/v8Tuning';
import { lintTextAsync } from '../../../src/core/lint/linter';
import { RULES } from '../../../src/core/lint/registry';
import squawkCases from '../../fixtures/squawk-conformance/cases.json';

function sample(): string[] {
  const out = RULES.flatMap((r) => [...r.meta.examples.bad, ...r.meta.examples.good].map((e) => e.sql));
  for (const c of squawkCases as { sql: string }[]) out.push(c.sql);
  const rng = new Rng(9);
  for (let i = 0; i < 60; i++) out.push(generateMigration(rng, 30));
  return out;
}

async function lintAll(): Promise<string> {
  const runs = [];
  for (const sql of sample()) runs.push((await lintTextAsync(sql)).findings);
  return JSON.stringify(runs);
}

/**
 * Allocates what a lint run allocates (short-lived objects, some kept a while), checking the young generation as
 * the engine does after each chunk; prints its largest size. `large`: the input counts as large (no cap).
 */
function youngGenerationPeak(large: boolean): number {
  tuneV8ForOneShotLint();
  if (large) lintInputRead('x'.repeat(5 * 1024 * 1024));
  let peak = 0;
  let kept: unknown[] = [];
  for (let chunk = 0; chunk < 400; chunk++) {
    for (let i = 0; i < 5000; i++) kept.push({ i, s: `n${i}`, a: [i, i + 1] });
    if (kept.length > 40_000) kept = [];
    youngGenerationCheck();
    peak = Math.max(peak, getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')?.space_size ?? 0);
  }
  return peak;
}

if (process.env.PGOPT_YOUNG_CHILD) {
  process.stdout.write(String(youngGenerationPeak(process.env.PGOPT_YOUNG_CHILD === 'large')));
} else if (process.env.PGOPT_V8_TUNED_CHILD === '1') {
  tuneV8ForOneShotLint();
  // No process.exit: stdout is a pipe, written asynchronously, and exiting could cut it short.
  void lintAll().then((s) => process.stdout.write(s));
} else {
  test('lint findings with the CLI V8 tuning equal those without', async () => {
    const child = spawnSync(process.execPath, [__filename], { env: { ...process.env, PGOPT_V8_TUNED_CHILD: '1' }, encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(child.status, 0, child.stderr);
    const untuned = await lintAll();
    assert.ok(untuned.length > 100_000, 'the sample has findings');
    assert.ok(child.stdout === untuned, 'the tuned child found exactly the same');
  });

  test('the young generation stops growing at its cap on a small input, and grows as V8 grows it on a large one', () => {
    const peak = (mode: 'small' | 'large'): number => {
      const r = spawnSync(process.execPath, [__filename], { env: { ...process.env, PGOPT_YOUNG_CHILD: mode, PGOPT_LINT_YOUNG_MB: '4' }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return Number(r.stdout);
    };
    const small = peak('small');
    const large = peak('large');
    const MB = 1024 * 1024;
    // The cap is checked between chunks, so the generation may grow once more before it holds.
    assert.ok(small <= 8 * MB, `capped at 4 MB (one growth past it at most): ${small / MB} MB`);
    assert.ok(large > small, `uncapped grows further: ${large / MB} MB vs ${small / MB} MB`);
  });
}
