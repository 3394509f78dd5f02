import type { TransactionStmt } from '@pgsql/types';
import { as, perFile, txKind } from '../ast';
import type { ParsedStatement, Rule } from '../types';

export const banUncommittedTransaction: Rule = {
  meta: {
    id: 'ban-uncommitted-transaction',
    title: 'Every BEGIN needs a COMMIT',
    category: 'hygiene',
    defaultSeverity: 'warning',
    squawk: 'ban-uncommitted-transaction',
    description: 'A BEGIN (or START TRANSACTION) with no COMMIT or ROLLBACK after it in the file.',
    why: 'The transaction is still open when the file ends. Depending on the runner its changes are silently rolled back when the connection closes (the migration is recorded as applied but did nothing), or the session stays "idle in transaction" holding every lock the migration took, blocking the tables it touched until someone kills it.',
    safe: 'End every transaction explicitly with COMMIT (or ROLLBACK) in the same file. Quick fix: append COMMIT.',
    examples: {
      bad: [{ sql: 'BEGIN;\nALTER TABLE users ADD COLUMN nickname text;', range: 'BEGIN', fixed: 'BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;' }, { sql: 'BEGIN;\nCREATE TABLE a (id bigint);\nCOMMIT;\nSTART TRANSACTION;\nCREATE TABLE b (id bigint);' }],
      good: [
        { sql: 'BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;' },
        { sql: 'BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nROLLBACK;' },
        { sql: 'ALTER TABLE users ADD COLUMN nickname text;' },
        { sql: 'BEGIN;\nALTER TABLE users ADD COLUMN nickname text;', options: { assumeInTransaction: true }, note: 'The runner commits its own transaction (transaction-nesting reports the BEGIN).' },
      ],
    },
    differences: 'Not reported when the runner wraps the file in a transaction ("assume in transaction"): the runner commits, and transaction-nesting reports the superfluous BEGIN.',
  },
  check(ctx) {
    if (txKind(as<TransactionStmt>(ctx.stmt.node, 'TransactionStmt')) !== 'begin') return;
    if (ctx.file.options.assumeInTransaction) return;
    const facts = perFile(ctx.file.statements, 'ban-uncommitted-transaction', () => {
      // BEGINs never followed (in their section) by COMMIT/ROLLBACK before the next BEGIN or the end;
      // a BEGIN followed by another BEGIN is judged by that one (nesting is transaction-nesting's business).
      const unclosed = new Set<number>();
      const pending = new Map<string | undefined, number>();
      const last = new Map<string | undefined, ParsedStatement>();
      for (const s of ctx.file.statements) {
        last.set(s.section, s);
        if (s.kind !== 'TransactionStmt') continue;
        const t = as<TransactionStmt>(s.node, 'TransactionStmt');
        const k = txKind(t);
        if (k === 'begin') pending.set(s.section, s.index);
        else if (k === 'end' && !t?.chain) pending.delete(s.section);
      }
      for (const i of pending.values()) unclosed.add(i);
      return { unclosed, last };
    });
    if (!facts.unclosed.has(ctx.stmt.index)) return;
    const last = facts.last.get(ctx.stmt.section) ?? ctx.stmt;
    ctx.report({
      message: 'This transaction is never committed or rolled back: it is still open when the migration ends, so its changes are lost or its locks stay held by an idle session.',
      help: 'Add COMMIT (or ROLLBACK) at the end of the transaction.',
      fix: { title: 'Append COMMIT', edits: [{ start: last.end, end: last.end, newText: ';\nCOMMIT' }] },
    });
  },
};
