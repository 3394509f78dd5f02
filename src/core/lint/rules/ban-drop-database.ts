import type { DropdbStmt } from '@pgsql/types';
import { as } from '../ast';
import type { Rule } from '../types';

export const banDropDatabase: Rule = {
  meta: {
    id: 'ban-drop-database',
    title: 'Never drop a database in a migration',
    category: 'breaking',
    defaultSeverity: 'warning',
    squawk: 'ban-drop-database',
    description: 'DROP DATABASE in a migration.',
    why: 'DROP DATABASE removes every table and all data of the database irreversibly, and with FORCE it terminates the sessions connected to it. A migration that runs against the wrong environment, or is replayed, destroys production.',
    safe: 'Drop databases by hand, deliberately, after a verified backup, never from a migration that runs automatically.',
    examples: {
      bad: [{ sql: 'DROP DATABASE analytics;' }, { sql: 'DROP DATABASE IF EXISTS analytics WITH (FORCE);' }],
      good: [{ sql: 'DROP SCHEMA IF EXISTS scratch CASCADE;', note: 'Other drops are covered by their own rules.' }],
    },
  },
  kinds: ['DropdbStmt'],
  check(ctx) {
    const d = as<DropdbStmt>(ctx.stmt.node, 'DropdbStmt');
    if (!d) return;
    ctx.report({
      message: `DROP DATABASE ${d.dbname ?? ''} destroys the whole database and all its data, irreversibly.`.replace('  ', ' '),
      help: 'Remove it from the migration; drop databases by hand after a verified backup.',
    });
  },
};
