import { alterTableOf, columnConstraints, columnDefOf, relLabel } from '../ast';
import type { Rule } from '../types';

export const addingStoredGeneratedColumn: Rule = {
  meta: {
    id: 'adding-stored-generated-column',
    title: 'Adding a STORED generated column rewrites the table',
    category: 'locks',
    defaultSeverity: 'warning',
    lock: 'ACCESS EXCLUSIVE',
    description: 'ALTER TABLE ... ADD COLUMN ... GENERATED ALWAYS AS (...) STORED on an existing table (strong_migrations: add_column_generated_stored).',
    why: 'A stored generated column is computed and written for every existing row, so Postgres rewrites the whole table and its indexes while holding an ACCESS EXCLUSIVE lock: every read and write on the table is blocked until the rewrite finishes.',
    safe: 'On Postgres 18+, use a VIRTUAL generated column (computed on read, no rewrite). Otherwise add a plain nullable column, fill new rows with a trigger, backfill existing rows in batches, or compute the value in a view or an expression index.',
    examples: {
      bad: [{ sql: 'ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (price * quantity) STORED;' }],
      good: [
        { sql: 'ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (price * quantity) VIRTUAL;', options: { pgVersion: 18 }, note: 'Virtual generated columns (Postgres 18) are computed on read: no rewrite.' },
        { sql: 'CREATE TABLE lines (price numeric, quantity int);\nALTER TABLE lines ADD COLUMN total numeric GENERATED ALWAYS AS (price * quantity) STORED;', note: 'A table created in the same file is empty.' },
      ],
    },
    differences: 'squawk reports generated columns under adding-field-with-default; here they have their own rule and adding-field-with-default leaves them alone.',
  },
  kinds: ['AlterTableStmt'],
  check(ctx) {
    const at = alterTableOf(ctx.stmt.node);
    if (!at || ctx.file.isNewTable(at.rel)) return;
    const table = relLabel(at.rel);
    for (const cmd of at.cmds) {
      const col = columnDefOf(cmd);
      for (const c of columnConstraints(col)) {
        if (c.contype !== 'CONSTR_GENERATED' || c.generated_kind !== 's') continue;
        ctx.report({
          message: `Adding STORED generated column ${col?.colname ?? '?'} computes it for every row: it rewrites the whole of ${table} under an ACCESS EXCLUSIVE lock, blocking every read and write on ${table} until done.`,
          help: ctx.file.options.pgVersion >= 18 ? 'Use a VIRTUAL generated column instead (no rewrite).' : 'Add a plain column filled by a trigger and backfill in batches (or use VIRTUAL once on Postgres 18).',
          ...(c.location !== undefined ? { at: { location: c.location } } : {}),
        });
      }
    }
  },
};
