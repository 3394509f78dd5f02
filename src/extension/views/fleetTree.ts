// The "Fleet" view: every configured database ranked worst first by its last analysis — verdict, counts,
// size and top problem on the row; its top problems, size and slowest statement beneath it; an unreachable
// database says why in one sentence. Clicking a database opens its report. Fed by FleetModel; Refresh Fleet
// (the view's title button) analyses them all at once, whichever connection is active.
import * as vscode from 'vscode';
import type { FleetViewRow } from '../../core/fleet/fleetView';
import { formatBytes } from '../../core/format';
import type { Severity } from '../../core/report/model';
import type { FleetModel } from '../fleet/fleetModel';

export type FleetNode =
  | { kind: 'database'; row: FleetViewRow }
  | { kind: 'detail'; database: string; id: string; label: string; description?: string; icon: string; color?: string; tooltip?: string; open: boolean }
  | { kind: 'note'; text: string };

const VERDICT_ICON: Record<'ok' | Severity, [string, string]> = {
  ok: ['pass', 'testing.iconPassed'],
  info: ['info', 'problemsInfoIcon.foreground'],
  warning: ['warning', 'problemsWarningIcon.foreground'],
  error: ['error', 'problemsErrorIcon.foreground'],
};

export class FleetTreeProvider implements vscode.TreeDataProvider<FleetNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<FleetNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly model: FleetModel) {
    this.sub = model.onDidChange(() => this.emitter.fire(undefined));
  }

  getTreeItem(node: FleetNode): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    switch (node.kind) {
      case 'database': {
        const r = node.row;
        const details = r.problems.length > 0 || r.sizeBytes !== null || r.slowest !== null || r.error !== undefined;
        const item = new vscode.TreeItem(r.name, details ? (r.verdict === 'ok' ? C.Collapsed : C.Expanded) : C.None);
        item.id = `fleet:${r.name}`;
        item.description = r.description;
        const [icon, color] = r.running
          ? ['loading~spin', 'foreground']
          : r.verdict
            ? VERDICT_ICON[r.verdict]
            : ['circle-large-outline', 'disabledForeground'];
        item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
        const md = new vscode.MarkdownString();
        md.appendMarkdown('**').appendText(r.name).appendMarkdown('**');
        md.appendText(` — ${r.verdict ?? 'not analyzed yet'}${r.rank !== undefined ? ` (rank ${r.rank})` : ''}${r.running ? ', analyzing…' : ''}\n\n`);
        md.appendText(`From ${r.source === 'settings' ? 'the pgopt.connections setting' : 'pgopt.json "fleet"'}${r.tags.length ? ` · tags: ${r.tags.join(', ')}` : ''}\n\n`);
        if (r.error) md.appendText(`Not examined: ${r.error}\n\n`);
        else if (r.hasReport) md.appendText(`${r.errors} error(s), ${r.warnings} warning(s). Click to open its report.`);
        item.tooltip = md;
        item.contextValue = r.hasReport ? 'pgopt.fleetDatabase.report' : 'pgopt.fleetDatabase';
        if (r.hasReport) item.command = { command: 'pgopt.fleet.openReport', title: 'Open Report', arguments: [{ name: r.name }] };
        item.accessibilityInformation = { label: `${r.name}: ${r.verdict ?? 'not analyzed'}; ${r.description}` };
        return item;
      }
      case 'detail': {
        const item = new vscode.TreeItem(node.label, C.None);
        item.id = `fleet:${node.database}:${node.id}`;
        if (node.description) item.description = node.description;
        item.iconPath = new vscode.ThemeIcon(node.icon, node.color ? new vscode.ThemeColor(node.color) : undefined);
        item.tooltip = node.tooltip ?? node.label;
        if (node.open) item.command = { command: 'pgopt.fleet.openReport', title: 'Open Report', arguments: [{ name: node.database }] };
        return item;
      }
      case 'note': {
        const item = new vscode.TreeItem(node.text, C.None);
        item.iconPath = new vscode.ThemeIcon('info');
        item.tooltip = node.text;
        return item;
      }
    }
  }

  async getChildren(node?: FleetNode): Promise<FleetNode[]> {
    if (!node) {
      await this.model.load();
      return [...this.model.rows.map((row): FleetNode => ({ kind: 'database', row })), ...this.model.notes.map((text): FleetNode => ({ kind: 'note', text }))];
    }
    if (node.kind !== 'database') return [];
    const r = node.row;
    const out: FleetNode[] = [];
    if (r.error) out.push({ kind: 'detail', database: r.name, id: 'error', label: r.error, icon: 'debug-disconnect', color: 'problemsErrorIcon.foreground', open: false });
    r.problems.forEach((p, i) => {
      const [icon, color] = VERDICT_ICON[p.severity];
      out.push({ kind: 'detail', database: r.name, id: `problem-${i}`, label: p.title, icon, color, open: r.hasReport });
    });
    if (r.hasReport && r.problems.length === 0) out.push({ kind: 'detail', database: r.name, id: 'clean', label: 'No problems found', icon: 'pass', color: 'testing.iconPassed', open: true });
    if (r.sizeBytes !== null) out.push({ kind: 'detail', database: r.name, id: 'size', label: 'Size', description: formatBytes(r.sizeBytes), icon: 'database', open: r.hasReport });
    if (r.slowest !== null) out.push({ kind: 'detail', database: r.name, id: 'slowest', label: 'Slowest statement', description: r.slowest, tooltip: r.slowest, icon: 'watch', open: r.hasReport });
    return out;
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}

