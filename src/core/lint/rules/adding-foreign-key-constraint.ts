import { alterTableOf, columnConstraints, columnDefOf, constraintOf, relLabel, relName } from '../ast';
import type { Rule } from '../types';
import { appendNotValidFix } from './constraint-missing-not-valid';

export const addingForeignKeyConstraint: Rule = {
  meta: {
    id: 'adding-foreign-key-constraint',
    title: 'Add foreign keys as NOT VALID',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'adding-foreign-key-constraint',
    // The foreign key case of constraint-missing-not-valid, said with both tables' locks: one finding, not two.
    supersedes: ['constraint-missing-not-valid'],
    lock: 'SHARE ROW EXCLUSIVE',
    description: 'A FOREIGN KEY added to an existing table without NOT VALID: ADD CONSTRAINT ... FOREIGN KEY, or ADD COLUMN ... REFERENCES.',
    why: 'Adding a foreign key takes SHARE ROW EXCLUSIVE locks on both the table and the referenced table, then scans the table to check every existing row while holding them: INSERT, UPDATE and DELETE on both tables wait for the whole scan. ADD COLUMN ... REFERENCES additionally takes ACCESS EXCLUSIVE on the table, blocking reads too.',
    safe: 'Add the column first (nullable, no REFERENCES), then ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID (brief lock, checks only new rows), then VALIDATE CONSTRAINT in a separate transaction (SHARE UPDATE EXCLUSIVE: reads and writes continue).',
    examples: {
      bad: [
        { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);', range: 'CONSTRAINT', fixed: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;' },
        { sql: 'ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id);' },
      ],
      good: [
        { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;' },
        { sql: 'CREATE TABLE invoices (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));', note: 'A new table has no rows to check.' },
        {
          sql: 'CREATE TABLE invoices (id bigint PRIMARY KEY, user_id bigint);\nALTER TABLE invoices ADD CONSTRAINT invoices_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
          note: 'A table created earlier in the same file has no rows to check.',
        },
      ],
    },
    differences:
      'A NOT ENFORCED foreign key (Postgres 18) is not validated and is not flagged. Squawk also reports constraint-missing-not-valid on the same foreign key; pgopt reports it once, under this rule (an ignore comment naming either id suppresses it; with this rule off, constraint-missing-not-valid reports it).',
  },
  kinds: ['AlterTableStmt'],
  check(ctx) {
    const at = alterTableOf(ctx.stmt.node);
    if (!at || ctx.file.isNewTable(at.rel)) return;
    const table = relLabel(at.rel);
    for (const cmd of at.cmds) {
      if (cmd.subtype === 'AT_AddConstraint') {
        const c = constraintOf(cmd.def);
        if (!c || c.contype !== 'CONSTR_FOREIGN' || c.skip_validation) continue;
        const ref = relLabel(relName(c.pktable));
        const fix = appendNotValidFix(ctx, at.cmds.length);
        ctx.report({
          message: `Adding foreign key ${c.conname ?? ''}${c.conname ? ' ' : ''}validates every row of ${table} while holding SHARE ROW EXCLUSIVE on ${table} and ${ref}: writes to both tables are blocked for the whole scan.`,
          help: 'Add it NOT VALID, then VALIDATE CONSTRAINT in a separate transaction.',
          ...(c.location !== undefined ? { at: { location: c.location } } : {}),
          ...(fix ? { fix } : {}),
        });
        continue;
      }
      const col = columnDefOf(cmd);
      for (const c of columnConstraints(col)) {
        if (c.contype !== 'CONSTR_FOREIGN' || c.skip_validation) continue;
        const ref = relLabel(relName(c.pktable));
        ctx.report({
          message: `ADD COLUMN ${col?.colname ?? ''} ... REFERENCES ${ref} locks ${table} (ACCESS EXCLUSIVE) and ${ref} (SHARE ROW EXCLUSIVE) while every row of ${table} is checked: reads and writes on ${table} and writes on ${ref} are blocked.`,
          help: `Add the column without REFERENCES, then ALTER TABLE ${table} ADD CONSTRAINT ... FOREIGN KEY (${col?.colname ?? 'col'}) REFERENCES ${ref} NOT VALID, then VALIDATE CONSTRAINT in a separate transaction.`,
          ...(c.location !== undefined ? { at: { location: c.location } } : {}),
        });
      }
    }
  },
};
