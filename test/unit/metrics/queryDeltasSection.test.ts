// "What got slower": the section from two synthetic snapshots (a statement 3× slower per call, an entry reset,
// a new statement, a server-wide reset), and the baseline choice from a real (SQLite) store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildQueryDeltasSection, chooseBaseline, queryDeltasFromStore, snapshotCapture } from '../../../src/core/metrics/queryDeltasSection';
import type { StatementSample } from '../../../src/core/metrics/snapshot';
import { openSqliteSnapshotStore, snapshotStorePath } from '../../../src/core/metrics/sqliteSnapshotStore';
import { HOUR_MS } from '../../../src/core/metrics/snapshotStore';
import { renderSectionText } from '../../../src/core/report/renderText';
import { makeSnapshot } from './fakeSnapshot';

const MORNING = Date.UTC(2026, 10, 28, 8, 5, 0);
const EVENING = MORNING + 9 * HOUR_MS;
const st = (queryid: string, calls: number, totalMs: number, query = `SELECT ${queryid} FROM t WHERE id = $1`): StatementSample => ({ queryid, calls, totalMs, query });
const totals = (rows: StatementSample[]) => ({
  statement_calls: rows.reduce((s, r) => s + r.calls, 0),
  statement_time_ms: rows.reduce((s, r) => s + r.totalMs, 0),
});

function pair() {
  const before = [st('1', 100, 100), st('2', 1000, 500), st('3', 50, 5000), st('9', 10, 10)];
  const after = [
    // 1: 100 more calls at 3 ms instead of 1 ms → 3× slower per call.
    st('1', 200, 400),
    // 2: same speed (0.5 ms), 1000 more calls.
    st('2', 2000, 1000),
    // 3: entry reset (counters went down), then 20 calls at 400 ms vs 100 ms before → 4× since the reset.
    st('3', 20, 8000),
    // 4: new and heavy.
    st('4', 30, 9000, 'SELECT * FROM orders WHERE note LIKE $1'),
    // 5: new but light (under 5 % of the interval's time), 6: new DDL (heavy, but nothing to Explain).
    st('5', 3, 3, 'SELECT 5'),
    st('6', 1, 2000, 'CREATE INDEX big_k ON big (k)'),
  ];
  return {
    base: makeSnapshot(MORNING, totals(before), { statements: before }),
    newest: makeSnapshot(EVENING, totals(after), { statements: after }),
  };
}

test('a statement 3× slower per call, an entry reset and a new heavy statement', () => {
  const { base, newest } = pair();
  const s = buildQueryDeltasSection(base, newest);
  assert.equal(s.id, 'query-deltas');
  assert.equal(s.status, 'warning');
  assert.match(s.summary, /snapshot of 08:05 UTC, 9 h before the newest \(17:05 UTC\)/);
  const slower = s.tables.find((t) => t.id === 'slower');
  assert.ok(slower);
  // Worst first by extra time: 3 (20 × 300 ms = 6 s extra) before 1 (100 × 2 ms = 200 ms extra).
  assert.deepEqual(slower.rows.map((r) => [r.query, r.slowdown, r.calls, r.total, r.basis]), [
    ['SELECT 3 FROM t WHERE id = $1', '4×', 20, '8.00 s', 'since entry reset'],
    ['SELECT 1 FROM t WHERE id = $1', '3×', 100, '300.0 ms', 'difference'],
  ]);
  assert.equal(slower.rows[1]?.before, '1.000 ms');
  assert.equal(slower.rows[1]?.now, '3.000 ms');
  const slowerFindings = s.findings.filter((f) => f.id === 'query-deltas.slower');
  assert.equal(slowerFindings.length, 2);
  assert.match(slowerFindings[1]?.title ?? '', /^3× slower per call: SELECT 1/);
  assert.equal(slowerFindings[1]?.sql, 'SELECT 1 FROM t WHERE id = $1');
  assert.ok(s.findings.some((f) => f.id === 'query-deltas.reset' && /1 statement entry was reset/.test(f.title)));
  const fresh = s.tables.find((t) => t.id === 'new-heavy');
  assert.deepEqual(fresh?.rows.map((r) => [r.query, r.calls]), [['SELECT * FROM orders WHERE note LIKE $1', 30], ['CREATE INDEX big_k ON big (k)', 1]]);
  const newFindings = s.findings.filter((f) => f.id === 'query-deltas.new-heavy');
  assert.deepEqual(newFindings.map((f) => f.sql), ['SELECT * FROM orders WHERE note LIKE $1', undefined], 'DDL gets no sql (no Create Migration button)');
  assert.match(s.summary, /2 statements slower per call, 2 new heavy, 1 entry reset, 1 left the top/);
  // Renders like any section.
  const text = renderSectionText(s, { details: true });
  assert.match(text, /What got slower/);
  assert.match(text, /SELECT 1 FROM t WHERE id = \$1/);
});

test('thresholds: a statement 1.4× slower or with too few calls is not listed', () => {
  const before = [st('1', 100, 100), st('2', 100, 100)];
  const after = [st('1', 200, 240), st('2', 105, 150)];
  const s = buildQueryDeltasSection(makeSnapshot(MORNING, totals(before), { statements: before }), makeSnapshot(EVENING, totals(after), { statements: after }));
  assert.equal(s.status, 'ok');
  assert.equal(s.tables[0]?.rows.length, 0);
  assert.equal(s.findings.length, 0);
  const loose = buildQueryDeltasSection(makeSnapshot(MORNING, totals(before), { statements: before }), makeSnapshot(EVENING, totals(after), { statements: after }), { slowerFactor: 1.2, minCalls: 5 });
  assert.deepEqual(loose.tables[0]?.rows.map((r) => r.query).sort(), ['SELECT 1 FROM t WHERE id = $1', 'SELECT 2 FROM t WHERE id = $1']);
});

test('a server-wide pg_stat_statements reset (totals went down) is noted and still compared with the baseline mean', () => {
  const before = [st('1', 10_000, 10_000), st('2', 5000, 5000)];
  const after = [st('1', 50, 250)];
  const base = makeSnapshot(MORNING, totals(before), { statements: before });
  const newest = makeSnapshot(EVENING, totals(after), { statements: after });
  assert.equal(snapshotCapture(newest, true).statsReset, newest.takenAt);
  const s = buildQueryDeltasSection(base, newest);
  assert.ok(s.findings.some((f) => f.id === 'query-deltas.reset' && /was reset between the snapshots/.test(f.title)));
  assert.deepEqual(s.tables[0]?.rows.map((r) => [r.slowdown, r.calls, r.basis]), [['5×', 50, 'since statistics reset']]);
  assert.match(s.summary, /statistics reset in between/);
});

test('no statements, one snapshot, nothing stored: a clear unavailable entry, never an empty section', () => {
  const { base, newest } = pair();
  const none = buildQueryDeltasSection(base, makeSnapshot(EVENING, {}, { statements: null, statementsUnavailable: 'pg_stat_statements is not installed' }));
  assert.equal(none.unavailable[0]?.because, 'pg_stat_statements is not installed');
  assert.equal(buildQueryDeltasSection(undefined, newest).unavailable.length, 1);
  assert.match(buildQueryDeltasSection(undefined, undefined).summary, /No snapshot stored/);
  // Hostile query text stays data (renderers escape it); a text cut at 200 characters carries no sql to Explain.
  const long = `SELECT '${'x'.repeat(200)}'`.slice(0, 200);
  const b2 = [st('7', 100, 100, long)];
  const a2 = [st('7', 200, 1100, long)];
  const s = buildQueryDeltasSection(makeSnapshot(MORNING, totals(b2), { statements: b2 }), makeSnapshot(EVENING, totals(a2), { statements: a2 }));
  assert.equal(s.findings[0]?.id, 'query-deltas.slower');
  assert.equal(s.findings[0]?.sql, undefined);
});

test('baseline choice in a store: oldest of the window, --since, a given time, only one snapshot', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-deltas-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = openSqliteSnapshotStore(snapshotStorePath(dir));
  t.after(() => store.close());
  const { base, newest } = pair();
  const yesterday = makeSnapshot(MORNING - 20 * HOUR_MS, totals(base.statements ?? []), { statements: base.statements });
  const noon = makeSnapshot(MORNING + 4 * HOUR_MS, totals(base.statements ?? []), { statements: base.statements });
  store.add('prod', yesterday);
  assert.equal(chooseBaseline(store, 'prod').baseline, undefined, 'one snapshot: nothing to compare with');
  assert.match(queryDeltasFromStore(store, 'prod').summary, /No snapshot to compare with/);
  store.add('prod', base);
  store.add('prod', noon);
  store.add('prod', newest);
  assert.equal(chooseBaseline(store, 'prod').baseline?.takenAtMs, MORNING, 'default 24 h: the oldest since 17:05 yesterday is 08:05 today');
  assert.equal(chooseBaseline(store, 'prod', { sinceHours: 48 }).baseline?.takenAtMs, yesterday.takenAtMs);
  assert.equal(chooseBaseline(store, 'prod', { sinceHours: 6 }).baseline?.takenAtMs, noon.takenAtMs);
  assert.equal(chooseBaseline(store, 'prod', { sinceHours: 0.5 }).baseline, undefined, 'only the newest in the window');
  assert.equal(chooseBaseline(store, 'prod', { atMs: MORNING + HOUR_MS }).baseline?.takenAtMs, noon.takenAtMs);
  assert.equal(chooseBaseline(store, 'other').newest, undefined);
  const s = queryDeltasFromStore(store, 'prod');
  assert.match(s.summary, /08:05 UTC, 9 h before the newest/);
  assert.equal(s.tables[0]?.rows.length, 2);
});
