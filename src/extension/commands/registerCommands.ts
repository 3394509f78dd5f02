// The command table: command id -> what the command needs and its handler. The needs are checked here,
// once, before the handler runs (a connection: the Select Connection quick pick when none is open; a
// trusted workspace: the workspace's migration files are run against a database only once it is trusted).
// Every handler is wrapped so a failure is shown to the user and logged. Handlers load the heavy bundle
// through the context on first use, so activation stays cheap. Argument types are the shapes the menus,
// trees and tests pass; the heavy-side functions still check them at run time (other extensions and
// keybindings can pass anything).
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { AnalysisNode } from '../views/analysisTree';
import { log } from '../log';
import type { AddConnectionArg, SelectConnectionArg } from './connectionCommands';
import type { TableArg } from './analyzeTableCommand';
import type { ConstraintArg } from './validateConstraintCommand';
import type { BackendArg, SqlArg } from './explainCommands';
import type { MigrationCommand, MigrationEntryArg, RunOptions } from '../migrations/migrationsActions';
import type { TraceCommandOptions } from '../migrations/traceCommand';
import type { ConfirmOptions } from '../writeGuard';
import type { FleetDatabaseArg } from '../fleet/fleetRunner';

/** What must hold before a command's handler runs. */
export type CommandNeed = 'connection' | 'trustedWorkspace';

interface Command<A extends unknown[]> {
  /** Checked in order before `run`; the command does nothing (and returns undefined) when one is not met. */
  needs?: readonly CommandNeed[];
  run(ctx: Ctx, ...args: A): unknown;
}

/** Keeps each handler's own argument types (the table's type would widen them). */
function command<A extends unknown[]>(c: Command<A>): Command<A> {
  return c;
}

const CONNECTED = ['connection'] as const;
const RUNS_WORKSPACE_MIGRATIONS = ['trustedWorkspace', 'connection'] as const;

export const COMMANDS = {
  'pgopt.addConnection': command({ run: (ctx, arg?: AddConnectionArg) => ctx.heavy().addConnection(ctx.manager, arg) }),
  'pgopt.selectConnection': command({ run: (ctx, arg?: SelectConnectionArg) => ctx.heavy().selectConnection(ctx.manager, arg) }),
  'pgopt.disconnect': command({ run: (ctx) => ctx.manager.disconnect() }),
  'pgopt.refreshSchema': command({ run: (ctx) => ctx.schemaTree.refresh() }),
  'pgopt.showLog': command({ run: () => log.show() }),
  'pgopt.showHealthReport': command({ needs: CONNECTED, run: (ctx) => ctx.heavy().ReportPanel.createOrShow(ctx) }),
  'pgopt.analyzeTable': command({ needs: CONNECTED, run: (ctx, arg?: TableArg) => ctx.heavy().analyzeTableCommand(ctx, arg) }),
  'pgopt.lintAllMigrations': command({ run: (ctx) => ctx.heavy().lintAllMigrations(ctx.lint()) }),
  'pgopt.runAnalysis': command({ needs: CONNECTED, run: (ctx) => ctx.heavy().runAnalysis(ctx, ctx.globalStorageUri) }),
  'pgopt.migrations.refresh': command({ run: (ctx) => ctx.migrations.refresh() }),
  'pgopt.migrations.applyAll': command({ needs: RUNS_WORKSPACE_MIGRATIONS, run: (ctx, _node?: MigrationEntryArg, opts?: RunOptions) => migrate(ctx, 'applyAll', undefined, opts) }),
  'pgopt.migrations.applyUpTo': command({ needs: RUNS_WORKSPACE_MIGRATIONS, run: (ctx, node?: MigrationEntryArg, opts?: RunOptions) => migrate(ctx, 'applyUpTo', node, opts) }),
  'pgopt.migrations.applyOne': command({ needs: RUNS_WORKSPACE_MIGRATIONS, run: (ctx, node?: MigrationEntryArg, opts?: RunOptions) => migrate(ctx, 'applyOne', node, opts) }),
  'pgopt.migrations.rollbackLast': command({ needs: RUNS_WORKSPACE_MIGRATIONS, run: (ctx, _node?: MigrationEntryArg, opts?: RunOptions) => migrate(ctx, 'rollbackLast', undefined, opts) }),
  'pgopt.migrations.rollbackTo': command({ needs: RUNS_WORKSPACE_MIGRATIONS, run: (ctx, node?: MigrationEntryArg, opts?: RunOptions) => migrate(ctx, 'rollbackTo', node, opts) }),
  'pgopt.migrations.trace': command({ needs: RUNS_WORKSPACE_MIGRATIONS, run: (ctx, opts?: TraceCommandOptions) => ctx.heavy().traceMigrationsCommand(ctx.manager, ctx.globalStorageUri, opts ?? {}) }),
  'pgopt.migrations.showDiff': command({ run: (ctx, node?: MigrationEntryArg) => ctx.heavy().showMigrationDrift(node) }),
  'pgopt.finding.explain': command({ run: (ctx, node?: AnalysisNode) => ctx.heavy().explainQuery(ctx, ctx.heavy().findingQuery(node)) }),
  'pgopt.finding.copySql': command({ run: (ctx, node?: AnalysisNode) => ctx.heavy().copyFindingSql(node) }),
  'pgopt.finding.createMigration': command({ run: (ctx, node?: AnalysisNode) => ctx.heavy().createMigrationFromFinding(node, ctx.manager) }),
  'pgopt.finding.addRule': command({ run: (ctx, node?: AnalysisNode) => ctx.heavy().addRuleFromFinding(node) }),
  'pgopt.finding.applyNow': command({ run: (ctx, node?: AnalysisNode, opts?: ConfirmOptions) => ctx.heavy().applyFindingNow(node, ctx.manager, ctx.globalStorageUri, opts ?? {}) }),
  'pgopt.validateConstraint': command({ run: (ctx, node?: ConstraintArg) => ctx.heavy().validateConstraint(ctx.manager, node) }),
  'pgopt.takeSnapshot': command({ needs: CONNECTED, run: (ctx) => ctx.heavy().takeSnapshotCommand(ctx) }),
  'pgopt.explainQuery': command({ run: (ctx, arg?: SqlArg) => ctx.heavy().explainQuery(ctx, arg) }),
  'pgopt.explainQueryAnalyze': command({ run: (ctx, arg?: SqlArg) => ctx.heavy().explainQueryAnalyze(ctx, arg) }),
  'pgopt.explainWithHypotheticalIndex': command({ run: (ctx, arg?: SqlArg) => ctx.heavy().explainWithHypotheticalIndexCommand(ctx, arg) }),
  'pgopt.resetQueryStatistics': command({ needs: CONNECTED, run: (ctx, opts?: ConfirmOptions) => ctx.heavy().resetQueryStatistics(ctx.manager, ctx.globalStorageUri, opts ?? {}) }),
  'pgopt.cancelBackend': command({ needs: CONNECTED, run: (ctx, arg?: BackendArg) => ctx.heavy().signalBackendCommand(ctx.manager, ctx.globalStorageUri, 'cancel', arg) }),
  'pgopt.terminateBackend': command({ needs: CONNECTED, run: (ctx, arg?: BackendArg) => ctx.heavy().signalBackendCommand(ctx.manager, ctx.globalStorageUri, 'terminate', arg) }),
  'pgopt.showAuditLog': command({ run: (ctx) => ctx.heavy().showAuditLog(ctx.globalStorageUri) }),
  // The Fleet: read-only analyses in sessions of their own, so no active connection is needed (nor changed);
  // pgopt.json fleet entries are left out until the workspace is trusted (core/fleet/fleetView.ts).
  'pgopt.fleet.refresh': command({ run: (ctx) => ctx.heavy().refreshFleetCommand(ctx) }),
  'pgopt.fleet.openReport': command({ run: (ctx, arg?: FleetDatabaseArg) => ctx.heavy().openFleetReport(ctx, arg) }),
};

export type CommandId = keyof typeof COMMANDS;

async function migrate(ctx: Ctx, which: MigrationCommand, node: MigrationEntryArg | undefined, opts: RunOptions | undefined): Promise<unknown> {
  const heavy = ctx.heavy();
  try {
    return await heavy.runMigrations(ctx.manager, ctx.globalStorageUri, heavy.requestFor(which, node), opts ?? {});
  } finally {
    await ctx.migrations.refresh();
  }
}

/** Checks one need; false when it is not met (the user was told, or chose not to connect). */
async function meets(ctx: Ctx, need: CommandNeed): Promise<boolean> {
  switch (need) {
    case 'connection':
      return ctx.manager.current !== undefined || (await ctx.heavy().selectConnection(ctx.manager))?.ok === true;
    case 'trustedWorkspace':
      if (vscode.workspace.isTrusted) return true;
      void vscode.window
        .showWarningMessage('Postgres Optimizer: this runs the workspace\'s migration files against a database, which needs a trusted workspace.', 'Manage Workspace Trust')
        .then((pick) => pick && vscode.commands.executeCommand('workbench.trust.manage'));
      return false;
  }
}

/** Runs a command of the table: its needs in order, then its handler. */
export async function runCommand(ctx: Ctx, c: Command<unknown[]>, args: unknown[]): Promise<unknown> {
  for (const need of c.needs ?? []) if (!(await meets(ctx, need))) return undefined;
  return c.run(ctx, ...args);
}

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  // The one place where the arguments VS Code hands over (unknown[]) meet the table's declared types.
  const table = COMMANDS as Record<CommandId, Command<unknown[]>>;
  return (Object.keys(table) as CommandId[]).map((id) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await runCommand(ctx, table[id], args);
      } catch (e) {
        log.error(`command ${id} failed`, e);
        void vscode.window.showErrorMessage(`Postgres Optimizer: ${(e as Error).message}`, 'Show Log').then((p) => p && log.show());
        return undefined;
      }
    }),
  );
}
