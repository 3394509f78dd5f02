// Pure parts of the index advisor: statement shapes, candidates, coverage by existing indexes, index health.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CatalogTable } from '../../src/core/advisor/catalog';
import { coveredByExisting, createIndexSql, generateCandidates, indexName } from '../../src/core/advisor/candidates';
import { assessIndexHealth, type IndexRow } from '../../src/core/analyzers/indexes/indexHealth';
import { loadParser } from '../../src/core/sql/parser';
import { catalogOf, catalogTable, existingIndex, statementShape } from '../harness/advisorCatalog';

const users = catalogTable(1, 'public', 'users', ['id', 'email', 'is_active', 'region', 'created_at']);
const orders = catalogTable(2, 'public', 'Orders', ['id', 'user_id', 'status', 'created_at'], [existingIndex('orders_user_status', ['user_id', 'status'])]);
const docs = catalogTable(3, 'public', 'docs', ['id', 'owner', 'title', 'data', 'tags'], [existingIndex('docs_data_path', ['data'], { am: 'gin', opclasses: ['jsonb_path_ops'] })], ['integer', 'integer', 'text', 'jsonb', 'text[]']);
const cat = catalogOf(users, orders, docs);
const shape = (sql: string) => statementShape(cat, sql);

before(async () => {
  await loadParser();
});

test('statement shape: equality, range, join, sort, expressions, constants, aliases', () => {
  const s = shape(`SELECT u.id FROM users u JOIN "Orders" o ON o.user_id = u.id
    WHERE lower(u.email) = lower($1) AND u.is_active = false AND o.created_at > now() - $2::interval AND region IN (1, 2)
    ORDER BY o.created_at DESC`);
  assert.equal(s.kind, 'select');
  assert.equal(s.paramCount, 2);
  const u = s.uses.get(1)!;
  const o = s.uses.get(2)!;
  assert.deepEqual(u.eq.map((k) => k.key), ['lower(email)', 'is_active', 'region']);
  assert.deepEqual(u.constants.map((c) => c.sql), ['NOT "is_active"']);
  assert.deepEqual(u.join.map((k) => k.key), ['id']);
  assert.deepEqual(o.join.map((k) => k.key), ['user_id']);
  assert.deepEqual(o.range.map((k) => k.key), ['created_at']);
  assert.deepEqual(o.sort.map((k) => k.key), ['created_at']);
  const upd = shape(`UPDATE users SET region = $2 WHERE id = $1`);
  assert.equal(upd.writeTable, users);
  assert.deepEqual(upd.updatedColumns, ['region']);
});

test('candidates: equality then range then sort, partial for constants, covered ones suppressed', () => {
  const shapes = new Map([
    ['a', shape(`SELECT * FROM "Orders" WHERE user_id = $1 AND created_at > $2 ORDER BY created_at`)],
    ['b', shape(`SELECT * FROM users WHERE region = $1 AND is_active = true`)],
    ['c', shape(`SELECT * FROM "Orders" WHERE user_id = $1`)],
  ]);
  const { candidates, suppressed } = generateCandidates(shapes);
  const ids = candidates.map((c) => `${c.table.name}(${c.keys.map((k) => k.key).join(',')})${c.predicate ? ` WHERE ${c.predicate.map((p) => p.sql).join(' AND ')}` : ''}`);
  assert.ok(ids.includes('Orders(user_id,created_at)'), ids.join('; '));
  assert.ok(ids.includes('users(region) WHERE "is_active"'), ids.join('; '));
  assert.ok(!ids.includes('Orders(user_id)'), 'covered by orders_user_status');
  assert.ok(suppressed.some((s) => s.by === 'orders_user_status'));
  const c = candidates.find((x) => x.table === orders && x.keys.length === 2)!;
  assert.equal(createIndexSql(c), 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "Orders_user_id_created_at_idx" ON "public"."Orders" ("user_id", "created_at");');
  assert.equal(coveredByExisting(orders, [{ key: 'status', sql: '"status"', column: 'status' }], undefined), undefined);
});

test('a generated index name never takes the name of a valid index the table already has', () => {
  // users_region_idx exists but is partial (it does not cover a lookup by region alone).
  const t = catalogTable(9, 'public', 'users', ['id', 'region'], [existingIndex('users_region_idx', ['region'], { predicate: '(id > 0)' })]);
  const { candidates } = generateCandidates(new Map([['q', statementShape(catalogOf(t), `SELECT * FROM users WHERE region = $1`)]]));
  const c = candidates.find((x) => x.keys.length === 1 && x.keys[0]!.key === 'region' && !x.predicate);
  assert.ok(c, candidates.map((x) => x.id).join('; '));
  const name = indexName(c);
  assert.notEqual(name, 'users_region_idx');
  assert.match(name, /^users_region_/);
  // An INVALID leftover of that name (a failed build of ours) does not move the name: the migration rebuilds it.
  const leftover = catalogTable(9, 'public', 'users', ['id', 'region'], [existingIndex('users_region_idx', ['region'], { valid: false })]);
  assert.equal(indexName({ ...c, table: leftover }), 'users_region_idx');
});

test('a generated index name is free in the whole schema: not an index of another table, a table or a sequence', () => {
  const t = catalogTable(9, 'public', 'users', ['id', 'region']);
  const { candidates } = generateCandidates(new Map([['q', statementShape(catalogOf(t), `SELECT * FROM users WHERE region = $1`)]]));
  const c = candidates.find((x) => x.keys.length === 1 && x.keys[0]!.key === 'region' && !x.predicate);
  assert.ok(c, candidates.map((x) => x.id).join('; '));
  assert.equal(indexName(c), 'users_region_idx', 'free: the readable name');
  // The same name held by any relation of the schema (pg_class is one namespace per schema).
  const inSchema = (names: string[]): CatalogTable => ({ ...t, schemaRelations: new Set(['users', ...names]) });
  for (const holder of [['users_region_idx'], ['users_region_idx', 'users_id_seq']]) {
    const name = indexName({ ...c, table: inSchema(holder) });
    assert.notEqual(name, 'users_region_idx', `taken by ${holder.join(', ')}`);
    assert.match(name, /^users_region_[0-9a-f]+/);
    assert.ok(!holder.includes(name));
  }
  // A relation of that name in another schema, or a differently cased one, does not move it.
  assert.equal(indexName({ ...c, table: inSchema(['Users_Region_Idx', 'users_region_idx ']) }), 'users_region_idx');
  // An INVALID index of this very table (a failed build of ours) keeps it: the migration rebuilds it.
  const leftover: CatalogTable = { ...inSchema(['users_region_idx']), indexes: [existingIndex('users_region_idx', ['region'], { valid: false })] };
  assert.equal(indexName({ ...c, table: leftover }), 'users_region_idx');
  // Even the id-suffixed name is checked: taken too, the hash form.
  const suffixed = indexName({ ...c, table: inSchema(['users_region_idx']) });
  const again = indexName({ ...c, table: inSchema(['users_region_idx', suffixed]) });
  assert.ok(again !== suffixed && again !== 'users_region_idx', again);
});

test('containment (GIN) columns, referenced columns and covering / GIN candidates; existing GIN opclass respected', () => {
  const s = shape(`SELECT d.title FROM docs d WHERE d.owner = $1 AND data ? 'k' AND $2 <@ tags AND title <> ''`);
  const u = s.uses.get(3)!;
  assert.deepEqual(u.contains.map((k) => `${k.key}:${k.ops.join(',')}:${k.jsonb}`), ['data:?:true', 'tags:@>:false']);
  assert.deepEqual([...u.refs].sort(), ['data', 'owner', 'tags', 'title']);
  assert.equal(u.star, false);
  assert.equal(shape(`SELECT * FROM docs WHERE owner = 1`).uses.get(3)!.star, true);
  assert.equal(shape(`SELECT d.* FROM docs d WHERE owner = 1`).uses.get(3)!.star, true);
  // @> on an integer column is not a GIN case.
  assert.equal(shape(`SELECT id FROM docs WHERE owner @> 1`).uses.get(3)!.contains.length, 0);

  const { candidates, suppressed } = generateCandidates(
    new Map([
      ['q1', shape(`SELECT title FROM docs WHERE owner = $1`)],
      ['q2', shape(`SELECT id FROM docs WHERE data @> $1`)],
      ['q3', shape(`SELECT id FROM docs WHERE data ? 'k'`)],
      ['q4', shape(`SELECT id FROM docs WHERE tags && $1`)],
    ]),
  );
  const sqls = candidates.map(createIndexSql);
  assert.ok(sqls.includes('CREATE INDEX CONCURRENTLY IF NOT EXISTS "docs_owner_incl_idx" ON "public"."docs" ("owner") INCLUDE ("title");'), sqls.join('\n'));
  assert.ok(sqls.includes('CREATE INDEX CONCURRENTLY IF NOT EXISTS "docs_owner_idx" ON "public"."docs" ("owner");'));
  assert.ok(sqls.includes('CREATE INDEX CONCURRENTLY IF NOT EXISTS "docs_tags_gin_idx" ON "public"."docs" USING gin ("tags");'));
  // data @> is served by the existing jsonb_path_ops index; data ? is not (it needs jsonb_ops).
  assert.ok(suppressed.some((x) => x.by === 'docs_data_path'));
  assert.ok(sqls.includes('CREATE INDEX CONCURRENTLY IF NOT EXISTS "docs_data_gin_idx" ON "public"."docs" USING gin ("data");'), sqls.join('\n'));
  assert.ok(!sqls.some((x) => /jsonb_path_ops/.test(x)));
});

test('index health: duplicates keep the constraint-backing one; redundant prefix; low selectivity on single keys only', () => {
  const base: IndexRow = {
    schema: 'public', table: 't', index: '', size: 8192, scans: 5, unique: false, primary: false, constraint: false, valid: true, building: false,
    am: 'btree', keys: ['a'], include: [], predicate: null, definition: '', tableRows: 50_000, leadingNDistinct: null, leadingTopFreq: null,
  };
  const fs = assessIndexHealth({
    indexes: [
      { ...base, index: 't_a_key', unique: true, constraint: true, scans: 0 },
      { ...base, index: 't_a_idx' },
      { ...base, index: 't_b_idx', keys: ['b'] },
      { ...base, index: 't_b_c_idx', keys: ['b', 'c'], leadingNDistinct: 2 },
      { ...base, index: 't_flag_idx', keys: ['flag'], leadingNDistinct: 2 },
    ],
    foreignKeys: [],
    statsAgeS: 30 * 86400,
    statsSince: '2026-10-01',
  });
  assert.deepEqual(fs.map((f) => `${f.id}:${f.object?.name}`).sort(), [
    'indexes.duplicate:t_a_idx',
    'indexes.low-selectivity:t_flag_idx',
    'indexes.redundant:t_b_idx',
  ]);
});

test('index health: an index created minutes ago is "too new to judge" (no DROP), one created 10 days ago in a year-old window is unused', () => {
  const base: IndexRow = {
    schema: 'public', table: 't', index: '', size: 8192, scans: 0, unique: false, primary: false, constraint: false, valid: true, building: false,
    am: 'btree', keys: ['a'], include: [], predicate: null, definition: '', tableRows: 50, leadingNDistinct: null, leadingTopFreq: null,
  };
  const fs = assessIndexHealth({
    indexes: [
      { ...base, index: 't_new_idx', keys: ['n'], createdAgeS: 300 },
      { ...base, index: 't_ten_days_idx', keys: ['d'], createdAgeS: 10 * 86400 },
      { ...base, index: 't_unknown_idx', keys: ['u'], createdAgeS: null },
    ],
    foreignKeys: [],
    statsAgeS: 365 * 86400,
    statsSince: '2025-12-01',
  });
  const by = new Map(fs.map((f) => [f.object?.name, f]));
  assert.equal(by.get('t_new_idx')?.id, 'indexes.too-new');
  assert.equal(by.get('t_new_idx')?.sql, undefined);
  assert.match(by.get('t_new_idx')?.title ?? '', /too new to judge \(created 5 min/);
  assert.equal(by.get('t_ten_days_idx')?.id, 'indexes.unused');
  assert.match(by.get('t_ten_days_idx')?.detail ?? '', /0 index scans in the 10 d since it was created/);
  assert.equal(by.get('t_unknown_idx')?.id, 'indexes.unused');
  assert.match(by.get('t_unknown_idx')?.detail ?? '', /creation time is unknown .*track_commit_timestamp/);
});

test('advisor findings write the cost change with a real arrow (→), not "->" that Markdown tooltips mangle', async () => {
  const { advisorFindings } = await import('../../src/core/analyzers/indexes/indexesAnalyzer');
  const r = {
    recommendations: [
      {
        verified: true, priority: 'high', method: 'btree', table: 'orders', schema: 'public', columns: ['customer_id'], benefitShare: 0.7, sizeBytes: 8192,
        writeRows: 10, writeOverhead: 1, sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "x" ON "public"."orders" ("customer_id");',
        queries: [{ calls: 12, before: 3434, after: 1001, sql: 'SELECT * FROM orders WHERE customer_id = $1' }],
      },
    ],
  } as unknown as Parameters<typeof advisorFindings>[0];
  const [f] = advisorFindings(r);
  assert.match(f!.detail, /12 calls, cost 3434 → 1001: SELECT/);
  assert.doesNotMatch(f!.detail, /->/);
});
