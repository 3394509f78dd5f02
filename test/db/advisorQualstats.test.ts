// pg_qualstats as a second workload source for the index advisor, on a real Postgres (Debian flavor:
// pg_qualstats in shared_preload_libraries, sample_rate = 1). The workload's statement is removed from
// pg_stat_statements (reset) after it ran, so its predicate is visible to pg_qualstats only; a database
// without the extension shows that nothing changes then. Skips (with the reason) without pg_qualstats.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { runAdvisor, type AdvisorOptions, type AdvisorResult } from '../../src/core/advisor/advisor';
import { loadQualstats } from '../../src/core/advisor/qualstats';
import { probeCapabilities, type Capabilities } from '../../src/core/db/capabilities';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { indexesAnalyzer } from '../../src/core/analyzers/indexes/indexesAnalyzer';
import { buildReport } from '../../src/core/report/buildReport';
import { PASSWORD, PASSWORD_USER, startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
const NO_QUALSTATS = 'the test Postgres has no pg_qualstats (Debian package postgresql-15-pg-qualstats not installed)';

// A hostile table and column name: the predicate must travel quoted from pg_qualstats to CREATE INDEX.
const TABLE = 'Ordérs "x" <script>';
const COLUMN = 'Sku Code';
const FIXTURE = `
  CREATE TABLE ${pg.escapeIdentifier(TABLE)} (id serial PRIMARY KEY, ${pg.escapeIdentifier(COLUMN)} int NOT NULL, note text);
  INSERT INTO ${pg.escapeIdentifier(TABLE)} (${pg.escapeIdentifier(COLUMN)}, note) SELECT g % 20000, repeat('n', 30) FROM generate_series(1, 120000) g;
  CREATE TABLE plain (id serial PRIMARY KEY, v int NOT NULL);
  INSERT INTO plain (v) SELECT g FROM generate_series(1, 1000) g;
  ANALYZE;
`;

/** Runs the lookup 40 times with pg_qualstats sampling every statement, then forgets it in pg_stat_statements. */
async function runHiddenWorkload(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('SET pg_qualstats.sample_rate = 1').catch(() => undefined); // not created in every database; the server default is 1 too
    for (let i = 0; i < 40; i++) await c.query(`SELECT id, note FROM ${pg.escapeIdentifier(TABLE)} WHERE ${pg.escapeIdentifier(COLUMN)} = ${i * 7}`);
    await c.query('SELECT pg_stat_statements_reset()');
  } finally {
    await c.end();
  }
}

async function withSession<T>(url: string, fn: (s: DbSession, caps: Capabilities) => Promise<T>, password?: string): Promise<T> {
  const s = await DbSession.open(resolveUrl(url, nodeEnvAccess({}), 'qualstats-test'), { analysis: { statementTimeoutMs: 30_000, lockTimeoutMs: 1_000 }, ...(password ? { password } : {}) });
  try {
    const caps = await s.readOnly((q) => probeCapabilities(q));
    return await fn(s, caps);
  } finally {
    await s.close();
  }
}

const advise = (url: string, opts: AdvisorOptions = {}): Promise<AdvisorResult> => withSession(url, (s, caps) => s.readOnly((q) => runAdvisor(q, caps, opts)));
// By the DDL: `columns` holds the advisor's lower-cased column keys ("sku code"), the DDL the quoted name.
const onColumn = (r: AdvisorResult) => r.recommendations.filter((x) => x.table === TABLE && x.sql.includes(` (${pg.escapeIdentifier(COLUMN)}`));

before(async () => {
  db = await startTestPostgres();
});

after(async () => {
  await db?.stop();
});

test('pg_qualstats: a predicate pg_stat_statements lost still gets its index, and the source is recorded', async (t) => {
  if (!db.hasQualstats) return t.skip(NO_QUALSTATS);
  const url = await db.createDatabase('qualstats_on');
  await db.exec(FIXTURE, 'qualstats_on');
  await runHiddenWorkload(url);

  // The raw read: the predicate on the hostile column, its executions and selectivity, an example with constants.
  const data = await withSession(url, (s, caps) => s.readOnly((q) => loadQualstats(q, caps.extensions.pg_qualstats.schema ?? 'public', 'public')));
  const pred = data.predicates.find((p) => p.table === TABLE && p.column === COLUMN);
  assert.ok(pred, JSON.stringify(data.predicates));
  assert.match(pred.operator, /=/);
  assert.equal(pred.occurrences, 40);
  assert.ok(pred.selectivity !== undefined && pred.selectivity < 0.01, `selectivity ${pred.selectivity}`);
  const ex = data.examples.find((e) => e.queryId === pred.queryId);
  assert.ok(ex, JSON.stringify(data.examples));
  assert.match(ex.query, /= \d+/, 'the example keeps its constant');
  assert.equal(ex.calls, 40);
  assert.equal(data.sampleRate, 1);

  // Without pg_qualstats the advisor cannot see the statement (this is what makes the next assert meaningful).
  const pgssOnly = await advise(url, { qualstats: false });
  assert.equal(pgssOnly.source, 'pg_stat_statements');
  assert.equal(pgssOnly.qualstats, undefined);
  assert.equal(onColumn(pgssOnly).length, 0, JSON.stringify(pgssOnly.recommendations));

  const r = await advise(url);
  t.diagnostic(`qualstats: ${JSON.stringify(r.qualstats)}; ${r.recommendations.map((x) => x.sql).join(' | ')}`);
  assert.equal(r.source, 'pg_stat_statements + pg_qualstats');
  assert.ok(r.qualstats && r.qualstats.statementsAdded >= 1 && r.qualstats.predicatesAdded >= 1, JSON.stringify(r.qualstats));
  const recs = onColumn(r);
  assert.equal(recs.length, 1, JSON.stringify(r.recommendations));
  const rec = recs[0]!;
  assert.ok(rec.sql.includes(`ON "public".${pg.escapeIdentifier(TABLE)} (${pg.escapeIdentifier(COLUMN)})`), rec.sql);
  assert.equal(rec.queries[0]!.calls, 40, 'weighted by the executions pg_qualstats sampled');
  assert.match(rec.queries[0]!.sql, /WHERE "Sku Code" = \d+/);
  if (db.hasHypopg) assert.ok(rec.verified && rec.queries[0]!.before > 10 * rec.queries[0]!.after, JSON.stringify(rec.queries));

  // A statement in both sources is not counted twice: run it once more, so pg_stat_statements has it too.
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`SELECT id, note FROM ${pg.escapeIdentifier(TABLE)} WHERE ${pg.escapeIdentifier(COLUMN)} = 3`);
  await c.end();
  const both = await advise(url);
  assert.equal(both.qualstats?.statementsDuplicate, 1, JSON.stringify(both.qualstats));
  assert.equal(both.qualstats?.statementsAdded, 0, JSON.stringify(both.qualstats));

  // The Indexes report section shows the source as a metric.
  const report = await withSession(url, (s) => buildReport(s, { analyzers: [indexesAnalyzer], config: {} }));
  const section = report.sections[0]!;
  assert.equal(section.error, undefined, section.error);
  const metric = section.metrics.find((m) => m.id === 'workload-source');
  assert.ok(metric, JSON.stringify(section.metrics));
  assert.match(metric.display, /^pg_stat_statements \+ pg_qualstats: \d+ predicates?, \d+ statements? added/);
});

// Runs on every flavor: the extension is dropped where the harness created it.
test('without pg_qualstats in the database the advisor behaves as before', async () => {
  const url = await db.createDatabase('qualstats_off');
  await db.exec(`DROP EXTENSION IF EXISTS pg_qualstats;\n${FIXTURE}`, 'qualstats_off');
  await runHiddenWorkload(url);
  const caps = await withSession(url, async (_s, c) => c);
  assert.equal(caps.extensions.pg_qualstats.usable, false);
  const r = await advise(url);
  assert.equal(r.source, 'pg_stat_statements');
  assert.equal(r.qualstats, undefined);
  assert.equal(r.qualstatsError, undefined);
  assert.equal(onColumn(r).length, 0, JSON.stringify(r.recommendations));
  assert.ok(!r.skipped.some((s) => s.sql.includes(COLUMN)));
});

test('pg_qualstats that the role may not read: the advisor goes on with pg_stat_statements and says why', async (t) => {
  if (!db.hasQualstats) return t.skip(NO_QUALSTATS);
  const url = await db.createDatabase('qualstats_denied');
  await db.exec(
    `${FIXTURE}
     REVOKE EXECUTE ON FUNCTION pg_qualstats_example_queries() FROM PUBLIC;
     GRANT CONNECT ON DATABASE qualstats_denied TO ${PASSWORD_USER};
     GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${PASSWORD_USER};`,
    'qualstats_denied',
  );
  await runHiddenWorkload(url);
  const u = new URL(url);
  u.username = PASSWORD_USER;
  const r = await withSession(u.toString(), (s, caps) => s.readOnly((q) => runAdvisor(q, caps, {})), PASSWORD);
  assert.match(r.qualstatsError ?? '', /permission denied/);
  assert.equal(r.source, 'pg_stat_statements');
  assert.equal(r.qualstats, undefined);
  // The failed read did not abort the transaction: the rest of the advisor ran (its catalog reads and plans).
  // (Other roles' statements show up as "<insufficient privilege>" in pg_stat_statements: skipped, as before.)
  assert.equal(onColumn(r).length, 0);
  assert.ok(r.skipped.every((x) => x.sql === '<insufficient privilege>' && /does not parse/.test(x.reason)), JSON.stringify(r.skipped));
});
