// How the report is laid out for people (src/core/report/layout.ts, chartGeometry.ts, trends gaps/ranges):
// pure functions shared by the webview and the HTML export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartGeometry } from '../../../src/core/report/chartGeometry';
import { groupFindings, looksNumeric, sectionStartsOpen, tableLayout, topFindings } from '../../../src/core/report/layout';
import type { ReportFinding, ReportSection } from '../../../src/core/report/model';
import { renderReportHtml } from '../../../src/core/report/renderHtml';
import { summarize } from '../../../src/core/report/model';
import { markGaps, stepForSpan } from '../../../src/core/metrics/trends';

const f = (id: string, severity: ReportFinding['severity'], title: string): ReportFinding => ({ id, severity, title, detail: `${title} detail` });

function section(id: string, findings: ReportFinding[], extra: Partial<ReportSection> = {}): ReportSection {
  return { id, title: id.toUpperCase(), status: 'ok', summary: '', metrics: [], findings, tables: [], unavailable: [], durationMs: 1, ...extra };
}

test('groupFindings: three or more of one check become one block, worst first; fewer stay single', () => {
  const g = groupFindings([
    f('integrity.rule', 'info', 'a'),
    f('health.x', 'warning', 'x'),
    f('integrity.rule', 'warning', 'b'),
    f('integrity.rule', 'info', 'c'),
    f('health.y', 'info', 'y'),
  ]);
  assert.equal(g.length, 3);
  assert.equal(g[0]?.items.length, 3, 'the group (warning) leads');
  assert.equal(g[0]?.title, 'Rule (3)');
  assert.equal(groupFindings([f('integrity.rule-violation', 'info', 'a'), f('integrity.rule-violation', 'info', 'b'), f('integrity.rule-violation', 'info', 'c')])[0]?.title, 'Column rule violations (3)');
  assert.equal(groupFindings([f('indexes.fk-without-index', 'info', 'a'), f('indexes.fk-without-index', 'info', 'b'), f('indexes.fk-without-index', 'info', 'c')])[0]?.title, 'Foreign keys without an index (3)');
  assert.deepEqual(g[0]?.items.map((r) => r.index), [0, 2, 3], 'indexes are the section positions the host actions take');
  assert.equal(g[1]?.title, 'x');
  assert.equal(g[2]?.title, 'y');
});

test('topFindings: at most 10, errors before warnings before info, a group counts once', () => {
  const many = Array.from({ length: 26 }, (_, i) => f('integrity.rule-violation', 'warning', `col${i}`));
  const report = {
    sections: [
      section('health', [f('health.info', 'info', 'fyi'), f('health.cache', 'warning', 'cache low')]),
      section('integrity', many),
      section('indexes', Array.from({ length: 12 }, (_, i) => f(`indexes.k${i}`, i === 5 ? 'error' : 'warning', `idx${i}`))),
    ],
  };
  const top = topFindings(report);
  assert.equal(top.length, 10);
  assert.equal(top[0]?.group.title, 'idx5', 'the only error first');
  assert.equal(top[1]?.group.items.length, 26, 'then the warning that affects most objects, once');
  assert.ok(top.every((t) => t.group.severity !== 'info'), 'info only when nothing worse fills the list');
});

test('sections where all is well start collapsed', () => {
  assert.equal(sectionStartsOpen(section('a', [f('x', 'info', 'i')])), false);
  assert.equal(sectionStartsOpen(section('a', [f('x', 'warning', 'w')])), true);
  assert.equal(sectionStartsOpen(section('a', [], { error: 'boom' })), true);
});

test('tableLayout: at most 8 header cells, the rest in the row detail; numbers with units right-aligned', () => {
  const columns = Array.from({ length: 20 }, (_, i) => ({ key: `c${i}`, label: `C${i}` }));
  const row = Object.fromEntries(columns.map((c, i) => [c.key, i === 0 ? 'SELECT 1' : i === 1 ? '12.5 ms' : i === 2 ? '1,204' : 'x']));
  const l = tableLayout({ columns, rows: [row] });
  assert.equal(l.visible.length, 7);
  assert.equal(l.detail.length, 13);
  assert.ok(l.rightAligned.has('c1') && l.rightAligned.has('c2') && !l.rightAligned.has('c0') && !l.rightAligned.has('c3'));
  assert.equal(tableLayout({ columns: columns.slice(0, 8), rows: [] }).detail.length, 0);
  assert.ok(looksNumeric('99.1 %') && looksNumeric('3.4 GB') && looksNumeric(7) && !looksNumeric('v15') && !looksNumeric(''));
});

test('HTML export: "What to do first" before the sections, no table with more than 8 header cells', () => {
  const columns = Array.from({ length: 20 }, (_, i) => ({ key: i === 0 ? 'query' : `c${i}`, label: `C${i}` }));
  const rows = [Object.fromEntries(columns.map((c) => [c.key, c.key === 'query' ? 'SELECT * FROM t WHERE a = $1' : '1 ms']))];
  const sections = [section('queries', [f('queries.slow', 'warning', 'slow one')], { tables: [{ id: 't', title: 'Top', columns, rows, emptyText: '' }] })];
  const html = renderReportHtml({
    schemaVersion: 1, title: 'R', generatedAt: '2026-01-01T00:00:00Z', tool: { name: 'pgopt', version: '0' },
    connection: { name: 'c', target: 't', serverVersion: '15', database: 'd' }, capabilities: [], sections, summary: summarize(sections),
  });
  assert.ok(html.indexOf('What to do first') < html.indexOf('id="section-queries"'));
  for (const head of html.match(/<thead>[\s\S]*?<\/thead>/g) ?? []) assert.ok((head.match(/<th[\s>]/g) ?? []).length <= 8, head);
  assert.match(html, /<summary>13 more<\/summary>/);
});

test('charts: percent runs 0–100, a null breaks the line, one point is a dot', () => {
  const g = chartGeometry({ unit: 'percent', points: [[0, 99], [1, 99.5], [2, null], [3, 98], [4, 97]] }, 100, 50, 0);
  assert.deepEqual([g.yMin, g.yMax], [0, 100]);
  assert.equal(g.segments.length, 2);
  const single = chartGeometry({ unit: 'count', points: [[0, 5]] }, 100, 50);
  assert.equal(single.segments.length, 0);
  assert.equal(single.dots.length, 1);
});

test('trends: gaps longer than three median intervals become a null point; spans pick a bucket width', () => {
  const pts: [number, number | null][] = [[0, 1], [60, 1], [120, 1], [180, 1], [3600, 2], [3660, 2]];
  const out = markGaps(pts);
  assert.equal(out.length, 7);
  assert.equal(out[4]?.[1], null);
  assert.deepEqual(markGaps(pts.slice(0, 4)), pts.slice(0, 4));
  assert.equal(stepForSpan(10 * 60_000), 0);
  assert.equal(stepForSpan(7 * 24 * 3_600_000), 3_600_000);
});

test('text output: continuation lines keep their indent, cells stay on one line, "What to do first" on top', async () => {
  const { renderReportText } = await import('../../../src/core/report/renderText');
  const sections = [
    section('health', [{ id: 'h.x', severity: 'warning', title: 'two\nlines', detail: 'first\nsecond', action: 'do this\nthen that' }], {
      tables: [{ id: 't', title: 'T', columns: [{ key: 'query', label: 'Query' }], rows: [{ query: 'SELECT a,\n       b\nFROM t' }], emptyText: '' }],
    }),
  ];
  const text = renderReportText({
    schemaVersion: 1, title: 'R', generatedAt: 'now', tool: { name: 'pgopt', version: '0' },
    connection: { name: 'c', target: 't', serverVersion: '15', database: 'd' }, capabilities: [], sections, summary: summarize(sections),
  });
  const lines = text.split('\n');
  assert.ok(lines.includes('       second'), text);
  assert.ok(lines.includes('         then that'), text);
  assert.ok(lines.some((l) => l.trim() === 'SELECT a, b FROM t'), text);
  assert.ok(text.indexOf('What to do first:') < text.indexOf('== HEALTH'), text);
});

test('administration calls are neither Explain nor a migration: only copied', async () => {
  const { isAdminCall, isQueryStatement } = await import('../../../src/shared/protocol');
  for (const sql of ['SELECT pg_terminate_backend(4242);', "SELECT pg_drop_replication_slot('old_slot');", 'SELECT pg_wal_replay_resume();', 'select pg_cancel_backend(1)']) {
    assert.equal(isAdminCall(sql), true, sql);
    assert.equal(isQueryStatement(sql), false, sql);
  }
  assert.equal(isQueryStatement('SELECT * FROM health_data WHERE user_id = $1'), true);
  assert.equal(isAdminCall('SELECT count(*) FROM pg_stat_activity'), false);
});
