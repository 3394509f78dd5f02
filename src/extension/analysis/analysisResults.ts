// The last analysis report of the active connection, shared by the report panel and the Analysis tree.
// Cleared when the connection changes, so findings never describe another database. One instance, owned
// by the extension context (ctx.ts); whoever finished an analysis calls set() on it.
import * as vscode from 'vscode';
import type { Report } from '../../core/report/model';
import type { ConnectionManager } from '../connectionManager';

export class AnalysisResults implements vscode.Disposable {
  private report: Report | undefined;
  private readonly emitter = new vscode.EventEmitter<Report | undefined>();
  readonly onDidChange = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(manager: ConnectionManager) {
    this.sub = manager.onDidChange(() => this.set(undefined));
  }

  get last(): Report | undefined {
    return this.report;
  }

  set(report: Report | undefined): void {
    this.report = report;
    void vscode.commands.executeCommand('setContext', 'pgopt.hasAnalysis', report !== undefined);
    this.emitter.fire(report);
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}

