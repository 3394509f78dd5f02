import { relLabel, TYPED_COLUMN_KINDS, typedColumns, typeNameOf, typeSpan } from '../ast';
import type { Rule } from '../types';

const TIMESTAMP = /(?:pg_catalog\s*\.\s*)?(?:timestamp|"timestamp")(?![\w$])(\s*\(\s*\d+\s*\))?(\s+without\s+time\s+zone)?/i;

export const preferTimestampTz: Rule = {
  meta: {
    id: 'prefer-timestamp-tz',
    title: 'Prefer timestamptz over timestamp',
    category: 'types',
    defaultSeverity: 'info',
    squawk: 'prefer-timestamp-tz',
    description: 'A column created, added or retyped as `timestamp` (without time zone).',
    why: "`timestamp` stores wall-clock time and throws the UTC offset away: '2024-03-10 12:00+02' and '2024-03-10 12:00-06' are stored as the same value although they are eight hours apart. Values written by servers or sessions in different time zones become silently incomparable, and the hour repeated at a DST change is ambiguous.",
    safe: '`timestamptz` stores an absolute instant (as UTC) and converts to the session time zone on output; it takes the same 8 bytes. Quick fix: replace the type (precision kept).',
    examples: {
      bad: [
        { sql: 'CREATE TABLE events (id bigint, happened_at timestamp NOT NULL);', range: 'timestamp', fixed: 'CREATE TABLE events (id bigint, happened_at timestamptz NOT NULL);' },
        { sql: 'ALTER TABLE events ADD COLUMN processed_at timestamp(3) without time zone;' },
        { sql: 'ALTER TABLE events ALTER COLUMN happened_at TYPE timestamp;' },
      ],
      good: [
        { sql: 'CREATE TABLE events (id bigint, happened_at timestamptz NOT NULL, seen_at timestamp with time zone);' },
        { sql: "SELECT now()::timestamp, '2024-01-01'::timestamp;", note: 'Casts and expressions are not column types.' },
        { sql: 'CREATE TABLE shifts (id bigint, starts time, day date);', note: 'time and date are other types.' },
      ],
    },
  },
  kinds: TYPED_COLUMN_KINDS,
  check(ctx) {
    for (const tc of typedColumns(ctx.stmt.node)) {
      if (typeNameOf(tc.typeName) !== 'timestamp') continue;
      const span = typeSpan(ctx, tc.typeName, TIMESTAMP);
      const precision = span?.match[1]?.replace(/\s+/g, '') ?? '';
      ctx.report({
        message: `Column ${tc.column ?? '?'} of ${relLabel(tc.rel)} is timestamp without time zone: it drops the UTC offset, so instants written from different time zones are stored as the same value.`,
        help: 'Use timestamptz: an absolute instant, same 8 bytes, shown in the session time zone.',
        ...(span
          ? {
              at: { start: span.start, end: span.end },
              fix: { title: 'Use timestamptz', edits: [{ start: ctx.stmt.start + span.start, end: ctx.stmt.start + span.end, newText: `timestamptz${precision}` }] },
            }
          : tc.typeName.location !== undefined && tc.typeName.location >= 0
            ? { at: { location: tc.typeName.location } }
            : {}),
      });
    }
  },
};
