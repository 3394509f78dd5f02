// The extension's context, in the manner of rust-analyzer's Ctx (editors/code/src/ctx.ts): one object,
// created at activation, that owns the connection manager, the lint host (which keeps each folder's project model, core/project, and reloads it when pgopt.json or the settings change), the heavy bundle
// (loaded on first use), the views' models, the singletons of the heavy side (report and plan panels,
// snapshot monitor) and every disposable. Nothing lives on globalThis or in static fields: the two bundles
// (extension.js and extension-heavy.js) each have their own copy of every module, so such state was
// duplicated or had to be smuggled through globals. Heavy-side code receives this object (or the narrow
// interface it declares, e.g. ReportPanelHost) as an argument and never imports this file.
import * as vscode from 'vscode';
import { AnalysisResults } from './analysis/analysisResults';
import { ConnectionManager } from './connectionManager';
import type { LintHost } from './diagnostics/lintHost';
import { LintStarter } from './lintStarter';
import { initLog } from './log';
import { requireHeavy, type Heavy } from './loadHeavy';
import { FleetModel } from './fleet/fleetModel';
import { MigrationsModel } from './migrations/migrationsView';
import type { SnapshotMonitor } from './monitoring/snapshotMonitor';
import { Slot } from './slot';
import { SchemaTreeProvider } from './views/schemaTree';
import type { PlanPanel } from './webviews/planPanel';
import type { ReportPanel } from './webviews/reportPanel';

export class Ctx implements vscode.Disposable {
  readonly extensionUri: vscode.Uri;
  /** Where the audit log (audit.jsonl) and the snapshot store live. */
  readonly globalStorageUri: vscode.Uri;
  readonly manager: ConnectionManager;
  /** The last analysis report of the active connection, shared by the report panel and the Analysis tree. */
  readonly analysis: AnalysisResults;
  readonly schemaTree: SchemaTreeProvider;
  readonly migrations: MigrationsModel;
  /** The snapshot monitor, started with the first connection (or the first Take Snapshot). */
  readonly monitor = new Slot<SnapshotMonitor>();
  /** The report panel; not disposed with the extension, so a reload can revive it (its serializer). */
  readonly reportPanel = new Slot<ReportPanel>();
  /** Analyze Table's pages, one per table, by "schema.name". */
  readonly tablePanels = new Map<string, ReportPanel>();
  /** The Fleet view's databases and their last reports (Refresh Fleet), apart from the active connection. */
  readonly fleet: FleetModel;
  /** The report of one Fleet database, one panel per database, by name. */
  readonly fleetPanels = new Map<string, ReportPanel>();
  /** The plan panel (the explain commands); revived like the report panel. */
  readonly planPanel = new Slot<PlanPanel>();
  private readonly lintStarter: LintStarter;
  private heavyBundle: Heavy | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(context: Pick<vscode.ExtensionContext, 'extensionUri' | 'globalStorageUri' | 'secrets' | 'workspaceState'>) {
    this.extensionUri = context.extensionUri;
    this.globalStorageUri = context.globalStorageUri;
    const heavy = (): Heavy => this.heavy();
    this.manager = new ConnectionManager(context.secrets, heavy, context.workspaceState);
    this.schemaTree = new SchemaTreeProvider(this.manager);
    this.lintStarter = new LintStarter(context.extensionUri, heavy, this.manager);
    this.analysis = new AnalysisResults(this.manager);
    this.migrations = new MigrationsModel(this.manager, heavy);
    this.fleet = new FleetModel(heavy);
    // Disposed in reverse order: the monitor before the connection it watches.
    this.push(this.manager, this.schemaTree, this.lintStarter, this.analysis, this.migrations, this.fleet, this.monitor);
  }

  /** The heavy bundle (driver, zod, analyzers, webview hosts), loaded on the first call. */
  heavy(): Heavy {
    if (!this.heavyBundle) {
      const bundle = requireHeavy();
      bundle.attachLog(initLog());
      this.heavyBundle = bundle;
    }
    return this.heavyBundle;
  }

  /** The migration linter, started on first use. */
  lint(): LintHost {
    return this.lintStarter.get();
  }

  /** Registers disposables for the extension's lifetime. */
  push(...disposables: vscode.Disposable[]): void {
    this.subscriptions.push(...disposables);
  }

  dispose(): void {
    for (const d of this.subscriptions.splice(0).reverse()) {
      try {
        d.dispose();
      } catch {
        // one failing disposal must not keep the others (and the connection's close) from running
      }
    }
  }
}
