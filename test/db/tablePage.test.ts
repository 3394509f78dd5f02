// The page about one table (pgopt analyze --table, "Analyze Table") against a real server with a real
// workload: scans, dead rows after updates, the statements touching it, advice scoped to it, and the CLI.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { runAdvisor } from '../../src/core/advisor/advisor';
import { buildTableReport, parseTableArg, TableNotFoundError } from '../../src/core/analyzers/table/tableReport';
import { probeCapabilities } from '../../src/core/db/capabilities';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import type { Report, ReportSection } from '../../src/core/report/model';
import { renderReportHtml } from '../../src/core/report/renderHtml';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
let db: TestPostgres;
let session: DbSession;
let report: Report;

async function query<T>(sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

function sectionOf(r: Report, id: string): ReportSection {
  const s = r.sections.find((x) => x.id === id);
  assert.ok(s, `section ${id}`);
  assert.equal(s.error, undefined, s.error);
  return s;
}

function metric(s: ReportSection, id: string): number {
  const m = s.metrics.find((x) => x.id === id);
  assert.ok(m, `metric ${id} in ${s.id}`);
  return m.value as number;
}

before(async () => {
  db = await startTestPostgres();
  await db.exec(`
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, total numeric NOT NULL)
      WITH (autovacuum_enabled = false);
    INSERT INTO orders SELECT g, g % 5000, 'new', g % 100 FROM generate_series(1, 50000) g;
    CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL) WITH (autovacuum_enabled = false);
    INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 30000) g;
    ANALYZE orders; ANALYZE customers;
    SELECT pg_stat_statements_reset();
  `);
  const c = new pg.Client({ connectionString: db.url, application_name: 'table-page-workload' });
  await c.connect();
  for (let i = 0; i < 20; i++) await c.query('SELECT id, total FROM orders WHERE customer_id = $1', [i]);
  for (let i = 1; i <= 15; i++) await c.query('SELECT status FROM orders WHERE id = $1', [i]);
  for (let i = 0; i < 20; i++) await c.query('SELECT id FROM customers WHERE email = $1', [`c${i}@example.com`]);
  await c.query(`UPDATE orders SET status = 'paid' WHERE id <= 4000`);
  await c.query('SELECT pg_stat_force_next_flush()');
  await c.end();
  session = await DbSession.open(resolveUrl(db.url, nodeEnvAccess({}), 'table-page-test'));
  // Statistics are flushed when the workload's backend exits: wait until they show.
  for (let i = 0; i < 100; i++) {
    const [r] = await query<{ n: number }>(`SELECT coalesce(n_tup_upd, 0)::int AS n FROM pg_stat_user_tables WHERE relname = 'orders'`);
    if ((r?.n ?? 0) >= 4000) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  report = await buildTableReport(session, { table: { schema: 'public', name: 'orders' } });
});

after(async () => {
  await session?.close();
  await db?.stop();
});

test('the page is about the table: scans, HOT updates and dead rows as the server counts them', async (tc) => {
  assert.deepEqual(report.table, { schema: 'public', name: 'orders' });
  assert.deepEqual(
    report.sections.map((s) => s.id),
    ['table', 'indexes', 'workload', 'advice', 'constraints', 'integrity'],
  );
  const t = sectionOf(report, 'table');
  tc.diagnostic(t.metrics.map((m) => `${m.label}: ${m.display}`).join(' | '));
  tc.diagnostic(report.sections.map((s) => `${s.id} ${s.durationMs} ms`).join(', '));
  const [server] = await query<{ seq_scan: number; idx_scan: number; n_dead_tup: number; n_tup_upd: number; n_tup_hot_upd: number }>(
    `SELECT seq_scan::int, idx_scan::int, n_dead_tup::int, n_tup_upd::int, n_tup_hot_upd::int FROM pg_stat_user_tables WHERE relname = 'orders'`,
  );
  assert.ok(server);
  // 20 statements filter on customer_id (no index): sequential; 15 look up the primary key.
  assert.ok(metric(t, 'seq-scans') >= 20, `seq scans ${metric(t, 'seq-scans')}`);
  assert.ok(metric(t, 'idx-scans') >= 15, `idx scans ${metric(t, 'idx-scans')}`);
  // Read before the later sections (integrity samples the table), so at most what the server counts now.
  assert.ok(metric(t, 'seq-scans') <= server.seq_scan, `${metric(t, 'seq-scans')} <= ${server.seq_scan}`);
  assert.ok(metric(t, 'idx-scans') <= server.idx_scan, `${metric(t, 'idx-scans')} <= ${server.idx_scan}`);
  assert.equal(metric(t, 'writes'), 50000 + server.n_tup_upd);
  assert.equal(server.n_tup_upd, 4000);
  assert.equal(metric(t, 'hot-ratio'), server.n_tup_hot_upd / 4000);
  assert.ok(metric(t, 'dead-tuples') > 0 && metric(t, 'dead-tuples') <= 4000, `dead ${metric(t, 'dead-tuples')}`);
  // Later reads of the table may prune pages (fewer dead rows counted), never add dead rows.
  assert.ok(metric(t, 'dead-tuples') >= server.n_dead_tup, `${metric(t, 'dead-tuples')} >= ${server.n_dead_tup}`);
  // Autovacuum thresholds: 50 + 0.2 × 50,000 rows.
  assert.equal(metric(t, 'vacuum-threshold'), 50 + 0.2 * 50000);
  assert.ok(metric(t, 'total-size') > metric(t, 'table-size') && metric(t, 'table-size') > 2_000_000);
  assert.ok(t.tables.find((x) => x.id === 'bloat')?.rows.some((r) => r.relation === 'orders'), 'a bloat estimate for the table');
  const ix = sectionOf(report, 'indexes').tables.find((x) => x.id === 'indexes');
  assert.deepEqual(
    ix?.rows.map((r) => r.index),
    ['orders_pkey'],
  );
  assert.ok((ix?.rows[0]?.scans as number) >= 15);
  // Constraints: this table's only (the unscoped section lists customers_pkey too).
  const cons = sectionOf(report, 'constraints').tables.find((x) => x.id === 'constraints-all')?.rows ?? [];
  assert.deepEqual(cons.filter((r) => r.kind === 'primary key' || /pkey/.test(String(r.name))).map((r) => r.name), ['orders_pkey']);
  assert.ok(cons.every((r) => r.table === 'public.orders'), JSON.stringify(cons));
});

test('workload: the statements on this table with their share of its time; none on other tables', () => {
  const w = sectionOf(report, 'workload');
  const rows = w.tables.find((x) => x.id === 'statements')?.rows ?? [];
  const texts = rows.map((r) => String(r.query));
  assert.ok(texts.some((q) => /customer_id = \$1/.test(q)), texts.join('\n'));
  assert.ok(texts.some((q) => /WHERE id = \$1/.test(q)), texts.join('\n'));
  assert.ok(texts.some((q) => /^UPDATE orders/.test(q)), texts.join('\n'));
  assert.ok(!texts.some((q) => /customers/.test(q)), texts.join('\n'));
  const shares = rows.map((r) => Number(String(r.share).replace(/[^\d.]/g, '')));
  assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 100) < 1, `shares add up to 100 %: ${shares.join(', ')}`);
});

test('advice: an index for the statement on this table; none on the other table, which the unscoped advisor would index', async () => {
  const a = sectionOf(report, 'advice');
  const titles = a.findings.map((f) => `${f.title} ${f.sql ?? ''}`);
  assert.ok(titles.some((x) => /orders/.test(x) && /customer_id/.test(x)), titles.join('\n'));
  assert.ok(!titles.some((x) => /customers|email/.test(x)), titles.join('\n'));
  const caps = await session.readOnly((q) => probeCapabilities(q));
  const all = await session.readOnly((q) => runAdvisor(q, caps, {}));
  assert.ok(
    all.recommendations.some((r) => r.table === 'customers'),
    `the unscoped advisor recommends on customers: ${all.recommendations.map((r) => r.sql).join('; ')}`,
  );
});

test('a table that does not exist is one sentence; a hostile name stays inert', async () => {
  await assert.rejects(buildTableReport(session, { table: { schema: 'public', name: 'nope' } }), (e: Error) => e instanceof TableNotFoundError && /table "public"\."nope" does not exist/.test(e.message));
  const hostile = parseTableArg(`public."orders""; DROP TABLE orders; --"`);
  assert.deepEqual(hostile, { schema: 'public', name: 'orders"; DROP TABLE orders; --' });
  await assert.rejects(buildTableReport(session, { table: hostile! }), (e: Error) => e instanceof TableNotFoundError && e.message.includes('"orders""; DROP TABLE orders; --"'));
  const [r] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM orders`);
  assert.equal(r?.n, 50000);
});

test('a table whose name is markup: the page is built and its HTML keeps the name as text', async () => {
  const name = '<img src=x onerror=alert(1)>';
  await db.exec(`CREATE TABLE "${name}" (id int PRIMARY KEY); INSERT INTO "${name}" SELECT generate_series(1, 10); ANALYZE "${name}";`);
  const r = await buildTableReport(session, { table: { schema: 'public', name } });
  assert.deepEqual(r.table, { schema: 'public', name });
  assert.deepEqual(sectionOf(r, 'indexes').tables[0]?.rows.map((x) => x.index), [`${name}_pkey`]);
  const html = renderReportHtml(r);
  assert.ok(!html.includes('<img'), 'no raw markup from the table name');
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
});

test('pgopt analyze --table: unknown table is exit 2 with one sentence; --format json has table and sections', () => {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && k !== 'DATABASE_URL'));
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: clean, timeout: 120_000 });
  const bad = run(['analyze', '--url', db.url, '--table', 'public.nope']);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /table "public"\."nope" does not exist/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  const j = run(['analyze', '--url', db.url, '--table', 'orders', '--format', 'json']);
  assert.ok(j.status === 0 || j.status === 1, j.stderr);
  const out = JSON.parse(j.stdout) as Report;
  assert.deepEqual(out.table, { schema: 'public', name: 'orders' });
  assert.ok(out.sections.find((s) => s.id === 'table')?.metrics.some((m) => m.id === 'seq-scans'));
  const text = run(['analyze', '--url', db.url, '--table', 'public.orders']);
  assert.match(text.stdout, /Sequential scans/);
});
