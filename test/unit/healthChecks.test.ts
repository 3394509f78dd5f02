import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assessCacheHit,
  assessConnections,
  assessInvalidIndexes,
  assessNotValid,
  assessSequences,
  assessWraparound,
  sequenceUsage,
  XID_LIMIT,
  type SequenceRow,
} from '../../src/core/analyzers/health/healthChecks';

test('cache hit: thresholds at 99 % and 90 %, and silence on too little activity', () => {
  const r = assessCacheHit([
    { kind: 'tables', hit: 985, read: 15 },
    { kind: 'indexes', hit: 10, read: 5 },
  ]);
  assert.equal(r.metrics?.[0]?.status, 'warning');
  assert.equal(r.metrics?.[0]?.display, '98.50 %');
  assert.equal(r.metrics?.[1]?.value, null, 'indexes: not enough activity');
  assert.equal(r.findings?.length, 1);
  assert.equal(assessCacheHit([{ kind: 'tables', hit: 800, read: 200 }]).findings?.[0]?.severity, 'error');
  assert.equal(assessCacheHit([{ kind: 'tables', hit: 9990, read: 10 }]).findings?.length, 0);
});

test('connections: near the usable limit and long idle-in-transaction are findings', () => {
  const r = assessConnections(
    [
      { state: 'active', count: 70, oldest_s: 1 },
      { state: 'idle in transaction', count: 2, oldest_s: 900 },
      { state: 'idle', count: 12, oldest_s: 50 },
    ],
    100,
    3,
  );
  const ids = r.findings?.map((f) => f.id);
  assert.deepEqual(ids, ['health.connections-near-limit', 'health.idle-in-transaction']);
  assert.equal(r.findings?.[0]?.severity, 'warning', '84/97 is warning, not error');
  assert.equal(assessConnections([{ state: 'active', count: 95, oldest_s: 0 }], 100, 3).findings?.[0]?.severity, 'error');
  assert.equal(assessConnections([{ state: 'idle in transaction', count: 1, oldest_s: 60 }], 100, 3).findings?.length, 0, 'a minute is not yet a problem');
});

test('wraparound: headroom from the older of xid and multixact age', () => {
  const r = assessWraparound([
    { datname: 'ok', xid_age: 1000, mxid_age: 0, freeze_max_age: 2e8 },
    { datname: 'hot', xid_age: 100, mxid_age: XID_LIMIT * 0.85, freeze_max_age: 2e8 },
  ]);
  assert.equal(r.findings?.length, 1);
  assert.equal(r.findings?.[0]?.severity, 'error');
  assert.match(r.findings?.[0]?.detail ?? '', /multixact/);
  assert.equal(r.metrics?.[0]?.status, 'error');
});

function seq(p: Partial<SequenceRow>): SequenceRow {
  return {
    schema: 'public', sequence: 's', last_value: '1', min_value: '1', max_value: '9223372036854775807', increment_by: '1',
    data_type: 'bigint', owner_table: null, owner_schema: null, owner_column: null, column_type: null, ...p,
  };
}

test('sequence usage is limited by a narrower owning column', () => {
  const u = sequenceUsage(seq({ last_value: '2000000000', owner_table: 't', owner_schema: 'public', owner_column: 'id', column_type: 'integer' }));
  assert.equal(u?.limitedBy, 'column');
  assert.ok(u && u.used > 0.93 && u.used < 0.94);
  assert.equal(sequenceUsage(seq({ last_value: null })), null, 'never used');
  const desc = sequenceUsage(seq({ increment_by: '-1', min_value: '-100', max_value: '-1', last_value: '-91' }));
  assert.ok(desc && Math.abs(desc.used - 90 / 99) < 1e-6, 'descending sequences count down from max');
});

test('sequences: warning at 75 %, error at 90 %, bigint-safe arithmetic', () => {
  const r = assessSequences([
    seq({ sequence: 'a', last_value: '30000', max_value: '32767', data_type: 'smallint' }),
    seq({ sequence: 'b', last_value: '25000', max_value: '32767' }),
    seq({ sequence: 'c', last_value: '9000000000000000000' }),
    seq({ sequence: 'd', last_value: '5' }),
  ]);
  assert.deepEqual(r.findings?.map((f) => [f.object?.name, f.severity]), [['c', 'error'], ['a', 'error'], ['b', 'warning']]);
  assert.equal(r.tables?.[0]?.rows.length, 3, 'd is below the listing threshold');
});

test('invalid indexes: being-built ones are skipped; REINDEX CONCURRENTLY on PG 12+, quoted names', () => {
  const rows = [
    { schema: 'public', index: 'Bad "idx"', table: 't', size: '8192', definition: 'CREATE INDEX "Bad ""idx""" ON public.t USING btree (a)', building: false },
    { schema: 'public', index: 'building_now', table: 't', size: '0', definition: 'CREATE INDEX building_now ON public.t (b)', building: true },
  ];
  const r = assessInvalidIndexes(rows, 150000);
  assert.equal(r.findings?.length, 1);
  assert.equal(r.findings?.[0]?.sql, 'REINDEX INDEX CONCURRENTLY "public"."Bad ""idx""";');
  assert.match(r.metrics?.[0]?.display ?? '', /\+1 being built/);
  const old = assessInvalidIndexes(rows, 110000);
  assert.match(old.findings?.[0]?.sql ?? '', /^DROP INDEX CONCURRENTLY IF EXISTS .*\nCREATE INDEX CONCURRENTLY /);
});

test('NOT VALID constraints get a VALIDATE statement with quoted names', () => {
  const r = assessNotValid([{ schema: 'app', table: 'Order', constraint: 'chk"1', contype: 'c', definition: 'CHECK (x > 0) NOT VALID' }]);
  assert.equal(r.findings?.[0]?.sql, 'ALTER TABLE "app"."Order" VALIDATE CONSTRAINT "chk""1";');
});
