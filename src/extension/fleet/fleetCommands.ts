// The Fleet view's commands: Refresh Fleet (every database at once, read-only, the active connection
// untouched) and Open Fleet Report (one database's report in the report webview).
import * as vscode from 'vscode';
import type { FleetViewRow } from '../../core/fleet/fleetView';
import { ReportPanel, type ReportPanelHost } from '../webviews/reportPanel';
import { pickFleetDatabase, refreshFleet, type FleetDatabaseArg } from './fleetRunner';

/** Refresh Fleet; resolves to the ranked rows (worst first) once every database has a result or it was cancelled. */
export async function refreshFleetCommand(host: ReportPanelHost): Promise<readonly FleetViewRow[]> {
  await refreshFleet(host);
  return host.fleet.rows;
}

export async function openFleetReport(host: ReportPanelHost, arg?: FleetDatabaseArg): Promise<ReportPanel | undefined> {
  const name = await pickFleetDatabase(host.fleet, arg);
  if (name === undefined) return undefined;
  await host.fleet.load();
  if (!host.fleet.targets.some((t) => t.name === name)) {
    void vscode.window.showErrorMessage(`Postgres Optimizer: the Fleet has no database named "${name}".`);
    return undefined;
  }
  return ReportPanel.showFleet(host, name);
}
