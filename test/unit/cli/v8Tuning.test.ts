// The CLI's V8 tuning for one-shot lint runs (src/cli/v8Tuning.ts) changes how code is compiled, never what it
// computes: a child process with the tuning lints the rules' examples, squawk's cases and generated migrations,
// and its findings must equal this (untuned) process's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateMigration, Rng } from '../../../bench/lintCorpus';
import { tuneV8ForOneShotLint } from '../../../src/cli/v8Tuning';
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

if (process.env.PGOPT_V8_TUNED_CHILD === '1') {
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
}
