import type { ClusterStmt, RangeVar, VacuumStmt } from '@pgsql/types';
import { as, optionEnabled, relLabel, relName } from '../ast';
import type { RelName, Rule } from '../types';

export const preferRepack: Rule = {
  meta: {
    id: 'prefer-repack',
    title: 'Prefer pg_repack over VACUUM FULL and CLUSTER',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'prefer-repack',
    lock: 'ACCESS EXCLUSIVE',
    description: 'VACUUM FULL or CLUSTER on an existing table (or on every table, without a table name).',
    why: 'VACUUM FULL and CLUSTER rewrite the whole table and rebuild all its indexes while holding an ACCESS EXCLUSIVE lock: every read and write on the table is blocked for the entire rewrite, and the table needs twice its disk space meanwhile.',
    safe: 'Use the pg_repack extension (or REPACK (CONCURRENTLY) on Postgres 19+), which rebuilds the table online and only takes an ACCESS EXCLUSIVE lock for a moment at the start and end. For bloat alone, a plain VACUUM (no lock on reads or writes) is often enough.',
    examples: {
      bad: [{ sql: 'VACUUM FULL orders;' }, { sql: 'VACUUM (FULL, ANALYZE) orders;' }, { sql: 'CLUSTER orders USING orders_created_at_idx;' }, { sql: 'CLUSTER;', note: 'Re-clusters every previously clustered table in the database.' }],
      good: [
        { sql: 'VACUUM (ANALYZE) orders;' },
        { sql: 'VACUUM (FULL false) orders;' },
        { sql: "CREATE TABLE staging (id bigint);\nINSERT INTO staging SELECT g FROM generate_series(1, 10) g;\nVACUUM FULL staging;", note: 'A table created in the same file is not visible to anyone else yet.' },
      ],
    },
    differences: 'Reported on every Postgres version, suggesting pg_repack (squawk only reports on Postgres 19+, suggesting REPACK). No quick fix: REPACK is not in the Postgres 18 grammar used here.',
  },
  kinds: ['VacuumStmt', 'ClusterStmt'],
  check(ctx) {
    let what: string;
    let rels: (RelName | undefined)[];
    const v = as<VacuumStmt>(ctx.stmt.node, 'VacuumStmt');
    const c = as<ClusterStmt>(ctx.stmt.node, 'ClusterStmt');
    if (v) {
      if (!v.is_vacuumcmd || !optionEnabled(v.options, 'full')) return;
      what = 'VACUUM FULL';
      rels = (v.rels ?? []).map((r) => relName(as<{ relation?: RangeVar }>(r, 'VacuumRelation')?.relation));
    } else if (c) {
      what = 'CLUSTER';
      rels = c.relation ? [relName(c.relation)] : [];
    } else return;
    const existing = rels.filter((r) => !ctx.file.isNewTable(r));
    if (rels.length > 0 && existing.length === 0) return;
    const target = existing.length ? existing.map((r) => relLabel(r)).join(', ') : 'every table';
    const on = existing.length ? target : 'each table it processes';
    ctx.report({
      message: `${what} rewrites ${target} under an ACCESS EXCLUSIVE lock: every read and write on ${on} is blocked for the whole rewrite.`,
      help: 'Use pg_repack (or REPACK (CONCURRENTLY) on Postgres 19+) to rebuild online; a plain VACUUM is often enough for bloat.',
    });
  },
};
