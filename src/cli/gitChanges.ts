// pgopt lint --changed-since REF: the files added, copied, modified or renamed since a git ref (committed or
// not), plus untracked files, as absolute paths. Deleted files are left out: there is nothing to lint.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from './cliErrors';

/**
 * node:child_process on first use: it loads net, dgram and streams (~4 ms of CPU), and only --changed-since runs
 * git — a warm `pgopt lint --cache` run never does.
 */
function childProcess(): typeof import('node:child_process') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('node:child_process') as typeof import('node:child_process');
}

function git(args: string[], cwd: string): string {
  try {
    return childProcess().execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new CliError('--changed-since needs git on the PATH');
    const first = (err.stderr ?? '').split('\n').find((l) => l.trim()) ?? err.message;
    throw new CliError(`--changed-since: git ${args[0]} failed: ${first.replace(/^fatal: /, '')}`);
  }
}

export function changedFilesSince(ref: string, cwd = process.cwd()): Set<string> {
  if (!ref || ref.startsWith('-')) throw new CliError(`--changed-since needs a git ref such as origin/main (got "${ref}")`);
  const top = git(['rev-parse', '--show-toplevel'], cwd).trim();
  // Verify the ref first, so a typo is "unknown ref", not git diff's "ambiguous argument" wording.
  try {
    childProcess().execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd, stdio: 'ignore' });
  } catch {
    throw new CliError(`--changed-since: "${ref}" is not a commit in this repository (fetch it first, e.g. git fetch origin main, or use fetch-depth: 0 in CI)`);
  }
  const changed = git(['diff', '--name-only', '-z', '--diff-filter=ACMR', ref, '--'], top);
  const untracked = git(['ls-files', '-z', '--others', '--exclude-standard'], top);
  const out = new Set<string>();
  for (const f of `${changed}${untracked}`.split('\0')) if (f) out.add(realPath(resolve(top, f)));
  return out;
}

/** The path with symlinks resolved (git prints the real top level; /tmp may be a link), else the path itself. */
export function realPath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** 1-based inclusive line ranges; undefined means every line (a file added or untracked since the ref). */
export type ChangedLines = Map<string, [number, number][] | undefined>;

/**
 * The lines of each file added or changed since `ref` (from `git diff -U0`): what `--format github` annotates, so a
 * pull request shows findings on the lines it touches. Files git does not know at `ref` (new, untracked) count
 * whole. Keys are real absolute paths like changedFilesSince's.
 */
export function changedLinesSince(ref: string, cwd = process.cwd()): ChangedLines {
  const top = git(['rev-parse', '--show-toplevel'], cwd).trim();
  const out: ChangedLines = new Map();
  for (const f of changedFilesSince(ref, cwd)) out.set(f, undefined);
  const diff = git(['-c', 'core.quotepath=off', 'diff', '-U0', '--no-color', '--no-ext-diff', '--diff-filter=MR', ref, '--'], top);
  let current: [number, number][] | undefined;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      const path = line.slice(4).replace(/^b\//, '');
      current = [];
      out.set(realPath(resolve(top, path)), current);
      continue;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (hunk && current) {
      const start = Number(hunk[1]);
      const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
      if (count > 0) current.push([start, start + count - 1]);
    }
  }
  return out;
}

/** Whether a finding spanning 0-based lines [line, endLine] touches a changed line of its file. */
export function onChangedLines(ranges: [number, number][] | undefined, line: number, endLine: number): boolean {
  if (ranges === undefined) return true;
  const a = line + 1;
  const b = Math.max(endLine, line) + 1;
  return ranges.some(([s, e]) => a <= e && b >= s);
}
