// The status-bar health item: green / yellow / red from the active alerts of the latest snapshot, with the
// reasons in its tooltip. Colors come from the theme (status bar warning/error backgrounds, the testing
// "passed" color for green), so it stays readable in light, dark and high-contrast themes.
import * as vscode from 'vscode';
import { healthLevel, type ActiveAlert } from '../../core/metrics/alerts';

export class HealthStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('pgopt.health', vscode.StatusBarAlignment.Left, 49);

  constructor() {
    this.item.name = 'Postgres Optimizer health';
    this.item.command = 'pgopt.showHealthReport';
  }

  show(connection: string, active: readonly ActiveAlert[], takenAt: string): void {
    const level = healthLevel(active);
    this.item.text = level === 'green' ? '$(pass-filled) healthy' : `$(${level === 'red' ? 'error' : 'warning'}) ${active.length} alert${active.length === 1 ? '' : 's'}`;
    this.item.color = level === 'green' ? new vscode.ThemeColor('testing.iconPassed') : undefined;
    this.item.backgroundColor =
      level === 'red' ? new vscode.ThemeColor('statusBarItem.errorBackground') : level === 'yellow' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = false;
    md.appendMarkdown(`**${escapeMd(connection)}**: ${level === 'green' ? 'no alert' : `${active.length} active alert(s)`}\n\n`);
    for (const a of active) md.appendMarkdown(`- $(${a.rule.severity === 'error' ? 'error' : 'warning'}) ${escapeMd(a.message)}\n`);
    md.appendMarkdown(`\nLast snapshot ${escapeMd(takenAt)} (server time). Click for the report.`);
    this.item.tooltip = md;
    this.item.accessibilityInformation = { label: `Database health ${level}: ${active.map((a) => a.message).join('; ') || 'no alert'}` };
    this.item.show();
  }

  showPending(connection: string): void {
    this.item.text = '$(pulse) health…';
    this.item.color = undefined;
    this.item.backgroundColor = undefined;
    this.item.tooltip = `Postgres Optimizer: waiting for the first snapshot of ${connection}.`;
    this.item.show();
  }

  hide(): void {
    this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
