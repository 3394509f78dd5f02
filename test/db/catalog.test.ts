import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { listColumns, listConstraints, listIndexes, listSchemas, listTables } from '../../src/core/schema/catalog';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let session: DbSession;

before(async () => {
  db = await startTestPostgres();
  await db.exec(`
    CREATE SCHEMA "Ünïcode schema";
    CREATE TABLE "Ünïcode schema"."Tab ""1""" (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE,
      n int DEFAULT 42, doubled int GENERATED ALWAYS AS (n * 2) STORED);
    INSERT INTO "Ünïcode schema"."Tab ""1""" (email) SELECT 'u' || g || '@x.io' FROM generate_series(1, 5000) g;
    CREATE TABLE "Ünïcode schema".child (id int PRIMARY KEY, parent bigint, CHECK (id > 0));
    ALTER TABLE "Ünïcode schema".child ADD FOREIGN KEY (parent) REFERENCES "Ünïcode schema"."Tab ""1""" (id) NOT VALID;
    CREATE INDEX child_parent ON "Ünïcode schema".child (parent);
    CREATE TABLE "Ünïcode schema".part (d date) PARTITION BY RANGE (d);
    CREATE TABLE "Ünïcode schema".part_2026 PARTITION OF "Ünïcode schema".part FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
    ANALYZE;`);
  session = await DbSession.open(resolveUrl(db.url, nodeEnvAccess({}), 'catalog-test'));
});

after(async () => {
  await session?.close();
  await db?.stop();
});

test('schemas with table counts and sizes; system schemas hidden', async () => {
  const schemas = await session.readOnly(listSchemas);
  const names = schemas.map((s) => s.name);
  assert.deepEqual(names, ['public', 'Ünïcode schema']);
  const u = schemas.find((s) => s.name === 'Ünïcode schema');
  assert.equal(u?.tables, 4, 'two tables, a partitioned parent and its partition');
  assert.ok((u?.totalBytes ?? 0) > 100_000);
});

test('tables: row estimate, total size; partitions folded under their parent', async () => {
  const tables = await session.readOnly((q) => listTables(q, 'Ünïcode schema'));
  assert.deepEqual(tables.map((t) => [t.name, t.kind]), [['Tab "1"', 'table'], ['child', 'table'], ['part', 'partitioned table']]);
  const tab = tables[0];
  assert.equal(tab?.rowEstimate, 5000);
  assert.ok((tab?.totalBytes ?? 0) > 200_000, `size ${tab?.totalBytes}`);
});

test('columns, indexes and constraints of one table', async () => {
  const [tab, child] = await session.readOnly((q) => listTables(q, 'Ünïcode schema'));
  assert.ok(tab && child);
  const cols = await session.readOnly((q) => listColumns(q, tab.oid));
  assert.deepEqual(cols.map((c) => [c.name, c.type, c.nullable]), [['id', 'bigint', false], ['email', 'text', false], ['n', 'integer', true], ['doubled', 'integer', true]]);
  assert.equal(cols[0]?.identity, 'GENERATED ALWAYS AS IDENTITY');
  assert.equal(cols[2]?.default, '42');
  assert.equal(cols[3]?.generated, 'GENERATED ALWAYS AS ((n * 2)) STORED');
  const idx = await session.readOnly((q) => listIndexes(q, tab.oid));
  assert.equal(idx[0]?.primary, true);
  assert.ok(idx.every((i) => i.valid && i.bytes > 0));
  const cons = await session.readOnly((q) => listConstraints(q, child.oid));
  assert.deepEqual(cons.map((c) => [c.kind, c.validated]), [['primary key', true], ['foreign key', false], ['check', true]]);
});
