// The editor's Fleet view model: which databases it lists (settings + pgopt.json fleet, trust), how the
// rows rank (worst first, unreachable before reached, databases without a result last) and what each says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fleetViewRows, fleetViewSummary, fleetViewTargets, oneSentence, type FleetEntryState } from '../../../src/core/fleet/fleetView';
import type { Report, ReportFinding, ReportSection } from '../../../src/core/report/model';
import { summarize } from '../../../src/core/report/model';

function finding(severity: ReportFinding['severity'], title: string): ReportFinding {
  return { id: `t.${title}`, severity, title, detail: '' };
}

function report(name: string, findings: ReportFinding[], sizeBytes = 1024 * 1024): Report {
  const sections: ReportSection[] = [
    {
      id: 'health', title: 'Health', status: 'ok', summary: '', durationMs: 1, unavailable: [], tables: [], findings,
      metrics: [{ id: 'database-size', label: 'Size', value: sizeBytes, display: '' }],
    },
    {
      id: 'queries', title: 'Queries', status: 'ok', summary: '', durationMs: 1, unavailable: [], findings: [], metrics: [],
      tables: [{ id: 'statements', title: 'Statements', columns: [], emptyText: '', rows: [{ mean: '12.0 ms', query: 'SELECT * FROM orders WHERE customer_id = $1' }] }],
    },
  ];
  return {
    schemaVersion: 1, title: name, generatedAt: '2026-01-01T00:00:00Z', tool: { name: 'pgopt', version: '0' },
    connection: { name, target: '', serverVersion: '16', database: name }, capabilities: [], sections, summary: summarize(sections),
  };
}

test('targets: settings first, then pgopt.json fleet entries; a duplicate name keeps the setting', () => {
  const { targets, notes } = fleetViewTargets(
    [{ name: 'app', url: 'postgres://localhost/app' }],
    [
      { name: 'app', url: 'postgres://elsewhere/app' },
      { name: 'billing', url: 'postgres://db2/billing', tags: ['prod'] },
      { name: 'reports', service: 'reports' },
    ],
    { trusted: true },
  );
  assert.deepEqual(targets.map((t) => [t.name, t.source]), [['app', 'settings'], ['billing', 'pgopt.json'], ['reports', 'pgopt.json']]);
  assert.deepEqual(targets[1]?.setting, { name: 'billing', url: 'postgres://db2/billing' });
  assert.deepEqual(targets[1]?.tags, ['prod']);
  assert.deepEqual(targets[2]?.setting, { name: 'reports', service: 'reports' });
  assert.equal(notes.length, 1);
  assert.match(notes[0] ?? '', /"app" has the name of a connection setting; the setting is used/);
});

test('targets: an untrusted workspace lists only the settings and says why; bad entries are notes, the good ones stay', () => {
  const untrusted = fleetViewTargets([{ name: 'app' }], [{ name: 'evil', url: 'postgres://attacker/x' }], { trusted: false });
  assert.deepEqual(untrusted.targets.map((t) => t.name), ['app']);
  assert.match(untrusted.notes[0] ?? '', /"fleet" is ignored because this workspace is not trusted: .*host the editor connects to with your passwords/);
  const bad = fleetViewTargets([], [{ name: 'ok', url: 'postgres://h/db' }, { name: 'nourl' }, { url: 'http://x' }], { trusted: true });
  assert.deepEqual(bad.targets.map((t) => t.name), ['ok']);
  assert.equal(bad.notes.length >= 2, true, bad.notes.join(' | '));
  assert.ok(bad.notes.every((n) => n.startsWith('pgopt.json fleet[')), bad.notes.join(' | '));
  assert.deepEqual(fleetViewTargets([{ name: 'a' }], undefined, { trusted: true }).notes, []);
});

test('rows: unreachable first (an error verdict), then error findings, warnings, ok; databases not analysed yet come last in configured order', () => {
  const targets = fleetViewTargets(
    [{ name: 'fresh' }, { name: 'clean' }, { name: 'down' }, { name: 'warned' }, { name: 'broken' }, { name: 'busy' }],
    undefined,
    { trusted: true },
  ).targets;
  const states = new Map<string, FleetEntryState>([
    ['clean', { kind: 'done', report: report('clean', [finding('info', 'fyi')]), durationMs: 5 }],
    ['down', { kind: 'failed', error: 'connect ECONNREFUSED 127.0.0.1:1\n    at TCPConnectWrap', timedOut: false, durationMs: 5 }],
    ['warned', { kind: 'done', report: report('warned', [finding('warning', 'Unused index orders_x'), finding('warning', 'Table bloat')], 5 * 1024 * 1024), durationMs: 5 }],
    ['broken', { kind: 'done', report: report('broken', [finding('warning', 'w'), finding('error', 'Invalid index idx_a')]), durationMs: 5 }],
    ['busy', { kind: 'running' }],
  ]);
  const rows = fleetViewRows(targets, states);
  assert.deepEqual(rows.map((r) => r.name), ['down', 'broken', 'warned', 'clean', 'fresh', 'busy']);
  assert.deepEqual(rows.map((r) => r.rank), [1, 2, 3, 4, undefined, undefined]);
  assert.deepEqual(rows.map((r) => r.verdict), ['error', 'error', 'warning', 'ok', undefined, undefined]);
  const [down, broken, warned, clean, fresh, busy] = rows;
  assert.deepEqual(broken?.problems[0], { severity: 'error', title: 'Invalid index idx_a' }, 'most severe problem first');
  assert.equal(broken?.hasReport, true);
  assert.equal(down?.hasReport, false);
  assert.equal(down?.error, 'Connect ECONNREFUSED 127.0.0.1:1.', 'one sentence: the first line, capitalised, with a full stop');
  assert.equal(down?.description, 'not reached: Connect ECONNREFUSED 127.0.0.1:1.');
  assert.equal(warned?.description, '2 warnings · 5.0 MB · Unused index orders_x');
  assert.equal(warned?.sizeBytes, 5 * 1024 * 1024);
  assert.match(warned?.slowest ?? '', /^12\.0 ms mean: SELECT \* FROM orders/);
  assert.equal(clean?.description, 'no problems · 1.0 MB');
  assert.equal(fresh?.description, 'not analyzed yet');
  assert.equal(busy?.running, true);
  assert.equal(busy?.description, 'analyzing…');
  assert.equal(fleetViewSummary(rows), '1 error · 1 warning · 1 ok · 1 not reached', 'four databases, each counted once');
  assert.equal(fleetViewSummary(rows.slice(4)), '2 databases, not analyzed yet');
});

test('rows: a database being re-analysed keeps its rank from the previous result and shows it is running', () => {
  const targets = fleetViewTargets([{ name: 'a' }, { name: 'b' }], undefined, { trusted: true }).targets;
  const prev = { kind: 'done' as const, report: report('a', [finding('error', 'bad')]), durationMs: 1 };
  const rows = fleetViewRows(targets, new Map<string, FleetEntryState>([['a', { kind: 'running', previous: prev }], ['b', { kind: 'done', report: report('b', []), durationMs: 1 }]]));
  assert.deepEqual(rows.map((r) => [r.name, r.rank, r.verdict, r.running]), [['a', 1, 'error', true], ['b', 2, 'ok', false]]);
});

test('oneSentence: first non-empty line, capped, ends with one full stop', () => {
  assert.equal(oneSentence('\n  password authentication failed for user "x"  \nstack'), 'Password authentication failed for user "x".');
  assert.equal(oneSentence('No result within 2 s.'), 'No result within 2 s.');
  assert.equal(oneSentence('x'.repeat(300)).length, 220);
  assert.equal(oneSentence(''), 'Unknown error.');
});
