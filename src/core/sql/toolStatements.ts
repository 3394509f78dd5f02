// The tool's own footprint in the statistics it reads. Every statement pgopt sends starts with TOOL_MARKER
// (db/markedClient.ts adds it once, for every client openClient makes). pg_stat_statements keeps comments:
// an entry's text is the statement as first seen, and a leading comment belongs to the first statement of
// the string, so the marker is what the entry's text starts with. Statements recorded before the marker
// existed are recognised by the shapes only pgopt sends (EXPLAIN of a prepared `pgopt_…` statement, `DO
// $pgopt$` what-if batches, HypoPG calls, savepoints named `pgopt_…`, the integrity analyzer's scans).
//
// One predicate, two spellings: isToolStatement for text already fetched (stored snapshots, pg_qualstats
// examples) and toolStatementCondition, a WHERE clause, so that a top-N cut in SQL is never filled with
// the tool's statements. The migration runner sends the user's migration SQL unmarked: that is the
// user's work (docs/footprint.md).

export const TOOL_MARKER = '/* pgopt */';

/**
 * What only pgopt sends, as regular expressions (case-insensitive) in the subset that JavaScript and
 * PostgreSQL's ARE share (no `(?:`, no classes inside brackets); `\b` is translated to ARE's `\y` for the SQL spelling.
 */
export const TOOL_STATEMENT_SHAPES: readonly { source: string; why: string }[] = [
  { source: String.raw`^\s*/\*\s*pgopt\b`, why: 'the marker every statement of pgopt starts with' },
  { source: String.raw`^\s*explain\b`, why: 'EXPLAIN is diagnosis, never the application workload (pgopt sent thousands before the marker)' },
  { source: String.raw`^\s*(prepare|execute|deallocate(\s+prepare)?)\s+pgopt_`, why: "pgopt's generic-plan statements (PREPARE pgopt_advise_…)" },
  { source: String.raw`^\s*do\s+\$pgopt`, why: "pgopt's what-if batches (DO $pgopt$ … $pgopt$)" },
  { source: String.raw`^\s*(savepoint|release(\s+savepoint)?|rollback\s+to(\s+savepoint)?)\s+pgopt_`, why: "pgopt's savepoints" },
  { source: String.raw`\bhypopg_\w+\s*\(`, why: 'HypoPG calls (hypothetical indexes are what-if work)' },
  { source: String.raw`^\s*SELECT max\(oid\) FROM pg_catalog\.pg_class WHERE oid < \$1\s*$`, why: 'the query HypoPG runs inside hypopg_create_index (recorded when track = all)' },
  { source: String.raw`jsonb_array_elements\(job`, why: "statements inside pgopt's what-if batches" },
  { source: String.raw`set_config\([^)]*res::text`, why: "statements inside pgopt's what-if batches" },
  { source: String.raw`::float8 AS scanned\b`, why: "the integrity analyzer's bounded scans" },
  { source: String.raw`\bAS keys? FROM .* AS "r"`, why: "the integrity analyzer's example rows" },
];

// 's': `.` crosses newlines in JavaScript as it does in an ARE.
const JS_PATTERN = new RegExp(TOOL_STATEMENT_SHAPES.map((s) => `(?:${s.source})`).join('|'), 'is');
const SQL_PATTERN = TOOL_STATEMENT_SHAPES.map((s) => `(${s.source.replace(/\\b/g, '\\y')})`).join('|');

/** True when a statement text (as pg_stat_statements or pg_qualstats recorded it) is pgopt's own. */
export function isToolStatement(query: string): boolean {
  return JS_PATTERN.test(query);
}

/**
 * SQL that is true for pgopt's own statements, for a text column or expression, e.g.
 * `AND NOT ${toolStatementCondition('s.query')}`. The pattern travels dollar-quoted, so
 * standard_conforming_strings does not matter. A NULL text is not the tool's.
 */
export function toolStatementCondition(column: string): string {
  return `COALESCE(${column} ~* $pgopt_tool$${SQL_PATTERN}$pgopt_tool$, false)`;
}

/** The text with the marker in front, unless it already starts with it. */
export function markToolSql(sql: string): string {
  return /^\s*\/\*\s*pgopt\b/.test(sql) ? sql : `${TOOL_MARKER} ${sql}`;
}

/** "3 statements of pgopt itself were left out" in one place, for every section that leaves them out. */
export function leftOutText(n: number): string {
  return n === 0
    ? 'no statement of pgopt itself was among them'
    : `${n} statement${n === 1 ? '' : 's'} of pgopt itself (marked /* pgopt */ or of its known shapes) left out`;
}
