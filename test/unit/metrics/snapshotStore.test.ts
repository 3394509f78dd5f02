import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteSnapshotStore, snapshotStorePath } from '../../../src/core/metrics/sqliteSnapshotStore';
import { HOUR_MS } from '../../../src/core/metrics/snapshotStore';
import { buildTrends, bucketPoints } from '../../../src/core/metrics/trends';
import { makeSnapshot } from './fakeSnapshot';

const T0 = Date.UTC(2026, 10, 1, 0, 0, 0);
const MIN = 60_000;

function tempStore(): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-store-'));
  return { file: snapshotStorePath(join(dir, 'nested')), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('the store survives close + reopen: snapshots, points and delta bases persist in the file', (t) => {
  const { file, cleanup } = tempStore();
  t.after(cleanup);
  let store = openSqliteSnapshotStore(file);
  store.add('prod', makeSnapshot(T0, { commits: 1000, connections: 5 }));
  const r = store.add('prod', makeSnapshot(T0 + 5 * MIN, { commits: 1300, connections: 6 }));
  assert.equal(r.interval.values.commits, 300);
  assert.ok(r.bytes > 100);
  store.close();

  store = openSqliteSnapshotStore(file);
  t.after(() => store.close());
  assert.deepEqual(store.connections(), ['prod']);
  assert.deepEqual(store.latest('prod', 5).map((s) => s.takenAtMs), [T0 + 5 * MIN, T0]);
  // The next delta continues from the snapshot stored before the restart.
  const after = store.add('prod', makeSnapshot(T0 + 10 * MIN, { commits: 1350, connections: 4 }));
  assert.equal(after.interval.values.commits, 50);
  assert.deepEqual(store.series('prod', 'commits', T0, T0 + HOUR_MS).map((p) => p.value), [300, 50]);
  assert.deepEqual(store.series('prod', 'connections', T0, T0 + HOUR_MS).map((p) => p.value), [5, 6, 4]);
  assert.deepEqual(store.series('other', 'connections', T0, T0 + HOUR_MS), []);
});

test('alert episodes persist in the file: a reopened store (the next run) continues the open episode, then clears it', (t) => {
  const { file, cleanup } = tempStore();
  t.after(cleanup);
  const rules = [{ metric: 'connections' as const, op: '>=' as const, threshold: 10, forSeconds: 60, severity: 'warning' as const, message: 'many connections' }];
  // Run 1: the condition starts holding; not due yet (60 s).
  let store = openSqliteSnapshotStore(file);
  assert.deepEqual(store.add('prod', makeSnapshot(T0, { connections: 12 }), { alertRules: rules }).alerts?.active, []);
  store.close();
  // Run 2, two minutes later, a new process: due since run 1 — a fresh evaluation would start the wait again.
  store = openSqliteSnapshotStore(file);
  const second = store.add('prod', makeSnapshot(T0 + 2 * MIN, { connections: 15 }), { alertRules: rules }).alerts;
  assert.deepEqual(second?.active.map((a) => a.sinceMs), [T0]);
  assert.deepEqual(second?.events.map((e) => e.kind), ['fired']);
  store.close();
  // Run 3: still firing, the same episode (no second "fired").
  store = openSqliteSnapshotStore(file);
  const third = store.add('prod', makeSnapshot(T0 + 4 * MIN, { connections: 14 }), { alertRules: rules }).alerts;
  assert.deepEqual([third?.active.map((a) => a.sinceMs), third?.events], [[T0], []]);
  assert.deepEqual(store.alertEpisodes('prod').map((e) => [e.startedMs, e.firedMs, e.clearedMs]), [[T0, T0 + 2 * MIN, null]]);
  store.close();
  // Run 4: below the threshold — the episode is closed; another connection's state is its own.
  store = openSqliteSnapshotStore(file);
  t.after(() => store.close());
  assert.deepEqual(store.add('prod', makeSnapshot(T0 + 6 * MIN, { connections: 3 }), { alertRules: rules }).alerts?.events.map((e) => e.kind), ['cleared']);
  assert.deepEqual(store.alertEpisodes('prod').map((e) => [e.startedMs, e.clearedMs]), [[T0, T0 + 6 * MIN]]);
  assert.deepEqual(store.add('staging', makeSnapshot(T0 + 6 * MIN, { connections: 50 }), { alertRules: rules }).alerts?.active, []);
  assert.deepEqual(store.alertState('prod'), { [Object.keys(store.alertState('prod'))[0]!]: { since: null, firing: false } });
});

test('a clock change: a sample stamped earlier than the last one keeps order by server time and gives no negative delta', (t) => {
  const { file, cleanup } = tempStore();
  t.after(cleanup);
  const store = openSqliteSnapshotStore(file);
  t.after(() => store.close());
  store.add('db', makeSnapshot(T0 + 60 * MIN, { commits: 100 }));
  store.add('db', makeSnapshot(T0 + 65 * MIN, { commits: 150 }));
  // The clock stepped back by an hour: the next snapshot's timestamp is before both stored ones.
  const back = store.add('db', makeSnapshot(T0 + 10 * MIN, { commits: 170 }));
  assert.equal(back.interval.values.commits, 20, 'delta from the last sample taken, not from the latest timestamp');
  const series = store.series('db', 'commits', T0, T0 + 2 * HOUR_MS);
  assert.deepEqual(series.map((p) => p.ts), [T0 + 10 * MIN, T0 + 65 * MIN]);
  assert.ok(series.every((p) => (p.value ?? 0) >= 0));
  assert.equal(store.latest('db')[0]?.takenAtMs, T0 + 65 * MIN);
  // Compaction measures retention from the newest server time stored, not from the local clock: with
  // 1 h of raw retention nothing stamped within the last hour of server time is rolled up.
  const c = store.compact({ rawHours: 1, rollupDays: 30 });
  assert.equal(c.referenceMs, T0 + 65 * MIN);
  assert.equal(c.rawPointsRolledUp, 0);
  assert.equal(store.latest('db', 10).length, 3);
});

test('compaction folds raw points past rawHours into hourly rollups and drops rollups past rollupDays', (t) => {
  const { file, cleanup } = tempStore();
  t.after(cleanup);
  const store = openSqliteSnapshotStore(file);
  t.after(() => store.close());
  // 4 days of 15-minute snapshots: commits +10 each, connections alternating 4 / 6.
  const N = 4 * 24 * 4;
  for (let i = 0; i < N; i++) store.add('db', makeSnapshot(T0 + i * 15 * MIN, { commits: 10 * i, connections: i % 2 ? 6 : 4 }));
  const newest = T0 + (N - 1) * 15 * MIN;
  const c = store.compact({ rawHours: 48, rollupDays: 30 });
  assert.equal(c.referenceMs, newest);
  const cutoff = newest - 48 * HOUR_MS;
  const conn = store.series('db', 'connections', T0, newest);
  const raw = conn.filter((p) => p.resolutionMs === 0);
  const hourly = conn.filter((p) => p.resolutionMs === HOUR_MS);
  assert.ok(raw.every((p) => p.ts >= cutoff), 'no raw point older than the raw retention');
  assert.ok(hourly.length >= 47 && hourly.length <= 49, `hourly rollups: ${hourly.length}`);
  // Every full hour holds two 4s and two 6s; the hour cut by the raw cutoff holds only part of it.
  assert.ok(hourly.slice(0, -1).every((p) => p.value === 5), 'gauge rollup is the mean');
  const commitsHourly = store.series('db', 'commits', T0, newest).filter((p) => p.resolutionMs === HOUR_MS);
  // The first snapshot has no delta, so the first hour holds 3 intervals; every later full hour holds 4.
  assert.equal(commitsHourly[0]?.value, 30);
  assert.equal(commitsHourly[1]?.value, 40);
  // Totals are preserved across compaction: sum of deltas = last - first counter value.
  const total = store.series('db', 'commits', T0, newest).reduce((s, p) => s + (p.value ?? 0), 0);
  assert.equal(total, 10 * (N - 1));
  assert.ok(store.latest('db', 1000).every((s) => s.takenAtMs >= cutoff));

  // A second compaction with a later reference drops rollups past rollupDays and keeps the newest snapshot.
  const later = store.compact({ rawHours: 1, rollupDays: 1 }, newest + 10 * 24 * HOUR_MS);
  assert.ok(later.rollupsDeleted > 0);
  assert.deepEqual(store.series('db', 'commits', T0, newest + 11 * 24 * HOUR_MS), []);
  assert.equal(store.latest('db', 10).length, 1, 'the newest snapshot stays as the next delta base');
  // Reopening sees the same compacted state.
  store.close();
  const again = openSqliteSnapshotStore(file);
  assert.equal(again.latest('db', 10).length, 1);
  again.close();
});

test('compacting twice merges into the same hourly rollup without double counting', (t) => {
  const { file, cleanup } = tempStore();
  t.after(cleanup);
  const store = openSqliteSnapshotStore(file);
  t.after(() => store.close());
  for (let i = 0; i <= 12; i++) store.add('db', makeSnapshot(T0 + i * 5 * MIN, { commits: 100 * i, connections: i }));
  store.compact({ rawHours: 1, rollupDays: 30 }, T0 + HOUR_MS + 30 * MIN); // rolls up minutes 0..25
  store.compact({ rawHours: 1, rollupDays: 30 }, T0 + 2 * HOUR_MS + 30 * MIN); // then the rest of that hour
  const hourly = store.series('db', 'commits', T0, T0 + 2 * HOUR_MS).filter((p) => p.resolutionMs === HOUR_MS);
  assert.deepEqual(hourly.map((p) => [p.ts, p.value]), [[T0, 1100], [T0 + HOUR_MS, 100]]);
  const conn = store.series('db', 'connections', T0, T0).filter((p) => p.resolutionMs === HOUR_MS);
  assert.equal(conn[0]?.value, 5.5, 'mean of 0..11 after a weighted merge');
});

test('a file that is not a pgopt store is refused and left untouched', (t) => {
  const { file, cleanup } = tempStore();
  t.after(cleanup);
  const notes = join(file, '..', 'notes.txt');
  openSqliteSnapshotStore(file).close(); // creates the directory
  writeFileSync(notes, 'hello, not a database');
  assert.throws(() => openSqliteSnapshotStore(notes), /snapshot store/);
});

test('trends: buckets counters as sums and gauges as means, ranges end at the newest snapshot', (t) => {
  assert.deepEqual(bucketPoints([{ ts: 0, value: 1, resolutionMs: 0 }, { ts: 10, value: 3, resolutionMs: 0 }, { ts: 100, value: 5, resolutionMs: 0 }], 'counter', 100), [[0, 4], [100, 5]]);
  assert.deepEqual(bucketPoints([{ ts: 0, value: 1, resolutionMs: 0 }, { ts: 10, value: 3, resolutionMs: 0 }], 'gauge', 100), [[0, 2]]);
  const { file, cleanup } = tempStore();
  t.after(cleanup);
  const store = openSqliteSnapshotStore(file);
  t.after(() => store.close());
  for (let i = 0; i < 30; i++) store.add('db', makeSnapshot(T0 + i * 5 * MIN, { commits: i * 7, connections: 3 }));
  const hour = buildTrends(store, 'db', '1h');
  assert.equal(hour.toMs, T0 + 29 * 5 * MIN);
  const commits = hour.series.find((s) => s.metric === 'commits');
  assert.equal(commits?.points.length, 13, 'points in [end - 1 h, end]');
  assert.ok(commits?.points.every(([, v]) => v === 7));
  const day = buildTrends(store, 'db', '24h');
  assert.equal(day.series.find((s) => s.metric === 'commits')?.points.reduce((s, [, v]) => s + (v ?? 0), 0), 29 * 7);
});
