// The fleet orchestrator: bounded pool, per-target timeout, failures isolated, outcomes in target order;
// the fleet file's validation and the ranking (worst first) with its exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFleet } from '../../../src/core/fleet/runFleet';
import { parseFleetFile } from '../../../src/core/fleet/fleetFile';
import { buildFleetResult, fleetExitCode, rankFleet } from '../../../src/core/fleet/fleetReport';
import type { Verdict } from '../../../src/core/fleet/verdict';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('at most `concurrency` targets run at once, every target runs once, outcomes in target order', async () => {
  const events: string[] = [];
  let inFlight = 0;
  let peak = 0;
  const targets = [30, 5, 20, 10, 5, 25, 5];
  const outcomes = await runFleet(
    targets,
    async (ms) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      events.push(`start ${ms}`);
      await tick(ms);
      inFlight--;
      events.push(`end ${ms}`);
      return ms * 2;
    },
    { concurrency: 3, timeoutMs: 10_000 },
  );
  assert.equal(peak, 3, `peak in flight ${peak}; events ${events.join(', ')}`);
  assert.deepEqual(outcomes.map((o) => (o.ok ? o.value : null)), targets.map((t) => t * 2));
  // The fourth target starts only after one of the first three finished.
  const fourthStart = events.indexOf('start 10');
  assert.ok(events.slice(0, fourthStart).some((e) => e.startsWith('end')), events.join(', '));
  assert.equal(events.filter((e) => e.startsWith('start')).length, targets.length);
});

test('concurrency 1 is strictly sequential', async () => {
  const order: string[] = [];
  await runFleet(['a', 'b', 'c'], async (t) => {
    order.push(`+${t}`);
    await tick(5);
    order.push(`-${t}`);
  }, { concurrency: 1, timeoutMs: 10_000 });
  assert.deepEqual(order, ['+a', '-a', '+b', '-b', '+c', '-c']);
});

test('a target that never settles times out, its signal aborts, the others finish; a throw stays its own', async () => {
  let abortedWith: unknown;
  const outcomes = await runFleet(
    ['hang', 'ok', 'boom'],
    (t, signal) => {
      if (t === 'hang') {
        signal.addEventListener('abort', () => (abortedWith = signal.reason));
        return new Promise<string>(() => undefined);
      }
      if (t === 'boom') return Promise.reject(new Error('cannot connect'));
      return Promise.resolve('report');
    },
    { concurrency: 1, timeoutMs: 150 },
  );
  assert.equal(outcomes[0]?.ok, false);
  assert.equal(outcomes[0]?.ok === false && outcomes[0].timedOut, true);
  assert.match(outcomes[0]?.ok === false ? outcomes[0].error : '', /^no result within 0\.\d s \(per-target timeout/);
  assert.ok(abortedWith instanceof Error, 'the hanging target was aborted');
  assert.deepEqual(outcomes[1], { ...outcomes[1], ok: true, value: 'report' });
  assert.equal(outcomes[2]?.ok === false && outcomes[2].error, 'cannot connect');
  assert.equal(outcomes[2]?.ok === false && outcomes[2].timedOut, false);
});

test('fleet file: every bad entry named; url xor service; duplicate names; a pgopt.json fleet key parses', () => {
  const bad = parseFleetFile(JSON.stringify({ fleet: [{ name: 'a' }, { name: 'b', url: 'mysql://x' }, { name: 'c', url: 'postgres://h/c', service: 's' }, { name: 'd', url: 'postgres://h/d', tags: 'x' }, { name: 'e', url: 'postgres://h/e' }, { name: 'e', service: 'e' }] }), 'f.json');
  const paths = bad.problems.map((p) => p.path);
  assert.ok(paths.includes('f.json fleet[0]'), JSON.stringify(bad.problems));
  assert.ok(paths.includes('f.json fleet[1].url'));
  assert.ok(paths.includes('f.json fleet[2]'));
  assert.ok(paths.includes('f.json fleet[3].tags'));
  assert.ok(paths.includes('f.json fleet[5].name'));
  assert.deepEqual(bad.targets.map((t) => t.name), ['e']);
  assert.match(parseFleetFile('{', 'f.json').problems[0]?.message ?? '', /invalid JSON/);
  assert.match(parseFleetFile('{"analysis": {}}', 'pgopt.json').problems[0]?.message ?? '', /missing/);
  const good = parseFleetFile(JSON.stringify({ analysis: {}, fleet: [{ name: 'x', service: 'prod', tags: ['eu'] }] }), 'pgopt.json');
  assert.deepEqual(good, { targets: [{ name: 'x', service: 'prod', tags: ['eu'] }], problems: [] });
});

test('ranking: worst verdict first, unreachable before reached errors; exit 2 only when nothing was reached', () => {
  const targets = ['ok1', 'warn', 'err', 'down', 'ok0'].map((name) => ({ name, tags: [] }));
  const verdicts: Record<string, Verdict> = { ok1: 'ok', warn: 'warning', err: 'error', ok0: 'ok' };
  const outcomes = targets.map((t) => (t.name === 'down' ? { ok: false as const, error: 'refused', timedOut: false, durationMs: 1 } : { ok: true as const, value: t.name, durationMs: 1 }));
  const result = buildFleetResult('analyze', targets, outcomes, (r: string) => verdicts[r] ?? 'ok', { concurrency: 2, targetTimeoutS: 1, durationMs: 3 });
  const rows = rankFleet(result, (r) => ({ verdict: verdicts[r] ?? 'ok', errors: 0, warnings: 0, problems: [], sizeBytes: null, slowest: null }));
  assert.deepEqual(rows.map((r) => r.name), ['down', 'err', 'warn', 'ok0', 'ok1']);
  assert.deepEqual(result.summary.byVerdict, { ok: 2, warning: 1, error: 2 });
  assert.equal(fleetExitCode(result), 1);
  const allOk = buildFleetResult('analyze', targets.slice(0, 2), outcomes.slice(0, 2), () => 'warning' as Verdict, { concurrency: 2, targetTimeoutS: 1, durationMs: 3 });
  assert.equal(fleetExitCode(allOk), 0);
  const none = buildFleetResult('analyze', [targets[3]!], [outcomes[3]!], () => 'ok' as Verdict, { concurrency: 2, targetTimeoutS: 1, durationMs: 3 });
  assert.equal(fleetExitCode(none), 2);
});
