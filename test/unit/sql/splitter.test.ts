import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitSql } from '../../../src/core/sql/splitter';
import { byteToCharOffset, LineIndex } from '../../../src/core/sql/lineIndex';

const texts = (sql: string) => splitSql(sql).pieces.map((p) => p.text);

test('splits at top-level semicolons only', () => {
  const sql = `SELECT 'a;b'; SELECT "we;ird"; SELECT $$ ; $$; SELECT $fn$ x; $body$ ; $fn$;
SELECT E'it\\'s; fine'; SELECT 'it''s; fine'; SELECT 1 -- c; not a split
; /* block ; /* nested ; */ still */ SELECT 2`;
  assert.deepEqual(texts(sql), [
    `SELECT 'a;b'`,
    `SELECT "we;ird"`,
    'SELECT $$ ; $$',
    'SELECT $fn$ x; $body$ ; $fn$',
    `SELECT E'it\\'s; fine'`,
    `SELECT 'it''s; fine'`,
    'SELECT 1',
    'SELECT 2',
  ]);
});

test('parameters and dollar signs in names are not dollar quotes', () => {
  assert.deepEqual(texts('SELECT $1, a$b FROM t WHERE x = $2; SELECT 2'), ['SELECT $1, a$b FROM t WHERE x = $2', 'SELECT 2']);
});

test('ranges point into the original text; comments are collected', () => {
  const sql = '-- migrate:up\n  CREATE TABLE t (id int);\n\n/* note */\nDROP TABLE t';
  const { pieces, comments } = splitSql(sql);
  assert.deepEqual(pieces.map((p) => sql.slice(p.start, p.end)), ['CREATE TABLE t (id int)', 'DROP TABLE t']);
  assert.deepEqual(pieces.map((p) => p.terminated), [true, false]);
  assert.deepEqual(comments.map((c) => [c.kind, c.body]), [['line', 'migrate:up'], ['block', 'note']]);
});

test('unterminated quotes and comments never throw and run to the end', () => {
  for (const sql of [`SELECT 'open`, 'SELECT "open', 'SELECT $$ open', '/* open', "SELECT E'\\"]) {
    const { pieces } = splitSql(sql);
    assert.ok(pieces.length <= 1);
  }
  assert.deepEqual(splitSql('').pieces, []);
  assert.deepEqual(splitSql(' ;; \n ; ').pieces, []);
});

test('UTF-8 byte offsets map to UTF-16 offsets (accents, CJK, emoji)', () => {
  const s = `SELECT 'é', '漢字', '😀', x`;
  const bytes = Buffer.from(s, 'utf8');
  const xByte = bytes.indexOf(Buffer.from('x'));
  assert.equal(byteToCharOffset(s, xByte), s.indexOf('x'));
  assert.equal(byteToCharOffset('plain', 3), 3);
});

test('line index positions', () => {
  const li = new LineIndex('ab\ncd\r\nef');
  assert.deepEqual(li.positionAt(0), { line: 0, column: 0 });
  assert.deepEqual(li.positionAt(4), { line: 1, column: 1 });
  assert.deepEqual(li.positionAt(8), { line: 2, column: 1 });
  assert.equal(li.offsetAt(2, 0), 7);
});
