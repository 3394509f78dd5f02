import type { PartitionCmd } from '@pgsql/types';
import { alterTableOf, as, relLabel, relName } from '../ast';
import { identifierEnd } from '../../sql/textScan';
import type { Rule } from '../types';

export const requireConcurrentPartitionDetach: Rule = {
  meta: {
    id: 'require-concurrent-partition-detach',
    title: 'Detach partitions concurrently',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'require-concurrent-partition-detach',
    lock: 'ACCESS EXCLUSIVE',
    description: 'ALTER TABLE ... DETACH PARTITION without CONCURRENTLY, on Postgres 14 or later where CONCURRENTLY exists.',
    why: 'A plain DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the partitioned (parent) table: while it waits for running queries and while it runs, every read and write on every partition of the table is blocked.',
    safe: 'Use DETACH PARTITION ... CONCURRENTLY (Postgres 14+), outside a transaction block. It takes SHARE UPDATE EXCLUSIVE on the parent and waits for older transactions instead of blocking them. It is not allowed when the table has a default partition; if it is interrupted, finish it with DETACH PARTITION ... FINALIZE.',
    examples: {
      bad: [{ sql: 'ALTER TABLE measurements DETACH PARTITION measurements_2023;', range: 'measurements_2023', fixed: 'ALTER TABLE measurements DETACH PARTITION measurements_2023 CONCURRENTLY;' }],
      good: [
        { sql: 'ALTER TABLE measurements DETACH PARTITION measurements_2023 CONCURRENTLY;' },
        { sql: 'ALTER TABLE measurements DETACH PARTITION measurements_2023 FINALIZE;', note: 'Finishing an interrupted concurrent detach.' },
        { sql: 'ALTER TABLE measurements DETACH PARTITION measurements_2023;', options: { pgVersion: 13 }, note: 'Before Postgres 14 there is no concurrent detach.' },
        {
          sql: 'CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);\nCREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM (\'2024-01-01\') TO (\'2025-01-01\');\nALTER TABLE events DETACH PARTITION events_2024;',
          note: 'A partitioned table created in the same file is not visible to anyone else yet.',
        },
      ],
    },
  },
  kinds: ['AlterTableStmt'],
  check(ctx) {
    if (ctx.file.options.pgVersion < 14) return;
    const at = alterTableOf(ctx.stmt.node);
    if (!at || ctx.file.isNewTable(at.rel)) return;
    for (const cmd of at.cmds) {
      if (cmd.subtype !== 'AT_DetachPartition') continue;
      const p = as<PartitionCmd>(cmd.def, 'PartitionCmd');
      if (!p || p.concurrent) continue;
      const part = relName(p.name);
      const from = p.name?.location !== undefined ? ctx.fileOffset(p.name.location) - ctx.stmt.start : undefined;
      const end = from !== undefined ? identifierEnd(ctx.stmt.text, from) : undefined;
      const fix =
        end !== undefined && at.cmds.length === 1
          ? { title: 'Add CONCURRENTLY', edits: [{ start: ctx.stmt.start + end, end: ctx.stmt.start + end, newText: ' CONCURRENTLY' }] }
          : undefined;
      ctx.report({
        message: `DETACH PARTITION ${relLabel(part)} takes an ACCESS EXCLUSIVE lock on ${relLabel(at.rel)}: every read and write on ${relLabel(at.rel)} and all its partitions is blocked while it waits and runs.`,
        help: 'Use DETACH PARTITION ... CONCURRENTLY (Postgres 14+, outside a transaction, no default partition).',
        ...(from !== undefined && end !== undefined ? { at: { start: from, end } } : {}),
        ...(fix ? { fix } : {}),
      });
    }
  },
};
