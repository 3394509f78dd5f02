import { alterTableOf, relLabel } from '../ast';
import type { Rule } from '../types';

export const banDropColumn: Rule = {
  meta: {
    id: 'ban-drop-column',
    title: 'Dropping a column breaks code that still uses it',
    category: 'breaking',
    defaultSeverity: 'warning',
    squawk: 'ban-drop-column',
    lock: 'ACCESS EXCLUSIVE',
    description: 'ALTER TABLE ... DROP COLUMN on a table that already exists.',
    why: 'The drop itself is quick (the column is only marked dropped, no rewrite), but every query, ORM model or prepared statement that still names the column fails with "column does not exist" from the moment the migration commits. Application servers deployed before the migration, and ORMs that list all columns in INSERT/SELECT (Rails, Django, Hibernate), break until they are redeployed.',
    safe: 'Remove every use of the column from the application first (Rails `ignored_columns`, Django `SeparateDatabaseAndState`, or simply stop selecting it), deploy that, then drop the column in a later migration. Set a lock_timeout: the drop still needs a brief ACCESS EXCLUSIVE lock.',
    examples: {
      bad: [{ sql: 'ALTER TABLE users DROP COLUMN legacy_flag;' }],
      good: [
        { sql: 'CREATE TABLE staging (id bigint, tmp text);\nALTER TABLE staging DROP COLUMN tmp;', note: 'A table created in the same migration has no readers yet.' },
        { sql: 'ALTER TABLE users ADD COLUMN nickname text;' },
      ],
    },
    differences: 'Not reported for tables created in the same file or migration set: nothing can depend on their columns yet.',
  },
  kinds: ['AlterTableStmt'],
  check(ctx) {
    const at = alterTableOf(ctx.stmt.node);
    if (!at || ctx.file.isNewTable(at.rel)) return;
    for (const cmd of at.cmds) {
      if (cmd.subtype !== 'AT_DropColumn') continue;
      ctx.report({
        message: `Dropping column ${cmd.name ?? '?'} of ${relLabel(at.rel)} breaks every running query, ORM model and prepared statement that still uses it.`,
        help: 'Stop using the column in the application and deploy first; drop it in a later migration.',
      });
    }
  },
};
