// The table page's pure parts: the --table argument and which tables a statement reads or writes.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { findingTouches, parseTableArg, statementTables } from '../../src/core/analyzers/table/tableReport';
import { loadParser } from '../../src/core/sql/parser';

before(() => loadParser());

test('--table: schema.name, name (public), quoted parts keep dots, case and quotes; malformed is undefined', () => {
  assert.deepEqual(parseTableArg('app.orders'), { schema: 'app', name: 'orders' });
  assert.deepEqual(parseTableArg('orders'), { schema: 'public', name: 'orders' });
  assert.deepEqual(parseTableArg('"My Schema"."Order.Lines"'), { schema: 'My Schema', name: 'Order.Lines' });
  assert.deepEqual(parseTableArg('public."a""b"'), { schema: 'public', name: 'a"b' });
  for (const bad of ['', 'a.b.c', '.x', 'x.', '"open']) assert.equal(parseTableArg(bad), undefined, bad);
});

test('statement tables: FROM, JOIN, subqueries, UPDATE/INSERT/DELETE targets; CTE names are not tables', () => {
  const names = (sql: string) => statementTables(sql)?.map((r) => (r.schema ? `${r.schema}.${r.name}` : r.name)).sort();
  assert.deepEqual(names('SELECT * FROM orders o JOIN app.customers c ON c.id = o.customer_id WHERE o.id IN (SELECT order_id FROM lines)'), ['app.customers', 'lines', 'orders']);
  assert.deepEqual(names('UPDATE orders SET status = $1 WHERE id = $2'), ['orders']);
  assert.deepEqual(names('INSERT INTO audit (x) SELECT id FROM orders'), ['audit', 'orders']);
  assert.deepEqual(names('DELETE FROM "Order Lines" USING orders WHERE true'), ['Order Lines', 'orders']);
  assert.deepEqual(names('WITH recent AS (SELECT * FROM orders) SELECT * FROM recent'), ['orders']);
  assert.equal(statementTables('SELEC nonsense'), undefined);
});

test('a finding is about the table through its object: the table itself, or an index/column/constraint of it', () => {
  const t = { schema: 'public', name: 'orders' };
  const f = (object: object | undefined) => ({ id: 'x', severity: 'info' as const, title: '', detail: '', ...(object ? { object } : {}) }) as Parameters<typeof findingTouches>[0];
  assert.equal(findingTouches(f({ kind: 'table', schema: 'public', name: 'orders' }), t), true);
  assert.equal(findingTouches(f({ kind: 'index', schema: 'public', name: 'orders_pkey', table: 'orders' }), t), true);
  assert.equal(findingTouches(f({ kind: 'table', schema: 'app', name: 'orders' }), t), false);
  assert.equal(findingTouches(f({ kind: 'column', schema: 'public', name: 'email', table: 'customers' }), t), false);
  assert.equal(findingTouches(f(undefined), t), false);
});
