import type { TransactionStmt } from '@pgsql/types';
import { as, txKind } from '../ast';
import { fileMemo } from '../summaries';
import type { FileState, Rule } from '../types';

export const transactionNesting: Rule = {
  meta: {
    id: 'transaction-nesting',
    title: 'No BEGIN/COMMIT inside a transaction',
    category: 'hygiene',
    defaultSeverity: 'warning',
    squawk: 'transaction-nesting',
    description:
      'BEGIN, COMMIT or ROLLBACK in a file the migration runner already wraps in a transaction (the "assume in transaction" setting), a BEGIN while an explicit transaction is open, or a COMMIT/ROLLBACK with none open.',
    why: 'Postgres has no nested transactions. A second BEGIN is ignored with a warning, and the first COMMIT ends the one real transaction: when the runner owns it, every statement after that COMMIT runs in autocommit mode, so a later failure leaves the migration half-applied although the runner promised atomicity, and the runner\'s own COMMIT finds no transaction.',
    safe: 'With a runner that wraps each file in a transaction, leave transaction control to the runner: remove BEGIN/COMMIT, and put statements that must not run in a transaction (CREATE INDEX CONCURRENTLY) in their own non-transactional migration. Without one, use exactly one BEGIN ... COMMIT pair per transaction.',
    examples: {
      bad: [
        { sql: 'BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;', options: { assumeInTransaction: true }, note: 'The runner already opened a transaction.' },
        { sql: 'BEGIN;\nBEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;' },
        { sql: 'ALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;' },
      ],
      good: [
        { sql: 'BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;' },
        { sql: 'BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nCOMMIT;', note: 'Consecutive transactions are fine.' },
        { sql: 'ALTER TABLE users ADD COLUMN nickname text;\nSAVEPOINT before_backfill;\nUPDATE users SET nickname = name;\nRELEASE SAVEPOINT before_backfill;', options: { assumeInTransaction: true }, note: 'Savepoints work inside the runner\'s transaction.' },
        { sql: '-- migrate:up\nBEGIN;\nCREATE TABLE a (id bigint);\nCOMMIT;\n-- migrate:down\nBEGIN;\nDROP TABLE a;\nCOMMIT;', note: 'dbmate up/down sections run separately.' },
      ],
    },
  },
  kinds: ['TransactionStmt'],
  check(ctx) {
    const kind = txKind(as<TransactionStmt>(ctx.stmt.node, 'TransactionStmt'));
    if (kind === 'other') return;
    const first = ctx.stmt.text.trim().split(/\s+/)[0]?.toUpperCase() ?? (kind === 'begin' ? 'BEGIN' : 'COMMIT');
    const word = first === 'START' ? 'START TRANSACTION' : first === 'PREPARE' ? 'PREPARE TRANSACTION' : first;
    if (ctx.file.options.assumeInTransaction) {
      ctx.report(
        kind === 'begin'
          ? {
              message: `${word} inside the transaction the migration runner opened: Postgres ignores it with a warning, and the next COMMIT ends the runner's transaction early, so later statements run without one.`,
              help: 'Remove it (the runner provides the transaction), or turn off "assume in transaction" if this runner does not wrap files.',
            }
          : {
              message: `${word} ends the transaction the migration runner opened: statements after it run outside any transaction, and the runner's own COMMIT finds none.`,
              help: 'Remove it; put statements that must run outside a transaction in their own non-transactional migration.',
            },
      );
      return;
    }
    // Whether an explicit transaction is open just before this statement, per dbmate section.
    const open = openBefore(ctx.file).get(ctx.stmt.section) ?? false;
    if (kind === 'begin' && open) {
      ctx.report({
        message: `${word} while a transaction is already open: Postgres ignores it with a warning, and the first COMMIT ends the outer transaction too.`,
        help: 'Remove the inner BEGIN (and its COMMIT); use SAVEPOINT for a nested rollback point.',
      });
    } else if (kind === 'end' && !open) {
      ctx.report({
        message: `${word} without an open transaction: the statements before it already committed one by one, and Postgres only warns "there is no transaction in progress".`,
        help: 'BEGIN the transaction earlier in the migration, or remove this statement.',
      });
    }
  },
  summarizeKinds: ['TransactionStmt'],
  summarize(ctx) {
    if (ctx.stmt.kind !== 'TransactionStmt') return;
    const t = as<TransactionStmt>(ctx.stmt.node, 'TransactionStmt');
    const k = txKind(t);
    if (k === 'begin') openBefore(ctx.file).set(ctx.stmt.section, true);
    else if (k === 'end' && !t?.chain) openBefore(ctx.file).set(ctx.stmt.section, false);
  },
};

function openBefore(file: FileState): Map<string | undefined, boolean> {
  return fileMemo(file, 'transaction-nesting', () => new Map<string | undefined, boolean>());
}
