import { alterTableOf, constraintOf, relLabel } from '../ast';
import type { Rule } from '../types';

export const exclusionConstraint: Rule = {
  meta: {
    id: 'exclusion-constraint',
    title: 'Adding an exclusion constraint locks the table while its index is built',
    category: 'locks',
    defaultSeverity: 'warning',
    lock: 'ACCESS EXCLUSIVE',
    description: 'ALTER TABLE ... ADD CONSTRAINT ... EXCLUDE on an existing table (Eugene E8).',
    why: 'An exclusion constraint is backed by an index that is built, and every existing row checked, while the ALTER TABLE holds an ACCESS EXCLUSIVE lock: every read and write on the table is blocked until the build finishes. Unlike UNIQUE there is no USING INDEX form, so the index cannot be built concurrently beforehand.',
    safe: 'There is no lock-free way to add an exclusion constraint to a populated table. Add it when the table is created, or schedule a maintenance window sized to the index build (test the duration on a copy), with lock_timeout set.',
    examples: {
      bad: [{ sql: 'ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&);' }],
      good: [
        {
          sql: 'CREATE TABLE bookings (room_id int, during tstzrange, EXCLUDE USING gist (room_id WITH =, during WITH &&));',
          note: 'Declared with the table: the index is built on an empty table.',
        },
        {
          sql: 'CREATE TABLE bookings (room_id int, during tstzrange);\nALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&);',
          note: 'A table created earlier in the same file is empty.',
        },
      ],
    },
  },
  kinds: ['AlterTableStmt'],
  check(ctx) {
    const at = alterTableOf(ctx.stmt.node);
    if (!at || ctx.file.isNewTable(at.rel)) return;
    const table = relLabel(at.rel);
    for (const cmd of at.cmds) {
      if (cmd.subtype !== 'AT_AddConstraint') continue;
      const c = constraintOf(cmd.def);
      if (c?.contype !== 'CONSTR_EXCLUSION') continue;
      ctx.report({
        message: `Adding exclusion constraint ${c.conname ?? ''}${c.conname ? ' ' : ''}builds its index on ${table} under an ACCESS EXCLUSIVE lock: every read and write on ${table} is blocked until the build finishes.`,
        help: 'There is no concurrent way: add it at table creation, or in a planned maintenance window with lock_timeout set.',
        ...(c.location !== undefined ? { at: { location: c.location } } : {}),
      });
    }
  },
};
