// The text edits behind "Disable <rule> for this statement / file". Pure (no vscode), so they are unit
// tested. Ignore comments are found with the SQL splitter, so `-- pgopt-ignore` inside a string or a
// dollar-quoted body is never mistaken for one.
import type { TextEdit } from '../../core/lint/types';
import { splitSql, type SqlComment } from '../../core/sql/splitter';

const STATEMENT_IGNORE = /^pgopt-ignore(?:\s+(.*))?$/i;
const FILE_IGNORE = /^pgopt-ignore-file(?:\s+(.*))?$/i;

function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function ids(list: string | undefined): string[] {
  return (list ?? '').split(/[\s,]+/).filter(Boolean);
}

/** Offset just after the comment's last non-space character (before a `\r`). */
function contentEnd(text: string, c: SqlComment): number {
  let e = c.end;
  while (e > c.start && /\s/.test(text.charAt(e - 1))) e--;
  return e;
}

/**
 * Adds `ruleId` to the `-- pgopt-ignore` comment right above the statement, or inserts one on its own line
 * with the statement's indentation. Undefined when the rule is already ignored there.
 */
export function disableForStatementEdit(text: string, statementStart: number, ruleId: string): TextEdit | undefined {
  const eol = eolOf(text);
  const { comments } = splitSql(text);
  const above = comments.filter((c) => c.kind === 'line' && c.end <= statementStart && text.slice(c.end, statementStart).trim() === '').pop();
  const m = above ? STATEMENT_IGNORE.exec(above.body) : null;
  if (above && m) {
    const listed = ids(m[1]);
    if (listed.length === 0 || listed.includes(ruleId)) return undefined;
    const at = contentEnd(text, above);
    return { start: at, end: at, newText: `, ${ruleId}` };
  }
  const lineStart = text.lastIndexOf('\n', statementStart - 1) + 1;
  const before = text.slice(lineStart, statementStart);
  if (before.trim() === '') {
    return { start: lineStart, end: lineStart, newText: `${before}-- pgopt-ignore ${ruleId}${eol}` };
  }
  // The statement starts after other code on its line: the comment goes on a line of its own just before
  // it, otherwise it would apply to the first statement of the line.
  const indent = /^[ \t]*/.exec(before)?.[0] ?? '';
  return { start: statementStart, end: statementStart, newText: `${eol}${indent}-- pgopt-ignore ${ruleId}${eol}${indent}` };
}

/**
 * Adds `ruleId` to the file's `-- pgopt-ignore-file` comment, or inserts one as the first line. Undefined
 * when the rule (or every rule) is already ignored for the file.
 */
export function disableForFileEdit(text: string, ruleId: string): TextEdit | undefined {
  const { comments } = splitSql(text);
  const existing = comments.filter((c) => c.kind === 'line').map((c) => ({ c, m: FILE_IGNORE.exec(c.body) }));
  for (const { m } of existing) if (m && (ids(m[1]).length === 0 || ids(m[1]).includes(ruleId))) return undefined;
  const first = existing.find((x) => x.m);
  if (first) {
    const at = contentEnd(text, first.c);
    return { start: at, end: at, newText: `, ${ruleId}` };
  }
  return { start: 0, end: 0, newText: `-- pgopt-ignore-file ${ruleId}${eolOf(text)}` };
}
