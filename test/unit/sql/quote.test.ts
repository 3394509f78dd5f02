// The one identifier-quoting function, and its only-when-needed form for text inserted into the user's SQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qualifiedName, quoteIdent, quoteIdentIfNeeded } from '../../../src/core/sql/quote';

test('quoteIdent always quotes and doubles embedded quotes', () => {
  assert.equal(quoteIdent('orders'), '"orders"');
  assert.equal(quoteIdent('we"ird'), '"we""ird"');
  assert.equal(qualifiedName('Sales', 'order'), '"Sales"."order"');
});

test('quoteIdentIfNeeded leaves plain lower-case names bare and quotes the rest through quoteIdent', () => {
  assert.equal(quoteIdentIfNeeded('note_2'), 'note_2');
  for (const name of ['Note', 'user', 'select', 'two words', 'we"ird', '1st', 'é']) {
    assert.equal(quoteIdentIfNeeded(name), quoteIdent(name), name);
  }
});
