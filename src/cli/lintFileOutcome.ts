// Reads one file for `pgopt lint` and turns unreadable, binary or oversized files into a finding instead
// of an exception, so one bad file never stops the run.
import { readFileSync, statSync } from 'node:fs';
import type { LintFinding } from '../core/lint/types';
import { sqlFileText } from '../core/sql/sqlFileText';

/** Files larger than this are reported instead of linted (a 50 MB migration is not hand-written SQL). */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;

export function fileProblem(message: string, severity: LintFinding['severity']): LintFinding {
  return { ruleId: 'file-skipped', severity, message, start: 0, end: 0, line: 0, column: 0, endLine: 0, endColumn: 0 };
}

export function lintFileOutcome(file: string, lint: (text: string) => LintFinding[]): LintFinding[] {
  let size: number;
  let buf: Buffer;
  try {
    size = statSync(file).size;
    if (size > MAX_FILE_BYTES) {
      return [fileProblem(`File is ${(size / 1024 / 1024).toFixed(0)} MB, above the ${MAX_FILE_BYTES / 1024 / 1024} MB limit; not linted.`, 'warning')];
    }
    buf = readFileSync(file);
  } catch (e) {
    return [fileProblem(`Cannot read the file: ${(e as Error).message}`, 'error')];
  }
  if (buf.includes(0)) return [fileProblem('Binary file (contains NUL bytes); not linted.', 'warning')];
  return lint(sqlFileText(buf));
}
