import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generatedName, truncateUtf8 } from '../../../src/core/sql/generatedName';
import { indexName } from '../../../src/core/advisor/candidates';

const bytes = (s: string): number => Buffer.byteLength(s);

test('truncateUtf8 never splits a character', () => {
  assert.equal(truncateUtf8('aé', 2), 'a');
  assert.equal(truncateUtf8('📧📧', 5), '📧');
  assert.equal(truncateUtf8('abc', 10), 'abc');
});

test('generatedName: short names unchanged; long ones ≤ 63 bytes, distinct, suffix kept; a taken name is avoided', () => {
  assert.equal(generatedName(['users', 'email', 'key']), 'users_email_key');
  const t = 'x'.repeat(60);
  const a = generatedName([t, 'alpha', 'idx']);
  const b = generatedName([t, 'beta', 'idx']);
  assert.notEqual(a, b);
  for (const n of [a, b]) {
    assert.ok(bytes(n) <= 63);
    assert.match(n, /_[0-9a-f]{8}_idx$/);
  }
  const multi = generatedName(['ü'.repeat(40), 'c', 'check']);
  assert.ok(bytes(multi) <= 63);
  assert.ok(!multi.includes('\uFFFD'));
  const taken = generatedName(['t', 'c', 'key'], new Set(['t_c_key']));
  assert.notEqual(taken, 't_c_key');
  assert.match(taken, /^t_c_[0-9a-f]{8}_key$/);
});

test('advisor index names stay ≤ 63 bytes with multi-byte table names (was cut by UTF-16 length)', () => {
  const c = {
    id: 'cand-1',
    table: { schema: 'public', name: 'ü'.repeat(40), indexes: [] },
    keys: [{ key: 'created_at' }, { key: 'user_id' }],
    method: 'btree',
  } as unknown as Parameters<typeof indexName>[0];
  const n = indexName(c);
  assert.ok(bytes(n) <= 63, `${n}: ${bytes(n)} bytes`);
  assert.match(n, /_idx$/);
});
