// The index advisor on a real Postgres with HypoPG: a focused fixture driven by a workload file (weights
// make it deterministic), HealthMate small with its real workload through pg_stat_statements, a database
// without HypoPG (degraded mode) and the `pgopt advise` binary.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runAdvisor, type AdvisorResult } from '../../src/core/advisor/advisor';
import { fillGroupByConstants, parseWorkloadFile, rewriteTypedPlaceholders } from '../../src/core/advisor/workload';
import { probeCapabilities } from '../../src/core/db/capabilities';
import { openReadOnlyLanes } from '../../src/core/db/readOnlyLanes';
import type { DbSession } from '../../src/core/db/session';
import { createHealthMate } from '../../scripts/healthmate/generate';
import { runWorkload } from '../../scripts/healthmate/workload';
import { adviseOn, withAdvisorSession } from '../harness/advise';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let fixtureUrl: string;
const tmp = mkdtempSync(join(tmpdir(), 'pgopt-advise-'));
const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

const FIXTURE = `
  CREATE TABLE accounts (id serial PRIMARY KEY, email text NOT NULL, is_active boolean NOT NULL, region int NOT NULL, created_at timestamptz NOT NULL);
  INSERT INTO accounts (email, is_active, region, created_at)
    SELECT 'User' || g || '@example.com', g % 50 = 0, g % 200, now() - (g || ' minutes')::interval FROM generate_series(1, 50000) g;
  CREATE TABLE events (id serial PRIMARY KEY, account_id int NOT NULL, kind int NOT NULL, created_at timestamptz NOT NULL, payload text);
  INSERT INTO events (account_id, kind, created_at, payload)
    SELECT g % 5000, g % 20, now() - (g || ' seconds')::interval, repeat('x', 40) FROM generate_series(1, 200000) g;
  CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, amount numeric);
  INSERT INTO orders (customer_id, status, amount) SELECT g % 3000, (ARRAY['new','paid','shipped'])[g % 3 + 1], g FROM generate_series(1, 60000) g;
  CREATE INDEX orders_customer_status_idx ON orders (customer_id, status);
  CREATE TABLE logs_quiet (id serial PRIMARY KEY, tag int NOT NULL, msg text);
  CREATE TABLE logs_busy (id serial PRIMARY KEY, tag int NOT NULL, msg text);
  INSERT INTO logs_quiet (tag, msg) SELECT g % 1000, 'm' FROM generate_series(1, 30000) g;
  INSERT INTO logs_busy (tag, msg) SELECT g % 1000, 'm' FROM generate_series(1, 30000) g;
  ANALYZE;
`;

const WORKLOAD = `
-- weight: 500
SELECT id, kind, created_at FROM events WHERE account_id = $1 AND created_at > now() - interval $2 ORDER BY created_at DESC;
-- weight: 300
SELECT id, email FROM accounts WHERE lower(email) = lower($1);
-- weight: 200
SELECT id, email FROM accounts WHERE region = $1 AND is_active = true;
-- weight: 400
SELECT id, amount FROM orders WHERE customer_id = $1;
-- weight: 100
SELECT id, msg FROM logs_quiet WHERE tag = $1;
-- weight: 100
SELECT id, msg FROM logs_busy WHERE tag = $1;
-- weight: 20000000
INSERT INTO logs_busy (tag, msg) VALUES ($1, $2);
-- weight: 10
CREATE TABLE not_planned (id int);
`;

const withSession = <T>(url: string, fn: (s: DbSession) => Promise<T>): Promise<T> => withAdvisorSession(url, 'advisor-test', fn);
const advise = (url: string, opts: Parameters<typeof runAdvisor>[2]): Promise<AdvisorResult> => adviseOn(url, 'advisor-test', opts);

before(async () => {
  db = await startTestPostgres();
  fixtureUrl = await db.createDatabase('advisor_fixture');
  await db.exec(FIXTURE, 'advisor_fixture');
});

after(async () => {
  await db?.stop();
});

test('rewriteTypedPlaceholders turns typed-literal placeholders into casts, outside quotes only', () => {
  assert.equal(rewriteTypedPlaceholders(`SELECT 1 WHERE t > now() - interval $2 AND d = date $1`), `SELECT 1 WHERE t > now() - $2::interval AND d = $1::date`);
  assert.equal(rewriteTypedPlaceholders(`SELECT 'interval $2', timestamp with time zone $3`), `SELECT 'interval $2', $3::timestamp with time zone`);
  assert.equal(rewriteTypedPlaceholders(`SELECT extract($2 FROM age(d))`), `SELECT date_part($2::text, age(d))`);
  assert.equal(
    fillGroupByConstants(`SELECT date_trunc($2, ts) AS d, count(*) FROM t WHERE a = $1 GROUP BY date_trunc('day', ts)`),
    `SELECT date_trunc('day', ts) AS d, count(*) FROM t WHERE a = $1 GROUP BY date_trunc('day', ts)`,
  );
  const w = parseWorkloadFile(`-- weight: 5\nSELECT 1 FROM t WHERE a = 1;\nSELECT 1 FROM t WHERE a = 2;\nINSERT INTO t VALUES (1), (2)`);
  assert.equal(w.length, 2, 'same fingerprint merged');
  assert.equal(w[0]!.calls, 6);
  assert.equal(w[1]!.rows, 2);
  // A weight comment counts for the next statement only (the last one before it wins); one inside a statement does not.
  const ws = parseWorkloadFile(`-- intro\n-- weight: 3\nSELECT 1 FROM t WHERE a = 1 /* weight: 99 */ AND b = 2;\n/* weight: 7 */ -- weight: 8\nSELECT 1 FROM t WHERE c = 1;\nSELECT 1 FROM t WHERE d = 1;`);
  assert.deepEqual(
    ws.map((s) => s.calls),
    [3, 8, 1],
  );
});

test('workload file: seeded missing indexes found, covering index suppresses, write-heavy table gets none', async (t) => {
  const r = await advise(fixtureUrl, { workloadText: WORKLOAD });
  t.diagnostic(`fixture: ${r.durationMs} ms, ${r.explains} EXPLAINs, cost ${Math.round(r.totalCostBefore)} -> ${Math.round(r.totalCostAfter)}`);
  for (const rec of r.recommendations) t.diagnostic(`${rec.priority} ${rec.sql} share=${(rec.benefitShare * 100).toFixed(1)}% size=${rec.sizeBytes}`);
  assert.equal(r.verified, true);
  // The interval statement is planned, not skipped; the DDL is skipped with a reason.
  assert.ok(!r.skipped.some((s) => /interval/.test(s.sql)), JSON.stringify(r.skipped));
  assert.ok(r.skipped.some((s) => /CREATE TABLE not_planned/.test(s.sql) && /not planned/.test(s.reason)));
  const on = (table: string) => r.recommendations.filter((x) => x.table === table);
  const events = on('events');
  assert.equal(events.length, 1);
  assert.deepEqual(events[0]!.columns.slice(0, 2), ['account_id', 'created_at']);
  assert.match(events[0]!.sql, /^CREATE INDEX CONCURRENTLY IF NOT EXISTS "events_account_id_created_at_idx" ON "public"\."events" \("account_id", "created_at"\);$/);
  assert.equal(events[0]!.priority, 'high');
  assert.ok(events[0]!.queries[0]!.before > 10 * events[0]!.queries[0]!.after);
  assert.ok((events[0]!.sizeBytes ?? 0) > 1_000_000);
  const accounts = on('accounts');
  assert.ok(accounts.some((x) => x.columns[0] === 'lower(email)' && /\(lower\("email"\)\)/.test(x.sql)), JSON.stringify(accounts));
  const regional = accounts.find((x) => x.columns[0] === 'region');
  assert.ok(regional, 'an index for the region/is_active query');
  assert.equal(regional.where, '"is_active"', 'a partial index for the constant predicate');
  assert.ok(!accounts.some((x) => x.columns[0] === 'is_active'), 'no index led by a boolean');
  // orders (customer_id) is covered by (customer_id, status).
  assert.equal(on('orders').length, 0);
  assert.ok(r.suppressed.some((s) => s.coveredBy === 'orders_customer_status_idx'));
  // Same read traffic, but logs_busy takes 20M inserts: only logs_quiet gets an index.
  assert.equal(on('logs_quiet').length, 1);
  assert.equal(on('logs_busy').length, 0);
  // Shares add up to the total reduction.
  const sum = r.recommendations.reduce((a, x) => a + x.benefit, 0);
  assert.ok(Math.abs(sum - (r.totalCostBefore - r.totalCostAfter)) <= 0.01 * r.totalCostBefore);
});

// Greedy's classic trap (max coverage): (c) serves q2 and q3 and is the best single pick, but once it is
// chosen the second pick can only add q1 or q4; (a) + (b) serve all four. Every column is unique, so any
// index on a filtered column makes a statement cheap.
const SWAP_FIXTURE = `
  CREATE TABLE swap_t (id serial PRIMARY KEY, a int NOT NULL, b int NOT NULL, c int NOT NULL, pad text);
  INSERT INTO swap_t (a, b, c, pad) SELECT g, (g * 7) % 200003, (g * 13) % 200003, repeat('p', 30) FROM generate_series(1, 200000) g;
  ANALYZE swap_t;
`;
const SWAP_WORKLOAD = `
-- weight: 100
SELECT id FROM swap_t WHERE a = 5;
-- weight: 110
SELECT id FROM swap_t WHERE a = 6 AND c = 7;
-- weight: 110
SELECT id FROM swap_t WHERE b = 8 AND c = 9;
-- weight: 100
SELECT id FROM swap_t WHERE b = 10;
`;

test('improvement swaps: a swap beats pure greedy on a max-coverage trap', async (t) => {
  const url = await db.createDatabase('advisor_swap');
  await db.exec(SWAP_FIXTURE, 'advisor_swap');
  const greedy = await advise(url, { workloadText: SWAP_WORKLOAD, maxIndexes: 2, swaps: false });
  const swapped = await advise(url, { workloadText: SWAP_WORKLOAD, maxIndexes: 2 });
  t.diagnostic(`greedy: ${greedy.recommendations.map((r) => r.columns.join(',')).join(' + ')} -> ${Math.round(greedy.totalCostAfter)}`);
  t.diagnostic(`swaps (${swapped.swaps}): ${swapped.recommendations.map((r) => r.columns.join(',')).join(' + ')} -> ${Math.round(swapped.totalCostAfter)}`);
  assert.equal(greedy.swaps, 0);
  assert.equal(greedy.recommendations[0]!.columns[0], 'c', 'greedy picks the index that serves two statements first');
  assert.ok(swapped.swaps >= 1);
  assert.deepEqual(swapped.recommendations.map((r) => r.columns[0]).sort(), ['a', 'b']);
  assert.ok(swapped.totalCostAfter < 0.5 * greedy.totalCostAfter, `${swapped.totalCostAfter} vs ${greedy.totalCostAfter}`);
});

const DOCS_FIXTURE = `
  CREATE TABLE docs (id serial PRIMARY KEY, owner int NOT NULL, tags text[] NOT NULL, data jsonb NOT NULL, title text NOT NULL, body text) WITH (autovacuum_enabled = off);
  INSERT INTO docs (owner, tags, data, title, body)
    SELECT g % 1000, ARRAY['t' || (g % 500), 'x' || (g % 7)], jsonb_build_object('k', g % 300, 'kind', 'a' || (g % 11)), md5(g::text), repeat('b', 200)
    FROM generate_series(1, 100000) g;
  CREATE TABLE docs_indexed (id serial PRIMARY KEY, data jsonb NOT NULL);
  INSERT INTO docs_indexed (data) SELECT jsonb_build_object('k', g % 300) FROM generate_series(1, 50000) g;
  CREATE INDEX docs_indexed_data ON docs_indexed USING gin (data);
`;

test('GIN for jsonb containment (jsonb_path_ops) and array overlap; covering INCLUDE when an index-only scan wins', async (t) => {
  const url = await db.createDatabase('advisor_docs');
  await db.exec(DOCS_FIXTURE, 'advisor_docs');
  // All-visible (no autovacuum snapshot racing it), so index-only scans are costed as such.
  {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      let visible = 0;
      for (let i = 0; i < 20 && visible === 0; i++) {
        await c.query('VACUUM ANALYZE docs');
        visible = (await c.query<{ v: number }>(`SELECT relallvisible AS v FROM pg_class WHERE relname = 'docs'`)).rows[0]!.v;
        if (!visible) await new Promise((res) => setTimeout(res, 250));
      }
      t.diagnostic(`docs: ${visible} all-visible pages`);
    } finally {
      await c.end();
    }
  }
  const r = await advise(url, {
    workloadText: `
-- weight: 200
SELECT id FROM docs WHERE data @> '{"k": 5}';
-- weight: 100
SELECT id FROM docs WHERE tags && ARRAY['t7', 't8'];
-- weight: 300
SELECT title FROM docs WHERE owner = 5;
-- weight: 100
SELECT id FROM docs_indexed WHERE data @> '{"k": 7}';
`,
  });
  for (const rec of r.recommendations) t.diagnostic(`${rec.verified ? 'verified' : 'unverified'} ${rec.kind} ${rec.sql} ${rec.queries.map((x) => `${x.before} -> ${x.after}`).join(', ')}`);
  const jsonGin = r.recommendations.find((x) => x.method === 'gin' && x.columns[0] === 'data');
  assert.ok(jsonGin, 'a GIN recommendation for the containment query');
  assert.equal(jsonGin.table, 'docs');
  assert.equal(jsonGin.opclass, 'jsonb_path_ops', 'only @> is used: the smaller opclass');
  assert.match(jsonGin.sql, /ON "public"\."docs" USING gin \("data" jsonb_path_ops\);$/);
  // HypoPG 1.3 cannot simulate GIN: labelled, with how to verify.
  assert.equal(jsonGin.verified, false);
  assert.match(jsonGin.unverifiedReason ?? '', /HypoPG cannot simulate GIN.*--scratch-whatif/);
  const arrayGin = r.recommendations.find((x) => x.method === 'gin' && x.columns[0] === 'tags');
  assert.ok(arrayGin, 'a GIN recommendation for the array overlap');
  assert.equal(arrayGin.opclass, undefined);
  // The existing GIN index (jsonb_ops serves @>) suppresses the second table's candidate.
  assert.ok(!r.recommendations.some((x) => x.table === 'docs_indexed'));
  assert.ok(r.suppressed.some((x) => x.coveredBy === 'docs_indexed_data'));
  // owner = 5 reads 100 rows of a wide table: (owner) INCLUDE (title) allows an index-only scan and beats (owner).
  const owner = r.recommendations.filter((x) => x.columns[0] === 'owner');
  assert.equal(owner.length, 1, JSON.stringify(owner.map((x) => x.sql)));
  assert.deepEqual(owner[0]!.include, ['title']);
  assert.equal(owner[0]!.verified, true);
  assert.match(owner[0]!.sql, /\("owner"\) INCLUDE \("title"\);$/);
  assert.equal(owner[0]!.kind, 'covering');
  assert.ok(owner[0]!.queries[0]!.after < 0.05 * owner[0]!.queries[0]!.before, `index-only scan cost ${owner[0]!.queries[0]!.after}`);
});

/** runAdvisor with the scratch engine: a writable transaction block on its own connection, always rolled back. */
async function adviseScratch(url: string, opts: Parameters<typeof runAdvisor>[2]): Promise<{ r: AdvisorResult; leftInside: number; leftAfter: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const q = { query: async <R extends object>(sql: string, params?: unknown[]): Promise<R[]> => (await c.query<R>(sql, params)).rows };
  const count = async (): Promise<number> => Number((await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_class WHERE relname LIKE 'pgopt_scratch%'`)).rows[0]!.n);
  try {
    await c.query('BEGIN');
    try {
      const caps = await probeCapabilities(q);
      const r = await runAdvisor(q, caps, { ...opts, scratchConsent: true });
      const leftInside = await count();
      return { r, leftInside, leftAfter: await c.query('ROLLBACK').then(count) };
    } finally {
      await c.query('ROLLBACK').catch(() => undefined);
    }
  } finally {
    await c.end();
  }
}

test('scratch what-if engine: same direction as HypoPG on the seeded missing index, verifies GIN, leaves nothing behind', async (t) => {
  const hypo = await advise(fixtureUrl, { workloadText: WORKLOAD });
  const { r, leftInside, leftAfter } = await adviseScratch(fixtureUrl, { workloadText: WORKLOAD });
  t.diagnostic(`scratch: ${r.durationMs} ms, cost ${Math.round(r.totalCostBefore)} -> ${Math.round(r.totalCostAfter)}; hypopg: ${Math.round(hypo.totalCostBefore)} -> ${Math.round(hypo.totalCostAfter)}`);
  assert.equal(r.whatIf, 'scratch');
  assert.equal(hypo.whatIf, 'hypopg');
  const events = r.recommendations.find((x) => x.table === 'events');
  const hypoEvents = hypo.recommendations.find((x) => x.table === 'events');
  assert.ok(events && hypoEvents);
  assert.deepEqual(events.columns.slice(0, 2), hypoEvents.columns.slice(0, 2));
  assert.equal(events.verified, true);
  const q = events.queries[0]!;
  const hq = hypoEvents.queries.find((x) => x.id === q.id)!;
  assert.ok(q.after < q.before / 10 && hq.after < hq.before / 10, `scratch ${q.before} -> ${q.after}, hypopg ${hq.before} -> ${hq.after}`);
  assert.ok(r.totalCostAfter < 0.5 * r.totalCostBefore);
  assert.equal(leftInside, 0, 'every scratch index dropped before returning');
  assert.equal(leftAfter, 0);

  // GIN, which HypoPG cannot simulate, is verified by the scratch engine.
  const docsUrl = await db.createDatabase('advisor_docs_scratch');
  await db.exec(`CREATE TABLE docs (id serial PRIMARY KEY, data jsonb NOT NULL);
    INSERT INTO docs (data) SELECT jsonb_build_object('k', g % 300) FROM generate_series(1, 60000) g; ANALYZE docs;`, 'advisor_docs_scratch');
  const g = await adviseScratch(docsUrl, { workloadText: `SELECT id FROM docs WHERE data @> '{"k": 5}'` });
  const gin = g.r.recommendations.find((x) => x.method === 'gin');
  assert.ok(gin, JSON.stringify(g.r.recommendations.map((x) => x.sql)));
  assert.equal(gin.verified, true);
  assert.ok(gin.queries[0]!.after < gin.queries[0]!.before, `GIN ${gin.queries[0]!.before} -> ${gin.queries[0]!.after}`);
  t.diagnostic(`scratch GIN: ${gin.queries[0]!.before} -> ${gin.queries[0]!.after}`);
  assert.equal(g.leftAfter, 0);

  // Without a writable transaction block it refuses, and nothing is created.
  await assert.rejects(
    withSession(fixtureUrl, (s) => s.readOnly(async (qq) => runAdvisor(qq, await probeCapabilities(qq), { workloadText: WORKLOAD, scratchConsent: true }))),
    /writable transaction/,
  );
});

test('budget: --max-indexes and a size budget are honoured', async () => {
  const one = await advise(fixtureUrl, { workloadText: WORKLOAD, maxIndexes: 1 });
  assert.equal(one.recommendations.length, 1);
  assert.equal(one.recommendations[0]!.table, 'events');
  const small = await advise(fixtureUrl, { workloadText: WORKLOAD, maxSizeBytes: 1_500_000 });
  const total = small.recommendations.reduce((a, x) => a + (x.sizeBytes ?? 0), 0);
  assert.ok(total <= 1_500_000, `total ${total}`);
  assert.ok(!small.recommendations.some((x) => x.table === 'events'));
});

test('nothing is left behind: no hypothetical index, no prepared statement, nothing created', async () => {
  await withSession(fixtureUrl, async (s) => {
    const caps = await s.readOnly((q) => probeCapabilities(q));
    await s.readOnly((q) => runAdvisor(q, caps, { workloadText: WORKLOAD }));
    const left = await s.readOnly((q) =>
      q.query<{ hypo: number; prepared: number; idx: number }>(
        `SELECT (SELECT count(*) FROM hypopg_list_indexes)::int AS hypo, (SELECT count(*) FROM pg_prepared_statements)::int AS prepared,
                (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public')::int AS idx`,
      ),
    );
    assert.deepEqual(left[0], { hypo: 0, prepared: 0, idx: 6 });
  });
});

test('degraded mode without HypoPG: heuristic recommendations labelled unverified, with how to enable', async () => {
  await db.exec(`CREATE DATABASE advisor_nohypo`, 'postgres');
  await db.exec(FIXTURE, 'advisor_nohypo');
  const r = await advise(db.server.urlFor('advisor_nohypo'), { workloadText: WORKLOAD });
  assert.equal(r.verified, false);
  assert.match(r.unverifiedReason ?? '', /CREATE EXTENSION hypopg/);
  assert.ok(r.recommendations.length > 0);
  assert.ok(r.recommendations.every((x) => !x.verified && x.sizeBytes === undefined));
  assert.ok(r.recommendations.some((x) => x.table === 'events'));
  assert.ok(!r.recommendations.some((x) => x.table === 'logs_busy'));
  assert.ok(!r.recommendations.some((x) => x.table === 'orders'));
});

test('pg_stat_statements workload: writes seen only in pg_stat_user_tables still count (scaled to the window)', async () => {
  const url = await db.createDatabase('advisor_writes');
  await db.exec(
    `CREATE TABLE logs_quiet (id serial PRIMARY KEY, tag int NOT NULL, msg text);
     CREATE TABLE logs_busy (id serial PRIMARY KEY, tag int NOT NULL, msg text);
     INSERT INTO logs_quiet (tag, msg) SELECT g % 1000, 'm' FROM generate_series(1, 30000) g;
     INSERT INTO logs_busy (tag, msg) SELECT g % 1000, 'm' FROM generate_series(1, 30000) g;
     ANALYZE;`,
    'advisor_writes',
  );
  await db.exec(`SELECT pg_stat_reset()`, 'advisor_writes');
  // 3M rows written to logs_busy, then the statement statistics are reset: only pg_stat_user_tables knows.
  await db.exec(`INSERT INTO logs_busy (tag, msg) SELECT g % 1000, 'm' FROM generate_series(1, 3000000) g`, 'advisor_writes');
  await db.exec(`ANALYZE logs_busy; SELECT pg_stat_statements_reset()`, 'advisor_writes');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (let i = 0; i < 100; i++) {
      await c.query('SELECT id, msg FROM logs_quiet WHERE tag = $1', [i]);
      await c.query('SELECT id, msg FROM logs_busy WHERE tag = $1', [i]);
    }
  } finally {
    await c.end();
  }
  let r: AdvisorResult | undefined;
  for (let i = 0; i < 50; i++) {
    r = await advise(url, {});
    if (r.tableWrites.some((w) => w.table === 'public.logs_busy' && w.statsInserts >= 3_000_000)) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.ok(r);
  assert.ok(r.recommendations.some((x) => x.table === 'logs_quiet'), JSON.stringify(r.recommendations));
  assert.ok(!r.recommendations.some((x) => x.table === 'logs_busy'), JSON.stringify(r.tableWrites));
});

test('HealthMate small: the real workload from pg_stat_statements', async (t) => {
  const url = await db.createDatabase('healthmate');
  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    return c;
  };
  const c = await connect();
  try {
    await createHealthMate(c, { scale: 'small' });
    await c.query('SELECT pg_stat_statements_reset()');
  } finally {
    await c.end();
  }
  await runWorkload(connect, { scale: 'small' });
  const started = Date.now();
  const r = await advise(url, {});
  const wall = Date.now() - started;
  t.diagnostic(
    `HealthMate small: ${wall} ms wall (${r.durationMs} ms advisor), ${r.statementsAnalyzed} planned, ${r.skipped.length} skipped, ${r.candidates} candidates, ${r.explains} EXPLAINs; ` +
      `workload cost ${Math.round(r.totalCostBefore)} -> ${Math.round(r.totalCostAfter)} (-${((1 - r.totalCostAfter / r.totalCostBefore) * 100).toFixed(1)} %)`,
  );
  for (const rec of r.recommendations) t.diagnostic(`${rec.priority} ${(rec.benefitShare * 100).toFixed(1)}% ${rec.sql}`);
  for (const s of r.skipped) t.diagnostic(`skipped: ${s.sql.replace(/\s+/g, ' ').slice(0, 80)} — ${s.reason}`);
  assert.equal(r.verified, true);
  t.diagnostic(`pg_qualstats: ${JSON.stringify(r.qualstats ?? null)}`);
  // With pg_qualstats in the database its example queries join the workload; those pg_stat_statements holds are not added twice.
  assert.equal(r.source, db.hasQualstats ? 'pg_stat_statements + pg_qualstats' : 'pg_stat_statements');
  if (db.hasQualstats) assert.ok(r.qualstats && r.qualstats.predicates > 0 && r.qualstats.statementsDuplicate > 0, JSON.stringify(r.qualstats));
  assert.ok(r.statsAgeS !== undefined && r.statsAgeS >= 0);
  // The per-user readings and the login lookup are the seeded missing indexes.
  assert.ok(r.recommendations.some((x) => x.table === 'health_data' && x.columns[0] === 'user_id' && x.priority === 'high'));
  assert.ok(r.recommendations.some((x) => x.table === 'users' && x.columns[0] === 'lower(email)'));
  // Statements with `interval $n` (the "last 7 days" dashboard) are planned, not skipped.
  assert.ok(!r.skipped.some((s) => /interval \$\d+/.test(s.sql) && /syntax/.test(s.reason)), JSON.stringify(r.skipped, null, 1));
  // The GROUP BY statements whose select-list constant pg_stat_statements replaced are planned too.
  assert.deepEqual(r.skipped, []);
  assert.ok(r.totalCostAfter < r.totalCostBefore * 0.5);
  // Its speed (the diagnostic above) is a figure for npm run bench -- --only advisor, not a pass/fail here.
});

test('pgopt advise --queries FILE --format json', () => {
  const file = join(tmp, 'workload.sql');
  writeFileSync(file, WORKLOAD);
  const r = spawnSync(process.execPath, [CLI, 'advise', '--url', fixtureUrl, '--queries', file, '--format', 'json', '--max-indexes', '3'], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { recommendations: { sql: string; table: string; columns: string[]; benefit: number }[]; health: { id: string }[] };
  assert.ok(out.recommendations.length >= 1 && out.recommendations.length <= 3);
  assert.equal(out.recommendations[0]!.table, 'events');
  assert.ok(out.recommendations.every((x) => x.sql.startsWith('CREATE INDEX CONCURRENTLY IF NOT EXISTS') && x.benefit > 0 && x.columns.length > 0));
  assert.ok(Array.isArray(out.health));
  const text = spawnSync(process.execPath, [CLI, 'advise', '--url', fixtureUrl, '--queries', file], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /== Index recommendations — workload file/);
  assert.match(text.stdout, /== Index health/);
});

test('pgopt advise --scratch-whatif: verified by real indexes, rolled back', async () => {
  const file = join(tmp, 'workload-scratch.sql');
  writeFileSync(file, WORKLOAD);
  // Its audit record goes to the test's folder, not to .pgopt/ of the directory the tests run from.
  const r = spawnSync(process.execPath, [CLI, 'advise', '--url', fixtureUrl, '--queries', file, '--format', 'json', '--max-indexes', '2', '--scratch-whatif', '--audit', join(tmp, 'audit.jsonl')], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { recommendations: { table: string; verified: boolean }[]; workload: { whatIf?: string } };
  assert.equal(out.workload.whatIf, 'scratch');
  assert.equal(out.recommendations[0]!.table, 'events');
  assert.ok(out.recommendations.every((x) => x.verified));
  const c = new pg.Client({ connectionString: fixtureUrl });
  await c.connect();
  try {
    const left = await c.query(`SELECT relname FROM pg_class WHERE relname LIKE 'pgopt_scratch%'`);
    assert.equal(left.rows.length, 0);
  } finally {
    await c.end();
  }
});

test('parallel what-if connections: the same advice as one connection, the batches shared out, nothing left behind', async () => {
  // Hundreds of distinct statements (distinct fingerprints: other columns and operators): the bounding and
  // costing batches need several DO blocks (300 plans each), so the extra connections get work.
  const tables: [string, [string, string][]][] = [
    ['events', [['account_id', '7'], ['kind', '3'], ['created_at', "now() - interval '1 hour'"], ['id', '1000']]],
    ['accounts', [['region', '9'], ['is_active', 'true'], ['created_at', "now() - interval '1 day'"], ['id', '500']]],
    ['orders', [['customer_id', '11'], ['status', "'paid'"], ['amount', '100'], ['id', '2000']]],
  ];
  const ops = ['=', '>', '<', 'IN'];
  const lines: string[] = [];
  let n = 0;
  for (const [table, cols] of tables) {
    for (let mask = 1; mask < 16; mask++) {
      const chosen = cols.filter((_, i) => mask & (1 << i));
      for (let combo = 0; combo < ops.length ** chosen.length && combo < 24; combo++) {
        const preds = chosen.map(([c, v], i) => {
          const op = ops[Math.floor(combo / ops.length ** i) % ops.length]!;
          return op === 'IN' ? `${c} IN (${v}, ${v})` : `${c} ${op} ${v}`;
        });
        lines.push(`-- weight: ${1 + (n++ % 9)}\nSELECT id FROM ${table} WHERE ${preds.join(' AND ')} ORDER BY ${chosen[0]![0]} LIMIT 10;`);
      }
    }
  }
  const workloadText = lines.join('\n');
  // Both runs on the same statistics: nothing left for autovacuum to change between them (relallvisible moves index-only scan costs).
  await db.exec('VACUUM ANALYZE', 'advisor_fixture');
  const one = await advise(fixtureUrl, { workloadText });
  await withSession(fixtureUrl, async (s) => {
    const caps = await s.readOnly((q) => probeCapabilities(q));
    const lanes = await openReadOnlyLanes(s.spec, 2, { analysis: s.settings });
    try {
      const doBlocks = [0, 0];
      const runners = lanes.runners.map((r, i) => ({
        query: <R extends object>(sql: string, params?: unknown[]): Promise<R[]> => {
          if (/^DO /.test(sql)) doBlocks[i]!++;
          return r.query<R>(sql, params);
        },
      }));
      const three = await s.readOnly((q) => runAdvisor(q, caps, { workloadText, whatIfConnections: runners }));
      assert.equal(three.whatIfConnections, 3);
      assert.ok(three.statementsAnalyzed >= 300, `${three.statementsAnalyzed} planned`);
      assert.ok(doBlocks.some((k) => k > 0), `DO blocks per extra connection: ${doBlocks.join(', ')}`);
      assert.ok(one.recommendations.length > 0);
      assert.deepEqual(
        three.recommendations.map((r) => r.sql),
        one.recommendations.map((r) => r.sql),
      );
      // Two one-connection runs already differ by ~0.01 % in the total after (measured: 39,983.97 vs 39,987.62); the
      // advice is the same. The EXPLAIN count is nearly so: partial costing cuts a candidate's statements into chunks
      // by their bounds and stops where its value falls below the top, so costs that differ in the last digits can
      // move a cut by a statement or two (measured: 14,808 vs 14,805), and a candidate whose bound sits at the
      // worth-its-place floor (0.2 % of the workload) can be costed in one run and bounded out in the other
      // (measured once: 22,718 vs 22,618 with the same advice).
      assert.ok(Math.abs(three.totalCostAfter - one.totalCostAfter) <= 1e-3 * one.totalCostAfter, `${three.totalCostAfter} vs ${one.totalCostAfter}`);
      assert.ok(Math.abs(three.explains - one.explains) <= 0.01 * one.explains, `${three.explains} vs ${one.explains} EXPLAINs`);
      for (const r of lanes.runners) assert.deepEqual(await r.query(`SELECT count(*)::int AS n FROM hypopg_list_indexes`), [{ n: 0 }]);
    } finally {
      await lanes.close();
    }
  });
  const file = join(tmp, 'many.sql');
  writeFileSync(file, workloadText);
  const cli = spawnSync(process.execPath, [CLI, 'advise', '--url', fixtureUrl, '--queries', file, '--whatif-connections', '2'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /EXPLAINs over 2 connections/);
  const bad = spawnSync(process.execPath, [CLI, 'advise', '--url', fixtureUrl, '--queries', file, '--whatif-connections', '0'], { encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--whatif-connections must be a whole number from 1 to 16/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
});

test('--negligible-pct: statements below the threshold stay in the totals but are not re-planned for candidates, and the report says so', async () => {
  const all = await advise(fixtureUrl, { workloadText: WORKLOAD, negligibleShare: 0 });
  assert.equal(all.negligible, undefined);
  const some = await advise(fixtureUrl, { workloadText: WORKLOAD, negligibleShare: 0.2 });
  assert.ok(some.negligible && some.negligible.statements > 0, JSON.stringify(some.negligible));
  assert.equal(some.negligible.threshold, 0.2);
  // Each is below 20 % of the workload's cost, so together below 20 % × their number; still in the totals.
  assert.ok(some.negligible.share > 0 && some.negligible.share < 0.2 * some.negligible.statements, JSON.stringify(some.negligible));
  assert.equal(some.statementsAnalyzed, all.statementsAnalyzed);
  assert.ok(Math.abs(some.totalCostBefore - all.totalCostBefore) <= 1e-6 * all.totalCostBefore);
  assert.ok(some.explains < all.explains, `${some.explains} vs ${all.explains} EXPLAINs`);
  const file = join(tmp, 'negligible.sql');
  writeFileSync(file, WORKLOAD);
  const cli = spawnSync(process.execPath, [CLI, 'advise', '--url', fixtureUrl, '--queries', file, '--negligible-pct', '20'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /\d+ statements below 20\.00 % of the workload's cost each \(together [\d.]+ %\) were not re-planned for candidates \(--negligible-pct\)/);
  const bad = spawnSync(process.execPath, [CLI, 'advise', '--url', fixtureUrl, '--queries', file, '--negligible-pct', 'x'], { encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--negligible-pct must be a number ≥ 0/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
});
