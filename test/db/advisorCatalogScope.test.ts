// The advisor's catalog scoped to a workload (issue #17, a large catalog fast): only the tables the
// statements can reach get columns and indexes — through views to their base tables, whole partition trees —
// the same tables as the full read for those names, and the full read when a SQL function may hide tables.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAdvisorCatalog, lookupTable, workloadIdentifiers, type AdvisorCatalog } from '../../src/core/advisor/catalog';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let session: DbSession;

before(async () => {
  db = await startTestPostgres();
  await db.exec(`
    CREATE SCHEMA other;
    CREATE TABLE orders (id int PRIMARY KEY, customer int, placed date);
    CREATE INDEX orders_customer ON orders (customer);
    CREATE TABLE other.orders (id int PRIMARY KEY, note text);
    CREATE TABLE "Mixed" (id int PRIMARY KEY, v text);
    CREATE TABLE customers (id int PRIMARY KEY, name text);
    CREATE TABLE unrelated (id int PRIMARY KEY, x int);
    CREATE TABLE written (id int PRIMARY KEY);
    INSERT INTO written SELECT generate_series(1, 5);
    CREATE VIEW big_customers AS SELECT c.* FROM customers c WHERE c.id IN (SELECT customer FROM orders);
    CREATE VIEW vv AS SELECT * FROM big_customers;
    CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
    CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
    CREATE INDEX events_at ON events (at);
    CREATE TABLE hidden (id int PRIMARY KEY, k int);
    CREATE FUNCTION hidden_rows() RETURNS SETOF hidden LANGUAGE sql STABLE AS 'SELECT * FROM hidden';
  `);
  session = await DbSession.open(resolveUrl(db.url, nodeEnvAccess({}), 'catalog-scope-test'));
});

after(async () => {
  await session?.close();
  await db?.stop();
});

const load = (statements?: string[]): Promise<AdvisorCatalog> => session.readOnly((q) => loadAdvisorCatalog(q, statements ? { statements } : undefined));
const names = (cat: AdvisorCatalog): string[] => [...new Set([...cat.tables.values()].filter((t) => t.columns.length).map((t) => `${t.schema}.${t.name}`))].sort();

test('workloadIdentifiers: every identifier lower-cased, quoted ones unquoted', () => {
  assert.deepEqual(workloadIdentifiers(['SELECT * FROM Public."Mixed" m JOIN "a""b" ON x = $1']).sort(), ['a"b', 'from', 'join', 'm', 'mixed', 'on', 'public', 'select', 'x'].sort());
});

test('scoped: the referenced tables (every schema, any case), with the same columns, indexes and name set as the full read', async () => {
  const full = await load();
  const cat = await load(['SELECT * FROM orders o JOIN "Mixed" m ON m.id = o.id WHERE o.customer = $1']);
  assert.deepEqual(names(cat), ['other.orders', 'public.Mixed', 'public.orders']);
  for (const key of ['orders', 'other.orders', '=Mixed', 'mixed']) {
    const a = full.tables.get(key);
    const b = cat.tables.get(key);
    assert.ok(a && b, key);
    assert.deepEqual({ ...b, schemaRelations: [...(b.schemaRelations ?? [])].sort() }, { ...a, schemaRelations: [...(a.schemaRelations ?? [])].sort() }, key);
  }
  assert.equal(lookupTable(cat, undefined, 'orders')?.schema, 'public', 'the visible one wins');
  assert.equal(lookupTable(cat, undefined, 'unrelated'), undefined);
  // The name check still sees every relation of the schema, loaded or not.
  assert.ok(cat.tables.get('orders')?.schemaRelations?.has('unrelated_pkey'));
});

test('scoped: a view reaches its base tables, recursively; a partitioned table brings its partitions and a partition its tree', async () => {
  assert.deepEqual(names(await load(['SELECT * FROM vv WHERE name = $1'])), ['public.customers', 'public.orders']);
  const viaParent = await load(['SELECT * FROM events WHERE at = $1']);
  assert.deepEqual(names(viaParent), ['public.events', 'public.events_2024', 'public.events_2025']);
  assert.deepEqual(viaParent.tables.get('events')?.partitions?.map((p) => p.name), ['events_2024', 'events_2025']);
  const viaPartition = await load(['SELECT * FROM events_2025 WHERE at = $1']);
  assert.deepEqual(names(viaPartition), ['public.events', 'public.events_2024', 'public.events_2025']);
  assert.equal(viaPartition.tables.get('events_2025')?.parent?.name, 'events');
});

test('scoped: tables outside the reach with writes are listed for their writes only, under no name', async () => {
  const cat = await load(['SELECT 1']);
  assert.deepEqual(names(cat), []);
  const written = [...cat.tables.values()].find((t) => t.name === 'written');
  assert.ok(written && written.writes.inserts === 5 && written.indexes.length === 0);
  assert.equal(lookupTable(cat, undefined, 'written'), undefined);
});

test('a SQL function the workload may call hides its tables: the whole catalog is read', async () => {
  const cat = await load(['SELECT * FROM hidden_rows() WHERE k = $1']);
  assert.ok(names(cat).includes('public.hidden') && names(cat).includes('public.unrelated'));
});
