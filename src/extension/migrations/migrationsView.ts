// The "Migrations" view: the workspace's migration files with their state in the connected database —
// applied ✓, pending, drifted ⚠ (file edited after it was applied; diff on click), failed ✗, missing (applied,
// file gone) — plus discovery problems. A status-bar item shows the pending count. Data comes from the
// heavy side (loadMigrationsState); this file only renders it, refreshing on connection and file changes.
import * as vscode from 'vscode';
import type { MigrationLint } from '../../core/migrations/lintGate';
import { describeStatusEntry } from '../../core/migrations/statusText';
import type { DiscoveryProblem, MigrationState, StatusEntry } from '../../core/migrations/types';
import type { ConnectionManager } from '../connectionManager';
import type { Heavy } from '../loadHeavy';
import { log } from '../log';
import type { MigrationsState } from './migrationsState';

export type MigrationNode =
  | { kind: 'entry'; entry: StatusEntry; lint?: MigrationLint }
  | { kind: 'file'; version: string; name: string; path: string }
  | { kind: 'problem'; problem: DiscoveryProblem }
  | { kind: 'message'; label: string; tooltip?: string; icon: string };

const ICONS: Record<MigrationState, [string, string]> = {
  applied: ['pass', 'testing.iconPassed'],
  pending: ['circle-large-outline', 'foreground'],
  drifted: ['warning', 'problemsWarningIcon.foreground'],
  failed: ['error', 'problemsErrorIcon.foreground'],
  missing: ['question', 'problemsWarningIcon.foreground'],
};

/** A pending migration the linter flags: the icon says so before the tooltip is opened. */
const LINT_ERROR_ICON: [string, string] = ['error', 'problemsErrorIcon.foreground'];
const LINT_WARNING_ICON: [string, string] = ['warning', 'problemsWarningIcon.foreground'];
/** Findings listed in a row's tooltip (the rest are counted). */
const TOOLTIP_FINDINGS = 8;

/** "✗ 1 lint error, ⚠ 3 warnings" for a row's description; empty when clean. */
export function lintSummary(l: { errors: number; warnings: number }): string {
  const parts: string[] = [];
  if (l.errors) parts.push(`✗ ${l.errors} lint error${l.errors === 1 ? '' : 's'}`);
  if (l.warnings) parts.push(`⚠ ${l.warnings} warning${l.warnings === 1 ? '' : 's'}`);
  return parts.join(', ');
}

function appendLint(md: vscode.MarkdownString, lint: MigrationLint): void {
  if (!lint.findings.length) {
    md.appendText(`Lint: clean${lint.live ? ' (with the live rules)' : ''}\n`);
    return;
  }
  md.appendText(`Lint${lint.live ? ' (with the live rules)' : ''}:${lint.errors ? ' applying it is refused until the errors are fixed or ignored' : ''}\n`);
  for (const f of lint.findings.slice(0, TOOLTIP_FINDINGS)) {
    const msg = f.message.length > 160 ? `${f.message.slice(0, 159)}…` : f.message;
    md.appendText(`${f.severity === 'error' ? '✗' : '⚠'} line ${f.line} ${f.ruleId}: ${msg}\n`);
  }
  if (lint.findings.length > TOOLTIP_FINDINGS) md.appendText(`… and ${lint.findings.length - TOOLTIP_FINDINGS} more (open the file)\n`);
}

export class MigrationsModel implements vscode.Disposable {
  private current: MigrationsState | undefined;
  private readonly emitter = new vscode.EventEmitter<MigrationsState | undefined>();
  readonly onDidChange = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<MigrationsState | undefined> | undefined;
  private again = false;
  private started = false;

  constructor(
    private readonly manager: ConnectionManager,
    private readonly heavy: () => Heavy,
  ) {
    manager.onDidChange(() => this.schedule(0), this, this.disposables);
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.sql');
    const json = vscode.workspace.createFileSystemWatcher('**/pgopt.json');
    this.disposables.push(watcher, json);
    for (const w of [watcher, json]) for (const ev of [w.onDidCreate, w.onDidChange, w.onDidDelete]) ev(() => this.started && this.schedule(500), this, this.disposables);
  }

  get state(): MigrationsState | undefined {
    return this.current;
  }

  /** Loads on first need (the view becomes visible or the status bar has a connection). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  schedule(delayMs: number): void {
    if (!this.started && !this.manager.current) return;
    this.started = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delayMs);
  }

  /** Reloads now; concurrent calls share one load (and one more runs after it if asked meanwhile). */
  async refresh(): Promise<MigrationsState | undefined> {
    this.started = true;
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        do {
          this.again = false;
          this.current = await this.heavy().loadMigrationsState(this.manager);
        } while (this.again);
      } catch (e) {
        log.error('loading migrations failed', e);
      } finally {
        this.loading = undefined;
      }
      this.emitter.fire(this.current);
      return this.current;
    })();
    return this.loading;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.emitter.dispose();
  }
}

export class MigrationsTreeProvider implements vscode.TreeDataProvider<MigrationNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<MigrationNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly model: MigrationsModel) {
    this.sub = model.onDidChange(() => this.emitter.fire(undefined));
  }

  getTreeItem(node: MigrationNode): vscode.TreeItem {
    switch (node.kind) {
      case 'entry': {
        const e = node.entry;
        const item = new vscode.TreeItem(`${e.version} ${e.name}`, vscode.TreeItemCollapsibleState.None);
        const when = e.applied?.appliedAt ? ` · ${e.applied.appliedAt.replace('T', ' ').slice(0, 16)}` : '';
        const lint = node.lint;
        const counts = lint ? lintSummary(lint) : '';
        item.description = `${e.state}${e.outOfOrder ? ' (out of order)' : ''}${e.state === 'applied' ? when : ''}${counts ? ` · ${counts}` : ''}`;
        const md = new vscode.MarkdownString();
        for (const line of describeStatusEntry(e)) md.appendText(`${line}\n`);
        if (e.diff) md.appendCodeblock(e.diff.slice(0, 3000), 'diff');
        if (lint) appendLint(md, lint);
        item.tooltip = md;
        const [icon, color] = e.state === 'pending' && lint?.errors ? LINT_ERROR_ICON : e.state === 'pending' && lint?.warnings ? LINT_WARNING_ICON : ICONS[e.state];
        item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
        item.contextValue = `pgopt.migration.${e.state}`;
        item.id = `migration:${e.version}:${e.name}`;
        if (e.state === 'drifted') item.command = { command: 'pgopt.migrations.showDiff', title: 'Show Drift', arguments: [node] };
        else if (e.migration) item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(e.migration.upPath)] };
        return item;
      }
      case 'file': {
        const item = new vscode.TreeItem(`${node.version} ${node.name}`, vscode.TreeItemCollapsibleState.None);
        item.description = 'not connected';
        item.iconPath = new vscode.ThemeIcon('file');
        item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.path)] };
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(node.problem.message, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.problem.severity === 'error' ? 'error' : 'warning');
        item.tooltip = node.problem.file ? `${node.problem.message}\n${node.problem.file}` : node.problem.message;
        if (node.problem.file) item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.problem.file)] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        if (node.tooltip) item.tooltip = node.tooltip;
        return item;
      }
    }
  }

  getChildren(node?: MigrationNode): MigrationNode[] {
    if (node) return [];
    this.model.start();
    const s = this.model.state;
    if (!s) return [];
    const out: MigrationNode[] = [];
    if (s.discovery) {
      const d = s.discovery;
      const where = s.status ? ` · ${s.status.table ? `${s.status.table} (${s.status.source}${s.status.readOnly ? ', read-only' : ''})` : 'no tracking table yet'}` : '';
      out.push({ kind: 'message', label: `${s.dirLabel} · ${d.format}${d.detected ? ' (detected)' : ''}${where}`, tooltip: d.dir, icon: 'folder' });
    }
    for (const p of s.configProblems) out.push({ kind: 'problem', problem: { severity: 'error', message: p } });
    if (s.message) out.push({ kind: 'message', label: s.message, icon: 'info' });
    if (s.status) {
      for (const p of s.status.problems) out.push({ kind: 'problem', problem: p });
      for (const entry of s.status.entries) {
        const lint = s.lint?.[entry.version];
        out.push(lint ? { kind: 'entry', entry, lint } : { kind: 'entry', entry });
      }
    } else if (s.discovery) {
      for (const p of s.discovery.problems) out.push({ kind: 'problem', problem: p });
      for (const m of s.discovery.migrations) out.push({ kind: 'file', version: m.version, name: m.name, path: m.upPath });
    }
    return out;
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}

/** "n pending" in the status bar while connected and something is pending, drifted or failed. */
export function createMigrationsStatusItem(model: MigrationsModel): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('pgopt.migrations', vscode.StatusBarAlignment.Left, 49);
  item.name = 'Postgres Optimizer migrations';
  item.command = 'pgopt.migrations.focus';
  const update = (): void => {
    const c = model.state?.status?.counts;
    const bad = c ? c.drifted + c.failed + c.missing : 0;
    if (!c || (c.pending === 0 && bad === 0)) {
      item.hide();
      return;
    }
    item.text = `$(${bad ? 'warning' : 'arrow-circle-up'}) ${c.pending} pending${bad ? `, ${bad} need attention` : ''}`;
    item.tooltip = `Migrations on ${model.state?.connection ?? 'the database'}: ${c.applied} applied, ${c.pending} pending, ${c.drifted} drifted, ${c.failed} failed, ${c.missing} missing. Click to open the Migrations view.`;
    item.backgroundColor = bad ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.show();
  };
  const sub = model.onDidChange(update);
  return vscode.Disposable.from(item, sub);
}
