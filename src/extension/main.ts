// Composition root: build the pieces, register them in the extension's lifetime scope, return the
// small API that tests use. Activation loads only the light modules; the driver, zod, analyzers and the
// webview host are a second bundle loaded on first use (loadHeavy). Activation failures are shown, logged and rethrown.
import * as vscode from 'vscode';
import { AnalysisResults, setSharedAnalysisResults } from './analysis/analysisResults';
import { ConnectionManager, type ConnectResult } from './connectionManager';
import { registerCommands } from './commands/registerCommands';
import { registerLanguageModelTools } from './agents/languageModelTools';
import { LintStarter } from './lintStarter';
import { loadHeavy } from './loadHeavy';
import { initLog, log } from './log';
import { createConnectionStatusItem } from './statusBar';
import { createMigrationsStatusItem, MigrationsModel, MigrationsTreeProvider } from './migrations/migrationsView';
import { AnalysisTreeProvider } from './views/analysisTree';
import { SchemaTreeProvider } from './views/schemaTree';
import { PLAN_VIEW_TYPE, REPORT_VIEW_TYPE } from './webviews/viewTypes';
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
    const manager = new ConnectionManager(context.secrets, context.workspaceState);
    const schemaTree = new SchemaTreeProvider(manager);
    const lint = new LintStarter(context.extensionUri, manager);
    const analysis = new AnalysisResults(manager);
    setSharedAnalysisResults(analysis);
    const analysisTree = new AnalysisTreeProvider(analysis);
    const migrations = new MigrationsModel(manager);
    const migrationsTree = new MigrationsTreeProvider(migrations);
    context.subscriptions.push(
      manager,
      schemaTree,
      lint,
      vscode.window.registerTreeDataProvider('pgopt.schema', schemaTree),
      analysis,
      analysisTree,
      vscode.window.registerTreeDataProvider('pgopt.analysis', analysisTree),
      migrations,
      migrationsTree,
      vscode.window.registerTreeDataProvider('pgopt.migrations', migrationsTree),
      createMigrationsStatusItem(migrations),
      { dispose: () => setSharedAnalysisResults(undefined) },
      createConnectionStatusItem(manager),
      ...registerCommands({ extensionUri: context.extensionUri, globalStorageUri: context.globalStorageUri, globalStoragePath: context.globalStorageUri.fsPath, migrations, manager, schemaTree, lint: () => lint.get() }),
      // Snapshots start with the first connection (the heavy bundle is loaded by then anyway).
      manager.onDidChange((a) => a && loadHeavy().ensureMonitor(context.globalStorageUri.fsPath, manager)),
      // The access policy hides refused writes (pgopt.deny.* context keys); the core check guards them anyway.
      manager.onDidChange((a) => a && void loadHeavy().refreshPolicyContext(a.name)),
      { dispose: () => loadHeavy.loaded()?.SnapshotMonitor.instance?.dispose() },
      vscode.window.registerWebviewPanelSerializer(REPORT_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => loadHeavy().ReportPanel.revive(panel, context.extensionUri, manager),
      }),
      vscode.window.registerWebviewPanelSerializer(PLAN_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => loadHeavy().PlanPanel.revive(panel, context.extensionUri),
      }),
      vscode.workspace.onDidChangeConfiguration((e) => void onConfigChange(e, manager)),
      ...registerLanguageModelTools(manager),
    );
    void vscode.commands.executeCommand('setContext', 'pgopt.connected', false);
    void afterActivation(manager);
    const activationMs = performance.now() - started;
    log.info(`activated in ${activationMs.toFixed(1)} ms`);
    return { manager, schemaTree, analysis, analysisTree, migrations, migrationsTree, globalStorageUri: context.globalStorageUri, reportPanel: async () => loadHeavy().ReportPanel.instance, planPanel: async () => loadHeavy().PlanPanel.instance, activationMs, restoreConnection: () => restoreConnection(manager) };
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
async function afterActivation(manager: ConnectionManager): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  const connections = pgoptSetting<unknown>('connections');
  const configured = (Array.isArray(connections) && connections.length > 0) || !!pgoptSetting<string>('defaultConnection') || !!manager.remembered;
  if (!configured) return;
  try {
    await reportSettingsProblems();
    await restoreConnection(manager);
  } catch (e) {
    log.error('start-up tasks failed', e);
  }
}

/**
 * Opens the connection this workspace should start with: pgopt.defaultConnection when set, else the one that was
 * open before the window reloaded (Add Connection / Select Connection remember it; Disconnect forgets it).
 */
export async function restoreConnection(manager: ConnectionManager): Promise<ConnectResult | undefined> {
  const name = loadHeavy().readSettings().defaultConnection || manager.remembered;
  if (!name || manager.current?.name === name) return undefined;
  log.info(`reopening connection ${name}${manager.remembered === name ? ' (open before the window reloaded)' : ' (pgopt.defaultConnection)'}`);
  return manager.connect(name, { interactive: true });
}

async function reportSettingsProblems(): Promise<void> {
  const { problems } = loadHeavy().readSettings();
  if (problems.length === 0) return;
  const text = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  log.warn(`settings problems: ${text}`);
  void vscode.window.showWarningMessage(`Postgres Optimizer settings: ${text}`, 'Open Settings').then((pick) => {
    if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', problems[0]?.path ?? 'pgopt');
  });
}

async function onConfigChange(e: vscode.ConfigurationChangeEvent, manager: ConnectionManager): Promise<void> {
  if (!e.affectsConfiguration('pgopt')) return;
  await reportSettingsProblems();
  const { RECONNECT_KEYS } = loadHeavy();
  const active = manager.current;
  if (active && RECONNECT_KEYS.some((k) => e.affectsConfiguration(k))) {
    void vscode.window.showInformationMessage(`Postgres Optimizer: settings changed. Reconnect to "${active.name}" to apply them?`, 'Reconnect').then((pick) => {
      if (pick) void manager.connect(active.name, { interactive: true });
    });
  }
}

export function deactivate(): void {
  // Disposables registered in context.subscriptions close the connection.
}
