import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, renderReportHtml } from '../../src/core/report/renderHtml';
import { renderReportText } from '../../src/core/report/renderText';
import { renderReportMarkdown } from '../../src/core/report/renderMarkdown';
import { summarize, timingsLine, type Report } from '../../src/core/report/model';
import { formatBytes, formatDuration, formatPercent } from '../../src/core/format';
import { isQueryStatement, isToHost, isToWebview } from '../../src/shared/protocol';

const HOSTILE = `<script>alert("x")</script>'"&`;

function hostileReport(): Report {
  const sections: Report['sections'] = [
    {
      id: 'health',
      title: 'Health',
      status: 'warning',
      summary: `1 problem in ${HOSTILE}`,
      metrics: [{ id: 'm', label: HOSTILE, value: 1, display: HOSTILE }],
      findings: [{ id: 'f', severity: 'warning', title: `Index ${HOSTILE}`, detail: HOSTILE, action: HOSTILE, sql: `DROP INDEX "${HOSTILE}";` }],
      tables: [{ id: 't', title: HOSTILE, columns: [{ key: 'a', label: HOSTILE }], rows: [{ a: HOSTILE }], emptyText: '' }],
      unavailable: [{ what: HOSTILE, because: HOSTILE, toEnable: HOSTILE }],
      durationMs: 1,
    },
  ];
  return {
    schemaVersion: 1,
    title: `Report ${HOSTILE}`,
    generatedAt: '2026-01-01T00:00:00.000Z',
    tool: { name: 'pgopt', version: '0.1.0' },
    connection: { name: HOSTILE, target: HOSTILE, serverVersion: '15', database: HOSTILE },
    capabilities: [{ name: HOSTILE, status: 'unavailable', detail: HOSTILE }],
    sections,
    summary: summarize(sections),
  };
}

test('escapeHtml escapes all five special characters', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('HTML report: hostile strings are inert, no script, no external resource', () => {
  const html = renderReportHtml(hostileReport());
  assert.doesNotMatch(html, /<script/i);
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
  assert.doesNotMatch(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i, 'no external resources');
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
});

test('text report lists findings, unavailable pieces and the summary line', () => {
  const text = renderReportText(hostileReport());
  assert.match(text, /WARN Index /);
  assert.match(text, /n\/a .* unavailable because/);
  assert.match(text, /Summary: 0 error\(s\), 1 warning\(s\), 0 info — status warning/);
});

test('the footer of every rendering gives each analyzer its time, from report.timings (or the sections without it)', () => {
  const sections = hostileReport().sections;
  const report: Report = {
    ...hostileReport(),
    sections: [...sections, { ...sections[0]!, id: 'indexes', title: 'Indexes', durationMs: 1432 }],
    timings: [
      { analyzer: 'health', title: `Health ${HOSTILE}`, ms: 87 },
      { analyzer: 'indexes', title: 'Indexes', ms: 1432 },
    ],
  };
  const line = `Analyzer times: Health ${HOSTILE} 87 ms · Indexes 1.4 s — 1.5 s in all`;
  assert.equal(timingsLine(report), line);
  assert.ok(renderReportText(report).trimEnd().endsWith(line), 'the text report ends with it');
  assert.match(renderReportHtml(report), /<footer class="meta timings">Analyzer times: Health &lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;&#39;&quot;&amp; 87 ms · Indexes 1\.4 s — 1\.5 s in all<\/footer>/);
  const md = renderReportMarkdown(report);
  assert.match(md, /_Analyzer times: Health .* 87 ms · Indexes 1\\\.4 s — 1\\\.5 s in all_\n$/, 'Markdown: its specials escaped');
  assert.doesNotMatch(md.split('\n').at(-2) ?? '', /<script>/, 'escaped in Markdown');
  // Without a timings list (a table page), the sections' own durations.
  const { timings: _t, ...noTimings } = report;
  assert.equal(timingsLine(noTimings), `Analyzer times: Health 1 ms · Indexes 1.4 s — 1.4 s in all`);
  assert.equal(timingsLine({ sections: [] }), '');
  assert.doesNotMatch(renderReportHtml({ ...noTimings, sections: [] }), /timings/);
});

test('summary counts failed sections as errors', () => {
  const s = summarize([{ ...hostileReport().sections[0]!, findings: [], error: 'boom' }]);
  assert.deepEqual(s, { errors: 1, warnings: 0, infos: 0, status: 'error' });
});

test('formatting helpers', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1536), '1.5 kB');
  assert.equal(formatBytes(5 * 1024 ** 3), '5.0 GB');
  assert.equal(formatPercent(0.98765, 2), '98.77 %');
  assert.equal(formatDuration(90061), '1 d 1 h');
  assert.equal(formatDuration(61), '1 min 1 s');
  assert.equal(formatBytes(null), 'unknown');
});

test('protocol guards accept only well-formed messages', () => {
  assert.ok(isToHost({ type: 'ready' }));
  assert.ok(isToHost({ type: 'copySql', sql: 'x' }));
  assert.ok(!isToHost({ type: 'copySql', sql: 1 }));
  assert.ok(!isToHost({ type: 'export', format: 'pdf' }));
  assert.ok(!isToHost({ type: 'runSql', sql: 'DROP TABLE x' }));
  assert.ok(!isToHost(null));
  assert.ok(isToHost({ type: 'findingAction', action: 'explain', sectionId: 'queries', findingIndex: 0 }));
  assert.ok(!isToHost({ type: 'findingAction', action: 'apply', sectionId: 'indexes', findingIndex: 0 }), 'no write action from the webview');
  assert.ok(!isToHost({ type: 'findingAction', action: 'explain', sectionId: 'queries', findingIndex: -1 }));
  assert.ok(!isToHost({ type: 'findingAction', action: 'explain', sectionId: 'queries', findingIndex: 1.5 }));
  assert.ok(isQueryStatement('  (SELECT 1)') && isQueryStatement('with x as (select 1) select * from x') && isQueryStatement('UPDATE t SET a = 1'));
  assert.ok(!isQueryStatement('CREATE INDEX CONCURRENTLY i ON t (a)') && !isQueryStatement('ALTER TABLE t VALIDATE CONSTRAINT c'));
  assert.ok(isToWebview({ type: 'progress', running: true, message: '' }));
  assert.ok(!isToWebview({ type: 'evil' }));
});
