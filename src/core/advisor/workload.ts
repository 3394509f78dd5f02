// The workload the advisor optimises for: statements with a weight (calls). Two sources: the top N of
// pg_stat_statements (by total time) and a workload file (`;`-separated, each optionally preceded by
// `-- weight: N`). Statements are deduplicated by libpg-query fingerprint (constants and `$n` fold to the
// same fingerprint) and typed-literal placeholders are rewritten so that they can be planned.
import { fingerprintSync } from 'libpg-query';
import type { QueryRunner } from '../db/session';
import { quoteIdent } from '../sql/quote';
import { splitSql } from '../sql/splitter';
import { toolStatementCondition } from '../sql/toolStatements';

export interface WorkloadStatement {
  /** Stable id within one run: the fingerprint (or `text:<n>` when the text does not parse). */
  id: string;
  /** The text as captured (pg_stat_statements form or file text), for display. */
  original: string;
  /** The text that is planned: typed-literal placeholders rewritten (`interval $2` -> `$2::interval`). */
  sql: string;
  calls: number;
  /** Rows returned or written in total (pg_stat_statements `rows`; for a file: weight × VALUES rows). */
  rows: number;
  totalTimeMs: number;
  source: 'pg_stat_statements' | 'file' | 'pg_qualstats' | 'log' | 'activity';
}

export interface Workload {
  statements: WorkloadStatement[];
  /** ISO time of the last pg_stat_statements reset, when known. */
  statsSince?: string;
  /** Seconds since that reset. */
  statsAgeS?: number;
  /** Distinct statements in pg_stat_statements for this database, before the top-N cut. */
  totalStatements?: number;
  /** Entries of pgopt itself (sql/toolStatements.ts) left out before the top-N cut. */
  toolStatementsLeftOut?: number;
}

const TYPED_LITERAL_TYPES = [
  'timestamp with time zone',
  'timestamp without time zone',
  'time with time zone',
  'time without time zone',
  'timestamptz',
  'timestamp',
  'interval',
  'date',
  'timetz',
  'time',
  'inet',
  'cidr',
  'uuid',
  'jsonb',
  'json',
  'numeric',
  'bool',
  'boolean',
];
const TYPED_LITERAL_RE = new RegExp(`\\b(${TYPED_LITERAL_TYPES.map((t) => t.replace(/ /g, '\\s+')).join('|')})\\s+\\$(\\d+)`, 'gi');

/**
 * pg_stat_statements normalises `interval '7 days'` to `interval $2`, which neither PREPARE nor
 * EXPLAIN (GENERIC_PLAN) accepts. Rewrites `type $n` to `$n::type` outside quotes and comments; likewise
 * `extract($n FROM x)` (the field became a parameter) is planned as `date_part($n::text, x)`.
 */
export function rewriteTypedPlaceholders(sql: string): string {
  return rewriteTypedOnly(sql).replace(/\bextract\s*\(\s*(\$\d+)\s+from\b/gi, 'date_part($1::text,');
}

function rewriteTypedOnly(sql: string): string {
  let out = '';
  let i = 0;
  let segStart = 0;
  const flush = (end: number): void => {
    out += sql.slice(segStart, end).replace(TYPED_LITERAL_RE, (_m, type: string, n: string) => `$${n}::${type.replace(/\s+/g, ' ').toLowerCase()}`);
  };
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      flush(i);
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
      segStart = i;
    } else if (c === '-' && sql[i + 1] === '-') {
      flush(i);
      const nl = sql.indexOf('\n', i);
      const j = nl < 0 ? sql.length : nl;
      out += sql.slice(i, j);
      i = j;
      segStart = i;
    } else i++;
  }
  flush(sql.length);
  return out;
}

/**
 * pg_stat_statements replaces a select-list constant by `$n` but leaves the matching GROUP BY expression
 * literal (`SELECT date_trunc($2, ts) … GROUP BY date_trunc('day', ts)`), which then fails to plan with
 * "must appear in the GROUP BY clause". Puts the literal back: `f($n,` becomes `f('lit',` when the text
 * has exactly one literal first argument for the same function. Returns the text unchanged otherwise.
 */
export function fillGroupByConstants(sql: string): string {
  const literalArgs = new Map<string, Set<string>>();
  for (const m of sql.matchAll(/\b([a-z_][a-z0-9_]*)\s*\(\s*('(?:[^']|'')*')\s*,/gi)) {
    const f = m[1]!.toLowerCase();
    literalArgs.set(f, (literalArgs.get(f) ?? new Set()).add(m[2]!));
  }
  return sql.replace(/\b([a-z_][a-z0-9_]*)\s*\(\s*\$\d+\s*,/gi, (whole, f: string) => {
    const lits = literalArgs.get(f.toLowerCase());
    return lits && lits.size === 1 ? `${f}(${[...lits][0]!},` : whole;
  });
}

export function statementFingerprint(sql: string): string | undefined {
  try {
    return fingerprintSync(sql);
  } catch {
    return undefined;
  }
}

/** Merges statements with the same fingerprint (calls, rows and time add up; the first text is kept). */
export function dedupeStatements(stmts: WorkloadStatement[]): WorkloadStatement[] {
  const byId = new Map<string, WorkloadStatement>();
  for (const s of stmts) {
    const prev = byId.get(s.id);
    if (!prev) byId.set(s.id, { ...s });
    else {
      prev.calls += s.calls;
      prev.rows += s.rows;
      prev.totalTimeMs += s.totalTimeMs;
    }
  }
  return [...byId.values()];
}

export function makeStatement(
  original: string,
  calls: number,
  rows: number,
  totalTimeMs: number,
  source: WorkloadStatement['source'],
  n: number,
  fallbackId = `text:${n}`,
): WorkloadStatement {
  const sql = rewriteTypedPlaceholders(original.trim());
  const fp = statementFingerprint(sql);
  return { id: fp ?? fallbackId, original: original.trim(), sql, calls, rows, totalTimeMs, source };
}

/** Parses a workload file: statements separated by `;`, each optionally preceded by `-- weight: N`. */
export function parseWorkloadFile(text: string): WorkloadStatement[] {
  const { pieces, comments } = splitSql(text);
  const out: WorkloadStatement[] = [];
  let prevEnd = 0;
  // The comments between the previous statement and this one, walked once in text order (every comment
  // against every statement took 1 s on 5,000 statements).
  const ordered = [...comments].sort((a, b) => a.start - b.start);
  let ci = 0;
  pieces.forEach((p, n) => {
    let weight = 1;
    while (ci < ordered.length && ordered[ci]!.start < prevEnd) ci++;
    for (; ci < ordered.length && ordered[ci]!.end <= p.start; ci++) {
      const m = /^weight\s*:\s*([0-9]+(?:\.[0-9]+)?)\s*$/i.exec(ordered[ci]!.body);
      if (m) weight = Number(m[1]);
    }
    prevEnd = p.end;
    if (!p.text.trim()) return;
    const valuesRows = countValuesRows(p.text);
    out.push(makeStatement(p.text, weight, weight * valuesRows, 0, 'file', n));
  });
  return dedupeStatements(out);
}

/** Rows one execution of an INSERT ... VALUES writes (1 for anything else). */
function countValuesRows(sql: string): number {
  const m = /\bvalues\s*\(/i.exec(sql);
  if (!m || !/^\s*insert\b/i.test(sql)) return 1;
  let depth = 0;
  let rows = 0;
  for (let i = m.index + m[0].length - 1; i < sql.length; i++) {
    const c = sql[i];
    if (c === '(') {
      if (depth === 0) rows++;
      depth++;
    } else if (c === ')') depth--;
    else if (depth === 0 && c !== ',' && !/\s/.test(c ?? '')) break;
  }
  return Math.max(1, rows);
}

interface PgssRow {
  query: string;
  calls: string;
  rows: string;
  total_ms: number;
}

/** Top N statements of this database by total (plan + exec) time, plus every write statement (their rows drive the write overhead). */
export async function loadPgssWorkload(q: QueryRunner, topN: number, serverVersionNum: number, pgssSchema = 'public'): Promise<Workload> {
  const s = quoteIdent(pgssSchema);
  const rows = await q.query<PgssRow>(
    `WITH w AS (
       SELECT query, calls, rows, total_exec_time + total_plan_time AS total_ms
         FROM ${s}.pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND query !~* '^\\s*(explain|prepare|deallocate|begin|commit|rollback|savepoint|release|start|end|set|show|reset|vacuum|analyze|discard|listen|notify|fetch|close|declare)\\M'
          AND query !~* 'hypopg|pg_stat_statements'
          AND NOT ${toolStatementCondition('query')}
          -- other roles' statements without pg_read_all_stats: no text to plan (the capability probe says so)
          AND query <> '<insufficient privilege>'
     ), ranked AS (SELECT *, row_number() OVER (ORDER BY total_ms DESC) AS rn FROM w)
     SELECT query, calls::text, rows::text, total_ms::float8 AS total_ms FROM ranked
      WHERE rn <= $1 OR query ~* '^\\s*(with\\M.*\\M)?(insert|update|delete|copy)\\M'
      ORDER BY total_ms DESC`,
    [topN],
  );
  const [info] = await q.query<{ total: string; tool: string; since: string | null; age_s: number | null }>(
    `SELECT (SELECT count(*) FROM ${s}.pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()))::text AS total,
            (SELECT count(*) FROM ${s}.pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND ${toolStatementCondition('query')})::text AS tool,
            ${serverVersionNum >= 140000 ? `(SELECT stats_reset::text FROM ${s}.pg_stat_statements_info)` : 'NULL::text'} AS since,
            ${serverVersionNum >= 140000 ? `(SELECT extract(epoch FROM now() - stats_reset)::float8 FROM ${s}.pg_stat_statements_info)` : 'NULL::float8'} AS age_s`,
  );
  const statements = dedupeStatements(rows.map((r, n) => makeStatement(r.query, Number(r.calls), Number(r.rows), r.total_ms, 'pg_stat_statements', n)));
  return {
    statements,
    ...(info?.since ? { statsSince: info.since } : {}),
    ...(info?.age_s != null ? { statsAgeS: info.age_s } : {}),
    ...(info ? { totalStatements: Number(info.total), toolStatementsLeftOut: Number(info.tool) } : {}),
  };
}
