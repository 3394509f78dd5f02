// Generated SQL at the edges, on a real server: names of 63-byte tables, CHECKs that already exist (NOT
// VALID) in another spelling, rules that depend on the current time, and index names taken elsewhere in the schema.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createIndexAction, generateCandidates, indexName } from '../../src/core/advisor/candidates';
import { loadAdvisorCatalog } from '../../src/core/advisor/catalog';
import { analyzeStatement } from '../../src/core/advisor/extract';
import { constraintsAnalyzer } from '../../src/core/analyzers/constraints/constraintsAnalyzer';
import { integrityAnalyzer } from '../../src/core/analyzers/integrity/integrityAnalyzer';
import type { PgoptFile } from '../../src/core/config';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { renderAction } from '../../src/core/report/actions';
import { buildReport } from '../../src/core/report/buildReport';
import type { ReportFinding } from '../../src/core/report/model';
import { loadParser, parseSql } from '../../src/core/sql/parser';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let session: DbSession;
// 63 bytes exactly (the longest name Postgres keeps), with multi-byte characters near the cut.
const LONG = `${'t'.repeat(57)}_é_ü`;
const qi = (s: string): string => pg.escapeIdentifier(s);

before(async () => {
  assert.equal(Buffer.byteLength(LONG), 63);
  db = await startTestPostgres();
  await db.exec(`
    CREATE TABLE ${qi(LONG)} (id serial PRIMARY KEY, order_code text, account_code text);
    INSERT INTO ${qi(LONG)} (order_code, account_code) SELECT 'o' || g, 'a' || g FROM generate_series(1, 500) g;
    CREATE TABLE goals (id serial PRIMARY KEY, progress numeric, due date);
    INSERT INTO goals (progress, due) SELECT g % 90, current_date - g FROM generate_series(1, 200) g;
    UPDATE goals SET progress = 150 WHERE id IN (1, 2, 3);
    UPDATE goals SET due = current_date + 30 WHERE id IN (4, 5);
    ALTER TABLE goals ADD CONSTRAINT goals_progress_check CHECK (progress >= 0 AND progress <= 100) NOT VALID;
    ANALYZE;
  `);
  session = await DbSession.open(resolveUrl(db.url, nodeEnvAccess({}), 'edges-test'));
});

after(async () => {
  await session?.close();
  await db?.stop();
});

async function applySteps(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    for (const step of sql.split(/\n(?=-- Migration \d+ of \d+)/)) await c.query(step);
  } finally {
    await c.end();
  }
}

test('a 63-byte table name: the two unique candidates get distinct names ≤ 63 bytes, unlike the table, and both apply', async () => {
  const report = await buildReport(session, { analyzers: [integrityAnalyzer] });
  const unique = report.sections[0]!.findings.filter((f) => f.id === 'integrity.unique-candidate' && f.object?.table === LONG);
  assert.deepEqual(unique.map((f) => f.object?.name).sort(), ['account_code', 'order_code']);
  const names = unique.map((f) => /CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "((?:[^"]|"")+)"/.exec(f.sql ?? '')?.[1]?.replace(/""/g, '"') ?? '');
  for (const n of names) {
    assert.ok(Buffer.byteLength(n) <= 63, `${n} is ${Buffer.byteLength(n)} bytes`);
    assert.notEqual(n, LONG);
  }
  assert.notEqual(names[0], names[1]);
  for (const f of unique) await applySteps(f.sql!);
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const r = await c.query<{ conname: string }>(`SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'u' ORDER BY 1`, [qi(LONG)]);
    assert.deepEqual(r.rows.map((x) => x.conname).sort(), [...names].sort());
  } finally {
    await c.end();
  }
});

const CONFIG: PgoptFile = {
  integrity: {
    rules: [
      { table: 'goals', column: 'progress', range: [0, 100] },
      { table: 'goals', column: 'due', format: 'date-past' },
    ],
  },
};

test('a rule equal to an existing NOT VALID CHECK proposes no second CHECK; with Constraints it is one finding', async () => {
  const alone = await buildReport(session, { analyzers: [integrityAnalyzer], config: CONFIG });
  const progress = alone.sections[0]!.findings.filter((f) => f.id.startsWith('integrity.rule') && f.object?.table === 'goals' && (f.object.name === 'progress' || f.object.name === 'goals_progress_check'));
  assert.equal(progress.length, 1, progress.map((f) => f.title).join(' | '));
  const f = progress[0]!;
  assert.equal(f.id, 'integrity.rule-violation');
  assert.equal(f.object?.name, 'goals_progress_check');
  assert.doesNotMatch(f.sql ?? '', /ADD CONSTRAINT/);
  assert.match(f.sql ?? '', /VALIDATE CONSTRAINT "goals_progress_check"/);
  // Both sections: Constraints owns the NOT VALID constraint; one finding for it in the whole report.
  const both = await buildReport(session, { analyzers: [constraintsAnalyzer, integrityAnalyzer], config: CONFIG });
  const about = both.sections.flatMap((s) => s.findings.filter((x: ReportFinding) => x.object?.name === 'goals_progress_check').map((x) => `${s.id}/${x.id}`));
  assert.deepEqual(about, ['constraints/constraints.not-valid']);
});

test('a date-in-the-past rule reports its violations but proposes no CHECK (now() is not immutable)', async () => {
  const report = await buildReport(session, { analyzers: [integrityAnalyzer], config: CONFIG });
  const due = report.sections[0]!.findings.filter((f) => f.id.startsWith('integrity.rule') && f.object?.table === 'goals' && f.object.name === 'due');
  assert.equal(due.length, 1);
  assert.equal(due[0]!.id, 'integrity.rule-violation');
  assert.match(due[0]!.title, /2 rows violate format date-past/);
  assert.equal(due[0]!.sql, undefined);
  assert.match(due[0]!.detail, /depends on the current time/);
  const all = report.sections[0]!.findings.map((f) => f.sql ?? '').join('\n');
  assert.doesNotMatch(all, /now\(\)/i);
});

test('a recommended index name taken elsewhere in the schema (another table\'s index, a sequence) is not reused: the migration leaves them alone', async () => {
  // "Edge Names".probe_region_idx is an index of another table; probe_code_idx a sequence. The migration's rebuild
  // step, DROP INDEX CONCURRENTLY IF EXISTS "Edge Names".<name>, would drop that index (and fail on the sequence).
  await db.exec(`
    CREATE SCHEMA "Edge Names";
    CREATE TABLE "Edge Names".probe (id int, region int, code int);
    CREATE TABLE "Edge Names".other (region int);
    CREATE INDEX probe_region_idx ON "Edge Names".other (region);
    CREATE SEQUENCE "Edge Names".probe_code_idx;
  `);
  await loadParser();
  const cat = await session.readOnly((q) => loadAdvisorCatalog(q));
  const names: string[] = [];
  for (const col of ['region', 'code']) {
    const p = parseSql(`SELECT * FROM "Edge Names".probe WHERE ${col} = $1`);
    assert.ok(p.ok);
    const { candidates } = generateCandidates(new Map([['q', analyzeStatement(p.stmts[0]!.node, cat)]]));
    const c = candidates.find((x) => x.keys.length === 1 && x.keys[0]!.column === col && !x.predicate);
    assert.ok(c, candidates.map((x) => x.id).join('; '));
    const name = indexName(c);
    assert.notEqual(name, `probe_${col}_idx`);
    names.push(name);
    const c2 = new pg.Client({ connectionString: db.url });
    await c2.connect();
    try {
      for (const stmt of renderAction(createIndexAction(c)).lintClean) await c2.query(stmt);
    } finally {
      await c2.end();
    }
  }
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const r = await c.query<{ relname: string; relkind: string; tbl: string | null }>(
      `SELECT c.relname, c.relkind::text, (SELECT t.relname FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid WHERE i.indexrelid = c.oid) AS tbl
         FROM pg_class c WHERE c.relnamespace = '"Edge Names"'::regnamespace AND c.relkind IN ('i', 'S') ORDER BY 1`,
    );
    assert.deepEqual(
      r.rows.map((x) => `${x.relname}:${x.relkind}:${x.tbl ?? ''}`).sort(),
      [`${names[0]}:i:probe`, `${names[1]}:i:probe`, 'probe_code_idx:S:', 'probe_region_idx:i:other'].sort(),
    );
  } finally {
    await c.end();
  }
});
