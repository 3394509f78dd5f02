// Add as Rule: the column rule an inferred finding proposes goes into the workspace's pgopt.json
// "integrity.rules" (core/analyzers/integrity/rulesFile.ts edits the text, keeps the rest of the file and
// writes atomically), so the next analysis checks it as the user's own rule.
import * as vscode from 'vscode';
import { addRulesToPgoptText, ruleSummary, writeRulesToPgoptFile, type WriteRulesResult } from '../../core/analyzers/integrity/rulesFile';
import type { ReportFinding } from '../../core/report/model';
import { log } from '../log';
import { PGOPT_FILE_NAME } from '../sqlDocuments';

export async function addRuleFromFinding(node: unknown): Promise<WriteRulesResult | undefined> {
  const finding = (node as { kind?: string; finding?: ReportFinding } | undefined)?.finding;
  const rule = finding?.rule;
  if (!rule) throw new Error('this finding proposes no column rule');
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error(`open a folder first: the rule goes into its ${PGOPT_FILE_NAME}`);
  const uri = vscode.Uri.joinPath(folder.uri, PGOPT_FILE_NAME);
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open?.isDirty) throw new Error(`${PGOPT_FILE_NAME} has unsaved changes: save or revert them first; nothing was written`);
  let result: WriteRulesResult;
  if (uri.scheme === 'file') result = writeRulesToPgoptFile(uri.fsPath, [rule]);
  else {
    // A remote file system: the same text edit, written through VS Code's file system.
    const existing = await vscode.workspace.fs.readFile(uri).then(
      (b) => new TextDecoder('utf-8').decode(b),
      () => undefined,
    );
    const r = addRulesToPgoptText(existing, [rule], PGOPT_FILE_NAME);
    if (r.added.length) await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(r.text));
    result = { added: r.added, present: r.present, created: existing === undefined && r.added.length > 0 };
  }
  const what = ruleSummary(rule);
  if (result.added.length) {
    log.info(`${result.created ? 'created' : 'updated'} ${uri.fsPath}: added integrity rule ${what}`);
    void vscode.window.showInformationMessage(`Added to ${PGOPT_FILE_NAME}: ${what}. The next analysis checks it as your rule.`, `Open ${PGOPT_FILE_NAME}`, 'Run Analysis Again').then((pick) => {
      if (pick === 'Run Analysis Again') void vscode.commands.executeCommand('pgopt.runAnalysis');
      else if (pick) void vscode.window.showTextDocument(uri);
    });
  } else void vscode.window.showInformationMessage(`${PGOPT_FILE_NAME} already has this rule: ${what}.`);
  return result;
}
