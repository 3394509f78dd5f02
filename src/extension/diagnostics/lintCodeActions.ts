// Quick fixes for lint findings under the cursor, in the order a user wants them: the rules' own fixes first
// (the most severe finding's fix is the preferred one), then "Disable <rule> for this statement", then
// "Disable <rule> for this file" — one of each per rule. They are computed from a lint of the current text (see
// LintHost.current), so offsets are never stale even right after an edit.
import * as vscode from 'vscode';
import { SYNTAX_ERROR, UNUSED_IGNORE } from '../../core/lint/linter';
import type { LintFinding, TextEdit } from '../../core/lint/types';
import { editorFindings } from '../../core/lint/presentation';
import { disableForFileEdit, disableForStatementEdit } from './ignoreEdits';
import type { DocumentLints } from './documentLints';

/** Most severe first: the fix for an error comes before the fix for an info. */
const SEVERITY_ORDER: Record<LintFinding['severity'], number> = { error: 0, warning: 1, info: 2, hint: 3 };

/** Findings that an ignore comment cannot or should not silence. */
const NOT_IGNORABLE = new Set<string>([SYNTAX_ERROR, UNUSED_IGNORE]);

function codeOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c === undefined) return undefined;
  return typeof c === 'object' ? String(c.value) : String(c);
}

export class LintCodeActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly host: DocumentLints) {}

  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] | undefined {
    if (context.only && !context.only.intersects(vscode.CodeActionKind.QuickFix)) return undefined;
    const lint = this.host.current(doc);
    if (!lint) return undefined;
    const from = doc.offsetAt(range.start);
    const to = doc.offsetAt(range.end);
    const here = editorFindings(lint.run.findings).filter((f) => f.start <= to && f.end >= from).sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
    const fixes: vscode.CodeAction[] = [];
    const statementIgnores: vscode.CodeAction[] = [];
    const fileIgnores: vscode.CodeAction[] = [];
    const fixTitles = new Set<string>();
    const statementDisabled = new Set<string>();
    const fileDisabled = new Set<string>();
    for (const f of here) {
      const diagnostic = this.diagnosticFor(f, doc, context);
      if (f.fix && !fixTitles.has(`${f.statementIndex}:${f.fix.title}`)) {
        fixTitles.add(`${f.statementIndex}:${f.fix.title}`);
        const a = new vscode.CodeAction(f.fix.title, vscode.CodeActionKind.QuickFix);
        a.edit = this.workspaceEdit(doc, f.fix.edits);
        a.diagnostics = [diagnostic];
        a.isPreferred = fixes.length === 0;
        fixes.push(a);
      }
      if (NOT_IGNORABLE.has(f.ruleId)) continue;
      const stmt = f.statementIndex !== undefined ? lint.run.statements[f.statementIndex] : undefined;
      const stmtEdit = stmt && !statementDisabled.has(`${f.statementIndex}:${f.ruleId}`) ? disableForStatementEdit(lint.text, stmt.start, f.ruleId) : undefined;
      if (stmtEdit) {
        statementDisabled.add(`${f.statementIndex}:${f.ruleId}`);
        const a = new vscode.CodeAction(`Disable ${f.ruleId} for this statement`, vscode.CodeActionKind.QuickFix);
        a.edit = this.workspaceEdit(doc, [stmtEdit]);
        a.diagnostics = [diagnostic];
        statementIgnores.push(a);
      }
      if (fileDisabled.has(f.ruleId)) continue;
      fileDisabled.add(f.ruleId);
      const fileEdit = disableForFileEdit(lint.text, f.ruleId);
      if (fileEdit) {
        const a = new vscode.CodeAction(`Disable ${f.ruleId} for this file`, vscode.CodeActionKind.QuickFix);
        a.edit = this.workspaceEdit(doc, [fileEdit]);
        a.diagnostics = context.diagnostics.filter((d) => codeOf(d) === f.ruleId);
        fileIgnores.push(a);
      }
    }
    return [...fixes, ...statementIgnores, ...fileIgnores];
  }

  /** The diagnostic VS Code passed for this finding (same rule and range), or an equivalent one. */
  private diagnosticFor(f: LintFinding, doc: vscode.TextDocument, context: vscode.CodeActionContext): vscode.Diagnostic {
    const own = this.host.toDiagnostic(f, doc);
    return context.diagnostics.find((d) => codeOf(d) === f.ruleId && d.range.isEqual(own.range)) ?? own;
  }

  private workspaceEdit(doc: vscode.TextDocument, edits: readonly TextEdit[]): vscode.WorkspaceEdit {
    const we = new vscode.WorkspaceEdit();
    for (const e of edits) we.replace(doc.uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.newText);
    return we;
  }
}
