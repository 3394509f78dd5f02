// The project model: one workspace folder (editor) or working directory (CLI) with its pgopt.json read,
// validated once and kept as data — problems included, never thrown. Every reader of pgopt.json goes
// through here: the lint settings and file selection, the "migrate" section (the migration layout slot),
// and the raw sections the analyzers validate themselves (integrity, queries, monitoring, policy …).
// A pgopt.json saved with a UTF-8 byte-order mark reads like one without.
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseLintSettings, parseMigrateSettings, parsePgoptFile, type ConfigProblem, type LintSettings, type MigrateSettings, type PgoptFile } from '../config';
import { toLintOptions } from '../lint/lintConfig';
import type { LintOptions } from '../lint/types';
import { discoverMigrations } from '../migrations/discovery';
import type { Discovery } from '../migrations/types';
import { blankBom } from '../sql/sqlFileText';
import { lintSelection, type LintSelection } from './lintSelection';

export const PGOPT_FILE_NAME = 'pgopt.json';
/** Problems in pgopt.json carry paths rooted here (`$.lint.rules.foo`), so they can be located in the file. */
export const PGOPT_FILE_ROOT = '$';

export interface ProjectLint {
  /** Where the lint settings came from: pgopt.json "lint", else the host's own (editor pgopt.lint.*, CLI defaults). */
  source: 'pgopt.json' | 'host';
  settings: LintSettings;
  options: Partial<LintOptions>;
  /** Problems of the host's settings (pgopt.json's own are in ProjectModel.problems). */
  hostProblems: ConfigProblem[];
  /** Which files are migrations (globs + dbmate markers); the same for the editor and `pgopt lint`. */
  selection: LintSelection;
}

/**
 * The migration layout slot. Today: pgopt.json "migrate" and whether it names the folder; the folder, format
 * and naming resolver (core/migrations/layout.ts) is wired in here.
 */
export interface ProjectMigrations {
  settings: MigrateSettings;
  /** pgopt.json sets migrate.dir (else the host looks for a conventional folder). */
  configured: boolean;
}

export interface ProjectModel {
  /** Absolute folder (or directory) the project is rooted at. */
  root: string;
  /** The pgopt.json as read (absolute path and text), undefined when there is none. */
  file: { path: string; text: string } | undefined;
  /** The file's sections, each still to be validated by its reader; a bad section never hides another. */
  config: PgoptFile;
  /** Every problem of pgopt.json, paths rooted at PGOPT_FILE_ROOT; see problemLines() to print them. */
  problems: ConfigProblem[];
  lint: ProjectLint;
  migrations: ProjectMigrations;
}

export interface ProjectOptions {
  /** Lint settings used when pgopt.json has no "lint" section (editor: the pgopt.lint.* settings), with their key prefix. */
  hostLint?: { raw: Record<string, unknown>; prefix: string };
}

/** The top-level sections of the raw JSON, when the text is a JSON object (for salvage next to problems). */
function rawObject(text: string): Record<string, unknown> | undefined {
  try {
    const json: unknown = JSON.parse(blankBom(text));
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The model from pgopt.json's text (undefined: no file). Pure: the hosts read the file their own way. */
export function projectFromText(root: string, file: { path: string; text: string } | undefined, opts: ProjectOptions = {}): ProjectModel {
  const problems: ConfigProblem[] = [];
  let config: PgoptFile = {};
  if (file) {
    const parsed = parsePgoptFile(file.text, PGOPT_FILE_ROOT);
    problems.push(...parsed.problems);
    config = parsed.file;
    // parsePgoptFile() returns an empty file when a top-level key has the wrong shape: keep the other sections.
    const raw = parsed.problems.length ? rawObject(file.text) : undefined;
    if (raw) {
      const kept: Record<string, unknown> = { ...raw };
      if (!Array.isArray(kept.connections)) delete kept.connections;
      if (typeof kept.$schema !== 'string') delete kept.$schema;
      config = kept as PgoptFile;
    }
  }

  const add = (list: ConfigProblem[], more: readonly ConfigProblem[]): void => {
    for (const p of more) if (!list.some((q) => q.path === p.path && q.message === p.message)) list.push(p);
  };
  let settings: LintSettings;
  const hostProblems: ConfigProblem[] = [];
  const fromFile = config.lint !== undefined;
  if (fromFile) {
    const r = parseLintSettings(config.lint, `${PGOPT_FILE_ROOT}.lint`);
    add(problems, r.problems);
    settings = r.settings;
  } else {
    const r = parseLintSettings(opts.hostLint?.raw ?? {}, opts.hostLint?.prefix ?? 'lint');
    add(hostProblems, r.problems);
    settings = r.settings;
  }
  const converted = toLintOptions(settings, fromFile ? `${PGOPT_FILE_ROOT}.lint` : (opts.hostLint?.prefix ?? 'lint'));
  add(fromFile ? problems : hostProblems, converted.problems);

  const migrate = parseMigrateSettings(config.migrate, `${PGOPT_FILE_ROOT}.migrate`);
  add(problems, migrate.problems);
  const rawMigrate = config.migrate as { dir?: unknown } | undefined;

  return {
    root,
    file,
    config,
    problems,
    lint: { source: fromFile ? 'pgopt.json' : 'host', settings, options: converted.options, hostProblems, selection: lintSelection(settings) },
    migrations: { settings: migrate.settings, configured: typeof rawMigrate?.dir === 'string' },
  };
}

/** Thrown-free read for the CLI: ok with the file's text, or one sentence on why it cannot be read. */
export type PgoptFileRead = { ok: true; file: { path: string; text: string } | undefined } | { ok: false; message: string };

/**
 * Reads `configPath` (given: must exist) or `<root>/pgopt.json` (optional) from disk. A folder, a missing
 * given file or an unreadable one is a sentence, not an exception.
 */
export function readPgoptFile(root: string, configPath?: string): PgoptFileRead {
  const path = configPath ? resolve(root, configPath) : join(root, PGOPT_FILE_NAME);
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return configPath ? { ok: false, message: `config file ${path} does not exist` } : { ok: true, file: undefined };
  }
  if (isDir) return { ok: false, message: `config file ${path} is a folder: pass the pgopt.json file itself` };
  try {
    return { ok: true, file: { path, text: readFileSync(path, 'utf8') } };
  } catch (e) {
    return { ok: false, message: `cannot read config file ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
}

/** A problem as a line, with the `$` root replaced by a label (the file's path, or `pgopt.json`). */
export function problemLine(p: ConfigProblem, label: string): string {
  const path = p.path === PGOPT_FILE_ROOT ? label : p.path.startsWith(`${PGOPT_FILE_ROOT}.`) || p.path.startsWith(`${PGOPT_FILE_ROOT}[`) ? `${label}${p.path.slice(1)}` : p.path;
  return `${path}: ${p.message}`;
}

/** The migrations of the project's layout in `dir` (the layout resolver decides `dir`; see ProjectMigrations). */
export function discoverProjectMigrations(project: ProjectModel, dir: string): Discovery {
  return discoverMigrations(dir, { format: project.migrations.settings.format });
}
