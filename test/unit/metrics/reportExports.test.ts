// The exports a user mails or pastes: HTML (self-contained), Markdown and JSON, with the Trends section
// built from stored snapshots. Hostile database strings must come out inert in every format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteSnapshotStore } from '../../../src/core/metrics/sqliteSnapshotStore';
import { buildTrends, TREND_RANGES } from '../../../src/core/metrics/trends';
import { buildTrendsSection } from '../../../src/core/metrics/trendsSection';
import { summarize, type Report, type ReportSection } from '../../../src/core/report/model';
import { renderReportHtml } from '../../../src/core/report/renderHtml';
import { escapeMarkdown, renderReportMarkdown } from '../../../src/core/report/renderMarkdown';
import { isToHost, isToWebview } from '../../../src/shared/protocol';
import { makeSnapshot } from './fakeSnapshot';

const HOSTILE = `<img src=x onerror="alert(1)"> [click](https://evil.example/x) | **b** \`\`\` <script src="https://evil.example/a.js"></script>`;
const T0 = Date.UTC(2026, 10, 1);

function reportWith(sections: ReportSection[]): Report {
  const hostileSection: ReportSection = {
    id: 'health',
    title: `Health ${HOSTILE}`,
    status: 'warning',
    summary: HOSTILE,
    metrics: [{ id: 'm', label: HOSTILE, value: 1, display: HOSTILE, status: 'warning' }],
    findings: [{ id: 'f', severity: 'warning', title: HOSTILE, detail: HOSTILE, action: HOSTILE, sql: `SELECT 1; -- \`\`\`\n${HOSTILE}` }],
    tables: [{ id: 't', title: HOSTILE, columns: [{ key: 'a', label: HOSTILE }, { key: 'n', label: 'n', numeric: true }], rows: [{ a: HOSTILE, n: 3 }], emptyText: '' }],
    unavailable: [{ what: HOSTILE, because: HOSTILE, toEnable: HOSTILE }],
    durationMs: 1,
  };
  const all = [hostileSection, ...sections];
  return {
    schemaVersion: 1,
    title: `Report ${HOSTILE}`,
    generatedAt: '2026-11-01T00:00:00.000Z',
    tool: { name: 'pgopt', version: '0.1.0' },
    connection: { name: HOSTILE, target: HOSTILE, serverVersion: '15.8', database: HOSTILE },
    capabilities: [{ name: HOSTILE, status: 'unavailable', detail: HOSTILE }],
    sections: all,
    summary: summarize(all),
  };
}

function trendsSection(): ReportSection {
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-exp-'));
  const store = openSqliteSnapshotStore(join(dir, 's.sqlite'));
  try {
    for (let i = 0; i < 12; i++) store.add(HOSTILE, makeSnapshot(T0 + i * 300_000, { commits: i * 10, connections: 2 + (i % 3), cache_hit_pct: 99.5 }));
    return buildTrendsSection(TREND_RANGES.map((r) => buildTrends(store, HOSTILE, r.id)));
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('trends section: one row per metric with data, counter totals, and a clear note when nothing is stored', () => {
  const s = trendsSection();
  const rows = s.tables[0]?.rows ?? [];
  const commits = rows.find((r) => r.metric === 'Commits (per interval)');
  assert.equal(commits?.change, '110');
  assert.equal(commits?.samples, 11);
  // The default range is the stored snapshots' span (55 minutes here), not 24 h with the data in one corner.
  assert.match(s.summary, /^12 snapshots over 55 min\.$/);
  assert.doesNotMatch(s.summary, /editor/);
  assert.equal(s.charts?.find((c) => c.id === 'commits')?.points.length, 11);
  const conns = rows.find((r) => r.metric === 'Connections');
  assert.deepEqual([conns?.min, conns?.max, conns?.latest], ['2', '4', '4']);
  const empty = buildTrendsSection([]);
  assert.equal(empty.tables.length, 0);
  assert.match(empty.unavailable[0]?.toEnable ?? '', /Take Snapshot/);
});

test('exported HTML is self-contained: no script, no external src/href, no external CSS, hostile values escaped', () => {
  const html = renderReportHtml(reportWith([trendsSection()]));
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<img/i);
  // Database text is escaped, so every real tag is ours: none may load anything.
  const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
  assert.ok(tags.length > 20);
  // Links only within the document (the navigator and "What to do first" jump to anchors).
  assert.deepEqual(tags.filter((t) => /\s(src|srcset|action|formaction)\s*=/i.test(t) || /\shref\s*=\s*"(?!#)/i.test(t)), [], 'no src attribute and no href leaving the page');
  assert.deepEqual(tags.filter((t) => /^<(link|script|img|iframe|object|embed|base)\b/i.test(t)), [], 'no external stylesheet or script');
  assert.doesNotMatch(html, /@import|url\(/i, 'no CSS import or url()');
  assert.ok(html.includes('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'));
  assert.match(html, /<details class="section" id="section-trends"/);
  assert.match(html, /Commits/);
  // Trends as static charts: inline SVG, one per metric with data.
  assert.ok((html.match(/<svg class="chart"/g) ?? []).length >= 3);
});

test('Markdown export: hostile values cannot inject HTML, links, tables or close the SQL fence', () => {
  const md = renderReportMarkdown(reportWith([trendsSection()]));
  // Code blocks show SQL verbatim (inert by definition); everything outside them must be escaped.
  const prose = md.replace(/^ *(`{3,})sql\n[\s\S]*?\n *\1$/gm, '');
  assert.ok(prose.length < md.length, 'the SQL block was found');
  assert.doesNotMatch(prose, /<img|<script/i);
  assert.doesNotMatch(prose, /\]\(https?:/, 'no live Markdown link');
  assert.ok(md.includes(escapeMarkdown(HOSTILE)));
  // Every table row keeps its column count: an escaped | does not split a cell.
  for (const line of md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---'))) {
    const cells = line.replace(/\\\|/g, '').split('|').length - 2;
    assert.ok(cells >= 2 && cells <= 7, line);
  }
  // The SQL fence is longer than the backtick run inside it.
  assert.match(md, /````sql\n/);
  assert.match(md, /## Trends — ok/);
  assert.match(md, /\| Commits \\\(per interval\\\) \|/);
});

test('JSON export round-trips the report including the trends section', () => {
  const r = reportWith([trendsSection()]);
  const back = JSON.parse(JSON.stringify(r)) as Report;
  assert.deepEqual(back, r);
  assert.equal(back.sections.at(-1)?.id, 'trends');
});

test('protocol: markdown export and showTrends are accepted, malformed ones refused', () => {
  assert.ok(isToHost({ type: 'export', format: 'markdown' }));
  assert.ok(!isToHost({ type: 'export', format: 'pdf' }));
  assert.ok(isToWebview({ type: 'showTrends', trends: [] }));
  assert.ok(!isToWebview({ type: 'showTrendz' }));
});
