// The part of the extension loaded on first use, built as its own bundle (dist/extension-heavy.js) so that
// activation does not parse the driver, zod, the analyzers and the webview host (see loadHeavy.ts).
// This is a bundle boundary, not a convenience barrel: everything the light bundle needs at run time
// from the heavy side is listed here.
export { probeCapabilities } from '../core/db/capabilities';
export { ConnectError } from '../core/db/connect';
export { ConnectionConfigError, describeTarget, discoverConnections, resolveConnection } from '../core/db/connectionSpec';
export { nodeEnvAccess } from '../core/db/envAccess';
export { DbSession } from '../core/db/session';
export { addConnection, selectConnection } from './commands/connectionCommands';
export { validateConstraint } from './commands/validateConstraintCommand';
export { analyzeTableCommand } from './commands/analyzeTableCommand';
export { RECONNECT_KEYS } from './settings';
export { readSettings } from './typedSettings';
export { ReportPanel } from './webviews/reportPanel';
export { lintAllMigrations } from './diagnostics/lintAllMigrations';
export { LintHost } from './diagnostics/lintHost';
export { applyFindingNow, copyFindingSql, createMigrationFromFinding, findingQuery, runAnalysis } from './analysis/findingActions';
export { addRuleFromFinding } from './analysis/addRuleCommand';
export { loadMigrationsState, requestFor, runMigrations, showMigrationDrift } from './migrations/migrationsActions';
export { ensureMonitor, SnapshotMonitor, takeSnapshotCommand } from './monitoring/snapshotMonitor';
export { explainQuery, explainQueryAnalyze, explainWithHypotheticalIndexCommand, resetQueryStatistics, signalBackendCommand } from './commands/explainCommands';
export { PlanPanel } from './webviews/planPanel';
export { traceMigrationsCommand } from './migrations/traceCommand';
export { invokeAgentTool } from './agents/invokeAgentTool';
export { refreshPolicyContext, showAuditLog } from './writeGuard';
export { attachLog } from './log';
export { fleetViewRows, fleetViewSummary } from '../core/fleet/fleetView';
export { loadFleetTargets, pickFleetDatabase, refreshFleet } from './fleet/fleetRunner';
export { openFleetReport, refreshFleetCommand } from './fleet/fleetCommands';
