// Which files `pgopt lint` reads: explicit files, directories (every *.sql below them) and globs; with no
// arguments, the project's lint selection — the migration globs plus any SQL file with a `-- migrate:up`
// line, the same files the editor lints (core/project/lintSelection.ts). Sorted so output is stable.
import { statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { globSync } from 'tinyglobby';
import { diskSelectionIo, selectLintFiles, type LintSelection } from '../core/project/lintSelection';

export async function expandLintTargets(args: string[], selection: LintSelection, cwd = process.cwd()): Promise<{ files: string[]; missing: string[] }> {
  if (args.length === 0) return { files: (await selectLintFiles(selection, diskSelectionIo(cwd))).map((rel) => resolve(cwd, rel)), missing: [] };
  const files = new Set<string>();
  const missing: string[] = [];
  const ignore = [...selection.exclude];
  for (const a of args) {
    const abs = resolve(cwd, a);
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(abs);
    } catch {
      st = undefined;
    }
    if (st?.isFile()) files.add(abs);
    else if (st?.isDirectory()) for (const f of globSync(['**/*.sql'], { cwd: abs, ignore, absolute: true })) files.add(f);
    else {
      const matched = globSync([a], { cwd, ignore, absolute: true });
      if (matched.length === 0) missing.push(a);
      for (const f of matched) files.add(f);
    }
  }
  return { files: [...files].sort((x, y) => x.localeCompare(y)), missing };
}

/** A path below the directory, with no "." / ".." segment, no doubled or trailing separator: path.relative's answer is the rest of it. */
const PLAIN_REST = /(^|\/)\.\.?(\/|$)|\/\/|\/$/;

export function displayPath(file: string, cwd = process.cwd()): string {
  // The common case without path.relative (which resolves both paths on every call): a file below cwd on POSIX.
  if (sep === '/' && cwd.length > 1 && !cwd.endsWith('/') && file.startsWith(cwd) && file.charCodeAt(cwd.length) === 47) {
    const rest = file.slice(cwd.length + 1);
    if (rest && !rest.startsWith('..') && !PLAIN_REST.test(rest)) return rest;
  }
  const r = relative(cwd, file);
  return r.startsWith('..') ? file : r || join('.', file);
}
