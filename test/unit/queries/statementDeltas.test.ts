import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statementDeltas, type CapturedStatement, type StatementCapture } from '../../../src/core/analyzers/queries/statementDeltas';

const row = (queryid: string, calls: number, total_ms: number, extra: Partial<CapturedStatement> = {}): CapturedStatement => ({
  queryid,
  dbid: 5,
  userid: 10,
  query: `q${queryid}`,
  calls,
  total_ms,
  rows: calls,
  ...extra,
});
const cap = (takenAt: string, rows: CapturedStatement[], statsReset: string | null = '2026-11-28T00:00:00Z'): StatementCapture => ({ takenAt, statsReset, rows });

test('deltas by queryid+dbid+userid; the one that got slower per call is found', () => {
  const morning = cap('2026-11-28T08:00:00Z', [row('1', 1000, 10_000), row('2', 500, 500), row('3', 100, 100), row('1', 7, 7, { userid: 11 })]);
  const now = cap('2026-11-28T12:00:00Z', [row('1', 1100, 11_000), row('2', 600, 5_500), row('3', 100, 100), row('1', 9, 9, { userid: 11 })]);
  const d = statementDeltas(morning, now);
  assert.equal(d.periodS, 4 * 3600);
  assert.equal(d.serverReset, false);
  // q3 did not run in the window; the same queryid for another user is its own entry.
  assert.deepEqual(d.deltas.map((x) => [x.queryid, x.userid, x.calls, x.totalMs]), [['2', '10', 100, 5000], ['1', '10', 100, 1000], ['1', '11', 2, 2]]);
  const q2 = d.deltas[0];
  assert.equal(q2?.meanMs, 50);
  assert.equal(q2?.beforeMeanMs, 1);
  assert.equal(q2?.slowdown, 50);
  assert.deepEqual(d.slower.map((x) => x.queryid), ['2']);
  assert.equal(d.deltas[1]?.slowdown, 1);
});

test('an entry whose counters went down (reset or evicted and re-entered) counts from zero and says so', () => {
  const d = statementDeltas(cap('2026-11-28T08:00:00Z', [row('1', 1000, 10_000), row('9', 5, 5)]), cap('2026-11-28T09:00:00Z', [row('1', 40, 800), row('4', 20, 20)]));
  const q1 = d.deltas.find((x) => x.queryid === '1');
  assert.equal(q1?.basis, 'entry-reset');
  assert.equal(q1?.calls, 40);
  assert.equal(q1?.slowdown, 2);
  assert.equal(d.deltas.find((x) => x.queryid === '4')?.basis, 'new');
  assert.equal(d.deltas.find((x) => x.queryid === '4')?.slowdown, null);
  assert.equal(d.gone, 1);
});

test('a server-wide reset between the captures: everything since the reset, nothing subtracted', () => {
  const before = cap('2026-11-28T08:00:00Z', [row('1', 1000, 10_000)], '2026-11-01T00:00:00Z');
  const after = cap('2026-11-28T09:00:00Z', [row('1', 1500, 15_000)], '2026-11-28T08:30:00Z');
  const d = statementDeltas(before, after);
  assert.equal(d.serverReset, true);
  assert.equal(d.deltas[0]?.basis, 'server-reset');
  assert.equal(d.deltas[0]?.calls, 1500);
  assert.equal(d.gone, 1);
});

test('captures given in the wrong order are swapped; bad times are refused; NULL queryids fall back to the text', () => {
  const a = cap('2026-11-28T08:00:00Z', [row('1', 10, 10, { queryid: null, query: 'SELECT 1' })]);
  const b = cap('2026-11-28T09:00:00Z', [row('1', 30, 90, { queryid: null, query: 'SELECT 1' })]);
  const d = statementDeltas(b, a);
  assert.equal(d.deltas[0]?.calls, 20);
  assert.equal(d.deltas[0]?.slowdown, 4);
  assert.throws(() => statementDeltas(cap('nope', []), b), /valid takenAt/);
});

test('5,000 statements in each capture are compared, each once', () => {
  // Every 7th statement takes 30 ms per call in the window instead of 10.
  const before = Array.from({ length: 5000 }, (_, i) => row(String(i), 100, 1000));
  const after = Array.from({ length: 5000 }, (_, i) => row(String(i), 200, i % 7 === 0 ? 4000 : 2000));
  const d = statementDeltas(cap('2026-11-28T08:00:00Z', before), cap('2026-11-28T09:00:00Z', after));
  assert.equal(d.deltas.length, 5000);
  assert.equal(d.slower.length, Math.ceil(5000 / 7));
  assert.ok(d.slower.every((x) => Number(x.queryid) % 7 === 0 && x.slowdown === 3));
  assert.equal(new Set(d.deltas.map((x) => x.queryid)).size, 5000);
});
