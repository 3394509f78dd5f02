// The lint configuration in force for one workspace folder, from the project model (core/project): the
// folder's pgopt.json "lint" section when there is one (so the editor lints exactly like `pgopt lint` in
// CI), else the pgopt.lint.* settings. Which files are migrations is the model's lint selection — the
// `migrations` globs minus `exclude`, or any SQL file with a `-- migrate:up` line — the same selection
// `pgopt lint` uses with no paths.
import { posix } from 'node:path';
import * as vscode from 'vscode';
import type { ConfigProblem, LintSettings } from '../../core/config';
import type { LintOptions } from '../../core/lint/types';
import type { LintSelection } from '../../core/project/lintSelection';
import { PGOPT_FILE_ROOT, type ProjectModel } from '../../core/project/project';
import { loadFolderProject, pgoptFileUri } from '../projectModel';

export { PGOPT_FILE_ROOT };
export { editorLintSettings } from '../settings';

export interface FolderLintConfig {
  folder: vscode.WorkspaceFolder | undefined;
  project: ProjectModel;
  /** Where pgVersion, assumeInTransaction, rules, migrations and exclude came from. */
  source: 'settings' | 'pgopt.json';
  settings: LintSettings;
  options: Partial<LintOptions>;
  /** The folder's pgopt.json, when it exists, with its text and problems (paths rooted at `$`). */
  pgoptFile: { uri: vscode.Uri; text: string; problems: ConfigProblem[] } | undefined;
  /** Problems in the pgopt.lint.* settings (when they are the source). */
  settingsProblems: ConfigProblem[];
  selection: LintSelection;
}

export function workspaceRelativePath(uri: vscode.Uri, folder: vscode.WorkspaceFolder | undefined): string | undefined {
  if (!folder || uri.scheme === 'untitled') return undefined;
  const rel = posix.relative(folder.uri.path, uri.path);
  return rel.startsWith('..') || posix.isAbsolute(rel) ? undefined : rel;
}

/** The folder a document belongs to; untitled documents and loose files use the first folder's config. */
export function folderFor(uri: vscode.Uri): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.getWorkspaceFolder(uri) ?? vscode.workspace.workspaceFolders?.[0];
}

export async function loadFolderLintConfig(folder: vscode.WorkspaceFolder | undefined): Promise<FolderLintConfig> {
  const project = await loadFolderProject(folder);
  return {
    folder,
    project,
    source: project.lint.source === 'pgopt.json' ? 'pgopt.json' : 'settings',
    settings: project.lint.settings,
    options: project.lint.options,
    pgoptFile: folder && project.file ? { uri: pgoptFileUri(folder), text: project.file.text, problems: project.problems } : undefined,
    settingsProblems: project.lint.hostProblems,
    selection: project.lint.selection,
  };
}
