// Index health on a real Postgres: unused, duplicate, redundant, invalid, foreign keys without an index,
// low selectivity — and the "Indexes" report section that carries them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { indexesAnalyzer } from '../../src/core/analyzers/indexes/indexesAnalyzer';
import { assessIndexHealth, fetchIndexHealth, type IndexHealthFinding } from '../../src/core/analyzers/indexes/indexHealth';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { buildReport } from '../../src/core/report/buildReport';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let session: DbSession;

before(async () => {
  db = await startTestPostgres();
  await db.exec(`
    CREATE TABLE parents (id serial PRIMARY KEY);
    INSERT INTO parents SELECT FROM generate_series(1, 100);
    CREATE TABLE children (id serial PRIMARY KEY, parent_id int NOT NULL REFERENCES parents (id), note text);
    CREATE TABLE covered_children (id serial PRIMARY KEY, parent_id int NOT NULL REFERENCES parents (id), x int);
    CREATE INDEX covered_children_parent_x_idx ON covered_children (parent_id, x);
    CREATE TABLE items (id serial PRIMARY KEY, sku text NOT NULL, code int, name text, flag boolean NOT NULL, a int, b int);
    INSERT INTO items (sku, code, name, flag, a, b) SELECT 'sku' || g, g % 100, 'n' || g, g % 100 = 0, g % 7, g % 11 FROM generate_series(1, 20000) g;
    INSERT INTO items (sku, code, name, flag) VALUES ('sku1', 1, 'dup', false);
    CREATE UNIQUE INDEX items_sku_key ON items (sku) WHERE id > 20001;
    CREATE INDEX items_code_a ON items (code);
    CREATE INDEX items_code_b ON items (code);
    CREATE INDEX items_a_idx ON items (a);
    CREATE INDEX items_a_b_idx ON items (a, b);
    CREATE INDEX items_name_idx ON items (name);
    CREATE INDEX items_flag_idx ON items (flag);
    ANALYZE;
  `);
  // A failed concurrent unique build leaves an INVALID index (sku1 is duplicated).
  await db.exec(`CREATE UNIQUE INDEX CONCURRENTLY items_sku_all_key ON items (sku)`).catch(() => undefined);
  // Use the indexes that should not count as unused.
  await db.exec(`SET enable_seqscan = off; SET enable_bitmapscan = off;
    SELECT count(*) FROM items WHERE flag; SELECT count(*) FROM items WHERE a = 1 AND b = 2; SELECT count(*) FROM items WHERE code = 3;
    SELECT count(*) FROM items WHERE a = 3; SELECT count(*) FROM covered_children WHERE parent_id = 1;`);
  session = await DbSession.open(resolveUrl(db.url, nodeEnvAccess({}), 'index-health-test'));
  // Statistics reach the shared counters when the backend exits; wait for them.
  for (let i = 0; i < 50; i++) {
    const [r] = await session.readOnly((q) => q.query<{ n: number }>(`SELECT idx_scan::int AS n FROM pg_stat_user_indexes WHERE indexrelname = 'items_flag_idx'`));
    if ((r?.n ?? 0) > 0) break;
    await new Promise((res) => setTimeout(res, 100));
  }
});

after(async () => {
  await session?.close();
  await db?.stop();
});

async function findings(): Promise<IndexHealthFinding[]> {
  return assessIndexHealth(await session.readOnly((q) => fetchIndexHealth(q)), session.serverVersionNum);
}

const names = (fs: IndexHealthFinding[], id: string): string[] => fs.filter((f) => f.id === id).map((f) => f.object?.name ?? '').sort();

test('detects unused, duplicate, redundant, invalid, FK without index and low selectivity', async () => {
  const fs = await findings();
  assert.deepEqual(names(fs, 'indexes.invalid'), ['items_sku_all_key']);
  // Exactly one of the identical pair; the one the query above scanned is kept.
  const dup = names(fs, 'indexes.duplicate');
  assert.equal(dup.length, 1);
  assert.ok(['items_code_a', 'items_code_b'].includes(dup[0]!));
  assert.deepEqual(names(fs, 'indexes.redundant'), ['items_a_idx']);
  // 0 scans, not unique, not constraint-backing; the unique items_sku_key is never "unused".
  assert.deepEqual(names(fs, 'indexes.unused'), ['items_name_idx']);
  assert.deepEqual(names(fs, 'indexes.fk-without-index'), ['children_parent_id_fkey']);
  assert.deepEqual(names(fs, 'indexes.low-selectivity'), ['items_flag_idx']);
  const unused = fs.find((f) => f.id === 'indexes.unused')!;
  assert.match(unused.detail, /0 index scans (since the statistics were created|in the .* since the statistics reset)/);
  assert.equal(unused.sql, 'DROP INDEX CONCURRENTLY IF EXISTS "public"."items_name_idx";');
  assert.ok(unused.sizeBytes > 0);
  const fk = fs.find((f) => f.id === 'indexes.fk-without-index')!;
  assert.equal(fk.sql, 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "children_parent_id_idx" ON "public"."children" ("parent_id");');
  assert.match(fs.find((f) => f.id === 'indexes.invalid')!.sql ?? '', /^REINDEX INDEX CONCURRENTLY "public"\."items_sku_all_key";$/);
});

test('scoped to one table (the table page): its indexes and foreign keys only, each with exact size and definition, the same findings', async () => {
  const all = await session.readOnly((q) => fetchIndexHealth(q));
  for (const [schema, name] of [['public', 'items'], ['public', 'children']] as const) {
    const d = await session.readOnly((q) => fetchIndexHealth(q, { table: { schema, name } }));
    assert.ok(d.indexes.length > 0 && d.indexes.every((i) => i.schema === schema && i.table === name && i.definition.startsWith('CREATE ') && !i.sizeEstimated), name);
    assert.deepEqual(d.indexes.map((i) => i.index), all.indexes.filter((i) => i.table === name).map((i) => i.index));
    assert.deepEqual(d.foreignKeys, all.foreignKeys.filter((k) => k.table === name));
    const scoped = assessIndexHealth(d, session.serverVersionNum).map((f) => [f.id, f.object?.name, f.title]);
    const wide = assessIndexHealth({ ...all, indexes: all.indexes.filter((i) => i.table === name), foreignKeys: all.foreignKeys.filter((k) => k.table === name) }, session.serverVersionNum).map((f) => [f.id, f.object?.name, f.title]);
    assert.deepEqual(scoped, wide, name);
  }
});

test('an index being built is not reported as invalid (pure assessment)', () => {
  const base = {
    schema: 'public', table: 't', size: 8192, scans: 1, unique: false, primary: false, constraint: false, am: 'btree',
    keys: ['a'], include: [], predicate: null, definition: 'CREATE INDEX i ON t (a)', tableRows: 10, leadingNDistinct: null, leadingTopFreq: null,
  };
  const fs = assessIndexHealth({
    indexes: [{ ...base, index: 'building_now', valid: false, building: true }, { ...base, index: 'broken', valid: false, building: false }],
    foreignKeys: [],
    statsAgeS: 3600,
    statsSince: '2026-01-01',
  });
  assert.deepEqual(fs.map((f) => `${f.id}:${f.object?.name}`), ['indexes.invalid:broken']);
});

test('the Indexes report section carries the health findings and the workload advice', async () => {
  const report = await buildReport(session, { analyzers: [indexesAnalyzer] });
  const s = report.sections[0]!;
  assert.equal(s.id, 'indexes');
  assert.equal(s.title, 'Indexes');
  assert.equal(s.error, undefined);
  const ids = new Set(s.findings.map((f) => f.id));
  for (const id of ['indexes.invalid', 'indexes.duplicate', 'indexes.unused', 'indexes.fk-without-index']) assert.ok(ids.has(id), id);
  assert.ok(s.tables.some((t) => t.id === 'index-health'));
  assert.ok(s.tables.some((t) => t.id === 'index-recommendations'));
  assert.ok(s.metrics.some((m) => m.id === 'workload-cost'));
});
