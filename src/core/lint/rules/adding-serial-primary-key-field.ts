import type { Constraint } from '@pgsql/types';
import { addedConstraints, alterTableOf, relLabel } from '../ast';
import type { Rule } from '../types';

export const addingSerialPrimaryKeyField: Rule = {
  meta: {
    id: 'adding-serial-primary-key-field',
    title: 'Add primary keys using a concurrently built index',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'adding-serial-primary-key-field',
    lock: 'ACCESS EXCLUSIVE',
    description: 'ALTER TABLE ... ADD PRIMARY KEY (cols), or ADD COLUMN ... PRIMARY KEY (e.g. a serial id), on an existing table.',
    why: 'Adding a primary key builds its unique index while holding an ACCESS EXCLUSIVE lock on the table, and if the key columns are nullable it also scans the table to set them NOT NULL: every read and write on the table is blocked until the index is built. With ADD COLUMN id serial PRIMARY KEY the whole table is rewritten first.',
    safe: 'CREATE UNIQUE INDEX CONCURRENTLY on the key columns (outside a transaction), make sure the columns are NOT NULL (validated CHECK, then SET NOT NULL), then ALTER TABLE ... ADD CONSTRAINT ... PRIMARY KEY USING INDEX, which only takes a brief lock.',
    examples: {
      bad: [{ sql: 'ALTER TABLE items ADD PRIMARY KEY (id);' }, { sql: 'ALTER TABLE items ADD COLUMN id bigserial PRIMARY KEY;' }],
      good: [
        { sql: 'CREATE UNIQUE INDEX CONCURRENTLY items_pkey_idx ON items (id);' },
        { sql: 'ALTER TABLE items ADD CONSTRAINT items_pkey PRIMARY KEY USING INDEX items_pkey_idx;' },
        { sql: 'CREATE TABLE items (id bigint, name text);\nALTER TABLE items ADD PRIMARY KEY (id);', note: 'A table created in the same file is empty.' },
      ],
    },
  },
  kinds: ['AlterTableStmt'],
  check(ctx) {
    const at = alterTableOf(ctx.stmt.node);
    if (!at || ctx.file.isNewTable(at.rel)) return;
    const table = relLabel(at.rel);
    const report = (c: Constraint, cols: string): void => {
      ctx.report({
        message: `Adding PRIMARY KEY (${cols}) to ${table} builds its index under an ACCESS EXCLUSIVE lock: every read and write on ${table} is blocked until the index is built.`,
        help: 'CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX.',
        ...(c.location !== undefined ? { at: { location: c.location } } : {}),
      });
    };
    for (const { constraint, columns } of addedConstraints(at.cmds, 'CONSTR_PRIMARY')) report(constraint, columns);
  },
};
