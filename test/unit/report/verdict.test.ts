import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ALERT_RULES, evaluateAlerts, healthLevel } from '../../../src/core/metrics/alerts';
import { dedupeFindings } from '../../../src/core/report/dedupeFindings';
import { summarize, type ReportFinding, type ReportSection } from '../../../src/core/report/model';
import { alertFindings, judgeHealth, verdictExitCode, verdictOf } from '../../../src/core/report/verdict';

function section(id: string, findings: ReportFinding[], error?: string): ReportSection {
  return { id, title: id, status: 'ok', summary: '', metrics: [], findings, tables: [], unavailable: [], durationMs: 0, ...(error ? { error } : {}) };
}
const f = (id: string, severity: ReportFinding['severity'], object?: ReportFinding['object']): ReportFinding => ({ id, severity, title: id, detail: '', ...(object ? { object } : {}) });

test('verdictOf: error > warning > ok; info alone is ok; a failed analyzer is an error', () => {
  assert.equal(verdictOf([]).verdict, 'ok');
  assert.equal(verdictOf([f('a', 'info'), f('b', 'info')]).verdict, 'ok');
  assert.equal(verdictOf([f('a', 'info'), f('b', 'warning')]).verdict, 'warning');
  assert.equal(verdictOf([f('a', 'error'), f('b', 'warning')]).verdict, 'error');
  assert.deepEqual(verdictOf([f('a', 'info')], 1), { errors: 1, warnings: 0, infos: 1, verdict: 'error' });
  assert.equal(verdictExitCode('error'), 1);
  assert.equal(verdictExitCode('warning'), 0);
});

test('the report summary is the verdict: info-only findings give ok, not info', () => {
  assert.equal(summarize([section('s', [f('a', 'info')])]).status, 'ok');
  assert.equal(summarize([section('s', [f('a', 'warning')])]).status, 'warning');
  assert.equal(summarize([section('s', [], 'boom')]).status, 'error');
});

test('snapshot alerts map into the verdict by rule severity, and healthLevel agrees', () => {
  const at = Date.parse('2026-01-01T00:00:00Z');
  const warn = evaluateAlerts(DEFAULT_ALERT_RULES, { cache_hit_pct: 90 }, at).active;
  const err = evaluateAlerts(DEFAULT_ALERT_RULES, { cache_hit_pct: 90, wraparound_headroom_pct: 5 }, at).active;
  assert.equal(verdictOf(alertFindings(warn)).verdict, 'warning');
  assert.equal(healthLevel(warn), 'yellow');
  assert.equal(verdictOf(alertFindings(err)).verdict, 'error');
  assert.equal(healthLevel(err), 'red');
  assert.equal(alertFindings(err).find((x) => x.severity === 'error')?.id, 'alert.wraparound_headroom_pct');
});

test('the status bar judges the report too: no alert but a warning report is not "healthy"', () => {
  const report = { generatedAt: '2026-01-01T00:00:00Z', sections: [section('integrity', Array.from({ length: 14 }, (_, i) => f(`w${i}`, 'warning')))] };
  const alone = judgeHealth([], '2026-01-01 00:00', undefined);
  assert.equal(alone.verdict.verdict, 'ok');
  assert.match(alone.basis.join(' '), /only the monitoring alerts are judged/);
  const withReport = judgeHealth([], '2026-01-01 00:00', report);
  assert.equal(withReport.verdict.verdict, 'warning');
  assert.equal(withReport.verdict.warnings, 14);
  // The same function gives the report's own badge: they agree.
  assert.equal(summarize(report.sections).status, withReport.verdict.verdict);
  assert.match(withReport.basis.join(' '), /The report of 2026-01-01T00:00:00Z: warning \(14 warnings\)/);
});

test('dedupeFindings: the NOT VALID constraint is reported once, by Constraints', () => {
  const con = { kind: 'constraint' as const, schema: 'public', table: 'health_goals', name: 'health_goals_progress_check' };
  const other = { ...con, name: 'other_check' };
  const sections = [
    section('health', [f('health.not-valid-constraint', 'info', con), f('health.not-valid-constraint', 'info', other)]),
    section('constraints', [f('constraints.not-valid', 'warning', con)]),
  ];
  const r = dedupeFindings(sections);
  assert.deepEqual(
    r.sections.map((s) => s.findings.map((x) => `${x.id} ${x.object?.name}`)),
    [['health.not-valid-constraint other_check'], ['constraints.not-valid health_goals_progress_check']],
  );
  assert.equal(r.dropped.length, 1);
  assert.equal(r.dropped[0]!.ownedBy, 'constraints.not-valid');
  // Only Health selected: its finding stays.
  assert.equal(dedupeFindings([sections[0]!]).sections[0]!.findings.length, 2);
  // The input is not changed.
  assert.equal(sections[0]!.findings.length, 2);
});

test('dedupeFindings: invalid index once (Indexes), idle in transaction once (Connections lists the sessions)', () => {
  const idx = { kind: 'index' as const, schema: 'public', table: 't', name: 't_a_idx' };
  const r = dedupeFindings([
    section('health', [f('health.invalid-index', 'warning', idx), f('health.idle-in-transaction', 'warning')]),
    section('indexes', [f('indexes.invalid', 'warning', idx)]),
    section('connections', [f('connections.idle-in-transaction', 'warning')]),
  ]);
  assert.deepEqual(r.sections.map((s) => s.findings.map((x) => x.id)), [[], ['indexes.invalid'], ['connections.idle-in-transaction']]);
});
