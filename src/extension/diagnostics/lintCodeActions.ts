// Quick fixes for lint findings under the cursor: the rule's own fix (preferred), "Disable <rule> for this
// statement" and "Disable <rule> for this file". They are computed from a lint of the current text (see
// LintHost.current), so offsets are never stale even right after an edit.
import * as vscode from 'vscode';
import { SYNTAX_ERROR, UNUSED_IGNORE } from '../../core/lint/linter';
import type { LintFinding, TextEdit } from '../../core/lint/types';
import { disableForFileEdit, disableForStatementEdit } from './ignoreEdits';
import type { LintHost } from './lintHost';

/** Findings that an ignore comment cannot or should not silence. */
const NOT_IGNORABLE = new Set<string>([SYNTAX_ERROR, UNUSED_IGNORE]);

function codeOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c === undefined) return undefined;
  return typeof c === 'object' ? String(c.value) : String(c);
}

export class LintCodeActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly host: LintHost) {}

  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] | undefined {
    if (context.only && !context.only.intersects(vscode.CodeActionKind.QuickFix)) return undefined;
    const lint = this.host.current(doc);
    if (!lint) return undefined;
    const from = doc.offsetAt(range.start);
    const to = doc.offsetAt(range.end);
    const here = lint.run.findings.filter((f) => f.start <= to && f.end >= from);
    const actions: vscode.CodeAction[] = [];
    const fileDisabled = new Set<string>();
    for (const f of here) {
      const diagnostic = this.diagnosticFor(f, doc, context);
      if (f.fix) {
        const a = new vscode.CodeAction(f.fix.title, vscode.CodeActionKind.QuickFix);
        a.edit = this.workspaceEdit(doc, f.fix.edits);
        a.diagnostics = [diagnostic];
        a.isPreferred = true;
        actions.push(a);
      }
      if (NOT_IGNORABLE.has(f.ruleId)) continue;
      const stmt = f.statementIndex !== undefined ? lint.run.statements[f.statementIndex] : undefined;
      const stmtEdit = stmt ? disableForStatementEdit(lint.text, stmt.start, f.ruleId) : undefined;
      if (stmtEdit) {
        const a = new vscode.CodeAction(`Disable ${f.ruleId} for this statement`, vscode.CodeActionKind.QuickFix);
        a.edit = this.workspaceEdit(doc, [stmtEdit]);
        a.diagnostics = [diagnostic];
        actions.push(a);
      }
      if (fileDisabled.has(f.ruleId)) continue;
      fileDisabled.add(f.ruleId);
      const fileEdit = disableForFileEdit(lint.text, f.ruleId);
      if (fileEdit) {
        const a = new vscode.CodeAction(`Disable ${f.ruleId} for this file`, vscode.CodeActionKind.QuickFix);
        a.edit = this.workspaceEdit(doc, [fileEdit]);
        a.diagnostics = context.diagnostics.filter((d) => codeOf(d) === f.ruleId);
        actions.push(a);
      }
    }
    return actions;
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
