// EXPLAIN on a real Postgres: plain plans, ANALYZE of a write that is rolled back, multi-statement and
// syntax-error messages, generic plans of `$n` statements, plan analysis of real spills / misestimates /
// filters / heap fetches, and the hypothetical-index before/after with HypoPG (and without it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { probeCapabilities, type Capabilities } from '../../src/core/db/capabilities';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { CancelledError, DbSession } from '../../src/core/db/session';
import { ExplainError, explainStatement } from '../../src/core/explain/explain';
import { explainWithHypotheticalIndex, NoIndexFoundError } from '../../src/core/explain/hypotheticalExplain';
import { planToText } from '../../src/core/explain/planAnalysis';
import { loadParser } from '../../src/core/sql/parser';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let session: DbSession;
let caps: Capabilities;

before(async () => {
  await loadParser();
  db = await startTestPostgres();
  await db.exec(`
    CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region int NOT NULL);
    INSERT INTO customers SELECT g, 'c' || g, g % 10 FROM generate_series(1, 2000) g;
    CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, amount numeric NOT NULL);
    INSERT INTO orders (customer_id, status, amount) SELECT g % 2000 + 1, (ARRAY['new','paid','shipped'])[g % 3 + 1], g FROM generate_series(1, 100000) g;
    CREATE TABLE "Weird ""name"" <script>" (id int PRIMARY KEY, v text);
    -- correlated columns: the planner multiplies selectivities and underestimates badly
    CREATE TABLE corr (a int, b int);
    INSERT INTO corr SELECT g % 100, g % 100 FROM generate_series(1, 100000) g;
    CREATE TABLE ios (id int PRIMARY KEY, v int);
    INSERT INTO ios SELECT g, g FROM generate_series(1, 20000) g;
    ANALYZE;
    -- updated after VACUUM-less ANALYZE: the visibility map is not all-visible -> heap fetches
    UPDATE ios SET v = v + 1 WHERE id % 2 = 0;
  `);
  session = await DbSession.open(resolveUrl(db.url, nodeEnvAccess({}), 'test'), { analysis: { statementTimeoutMs: 20_000, lockTimeoutMs: 1_000 } });
  caps = await session.readOnly((q) => probeCapabilities(q));
});

after(async () => {
  await session?.close();
  await db?.stop();
});

test('plain EXPLAIN: FORMAT JSON, VERBOSE, SETTINGS in the read-only session, analysed', async () => {
  const run = await explainStatement(session, 'SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.amount > 99000;');
  assert.equal(run.mode, 'plan');
  assert.deepEqual(run.options, ['FORMAT JSON', 'VERBOSE', 'SETTINGS']);
  assert.equal(run.analysis.analyzed, false);
  assert.ok(run.analysis.nodes.length >= 3, `nodes: ${run.analysis.nodes.map((n) => n.label).join(' | ')}`);
  assert.ok(run.analysis.nodes.some((n) => n.label === 'Seq Scan on public.orders o'), run.analysis.nodes.map((n) => n.label).join(' | '));
  // VERBOSE gives Output lists; the exclusive costs add up to the root's total.
  assert.ok(run.analysis.nodes[0]?.details.some(([k]) => k === 'Output'));
  const sum = run.analysis.nodes.reduce((s, n) => s + n.exclusiveCost, 0);
  assert.ok(Math.abs(sum - run.analysis.totalCost) < 0.01 * run.analysis.totalCost, `${sum} vs ${run.analysis.totalCost}`);
  assert.equal(run.analysis.findings[0]?.kind, 'costliest');
  assert.match(planToText(run.analysis), /Seq Scan on public\.orders o/);
});

test('a hostile table name comes back verbatim (the webview escapes it)', async () => {
  const run = await explainStatement(session, 'SELECT * FROM "Weird ""name"" <script>" WHERE v = \'x\'');
  assert.ok(run.analysis.nodes.some((n) => n.label.includes('Weird "name" <script>')), run.analysis.nodes.map((n) => n.label).join(' | '));
});

test('EXPLAIN ANALYZE of a write runs in a transaction that is rolled back: the row is not there afterwards', async () => {
  const before = await session.readOnly((q) => q.query<{ n: number }>('SELECT count(*)::int AS n FROM customers'));
  const run = await explainStatement(session, `INSERT INTO customers VALUES (999999, 'ghost', 1)`, { analyzeConfirmed: true });
  assert.equal(run.mode, 'analyze-rolled-back');
  assert.ok(run.options.includes('ANALYZE') && run.options.includes('BUFFERS'));
  assert.equal(run.target.writes, 'it is an INSERT');
  assert.equal(run.analysis.analyzed, true);
  assert.ok(run.analysis.executionMs !== undefined);
  const rows = await session.readOnly((q) => q.query<{ n: number }>('SELECT count(*)::int AS n FROM customers WHERE id = 999999'));
  assert.equal(rows[0]?.n, 0, 'the inserted row was rolled back');
  const after = await session.readOnly((q) => q.query<{ n: number }>('SELECT count(*)::int AS n FROM customers'));
  assert.deepEqual(after, before);
  // The session is back to normal (not stuck in the writable transaction).
  await assert.rejects(session.readOnly((q) => q.query('DELETE FROM customers')), /read-only transaction/);
});

test('a data-modifying CTE and FOR UPDATE count as writes; ANALYZE of a DELETE CTE leaves the rows', async () => {
  const run = await explainStatement(session, 'WITH d AS (DELETE FROM orders WHERE id <= 10 RETURNING id) SELECT count(*) FROM d', { analyzeConfirmed: true });
  assert.equal(run.mode, 'analyze-rolled-back');
  assert.match(run.target.writes ?? '', /DELETE/);
  const [r] = await session.readOnly((q) => q.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE id <= 10'));
  assert.equal(r?.n, 10);
  const locking = await explainStatement(session, 'SELECT * FROM customers WHERE id = 1 FOR UPDATE', { analyzeConfirmed: true });
  assert.equal(locking.mode, 'analyze-rolled-back');
});

test('EXPLAIN ANALYZE of a read runs read-only and reports real spills, misestimates and filters', async () => {
  await session.client.query(`SET work_mem = '64kB'`);
  try {
    const sort = await explainStatement(session, 'SELECT * FROM orders ORDER BY amount DESC', { analyzeConfirmed: true });
    assert.equal(sort.mode, 'analyze');
    const sortNode = sort.analysis.nodes.find((n) => n.nodeType === 'Sort');
    assert.ok(sortNode && sortNode.spills.some((s) => /external/.test(s)), JSON.stringify(sortNode?.spills));
    assert.ok(sort.analysis.findings.some((f) => f.kind === 'spill'));
    assert.ok(sortNode.buffers, 'BUFFERS gives per-node buffers');
    await session.client.query('SET enable_mergejoin = off; SET max_parallel_workers_per_gather = 0');
    const hash = await explainStatement(session, 'SELECT count(*) FROM orders a JOIN orders b ON a.id = b.id', { analyzeConfirmed: true });
    const hashNode = hash.analysis.nodes.find((n) => n.nodeType === 'Hash');
    assert.ok(hashNode?.spills.some((s) => /Hash Batches: \d+/.test(s)), JSON.stringify(hash.analysis.nodes.map((n) => [n.label, n.spills])));
  } finally {
    await session.client.query('RESET work_mem; RESET enable_mergejoin; RESET max_parallel_workers_per_gather');
  }
  const mis = await explainStatement(session, 'SELECT * FROM corr WHERE a = 1 AND b = 1', { analyzeConfirmed: true });
  const scan = mis.analysis.nodes.find((n) => n.label.includes('corr'));
  assert.ok(scan?.misestimate, JSON.stringify(scan));
  assert.equal(scan.misestimate.direction, 'under');
  assert.ok(scan.misestimate.bucket >= 10);
  assert.equal(mis.analysis.biggestMisestimateNodeId, scan.id);
  assert.ok((scan.rowsRemovedByFilter ?? 0) > 90_000);
  assert.ok(mis.analysis.findings.some((f) => f.kind === 'filter' && f.nodeId === scan.id));
  assert.ok(mis.analysis.findings.some((f) => f.kind === 'misestimate'));
  // Exclusive times are never negative and the slowest node has the largest.
  const slowest = mis.analysis.nodes[mis.analysis.slowestNodeId ?? -1];
  assert.ok(slowest);
  for (const n of mis.analysis.nodes) assert.ok((n.exclusiveMs ?? 0) >= 0 && (n.exclusiveMs ?? 0) <= (slowest.exclusiveMs ?? 0));
});

test('heap fetches in an index-only scan are reported', async () => {
  await session.client.query('SET enable_seqscan = off; SET enable_bitmapscan = off');
  try {
    const run = await explainStatement(session, 'SELECT id FROM ios WHERE id < 5000', { analyzeConfirmed: true });
    const ios = run.analysis.nodes.find((n) => n.nodeType === 'Index Only Scan');
    assert.ok(ios, run.analysis.nodes.map((n) => n.label).join(' | '));
    assert.ok((ios.heapFetches ?? 0) > 0, `heap fetches ${ios.heapFetches}`);
    assert.ok(run.analysis.findings.some((f) => f.kind === 'heapFetches'));
  } finally {
    await session.client.query('RESET enable_seqscan; RESET enable_bitmapscan');
  }
});

test('more than one statement is rejected with a clear message, and nothing runs', async () => {
  await assert.rejects(explainStatement(session, 'SELECT 1; DELETE FROM customers', { analyzeConfirmed: true }), (e: unknown) => {
    assert.ok(e instanceof ExplainError);
    assert.match(e.message, /exactly one statement.*holds 2/);
    return true;
  });
  const [r] = await session.readOnly((q) => q.query<{ n: number }>('SELECT count(*)::int AS n FROM customers'));
  assert.equal(r?.n, 2000);
});

test('syntax errors and server errors say what and where', async () => {
  await assert.rejects(explainStatement(session, 'SELEC * FROM orders'), (e: unknown) => {
    assert.ok(e instanceof ExplainError);
    assert.match(e.message, /does not parse: syntax error at or near "SELEC" \(at character 1\)/);
    return true;
  });
  await assert.rejects(explainStatement(session, 'SELECT nope FROM orders'), (e: unknown) => {
    assert.ok(e instanceof ExplainError);
    assert.match(e.message, /EXPLAIN failed: column "nope" does not exist \(at character 8, line 1 of the statement\)/);
    return true;
  });
  await assert.rejects(explainStatement(session, 'CREATE TABLE x (id int)'), /EXPLAIN can only plan .*this statement is a CREATE statement/);
  await assert.rejects(explainStatement(session, 'EXPLAIN SELECT 1'), /already an EXPLAIN/);
  await assert.rejects(explainStatement(session, '  -- nothing\n'), /no SQL statement/);
  // The session still works after each failure.
  const run = await explainStatement(session, 'SELECT 1');
  assert.equal(run.analysis.nodes[0]?.nodeType, 'Result');
});

test('a normalised $n statement gets a generic plan; ANALYZE of it is refused', async () => {
  const text = `SELECT * FROM orders WHERE customer_id = $1 AND status = $2 AND id > $3 AND amount < $4 + extract($5 from now()) LIMIT $6`;
  const run = await explainStatement(session, text);
  assert.equal(run.mode, 'generic');
  assert.match(run.notes.join(' '), /Generic plan: \$1\.\.\$6/);
  assert.ok(run.analysis.nodes.some((n) => n.label.includes('orders')));
  const interval = await explainStatement(session, `SELECT count(*) FROM orders WHERE id > $1 AND now() - interval $2 < now()`);
  assert.equal(interval.mode, 'generic');
  await assert.rejects(explainStatement(session, text, { analyzeConfirmed: true }), /parameters \(\$1\.\.\$6\) without values/);
  // Nothing was left prepared in the backend.
  const prepared = await session.readOnly((q) => q.query('SELECT name FROM pg_prepared_statements'));
  assert.deepEqual(prepared, []);
});

test('cancel stops a running EXPLAIN ANALYZE', async () => {
  const controller = new AbortController();
  const started = Date.now();
  const p = explainStatement(session, 'SELECT pg_sleep(10)', { analyzeConfirmed: true, signal: controller.signal });
  setTimeout(() => controller.abort(), 300);
  await assert.rejects(p, (e: unknown) => e instanceof CancelledError);
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  await explainStatement(session, 'SELECT 1');
});

test('hypothetical index: the cost drops for a seeded missing index, side by side; nothing is left behind', async (t) => {
  if (!db.hasHypopg) return t.skip('HypoPG is not installed here');
  const sql = 'SELECT * FROM orders WHERE customer_id = 42';
  const cmp = await explainWithHypotheticalIndex(session, caps, sql, { kind: 'ddl', ddl: 'CREATE INDEX ON orders (customer_id);' });
  assert.equal(cmp.source, 'user');
  assert.ok(cmp.indexUsed, cmp.after.analysis.nodes.map((n) => n.label).join(' | '));
  assert.ok(cmp.costAfter < cmp.costBefore / 10, `${cmp.costBefore} -> ${cmp.costAfter}`);
  assert.ok(cmp.costChange < -0.9);
  assert.ok(cmp.sizeBytes > 0);
  assert.ok(cmp.before.analysis.nodes.some((n) => n.nodeType === 'Seq Scan'));
  const left = await session.readOnly((q) => q.query('SELECT * FROM hypopg()'));
  assert.deepEqual(left, [], 'hypopg_reset ran');

  const advised = await explainWithHypotheticalIndex(session, caps, 'SELECT * FROM orders WHERE customer_id = $1', { kind: 'advisor' });
  assert.equal(advised.source, 'advisor');
  assert.match(advised.indexDdl, /customer_id/);
  // The view shows the DDL once (its line says "recommended by the advisor"); no note repeats it.
  assert.ok(!advised.notes.some((n) => n.includes(advised.indexDdl)), advised.notes.join(' | '));
  assert.ok(advised.costAfter < advised.costBefore);

  const useless = await explainWithHypotheticalIndex(session, caps, sql, { kind: 'ddl', ddl: 'CREATE INDEX ON orders (status)' });
  assert.equal(useless.indexUsed, false);
  assert.match(useless.notes.join(' '), /does not use the hypothetical index/);

  await assert.rejects(explainWithHypotheticalIndex(session, caps, sql, { kind: 'ddl', ddl: 'DROP TABLE orders' }), /CREATE INDEX statement/);
  await assert.rejects(explainWithHypotheticalIndex(session, caps, sql, { kind: 'ddl', ddl: 'CREATE INDEX ON orders (nope)' }), /HypoPG could not create the hypothetical index: .*nope/);
});

test('the advisor finding no index is information (NoIndexFoundError), not a failure', async (t) => {
  if (!db.hasHypopg) return t.skip('HypoPG is not installed here');
  await assert.rejects(explainWithHypotheticalIndex(session, caps, 'SELECT * FROM customers WHERE id = 7', { kind: 'advisor' }), (e: unknown) => {
    assert.ok(e instanceof NoIndexFoundError, String(e));
    assert.match((e as Error).message, /found no index/);
    return true;
  });
});

test('without HypoPG the before/after says how to enable it', async () => {
  const url = await db.createDatabase('explain_nohypo');
  await db.exec('DROP EXTENSION IF EXISTS hypopg; CREATE TABLE t (a int);', 'explain_nohypo');
  const s = await DbSession.open(resolveUrl(url, nodeEnvAccess({}), 'nohypo'));
  try {
    const c = await s.readOnly((q) => probeCapabilities(q));
    await assert.rejects(explainWithHypotheticalIndex(s, c, 'SELECT * FROM t WHERE a = 1', { kind: 'ddl', ddl: 'CREATE INDEX ON t (a)' }), /HypoPG extension: .*CREATE EXTENSION hypopg/);
  } finally {
    await s.close();
  }
});
