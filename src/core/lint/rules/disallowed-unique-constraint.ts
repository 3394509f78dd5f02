import type { Constraint } from '@pgsql/types';
import { addedConstraints, alterTableOf, relLabel } from '../ast';
import type { Rule } from '../types';

export const disallowedUniqueConstraint: Rule = {
  meta: {
    id: 'disallowed-unique-constraint',
    title: 'Add UNIQUE constraints using a concurrently built index',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'disallowed-unique-constraint',
    lock: 'ACCESS EXCLUSIVE',
    description: 'ALTER TABLE ... ADD CONSTRAINT ... UNIQUE (cols) without USING INDEX, or ADD COLUMN ... UNIQUE, on an existing table.',
    why: 'Adding a UNIQUE constraint builds its index while holding an ACCESS EXCLUSIVE lock on the table: every read and write on the table is blocked until the index is built, minutes on a large table.',
    safe: 'CREATE UNIQUE INDEX CONCURRENTLY (outside a transaction; reads and writes continue), then ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX index_name, which only takes a brief lock.',
    examples: {
      bad: [{ sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);' }, { sql: 'ALTER TABLE users ADD COLUMN handle text UNIQUE;' }],
      good: [
        { sql: 'CREATE UNIQUE INDEX CONCURRENTLY users_email_key_idx ON users (email);' },
        { sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key_idx;' },
        { sql: 'CREATE TABLE products (id bigint, sku text);\nALTER TABLE products ADD CONSTRAINT products_sku_key UNIQUE (sku);', note: 'A table created in the same file is empty.' },
      ],
    },
    differences: 'ADD COLUMN ... UNIQUE on a table created in the same file is not flagged (squawk flags it).',
  },
  kinds: ['AlterTableStmt'],
  check(ctx) {
    const at = alterTableOf(ctx.stmt.node);
    if (!at || ctx.file.isNewTable(at.rel)) return;
    const table = relLabel(at.rel);
    const report = (c: Constraint, cols: string): void => {
      ctx.report({
        message: `Adding UNIQUE (${cols}) to ${table} builds its index under an ACCESS EXCLUSIVE lock: every read and write on ${table} is blocked until the index is built.`,
        help: 'CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... UNIQUE USING INDEX.',
        ...(c.location !== undefined ? { at: { location: c.location } } : {}),
      });
    };
    for (const { constraint, columns } of addedConstraints(at.cmds, 'CONSTR_UNIQUE')) report(constraint, columns);
  },
};
