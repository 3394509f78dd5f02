// Custom metrics (pgopt snapshot --metric name=value[:unit]): parsing with one sentence per bad input, and
// the local store keeping them as gauge points that Trends charts after the built-in metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomMetricError, customSeriesLook, parseCustomMetric, parseCustomMetrics } from '../../../src/core/metrics/customMetrics';
import { openSqliteSnapshotStore } from '../../../src/core/metrics/sqliteSnapshotStore';
import { buildTrends } from '../../../src/core/metrics/trends';
import { makeSnapshot } from './fakeSnapshot';

test('name=value[:unit] parses; names, values and units are validated with one sentence', () => {
  assert.deepEqual(parseCustomMetric('p95_ms=120.5:ms'), { name: 'p95_ms', value: 120.5, unit: 'ms' });
  assert.deepEqual(parseCustomMetric('queue.len=-3'), { name: 'queue.len', value: -3 });
  assert.deepEqual(parseCustomMetric('rate=1e3:req/s'), { name: 'rate', value: 1000, unit: 'req/s' });
  const bad: [string, RegExp][] = [
    ['p95', /must be name=value/],
    ['=5', /must be name=value/],
    ['P95=1', /is not valid/],
    ['1abc=1', /is not valid/],
    ["x'; drop=1", /is not valid/],
    [`${'a'.repeat(64)}=1`, /is not valid/],
    ['p95=', /not a finite number/],
    ['p95=NaN', /not a finite number/],
    ['p95=Infinity', /not a finite number/],
    ['p95=12abc', /not a finite number/],
    ['p95=1:<script>', /unit .* is not valid/],
    ['p95=1:', /unit .* is not valid/],
  ];
  for (const [text, why] of bad) {
    assert.throws(() => parseCustomMetric(text), (e: unknown) => e instanceof CustomMetricError && why.test(e.message) && !e.message.includes('\n'), text);
  }
  assert.throws(() => parseCustomMetrics(['a=1', 'a=2']), /given twice/);
});

test('a unit pgopt knows formats the chart; any other goes into the label', () => {
  assert.deepEqual(customSeriesLook('p95', 'ms'), { label: 'p95', unit: 'ms' });
  assert.deepEqual(customSeriesLook('rate', 'req/s'), { label: 'rate (req/s)', unit: 'count' });
  assert.deepEqual(customSeriesLook('n', undefined), { label: 'n', unit: 'count' });
});

test('the local store keeps custom metrics as gauge points; Trends charts them', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-custom-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = openSqliteSnapshotStore(join(dir, 's.sqlite'));
  t.after(() => store.close());
  const T0 = Date.UTC(2026, 10, 1);
  store.add('app', makeSnapshot(T0, { connections: 1 }, { custom: [{ name: 'jobs', value: 4, unit: 'jobs' }] }));
  store.add('app', makeSnapshot(T0 + 60_000, { connections: 2 }, { custom: [{ name: 'jobs', value: 9, unit: 'jobs' }] }));
  store.add('app', makeSnapshot(T0 + 120_000, { connections: 3 }));
  assert.deepEqual(store.customMetrics('app'), [{ name: 'jobs', unit: 'jobs' }]);
  const series = buildTrends(store, 'app', 'all').series.find((s) => s.metric === 'custom:jobs');
  assert.equal(series?.label, 'jobs (jobs)');
  assert.equal(series?.kind, 'gauge');
  assert.deepEqual(series?.points.map((p) => p[1]), [4, 9]);
});
