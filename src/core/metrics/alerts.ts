// Alert rules over snapshot metrics, evaluated by a pure function with per-rule episode state: a rule
// fires once when its condition has held for `forSeconds` (server time), stays quiet while it keeps
// holding, and clears once when it stops. Callers persist the state between polls; nothing here notifies.
import { alertFindings, verdictOf } from '../report/verdict';
import type { MetricId, MetricValues } from './metricDefs';

export const ALERT_OPS = ['<', '<=', '>', '>='] as const;
export type AlertOp = (typeof ALERT_OPS)[number];
export type AlertSeverity = 'warning' | 'error';

export interface AlertRule {
  metric: MetricId;
  op: AlertOp;
  threshold: number;
  /** The condition must hold this long before the rule fires (0 = on the first sample). */
  forSeconds: number;
  severity: AlertSeverity;
  /** Shown in notifications; defaults to a sentence built from the rule. */
  message?: string;
}

export const DEFAULT_ALERT_RULES: AlertRule[] = [
  { metric: 'cache_hit_pct', op: '<', threshold: 99, forSeconds: 0, severity: 'warning', message: 'cache hit ratio below 99 %' },
  { metric: 'connections_used_pct', op: '>', threshold: 80, forSeconds: 0, severity: 'warning', message: 'connections above 80 % of max_connections' },
  { metric: 'idle_in_tx_max_s', op: '>', threshold: 300, forSeconds: 0, severity: 'warning', message: 'a session idle in transaction for over 5 minutes' },
  { metric: 'wraparound_headroom_pct', op: '<', threshold: 20, forSeconds: 0, severity: 'error', message: 'transaction ID wraparound headroom below 20 %' },
  { metric: 'replication_lag_s', op: '>', threshold: 5, forSeconds: 0, severity: 'warning', message: 'replication lag above 5 s' },
  { metric: 'longest_query_s', op: '>', threshold: 60, forSeconds: 0, severity: 'warning', message: 'a query running for over 1 minute' },
  { metric: 'oldest_xmin_age', op: '>', threshold: 50_000_000, forSeconds: 0, severity: 'warning', message: 'something has held back VACUUM for over 50 million transactions (see the maintenance section)' },
  { metric: 'wal_retained_bytes', op: '>', threshold: 10 * 1024 ** 3, forSeconds: 0, severity: 'warning', message: 'a replication slot retains over 10 GB of WAL' },
];

export interface RuleState {
  /** Server time the condition was first seen holding in the current run; null when it does not hold. */
  since: number | null;
  firing: boolean;
}

export type AlertState = Record<string, RuleState>;

export interface AlertEvent {
  kind: 'fired' | 'cleared';
  ruleKey: string;
  rule: AlertRule;
  value: number | null;
  atMs: number;
  message: string;
}

export interface ActiveAlert {
  ruleKey: string;
  rule: AlertRule;
  value: number | null;
  sinceMs: number;
  message: string;
}

export interface AlertEvaluation {
  state: AlertState;
  events: AlertEvent[];
  active: ActiveAlert[];
}

export function ruleKey(r: AlertRule): string {
  return `${r.metric} ${r.op} ${r.threshold} for ${r.forSeconds}s`;
}

export function holds(op: AlertOp, value: number, threshold: number): boolean {
  switch (op) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
  }
}

export function describeRule(r: AlertRule, value: number | null): string {
  const base = r.message ?? `${r.metric} ${r.op} ${r.threshold}`;
  return value === null ? base : `${base} (now ${Number.isInteger(value) ? value : value.toFixed(2)})`;
}

/**
 * One poll. An unknown value (null: no replication, too few blocks for a ratio) neither starts nor ends
 * an episode, so a metric that briefly cannot be read does not produce a clear+fire pair.
 */
export function evaluateAlerts(rules: readonly AlertRule[], metrics: MetricValues, atMs: number, previous: AlertState = {}): AlertEvaluation {
  const state: AlertState = {};
  const events: AlertEvent[] = [];
  const active: ActiveAlert[] = [];
  for (const rule of rules) {
    const key = ruleKey(rule);
    const prev = previous[key] ?? { since: null, firing: false };
    const raw = metrics[rule.metric];
    const value = raw === undefined ? null : raw;
    let next: RuleState;
    if (value === null) next = prev;
    else if (holds(rule.op, value, rule.threshold)) {
      // A sample older than the episode start (server clock stepped back) restarts the wait from it.
      const since = prev.since === null || atMs < prev.since ? atMs : prev.since;
      const due = (atMs - since) / 1000 >= rule.forSeconds;
      next = { since, firing: prev.firing || due };
      if (!prev.firing && next.firing) events.push({ kind: 'fired', ruleKey: key, rule, value, atMs, message: describeRule(rule, value) });
    } else {
      next = { since: null, firing: false };
      if (prev.firing) events.push({ kind: 'cleared', ruleKey: key, rule, value, atMs, message: describeRule(rule, value) });
    }
    state[key] = next;
    if (next.firing) active.push({ ruleKey: key, rule, value, sinceMs: next.since ?? atMs, message: describeRule(rule, value) });
  }
  return { state, events, active };
}

export type HealthLevel = 'green' | 'yellow' | 'red';

/** The verdict of the alerts alone, as a traffic light (verdict.ts decides). */
export function healthLevel(active: readonly ActiveAlert[]): HealthLevel {
  const v = verdictOf(alertFindings(active)).verdict;
  return v === 'error' ? 'red' : v === 'warning' ? 'yellow' : 'green';
}
