// pg_qualstats as a second workload source: the predicates (relation, column, operator) the executor
// evaluated, with how often and how many rows they filtered, and an example query (with constants) per
// queryid. The example queries whose fingerprint pg_stat_statements' top N does not already hold join the
// workload, weighted by how often they ran, so a predicate pg_stat_statements lost (evicted, reset, cut by
// the top N) still yields candidates. Read-only and bounded (LIMITs; the session's statement timeout).
import type { QueryRunner } from '../db/session';
import { quoteIdent } from '../sql/quote';
import { isToolStatement } from '../sql/toolStatements';
import { makeStatement, type WorkloadStatement } from './workload';

/** At most this many predicates (by executions) and example queries are read. */
export const QUALSTATS_MAX_PREDICATES = 500;
export const QUALSTATS_MAX_QUERIES = 200;
/** Example query texts longer than this are left out (they would be cut mid-statement). */
export const QUALSTATS_MAX_QUERY_CHARS = 20_000;

export interface QualPredicate {
  schema: string;
  table: string;
  column: string;
  /** Operator as regoper text, e.g. `=` or `pg_catalog.~~`. */
  operator: string;
  /** pg_stat_statements queryid (as text: it is a bigint), when known. */
  queryId?: string;
  /** Sampled executions of the statements that evaluated this predicate. */
  occurrences: number;
  /** Rows the predicate was evaluated on. */
  evaluated: number;
  /** Rows it filtered out. */
  filtered: number;
  /** Share of evaluated rows that passed (0..1), when rows were evaluated. */
  selectivity?: number;
}

export interface QualstatsExample {
  queryId: string;
  /** Text with constants (pg_qualstats_example_queries), or pg_stat_statements' normalized text. */
  query: string;
  /** Estimated executions: the sampled count scaled by the sample rate. */
  calls: number;
  from: 'example' | 'pg_stat_statements';
}

export interface QualstatsData {
  predicates: QualPredicate[];
  examples: QualstatsExample[];
  /** pg_qualstats.sample_rate in effect (after resolving -1 = 1 / max_connections). */
  sampleRate: number;
}

interface PredRow {
  schema: string;
  table: string;
  column: string;
  operator: string;
  queryid: string | null;
  occurrences: string;
  evaluated: string;
  filtered: string;
}

const OWN_QUERIES = /hypopg|pg_stat_statements|pg_qualstats/i;
const NOT_PLANNED = /^\s*(explain|prepare|deallocate|begin|commit|rollback|savepoint|release|start|end|set|show|reset|vacuum|analyze|discard|listen|notify|fetch|close|declare)\b/i;

/** Reads pg_qualstats for the current database: predicates on user tables and an example query per queryid. */
export async function loadQualstats(q: QueryRunner, qualstatsSchema = 'public', pgssSchema?: string): Promise<QualstatsData> {
  const s = quoteIdent(qualstatsSchema);
  const [rate] = await q.query<{ rate: number | null; maxconn: number }>(
    `SELECT nullif(current_setting('pg_qualstats.sample_rate', true), '')::float8 AS rate, current_setting('max_connections')::int AS maxconn`,
  );
  const raw = rate?.rate ?? -1;
  const sampleRate = raw < 0 ? 1 / Math.max(1, rate?.maxconn ?? 100) : raw;
  // Both sides of a qual: `a.x = b.y` is a predicate on a.x and on b.y (a join column for each).
  const rows = await q.query<PredRow>(
    `WITH qs AS (
       SELECT side.relid, side.attnum, qs.opno, qs.queryid,
              sum(qs.occurences) AS occurrences, sum(qs.execution_count) AS evaluated, sum(qs.nbfiltered) AS filtered
         FROM ${s}.pg_qualstats qs
        CROSS JOIN LATERAL (VALUES (qs.lrelid, qs.lattnum), (qs.rrelid, qs.rattnum)) AS side(relid, attnum)
        WHERE side.relid IS NOT NULL AND side.attnum > 0
        GROUP BY side.relid, side.attnum, qs.opno, qs.queryid
     )
     SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, qs.opno::regoper::text AS operator,
            qs.queryid::text AS queryid, qs.occurrences::text AS occurrences, qs.evaluated::text AS evaluated, qs.filtered::text AS filtered
       FROM qs
       JOIN pg_class c ON c.oid = qs.relid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = qs.relid AND a.attnum = qs.attnum AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p', 'm')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
      ORDER BY qs.occurrences DESC, qs.evaluated DESC
      LIMIT $1`,
    [QUALSTATS_MAX_PREDICATES],
  );
  const predicates: QualPredicate[] = rows.map((r) => {
    const evaluated = Number(r.evaluated);
    const filtered = Number(r.filtered);
    return {
      schema: r.schema,
      table: r.table,
      column: r.column,
      operator: r.operator,
      ...(r.queryid ? { queryId: r.queryid } : {}),
      occurrences: Number(r.occurrences),
      evaluated,
      filtered,
      ...(evaluated > 0 ? { selectivity: Math.max(0, 1 - filtered / evaluated) } : {}),
    };
  });
  // Per queryid: how often it ran = the most executions of any of its predicates (they run together).
  const runs = new Map<string, number>();
  for (const p of predicates) if (p.queryId) runs.set(p.queryId, Math.max(runs.get(p.queryId) ?? 0, p.occurrences));
  const ids = [...runs.entries()].sort((a, b) => b[1] - a[1]).slice(0, QUALSTATS_MAX_QUERIES).map(([id]) => id);
  const examples: QualstatsExample[] = [];
  if (ids.length) {
    const texts = new Map<string, { query: string; from: QualstatsExample['from'] }>();
    const ex = await q.query<{ queryid: string; query: string }>(
      `SELECT queryid::text AS queryid, query FROM ${s}.pg_qualstats_example_queries()
        WHERE queryid = ANY($1::bigint[]) AND length(query) <= $2`,
      [ids, QUALSTATS_MAX_QUERY_CHARS],
    );
    for (const r of ex) texts.set(r.queryid, { query: r.query, from: 'example' });
    // No example kept (pg_qualstats.track_constants off, or evicted): pg_stat_statements' text, if it has one.
    const missing = ids.filter((id) => !texts.has(id));
    if (missing.length && pgssSchema) {
      const ps = await q.query<{ queryid: string; query: string }>(
        `SELECT DISTINCT ON (queryid) queryid::text AS queryid, query FROM ${quoteIdent(pgssSchema)}.pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND queryid = ANY($1::bigint[]) AND length(query) <= $2`,
        [missing, QUALSTATS_MAX_QUERY_CHARS],
      );
      for (const r of ps) texts.set(r.queryid, { query: r.query, from: 'pg_stat_statements' });
    }
    for (const id of ids) {
      const t = texts.get(id);
      if (!t || OWN_QUERIES.test(t.query) || NOT_PLANNED.test(t.query) || isToolStatement(t.query)) continue;
      examples.push({ queryId: id, query: t.query, calls: Math.max(1, Math.round((runs.get(id) ?? 1) / sampleRate)), from: t.from });
    }
  }
  return { predicates, examples, sampleRate };
}

export interface QualstatsMerge {
  statements: WorkloadStatement[];
  /** Example queries pg_stat_statements' workload did not hold (same fingerprint = already there). */
  added: number;
  /** Example queries already in the workload (by fingerprint). */
  duplicates: number;
  /** queryids of the added statements. */
  addedQueryIds: Set<string>;
}

/** Adds the example queries whose fingerprint the workload does not have yet, as `pg_qualstats` statements. */
export function mergeQualstatsExamples(workload: WorkloadStatement[], examples: QualstatsExample[]): QualstatsMerge {
  const seen = new Set(workload.map((w) => w.id));
  const out = [...workload];
  let added = 0;
  let duplicates = 0;
  const addedQueryIds = new Set<string>();
  examples.forEach((e, n) => {
    const st = makeStatement(e.query, e.calls, 0, 0, 'pg_qualstats', n, `qualstats:${e.queryId}`);
    if (seen.has(st.id)) {
      duplicates++;
      return;
    }
    seen.add(st.id);
    out.push(st);
    addedQueryIds.add(e.queryId);
    added++;
  });
  return { statements: out, added, duplicates, addedQueryIds };
}
