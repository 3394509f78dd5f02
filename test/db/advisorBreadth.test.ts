// Index advisor breadth (issue 20): write statements, ORDER BY … LIMIT, views, quoted identifiers,
// partitioned tables, workload controls and sources — on a real Postgres with HypoPG.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runAdvisor, type AdvisorResult } from '../../src/core/advisor/advisor';
import { probeCapabilities } from '../../src/core/db/capabilities';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let url: string;

const FIXTURE = `
  CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);
  CREATE TABLE blogs (id serial PRIMARY KEY, title text NOT NULL);
  CREATE TABLE posts (id serial PRIMARY KEY, user_id int NOT NULL, blog_id int NOT NULL, body text);
  INSERT INTO users (name) SELECT 'u' || g FROM generate_series(1, 1000) g;
  INSERT INTO blogs (title) SELECT 'b' || g FROM generate_series(1, 100) g;
  INSERT INTO posts (user_id, blog_id, body) SELECT g % 1000, g % 100, 'body' FROM generate_series(1, 100000) g;
  CREATE VIEW posts_view AS SELECT p.id AS view_id, p.user_id, p.blog_id, u.name FROM posts p JOIN users u ON u.id = p.user_id;
  CREATE FUNCTION posts_of(uid int) RETURNS SETOF posts LANGUAGE sql STABLE AS $$ SELECT * FROM posts WHERE user_id = uid $$;
  CREATE FUNCTION opaque_posts(uid int) RETURNS SETOF posts LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN QUERY SELECT * FROM posts WHERE user_id = uid; END $$;
  CREATE SCHEMA "Bar";
  CREATE TABLE "Bar"."Foo" ("Id" int NOT NULL, "Name" text);
  INSERT INTO "Bar"."Foo" SELECT g, 'n' || g FROM generate_series(1, 50000) g;
  CREATE TABLE events (id bigint NOT NULL, account_id int NOT NULL, created_at date NOT NULL) PARTITION BY RANGE (created_at);
  CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  INSERT INTO events SELECT g, g % 5000, date '2024-01-01' + (g % 700) FROM generate_series(1, 200000) g;
  ANALYZE;
`;

async function advise(opts: Parameters<typeof runAdvisor>[2]): Promise<AdvisorResult> {
  const s = await DbSession.open(resolveUrl(url, nodeEnvAccess({}), 'advisor-breadth-test'), { analysis: { statementTimeoutMs: 30_000, lockTimeoutMs: 1_000 } });
  try {
    const caps = await s.readOnly((q) => probeCapabilities(q));
    return await s.readOnly((q) => runAdvisor(q, caps, opts));
  } finally {
    await s.close();
  }
}

before(async () => {
  db = await startTestPostgres();
  url = await db.createDatabase('advisor_breadth');
  await db.exec(FIXTURE, 'advisor_breadth');
});

after(async () => {
  await db?.stop();
});

async function one(sql: string, opts: Parameters<typeof runAdvisor>[2] = {}): Promise<AdvisorResult> {
  return advise({ workloadText: `${sql};`, ...opts });
}

function only(r: AdvisorResult): AdvisorResult['recommendations'][number] {
  assert.equal(r.recommendations.length, 1, JSON.stringify({ recs: r.recommendations.map((x) => x.sql), skipped: r.skipped }));
  return r.recommendations[0]!;
}

test('write statements: the WHERE of UPDATE / DELETE / INSERT … SELECT / MERGE produces candidates', async (t) => {
  for (const sql of ['UPDATE posts SET user_id = 2 WHERE user_id = 1', 'DELETE FROM posts WHERE user_id = 1']) {
    const r = await one(sql);
    const rec = only(r);
    t.diagnostic(`${sql}: ${r.totalCostBefore.toFixed(0)} -> ${r.totalCostAfter.toFixed(0)}`);
    assert.deepEqual([rec.table, rec.columns], ['posts', ['user_id']]);
    assert.ok(r.totalCostAfter < r.totalCostBefore / 3, `${r.totalCostBefore} -> ${r.totalCostAfter}`);
    // The index is weighed against the write overhead it adds: the UPDATE sets the indexed column.
    if (sql.startsWith('UPDATE')) assert.ok(rec.writeOverhead > 0 && rec.writeRows === 1, JSON.stringify(rec));
  }
  const ins = only(await one('INSERT INTO users (name) SELECT body FROM posts WHERE blog_id = 7'));
  assert.deepEqual([ins.table, ins.columns], ['posts', ['blog_id']]);
  // MERGE: the target's join condition is workload too (not skipped as a utility statement).
  const merge = await one(`MERGE INTO posts p USING users u ON u.id = p.user_id AND u.name = 'u5' WHEN MATCHED THEN UPDATE SET body = 'x'`);
  assert.equal(merge.skipped.length, 0, JSON.stringify(merge.skipped));
  assert.ok(merge.recommendations.some((x) => x.table === 'posts' && x.columns[0] === 'user_id'), JSON.stringify(merge.recommendations.map((x) => x.sql)));
});

test('ORDER BY … LIMIT without a filter: positional, alias, multi-column and mixed directions', async () => {
  for (const sql of ['SELECT user_id FROM posts ORDER BY 1 DESC LIMIT 10', 'SELECT user_id AS u FROM posts ORDER BY u LIMIT 10']) {
    const r = await one(sql);
    assert.deepEqual(only(r).columns, ['user_id'], sql);
    assert.ok(r.totalCostAfter < 10 && r.totalCostBefore > 1000, `${sql}: ${r.totalCostBefore} -> ${r.totalCostAfter}`);
  }
  const multi = await one('SELECT * FROM posts ORDER BY user_id, blog_id LIMIT 10');
  assert.deepEqual(only(multi).columns, ['user_id', 'blog_id']);
  assert.equal(only(multi).descending, undefined);
  assert.ok(multi.totalCostAfter < 5, String(multi.totalCostAfter));
  const mixed = only(await one('SELECT * FROM posts ORDER BY user_id DESC, blog_id LIMIT 10'));
  assert.deepEqual([mixed.columns, mixed.descending], [['user_id', 'blog_id'], [true, false]]);
  assert.match(mixed.sql, /\("user_id" DESC, "blog_id"\);$/);
  // All descending is the ascending index scanned backwards.
  const desc = only(await one('SELECT * FROM posts ORDER BY user_id DESC, blog_id DESC LIMIT 10'));
  assert.match(desc.sql, /\("user_id", "blog_id"\);$/);
});

test('views and set-returning SQL functions are expanded to their base tables; what is not analysed says why', async () => {
  const view = await one('SELECT * FROM posts_view WHERE user_id = $1');
  assert.deepEqual([only(view).table, only(view).columns], ['posts', ['user_id']]);
  assert.ok(view.totalCostAfter < view.totalCostBefore / 3);
  // The example: the plan already uses the base table's primary key through the view; it is planned, not dropped.
  const byPk = await one('SELECT * FROM posts_view WHERE view_id = 1');
  assert.equal(byPk.statementsAnalyzed, 1);
  const fn = await one('SELECT * FROM posts_of(5)');
  assert.deepEqual(only(fn).columns, ['user_id']);
  const opaque = await one('SELECT * FROM opaque_posts(5)');
  assert.equal(opaque.statementsAnalyzed, 0);
  assert.equal(opaque.skipped.length, 1);
  assert.match(opaque.skipped[0]!.reason, /opaque_posts\(\).*not inlined/);
  // Catalog reads are still ignored (nothing to index), not reported as skipped.
  const cat = await one('SELECT * FROM pg_stat_activity');
  assert.deepEqual([cat.statementsIgnored, cat.skipped.length], [1, 0]);
});

test('quoted identifiers: names are reported as they are, in columns, index name and SQL', async () => {
  const rec = only(await one('SELECT "Name" FROM "Bar"."Foo" WHERE "Id" = 5'));
  assert.equal(rec.schema, 'Bar');
  assert.equal(rec.table, 'Foo');
  assert.deepEqual(rec.columns, ['Id']);
  assert.match(rec.sql, /"Foo_Id.*" ON "Bar"\."Foo" \("Id"\)/);
  if (rec.include) assert.deepEqual(rec.include, ['Name']);
});
