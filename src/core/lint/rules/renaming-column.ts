import type { RenameStmt } from '@pgsql/types';
import { as, relLabel, relName } from '../ast';
import type { Rule } from '../types';

const RELATION_KINDS: Record<string, string> = {
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_FOREIGN_TABLE: 'foreign table',
};

export const renamingColumn: Rule = {
  meta: {
    id: 'renaming-column',
    title: 'Renaming a column breaks code that uses the old name',
    category: 'breaking',
    defaultSeverity: 'warning',
    squawk: 'renaming-column',
    lock: 'ACCESS EXCLUSIVE',
    description: 'ALTER TABLE ... RENAME COLUMN (also on views) of a relation that already exists.',
    why: 'The rename is instant, but application servers still running the previous release keep sending the old name: every such query fails with "column does not exist" until all of them are redeployed, and a rollback of the application breaks again the other way. Views and functions are updated by Postgres; code outside the database is not.',
    safe: 'Expand and contract: add the new column, write to both, backfill, switch reads to the new column, deploy, then drop the old one. Or keep the name in the database and map it in the ORM.',
    examples: {
      bad: [{ sql: 'ALTER TABLE users RENAME COLUMN mail TO email;' }, { sql: 'ALTER VIEW active_users RENAME COLUMN mail TO email;' }],
      good: [
        { sql: 'CREATE TABLE invoices (id bigint, amt numeric);\nALTER TABLE invoices RENAME COLUMN amt TO amount;', note: 'A table created in the same migration has no users yet.' },
        { sql: 'ALTER TABLE users ADD COLUMN email text;' },
      ],
    },
    differences: 'Not reported for tables created in the same file or migration set. Also covers RENAME COLUMN on views, materialized views and foreign tables.',
  },
  kinds: ['RenameStmt'],
  check(ctx) {
    const r = as<RenameStmt>(ctx.stmt.node, 'RenameStmt');
    if (!r || r.renameType !== 'OBJECT_COLUMN') return;
    const kind = RELATION_KINDS[r.relationType ?? ''] ?? 'table';
    const rel = relName(r.relation);
    if (ctx.file.isNewTable(rel)) return;
    ctx.report({
      message: `Renaming column ${r.subname ?? '?'} of ${kind} ${relLabel(rel)} to ${r.newname ?? '?'}: every running query that uses the old column name fails until all application servers are redeployed.`,
      help: 'Add the new column, write to both, backfill, switch reads, then drop the old one — or keep the name and map it in the application.',
    });
  },
};
