import type { DropStmt, IndexStmt, Node, PartitionCmd, ReindexStmt } from '@pgsql/types';
import { alterTableOf, as, optionEnabled } from '../ast';
import { fileMemo } from '../summaries';
import type { LintFinding, Rule } from '../types';

/** The concurrent operation a statement performs, if any ("CREATE INDEX CONCURRENTLY", ...). */
function concurrentOperation(node: Node): string | undefined {
  if (as<IndexStmt>(node, 'IndexStmt')?.concurrent) return 'CREATE INDEX CONCURRENTLY';
  const d = as<DropStmt>(node, 'DropStmt');
  if (d?.concurrent && d.removeType === 'OBJECT_INDEX') return 'DROP INDEX CONCURRENTLY';
  const r = as<ReindexStmt>(node, 'ReindexStmt');
  if (r && optionEnabled(r.params, 'concurrently')) return 'REINDEX CONCURRENTLY';
  const at = alterTableOf(node);
  if (at?.cmds.some((c) => c.subtype === 'AT_DetachPartition' && as<PartitionCmd>(c.def, 'PartitionCmd')?.concurrent)) return 'DETACH PARTITION CONCURRENTLY';
  return undefined;
}

export const banConcurrentIndexCreationInTransaction: Rule = {
  meta: {
    id: 'ban-concurrent-index-creation-in-transaction',
    title: 'No concurrent index operations inside a transaction',
    category: 'locks',
    // An error: the statement cannot succeed, so `migrate up` refuses to start (the lint gate).
    defaultSeverity: 'error',
    squawk: 'ban-concurrent-index-creation-in-transaction',
    description:
      'CREATE INDEX CONCURRENTLY (and likewise DROP INDEX / REINDEX / DETACH PARTITION ... CONCURRENTLY) inside a transaction: after an explicit BEGIN, or anywhere in a multi-statement file when the runner wraps each file in a transaction.',
    why: 'Concurrent operations commit several internal transactions of their own, so Postgres refuses them inside a transaction block ("cannot run inside a transaction block"): the migration fails at deploy time, after the statements before it have already run in that transaction and are rolled back.',
    safe: 'Put the concurrent statement in its own migration that runs outside a transaction (e.g. Rails disable_ddl_transaction!, Django atomic = False, a runner "no transaction" flag), or end the transaction with COMMIT before it.',
    examples: {
      bad: [
        { sql: 'BEGIN;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nCOMMIT;' },
        {
          sql: 'CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;',
          options: { assumeInTransaction: true },
          note: 'The runner wraps the whole file in one transaction.',
        },
        { sql: 'BEGIN;\nDROP INDEX CONCURRENTLY users_email_idx;\nCOMMIT;' },
      ],
      good: [
        { sql: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);' },
        { sql: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);', options: { assumeInTransaction: true }, note: 'A single-statement file is not a multi-statement transaction block.' },
        { sql: 'BEGIN;\nALTER TABLE users ADD COLUMN email text;\nCOMMIT;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);', note: 'The transaction was committed before the concurrent build.' },
      ],
    },
    differences:
      'Also covers DROP INDEX, REINDEX and DETACH PARTITION ... CONCURRENTLY (squawk: CREATE INDEX only). Like squawk, a file holding a single statement is not flagged under assume-in-transaction.',
  },
  kinds: ['IndexStmt', 'DropStmt', 'ReindexStmt', 'AlterTableStmt'],
  check(ctx) {
    if (!ctx.file.inTransaction) return;
    const op = concurrentOperation(ctx.stmt.node);
    if (!op) return;
    const m = /\bCONCURRENTLY\b/i.exec(ctx.stmt.text);
    const f = ctx.hold({
      message: `${op} cannot run inside a transaction block: this migration will fail with "cannot run inside a transaction block".`,
      help: 'Move it to its own migration that runs outside a transaction, or COMMIT before it.',
      ...(m ? { at: { start: m.index, end: m.index + m[0].length } } : {}),
    });
    // A file of this one statement is not flagged: known once the file has a second statement.
    if (ctx.stmt.index > 0) ctx.release(f);
    else fileMemo(ctx.file, 'ban-concurrent-index-creation-in-transaction', () => ({ first: f }));
  },
  finish(ctx) {
    const held = fileMemo<{ first: LintFinding } | undefined>(ctx.file, 'ban-concurrent-index-creation-in-transaction', () => undefined);
    if (held && ctx.statementCount > 1) ctx.release(held.first);
  },
};
