import { isKeyLikeTypedColumn, relLabel, TYPED_COLUMN_KINDS, typedColumns, typeNameOf, typeSpan } from '../ast';
import type { Rule } from '../types';

const INT_TYPE = /(?:pg_catalog\s*\.\s*)?(?:integer|int4|int|"int4"|serial4|serial|"serial")(?![\w$])/i;

export const preferBigintOverInt: Rule = {
  meta: {
    id: 'prefer-bigint-over-int',
    title: 'Prefer bigint over int for keys',
    category: 'types',
    defaultSeverity: 'info',
    squawk: 'prefer-bigint-over-int',
    description: 'A key-like column (primary key, foreign key, identity, serial, or named id / *_id) created, added or retyped as a 32-bit integer (int, integer, int4, serial).',
    why: 'A 32-bit key runs out at 2,147,483,647: inserts then fail with "integer out of range" (or "nextval: reached maximum value of sequence"), which is an outage. Widening it afterwards is ALTER COLUMN TYPE bigint: a full table rewrite under ACCESS EXCLUSIVE, plus every referencing foreign key column.',
    safe: 'Use bigint (or bigserial / bigint GENERATED ... AS IDENTITY) for keys from the start; the extra 4 bytes per row are cheap. Quick fix: int -> bigint, serial -> bigserial. Note that some drivers return bigint as a string (node-postgres) — check the application side.',
    examples: {
      bad: [
        { sql: 'CREATE TABLE orders (id serial PRIMARY KEY, total numeric);', range: 'serial', fixed: 'CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric);' },
        { sql: 'CREATE TABLE order_lines (order_id integer REFERENCES orders (id), qty int);' },
        { sql: 'CREATE TABLE tags (tag_no int4, name text, PRIMARY KEY (tag_no));' },
        { sql: 'ALTER TABLE payments ADD COLUMN invoice_id int;' },
        { sql: 'CREATE TABLE batches (id bigint PRIMARY KEY, order_ids int[]);', note: 'An array of keys runs out with the key.' },
      ],
      good: [
        { sql: 'CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, quantity int, retries integer);', note: 'Counts and small quantities are not keys.' },
        { sql: 'CREATE TABLE order_lines (order_id bigint REFERENCES orders (id), quantities int[]);' },
      ],
    },
    differences: 'squawk flags every int column; this rule flags only key-like columns (keys, references, identity/serial, id-named), where running out is an outage. Quantities and counters are left alone. Arrays count when they hold keys (`ids`, `*_ids`, `serial[]`): squawk\'s `ids int[]` cases are flagged.',
  },
  kinds: TYPED_COLUMN_KINDS,
  check(ctx) {
    for (const tc of typedColumns(ctx.stmt.node)) {
      const t = typeNameOf(tc.typeName);
      if (t !== 'int4' && t !== 'serial' && t !== 'serial4') continue;
      if (!isKeyLikeTypedColumn(tc)) continue;
      const serial = t !== 'int4';
      const span = typeSpan(ctx, tc.typeName, INT_TYPE);
      const replacement = serial ? 'bigserial' : 'bigint';
      ctx.report({
        message: `Key column ${tc.column ?? '?'} of ${relLabel(tc.rel)} is a 32-bit ${serial ? 'serial' : 'integer'}: inserts fail once it passes 2,147,483,647, and widening it later rewrites the table under ACCESS EXCLUSIVE.`,
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
