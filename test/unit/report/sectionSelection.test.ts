// Which sections a report runs: the snapshot sections (Trends, What got slower) are registered analyzers that
// need a snapshot store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANALYZERS, selectAnalyzers, SNAPSHOT_ANALYZERS } from '../../../src/core/analyzers/registry';

const ids = (s: { analyzers: { id: string }[] }): string[] => s.analyzers.map((a) => a.id);

test('without a store: the database sections; naming a snapshot section asks for one', () => {
  assert.deepEqual(ids(selectAnalyzers(undefined)), ANALYZERS.map((a) => a.id));
  const s = selectAnalyzers(['health', 'trends', 'nope']);
  assert.deepEqual(ids(s), ['health']);
  assert.deepEqual(s.unknown, ['nope']);
  assert.deepEqual(s.needSnapshots, ['trends']);
});

test('with a store: the snapshot sections come last, and --sections can pick them alone', () => {
  assert.deepEqual(ids(selectAnalyzers([], { snapshots: true })), [...ANALYZERS, ...SNAPSHOT_ANALYZERS].map((a) => a.id));
  assert.deepEqual(ids(selectAnalyzers(['health'], { snapshots: true })), ['health', 'trends', 'query-deltas'], 'a store adds its sections as before');
  assert.deepEqual(ids(selectAnalyzers(['query-deltas', 'indexes'], { snapshots: true })), ['indexes', 'query-deltas'], 'report order, only what is named');
  assert.deepEqual(selectAnalyzers(['trends'], { snapshots: true }).needSnapshots, []);
  assert.ok(SNAPSHOT_ANALYZERS.every((a) => a.needs === 'snapshots'));
});
