import type { TransactionStmt } from '@pgsql/types';
import { as, txKind } from '../ast';
import { fileMemo } from '../summaries';
import type { FileState, LintFinding, Rule } from '../types';

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
  kinds: ['TransactionStmt'],
  check(ctx) {
    if (txKind(as<TransactionStmt>(ctx.stmt.node, 'TransactionStmt')) !== 'begin') return;
    if (ctx.file.options.assumeInTransaction) return;
    // Whether a COMMIT/ROLLBACK follows is known at finish: the BEGIN's finding waits in its section's slot.
    const finding = ctx.hold({
      message: 'This transaction is never committed or rolled back: it is still open when the migration ends, so its changes are lost or its locks stay held by an idle session.',
      help: 'Add COMMIT (or ROLLBACK) at the end of the transaction.',
      fix: { title: 'Append COMMIT', edits: [] },
    });
    state(ctx.file).open.set(ctx.stmt.section, finding);
  },
  summarize(ctx) {
    // BEGINs never followed (in their section) by COMMIT/ROLLBACK before the next BEGIN or the end; a BEGIN
    // followed by another BEGIN is judged by that one (nesting is transaction-nesting's business).
    const st = state(ctx.file);
    st.lastEnd.set(ctx.stmt.section, ctx.stmt.end);
    if (ctx.stmt.kind !== 'TransactionStmt') return;
    const t = as<TransactionStmt>(ctx.stmt.node, 'TransactionStmt');
    const k = txKind(t);
    if (k === 'begin') {
      if (!st.open.has(ctx.stmt.section) || st.open.get(ctx.stmt.section)?.statementIndex !== ctx.stmt.index) st.open.set(ctx.stmt.section, undefined);
    } else if (k === 'end' && !t?.chain) st.open.delete(ctx.stmt.section);
  },
  finish(ctx) {
    const st = state(ctx.file);
    for (const [section, f] of st.open) {
      if (!f) continue;
      // The fix appends COMMIT after the section's last statement.
      const end = st.lastEnd.get(section) ?? f.end;
      ctx.release({ ...f, fix: { title: f.fix?.title ?? 'Append COMMIT', edits: [{ start: end, end, newText: ';\nCOMMIT' }] } });
    }
  },
};

interface UncommittedState {
  /** Per section, the finding of its open BEGIN (undefined: a BEGIN this rule did not flag is open). */
  open: Map<string | undefined, LintFinding | undefined>;
  /** Per section, where its last statement ends. */
  lastEnd: Map<string | undefined, number>;
}

function state(file: FileState): UncommittedState {
  return fileMemo(file, 'ban-uncommitted-transaction', () => ({ open: new Map(), lastEnd: new Map() }));
}
