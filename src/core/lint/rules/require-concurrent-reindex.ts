import type { ReindexStmt } from '@pgsql/types';
import { as, optionEnabled, relLabel, relName } from '../ast';
import { indexCreatedEarlier, recordIndex } from '../summaries';
import type { Rule } from '../types';

const KIND_WORD: Record<string, string> = {
  REINDEX_OBJECT_INDEX: 'INDEX',
  REINDEX_OBJECT_TABLE: 'TABLE',
  REINDEX_OBJECT_SCHEMA: 'SCHEMA',
  REINDEX_OBJECT_DATABASE: 'DATABASE',
};

export const requireConcurrentReindex: Rule = {
  meta: {
    id: 'require-concurrent-reindex',
    title: 'Reindex concurrently',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'require-concurrent-reindex',
    lock: 'SHARE',
    description: 'REINDEX (of an index, table, schema or database) without CONCURRENTLY, on Postgres 12 or later where CONCURRENTLY exists.',
    why: 'A plain REINDEX holds a SHARE lock on the table for the whole rebuild, so every INSERT, UPDATE and DELETE waits, and an ACCESS EXCLUSIVE lock on each index being rebuilt, so even SELECTs that would use that index block. On a large table that is minutes of blocked traffic.',
    safe: 'Use REINDEX ... CONCURRENTLY (Postgres 12+), outside a transaction block. It builds a new copy of the index next to the old one and swaps them, taking only SHARE UPDATE EXCLUSIVE; if it fails it leaves an invalid *_ccnew index to drop.',
    examples: {
      bad: [{ sql: 'REINDEX INDEX users_email_idx;', range: 'REINDEX INDEX users_email_idx', fixed: 'REINDEX INDEX CONCURRENTLY users_email_idx;' }, { sql: 'REINDEX (VERBOSE) TABLE orders;' }],
      good: [
        { sql: 'REINDEX INDEX CONCURRENTLY users_email_idx;' },
        { sql: 'REINDEX (CONCURRENTLY) TABLE orders;' },
        { sql: 'CREATE TABLE accounts (id bigint, email text);\nREINDEX TABLE accounts;', note: 'A table created in the same file is not visible to anyone else yet.' },
        { sql: 'REINDEX SYSTEM app;', note: 'System catalogs cannot be reindexed concurrently.' },
        {
          sql: 'REINDEX INDEX users_email_idx;',
          options: { pgVersion: 11 },
          note: 'Before Postgres 12 there is no REINDEX CONCURRENTLY: rebuild with CREATE INDEX CONCURRENTLY + DROP INDEX CONCURRENTLY instead.',
        },
      ],
    },
    differences: 'Silent before Postgres 12 (no CONCURRENTLY to suggest), for REINDEX SYSTEM, and for tables created earlier in the same file.',
  },
  kinds: ['ReindexStmt'],
  check(ctx) {
    const r = as<ReindexStmt>(ctx.stmt.node, 'ReindexStmt');
    if (!r || ctx.file.options.pgVersion < 12) return;
    const word = KIND_WORD[String(r.kind ?? '')];
    if (!word) return; // REINDEX SYSTEM: never concurrent
    if (optionEnabled(r.params, 'concurrently')) return;
    let target = r.name ?? relLabel(relName(r.relation));
    let table = r.kind === 'REINDEX_OBJECT_TABLE' ? relName(r.relation) : undefined;
    if (r.kind === 'REINDEX_OBJECT_INDEX' && r.relation?.relname) table = indexCreatedEarlier(ctx.file, r.relation.relname)?.rel;
    if (table && ctx.file.isNewTable(table)) return;
    if (word === 'SCHEMA' || word === 'DATABASE') target = `${word.toLowerCase()} ${target}`;
    const blocked = word === 'INDEX' ? (table ? `writes to ${relLabel(table)}, and reads that use the index,` : "writes to the index's table, and reads that use the index,") : word === 'TABLE' ? `writes to ${target}, and reads that use its indexes,` : `writes (and index reads) on every table in ${target}`;
    // REINDEX [ ( options ) ] { INDEX | TABLE | SCHEMA | DATABASE } [ CONCURRENTLY ] name
    const m = /^\s*REINDEX\s*(?:\([^)]*\)\s*)?(INDEX|TABLE|SCHEMA|DATABASE)\b/i.exec(ctx.stmt.text);
    const hasConcurrentlyParam = (r.params ?? []).some((p) => as<{ defname?: string }>(p, 'DefElem')?.defname === 'concurrently');
    const insertAt = m && !hasConcurrentlyParam ? m[0].length : undefined;
    ctx.report({
      message: `REINDEX ${word === 'SCHEMA' || word === 'DATABASE' ? target : `${word} ${target}`} blocks ${blocked} until the rebuild finishes.`,
      help: 'Use REINDEX ... CONCURRENTLY (outside a transaction).',
      ...(insertAt !== undefined
        ? { fix: { title: 'Insert CONCURRENTLY', edits: [{ start: ctx.stmt.start + insertAt, end: ctx.stmt.start + insertAt, newText: ' CONCURRENTLY' }] } }
        : {}),
    });
  },
  summarizeKinds: ['IndexStmt'],
  summarize: recordIndex,
};
