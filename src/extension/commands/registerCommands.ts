// Command id -> handler. Every handler is wrapped so a failure is shown to the user and logged. Handlers
// load their modules on first use, so activation stays cheap.
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connectionManager';
import type { LintHost } from '../diagnostics/lintHost';
import { loadHeavy } from '../loadHeavy';
import { log } from '../log';
import type { SchemaTreeProvider } from '../views/schemaTree';

export interface CommandContext {
  extensionUri: vscode.Uri;
  manager: ConnectionManager;
  schemaTree: SchemaTreeProvider;
  /** The migration linter, started on first use. */
  lint(): LintHost;
}

type Handler = (ctx: CommandContext, ...args: unknown[]) => unknown;


const COMMANDS: Record<string, Handler> = {
  'pgopt.addConnection': async (ctx, arg) => loadHeavy().addConnection(ctx.manager, arg),
  'pgopt.selectConnection': async (ctx, arg) => loadHeavy().selectConnection(ctx.manager, arg),
  'pgopt.disconnect': (ctx) => ctx.manager.disconnect(),
  'pgopt.refreshSchema': (ctx) => ctx.schemaTree.refresh(),
  'pgopt.showLog': () => log.show(),
  'pgopt.showHealthReport': async (ctx) => {
    if (!ctx.manager.current) {
      const r = await loadHeavy().selectConnection(ctx.manager);
      if (!r?.ok) return undefined;
    }
    return loadHeavy().ReportPanel.createOrShow(ctx.extensionUri, ctx.manager);
  },
  'pgopt.lintAllMigrations': async (ctx) => loadHeavy().lintAllMigrations(ctx.lint()),
  'pgopt.explainQuery': async (ctx, arg) => loadHeavy().explainQuery(ctx.extensionUri, ctx.manager, arg),
  'pgopt.explainQueryAnalyze': async (ctx, arg) => loadHeavy().explainQueryAnalyze(ctx.extensionUri, ctx.manager, arg),
  'pgopt.explainWithHypotheticalIndex': async (ctx, arg) => loadHeavy().explainWithHypotheticalIndexCommand(ctx.extensionUri, ctx.manager, arg),
  'pgopt.resetQueryStatistics': async (ctx) => loadHeavy().resetQueryStatistics(ctx.manager),
  'pgopt.cancelBackend': async (ctx, arg) => loadHeavy().signalBackendCommand(ctx.manager, 'cancel', arg),
  'pgopt.terminateBackend': async (ctx, arg) => loadHeavy().signalBackendCommand(ctx.manager, 'terminate', arg),
};

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(ctx, ...args);
      } catch (e) {
        log.error(`command ${id} failed`, e);
        void vscode.window.showErrorMessage(`Postgres Optimizer: ${(e as Error).message}`, 'Show Log').then((p) => p && log.show());
        return undefined;
      }
    }),
  );
}
