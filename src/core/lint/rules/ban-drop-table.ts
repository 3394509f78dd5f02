import type { DropStmt } from '@pgsql/types';
import { as, relLabel, strings } from '../ast';
import type { RelName, Rule } from '../types';

export const banDropTable: Rule = {
  meta: {
    id: 'ban-drop-table',
    title: 'Dropping a table breaks code that still uses it',
    category: 'breaking',
    defaultSeverity: 'warning',
    squawk: 'ban-drop-table',
    lock: 'ACCESS EXCLUSIVE',
    description: 'DROP TABLE of a table that already exists.',
    why: 'Every query that still reads or writes the table fails with "relation does not exist" once the migration commits, and the data is gone: a rollback of the application cannot bring it back. DROP TABLE also waits for an ACCESS EXCLUSIVE lock, queueing all other access to the table behind any long-running query.',
    safe: 'Remove every use of the table from the application and deploy first; keep a backup (or rename the table and drop it days later); then drop it in a later migration with a lock_timeout set.',
    examples: {
      bad: [{ sql: 'DROP TABLE audit_log;' }, { sql: 'DROP TABLE IF EXISTS public.audit_log, sessions CASCADE;' }],
      good: [
        { sql: 'CREATE TABLE tmp_import (id bigint);\nDROP TABLE tmp_import;', note: 'A table created in the same migration has no users yet.' },
        { sql: 'DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;' },
      ],
    },
    differences: 'Not reported for tables created in the same file or migration set.',
  },
  kinds: ['DropStmt'],
  check(ctx) {
    const d = as<DropStmt>(ctx.stmt.node, 'DropStmt');
    if (!d || d.removeType !== 'OBJECT_TABLE') return;
    const existing: RelName[] = [];
    for (const o of d.objects ?? []) {
      const names = strings(as<{ items?: never[] }>(o, 'List')?.items);
      const name = names[names.length - 1];
      if (!name) continue;
      const rel: RelName = names.length > 1 ? { schema: names[names.length - 2] as string, name } : { name };
      if (!ctx.file.isNewTable(rel)) existing.push(rel);
    }
    if (!existing.length) return;
    const list = existing.map(relLabel).join(', ');
    ctx.report({
      message: `Dropping ${existing.length > 1 ? 'tables' : 'table'} ${list} breaks every running query that still uses ${existing.length > 1 ? 'them' : 'it'}, and the data cannot be restored by rolling back the application.`,
      help: 'Remove all uses from the application and deploy first; drop in a later migration (keep a backup or rename first).',
    });
  },
};
