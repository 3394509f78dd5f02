// Reads one file for `pgopt lint` and turns unreadable, binary or oversized files into a finding instead
// of an exception, so one bad file never stops the run.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { LintFinding } from '../core/lint/types';
import type { LintSource } from '../core/project/lintFiles';
import { sqlFileText } from '../core/sql/sqlFileText';

/** Files larger than this are reported instead of linted (a 50 MB migration is not hand-written SQL). */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;

export function fileProblem(message: string, severity: LintFinding['severity']): LintFinding {
  return { ruleId: 'file-skipped', severity, message, start: 0, end: 0, line: 0, column: 0, endLine: 0, endColumn: 0 };
}

/** The file's bytes, or the finding that says why it is not linted (too large, unreadable, binary). Never throws. */
export function readLintBytes(file: string): { bytes: Buffer } | { skipped: LintFinding } {
  let buf: Buffer;
  let fd: number | undefined;
  try {
    // Opened once and sized through the descriptor: a stat by path, then readFileSync's own open and stat, were
    // two of the five system calls per file (~5 ms on Lemmy's 684 migrations).
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    if (size > MAX_FILE_BYTES) {
      return { skipped: fileProblem(`File is ${(size / 1024 / 1024).toFixed(0)} MB, above the ${MAX_FILE_BYTES / 1024 / 1024} MB limit; not linted.`, 'warning') };
    }
    buf = readAll(fd, size);
  } catch (e) {
    return { skipped: fileProblem(`Cannot read the file: ${(e as Error).message}`, 'error') };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (buf.includes(0)) return { skipped: fileProblem('Binary file (contains NUL bytes); not linted.', 'warning') };
  return { bytes: buf };
}

/** Every byte left in the file: `size` (its size when opened) is a hint; a file that grew meanwhile is read whole. */
function readAll(fd: number, size: number): Buffer {
  // One byte more than the size, so that the read which finds the end needs no larger buffer.
  let buf = Buffer.allocUnsafe(size + 1);
  let n = 0;
  for (;;) {
    if (n === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, n);
      buf = bigger;
    }
    const r = readSync(fd, buf, n, buf.length - n, null);
    if (r === 0) return buf.subarray(0, n);
    n += r;
  }
}

/** The file's text (UTF-8, BOM dropped), or the finding that says why it is not linted. Never throws. */
export function readLintSource(file: string): LintSource {
  const r = readLintBytes(file);
  return 'skipped' in r ? r : { text: sqlFileText(r.bytes) };
}

export function lintFileOutcome(file: string, lint: (text: string) => LintFinding[]): LintFinding[] {
  const source = readLintSource(file);
  return 'skipped' in source ? [source.skipped] : lint(source.text);
}
