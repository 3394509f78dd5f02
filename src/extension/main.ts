// Composition root: build the pieces, register them in the extension's lifetime scope, return the
// small API that tests use. Activation loads only the light modules; the driver, zod, analyzers and the
// webview host are a second bundle loaded on first use (loadHeavy). Activation failures are shown, logged and rethrown.
import * as vscode from 'vscode';
import type { AnalysisResults } from './analysis/analysisResults';
import type { ConnectionManager, ConnectResult } from './connectionManager';
import { registerCommands } from './commands/registerCommands';
import { registerLanguageModelTools } from './agents/languageModelTools';
import { Ctx } from './ctx';
import { initLog, log } from './log';
import { createConnectionStatusItem } from './statusBar';
import { createMigrationsStatusItem, MigrationsTreeProvider, type MigrationsModel } from './migrations/migrationsView';
import { AnalysisTreeProvider } from './views/analysisTree';
import { FleetTreeProvider } from './views/fleetTree';
import type { FleetModel } from './fleet/fleetModel';
import type { SchemaTreeProvider } from './views/schemaTree';
import { FLEET_REPORT_VIEW_TYPE, PLAN_VIEW_TYPE, REPORT_VIEW_TYPE } from './webviews/viewTypes';
import type { ReportPanel } from './webviews/reportPanel';
import type { PlanPanel } from './webviews/planPanel';
import { pgoptSetting } from './settings';

export interface PgoptApi {
  manager: ConnectionManager;
  schemaTree: SchemaTreeProvider;
  analysis: AnalysisResults;
  analysisTree: AnalysisTreeProvider;
  migrations: MigrationsModel;
  /** Where the audit log (audit.jsonl) and snapshots live. */
  globalStorageUri: vscode.Uri;
  migrationsTree: MigrationsTreeProvider;
  /** The Fleet view's model and tree. */
  fleet: FleetModel;
  fleetTree: FleetTreeProvider;
  /** The open report page of a Fleet database, by name. */
  fleetPanel(name: string): ReportPanel | undefined;
  reportPanel(): Promise<ReportPanel | undefined>;
  /** The plan view, once a plan was shown. */
  planPanel(): Promise<PlanPanel | undefined>;
  /** Duration of activate() itself, for the activation benchmark. */
  activationMs: number;
  /** The start-up step that reopens the default / last connection (what activation after a reload runs). */
  restoreConnection(): Promise<ConnectResult | undefined>;
}


export function activate(context: vscode.ExtensionContext): PgoptApi {
  const started = performance.now();
  try {
    context.subscriptions.push(initLog());
    const ctx = new Ctx(context);
    context.subscriptions.push(ctx);
    const analysisTree = new AnalysisTreeProvider(ctx.analysis);
    const migrationsTree = new MigrationsTreeProvider(ctx.migrations);
    const fleetTree = new FleetTreeProvider(ctx.fleet);
    const fleetView = vscode.window.createTreeView('pgopt.fleet', { treeDataProvider: fleetTree });
    const fleetSummary = (): void => {
      fleetView.description = ctx.fleet.rows.length ? ctx.fleet.summary : undefined;
    };
    ctx.push(
      vscode.window.registerTreeDataProvider('pgopt.schema', ctx.schemaTree),
      analysisTree,
      vscode.window.registerTreeDataProvider('pgopt.analysis', analysisTree),
      migrationsTree,
      vscode.window.registerTreeDataProvider('pgopt.migrations', migrationsTree),
      fleetTree,
      fleetView,
      ctx.fleet.onDidChange(fleetSummary),
      createMigrationsStatusItem(ctx.migrations),
      createConnectionStatusItem(ctx.manager),
      ...registerCommands(ctx),
      // Snapshots start with the first connection (the heavy bundle is loaded by then anyway).
      ctx.manager.onDidChange((a) => a && ctx.heavy().ensureMonitor(ctx)),
      // The access policy hides refused writes (pgopt.deny.* context keys); the core check guards them anyway.
      ctx.manager.onDidChange((a) => a && void ctx.heavy().refreshPolicyContext(a.name)),
      vscode.window.registerWebviewPanelSerializer(REPORT_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => ctx.heavy().ReportPanel.revive(panel, ctx),
      }),
      vscode.window.registerWebviewPanelSerializer(FLEET_REPORT_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => ctx.heavy().ReportPanel.reviveFleet(panel, ctx, state),
      }),
      vscode.window.registerWebviewPanelSerializer(PLAN_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => ctx.heavy().PlanPanel.revive(panel, ctx),
      }),
      vscode.workspace.onDidChangeConfiguration((e) => void onConfigChange(e, ctx)),
      ...registerLanguageModelTools(ctx),
    );
    void vscode.commands.executeCommand('setContext', 'pgopt.connected', false);
    void afterActivation(ctx);
    const activationMs = performance.now() - started;
    log.info(`activated in ${activationMs.toFixed(1)} ms`);
    return {
      manager: ctx.manager,
      schemaTree: ctx.schemaTree,
      analysis: ctx.analysis,
      analysisTree,
      migrations: ctx.migrations,
      migrationsTree,
      fleet: ctx.fleet,
      fleetTree,
      fleetPanel: (name) => ctx.fleetPanels.get(name),
      globalStorageUri: ctx.globalStorageUri,
      reportPanel: async () => ctx.reportPanel.value,
      planPanel: async () => ctx.planPanel.value,
      activationMs,
      restoreConnection: () => restoreConnection(ctx),
    };
  } catch (e) {
    log.error('activation failed', e);
    void vscode.window.showErrorMessage(`Postgres Optimizer failed to start: ${(e as Error).message}`);
    throw e;
  }
}

/**
 * Start-up work that needs the settings schema. It runs after activate() has returned, and only when the
 * user has configured something, so an unconfigured workspace never loads the heavy bundle at start-up.
 */
async function afterActivation(ctx: Ctx): Promise<void> {
  const { manager } = ctx;
  await new Promise((resolve) => setTimeout(resolve, 0));
  const connections = pgoptSetting<unknown>('connections');
  const configured = (Array.isArray(connections) && connections.length > 0) || !!pgoptSetting<string>('defaultConnection') || !!manager.remembered;
  if (!configured) return;
  try {
    await reportSettingsProblems(ctx);
    await restoreConnection(ctx);
  } catch (e) {
    log.error('start-up tasks failed', e);
  }
}

/**
 * Opens the connection this workspace should start with: pgopt.defaultConnection when set, else the one that was
 * open before the window reloaded (Add Connection / Select Connection remember it; Disconnect forgets it).
 */
export async function restoreConnection(ctx: Ctx): Promise<ConnectResult | undefined> {
  const { manager } = ctx;
  const name = ctx.heavy().readSettings().defaultConnection || manager.remembered;
  if (!name || manager.current?.name === name) return undefined;
  log.info(`reopening connection ${name}${manager.remembered === name ? ' (open before the window reloaded)' : ' (pgopt.defaultConnection)'}`);
  return manager.connect(name, { interactive: true });
}

async function reportSettingsProblems(ctx: Ctx): Promise<void> {
  const { problems } = ctx.heavy().readSettings();
  if (problems.length === 0) return;
  const text = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  log.warn(`settings problems: ${text}`);
  void vscode.window.showWarningMessage(`Postgres Optimizer settings: ${text}`, 'Open Settings').then((pick) => {
    if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', problems[0]?.path ?? 'pgopt');
  });
}

async function onConfigChange(e: vscode.ConfigurationChangeEvent, ctx: Ctx): Promise<void> {
  if (!e.affectsConfiguration('pgopt')) return;
  const { manager } = ctx;
  await reportSettingsProblems(ctx);
  const { RECONNECT_KEYS } = ctx.heavy();
  const active = manager.current;
  if (active && RECONNECT_KEYS.some((k) => e.affectsConfiguration(k))) {
    void vscode.window.showInformationMessage(`Postgres Optimizer: settings changed. Reconnect to "${active.name}" to apply them?`, 'Reconnect').then((pick) => {
      if (pick) void manager.connect(active.name, { interactive: true });
    });
  }
}

export function deactivate(): void {
  // The context (in context.subscriptions) disposes everything it owns, the connection last.
}
