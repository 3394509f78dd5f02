// Command id -> handler. Every handler is wrapped so a failure is shown to the user and logged. Handlers
// load their modules on first use, so activation stays cheap.
import type { RunOptions } from '../migrations/migrationsActions';
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connectionManager';
import type { LintHost } from '../diagnostics/lintHost';
import { loadHeavy } from '../loadHeavy';
import { log } from '../log';
import type { MigrationsModel } from '../migrations/migrationsView';
import type { SchemaTreeProvider } from '../views/schemaTree';

export interface CommandContext {
  extensionUri: vscode.Uri;
  /** The extension's global storage (audit log). */
  globalStorageUri: vscode.Uri;
  migrations: MigrationsModel;
  manager: ConnectionManager;
  schemaTree: SchemaTreeProvider;
  /** The migration linter, started on first use. */
  lint(): LintHost;
  /** context.globalStorageUri.fsPath: the snapshot store lives below it. */
  globalStoragePath: string;
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
  'pgopt.analyzeTable': async (ctx, arg) => {
    if (!ctx.manager.current) {
      const r = await loadHeavy().selectConnection(ctx.manager);
      if (!r?.ok) return undefined;
    }
    return loadHeavy().analyzeTableCommand(ctx.extensionUri, ctx.manager, arg);
  },
  'pgopt.lintAllMigrations': async (ctx) => loadHeavy().lintAllMigrations(ctx.lint()),
  'pgopt.runAnalysis': async (ctx) => {
    if (!ctx.manager.current) {
      const r = await loadHeavy().selectConnection(ctx.manager);
      if (!r?.ok) return undefined;
    }
    return loadHeavy().runAnalysis(ctx.manager, ctx.globalStorageUri);
  },
  'pgopt.migrations.refresh': (ctx) => ctx.migrations.refresh(),
  'pgopt.migrations.applyAll': (ctx, _node, opts) => migrate(ctx, 'applyAll', undefined, opts),
  'pgopt.migrations.applyUpTo': (ctx, node, opts) => migrate(ctx, 'applyUpTo', node, opts),
  'pgopt.migrations.applyOne': (ctx, node, opts) => migrate(ctx, 'applyOne', node, opts),
  'pgopt.migrations.rollbackLast': (ctx, _node, opts) => migrate(ctx, 'rollbackLast', undefined, opts),
  'pgopt.migrations.rollbackTo': (ctx, node, opts) => migrate(ctx, 'rollbackTo', node, opts),
  'pgopt.migrations.trace': async (ctx, opts) => {
    if (!ctx.manager.current) {
      const r = await loadHeavy().selectConnection(ctx.manager);
      if (!r?.ok) return undefined;
    }
    return loadHeavy().traceMigrationsCommand(ctx.manager, (opts ?? {}) as { where?: 'scratch' | 'target' });
  },
  'pgopt.migrations.showDiff': async (_ctx, node) => loadHeavy().showMigrationDrift(node),
  'pgopt.finding.explain': async (ctx, node) => loadHeavy().explainQuery(ctx.extensionUri, ctx.manager, loadHeavy().findingQuery(node)),
  'pgopt.finding.copySql': async (_ctx, node) => loadHeavy().copyFindingSql(node),
  'pgopt.finding.createMigration': async (ctx, node) => loadHeavy().createMigrationFromFinding(node, ctx.manager),
  'pgopt.finding.addRule': async (_ctx, node) => loadHeavy().addRuleFromFinding(node),
  'pgopt.finding.applyNow': async (ctx, node, opts) => loadHeavy().applyFindingNow(node, ctx.manager, ctx.globalStorageUri, (opts ?? {}) as { confirmed?: boolean; confirmDatabase?: string }),
  'pgopt.validateConstraint': async (ctx, node) => loadHeavy().validateConstraint(ctx.manager, node),
  'pgopt.takeSnapshot': async (ctx) => loadHeavy().takeSnapshotCommand(ctx.globalStoragePath, ctx.manager),
  'pgopt.explainQuery': async (ctx, arg) => loadHeavy().explainQuery(ctx.extensionUri, ctx.manager, arg),
  'pgopt.explainQueryAnalyze': async (ctx, arg) => loadHeavy().explainQueryAnalyze(ctx.extensionUri, ctx.manager, arg),
  'pgopt.explainWithHypotheticalIndex': async (ctx, arg) => loadHeavy().explainWithHypotheticalIndexCommand(ctx.extensionUri, ctx.manager, arg),
  'pgopt.resetQueryStatistics': async (ctx, opts) => loadHeavy().resetQueryStatistics(ctx.manager, ctx.globalStorageUri, (opts ?? {}) as { confirmed?: boolean; confirmDatabase?: string }),
  'pgopt.cancelBackend': async (ctx, arg) => loadHeavy().signalBackendCommand(ctx.manager, ctx.globalStorageUri, 'cancel', arg),
  'pgopt.terminateBackend': async (ctx, arg) => loadHeavy().signalBackendCommand(ctx.manager, ctx.globalStorageUri, 'terminate', arg),
  'pgopt.showAuditLog': async (ctx) => loadHeavy().showAuditLog(ctx.globalStorageUri),
};

async function migrate(ctx: CommandContext, command: 'applyAll' | 'applyUpTo' | 'applyOne' | 'rollbackLast' | 'rollbackTo', node: unknown, opts: unknown): Promise<unknown> {
  if (!ctx.manager.current) {
    const r = await loadHeavy().selectConnection(ctx.manager);
    if (!r?.ok) return undefined;
  }
  const heavy = loadHeavy();
  try {
    return await heavy.runMigrations(ctx.manager, ctx.globalStorageUri, heavy.requestFor(command, node), (opts ?? {}) as RunOptions);
  } finally {
    await ctx.migrations.refresh();
  }
}

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
