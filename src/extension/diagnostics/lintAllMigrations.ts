// "Postgres Optimizer: Lint All Migrations": every migration file of the workspace, open or closed, into
// the Problems panel, with progress and cancel. Returns the counts (tests use them).
import * as vscode from 'vscode';
import type { LintAllResult, LintHost } from './lintHost';

export async function lintAllMigrations(host: LintHost): Promise<LintAllResult> {
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Postgres Optimizer: linting migrations', cancellable: true },
    (progress, token) => host.lintAll(progress, token),
  );
  const what = `${result.files} migration file${result.files === 1 ? '' : 's'}, ${result.findings} finding${result.findings === 1 ? '' : 's'}`;
  if (result.cancelled) void vscode.window.showInformationMessage(`Postgres Optimizer: lint cancelled after ${what}.`);
  else if (result.files === 0) void vscode.window.showInformationMessage('Postgres Optimizer: no migration files found (see the pgopt.lint.migrations setting).');
  else if (result.findings > 0) {
    void vscode.window.showInformationMessage(`Postgres Optimizer: linted ${what}.`, 'Show Problems').then((pick) => {
      if (pick) void vscode.commands.executeCommand('workbench.actions.view.problems');
    });
  } else void vscode.window.showInformationMessage(`Postgres Optimizer: linted ${what}.`);
  return result;
}
