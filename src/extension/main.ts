// Composition root: build the pieces, register them in the extension's lifetime scope, return the
// small API that tests use. Activation failures are shown, logged and rethrown.
import * as vscode from 'vscode';
import { ConnectionManager } from './connectionManager';
import { registerCommands } from './commands/registerCommands';
import { initLog, log } from './log';
import { readSettings, RECONNECT_KEYS } from './settings';
import { createConnectionStatusItem } from './statusBar';
import { SchemaTreeProvider } from './views/schemaTree';
import { REPORT_VIEW_TYPE, ReportPanel } from './webviews/reportPanel';

export interface PgoptApi {
  manager: ConnectionManager;
  schemaTree: SchemaTreeProvider;
  reportPanel(): ReportPanel | undefined;
  activationMs: number;
}

export function activate(context: vscode.ExtensionContext): PgoptApi {
  const started = performance.now();
  try {
    context.subscriptions.push(initLog());
    const manager = new ConnectionManager(context.secrets);
    const schemaTree = new SchemaTreeProvider(manager);
    context.subscriptions.push(
      manager,
      schemaTree,
      vscode.window.registerTreeDataProvider('pgopt.schema', schemaTree),
      createConnectionStatusItem(manager),
      ...registerCommands({ extensionUri: context.extensionUri, manager, schemaTree }),
      vscode.window.registerWebviewPanelSerializer(REPORT_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => ReportPanel.revive(panel, context.extensionUri, manager),
      }),
      vscode.workspace.onDidChangeConfiguration((e) => onConfigChange(e, manager)),
    );
    void vscode.commands.executeCommand('setContext', 'pgopt.connected', false);
    reportSettingsProblems();
    const def = readSettings().defaultConnection;
    if (def) void manager.connect(def, { interactive: true });
    const activationMs = performance.now() - started;
    log.info(`activated in ${activationMs.toFixed(1)} ms`);
    return { manager, schemaTree, reportPanel: () => ReportPanel.instance, activationMs };
  } catch (e) {
    log.error('activation failed', e);
    void vscode.window.showErrorMessage(`Postgres Optimizer failed to start: ${(e as Error).message}`);
    throw e;
  }
}

function reportSettingsProblems(): void {
  const { problems } = readSettings();
  if (problems.length === 0) return;
  const text = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  log.warn(`settings problems: ${text}`);
  void vscode.window.showWarningMessage(`Postgres Optimizer settings: ${text}`, 'Open Settings').then((pick) => {
    if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', problems[0]?.path ?? 'pgopt');
  });
}

function onConfigChange(e: vscode.ConfigurationChangeEvent, manager: ConnectionManager): void {
  if (!e.affectsConfiguration('pgopt')) return;
  reportSettingsProblems();
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
