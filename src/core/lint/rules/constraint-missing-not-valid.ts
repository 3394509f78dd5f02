import { alterTableOf, constraintOf, relKey, relLabel, relName } from '../ast';
import { notValidInTransaction, recordNotValidInTransaction } from '../summaries';
import { appendOffset } from '../../sql/textScan';
import type { Fix, Rule, RuleContext } from '../types';

/** Fix that appends NOT VALID when the ALTER TABLE has exactly one subcommand (so the end of the text is the constraint's end). */
export function appendNotValidFix(ctx: RuleContext, cmdCount: number): Fix | undefined {
  if (cmdCount !== 1) return undefined;
  const at = appendOffset(ctx.stmt.text);
  if (at === undefined) return undefined;
  return { title: 'Append NOT VALID (then VALIDATE CONSTRAINT in a separate transaction)', edits: [{ start: ctx.stmt.start + at, end: ctx.stmt.start + at, newText: ' NOT VALID' }] };
}

export const constraintMissingNotValid: Rule = {
  meta: {
    id: 'constraint-missing-not-valid',
    title: 'Add CHECK and FOREIGN KEY constraints as NOT VALID',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'constraint-missing-not-valid',
    lock: 'ACCESS EXCLUSIVE',
    description:
      'ALTER TABLE ... ADD CONSTRAINT with a CHECK or FOREIGN KEY that is validated immediately (no NOT VALID) on an existing table; also VALIDATE CONSTRAINT in the same transaction that added the constraint NOT VALID.',
    why: 'Adding a CHECK constraint takes an ACCESS EXCLUSIVE lock (a FOREIGN KEY: SHARE ROW EXCLUSIVE on both tables) and then scans the whole table to check existing rows while holding it: reads (for CHECK) and writes are blocked for the length of the scan. Validating in the same transaction as the NOT VALID add keeps that first lock for the whole scan, which defeats the point.',
    safe: 'ADD CONSTRAINT ... NOT VALID (only new rows are checked; the lock is brief), then in a separate transaction ALTER TABLE ... VALIDATE CONSTRAINT, which scans under SHARE UPDATE EXCLUSIVE and lets reads and writes continue.',
    examples: {
      bad: [
        { sql: 'ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0);', range: 'CONSTRAINT', fixed: 'ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0) NOT VALID;' },
        {
          sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
          options: { rules: { 'adding-foreign-key-constraint': 'off' } },
          note: 'With adding-foreign-key-constraint on (the default), a foreign key is reported once, under that rule.',
        },
        {
          sql: 'BEGIN;\nALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0) NOT VALID;\nALTER TABLE accounts VALIDATE CONSTRAINT positive_balance;\nCOMMIT;',
          note: 'NOT VALID and VALIDATE in one transaction: the ACCESS EXCLUSIVE lock from the add is held during the scan.',
        },
      ],
      good: [
        { sql: 'ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0) NOT VALID;' },
        {
          sql: 'BEGIN;\nALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0) NOT VALID;\nCOMMIT;\nBEGIN;\nALTER TABLE accounts VALIDATE CONSTRAINT positive_balance;\nCOMMIT;',
        },
        { sql: 'CREATE TABLE accounts (id bigint, balance numeric);\nALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0);', note: 'A table created in the same file has no rows to scan.' },
        { sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;', note: 'UNIQUE / PRIMARY KEY cannot be NOT VALID; see disallowed-unique-constraint.' },
      ],
    },
    differences:
      'A FOREIGN KEY is reported under adding-foreign-key-constraint when that rule is on (squawk reports both). Only CHECK and FOREIGN KEY constraints are flagged (squawk also flags PRIMARY KEY, UNIQUE and EXCLUDE, which cannot be NOT VALID; other rules cover them). NOT ENFORCED constraints (Postgres 18) are not validated and are not flagged.',
  },
  kinds: ['AlterTableStmt'],
  check(ctx) {
    const at = alterTableOf(ctx.stmt.node);
    if (!at) return;
    for (const cmd of at.cmds) {
      if (cmd.subtype === 'AT_ValidateConstraint' && cmd.name && ctx.file.inTransaction) {
        const name = cmd.name.toLowerCase();
        const addedNotValid = !!at.rel && notValidInTransaction(ctx.file).has(`${relKey(at.rel)}\0${name}`);
        if (addedNotValid && !ctx.file.isNewTable(at.rel)) {
          ctx.report({
            message: `VALIDATE CONSTRAINT ${cmd.name} runs in the same transaction that added it NOT VALID: the lock taken by the add stays held on ${relLabel(at.rel)} while the whole table is scanned.`,
            help: 'COMMIT after ADD CONSTRAINT ... NOT VALID and validate in a separate transaction (or migration).',
          });
        }
        continue;
      }
      if (cmd.subtype !== 'AT_AddConstraint') continue;
      const c = constraintOf(cmd.def);
      if (!c || c.skip_validation) continue;
      if (c.contype !== 'CONSTR_CHECK' && c.contype !== 'CONSTR_FOREIGN') continue;
      if (ctx.file.isNewTable(at.rel)) return;
      const table = relLabel(at.rel);
      const what = c.contype === 'CONSTR_CHECK' ? 'CHECK' : 'FOREIGN KEY';
      const blocked =
        c.contype === 'CONSTR_CHECK'
          ? `blocks reads and writes on ${table} while every row is checked`
          : `blocks writes on ${table} and ${relLabel(relName(c.pktable))} while every row is checked`;
      const fix = appendNotValidFix(ctx, at.cmds.length);
      ctx.report({
        message: `${what} constraint ${c.conname ?? ''}${c.conname ? ' ' : ''}is validated immediately: it ${blocked}.`,
        help: 'Add it NOT VALID, then run ALTER TABLE ... VALIDATE CONSTRAINT in a separate transaction.',
        ...(c.location !== undefined ? { at: { location: c.location } } : {}),
        ...(fix ? { fix } : {}),
      });
    }
  },
  summarizeKinds: ['TransactionStmt', 'AlterTableStmt'],
  summarize: recordNotValidInTransaction,
};
