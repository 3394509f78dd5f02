// The core project model (core/project/project.ts) for a workspace folder: pgopt.json read from the open
// editor when it is open (live feedback while typing), else from the disk, with the pgopt.lint.* settings as
// the lint fallback. Every extension reader of pgopt.json comes here; the lint host keeps one model per
// folder and reloads it when pgopt.json or the settings change.
import * as vscode from 'vscode';
import { PGOPT_FILE_NAME, projectFromText, problemLine, type ProjectModel } from '../core/project/project';
import { log } from './log';
import { hostLintSettings } from './settings';

async function readPgoptText(folder: vscode.WorkspaceFolder): Promise<{ path: string; text: string } | undefined> {
  const uri = vscode.Uri.joinPath(folder.uri, PGOPT_FILE_NAME);
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return { path: uri.fsPath, text: open.getText() };
  try {
    return { path: uri.fsPath, text: new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri)) };
  } catch {
    return undefined;
  }
}

/** The project of a folder (undefined: no folder open, defaults and the settings only). */
export async function loadFolderProject(folder: vscode.WorkspaceFolder | undefined): Promise<ProjectModel> {
  const file = folder ? await readPgoptText(folder) : undefined;
  return projectFromText(folder?.uri.fsPath ?? '', file, { hostLint: hostLintSettings(folder?.uri) });
}

/** The first workspace folder's project; its pgopt.json problems go to the log (the lint host shows them in the file). */
export async function workspaceProject(): Promise<ProjectModel> {
  const project = await loadFolderProject(vscode.workspace.workspaceFolders?.[0]);
  if (project.problems.length) log.warn(`${PGOPT_FILE_NAME}: ${project.problems.map((p) => problemLine(p, PGOPT_FILE_NAME)).join('; ')}`);
  return project;
}

/** The file the project's pgopt.json lives in (for diagnostics). */
export function pgoptFileUri(folder: vscode.WorkspaceFolder): vscode.Uri {
  return vscode.Uri.joinPath(folder.uri, PGOPT_FILE_NAME);
}
