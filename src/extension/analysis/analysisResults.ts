// The last analysis report of the active connection, shared by the report panel and the Analysis tree.
// Cleared when the connection changes, so findings never describe another database.
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

// The light and heavy bundles each get their own copy of this module, so the instance is kept on
// globalThis (the same trick as log.ts), set once at activation.
const KEY = Symbol.for('pgopt.analysisResults');
type Holder = { [KEY]?: AnalysisResults };

export function setSharedAnalysisResults(results: AnalysisResults | undefined): void {
  (globalThis as Holder)[KEY] = results;
}

/** Called by whoever finished an analysis (report panel, Run Analysis) so every view shows it. */
export function publishReport(report: Report): void {
  (globalThis as Holder)[KEY]?.set(report);
}
