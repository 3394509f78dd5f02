import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counterDelta, intervalValues, statementDeltas } from '../../../src/core/metrics/deltas';
import { makeSnapshot } from './fakeSnapshot';

test('counterDelta: growth is the difference, a drop is a reset counted from zero, never negative', () => {
  assert.deepEqual(counterDelta(100, 150), { delta: 50, reset: false });
  assert.deepEqual(counterDelta(100, 100), { delta: 0, reset: false });
  assert.deepEqual(counterDelta(1000, 30), { delta: 30, reset: true });
  assert.deepEqual(counterDelta(null, 30), { delta: null, reset: false });
  assert.deepEqual(counterDelta(30, null), { delta: null, reset: false });
  assert.deepEqual(counterDelta(10, 500, true), { delta: 500, reset: true });
});

test('intervalValues: counters become deltas, gauges stay values, the first snapshot has no deltas', () => {
  const a = makeSnapshot(1_000, { commits: 100, deadlocks: 2, connections: 7 });
  const b = makeSnapshot(61_000, { commits: 160, deadlocks: 2, connections: 9 });
  const first = intervalValues(undefined, a);
  assert.equal(first.values.commits, null);
  assert.equal(first.values.connections, 7);
  const iv = intervalValues(a, b);
  assert.equal(iv.values.commits, 60);
  assert.equal(iv.values.deadlocks, 0);
  assert.equal(iv.values.connections, 9);
  assert.equal(iv.fromMs, 1_000);
  assert.equal(iv.toMs, 61_000);
  assert.deepEqual(iv.resets, []);
});

test('intervalValues: a changed stats_reset resets database counters even when they grew, but not pg_stat_statements ones', () => {
  const a = makeSnapshot(0, { commits: 100, statement_calls: 50 }, { statsReset: '2026-01-01 00:00:00+00' });
  const b = makeSnapshot(60_000, { commits: 120, statement_calls: 70 }, { statsReset: '2026-01-01 00:00:30+00' });
  const iv = intervalValues(a, b);
  assert.equal(iv.values.commits, 120);
  assert.ok(iv.resets.includes('commits'));
  assert.equal(iv.values.statement_calls, 20);
  assert.ok(!iv.resets.includes('statement_calls'));
});

test('statementDeltas: per-statement deltas busiest first, resets handled, unknown bases skipped', () => {
  const prev = [
    { queryid: '1', calls: 10, totalMs: 100, query: 'select 1' },
    { queryid: '2', calls: 500, totalMs: 9_000, query: 'select 2' },
    { queryid: '3', calls: 5, totalMs: 5, query: 'select 3' },
  ];
  const cur = [
    { queryid: '1', calls: 30, totalMs: 400, query: 'select 1' },
    { queryid: '2', calls: 4, totalMs: 40, query: 'select 2' },
    { queryid: '3', calls: 5, totalMs: 5, query: 'select 3' },
    { queryid: '4', calls: 1, totalMs: 1, query: 'select 4' },
  ];
  const d = statementDeltas(prev, cur);
  assert.deepEqual(
    d.map((x) => [x.queryid, x.calls, x.totalMs, x.reset]),
    [
      ['1', 20, 300, false],
      ['2', 4, 40, true],
    ],
  );
  assert.equal(d[0]?.meanMs, 15);
  assert.deepEqual(statementDeltas(null, cur), []);
});
