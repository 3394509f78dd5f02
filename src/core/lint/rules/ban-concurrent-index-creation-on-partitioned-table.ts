import type { CreateStmt, IndexStmt } from '@pgsql/types';
import { as, relKey, relLabel, relName } from '../ast';
import { fileMemo } from '../summaries';
import { liveRelation } from '../liveFacts';
import type { FileState, Rule } from '../types';

export const banConcurrentIndexCreationOnPartitionedTable: Rule = {
  meta: {
    id: 'ban-concurrent-index-creation-on-partitioned-table',
    title: 'No CREATE INDEX CONCURRENTLY on a partitioned table',
    category: 'locks',
    defaultSeverity: 'error',
    description:
      'CREATE INDEX CONCURRENTLY on a partitioned table (one created with PARTITION BY earlier in the file, or partitioned in the connected database).',
    why: 'Postgres refuses it: "cannot create index on partitioned table … concurrently". The migration fails at deploy time. The tempting workaround, a plain CREATE INDEX on the parent, builds the index on every partition under a SHARE lock on each: all writes to the table wait for the whole build.',
    safe: 'Create the parent\'s index with ON ONLY (instant: it is created invalid and covers no partition yet), build each partition\'s index with CREATE INDEX CONCURRENTLY, then ALTER INDEX parent_idx ATTACH PARTITION partition_idx for each one; the parent\'s index becomes valid once every partition has one attached. `pgopt advise` writes this pattern for partitioned tables.',
    examples: {
      bad: [
        {
          sql: "CREATE TABLE events (id bigint, created_at date) PARTITION BY RANGE (created_at);\nCREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\nCREATE INDEX CONCURRENTLY events_created_idx ON events (created_at);",
        },
      ],
      good: [
        {
          sql: "CREATE TABLE events (id bigint, created_at date) PARTITION BY RANGE (created_at);\nCREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\nCREATE INDEX events_created_idx ON ONLY events (created_at);\nCREATE INDEX CONCURRENTLY events_2025_created_idx ON events_2025 (created_at);\nALTER INDEX events_created_idx ATTACH PARTITION events_2025_created_idx;",
          note: 'The safe pattern: ON ONLY on the parent, CONCURRENTLY on each partition, then ATTACH PARTITION.',
        },
        { sql: 'CREATE TABLE events (id bigint, created_at date);\nCREATE INDEX CONCURRENTLY events_created_idx ON events (created_at);', note: 'Not partitioned.' },
      ],
    },
  },
  kinds: ['IndexStmt'],
  check(ctx) {
    const idx = as<IndexStmt>(ctx.stmt.node, 'IndexStmt');
    if (!idx?.concurrent) return;
    const rel = relName(idx.relation);
    if (!rel) return;
    // Partitioned when the file created it with PARTITION BY (the latest CREATE TABLE of that name wins),
    // otherwise as the connected database says.
    let partitioned = partitionedByFile(ctx.file).get(relKey(rel));
    partitioned ??= liveRelation(ctx.file.options.live, rel)?.kind === 'p';
    if (!partitioned) return;
    const m = /\bCONCURRENTLY\b/i.exec(ctx.stmt.text);
    ctx.report({
      message: `${relLabel(rel)} is partitioned: CREATE INDEX CONCURRENTLY fails on it ("cannot create index on partitioned table concurrently").`,
      help: 'CREATE INDEX … ON ONLY the parent, CREATE INDEX CONCURRENTLY on each partition, then ALTER INDEX … ATTACH PARTITION each one.',
      ...(m ? { at: { start: m.index, end: m.index + m[0].length } } : {}),
    });
  },
  summarizeKinds: ['CreateStmt'],
  summarize(ctx) {
    // The latest CREATE TABLE of each name so far: whether it was PARTITION BY.
    const c = ctx.stmt.kind === 'CreateStmt' ? as<CreateStmt>(ctx.stmt.node, 'CreateStmt') : undefined;
    const created = relName(c?.relation);
    if (c && created) partitionedByFile(ctx.file).set(relKey(created), !!c.partspec);
  },
};

function partitionedByFile(file: FileState): Map<string, boolean> {
  return fileMemo(file, 'ban-concurrent-index-creation-on-partitioned-table', () => new Map<string, boolean>());
}
