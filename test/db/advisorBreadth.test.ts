// Index advisor breadth (issue 20): write statements, ORDER BY … LIMIT, views, quoted identifiers,
// partitioned tables, workload controls and sources — on a real Postgres with HypoPG.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { runAdvisor, type AdvisorResult } from '../../src/core/advisor/advisor';
import { lintText } from '../../src/core/lint/linter';
import { writeMigrationDir } from '../harness/migrationFixtures';
import { adviseOn } from '../harness/advise';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let url: string;
const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

function cleanEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && k !== 'DATABASE_URL'));
}

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
  CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY RANGE (id);
  CREATE TABLE events_2025_a PARTITION OF events_2025 FOR VALUES FROM (MINVALUE) TO (100000);
  CREATE TABLE events_2025_b PARTITION OF events_2025 FOR VALUES FROM (100000) TO (MAXVALUE);
  INSERT INTO events SELECT g, g % 5000, date '2024-01-01' + (g % 700) FROM generate_series(1, 200000) g;
  ANALYZE;
`;

const advise = (opts: Parameters<typeof runAdvisor>[2]): Promise<AdvisorResult> => adviseOn(url, 'advisor-breadth-test', opts);

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

test('partitioned table: ON ONLY + CONCURRENTLY per partition + ATTACH, applied by pgopt migrate up; a partition named directly is costed on it', async (t) => {
  const r = await one('SELECT id FROM events WHERE account_id = $1');
  const rec = only(r);
  t.diagnostic(`events: ${r.totalCostBefore.toFixed(0)} -> ${r.totalCostAfter.toFixed(0)}, size ${rec.sizeBytes}\n${rec.sql}`);
  assert.ok(r.totalCostAfter < r.totalCostBefore / 5, `${r.totalCostBefore} -> ${r.totalCostAfter}`);
  assert.equal(rec.partitions, 4);
  assert.equal(rec.whatIfDdl, 'CREATE INDEX ON "public"."events" ("account_id")');
  const lines = rec.sql.split('\n');
  assert.equal(lines[0], 'CREATE INDEX IF NOT EXISTS "events_account_id_idx" ON ONLY "public"."events" ("account_id");');
  assert.ok(lines.includes('CREATE INDEX CONCURRENTLY IF NOT EXISTS "events_2024_account_id_idx" ON "public"."events_2024" ("account_id");'), rec.sql);
  // The sub-partitioned partition: ON ONLY + ATTACH to the parent's index, its leaves CONCURRENTLY + ATTACH to it.
  assert.ok(lines.includes('CREATE INDEX IF NOT EXISTS "events_2025_account_id_idx" ON ONLY "public"."events_2025" ("account_id");'), rec.sql);
  assert.ok(lines.includes('ALTER INDEX "public"."events_2025_account_id_idx" ATTACH PARTITION "public"."events_2025_b_account_id_idx";'), rec.sql);
  assert.ok(!lines.some((l) => /CONCURRENTLY.*ON "public"\."events(_2025)?" /.test(l)), 'never CONCURRENTLY on a partitioned table');
  // The linter knows the hazard: the parent, concurrently, is an error; the pattern is clean of it.
  const rule = 'ban-concurrent-index-creation-on-partitioned-table';
  const bad = lintText('CREATE TABLE e (id int, d date) PARTITION BY RANGE (d);\nCREATE INDEX CONCURRENTLY e_d_idx ON e (d);').findings;
  assert.ok(bad.some((f) => f.ruleId === rule && f.severity === 'error'), JSON.stringify(bad));
  const ddl = "CREATE TABLE events (id bigint, account_id int, created_at date) PARTITION BY RANGE (created_at);\nCREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n";
  assert.ok(!lintText(`${ddl}${rec.sql}`).findings.some((f) => f.ruleId === rule));

  // Applied for real by pgopt migrate up on the partitioned table.
  const dir = writeMigrationDir({ '20260101000000_events_account_idx.sql': `${rec.sql}\n` });
  const up = spawnSync(process.execPath, [CLI, 'migrate', 'up', '--url', url, '--dir', dir, '--yes'], { encoding: 'utf8', cwd: dir, env: cleanEnv(), timeout: 120_000 });
  t.diagnostic(up.stdout + up.stderr);
  assert.equal(up.status, 0, `${up.stdout}\n${up.stderr}`);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ relname: string; valid: boolean; parent: string | null }>(
      `SELECT c.relname, i.indisvalid AS valid, (SELECT p.relname FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent WHERE h.inhrelid = c.oid) AS parent
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE 'events%account_id_idx' ORDER BY 1`,
    );
    assert.deepEqual(rows, [
      { relname: 'events_2024_account_id_idx', valid: true, parent: 'events_account_id_idx' },
      { relname: 'events_2025_a_account_id_idx', valid: true, parent: 'events_2025_account_id_idx' },
      { relname: 'events_2025_account_id_idx', valid: true, parent: 'events_account_id_idx' },
      { relname: 'events_2025_b_account_id_idx', valid: true, parent: 'events_2025_account_id_idx' },
      { relname: 'events_account_id_idx', valid: true, parent: null },
    ]);
    await c.query('ANALYZE events');
  } finally {
    await c.end();
  }
  // Now covered: nothing more to recommend for the statement.
  const again = await one('SELECT id FROM events WHERE account_id = $1');
  assert.ok(!again.recommendations.some((x) => !x.include), JSON.stringify(again.recommendations.map((x) => x.sql)));
  assert.ok(again.suppressed.some((x) => x.coveredBy === 'events_account_id_idx'), JSON.stringify(again.suppressed));
  // A query naming one partition directly is costed (and indexed) on that partition.
  const direct = await one('SELECT id FROM events_2024 WHERE created_at = $1');
  assert.equal(only(direct).table, 'events_2024');
  assert.match(only(direct).sql, /^CREATE INDEX CONCURRENTLY IF NOT EXISTS "events_2024_created_at_idx" ON "public"\."events_2024"/);
});

test('controls: --min-cost, --min-savings-pct, --include / --exclude (library and CLI)', async () => {
  const W = `-- weight: 10\nSELECT * FROM posts WHERE user_id = $1;\n-- weight: 10\nSELECT * FROM users WHERE name = $1;\n-- weight: 10\nSELECT * FROM posts WHERE id = $1;\n`;
  const all = await advise({ workloadText: W });
  const tablesOf = (r: AdvisorResult): string[] => [...new Set(r.recommendations.map((x) => x.table))].sort();
  assert.deepEqual(tablesOf(all), ['posts', 'users']);
  // --min-cost: the primary-key lookup (cost ≈ 8) is left out, with the reason; the scan of users (≈ 18) stays.
  const minCost = await advise({ workloadText: W, minCost: 12 });
  assert.equal(minCost.statementsAnalyzed, 2);
  assert.match(minCost.skipped.find((s) => /id = \$1/.test(s.sql) && !/user_id/.test(s.sql))?.reason ?? '', /below --min-cost 12/);
  // --include / --exclude: candidates on other tables are not considered; the statements are still costed.
  const inc = await advise({ workloadText: W, includeTables: ['public.post*'] });
  assert.deepEqual(tablesOf(inc), ['posts']);
  assert.ok((inc.excludedCandidates ?? 0) > 0);
  assert.equal(inc.statementsAnalyzed, 3);
  assert.deepEqual(tablesOf(await advise({ workloadText: W, excludeTables: ['posts'] })), ['users']);
  // --min-savings-pct: posts(user_id) saves ~86 % of its statement's cost (1887 -> 271), users(name) ~56 % (18.5 -> 8): 70 % keeps the first.
  const savings = await advise({ workloadText: W, minSavingsShare: 0.7 });
  assert.deepEqual(tablesOf(savings), ['posts'], JSON.stringify(all.recommendations.map((x) => [x.sql, x.queries.map((q) => [q.before, q.after])])));
  assert.ok((savings.belowMinSavings ?? 0) > 0);

  const dir = writeMigrationDir({ 'w.sql': W });
  const cli = spawnSync(
    process.execPath,
    [CLI, 'advise', '--url', url, '--queries', join(dir, 'w.sql'), '--exclude', 'users', '--min-cost', '12', '--min-savings-pct', '50', '--format', 'json'],
    { encoding: 'utf8', env: cleanEnv(), timeout: 120_000 },
  );
  assert.equal(cli.status, 0, cli.stderr);
  const out = JSON.parse(cli.stdout) as { recommendations: { table: string }[]; workload: AdvisorResult };
  assert.deepEqual([...new Set(out.recommendations.map((x) => x.table))], ['posts']);
  assert.equal(out.workload.statementsAnalyzed, 2);
  for (const [args, msg] of [
    [['--min-savings-pct', '150'], /--min-savings-pct must be between 0 and 100/],
    [['--min-cost', 'abc'], /--min-cost must be a number/],
    [['--log', 'x', '--queries', 'y'], /one workload source/],
    [['--log-format', 'xml', '--log', 'x'], /--log-format must be one of/],
  ] as const) {
    const bad = spawnSync(process.execPath, [CLI, 'advise', '--url', url, ...args], { encoding: 'utf8', env: cleanEnv(), timeout: 60_000 });
    assert.equal(bad.status, 2, `${args.join(' ')}: ${bad.stderr}`);
    assert.match(bad.stderr, msg);
  }
});
