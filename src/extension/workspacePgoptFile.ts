// The workspace-root pgopt.json as analyzers see it (integrity rules, query/activity thresholds). Its
// problems are shown by the pgopt.json diagnostics; here a section with problems is still passed on, and
// each analyzer validates its own section and reports what it skipped.
import * as vscode from 'vscode';
import { parsePgoptFile, type PgoptFile } from '../core/config';
import { log } from './log';
import { PGOPT_FILE_NAME } from './sqlDocuments';

export async function loadWorkspacePgoptFile(): Promise<PgoptFile> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) return {};
  const uri = vscode.Uri.joinPath(folder.uri, PGOPT_FILE_NAME);
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  let text: string;
  try {
    text = open ? open.getText() : new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return {};
  }
  const { file, problems } = parsePgoptFile(text, PGOPT_FILE_NAME);
  if (problems.length) log.warn(`${PGOPT_FILE_NAME}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return file;
}
