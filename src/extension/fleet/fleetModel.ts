// The Fleet view's state: the configured databases (connection settings + pgopt.json "fleet" entries) and
// each one's latest analysis, independent of the active connection. Owned by the extension context; the
// heavy side (fleetRunner.ts) loads the targets, runs the analyses and ranks the rows (core/fleet/fleetView),
// this class only keeps them and tells the tree and the fleet report pages when they change.
import * as vscode from 'vscode';
import type { FleetEntryState, FleetViewRow, FleetViewTarget } from '../../core/fleet/fleetView';
import type { Report } from '../../core/report/model';
import { log } from '../log';

/**
 * What the model needs from the heavy bundle, declared without importing it (the heavy side imports this file:
 * fleetRunner.ts, the report panel).
 */
export interface FleetBackend {
  loadFleetTargets(): Promise<{ targets: FleetViewTarget[]; notes: string[] }>;
  fleetViewRows: typeof import('../../core/fleet/fleetView').fleetViewRows;
  fleetViewSummary: typeof import('../../core/fleet/fleetView').fleetViewSummary;
}

export class FleetModel implements vscode.Disposable {
  private targetList: FleetViewTarget[] = [];
  private readonly states = new Map<string, FleetEntryState>();
  private rowList: FleetViewRow[] = [];
  private noteList: string[] = [];
  private loaded: Promise<void> | undefined;
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  /** The running Refresh Fleet, shared by every caller while it runs. */
  running: Promise<void> | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly heavy: () => FleetBackend) {
    // New or removed connections, a pgopt.json fleet edit, a trust grant: the list is read again on next need.
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('pgopt.connections') && this.reload(), this, this.disposables);
    vscode.workspace.onDidGrantWorkspaceTrust(() => this.reload(), this, this.disposables);
    const json = vscode.workspace.createFileSystemWatcher('**/pgopt.json');
    this.disposables.push(json);
    for (const ev of [json.onDidCreate, json.onDidChange, json.onDidDelete]) ev(() => this.reload(), this, this.disposables);
  }

  get targets(): readonly FleetViewTarget[] {
    return this.targetList;
  }

  /** Ranked worst first (see fleetViewRows). */
  get rows(): readonly FleetViewRow[] {
    return this.rowList;
  }

  /** Why some configured entries are not listed (untrusted workspace, invalid or duplicate entries). */
  get notes(): readonly string[] {
    return this.noteList;
  }

  get summary(): string {
    return this.heavy().fleetViewSummary(this.rowList);
  }

  state(name: string): FleetEntryState | undefined {
    return this.states.get(name);
  }

  /** The last report of a database, when it has one. */
  report(name: string): Report | undefined {
    const s = this.states.get(name);
    const r = s?.kind === 'running' ? s.previous : s;
    return r?.kind === 'done' ? r.report : undefined;
  }

  /** Reads the configured databases once (the view asks when it is first shown). */
  load(): Promise<void> {
    this.loaded ??= (async () => {
      try {
        const { targets, notes } = await this.heavy().loadFleetTargets();
        this.targetList = targets;
        this.noteList = notes;
        for (const name of [...this.states.keys()]) if (!targets.some((t) => t.name === name)) this.states.delete(name);
      } catch (e) {
        log.error('reading the fleet failed', e);
        this.noteList = [`The fleet could not be read: ${(e as Error).message}`];
      }
      this.update();
    })();
    return this.loaded;
  }

  private reload(): void {
    if (!this.loaded) return;
    this.loaded = undefined;
    void this.load();
  }

  setState(name: string, state: FleetEntryState): void {
    this.states.set(name, state);
    this.update();
  }

  private update(): void {
    this.rowList = this.heavy().fleetViewRows(this.targetList, this.states);
    this.emitter.fire();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.emitter.dispose();
  }
}
