import type { DropStmt, List } from '@pgsql/types';
import { as, relLabel, strings } from '../ast';
import { indexCreatedEarlier, recordIndex } from '../summaries';
import { offsetAfter } from '../../sql/textScan';
import type { Rule } from '../types';

export const requireConcurrentIndexDeletion: Rule = {
  meta: {
    id: 'require-concurrent-index-deletion',
    title: 'Drop indexes concurrently',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'require-concurrent-index-deletion',
    lock: 'ACCESS EXCLUSIVE',
    description: 'DROP INDEX without CONCURRENTLY.',
    why: "A plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table. The drop itself is quick, but the lock request waits behind every running query on the table, and while it waits every new SELECT, INSERT, UPDATE and DELETE on that table queues behind it: one long report query turns the drop into an outage.",
    safe: 'Use DROP INDEX CONCURRENTLY, outside a transaction block and one index per statement (it does not accept CASCADE). It waits for conflicting transactions without blocking reads and writes.',
    examples: {
      bad: [
        { sql: 'DROP INDEX users_email_idx;', range: 'DROP INDEX users_email_idx', fixed: 'DROP INDEX CONCURRENTLY users_email_idx;' },
        { sql: 'DROP INDEX IF EXISTS users_email_idx, users_name_idx;', note: 'Several indexes at once: no quick fix, CONCURRENTLY drops one index per statement.' },
      ],
      good: [
        { sql: 'DROP INDEX CONCURRENTLY users_email_idx;' },
        { sql: 'DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;' },
        {
          sql: 'CREATE TABLE accounts (id bigint, email text);\nCREATE INDEX accounts_email_idx ON accounts (email);\nDROP INDEX accounts_email_idx;',
          note: 'The index belongs to a table created in the same file: nobody else can be using it yet.',
        },
      ],
    },
    differences: 'An index created earlier in the same file on a table also created there is not flagged (squawk flags it).',
  },
  kinds: ['DropStmt'],
  check(ctx) {
    const d = as<DropStmt>(ctx.stmt.node, 'DropStmt');
    if (!d || d.removeType !== 'OBJECT_INDEX' || d.concurrent) return;
    const names = (d.objects ?? []).map((o) => strings(as<List>(o, 'List')?.items));
    const tables = names.map((n) => {
      const last = n[n.length - 1];
      return last ? indexCreatedEarlier(ctx.file, last)?.rel : undefined;
    });
    // Silent only when every dropped index is known to belong to a table created in this file.
    if (tables.length > 0 && tables.every((t) => t && ctx.file.isNewTable(t))) return;
    const label = names.map((n) => n.join('.')).join(', ');
    const known = tables.find((t) => t && !ctx.file.isNewTable(t));
    const on = known ? relLabel(known) : 'its table';
    const insertAt = names.length === 1 && d.behavior !== 'DROP_CASCADE' ? offsetAfter(ctx.stmt.text, /\bINDEX\b/i) : undefined;
    ctx.report({
      message: `DROP INDEX ${label} takes an ACCESS EXCLUSIVE lock on ${on}: while it waits for running queries, every read and write on ${on} queues behind it.`,
      help: names.length > 1 ? 'Drop each index in its own DROP INDEX CONCURRENTLY statement (outside a transaction).' : 'Use DROP INDEX CONCURRENTLY (outside a transaction).',
      ...(insertAt !== undefined
        ? { fix: { title: 'Insert CONCURRENTLY', edits: [{ start: ctx.stmt.start + insertAt, end: ctx.stmt.start + insertAt, newText: ' CONCURRENTLY' }] } }
        : {}),
    });
  },
  summarizeKinds: ['IndexStmt'],
  summarize: recordIndex,
};
