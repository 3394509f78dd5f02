import type { Rule } from '../types';

// Named for what it checks: any constraint (UNIQUE / PRIMARY KEY, NOT NULL, CHECK) that the rows already in
// the table violate. It was called unique-on-dirty-data; that id still works in configuration and ignore
// comments.
export const constraintOnDirtyData: Rule = {
  meta: {
    id: 'constraint-on-dirty-data',
    aliases: ['unique-on-dirty-data'],
    title: 'Constraint that existing rows violate',
    category: 'live',
    defaultSeverity: 'error',
    needsConnection: true,
    description:
      'ADD UNIQUE / PRIMARY KEY, CREATE UNIQUE INDEX, SET NOT NULL or ADD CHECK on an existing table whose current rows violate it, counted in the connected database with a bounded, read-only query.',
    why: 'The migration scans the whole table under its lock and then fails, rolling back everything before it in the transaction: the deploy breaks after having blocked the table for the length of the scan.',
    safe: 'Clean the data first (deduplicate, backfill NULLs, fix the failing rows) in batches, then add the constraint (NOT VALID + VALIDATE CONSTRAINT for CHECK and foreign keys, CREATE UNIQUE INDEX CONCURRENTLY + ADD CONSTRAINT ... USING INDEX for UNIQUE).',
    differences: 'Formerly unique-on-dirty-data (it checks every constraint kind, not only UNIQUE); the old id is still accepted in pgopt.json lint.rules and in ignore comments.',
    examples: {
      bad: [
        { setup: "CREATE TABLE users (id bigint, email text);\nINSERT INTO users VALUES (1, 'a@x'), (2, 'a@x'), (3, NULL);", sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);' },
        { setup: "CREATE TABLE users (id bigint, email text);\nINSERT INTO users VALUES (1, 'a@x'), (2, NULL);", sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;' },
        { setup: 'CREATE TABLE items (id bigint, qty int);\nINSERT INTO items VALUES (1, 5), (2, -1);', sql: 'ALTER TABLE items ADD CONSTRAINT qty_positive CHECK (qty > 0);' },
      ],
      good: [
        { setup: "CREATE TABLE users (id bigint, email text);\nINSERT INTO users VALUES (1, 'a@x'), (2, 'b@x'), (3, NULL), (4, NULL);", sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);', note: 'NULLs are distinct in a UNIQUE constraint.' },
        { setup: 'CREATE TABLE items (id bigint, qty int);\nINSERT INTO items VALUES (1, 5), (2, -1);', sql: 'ALTER TABLE items ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID;', note: 'NOT VALID does not check existing rows (VALIDATE CONSTRAINT would).' },
      ],
    },
  },
  check(ctx) {
    const live = ctx.file.options.live;
    const counts = live?.dirty[ctx.stmt.text];
    if (!live || !counts) return;
    for (const d of counts) {
      const cols = d.columns.join(', ');
      if (d.error) {
        ctx.report({ severity: 'info', message: `Could not check existing rows of ${d.table} for this ${d.kind === 'check' ? 'CHECK' : d.kind === 'unique' ? `UNIQUE (${cols})` : `NOT NULL (${cols})`}: ${d.error}.` });
        continue;
      }
      if (d.count <= 0) continue;
      const n = `${d.atLeast ? 'at least ' : ''}${d.count}`;
      const where = `in database ${live.database}`;
      if (d.kind === 'unique') {
        ctx.report({
          message: `${n} duplicated value${d.count === 1 ? '' : 's'} of (${cols}) in ${d.table} ${where}${d.rows !== undefined && !d.atLeast ? ` (${d.rows} rows)` : ''}: the unique constraint/index will fail.`,
          help: `Find them: SELECT ${cols}, count(*) FROM ${d.table} GROUP BY ${cols} HAVING count(*) > 1; deduplicate before adding the constraint.`,
        });
      } else if (d.kind === 'not-null') {
        ctx.report({
          message: `${n} row${d.count === 1 ? '' : 's'} of ${d.table} ${where} ha${d.count === 1 && !d.atLeast ? 's' : 've'} NULL in (${cols}): NOT NULL will fail.`,
          help: 'Backfill the NULLs (in batches) first.',
        });
      } else {
        ctx.report({
          message: `${n} row${d.count === 1 ? '' : 's'} of ${d.table} ${where} fail${d.count === 1 && !d.atLeast ? 's' : ''} this CHECK: adding it will fail.`,
          help: 'Fix those rows first, or add the constraint NOT VALID (new rows only) and VALIDATE it once the data is clean.',
        });
      }
    }
  },
};
