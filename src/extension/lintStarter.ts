// Starts the migration linter (a LintHost from the heavy bundle) only when it has work: the first SQL
// document or pgopt.json opened, or the Lint All command. An editor without SQL files never loads the
// parser. This module is in the activation bundle, so it imports the linter's types only.
import * as vscode from 'vscode';
import type { LintHost, LiveConnectionSource } from './diagnostics/lintHost';
import type { Heavy } from './loadHeavy';
import { log } from './log';
import { isPgoptFile, isSqlDocument } from './sqlDocuments';
import { editorLintSettings } from './settings';

export class LintStarter implements vscode.Disposable {
  private host: LintHost | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly heavy: () => Heavy,
    private readonly connections?: LiveConnectionSource,
  ) {
    vscode.workspace.onDidOpenTextDocument((d) => this.startFor(d), this, this.disposables);
    vscode.workspace.onDidChangeConfiguration(
      (e) => e.affectsConfiguration('pgopt.lint.enable') && vscode.workspace.textDocuments.forEach((d) => this.startFor(d)),
      this,
      this.disposables,
    );
    // Documents restored with the window are already open when activation (onStartupFinished) runs; they are
    // picked up after activate() has returned, so the parser never counts towards activation time.
    const initial = setTimeout(() => vscode.workspace.textDocuments.forEach((d) => this.startFor(d)), 0);
    this.disposables.push({ dispose: () => clearTimeout(initial) });
  }

  /** The linter, created on first call. */
  get(): LintHost {
    if (!this.host) {
      const started = performance.now();
      this.host = new (this.heavy().LintHost)(this.extensionUri, this.connections);
      log.info(`migration linter started in ${(performance.now() - started).toFixed(0)} ms`);
    }
    return this.host;
  }

  private startFor(doc: vscode.TextDocument): void {
    if (this.host || !(isSqlDocument(doc) || isPgoptFile(doc))) return;
    if (!editorLintSettings(doc.uri).enable) return;
    try {
      this.get();
    } catch (e) {
      log.error('the migration linter failed to start', e);
    }
  }

  dispose(): void {
    this.host?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
