import { isArrayType, relLabel, TYPED_COLUMN_KINDS, typedColumns, typeNameOf, typeSpan, typmodValues } from '../ast';
import { quoteIdentIfNeeded } from '../../sql/quote';
import type { Rule } from '../types';

const VARCHAR_N = /(?:pg_catalog\s*\.\s*)?(?:national\s+character\s+varying|national\s+char\s+varying|character\s+varying|char\s+varying|nchar\s+varying|varchar|"varchar")\s*\(\s*\d+\s*\)/i;

export const preferTextField: Rule = {
  meta: {
    id: 'prefer-text-field',
    title: 'Prefer text with a CHECK over varchar(n)',
    category: 'types',
    defaultSeverity: 'hint',
    squawk: 'prefer-text-field',
    lock: 'ACCESS EXCLUSIVE',
    description: 'A column created, added or retyped as `varchar(n)` (with a length limit).',
    why: 'The limit lives in the column type, so changing it later is ALTER COLUMN TYPE: an ACCESS EXCLUSIVE lock that queues every read and write behind it, and a full table rewrite when the limit shrinks. varchar(n) is not faster or smaller than text in Postgres.',
    safe: 'Use text with a CHECK (char_length(col) <= n) constraint: the limit can then be changed by adding a new constraint NOT VALID, validating it (no blocking lock) and dropping the old one. Quick fix (new tables only): replace the type with text plus that CHECK.',
    examples: {
      bad: [
        { sql: 'CREATE TABLE users (id bigint, email varchar(255) NOT NULL);', range: 'varchar(255)', fixed: 'CREATE TABLE users (id bigint, email text CHECK (char_length(email) <= 255) NOT NULL);' },
        { sql: 'ALTER TABLE users ADD COLUMN nickname character varying(40);' },
        { sql: 'ALTER TABLE users ALTER COLUMN email TYPE varchar(320);' },
      ],
      good: [
        { sql: 'CREATE TABLE users (id bigint, email text NOT NULL CHECK (char_length(email) <= 255));' },
        { sql: 'CREATE TABLE notes (id bigint, body varchar);', note: 'varchar without a limit is the same as text.' },
      ],
    },
    differences: 'The quick fix keeps the limit as a CHECK constraint instead of dropping it, and is offered only where adding that CHECK costs nothing (a table created in this file); on an existing table an inline CHECK would scan the table under ACCESS EXCLUSIVE.',
  },
  kinds: TYPED_COLUMN_KINDS,
  check(ctx) {
    for (const tc of typedColumns(ctx.stmt.node)) {
      if (typeNameOf(tc.typeName) !== 'varchar') continue;
      const len = typmodValues(tc.typeName)[0];
      if (len === undefined) continue;
      const span = typeSpan(ctx, tc.typeName, VARCHAR_N);
      const col = tc.column;
      const newTable = tc.how === 'create' || (tc.how === 'add' && ctx.file.isNewTable(tc.rel));
      const fixable = span && col && newTable && !isArrayType(tc.typeName) && !tc.def.storage_name && !tc.def.compression;
      ctx.report({
        message: `Column ${col ?? '?'} of ${relLabel(tc.rel)} is varchar(${len}): changing the limit later is ALTER COLUMN TYPE under an ACCESS EXCLUSIVE lock (and a full rewrite to shrink it).`,
        help: `Use text with CHECK (char_length(${col ? quoteIdentIfNeeded(col) : 'col'}) <= ${len}); the constraint can be swapped later without blocking (NOT VALID + VALIDATE).`,
        ...(span ? { at: { start: span.start, end: span.end } } : {}),
        ...(fixable && span && col
          ? {
              fix: {
                title: `Use text with CHECK (char_length(...) <= ${len})`,
                edits: [{ start: ctx.stmt.start + span.start, end: ctx.stmt.start + span.end, newText: `text CHECK (char_length(${quoteIdentIfNeeded(col)}) <= ${len})` }],
              },
            }
          : {}),
      });
    }
  },
};
