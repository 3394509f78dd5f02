// The tool never reads its own footprints as the user's workload (issue 12, item 2). A real server with
// pg_stat_statements.track = all (the harness sets it); the application runs as its own role `app`, pgopt
// (the real CLI) as the superuser, so every pg_stat_statements entry of the superuser in this database is
// pgopt's. Three rounds of snapshot + advise + analyze, with application work in between, must leave no
// statement of pgopt in the report's top statements, in What got slower or in `advise --format json`, must
// not add the advisor's plans to the application's calls, and must mark every statement pgopt sends.
// A role that may not turn pg_stat_statements.track off still works and still marks everything.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { sendUnmarked } from '../../src/core/db/markedClient';
import { openClient } from '../../src/core/db/connect';
import { DbSession } from '../../src/core/db/session';
import { isToolStatement, toolStatementCondition } from '../../src/core/sql/toolStatements';
import { HEALTHMATE_QUERIES } from '../../scripts/healthmate/workload';
import { APP_TEXTS, OLD_TOOL_TEXTS } from '../fixtures/toolStatementTexts';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
const MARKED = /^\/\* pgopt \*\//;
let db: TestPostgres;
let url: string;
let admin: pg.Client;
const tmp = mkdtempSync(join(tmpdir(), 'pgopt-footprint-'));

function pgopt(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && k !== 'DATABASE_URL'));
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { cwd: tmp, env: clean });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function appWorkload(rounds: number): Promise<void> {
  const c = new pg.Client({ connectionString: db.server.urlFor('footprint', 'app') });
  await c.connect();
  try {
    for (let i = 0; i < rounds; i++) {
      await c.query('SELECT id, status, total FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20', [1 + (i % 500)]);
      await c.query(`SELECT count(*) FROM orders WHERE status = $1 AND created_at > now() - interval '2 days'`, [i % 2 ? 'open' : 'shipped']);
      await c.query('SELECT id, region FROM customers WHERE lower(email) = $1', [`c${i % 500}@example.com`]);
      if (i % 5 === 0) await c.query('UPDATE customers SET region = $1 WHERE id = $2', [i % 3 ? 'eu' : 'us', 1 + (i % 500)]);
    }
  } finally {
    await c.end();
  }
}

interface Entry {
  query: string;
  role: string;
  calls: number;
}

async function entries(): Promise<Entry[]> {
  const r = await admin.query<{ query: string; role: string; calls: string }>(
    `SELECT s.query, r.rolname AS role, s.calls::text AS calls FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
      WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = 'footprint')`,
  );
  return r.rows.map((x) => ({ query: x.query, role: x.role, calls: Number(x.calls) }));
}

before(async () => {
  db = await startTestPostgres();
  url = await db.createDatabase('footprint');
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
  // The test's own statements stay out of pg_stat_statements, so that every superuser entry is pgopt's.
  await admin.query(`SET pg_stat_statements.track = 'none'`);
  await admin.query(`
    CREATE ROLE app LOGIN;
    CREATE ROLE tool LOGIN;
    GRANT pg_read_all_stats TO tool;
    CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, region text);
    CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, total numeric NOT NULL, created_at timestamptz NOT NULL);
    INSERT INTO customers SELECT g, 'c' || g || '@example.com', CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END FROM generate_series(1, 500) g;
    INSERT INTO orders (customer_id, status, total, created_at)
      SELECT 1 + g % 500, CASE WHEN g % 10 = 0 THEN 'open' ELSE 'shipped' END, g % 100, now() - (g % 1000) * interval '1 hour' FROM generate_series(1, 60000) g;
    ANALYZE;
    GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA public TO app;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO tool;
    SELECT pg_stat_statements_reset();`);
  await appWorkload(200);
});

after(async () => {
  await admin?.end().catch(() => undefined);
  await db?.stop();
});

test('the SQL spelling and the JavaScript spelling of the predicate agree, in the server', async () => {
  const texts = [...OLD_TOOL_TEXTS, ...APP_TEXTS, ...HEALTHMATE_QUERIES.map((q) => q.sql), '/* pgopt */ SELECT 1'];
  const r = await admin.query<{ t: string; tool: boolean }>(`SELECT t, ${toolStatementCondition('t')} AS tool FROM unnest($1::text[]) AS t`, [texts]);
  for (const row of r.rows) assert.equal(row.tool, isToolStatement(row.t), row.t);
  assert.equal(r.rows.filter((x) => x.tool).length, OLD_TOOL_TEXTS.length + 1);
});

test('three rounds of snapshot + advise + analyze as the superuser: no statement of pgopt reaches any report, calls are the application’s', async () => {
  const store = join(tmp, 'snapshots.sqlite');
  let afterRound2 = 0;
  for (let round = 1; round <= 3; round++) {
    const s1 = await pgopt(['snapshot', '--url', url, '--store', store]);
    assert.ok(s1.status === 0 || s1.status === 1, s1.stderr);
    const adv = await pgopt(['advise', '--url', url, '--format', 'json']);
    assert.equal(adv.status, 0, adv.stderr);
    const appCalls = new Map((await entries()).filter((e) => e.role === 'app').map((e) => [e.query, e.calls]));
    const out = JSON.parse(adv.stdout) as {
      recommendations: { sql: string; queries: { sql: string; calls: number }[] }[];
      workload: { skipped: { sql: string }[]; toolStatementsLeftOut?: number; statementTracking?: string };
    };
    assert.equal(out.workload.statementTracking, 'paused');
    assert.ok(out.recommendations.length > 0, 'the advisor recommends something for orders.customer_id');
    for (const rec of out.recommendations) {
      for (const q of rec.queries) {
        assert.ok(appCalls.has(q.sql), `round ${round}: ${q.sql} is an application statement`);
        assert.ok(q.calls <= (appCalls.get(q.sql) ?? 0), `round ${round}: ${q.calls} calls counted for ${q.sql}, the application made ${appCalls.get(q.sql)}`);
      }
    }
    for (const s of out.workload.skipped) assert.ok(!isToolStatement(s.sql), s.sql);
    if (round > 1) assert.ok((out.workload.toolStatementsLeftOut ?? 0) > 0, 'the left-out count is reported');

    await appWorkload(60);
    const s2 = await pgopt(['snapshot', '--url', url, '--store', store]);
    assert.ok(s2.status === 0 || s2.status === 1, s2.stderr);
    const an = await pgopt(['analyze', '--url', url, '--format', 'json', '--store', store]);
    assert.ok(an.status === 0 || an.status === 1, an.stderr);
    const report = JSON.parse(an.stdout) as {
      sections: { id: string; error?: string; metrics: { id: string; value: unknown }[]; findings: { id: string; title: string; sql?: string }[]; tables: { id: string; rows: Record<string, unknown>[] }[] }[];
    };
    const section = (id: string) => {
      const s = report.sections.find((x) => x.id === id);
      assert.ok(s, id);
      assert.equal(s.error, undefined, s.error);
      return s;
    };
    const queries = section('queries');
    const top = queries.tables.find((t) => t.id === 'statements')?.rows ?? [];
    assert.ok(top.length > 0);
    assert.deepEqual([...new Set(top.map((r) => r.user))], ['app'], `round ${round}: top statements of pgopt: ${top.filter((r) => r.user !== 'app').map((r) => r.query).join(' | ')}`);
    assert.ok(Number(queries.metrics.find((m) => m.id === 'tool-statements')?.value) > 0, 'the queries section says how many were left out');
    for (const f of queries.findings) assert.ok(!f.sql || !isToolStatement(f.sql), f.title);
    const appTexts = [...appCalls.keys()];
    const deltas = section('query-deltas');
    const deltaTexts = [...deltas.tables.flatMap((t) => t.rows.map((r) => String(r.query))), ...deltas.findings.flatMap((f) => (f.sql ? [f.sql] : []))];
    for (const t of deltaTexts) assert.ok(appTexts.some((a) => a.startsWith(t.replace(/…$/, ''))), `round ${round}: What got slower lists ${t}`);
    for (const f of deltas.findings) assert.ok(!/pgopt|EXPLAIN|DO \$/.test(f.title), f.title);
    const caching = section('caching');
    for (const t of caching.tables) for (const r of t.rows) if (typeof r.query === 'string') assert.ok(!isToolStatement(r.query), r.query);
    if (round === 2) afterRound2 = (await entries()).length;
  }
  const all = await entries();
  const mine = all.filter((e) => e.role !== 'app');
  assert.deepEqual(mine.filter((e) => !MARKED.test(e.query)).map((e) => e.query), [], 'every statement pgopt sent carries the marker');
  // Stable texts: a third round adds (almost) no entries. Before the marker work, one advise run added
  // hundreds (a PREPARE name and a DO block text per batch).
  assert.ok(all.length - afterRound2 <= 5, `round 3 added ${all.length - afterRound2} entries`);
});

test('after them: the marker is kept by pg_stat_statements, error positions stay those of the text sent, the runner’s way around it is unmarked', async () => {
  const spec = resolveUrl(url, nodeEnvAccess({}), 'footprint', 'test');
  const session = await DbSession.open(spec);
  try {
    await assert.rejects(
      session.readOnly((q) => q.query('SELECT id FROM no_such_table_fp')),
      (e: { position?: string }) => e.position === '16',
    );
    await session.readOnly((q) => q.query('SELECT count(*) FROM customers WHERE region = $1', ['eu']));
  } finally {
    await session.close();
  }
  const c = await openClient(spec);
  try {
    await sendUnmarked(c, 'SELECT count(*) FROM orders WHERE total > 99');
  } finally {
    await c.end();
  }
  const all = await entries();
  assert.ok(all.some((e) => MARKED.test(e.query) && e.query.includes('customers WHERE region')), 'a marked entry');
  assert.ok(all.some((e) => e.query.startsWith('SELECT count(*) FROM orders WHERE total >')), 'the unmarked one');
});

test('a role that may not turn pg_stat_statements.track off: advise and analyze still work, say so, and mark every statement', async () => {
  await admin.query('SELECT pg_stat_statements_reset()');
  const toolUrl = db.server.urlFor('footprint', 'tool');
  const adv = await pgopt(['advise', '--url', toolUrl, '--format', 'json']);
  assert.equal(adv.status, 0, adv.stderr);
  const out = JSON.parse(adv.stdout) as { workload: { statementTracking?: string } };
  assert.equal(out.workload.statementTracking, 'not-allowed');
  const text = await pgopt(['advise', '--url', toolUrl]);
  assert.match(text.stdout, /may not turn it off/);
  const an = await pgopt(['analyze', '--url', toolUrl, '--format', 'json', '--sections', 'queries,integrity,indexes']);
  assert.ok(an.status === 0 || an.status === 1, an.stderr);
  const report = JSON.parse(an.stdout) as { sections: { id: string; error?: string; unavailable: { what: string }[] }[] };
  for (const s of report.sections) assert.equal(s.error, undefined, `${s.id}: ${s.error}`);
  assert.ok(report.sections.find((s) => s.id === 'indexes')?.unavailable.some((u) => /pg_stat_statements/.test(u.what)));
  // With track = all, even the statements nested in EXPLAIN and in the what-if batches carry the marker;
  // the one statement HypoPG itself runs inside hypopg_create_index cannot, and is recognised by its shape.
  const unmarked = (await entries()).filter((e) => e.role === 'tool' && !MARKED.test(e.query)).map((e) => e.query);
  assert.deepEqual(unmarked.filter((q) => q !== 'SELECT max(oid) FROM pg_catalog.pg_class WHERE oid < $1'), []);
  assert.ok(unmarked.every(isToolStatement));
});
