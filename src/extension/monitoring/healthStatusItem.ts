// The status-bar health item: green / yellow / red from the one verdict (core/report/verdict.ts) of the
// latest snapshot's alerts together with the latest report of the same connection, when one was built in
// this window; its tooltip says what it judged. Colors come from the theme (status bar warning/error
// backgrounds, the testing "passed" color for green), so it stays readable in light, dark and high-contrast
// themes.
import * as vscode from 'vscode';
import type { ActiveAlert } from '../../core/metrics/alerts';
import type { Report } from '../../core/report/model';
import { describeVerdict, judgeHealth } from '../../core/report/verdict';

export class HealthStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('pgopt.health', vscode.StatusBarAlignment.Left, 49);

  constructor() {
    this.item.name = 'Postgres Optimizer health';
    this.item.command = 'pgopt.showHealthReport';
  }

  show(connection: string, active: readonly ActiveAlert[], takenAt: string, report?: Pick<Report, 'generatedAt' | 'sections'>): void {
    const { verdict, basis } = judgeHealth(active, takenAt, report);
    const v = verdict.verdict;
    const counts = describeVerdict(verdict);
    this.item.text = v === 'ok' ? '$(pass-filled) healthy' : `$(${v === 'error' ? 'error' : 'warning'}) ${counts}`;
    this.item.color = v === 'ok' ? new vscode.ThemeColor('testing.iconPassed') : undefined;
    this.item.backgroundColor =
      v === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : v === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = false;
    md.appendMarkdown(`**${escapeMd(connection)}**: ${v} (${escapeMd(counts)})\n\n`);
    for (const a of active) md.appendMarkdown(`- $(${a.rule.severity === 'error' ? 'error' : 'warning'}) ${escapeMd(a.message)}\n`);
    md.appendMarkdown(`\nJudged from:\n\n${basis.map((b) => `- ${escapeMd(b)}`).join('\n')}\n\nClick for the report.`);
    this.item.tooltip = md;
    this.item.accessibilityInformation = { label: `Database health ${v}: ${active.map((a) => a.message).join('; ') || counts}` };
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
