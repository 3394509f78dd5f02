import type { IndexStmt } from '@pgsql/types';
import { as, relLabel, relName } from '../ast';
import { offsetAfter } from '../../sql/textScan';
import type { Rule } from '../types';

export const requireConcurrentIndexCreation: Rule = {
  meta: {
    id: 'require-concurrent-index-creation',
    title: 'Create indexes concurrently',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'require-concurrent-index-creation',
    lock: 'SHARE',
    description: 'CREATE INDEX without CONCURRENTLY on a table that already exists.',
    why: 'A plain CREATE INDEX takes a SHARE lock on the table for the whole build: every INSERT, UPDATE and DELETE waits until the index is built, which on a large table means minutes of blocked writes.',
    safe: 'Use CREATE INDEX CONCURRENTLY, outside a transaction block. It takes SHARE UPDATE EXCLUSIVE, so reads and writes continue; if it fails it leaves an INVALID index to drop before retrying.',
    examples: {
      bad: [{ sql: 'CREATE INDEX users_email_idx ON users (email);', range: 'CREATE INDEX users_email_idx ON users (email)', fixed: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);' }],
      good: [
        { sql: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);' },
        { sql: 'CREATE TABLE accounts (id bigint, email text);\nCREATE INDEX accounts_email_idx ON accounts (email);', note: 'A table created in the same file is not visible to anyone else yet.' },
        {
          sql: 'CREATE INDEX IF NOT EXISTS events_at_idx ON ONLY events (at);',
          note: "ON ONLY a partitioned table creates the parent's index (invalid) without building anything; CONCURRENTLY is not allowed there. Each partition's index is built CONCURRENTLY and attached.",
        },
      ],
    },
  },
  kinds: ['IndexStmt'],
  check(ctx) {
    const idx = as<IndexStmt>(ctx.stmt.node, 'IndexStmt');
    if (!idx || idx.concurrent) return;
    // ON ONLY (inh unset): the partitioned-table pattern. It builds nothing and cannot be CONCURRENTLY.
    if (idx.relation && !idx.relation.inh) return;
    const rel = relName(idx.relation);
    if (ctx.file.isNewTable(rel)) return;
    const insertAt = offsetAfter(ctx.stmt.text, /\bINDEX\b/i);
    ctx.report({
      message: `CREATE INDEX on ${relLabel(rel)} blocks writes to the table while the index is built.`,
      help: 'Use CREATE INDEX CONCURRENTLY (outside a transaction).',
      ...(insertAt !== undefined
        ? { fix: { title: 'Insert CONCURRENTLY', edits: [{ start: ctx.stmt.start + insertAt, end: ctx.stmt.start + insertAt, newText: ' CONCURRENTLY' }] } }
        : {}),
    });
  },
};
