import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { healthAnalyzer } from '../../src/core/analyzers/health/healthAnalyzer';
import { constraintsAnalyzer } from '../../src/core/analyzers/constraints/constraintsAnalyzer';
import { buildReport } from '../../src/core/report/buildReport';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import type { Report, ReportSection } from '../../src/core/report/model';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let session: DbSession;
const HOSTILE_TABLE = `<script>"x" & 'y'`;
let idle: pg.Client;

before(async () => {
  db = await startTestPostgres();
  const q = (s: string) => pg.escapeIdentifier(s);
  await db.exec(`
    CREATE TABLE orders (id serial PRIMARY KEY, code int, amount numeric);
    INSERT INTO orders (code, amount) SELECT g % 10, g FROM generate_series(1, 2000) g;
    SELECT setval('orders_id_seq', 2000000000);
    CREATE TABLE legacy (id int);
    CREATE SEQUENCE legacy_id_seq OWNED BY legacy.id;
    SELECT setval('legacy_id_seq', 1700000000);
    CREATE TABLE ${q(HOSTILE_TABLE)} (v int);
    INSERT INTO ${q(HOSTILE_TABLE)} VALUES (1), (2);
    ALTER TABLE ${q(HOSTILE_TABLE)} ADD CONSTRAINT ${q('chk "positive"')} CHECK (v > 0) NOT VALID;
  `);
  // A failed concurrent build leaves an INVALID index behind, as in production.
  await db.exec(`CREATE UNIQUE INDEX CONCURRENTLY orders_code_uniq ON orders (code)`).catch(() => undefined);
  idle = new pg.Client({ connectionString: db.url });
  await idle.connect();
  await idle.query('BEGIN; SELECT 1');
  session = await DbSession.open(resolveUrl(db.url, nodeEnvAccess({}), 'health-test'));
});

after(async () => {
  await idle?.query('ROLLBACK').catch(() => undefined);
  await idle?.end();
  await session?.close();
  await db?.stop();
});

async function health(): Promise<{ report: Report; section: ReportSection }> {
  const report = await buildReport(session, { analyzers: [healthAnalyzer] });
  const section = report.sections[0];
  assert.ok(section);
  return { report, section };
}

test('health finds the seeded invalid index, NOT VALID constraint and sequences near exhaustion', async () => {
  const { section, report } = await health();
  assert.equal(section.error, undefined);
  const ids = section.findings.map((f) => `${f.id}:${f.object?.name}`);
  assert.ok(ids.includes('health.invalid-index:orders_code_uniq'), ids.join(', '));
  assert.ok(ids.includes(`health.not-valid-constraint:chk "positive"`), ids.join(', '));
  const seqs = section.findings.filter((f) => f.id === 'health.sequence-exhaustion');
  assert.deepEqual(seqs.map((f) => [f.object?.name, f.severity]), [['orders_id_seq', 'error'], ['legacy_id_seq', 'warning']]);
  assert.match(seqs[1]?.detail ?? '', /of type integer, which overflows at 2147483647/);
  assert.equal(report.summary.status, 'error');
  const metricIds = section.metrics.map((m) => m.id);
  for (const id of ['version', 'uptime', 'database-size', 'cache-hit-tables', 'cache-hit-indexes', 'connections', 'xid-headroom']) {
    assert.ok(metricIds.includes(id), `metric ${id}`);
  }
  const states = section.tables.find((t) => t.id === 'connections-by-state')?.rows.map((r) => r.state);
  assert.ok(states?.includes('idle in transaction'), `states: ${states?.join(', ')}`);
});

test('one finding per problem: the NOT VALID constraint is reported once, by Constraints, when both sections run', async () => {
  const report = await buildReport(session, { analyzers: [healthAnalyzer, constraintsAnalyzer] });
  const about = report.sections.flatMap((s) => s.findings.filter((f) => f.object?.name === 'chk "positive"').map((f) => `${s.id}/${f.id}`));
  assert.deepEqual(about, ['constraints/constraints.not-valid']);
  // The overview still counts it.
  assert.equal(report.sections[0]?.metrics.find((m) => m.id === 'not-valid-constraints')?.value, 1);
});

test('the suggested SQL is valid and quoted: running it fixes the finding', async () => {
  const { section } = await health();
  const validate = section.findings.find((f) => f.id === 'health.not-valid-constraint');
  assert.ok(validate?.sql);
  await db.exec(validate.sql);
  await db.exec(`DELETE FROM orders WHERE id > 10; UPDATE orders SET code = id;`);
  const reindex = section.findings.find((f) => f.id === 'health.invalid-index');
  assert.ok(reindex?.sql);
  await db.exec(reindex.sql);
  const after = (await health()).section.findings.map((f) => f.id);
  assert.ok(!after.includes('health.not-valid-constraint'));
  assert.ok(!after.includes('health.invalid-index'));
});

test('an unavailable check is reported with what to do, not as an empty section', async () => {
  await db.exec(`CREATE ROLE nobody_special LOGIN; GRANT CONNECT ON DATABASE pgopt_test TO nobody_special;`, 'postgres');
  const s = await DbSession.open(resolveUrl(db.server.urlFor('pgopt_test', 'nobody_special'), nodeEnvAccess({}), 'plain'));
  try {
    const report = await buildReport(s, { analyzers: [healthAnalyzer] });
    const section = report.sections[0];
    assert.ok(section && section.unavailable.length > 0);
    assert.match(section.unavailable.map((u) => u.toEnable).join(' '), /GRANT pg_monitor/);
  } finally {
    await s.close();
  }
});
