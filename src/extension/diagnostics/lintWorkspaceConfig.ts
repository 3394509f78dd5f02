// The lint configuration in force for one workspace folder: the pgopt.lint.* settings, or, when the
// folder's root pgopt.json has a "lint" section, that section alone (so the editor lints exactly like
// `pgopt lint` in CI). Which files are migrations: the `migrations` globs minus `exclude`, matched with
// picomatch like the CLI's glob expansion (tinyglobby), or any SQL file containing `-- migrate:up`.
import { posix } from 'node:path';
import picomatch from 'picomatch';
import * as vscode from 'vscode';
import { parseLintSettings, parsePgoptFile, type ConfigProblem, type LintSettings } from '../../core/config';
import { toLintOptions } from '../../core/lint/lintConfig';
import type { LintOptions } from '../../core/lint/types';
import { PGOPT_FILE_NAME } from '../sqlDocuments';
import { rawSection } from './lintSettingsSalvage';

const MIGRATE_UP = /--[ \t]*migrate:up\b/i;

/** Problems in pgopt.json carry paths rooted here (`$.lint.rules.foo`), so they can be located in the file. */
export const PGOPT_FILE_ROOT = '$';

export interface FolderLintConfig {
  folder: vscode.WorkspaceFolder | undefined;
  /** Where pgVersion, assumeInTransaction, rules, migrations and exclude came from. */
  source: 'settings' | 'pgopt.json';
  settings: LintSettings;
  options: Partial<LintOptions>;
  /** The folder's pgopt.json, when it exists, with its text and problems (paths rooted at `$`). */
  pgoptFile: { uri: vscode.Uri; text: string; problems: ConfigProblem[] } | undefined;
  /** Problems in the pgopt.lint.* settings (when they are the source). */
  settingsProblems: ConfigProblem[];
  /** Workspace-relative path (posix) -> matches `migrations` and not `exclude`. */
  isMigrationPath(relPath: string): boolean;
  isExcluded(relPath: string): boolean;
}

/** Editor-only settings (not in pgopt.json: CI has no editor). */
export function editorLintSettings(scope?: vscode.Uri): { enable: boolean; debounceMs: number } {
  const cfg = vscode.workspace.getConfiguration('pgopt.lint', scope);
  const debounce = Number(cfg.get<unknown>('debounceMs') ?? 150);
  return { enable: cfg.get<unknown>('enable') !== false, debounceMs: Number.isFinite(debounce) && debounce >= 0 ? debounce : 150 };
}

export function workspaceRelativePath(uri: vscode.Uri, folder: vscode.WorkspaceFolder | undefined): string | undefined {
  if (!folder || uri.scheme === 'untitled') return undefined;
  const rel = posix.relative(folder.uri.path, uri.path);
  return rel.startsWith('..') || posix.isAbsolute(rel) ? undefined : rel;
}

export function hasMigrateUpMarker(text: string): boolean {
  return MIGRATE_UP.test(text);
}

/** The folder a document belongs to; untitled documents and loose files use the first folder's config. */
export function folderFor(uri: vscode.Uri): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.getWorkspaceFolder(uri) ?? vscode.workspace.workspaceFolders?.[0];
}

/** Reads the folder's pgopt.json: the open editor's text when it is open (live feedback), else the disk. */
async function readPgoptFile(folder: vscode.WorkspaceFolder): Promise<{ uri: vscode.Uri; text: string } | undefined> {
  const uri = vscode.Uri.joinPath(folder.uri, PGOPT_FILE_NAME);
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return { uri, text: open.getText() };
  try {
    return { uri, text: new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri)) };
  } catch {
    return undefined;
  }
}

export async function loadFolderLintConfig(folder: vscode.WorkspaceFolder | undefined): Promise<FolderLintConfig> {
  const file = folder ? await readPgoptFile(folder) : undefined;
  let pgoptFile: FolderLintConfig['pgoptFile'];
  let fromFile: { settings: LintSettings; problems: ConfigProblem[] } | undefined;
  if (file) {
    // Problems come from the core's parser; the lint section is taken from the raw JSON, because
    // parsePgoptFile() returns an empty file when any top-level key is bad, which would drop a good "lint".
    const parsed = parsePgoptFile(file.text, PGOPT_FILE_ROOT);
    const rawLint = rawSection(file.text, 'lint');
    if (rawLint !== undefined) fromFile = parseLintSettings(rawLint, `${PGOPT_FILE_ROOT}.lint`);
    const problems = [...parsed.problems];
    for (const p of fromFile?.problems ?? []) if (!problems.some((q) => q.path === p.path && q.message === p.message)) problems.push(p);
    pgoptFile = { uri: file.uri, text: file.text, problems };
  }

  let settings: LintSettings;
  let settingsProblems: ConfigProblem[] = [];
  let prefix: string;
  if (fromFile) {
    settings = fromFile.settings;
    prefix = `${PGOPT_FILE_ROOT}.lint`;
  } else {
    const cfg = vscode.workspace.getConfiguration('pgopt.lint', folder?.uri);
    const raw = {
      pgVersion: cfg.get<unknown>('pgVersion'),
      assumeInTransaction: cfg.get<unknown>('assumeInTransaction'),
      rules: cfg.get<unknown>('rules'),
      migrations: cfg.get<unknown>('migrations'),
      exclude: cfg.get<unknown>('exclude'),
      liveEscalateBytes: cfg.get<unknown>('liveEscalateBytes'),
    };
    const r = parseLintSettings(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)), 'pgopt.lint');
    settings = r.settings;
    settingsProblems = r.problems;
    prefix = 'pgopt.lint';
  }
  const { options, problems: ruleProblems } = toLintOptions(settings, prefix);
  if (fromFile && pgoptFile) pgoptFile.problems.push(...ruleProblems);
  else settingsProblems.push(...ruleProblems);

  const migrations = picomatch(settings.migrations, { dot: false });
  const excluded = settings.exclude.length ? picomatch(settings.exclude, { dot: true }) : () => false;
  return {
    folder,
    source: fromFile ? 'pgopt.json' : 'settings',
    settings,
    options,
    pgoptFile,
    settingsProblems,
    isMigrationPath: (rel) => migrations(rel) && !excluded(rel),
    isExcluded: (rel) => excluded(rel),
  };
}
