// The pooler in brief inside Connections: only when a pooler admin URL is configured, the same model for every
// output (text, HTML, Markdown), the findings counted once (in the pooler section), hostile text escaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarize, type Report, type ReportSection } from '../../../src/core/report/model';
import { withPoolerInConnections } from '../../../src/core/report/subsections';
import { renderReportText } from '../../../src/core/report/renderText';
import { renderReportHtml } from '../../../src/core/report/renderHtml';
import { renderReportMarkdown } from '../../../src/core/report/renderMarkdown';

function section(id: string, title: string, more: Partial<ReportSection> = {}): ReportSection {
  return { id, title, status: 'ok', summary: `${title} summary`, metrics: [], findings: [], tables: [], unavailable: [], durationMs: 1, ...more };
}

const connections = section('connections', 'Connections and locks', {
  metrics: [
    { id: 'sessions', label: 'Sessions', value: 12, display: '12' },
    { id: 'pooler', label: 'Connection pooler', value: null, display: 'none noticed (best effort: application_name)' },
  ],
});

const configuredPooler = section('pooler', 'Connection pooler (PgBouncer)', {
  status: 'error',
  summary: 'PgBouncer 1.18, transaction pooling: 6 clients, 2 server connections, 4 waiting (longest 6 s).',
  metrics: [
    { id: 'pooler-clients', label: 'Client connections (pooler)', value: 6, display: '6' },
    { id: 'pooler-waiting', label: 'Clients waiting for a server connection (peak)', value: 4, display: '4', status: 'error' },
    { id: 'pooler-maxwait', label: 'Longest wait (maxwait)', value: 6, display: '6 s', status: 'error' },
    { id: 'pooler-servers', label: 'Server connections (pooler)', value: 2, display: '2' },
    { id: 'pooler-mode', label: 'Pool mode', value: 'transaction', display: 'transaction' },
  ],
  findings: [
    { id: 'pooler.session-state', severity: 'warning', title: 'The application keeps session state <script>x</script>', detail: '' },
    { id: 'pooler.clients-waiting', severity: 'error', title: '4 clients waiting for a server connection in pool app (user app)', detail: '' },
  ],
});

const unconfiguredPooler = section('pooler', 'Connection pooler (PgBouncer)', {
  summary: 'No connection pooler configured.',
  unavailable: [{ what: 'PgBouncer pools', because: 'no pooler admin URL is configured', toEnable: 'set "pooler": {"url": …}' }],
});

function reportOf(sections: ReportSection[]): Report {
  return {
    schemaVersion: 1, title: 'r', generatedAt: '2026-01-01T00:00:00Z', tool: { name: 'pgopt', version: '0' },
    connection: { name: 'c', target: 't', serverVersion: '16', database: 'd' }, capabilities: [], sections, summary: summarize(sections),
  };
}

test('a configured pooler appears in brief inside Connections: summary, key metrics, findings worst first, a link', () => {
  const out = withPoolerInConnections([connections, configuredPooler]);
  const c = out.find((s) => s.id === 'connections');
  const sub = c?.subsections?.[0];
  assert.ok(sub);
  assert.equal(sub.id, 'pooler');
  assert.equal(sub.sectionId, 'pooler');
  assert.equal(sub.status, 'error');
  assert.equal(sub.summary, configuredPooler.summary);
  assert.deepEqual(sub.metrics.map((m) => m.id), ['pooler-waiting', 'pooler-maxwait', 'pooler-servers', 'pooler-clients', 'pooler-mode']);
  assert.deepEqual(sub.findings.map((f) => f.severity), ['error', 'warning']);
  // Connections' best-effort guess gives way to the admin console.
  assert.match(String(c?.metrics.find((m) => m.id === 'pooler')?.display), /admin console/);
  // Counted once: the verdict and the counts come from the pooler section's findings only.
  assert.equal(c?.findings.length, 0);
  assert.deepEqual(summarize(out), summarize([connections, configuredPooler]));
  // Pure: the input is not changed; run twice, still one subsection.
  assert.equal(connections.subsections, undefined);
  assert.equal(withPoolerInConnections(out).find((s) => s.id === 'connections')?.subsections?.length, 1);
});

test('no pooler admin URL (or no pooler section, or no Connections): the sections are unchanged', () => {
  const plain = [connections, unconfiguredPooler];
  assert.equal(withPoolerInConnections(plain), plain);
  const onlyConnections = [connections];
  assert.equal(withPoolerInConnections(onlyConnections), onlyConnections);
  const onlyPooler = [configuredPooler];
  assert.equal(withPoolerInConnections(onlyPooler), onlyPooler);
});

test('a pooler whose admin console failed shows the failure in Connections and leaves the guess alone', () => {
  const failed = section('pooler', 'Connection pooler (PgBouncer)', { status: 'error', summary: 'This analyzer failed.', error: 'Cannot connect to "pooler": connection refused' });
  const c = withPoolerInConnections([connections, failed]).find((s) => s.id === 'connections');
  assert.equal(c?.subsections?.[0]?.error, failed.error);
  assert.match(c?.subsections?.[0]?.summary ?? '', /could not be read/);
  assert.deepEqual(c?.metrics, connections.metrics);
});

test('text, HTML and Markdown show the subsection inside Connections, escaped', () => {
  const report = reportOf(withPoolerInConnections([connections, configuredPooler]));
  const text = renderReportText(report);
  const conn = text.slice(text.indexOf('== Connections and locks'), text.indexOf('== Connection pooler'));
  assert.match(conn, /-- Connection pooler \(PgBouncer\) \[error\] — PgBouncer 1\.18/);
  assert.match(conn, /ERR  Clients waiting for a server connection \(peak\)\s+4/);
  assert.match(conn, /ERR  4 clients waiting for a server connection in pool app/);
  assert.match(conn, /details in the "Connection pooler \(PgBouncer\)" section/);

  const html = renderReportHtml(report);
  const connHtml = html.slice(html.indexOf('id="section-connections"'), html.indexOf('id="section-pooler"'));
  assert.match(connHtml, /<div class="subsection" id="subsection-pooler"><h3>Connection pooler \(PgBouncer\) <span class="badge error">/);
  assert.match(connHtml, /<a href="#section-pooler">Details in Connection pooler \(PgBouncer\)<\/a>/);
  assert.match(connHtml, /session state &lt;script&gt;x&lt;\/script&gt;/);
  assert.doesNotMatch(html, /<script>x/);

  const md = renderReportMarkdown(report);
  const connMd = md.slice(md.indexOf('## Connections and locks'), md.indexOf('\n## Connection pooler'));
  assert.match(connMd, /### Connection pooler \\\(PgBouncer\\\) — error/);
  assert.match(connMd, /\| Longest wait \\\(maxwait\\\) \| 6 s \| error \|/);
  assert.match(connMd, /&lt;script&gt;/);
});

test('Connections\' "a transaction-mode pooler would need far fewer" gives way to advice about the PgBouncer that was read', async () => {
  const { assessPool } = await import('../../../src/core/analyzers/connections/activity');
  const pool = assessPool({ limits: { maxConnections: 100, reserved: 3 } as never, sessions: 40, samples: [{ active: 2 }, { active: 3 }] as never, cpus: 2, applications: [] });
  const idle = pool.findings?.find((f) => f.id === 'connections.pool-mostly-idle');
  assert.match(idle?.title ?? '', /a transaction-mode pooler would need far fewer/);
  const conn = section('connections', 'Connections and locks', { status: 'info', metrics: pool.metrics ?? [], findings: pool.findings ?? [] });
  const withMode = (mode: string, servers = 2): ReportSection => ({
    ...configuredPooler,
    metrics: configuredPooler.metrics.map((m) => (m.id === 'pooler-mode' ? { ...m, value: mode, display: mode } : m.id === 'pooler-servers' ? { ...m, value: servers, display: String(servers) } : m)),
  });
  const advice = (p: ReportSection): ReportSection['findings'] => withPoolerInConnections([conn, p]).find((s) => s.id === 'connections')?.findings.filter((f) => f.id === 'connections.pool-mostly-idle') ?? [];

  const txn = advice(withMode('transaction'));
  assert.equal(txn.length, 1);
  assert.doesNotMatch(txn[0]?.title ?? '', /would need far fewer/);
  assert.match(txn[0]?.title ?? '', /^40 connections for at most 3 active at once, although PgBouncer runs transaction pooling$/);
  assert.match(txn[0]?.detail ?? '', /PgBouncer holds 2 server connections/);
  assert.match(txn[0]?.detail ?? '', /Evidence: 40 client sessions, 2 samples of pg_stat_activity: peak 3, .*max_connections 100 \(3 reserved\)/);
  assert.match(txn[0]?.action ?? '', /Route those clients through PgBouncer/);

  const session = advice(withMode('session'));
  assert.match(session[0]?.title ?? '', /PgBouncer runs session pooling, which keeps one server connection per client/);
  assert.match(session[0]?.action ?? '', /Switch pool_mode to transaction/);

  // Every server connection is the pooler's own (judged in its section): no advice in Connections.
  assert.deepEqual(advice(withMode('transaction', 40)), []);
  // The console could not be read: the original advice stays.
  const failed = section('pooler', 'Connection pooler (PgBouncer)', { status: 'error', error: 'refused' });
  assert.match(advice(failed)[0]?.title ?? '', /a transaction-mode pooler would need far fewer/);
  // No pooler configured: unchanged.
  assert.match(advice(unconfiguredPooler)[0]?.title ?? '', /a transaction-mode pooler would need far fewer/);
});
