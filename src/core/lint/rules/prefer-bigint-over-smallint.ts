import { isKeyLikeTypedColumn, relLabel, TYPED_COLUMN_KINDS, typedColumns, typeNameOf, typeSpan } from '../ast';
import type { Rule } from '../types';

const SMALLINT_TYPE = /(?:pg_catalog\s*\.\s*)?(?:smallint|int2|"int2"|smallserial|serial2)(?![\w$])/i;

export const preferBigintOverSmallint: Rule = {
  meta: {
    id: 'prefer-bigint-over-smallint',
    title: 'Prefer bigint over smallint for keys',
    category: 'types',
    defaultSeverity: 'info',
    squawk: 'prefer-bigint-over-smallint',
    description: 'A key-like column (primary key, foreign key, identity, serial, or named id / *_id) created, added or retyped as a 16-bit integer (smallint, int2, smallserial).',
    why: 'A 16-bit key runs out at 32,767: inserts then fail with "smallint out of range", and widening the column later is a full table rewrite under ACCESS EXCLUSIVE (plus every referencing column). Alignment padding usually eats the 6 bytes smallint saves.',
    safe: 'Use bigint (or bigserial / identity) for keys. Quick fix: smallint -> bigint, smallserial -> bigserial.',
    examples: {
      bad: [
        { sql: 'CREATE TABLE regions (id smallserial PRIMARY KEY, name text);', range: 'smallserial', fixed: 'CREATE TABLE regions (id bigserial PRIMARY KEY, name text);' },
        { sql: 'CREATE TABLE stores (id bigint, region_id smallint REFERENCES regions (id));' },
        { sql: 'CREATE TABLE routes (id bigint PRIMARY KEY, region_ids smallint[]);', note: 'An array of keys runs out with the key.' },
      ],
      good: [
        { sql: 'CREATE TABLE ratings (id bigint PRIMARY KEY, stars smallint NOT NULL);', note: 'A small bounded quantity is not a key.' },
        { sql: 'CREATE TABLE regions (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);' },
      ],
    },
    differences: 'squawk flags every smallint column; this rule flags only key-like columns (arrays too when they hold keys: `ids`, `*_ids`, `smallserial[]`).',
  },
  kinds: TYPED_COLUMN_KINDS,
  check(ctx) {
    for (const tc of typedColumns(ctx.stmt.node)) {
      const t = typeNameOf(tc.typeName);
      if (t !== 'int2' && t !== 'smallserial' && t !== 'serial2') continue;
      if (!isKeyLikeTypedColumn(tc)) continue;
      const serial = t !== 'int2';
      const span = typeSpan(ctx, tc.typeName, SMALLINT_TYPE);
      const replacement = serial ? 'bigserial' : 'bigint';
      ctx.report({
        message: `Key column ${tc.column ?? '?'} of ${relLabel(tc.rel)} is a 16-bit ${serial ? 'smallserial' : 'smallint'}: inserts fail once it passes 32,767, and widening it later rewrites the table under ACCESS EXCLUSIVE.`,
        help: `Use ${replacement}.`,
        ...(span
          ? {
              at: { start: span.start, end: span.end },
              fix: { title: `Use ${replacement}`, edits: [{ start: ctx.stmt.start + span.start, end: ctx.stmt.start + span.end, newText: replacement }] },
            }
          : {}),
      });
    }
  },
};
