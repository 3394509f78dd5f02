// Which files are migrations to lint, decided once for the editor and for `pgopt lint` with no paths: the
// `lint.migrations` globs minus `lint.exclude` (workspace-relative, posix), plus any other SQL file that
// holds a dbmate `-- migrate:up` line (see ../migrations/dbmateMarker.ts), excluded ones never.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { glob } from 'tinyglobby';
import type { LintSettings } from '../config';
import { hasMigrateUpMarker } from '../migrations/dbmateMarker';

/** Files scanned for a marker at most (outside the globs); the editor's Lint All uses the same cap. */
export const MARKER_SCAN_LIMIT = 20_000;
/** Files larger than this are not read to look for a marker (they are not hand-written migrations). */
const MARKER_SCAN_MAX_BYTES = 50 * 1024 * 1024;

export interface LintSelection {
  /** The globs of migration files (workspace-relative). */
  readonly migrations: readonly string[];
  readonly exclude: readonly string[];
  /** Relative path (posix) matches `migrations` and not `exclude`. */
  isMigrationPath(relPath: string): boolean;
  isExcluded(relPath: string): boolean;
  /** The one test: a relative path (undefined for files outside the folder, untitled ones) and the text. */
  isMigration(relPath: string | undefined, text: string): boolean;
}

export function lintSelection(settings: Pick<LintSettings, 'migrations' | 'exclude'>): LintSelection {
  // Compiled on first use: `pgopt lint` given paths only passes the exclude globs on to the directory walk.
  let matchMigrations: ((rel: string) => boolean) | undefined;
  let matchExcluded: ((rel: string) => boolean) | undefined;
  const migrations = (rel: string): boolean => (matchMigrations ??= picomatch(settings.migrations, { dot: false }))(rel);
  const excluded = (rel: string): boolean => (matchExcluded ??= settings.exclude.length ? picomatch(settings.exclude, { dot: true }) : () => false)(rel);
  return {
    migrations: settings.migrations,
    exclude: settings.exclude,
    isMigrationPath: (rel) => migrations(rel) && !excluded(rel),
    isExcluded: (rel) => excluded(rel),
    isMigration: (rel, text) => {
      if (rel !== undefined && excluded(rel)) return false;
      return (rel !== undefined && migrations(rel)) || hasMigrateUpMarker(text);
    },
  };
}

/** How the selection reaches the files: the CLI's is the disk (tinyglobby), the editor's its workspace API. */
export interface SelectionIo {
  /** Relative posix paths matching `patterns`, skipping `ignore` (no dot folders). */
  glob(patterns: readonly string[], ignore: readonly string[]): Promise<string[]>;
  /** The text of a relative path, undefined when unreadable or too large to be a migration. */
  read(relPath: string): Promise<string | undefined>;
}

/**
 * The migration files (relative posix paths, sorted): the glob matches, then every other *.sql file (up to
 * MARKER_SCAN_LIMIT) whose text has an up marker.
 */
export async function selectLintFiles(selection: LintSelection, io: SelectionIo): Promise<string[]> {
  const files = new Set((await io.glob(selection.migrations, selection.exclude)).filter((rel) => selection.isMigrationPath(rel)));
  const candidates = (await io.glob(['**/*.sql'], selection.exclude)).filter((rel) => !files.has(rel) && !selection.isExcluded(rel));
  for (const rel of candidates.slice(0, MARKER_SCAN_LIMIT)) {
    const text = await io.read(rel);
    if (text !== undefined && hasMigrateUpMarker(text)) files.add(rel);
  }
  return [...files].sort((a, b) => a.localeCompare(b));
}

/** The disk under `root` (the CLI). */
export function diskSelectionIo(root: string): SelectionIo {
  return {
    glob: (patterns, ignore) => glob([...patterns], { cwd: root, ignore: [...ignore], dot: false }),
    read: async (rel) => {
      try {
        const file = join(root, rel);
        if ((await fsp.stat(file)).size > MARKER_SCAN_MAX_BYTES) return undefined;
        return await fsp.readFile(file, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}
