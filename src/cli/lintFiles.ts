// Which files `pgopt lint` reads: explicit files, directories (every *.sql below them) and globs; with no
// arguments, the project's lint selection — the migration globs plus any SQL file with a `-- migrate:up`
// line, the same files the editor lints (core/project/lintSelection.ts). Sorted so output is stable.
import { readdirSync, statSync, type Dirent } from 'node:fs';
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
    else if (st?.isDirectory()) for (const f of sqlFilesBelow(abs, ignore) ?? globSync(['**/*.sql'], { cwd: abs, ignore, absolute: true })) files.add(f);
    else {
      const matched = globSync([a], { cwd, ignore, absolute: true });
      if (matched.length === 0) missing.push(a);
      for (const f of matched) files.add(f);
    }
  }
  return { files: sortPaths([...files]), missing };
}

/**
 * The *.sql files below `dir`, as expandLintTargets' globSync lists them for a directory argument, found by walking the directory
 * (tinyglobby compiles its globs with picomatch and crawls with fdir: ~6 ms of a cold run), when the walk is sure
 * to agree: the default exclude (node_modules), POSIX paths, and only plain files and directories on the way —
 * a symbolic link or an unreadable directory leaves it to tinyglobby (undefined). Entries whose name starts with
 * a dot are skipped as the globs skip them.
 */
export function sqlFilesBelow(dir: string, ignore: readonly string[]): string[] | undefined {
  if (sep !== '/' || dir === '/' || dir.endsWith('/') || ignore.length !== 1 || ignore[0] !== '**/node_modules/**') return undefined;
  const out: string[] = [];
  const walk = (d: string): boolean => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const e of entries) {
      const name = e.name;
      if (name.charCodeAt(0) === 46) continue;
      if (e.isDirectory()) {
        if (name !== 'node_modules' && !walk(`${d}/${name}`)) return false;
      } else if (e.isFile()) {
        if (name.endsWith('.sql')) out.push(`${d}/${name}`);
      } else return false;
    }
    return true;
  };
  return walk(dir) ? out : undefined;
}

/** A setting under which ICU's default collation is the root one: unset, C, POSIX or English. */
const ROOT_LOCALE = /^$|^(C|POSIX|en(_[A-Za-z]+)?)([.@].*)?$/;

/** The characters rootSorted handles: each has its own primary weight in the root collation, and no contraction. */
const ROOT_PLAIN = /^[-_./0-9a-z]*$/;

/**
 * `paths` (distinct) in the root collation's order, when every character after their common folder prefix is a
 * lower-case ASCII letter, a digit or one of _ - . / (a common prefix weighs the same on every level); undefined
 * otherwise. Among those the root order is code-unit order but for '_', which comes before '-': it is swapped for
 * ',' (not among them, just below '-') so that the built-in sort does the rest.
 */
export function rootSorted(paths: readonly string[]): string[] | undefined {
  const first = paths[0];
  if (first === undefined) return [];
  let prefix = first.slice(0, first.lastIndexOf('/') + 1);
  for (const p of paths) while (!p.startsWith(prefix)) prefix = prefix.length < 2 ? '' : prefix.slice(0, prefix.lastIndexOf('/', prefix.length - 2) + 1);
  const keys: string[] = [];
  for (const p of paths) {
    const rest = p.slice(prefix.length);
    if (!ROOT_PLAIN.test(rest)) return undefined;
    keys.push(rest.replaceAll('_', ','));
  }
  keys.sort();
  return keys.map((k) => prefix + k.replaceAll(',', '_'));
}

/**
 * `paths` (distinct) sorted as `a.localeCompare(b)` sorts them (the default locale's collation, ICU). Under a
 * root-collation locale, usual migration paths are sorted without it: the first localeCompare loads ICU's
 * collation data, ~6 ms of a cold `pgopt lint`.
 */
export function sortPaths(paths: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const root = [env.LC_ALL, env.LC_MESSAGES, env.LC_COLLATE, env.LANG, env.LANGUAGE].every((v) => v === undefined || ROOT_LOCALE.test(v));
  return (root ? rootSorted(paths) : undefined) ?? paths.sort((x, y) => x.localeCompare(y));
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
