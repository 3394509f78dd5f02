import type { RangeVar, TruncateStmt } from '@pgsql/types';
import { as, relLabel, relName } from '../ast';
import type { Rule } from '../types';

export const banTruncateCascade: Rule = {
  meta: {
    id: 'ban-truncate-cascade',
    title: 'TRUNCATE ... CASCADE empties other tables too',
    category: 'breaking',
    defaultSeverity: 'warning',
    squawk: 'ban-truncate-cascade',
    lock: 'ACCESS EXCLUSIVE',
    description: 'TRUNCATE with the CASCADE option.',
    why: 'CASCADE also truncates every table that has a foreign key to the listed tables, and recursively every table referencing those: with a -> b -> c, `TRUNCATE a CASCADE` empties a, b and c. Which tables that is depends on the foreign keys present in the target database at run time, not on what the migration author saw, and each of them is locked ACCESS EXCLUSIVE while it is emptied.',
    safe: 'List exactly the tables to empty: `TRUNCATE a, b;`. Postgres then refuses if another table still references them, instead of silently emptying it.',
    examples: {
      bad: [{ sql: 'TRUNCATE accounts CASCADE;' }, { sql: 'TRUNCATE TABLE ONLY accounts, sessions RESTART IDENTITY CASCADE;' }],
      good: [{ sql: 'TRUNCATE accounts, account_settings;' }, { sql: 'TRUNCATE accounts RESTRICT;' }],
    },
  },
  kinds: ['TruncateStmt'],
  check(ctx) {
    const t = as<TruncateStmt>(ctx.stmt.node, 'TruncateStmt');
    if (!t || t.behavior !== 'DROP_CASCADE') return;
    const list = (t.relations ?? []).map((r) => relLabel(relName(as<RangeVar>(r, 'RangeVar')))).join(', ');
    const casc = [...ctx.stmt.text.matchAll(/\bCASCADE\b/gi)].pop();
    ctx.report({
      message: `TRUNCATE ${list} CASCADE also empties every table that references ${list} through a foreign key, recursively, whichever those are in the database it runs against.`,
      help: 'Remove CASCADE and list every table you mean to empty.',
      ...(casc ? { at: { start: casc.index ?? 0, end: (casc.index ?? 0) + casc[0].length } } : {}),
    });
  },
};
