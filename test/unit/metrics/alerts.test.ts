import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ALERT_RULES, evaluateAlerts, healthLevel, type AlertRule, type AlertState } from '../../../src/core/metrics/alerts';
import type { MetricValues } from '../../../src/core/metrics/metricDefs';
import { alertRulesOf, parseMonitoringSettings, parsePgoptFile } from '../../../src/core/config';

const lag: AlertRule = { metric: 'replication_lag_s', op: '>', threshold: 5, forSeconds: 60, severity: 'warning' };

function run(rules: AlertRule[], samples: [number, MetricValues][]): { kinds: string[]; active: number[] } {
  let state: AlertState = {};
  const kinds: string[] = [];
  const active: number[] = [];
  for (const [t, m] of samples) {
    const r = evaluateAlerts(rules, m, t * 1000, state);
    state = r.state;
    kinds.push(r.events.map((e) => e.kind).join('+') || '-');
    active.push(r.active.length);
  }
  return { kinds, active };
}

test('an alert fires once per episode after its for-duration, stays quiet while it holds, and clears once', () => {
  const r = run([lag], [
    [0, { replication_lag_s: 1 }],
    [30, { replication_lag_s: 9 }], // starts holding
    [60, { replication_lag_s: 9 }], // 30 s: not yet
    [90, { replication_lag_s: 12 }], // 60 s: fires
    [120, { replication_lag_s: 20 }], // still firing: no new event
    [150, { replication_lag_s: 2 }], // clears
    [180, { replication_lag_s: 3 }],
    [210, { replication_lag_s: 50 }], // a new episode starts waiting again
    [270, { replication_lag_s: 50 }], // fires again
  ]);
  assert.deepEqual(r.kinds, ['-', '-', '-', 'fired', '-', 'cleared', '-', '-', 'fired']);
  assert.deepEqual(r.active, [0, 0, 0, 1, 1, 0, 0, 0, 1]);
});

test('a dip below the threshold before the for-duration restarts the wait', () => {
  const r = run([lag], [
    [0, { replication_lag_s: 9 }],
    [50, { replication_lag_s: 1 }],
    [80, { replication_lag_s: 9 }],
    [120, { replication_lag_s: 9 }],
    [140, { replication_lag_s: 9 }],
  ]);
  assert.deepEqual(r.kinds, ['-', '-', '-', '-', 'fired']);
});

test('an unknown value neither ends nor starts an episode', () => {
  const rule: AlertRule = { ...lag, forSeconds: 0 };
  const r = run([rule], [
    [0, { replication_lag_s: 9 }],
    [10, { replication_lag_s: null }],
    [20, {}],
    [30, { replication_lag_s: 9 }],
    [40, { replication_lag_s: 0 }],
  ]);
  assert.deepEqual(r.kinds, ['fired', '-', '-', '-', 'cleared']);
});

test('every operator, and the health level from the worst active severity', () => {
  const rules: AlertRule[] = [
    { metric: 'cache_hit_pct', op: '<', threshold: 99, forSeconds: 0, severity: 'warning' },
    { metric: 'cache_hit_pct', op: '<=', threshold: 90, forSeconds: 0, severity: 'error' },
    { metric: 'connections', op: '>=', threshold: 10, forSeconds: 0, severity: 'warning' },
  ];
  const e1 = evaluateAlerts(rules, { cache_hit_pct: 99, connections: 9 }, 0);
  assert.equal(e1.active.length, 0);
  assert.equal(healthLevel(e1.active), 'green');
  const e2 = evaluateAlerts(rules, { cache_hit_pct: 95, connections: 10 }, 1000, e1.state);
  assert.equal(e2.active.length, 2);
  assert.equal(healthLevel(e2.active), 'yellow');
  const e3 = evaluateAlerts(rules, { cache_hit_pct: 90, connections: 10 }, 2000, e2.state);
  assert.equal(healthLevel(e3.active), 'red');
  assert.deepEqual(e3.events.map((e) => e.rule.op), ['<=']);
});

test('the defaults cover the six conditions of the issue and fire on a bad sample', () => {
  const bad: MetricValues = {
    cache_hit_pct: 95,
    connections_used_pct: 85,
    idle_in_tx_max_s: 400,
    wraparound_headroom_pct: 10,
    replication_lag_s: 6,
    longest_query_s: 61,
    oldest_xmin_age: 60_000_000,
    wal_retained_bytes: 11 * 1024 ** 3,
  };
  const e = evaluateAlerts(DEFAULT_ALERT_RULES, bad, 0);
  assert.equal(e.events.length, 8);
  assert.equal(healthLevel(e.active), 'red');
  const good: MetricValues = { cache_hit_pct: 99.9, connections_used_pct: 10, idle_in_tx_max_s: 0, wraparound_headroom_pct: 90, replication_lag_s: null, longest_query_s: 1, oldest_xmin_age: 10, wal_retained_bytes: 0 };
  const g = evaluateAlerts(DEFAULT_ALERT_RULES, good, 60_000, e.state);
  assert.equal(g.active.length, 1, 'replication lag unknown keeps its episode open');
  assert.deepEqual(g.events.map((x) => x.kind), ['cleared', 'cleared', 'cleared', 'cleared', 'cleared', 'cleared', 'cleared']);
});

test('monitoring config: defaults, custom rules, and problems naming the bad key', () => {
  const d = parseMonitoringSettings(undefined);
  assert.equal(d.settings.intervalMinutes, 5);
  assert.deepEqual(d.settings.retention, { rawHours: 48, rollupDays: 30 });
  assert.equal(alertRulesOf(d.settings), DEFAULT_ALERT_RULES);
  const c = parseMonitoringSettings({ intervalMinutes: 0, alerts: [{ metric: 'deadlocks', op: '>', threshold: 0 }] });
  assert.deepEqual(c.problems, []);
  assert.deepEqual(alertRulesOf(c.settings), [{ metric: 'deadlocks', op: '>', threshold: 0, forSeconds: 0, severity: 'warning' }]);
  const bad = parsePgoptFile(JSON.stringify({ monitoring: { alerts: [{ metric: 'nope', op: '!=', threshold: 'x' }] } }));
  const paths = bad.problems.map((p) => p.path);
  assert.ok(paths.includes('pgopt.json.monitoring.alerts[0].metric'), paths.join(', '));
  assert.ok(paths.includes('pgopt.json.monitoring.alerts[0].op'), paths.join(', '));
  assert.ok(paths.includes('pgopt.json.monitoring.alerts[0].threshold'), paths.join(', '));
});
