import { relLabel, TYPED_COLUMN_KINDS, typedColumns, typeNameOf, typeSpan } from '../ast';
import type { Rule } from '../types';

const JSON_TYPE = /(?:pg_catalog\s*\.\s*)?(?:json|"json")(?![\w$])/i;

export const preferJsonbOverJson: Rule = {
  meta: {
    id: 'prefer-jsonb-over-json',
    title: 'Prefer jsonb over json',
    category: 'types',
    defaultSeverity: 'info',
    description: 'A column created, added or retyped as `json`.',
    why: '`json` stores the raw text and re-parses it on every access. It has no equality operator, so DISTINCT, GROUP BY, UNION and unique constraints on the column fail ("could not identify an equality operator for type json"), and it cannot be GIN-indexed for containment (@>) or key-existence queries.',
    safe: 'Use `jsonb` (parsed once, indexable, comparable). Keep `json` only when the exact input text — key order, duplicate keys, whitespace — must be preserved. Quick fix: replace the type.',
    examples: {
      bad: [{ sql: 'CREATE TABLE webhooks (id bigint, payload json NOT NULL);', range: 'json', fixed: 'CREATE TABLE webhooks (id bigint, payload jsonb NOT NULL);' }, { sql: 'ALTER TABLE webhooks ADD COLUMN headers json;' }],
      good: [
        { sql: 'CREATE TABLE webhooks (id bigint, payload jsonb NOT NULL);' },
        { sql: "SELECT '{\"a\": 1}'::json -> 'a';", note: 'Casts and expressions are not column types.' },
      ],
    },
    differences: 'Not a squawk rule (Eugene E3).',
  },
  kinds: TYPED_COLUMN_KINDS,
  check(ctx) {
    for (const tc of typedColumns(ctx.stmt.node)) {
      if (typeNameOf(tc.typeName) !== 'json') continue;
      const span = typeSpan(ctx, tc.typeName, JSON_TYPE);
      ctx.report({
        message: `Column ${tc.column ?? '?'} of ${relLabel(tc.rel)} is json: it is re-parsed on every access, cannot be compared (DISTINCT, GROUP BY, UNIQUE fail) and cannot be GIN-indexed.`,
        help: 'Use jsonb, unless the exact input text (key order, duplicates, whitespace) must be kept.',
        ...(span
          ? {
              at: { start: span.start, end: span.end },
              fix: { title: 'Use jsonb', edits: [{ start: ctx.stmt.start + span.start, end: ctx.stmt.start + span.end, newText: 'jsonb' }] },
            }
          : {}),
      });
    }
  },
};
