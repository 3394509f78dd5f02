// changing-column-type reads the old type from the live catalog (format_type strings) when the file does not
// declare it: double precision -> numeric(12,2) rewrites, varchar(50) -> text does not. The LiveContext here
// is plain data of the shape live.ts collects (test/db covers collecting it from a real server).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lintText, loadParser } from '../../../src/core/lint/linter';
import { parseFormatType } from '../../../src/core/lint/rules/changing-column-type';
import type { LiveContext } from '../../../src/core/lint/types';

before(async () => {
  await loadParser();
});

function live(columns: { name: string; type: string }[]): LiveContext {
  return {
    database: 'app',
    relations: { invoices: { schema: 'public', name: 'invoices', kind: 'r', rowEstimate: 10, totalBytes: 8192, columns: columns.map((c) => ({ ...c, notNull: false })), indexes: [], constraints: [] } },
    dirty: {},
    dirtyLimit: 1000,
  };
}

const only = { rules: { 'changing-column-type': 'warning' as const } };
const findings = (sql: string, ctx?: LiveContext) => lintText(sql, { ...only, ...(ctx ? { live: ctx } : {}) }).findings.filter((f) => f.ruleId === 'changing-column-type');

test('parseFormatType reads format_type() output', () => {
  assert.deepEqual(parseFormatType('numeric(12,2)'), { name: 'numeric', mods: [12, 2], array: false });
  assert.deepEqual(parseFormatType('character varying(255)[]'), { name: 'varchar', mods: [255], array: true });
  assert.deepEqual(parseFormatType('double precision'), { name: 'float8', mods: [], array: false });
  assert.deepEqual(parseFormatType('timestamp(3) with time zone'), { name: 'timestamptz', mods: [3], array: false });
  assert.deepEqual(parseFormatType('integer'), { name: 'int4', mods: [], array: false });
});

test('with the live type: double precision -> numeric(12,2) is a rewrite, varchar(50) -> text is not', () => {
  const sql = 'ALTER TABLE invoices ALTER COLUMN amount TYPE numeric(12,2);';
  const f = findings(sql, live([{ name: 'amount', type: 'double precision' }]));
  assert.equal(f.length, 1);
  assert.match(f[0]?.message ?? '', /from double precision to numeric\(12,2\) rewrites/);
  assert.equal(sql.slice(f[0]?.start, f[0]?.end), 'numeric');
  assert.deepEqual(findings('ALTER TABLE invoices ALTER COLUMN note TYPE text;', live([{ name: 'note', type: 'character varying(50)' }])), []);
  assert.deepEqual(findings('ALTER TABLE invoices ALTER COLUMN amount TYPE numeric(14,2);', live([{ name: 'amount', type: 'numeric(12,2)' }])), []);
});

test('without any old type the change is flagged, saying a widening would be safe', () => {
  const f = findings('ALTER TABLE invoices ALTER COLUMN note TYPE text USING note::text;');
  assert.equal(f.length, 1);
  assert.match(f[0]?.message ?? '', /unless the current type is binary-compatible/);
});
