// What EXPLAIN is asked to plan: exactly one statement of a kind EXPLAIN accepts, with what it would
// change when executed (EXPLAIN ANALYZE runs it) and how many `$n` parameters it has (a normalised
// pg_stat_statements text is planned generically). Pure: text in, a verdict out; never throws for bad SQL.
import { rewriteTypedPlaceholders } from '../advisor/workload';
import { walk } from '../lint/ast';
import { parseSql } from '../sql/parser';
import { splitSql } from '../sql/splitter';

export interface ExplainTarget {
  /** The statement text to plan (trailing `;` removed, typed `$n` placeholders rewritten). */
  sql: string;
  /** Parser node kind, e.g. SelectStmt. */
  kind: string;
  /** Why executing it writes, or undefined when it only reads. */
  writes: string | undefined;
  /** Highest `$n` in the text (0 when none): such a statement can only be planned generically. */
  paramCount: number;
}

export type ExplainTargetOutcome = { ok: true; target: ExplainTarget } | { ok: false; message: string };

const EXPLAINABLE: Record<string, string | undefined> = {
  SelectStmt: undefined,
  InsertStmt: 'it is an INSERT',
  UpdateStmt: 'it is an UPDATE',
  DeleteStmt: 'it is a DELETE',
  MergeStmt: 'it is a MERGE',
  CreateTableAsStmt: 'it creates a table (CREATE TABLE AS / CREATE MATERIALIZED VIEW)',
};

const WRITING_NODES: Record<string, string> = {
  InsertStmt: 'it contains an INSERT (data-modifying WITH)',
  UpdateStmt: 'it contains an UPDATE (data-modifying WITH)',
  DeleteStmt: 'it contains a DELETE (data-modifying WITH)',
  MergeStmt: 'it contains a MERGE (data-modifying WITH)',
  LockingClause: 'it locks rows (FOR UPDATE / FOR SHARE)',
};

/** Checks that `text` holds exactly one statement EXPLAIN can plan, and classifies it. */
export function explainTarget(text: string): ExplainTargetOutcome {
  const pieces = splitSql(text).pieces;
  if (pieces.length === 0) return { ok: false, message: 'There is no SQL statement to explain.' };
  if (pieces.length > 1) {
    return { ok: false, message: `EXPLAIN takes exactly one statement, but the text holds ${pieces.length}. Select the one statement to explain (or put the cursor inside it).` };
  }
  const piece = pieces[0] as (typeof pieces)[0];
  const rewritten = rewriteTypedPlaceholders(piece.text);
  const parsed = parseSql(rewritten);
  if (!parsed.ok) return { ok: false, message: `The statement does not parse: ${parsed.message} (at character ${parsed.cursor + 1}).` };
  // The splitter and the parser agree on one statement almost always; a parser that sees more is the
  // final word, since that is what the server would run.
  if (parsed.stmts.length !== 1) return { ok: false, message: `EXPLAIN takes exactly one statement, but the text holds ${parsed.stmts.length}.` };
  const node = (parsed.stmts[0] as (typeof parsed.stmts)[0]).node;
  const kind = Object.keys(node)[0] ?? '?';
  if (kind === 'ExplainStmt') return { ok: false, message: 'The statement is already an EXPLAIN: select the query inside it, and choose ANALYZE with "Explain Query (ANALYZE)".' };
  if (!(kind in EXPLAINABLE)) {
    return { ok: false, message: `EXPLAIN can only plan SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES and CREATE TABLE AS; this statement is ${describeKind(kind)}.` };
  }
  let writes = EXPLAINABLE[kind];
  let paramCount = 0;
  for (const [k, inner] of walk(node)) {
    if (writes === undefined && k in WRITING_NODES) writes = WRITING_NODES[k];
    // `intoClause` is a plain field (not a wrapped node): SELECT ... INTO creates a table.
    if (writes === undefined && k === 'SelectStmt' && inner.intoClause) writes = 'it creates a table (SELECT INTO)';
    if (k === 'ParamRef') paramCount = Math.max(paramCount, Number(inner.number ?? 0));
  }
  return { ok: true, target: { sql: rewritten.replace(/;\s*$/, ''), kind, writes, paramCount } };
}

function describeKind(kind: string): string {
  // CreateStmt -> "a CREATE statement (CreateStmt)"; good enough to tell the user what was found.
  const words = kind.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
  return `${/^[AEIOU]/.test(words) ? 'an' : 'a'} ${words} statement`;
}

/**
 * The statement an editor cursor is in (UTF-16 offsets): the one that contains it (its `;` included),
 * else the nearest one before it, else the first after. Undefined when the text holds none.
 */
export function statementAtOffset(text: string, offset: number): { start: number; end: number; text: string } | undefined {
  const pieces = splitSql(text).pieces;
  const inside = pieces.find((p) => offset >= p.start && offset <= p.end + (p.terminated ? 1 : 0));
  const before = [...pieces].reverse().find((p) => p.end <= offset);
  const pick = inside ?? before ?? pieces[0];
  return pick ? { start: pick.start, end: pick.end, text: pick.text } : undefined;
}
