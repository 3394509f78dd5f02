// The report webview panel: CSP with a nonce, resources only from dist/ and media/, a ready handshake
// before anything is posted, cancellable analysis with progress, and a serializer so it survives reloads.
import * as vscode from 'vscode';
import { CancelledError } from '../../core/db/session';
import type { Report } from '../../core/report/model';
import { escapeHtml, renderReportHtml } from '../../core/report/renderHtml';
import { renderReportMarkdown } from '../../core/report/renderMarkdown';
import type { Trends } from '../../core/metrics/trends';
import type { SnapshotMonitor } from '../monitoring/snapshotMonitor';
import { isToHost, type FindingActionResult, type ReportRequest, type ReportResult, type ToHost, type ToWebview } from '../../shared/protocol';
import type { ConnectionManager } from '../connectionManager';
import type { AnalysisResults } from '../analysis/analysisResults';
import type { Slot } from '../slot';
import { analyzeConnection } from '../analysis/analyzeConnection';
import { storedTrends } from '../../core/analyzers/snapshots/snapshotAnalyzers';
import { createMigrationForFinding } from '../analysis/findingActions';
import { explainQuery, type ExplainHost } from '../commands/explainCommands';
import { log } from '../log';
import { webviewOptions, webviewPage } from './webviewPage';
import { FLEET_REPORT_VIEW_TYPE, REPORT_VIEW_TYPE, TABLE_REPORT_VIEW_TYPE } from './viewTypes';
import type { FleetModel } from '../fleet/fleetModel';
import { refreshFleet } from '../fleet/fleetRunner';
import { buildTableReport, type TableRef } from '../../core/analyzers/table/tableReport';
import { loadWorkspacePgoptFile } from '../workspacePgoptFile';

/** What the report panels need from the extension's context (ctx.ts satisfies this). */
export interface ReportPanelHost extends ExplainHost {
  /** Where a finished report is published to every view. */
  readonly analysis: AnalysisResults;
  /** The snapshot monitor, once started: history for the analyzers, trends for the report. */
  readonly monitor: Slot<SnapshotMonitor>;
  /** The one report panel. */
  readonly reportPanel: Slot<ReportPanel>;
  /** Pages about one table (Analyze Table): one panel per table, by "schema.name". */
  readonly tablePanels: Map<string, ReportPanel>;
  /** The Fleet view's databases and their last reports. */
  readonly fleet: FleetModel;
  /** The report of one Fleet database: one panel per database, by its name. */
  readonly fleetPanels: Map<string, ReportPanel>;
}

export class ReportPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private report: Report | undefined;
  private running: Promise<void> | undefined;

  static createOrShow(host: ReportPanelHost): ReportPanel {
    const open = host.reportPanel.value;
    if (open) {
      open.panel.reveal(vscode.ViewColumn.Active);
      return open;
    }
    const panel = vscode.window.createWebviewPanel(REPORT_VIEW_TYPE, 'Postgres Optimizer Report', vscode.ViewColumn.Active, webviewOptions(host.extensionUri));
    return host.reportPanel.set(new ReportPanel(panel, host));
  }

  /** A page about one table (Analyze Table): one panel per table, the same webview and renderers as the report. */
  static showTable(host: ReportPanelHost, table: TableRef): ReportPanel {
    const key = `${table.schema}.${table.name}`;
    const open = host.tablePanels.get(key);
    if (open) {
      open.panel.reveal(vscode.ViewColumn.Active);
      void open.refresh();
      return open;
    }
    const panel = vscode.window.createWebviewPanel(TABLE_REPORT_VIEW_TYPE, `Table ${key}`, vscode.ViewColumn.Active, webviewOptions(host.extensionUri));
    const p = new ReportPanel(panel, host, table);
    host.tablePanels.set(key, p);
    return p;
  }

  /**
   * The report of one Fleet database (a click in the Fleet view): the same webview and renderers, fed by the
   * fleet's last analysis of that database; Refresh re-analyses only it. The active connection is not touched.
   */
  static showFleet(host: ReportPanelHost, name: string): ReportPanel {
    const open = host.fleetPanels.get(name);
    if (open) {
      open.panel.reveal(vscode.ViewColumn.Active);
      open.showFleetReport();
      return open;
    }
    const panel = vscode.window.createWebviewPanel(FLEET_REPORT_VIEW_TYPE, `Fleet: ${name}`, vscode.ViewColumn.Active, webviewOptions(host.extensionUri));
    const p = new ReportPanel(panel, host, undefined, name);
    host.fleetPanels.set(name, p);
    return p;
  }

  /**
   * A Fleet page after a window reload: the database from the page's saved report (else its title), the report
   * the page kept (the webview's state) shown again — nothing re-analysed until Refresh.
   */
  static reviveFleet(panel: vscode.WebviewPanel, host: ReportPanelHost, state: unknown): void {
    const saved = (state as { report?: Report } | undefined)?.report;
    const report = saved && typeof saved === 'object' && Array.isArray(saved.sections) && typeof saved.connection?.name === 'string' ? saved : undefined;
    const name = report?.connection.name ?? (panel.title.startsWith('Fleet: ') ? panel.title.slice('Fleet: '.length) : '');
    if (!name || host.fleetPanels.has(name)) {
      panel.dispose();
      return;
    }
    panel.webview.options = webviewOptions(host.extensionUri);
    const p = new ReportPanel(panel, host, undefined, name, report);
    host.fleetPanels.set(name, p);
  }

  static revive(panel: vscode.WebviewPanel, host: ReportPanelHost): void {
    panel.webview.options = webviewOptions(host.extensionUri);
    host.reportPanel.set(new ReportPanel(panel, host));
  }

  private readonly extensionUri: vscode.Uri;
  private readonly manager: ConnectionManager;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly host: ReportPanelHost,
    /** Set on a page about one table. */
    readonly table?: TableRef,
    /** Set on the report of one Fleet database: its name in the Fleet view. */
    readonly fleetName?: string,
    /** A revived Fleet page: the report it showed before the reload. */
    restored?: Report,
  ) {
    this.extensionUri = host.extensionUri;
    this.manager = host.manager;
    if (fleetName !== undefined) {
      this.report = host.fleet.report(fleetName) ?? restored;
      // A Refresh Fleet (or this page's Refresh) brings a new report: shown as soon as it is there.
      host.fleet.onDidChange(() => this.showFleetReport(), this, this.disposables);
    }
    panel.webview.html = this.html();
    panel.onDidDispose(() => this.dispose(), this, this.disposables);
    panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m), this, this.disposables);
  }

  /** Shows the Fleet database's latest report when it is newer than the one on the page. */
  private showFleetReport(): void {
    if (this.fleetName === undefined) return;
    const latest = this.host.fleet.report(this.fleetName);
    if (!latest || latest === this.report) return;
    this.report = latest;
    this.post({ type: 'progress', running: false, message: '' });
    this.post({ type: 'showReport', report: latest });
  }

  get lastReport(): Report | undefined {
    return this.report;
  }

  /** The webview has loaded and been sent what the panel holds (tests wait for it before a screenshot). */
  get webviewReady(): boolean {
    return this.ready;
  }

  private post(message: ToWebview): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  /** Answers a request that carried an id, with the result type its declaration names. */
  private answer<K extends ReportRequest>(m: Extract<ToHost, { type: K }>, result: ReportResult<K>): void {
    if (m.id !== undefined) this.post({ type: 'response', requestId: m.id, result });
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (!isToHost(raw)) {
      log.warn(`report webview sent an unknown message: ${JSON.stringify(raw).slice(0, 200)}`);
      return;
    }
    const m: ToHost = raw;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.report) {
          this.post({ type: 'showReport', report: this.report });
          if (!this.table && this.fleetName === undefined) void this.postTrends();
        } else if (!this.running) void this.refresh();
        break;
      case 'refresh':
        void this.refresh();
        break;
      case 'copySql':
        await vscode.env.clipboard.writeText(m.sql);
        void vscode.window.showInformationMessage('SQL copied to the clipboard.');
        break;
      case 'export':
        this.answer(m, await this.export(m.format));
        break;
      case 'findingAction':
        this.answer(m, await this.findingAction(m.action, m.sectionId, m.findingIndex));
        break;
    }
  }

  /** A finding's button: its SQL fix as a migration file, or Explain for the query it is about. */
  private async findingAction(action: 'createMigration' | 'explain', sectionId: string, index: number): Promise<FindingActionResult> {
    const section = this.report?.sections.find((x) => x.id === sectionId);
    const finding = section?.findings[index];
    if (!section || !finding || (!finding.sql && !finding.actions?.length)) {
      log.warn(`report webview asked for ${action} on a finding that is not in the report (${sectionId}[${index}])`);
      return { ok: false, message: 'That finding is no longer in the report: refresh it.' };
    }
    if (action === 'explain' && this.fleetName !== undefined && this.manager.current?.name !== this.fleetName) {
      return { ok: false, message: `Explain runs on the active connection, not on "${this.fleetName}": select that connection first to explain this query there.` };
    }
    try {
      if (action === 'explain') {
        if (finding.sql) await explainQuery(this.host, { sql: finding.sql });
      } else await createMigrationForFinding(finding, this.manager, this.fleetName ?? this.manager.current?.name);
      return { ok: true };
    } catch (e) {
      log.error(`report: ${action} failed`, e);
      void vscode.window.showErrorMessage(`Postgres Optimizer: ${(e as Error).message}`);
      return { ok: false, message: (e as Error).message };
    }
  }

  /** Runs every analyzer with a cancellable progress notification and shows the result. */
  refresh(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.runAnalysis().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runAnalysis(): Promise<void> {
    if (this.fleetName !== undefined) return this.runFleetAnalysis(this.fleetName);
    const active = this.manager.current;
    if (!active) {
      this.post({ type: 'error', message: 'Not connected. Use "Postgres Optimizer: Select Connection" first.' });
      return;
    }
    if (this.table) return this.runTableAnalysis(this.table);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Analyzing ${active.name}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          this.post({ type: 'progress', running: true, message: 'Analyzing…' });
          // One read of the stored history serves the report's snapshot sections and the webview's charts.
          const snapshots = await this.host.monitor.value?.snapshotSource(active.name);
          const report = await analyzeConnection(active, {
            monitor: this.host.monitor.value,
            snapshots,
            signal: controller.signal,
            onProgress: (message) => {
              progress.report({ message });
              this.post({ type: 'progress', running: true, message });
            },
            // Sections stream in as their analyzer finishes: the first screen shows while the slow ones run.
            onSection: (partial, pending) => {
              const done = partial.sections.length;
              this.post({ type: 'showReport', report: partial, pending });
              if (pending.length) this.post({ type: 'progress', running: true, message: `${done} of ${done + pending.length} sections — running ${pending[0]}…` });
            },
          });
          this.report = report;
          this.host.analysis.set(report);
          this.post({ type: 'progress', running: false, message: '' });
          this.post({ type: 'showReport', report });
          this.post({ type: 'showTrends', trends: snapshots ? storedTrends(snapshots) : [] });
          log.info(`report for ${active.name}: ${report.summary.errors} errors, ${report.summary.warnings} warnings`);
        } catch (e) {
          const message = e instanceof CancelledError ? 'Analysis cancelled.' : `Analysis failed: ${(e as Error).message}`;
          if (!(e instanceof CancelledError)) log.error('analysis failed', e);
          this.post({ type: 'error', message });
          if (!(e instanceof CancelledError)) void vscode.window.showErrorMessage(`Postgres Optimizer: ${message}`);
        } finally {
          sub.dispose();
        }
      },
    );
  }

  /** A Fleet database: analysed through the fleet (its own session), the result shown here and in the view. */
  private async runFleetAnalysis(name: string): Promise<void> {
    this.post({ type: 'progress', running: true, message: `Analyzing ${name}…` });
    await refreshFleet(this.host, [name]);
    const state = this.host.fleet.state(name);
    this.post({ type: 'progress', running: false, message: '' });
    if (state?.kind === 'failed') this.post({ type: 'error', message: `${name} was not examined: ${state.error}` });
    else this.showFleetReport();
  }

  private async runTableAnalysis(table: TableRef): Promise<void> {
    const active = this.manager.current;
    if (!active) return;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Analyzing table ${table.schema}.${table.name}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          this.post({ type: 'progress', running: true, message: 'Analyzing…' });
          const report = await buildTableReport(active.session, {
            table,
            caps: active.caps,
            config: await loadWorkspacePgoptFile(),
            signal: controller.signal,
            history: (await this.host.monitor.value?.history(active.name)) ?? [],
            onProgress: (message) => {
              progress.report({ message });
              this.post({ type: 'progress', running: true, message });
            },
          });
          this.report = report;
          this.post({ type: 'progress', running: false, message: '' });
          this.post({ type: 'showReport', report });
          log.info(`table page ${table.schema}.${table.name} on ${active.name}: ${report.summary.errors} errors, ${report.summary.warnings} warnings`);
        } catch (e) {
          const message = e instanceof CancelledError ? 'Analysis cancelled.' : `Analysis failed: ${(e as Error).message}`;
          if (!(e instanceof CancelledError)) log.error('table analysis failed', e);
          this.post({ type: 'error', message });
          if (!(e instanceof CancelledError)) void vscode.window.showErrorMessage(`Postgres Optimizer: ${message}`);
        } finally {
          sub.dispose();
        }
      },
    );
  }

  /** Stored trends of a connection (empty until the monitor has taken a snapshot). */
  private async trendsOf(connection: string): Promise<Trends[]> {
    return (await this.host.monitor.value?.trends(connection)) ?? [];
  }

  private async postTrends(): Promise<void> {
    const name = this.manager.current?.name;
    if (name) this.post({ type: 'showTrends', trends: await this.trendsOf(name) });
  }

  private async export(format: 'html' | 'json' | 'markdown'): Promise<ReportResult<'export'>> {
    if (!this.report) return {};
    const ext = format === 'markdown' ? 'md' : format;
    const target = await vscode.window.showSaveDialog({
      filters: format === 'html' ? { HTML: ['html'] } : format === 'json' ? { JSON: ['json'] } : { Markdown: ['md'] },
      defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? this.extensionUri, this.table ? `pgopt-table-${this.table.schema}.${this.table.name}.${ext}`.replace(/[^\w.-]/g, '_') : this.fleetName !== undefined ? `pgopt-report-${this.fleetName}.${ext}`.replace(/[^\w.-]/g, '_') : `pgopt-report.${ext}`),
    });
    if (!target) return {};
    const text = format === 'html' ? renderReportHtml(this.report) : format === 'markdown' ? renderReportMarkdown(this.report) : JSON.stringify(this.report, null, 2);
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    void vscode.window.showInformationMessage(`Report saved to ${target.fsPath}`);
    return { savedTo: target.fsPath };
  }

  private html(): string {
    return webviewPage(this.panel.webview, this.extensionUri, {
      // The shell puts the title into the page as is: a table's name is the user's text, so escaped here.
      title: this.table ? escapeHtml(`Table ${this.table.schema}.${this.table.name}`) : this.fleetName !== undefined ? escapeHtml(`Fleet: ${this.fleetName}`) : 'Postgres Optimizer Report',
      script: ['dist', 'webview.js'],
      styles: [['media', 'report.css'], ['dist', 'webview.css']],
      body: `<div class="toolbar">
  <vscode-button id="refresh">Refresh</vscode-button>
  <vscode-button id="export-html" secondary>Export HTML</vscode-button>
  <vscode-button id="export-json" secondary>Export JSON</vscode-button>
  <vscode-button id="export-markdown" secondary>Export Markdown</vscode-button>
  <vscode-textfield id="filter" placeholder="Filter rows and findings" aria-label="Filter rows and findings"></vscode-textfield>
  <span id="status" role="status" aria-live="polite"></span>
</div>
<vscode-progress-bar id="progress" indeterminate hidden></vscode-progress-bar>
<main id="root"><p class="muted">Starting the analyzers… sections appear here as each one finishes.</p></main>`,
    });
  }


  dispose(): void {
    const key = this.table && `${this.table.schema}.${this.table.name}`;
    if (key) {
      if (this.host.tablePanels.get(key) === this) this.host.tablePanels.delete(key);
    } else if (this.fleetName !== undefined) {
      if (this.host.fleetPanels.get(this.fleetName) === this) this.host.fleetPanels.delete(this.fleetName);
    } else this.host.reportPanel.release(this);
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
