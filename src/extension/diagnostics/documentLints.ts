// What the code-action and hover providers read from the linter: the last lint of a document and how a
// finding becomes a diagnostic. LintHost implements it; the providers depend on this interface only, so
// they and the host do not import each other.
import type * as vscode from 'vscode';
import type { LintRun } from '../../core/lint/linter';
import type { LintFinding, LintOptions } from '../../core/lint/types';

/** The last lint of a document, with the text version it describes. */
export interface DocumentLint {
  version: number;
  text: string;
  run: LintRun;
  options: Partial<LintOptions>;
}

export interface DocumentLints {
  /** The lint of the document's current text, or undefined when it is stale or missing. */
  current(doc: vscode.TextDocument): DocumentLint | undefined;
  toDiagnostic(f: LintFinding, doc?: vscode.TextDocument): vscode.Diagnostic;
  /** The rule's documentation page. */
  docsUri(ruleId: string): vscode.Uri;
}
