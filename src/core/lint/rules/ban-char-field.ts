import { relLabel, TYPED_COLUMN_KINDS, typedColumns, typeNameOf, typeSpan, typmodValues } from '../ast';
import type { Rule } from '../types';

const CHAR_TYPE = /(?:pg_catalog\s*\.\s*)?(?:national\s+character|national\s+char|nchar|character|char|bpchar|"bpchar"|"char"|"character")(?![\w$])(?!\s+varying)(?:\s*\(\s*\d+\s*\))?/i;

export const banCharField: Rule = {
  meta: {
    id: 'ban-char-field',
    title: 'Do not use char(n)',
    category: 'breaking',
    defaultSeverity: 'warning',
    squawk: 'ban-char-field',
    description: 'A column created, added or retyped as `char(n)` / `character(n)` (blank-padded).',
    why: "char(n) pads every value with spaces to n characters and strips them again in most comparisons but not all (LIKE, regular expressions, concatenation and client code see the padding), so 'ab' and 'ab  ' compare equal in one place and differ in another. It is not faster than text or varchar in Postgres, and it still rejects values longer than n.",
    safe: 'Use text (with a CHECK on char_length if a limit matters) or varchar(n). Quick fix: char(n) becomes varchar(n), keeping the length limit without the padding.',
    examples: {
      bad: [
        { sql: 'CREATE TABLE countries (code char(2) PRIMARY KEY, name text);', range: 'char(2)', fixed: 'CREATE TABLE countries (code varchar(2) PRIMARY KEY, name text);' },
        { sql: 'ALTER TABLE users ADD COLUMN initial character;' },
        { sql: 'ALTER TABLE users ALTER COLUMN country TYPE character(2);' },
        { sql: 'CREATE TABLE t (c "char"(100));', note: 'Quoted "char" with a length means char(n); Postgres rejects it ("type modifier is not allowed").' },
      ],
      good: [
        { sql: 'CREATE TABLE countries (code text PRIMARY KEY CHECK (char_length(code) = 2), name varchar(100));' },
        { sql: 'CREATE TABLE flags (id bigint, kind "char");', note: 'The quoted one-byte "char" type is a different type.' },
      ],
    },
    differences: 'The quoted one-byte "char" type (a different type) is not reported, unless it has a length (`"char"(100)`, which is not valid for it); like squawk, quoted `"character"(n)` is reported. A statement that does not parse (squawk\'s `all_the_types` case has `int array[]`, a Postgres syntax error) gets a syntax-error finding instead of rule findings. For char without a length the quick fix keeps its implicit limit of 1 (varchar(1)) rather than switching to unlimited text.',
  },
  kinds: TYPED_COLUMN_KINDS,
  check(ctx) {
    for (const tc of typedColumns(ctx.stmt.node)) {
      const t = typeNameOf(tc.typeName);
      // bpchar: char(n) / character(n) as written unquoted. Quoted "char"(n) / "character"(n) are someone
      // reaching for char(n) too (Postgres rejects the first, and has no type named "character").
      if (t !== 'bpchar' && !(t === 'char' && (tc.typeName.typmods?.length ?? 0) > 0) && t !== 'character') continue;
      const len = typmodValues(tc.typeName)[0];
      const span = typeSpan(ctx, tc.typeName, CHAR_TYPE);
      const replacement = len !== undefined ? `varchar(${len})` : 'text';
      ctx.report({
        message: `Column ${tc.column ?? '?'} of ${relLabel(tc.rel)} is char${len !== undefined ? `(${len})` : ''}: values are blank-padded, and the padding is ignored by some comparisons and visible to others (LIKE, concatenation, clients).`,
        help: `Use ${replacement}${len !== undefined ? ' (same limit, no padding)' : ''} or text.`,
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
