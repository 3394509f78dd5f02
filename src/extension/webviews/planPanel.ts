// The plan view panel: its own webview (dist/plan-webview.js), CSP with a nonce, resources only from dist/
// and media/, a ready handshake (the last message waits until the page listens), one panel reused for
// every plan. It only shows what the explain commands hand it.
import * as vscode from 'vscode';
import type { ExplainRun } from '../../core/explain/explain';
import type { HypotheticalComparison } from '../../core/explain/hypotheticalExplain';
import { diffPlans } from '../../core/explain/planDiff';
import { isToPlanHost, type ToPlanWebview } from '../../shared/protocol';
import { log } from '../log';
import { webviewOptions, webviewPage } from './webviewPage';
import { side } from './planSide';
import { PLAN_VIEW_TYPE } from './viewTypes';
import type { Slot } from '../slot';

/** Where the one plan panel lives (the extension context, ctx.ts, satisfies this). */
export interface PlanPanelHost {
  readonly extensionUri: vscode.Uri;
  readonly planPanel: Slot<PlanPanel>;
}

export class PlanPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private pending: ToPlanWebview | undefined;
  /** Render time reported by the webview for the last plan (for tests and the log). */
  lastRender: { nodes: number; ms: number } | undefined;
  private renderWaiters: ((r: { nodes: number; ms: number }) => void)[] = [];

  static createOrShow(host: PlanPanelHost): PlanPanel {
    const open = host.planPanel.value;
    if (open) {
      open.panel.reveal(vscode.ViewColumn.Beside, true);
      return open;
    }
    const panel = vscode.window.createWebviewPanel(PLAN_VIEW_TYPE, 'Query Plan', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(host.extensionUri));
    const created = host.planPanel.set(new PlanPanel(panel, host.extensionUri, host.planPanel));
    // Opened beside a wide editor the new group can be a sliver ("Seq Scan on publ…"): give the groups
    // equal widths, so the plan gets at least half the editor area.
    if (vscode.window.tabGroups.all.length > 1) void vscode.commands.executeCommand('workbench.action.evenEditorWidths').then(undefined, () => undefined);
    return created;
  }

  static revive(panel: vscode.WebviewPanel, host: PlanPanelHost): void {
    panel.webview.options = webviewOptions(host.extensionUri);
    host.planPanel.set(new PlanPanel(panel, host.extensionUri, host.planPanel));
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly slot: Slot<PlanPanel>,
  ) {
    panel.webview.html = this.html();
    panel.onDidDispose(() => this.dispose(), this, this.disposables);
    panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m), this, this.disposables);
  }

  post(message: ToPlanWebview): void {
    if (message.type === 'showPlan' || message.type === 'showComparison') this.pending = message;
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  showRun(run: ExplainRun, connection: string): void {
    this.panel.title = run.analysis.analyzed ? 'Query Plan (ANALYZE)' : 'Query Plan';
    this.post({
      type: 'showPlan',
      sql: run.target.sql,
      mode: run.mode,
      connection,
      notes: run.notes,
      durationMs: run.durationMs,
      plan: side('Plan', run.analysis, run.raw),
    });
  }

  showComparison(c: HypotheticalComparison, connection: string): void {
    this.panel.title = 'Query Plan: before / after';
    this.post({
      type: 'showComparison',
      sql: c.target.sql,
      connection,
      indexDdl: c.indexDdl,
      source: c.source,
      sizeBytes: c.sizeBytes,
      costBefore: c.costBefore,
      costAfter: c.costAfter,
      costChange: c.costChange,
      indexUsed: c.indexUsed,
      notes: c.notes,
      before: side('Without the index', c.before.analysis, c.before.raw),
      after: side('With the hypothetical index', c.after.analysis, c.after.raw),
      diff: diffPlans(c.before.analysis, c.after.analysis),
    });
  }

  /** Resolves with the webview's render figure for the next (or already shown) plan. */
  waitForRender(): Promise<{ nodes: number; ms: number }> {
    return new Promise((resolve) => this.renderWaiters.push(resolve));
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (!isToPlanHost(raw)) {
      log.warn(`plan webview sent an unknown message: ${JSON.stringify(raw).slice(0, 200)}`);
      return;
    }
    switch (raw.type) {
      case 'planReady':
        this.ready = true;
        if (this.pending) void this.panel.webview.postMessage(this.pending);
        break;
      case 'planCopy':
        await vscode.env.clipboard.writeText(raw.text);
        void vscode.window.showInformationMessage('Copied to the clipboard.');
        break;
      case 'planRendered':
        this.lastRender = { nodes: raw.nodes, ms: raw.ms };
        log.info(`plan view rendered ${raw.nodes} nodes in ${raw.ms.toFixed(1)} ms`);
        for (const w of this.renderWaiters.splice(0)) w(this.lastRender);
        break;
    }
  }

  private html(): string {
    return webviewPage(this.panel.webview, this.extensionUri, {
      title: 'Query Plan',
      script: ['dist', 'plan-webview.js'],
      styles: [['media', 'plan.css']],
      body: `<div class="toolbar"><span id="status" role="status" aria-live="polite"></span></div>
<progress id="progress" hidden></progress>
<main id="root"><p class="muted">Loading…</p></main>`,
    });
  }


  dispose(): void {
    this.slot.release(this);
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
