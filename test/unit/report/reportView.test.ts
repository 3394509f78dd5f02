// The report webview (dist/webview.js) in headless Chromium at 1400 px: the first screen is "What to do first"
// with at most 10 ranked items, the navigator jumps to a section and opens it, sections where all is well
// start collapsed and expand on click, wide tables show at most 8 columns with the rest in a row detail
// (the statement formatted), no table is wider than the panel, repeated findings are one block, and
// hostile names stay text. Screenshots: test-results/report-view-*.png. Needs `node esbuild.mjs` and Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { summarize, type Report, type ReportFinding, type ReportSection } from '../../../src/core/report/model';
import { openReportViewPage, type ReportViewPage } from '../../harness/reportViewPage';

const ROOT = join(__dirname, '..', '..', '..', '..');
const RESULTS = join(ROOT, 'test-results');
const HOSTILE = 'x"><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

function section(id: string, title: string, findings: ReportFinding[], extra: Partial<ReportSection> = {}): ReportSection {
  const status = findings.some((f) => f.severity === 'error') ? 'error' : findings.some((f) => f.severity === 'warning') ? 'warning' : findings.length ? 'info' : 'ok';
  return { id, title, status, summary: `${title} summary.`, metrics: [], findings, tables: [], unavailable: [], durationMs: 12, ...extra };
}

function statementsTable(): ReportSection['tables'][number] {
  const keys = ['query', 'calls', 'total', 'share', 'mean', 'stddev', 'max', 'rows', 'hit', 'shared_read', 'shared_hit', 'shared_written', 'local', 'temp', 'io', 'wal', 'slow', 'queryid', 'user', 'db'];
  const columns = keys.map((k) => ({ key: k, label: k === 'query' ? 'Query' : k.replace('_', ' ') }));
  const rows = Array.from({ length: 15 }, (_, i) =>
    Object.fromEntries(
      keys.map((k) => [
        k,
        k === 'query'
          ? `SELECT u.id, u.email, count(*) AS n, avg(h.value) FROM users u JOIN health_data h ON h.user_id = u.id WHERE h.data_type = $1 AND h.recorded_at > now() - interval '7 days' GROUP BY u.id, u.email ORDER BY n DESC LIMIT ${i + 10}`
          : k === 'user'
            ? HOSTILE
            : `${(i + 1) * 13.5} ms`,
      ]),
    ),
  );
  return { id: 'top-total', title: 'Top statements by total time', columns, rows, emptyText: '' };
}

function report(): Report {
  const now = Date.UTC(2026, 11, 6, 12);
  const points: [number, number | null][] = Array.from({ length: 11 }, (_, i) => [now + i * 60_000, 99 + (i % 3) * 0.3]);
  const sections: ReportSection[] = [
    section('health', 'Health', [
      { id: 'health.cache', severity: 'warning', title: 'Table cache hit ratio is 91 %', detail: 'Below 99 %.', action: 'Raise shared_buffers.' },
      { id: 'health.version', severity: 'info', title: 'PostgreSQL 15.18', detail: 'Supported.' },
    ], { metrics: [{ id: 'm', label: 'Cache hit ratio', value: 91, display: '91 %', status: 'warning' }] }),
    section('indexes', 'Indexes', Array.from({ length: 4 }, (_, i) => ({ id: `indexes.recommend-${i}`, severity: 'warning' as const, title: `Index on health_data (col${i})`, detail: `Saves ${40 - i} % of the workload.`, sql: `CREATE INDEX CONCURRENTLY IF NOT EXISTS "health_data_col${i}_idx" ON "public"."health_data" ("col${i}");` }))),
    section('queries', 'Slow queries', [{ id: 'queries.slow', severity: 'warning', title: 'Slow statement', detail: 'Mean 120 ms.', sql: 'SELECT * FROM health_data WHERE user_id = $1' }], { tables: [statementsTable()] }),
    section('connections', 'Connections', []),
    section('caching', 'Caching', []),
    section('integrity', 'Integrity', Array.from({ length: 26 }, (_, i) => ({ id: 'integrity.rule-violation', severity: 'warning' as const, title: `${HOSTILE}.col${i}: 3 rows break the rule`, detail: 'Sampled 1,000 rows.', action: 'Fix the rows, then add the constraint.', sql: `ALTER TABLE "t" ADD CONSTRAINT "c${i}" CHECK (col${i} > 0) NOT VALID;` }))),
    section('constraints', 'Constraints', [{ id: 'constraints.not-valid', severity: 'error', title: 'users_email_check is NOT VALID and 44 rows would fail', detail: 'VALIDATE would fail.' }]),
    section('trends', 'Trends', [], {
      summary: '11 snapshots over 10 min.',
      tables: [{ id: 'trend-summary', title: 'All stored snapshots', columns: [{ key: 'metric', label: 'Metric' }, { key: 'latest', label: 'Latest', numeric: true }], rows: [{ metric: 'Cache hit ratio', latest: '99.6 %', chart: 'cache_hit_pct' }], emptyText: '' }],
      charts: [{ id: 'cache_hit_pct', label: 'Cache hit ratio', unit: 'percent', kind: 'gauge', points }],
    }),
  ];
  return {
    schemaVersion: 1,
    title: 'Postgres Optimizer report — healthmate',
    generatedAt: new Date(now).toISOString(),
    tool: { name: 'pgopt', version: '0.1.0' },
    connection: { name: 'demo', target: 'postgres@127.0.0.1:5432/healthmate', serverVersion: '15.18', database: 'healthmate' },
    capabilities: [{ name: 'HypoPG', status: 'ok', detail: 'usable' }],
    sections,
    summary: summarize(sections),
  };
}

let view: ReportViewPage;

before(async () => {
  view = await openReportViewPage(ROOT);
  mkdirSync(RESULTS, { recursive: true });
});
after(async () => {
  await view?.close();
});

test('streamed sections show at once, with the ones still running named', async () => {
  const r = report();
  await view.post({ type: 'showReport', report: { ...r, sections: r.sections.slice(0, 1), summary: summarize(r.sections.slice(0, 1)) }, pending: ['Indexes', 'Slow queries'] });
  const { page } = view;
  assert.equal(await page.locator('#section-health').count(), 1);
  assert.equal(await page.locator('vscode-collapsible.pending').count(), 2);
  assert.match((await page.locator('nav.section-nav').textContent()) ?? '', /Indexes …/);
});

test('while sections stream in, no navigator entry moves (a click lands where the user aimed)', async () => {
  const r = report();
  const { page } = view;
  const boxes = async (): Promise<string[]> =>
    page.locator('nav.section-nav > .nav-item').evaluateAll((els) => els.map((e) => {
      const b = e.getBoundingClientRect();
      return `${Math.round(b.x)},${Math.round(b.y)},${Math.round(b.width)}`;
    }));
  let first: string[] | undefined;
  for (let done = 1; done <= r.sections.length; done++) {
    const sections = r.sections.slice(0, done);
    await view.post({ type: 'showReport', report: { ...r, sections, summary: summarize(sections) }, pending: r.sections.slice(done).map((x) => x.title) });
    const now = await boxes();
    assert.equal(now.length, r.sections.length + 1, 'First plus one entry per section, finished or pending');
    first ??= now;
    assert.deepEqual(now, first, `after ${done} section(s)`);
  }
  // A title cut short in its cell is still there in full as the entry's tooltip.
  assert.equal(await page.locator('nav.section-nav a[data-section="queries"]').getAttribute('title'), 'Slow queries');
});

test('first screen, navigator, collapse, grouping, row detail and width at 1400 px', async () => {
  await view.post({ type: 'showReport', report: report() });
  const { page } = view;
  assert.equal(await page.locator('vscode-collapsible.pending').count(), 0);
  // What to do first: ≤ 10 ranked items, the error first, the 26 integrity findings as one item.
  const items = page.locator('#first li.first-item');
  const n = await items.count();
  assert.ok(n > 0 && n <= 10, `${n} items`);
  assert.match((await items.first().textContent()) ?? '', /NOT VALID and 44 rows/);
  assert.equal(await page.locator('#first li.first-item', { hasText: 'Column rule violations (26)' }).count(), 1);
  const firstBox = await page.locator('#first').boundingBox();
  assert.ok(firstBox && firstBox.y < 900, 'What to do first is on the first screen');
  await page.screenshot({ path: join(RESULTS, 'report-view-first-screen.png') });

  // Sections where all is well start collapsed; others open.
  assert.equal(await page.locator('#section-connections').getAttribute('open'), null);
  assert.notEqual(await page.locator('#section-health').getAttribute('open'), null);

  // The navigator jumps to a collapsed section and opens it.
  await page.locator('nav.section-nav a', { hasText: 'Caching' }).click();
  await page.waitForTimeout(100);
  assert.notEqual(await page.locator('#section-caching').getAttribute('open'), null);
  const top = await page.locator('#section-caching').evaluate((e) => e.getBoundingClientRect().top);
  assert.ok(top >= 0 && top < 200, `the section is at the top of the view (${top})`);

  // Collapse / expand by the heading.
  await page.locator('#section-caching').evaluate((e) => e.removeAttribute('open'));
  assert.equal(await page.locator('#section-caching').getAttribute('open'), null);

  // One block for 26 findings of one check.
  assert.equal(await page.locator('#section-integrity .finding.group').count(), 1);
  assert.equal(await page.locator('#section-integrity li.group-item').count(), 26);

  // The 20-column table: 8 header cells at most (expander + 7), the rest in the row detail.
  const headers = await page.locator('#section-queries table.grid thead th').count();
  assert.ok(headers <= 8, `${headers} header cells`);
  await page.locator('#section-queries tr.data-row').first().locator('button.expander').click();
  const detail = page.locator('#section-queries tr.detail-row');
  assert.equal(await detail.count(), 1);
  const sql = (await detail.locator('pre.sql').textContent()) ?? '';
  assert.ok(sql.split('\n').length > 3, `formatted over several lines: ${sql}`);
  assert.match((await detail.textContent()) ?? '', /shared written/);
  await detail.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(RESULTS, 'report-view-row-detail.png') });

  // No table wider than the panel.
  const widths = await page.locator('table.grid').evaluateAll((ts) => ts.map((t) => Math.round(t.getBoundingClientRect().right)));
  const panel = (await page.evaluate('document.documentElement.clientWidth')) as number;
  for (const w of widths) assert.ok(w <= panel, `a table ends at ${w} px, the panel at ${panel} px`);

  // Sparkline beside the trend row; hostile text stays text.
  assert.equal(await page.locator('#section-trends svg.sparkline polyline').count(), 1);
  assert.equal(await page.evaluate('window.__pwned'), undefined);
  assert.equal(await page.locator('#root img, #root script').count(), 0);

  // A button of the first screen posts the finding action the host handles.
  await page.locator('#first li.first-item', { hasText: 'Index on health_data (col0)' }).locator('vscode-button', { hasText: 'Create Migration' }).click();
  const posted = (await page.evaluate('window.__fromWebview')) as { type: string; sectionId?: string; findingIndex?: number }[];
  assert.ok(posted.some((m) => m.type === 'findingAction' && m.sectionId === 'indexes' && m.findingIndex === 0), JSON.stringify(posted));
});

test('a section the user opened stays open when the report streams in again without it at first', async () => {
  const { page } = view;
  const full = report();
  await view.post({ type: 'showReport', report: full });
  await page.locator('nav.section-nav a', { hasText: 'Trends' }).click();
  assert.notEqual(await page.locator('#section-trends').getAttribute('open'), null);
  const partial = { ...full, sections: full.sections.slice(0, 2), summary: summarize(full.sections.slice(0, 2)) };
  await view.post({ type: 'showReport', report: partial, pending: ['Slow queries'] });
  assert.equal(await page.locator('#section-trends').count(), 0);
  await view.post({ type: 'showReport', report: full });
  assert.notEqual(await page.locator('#section-trends').getAttribute('open'), null, 'still open after the refresh');
  assert.equal(await page.locator('#section-connections').getAttribute('open'), null, 'the others keep their default');
});
