// Which editor documents are SQL. Shared by the activation bundle (to decide when to load the linter) and
// the linter itself, so it must stay free of heavy imports.
import type * as vscode from 'vscode';

/** `sql` is built in; `postgres` / `pgsql` come from popular Postgres language extensions. */
export const SQL_LANGUAGES: readonly string[] = ['sql', 'postgres', 'pgsql'];

/** Schemes whose documents are real files or new files; not git:, output:, vscode-notebook-cell: etc. */
const LINTABLE_SCHEMES = new Set(['file', 'untitled', 'vscode-remote', 'vscode-vfs']);

export function isSqlDocument(doc: vscode.TextDocument): boolean {
  return SQL_LANGUAGES.includes(doc.languageId) && LINTABLE_SCHEMES.has(doc.uri.scheme);
}

/** The workspace-root config file; its "lint" section overrides the pgopt.lint.* settings. */
export const PGOPT_FILE_NAME = 'pgopt.json';

export function isPgoptFile(doc: vscode.TextDocument): boolean {
  return doc.uri.path.endsWith(`/${PGOPT_FILE_NAME}`);
}
