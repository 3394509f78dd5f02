import { alterTableOf, columnConstraints, columnDefOf, relLabel, typeNameOf } from '../ast';
import type { Rule } from '../types';

const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

export const addingRequiredField: Rule = {
  meta: {
    id: 'adding-required-field',
    title: 'Adding a NOT NULL column without a default fails',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'adding-required-field',
    lock: 'ACCESS EXCLUSIVE',
    description: 'ALTER TABLE ... ADD COLUMN ... NOT NULL (or PRIMARY KEY) without a DEFAULT on an existing table.',
    why: 'Existing rows would get NULL in the new column, which the NOT NULL forbids, so on any table that has rows the statement fails ("column contains null values") and the deploy breaks. It only passes on an empty table, typically in development, which hides the problem until production.',
    safe: 'Add the column as nullable (or with a constant DEFAULT, instant on Postgres 11+), backfill existing rows in batches, then add the NOT NULL the safe way (validated CHECK, then SET NOT NULL).',
    examples: {
      bad: [{ sql: 'ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;' }],
      good: [
        { sql: 'ALTER TABLE users ADD COLUMN tenant_id bigint;' },
        { sql: "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';", note: 'A constant default fills existing rows without a rewrite (Postgres 11+).' },
        { sql: 'ALTER TABLE users ADD COLUMN total numeric NOT NULL GENERATED ALWAYS AS (price * qty) STORED;', note: 'A generated column computes its own value.' },
        { sql: 'CREATE TABLE teams (id bigint);\nALTER TABLE teams ADD COLUMN name text NOT NULL;', note: 'A table created in the same file has no rows.' },
      ],
    },
  },
  kinds: ['AlterTableStmt'],
  check(ctx) {
    const at = alterTableOf(ctx.stmt.node);
    if (!at || ctx.file.isNewTable(at.rel)) return;
    const table = relLabel(at.rel);
    for (const cmd of at.cmds) {
      const col = columnDefOf(cmd);
      if (!col) continue;
      const cons = columnConstraints(col);
      const notNull = col.is_not_null || cons.find((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY');
      if (!notNull) continue;
      const type = typeNameOf(col.typeName);
      if (type && SERIAL_TYPES.has(type)) continue;
      if (cons.some((c) => c.contype === 'CONSTR_DEFAULT' || c.contype === 'CONSTR_IDENTITY' || c.contype === 'CONSTR_GENERATED')) continue;
      const where = typeof notNull === 'object' ? notNull.location : col.location;
      ctx.report({
        message: `Adding NOT NULL column ${col.colname ?? '?'} without a default fails as soon as ${table} has a row: existing rows would be NULL.`,
        help: 'Add it nullable (or with a constant DEFAULT), backfill in batches, then make it NOT NULL safely.',
        ...(where !== undefined ? { at: { location: where } } : {}),
      });
    }
  },
};
