// Owns the active connection: lists the available ones (settings + libpq discovery), connects with a
// cancellable progress, asks for a password once and keeps it in SecretStorage, reports failures with the
// connection's name and what to do, and tells listeners when the session changes.
// The driver, zod and the resolver are loaded on first use (the owner passes the heavy bundle's loader as
// the ConnectionBackend), not at activation.
import * as vscode from 'vscode';
import type { Capabilities } from '../core/db/capabilities';
import type { ConnectionSpec } from '../core/db/connectionSpec';
import type { DbSession } from '../core/db/session';
import type { ConnectionSetting } from '../core/config';
import { log } from './log';

/**
 * What connecting needs from the heavy bundle. Declared from the modules themselves, not from heavy.ts, so this
 * file (which the heavy bundle's modules import) does not import the bundle back.
 */
export interface ConnectionBackend {
  readSettings: typeof import('./typedSettings').readSettings;
  discoverConnections: typeof import('../core/db/connectionSpec').discoverConnections;
  resolveConnection: typeof import('../core/db/connectionSpec').resolveConnection;
  describeTarget: typeof import('../core/db/connectionSpec').describeTarget;
  ConnectionConfigError: typeof import('../core/db/connectionSpec').ConnectionConfigError;
  nodeEnvAccess: typeof import('../core/db/envAccess').nodeEnvAccess;
  ConnectError: typeof import('../core/db/connect').ConnectError;
  DbSession: typeof import('../core/db/session').DbSession;
  probeCapabilities: typeof import('../core/db/capabilities').probeCapabilities;
}

export interface ActiveConnection {
  session: DbSession;
  caps: Capabilities;
  name: string;
}

export interface AvailableConnection {
  setting: ConnectionSetting;
  source: string;
}

const REMEMBERED_KEY = 'pgopt.lastConnection';

export type ConnectResult = { ok: true; active: ActiveConnection } | { ok: false; message: string };

export class ConnectionManager implements vscode.Disposable {
  private active: ActiveConnection | undefined;
  private readonly changed = new vscode.EventEmitter<ActiveConnection | undefined>();
  readonly onDidChange = this.changed.event;
  /** The last connect failure, for tests and the status bar tooltip. */
  lastError: string | undefined;

  /**
   * `state` (the workspace's Memento, which VS Code keeps across window reloads) remembers the connection that was
   * last opened in this workspace, so activation can open it again; an explicit Disconnect forgets it.
   */
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly backend: () => ConnectionBackend,
    private readonly state?: vscode.Memento,
  ) {}

  /** The connection to reopen when the window reloads (the last one connected here, unless disconnected since). */
  get remembered(): string | undefined {
    return this.state?.get<string>(REMEMBERED_KEY);
  }

  get current(): ActiveConnection | undefined {
    return this.active;
  }

  async available(): Promise<AvailableConnection[]> {
    const { readSettings, discoverConnections, nodeEnvAccess } = this.backend();
    const settings = readSettings();
    const out: AvailableConnection[] = settings.connections.map((setting) => ({ setting, source: 'settings' }));
    // Discovery reads the workspace's .env: only in a trusted workspace.
    if (vscode.workspace.isTrusted) {
      const dotenv = await this.readWorkspaceFile(settings.envFile);
      for (const d of discoverConnections(nodeEnvAccess(), dotenv)) {
        if (!out.some((o) => o.setting.name === d.setting.name)) out.push(d);
      }
    }
    return out;
  }

  private async readWorkspaceFile(relative: string): Promise<string | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder || !relative) return undefined;
    try {
      const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, relative));
      return new TextDecoder().decode(bytes);
    } catch {
      return undefined;
    }
  }

  private secretKey(spec: ConnectionSpec): string {
    return `pgopt.password:${spec.name}:${spec.user}@${spec.host}:${spec.port}/${spec.database}`;
  }

  /** The password kept in secret storage for a connection (asked once by connect); other views open their own sessions with it. */
  storedPassword(spec: ConnectionSpec): Thenable<string | undefined> {
    return this.secrets.get(this.secretKey(spec));
  }

  /** Connects to the named connection. `interactive` allows password prompts and error pop-ups. */
  async connect(name: string, opts: { interactive: boolean; password?: string }): Promise<ConnectResult> {
    const { ConnectionConfigError, ConnectError, DbSession, describeTarget, nodeEnvAccess, probeCapabilities, readSettings, resolveConnection } = this.backend();
    const entry = (await this.available()).find((c) => c.setting.name === name);
    if (!entry) return this.fail(`There is no connection named "${name}". Add it with "Postgres Optimizer: Add Connection".`, opts.interactive);
    let spec: ConnectionSpec;
    try {
      spec = resolveConnection(entry.setting, nodeEnvAccess(), entry.source);
    } catch (e) {
      if (e instanceof ConnectionConfigError) return this.fail(`Connection "${name}": ${e.message}`, opts.interactive, true);
      throw e;
    }
    const settings = readSettings();
    let password = opts.password ?? (await this.secrets.get(this.secretKey(spec)));
    let asked = opts.password !== undefined;
    for (;;) {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Connecting to ${name} (${describeTarget(spec)})…`, cancellable: true },
        async (_p, token) => {
          const attempt = DbSession.open(spec, {
            connectTimeoutMs: settings.connectTimeoutMs,
            analysis: settings.analysis,
            ...(password !== undefined ? { password } : {}),
          });
          const cancelled = new Promise<'cancelled'>((resolve) => token.onCancellationRequested(() => resolve('cancelled')));
          const r = await Promise.race([attempt.then((s) => ({ s }), (e: unknown) => ({ e })), cancelled]);
          if (r === 'cancelled') {
            void attempt.then((s) => s.close(), () => undefined);
            return 'cancelled' as const;
          }
          return r;
        },
      );
      if (result === 'cancelled') return this.fail(`Connecting to "${name}" was cancelled.`, false);
      if ('s' in result) {
        const session = result.s;
        try {
          const caps = await session.readOnly((q) => probeCapabilities(q));
          if (asked && password !== undefined) await this.secrets.store(this.secretKey(spec), password);
          await this.setActive({ session, caps, name });
          await this.state?.update(REMEMBERED_KEY, name);
          this.lastError = undefined;
          log.info(`connected to ${name} (${describeTarget(spec)}), PostgreSQL ${caps.serverVersion}`);
          return { ok: true, active: this.active as ActiveConnection };
        } catch (e) {
          await session.close();
          return this.fail(`Connected to "${name}" but could not read the server's capabilities: ${(e as Error).message}`, opts.interactive);
        }
      }
      const err = result.e;
      if (err instanceof ConnectError && err.needsPassword && opts.interactive) {
        if (err.kind === 'auth-failed') await this.secrets.delete(this.secretKey(spec));
        const entered = await vscode.window.showInputBox({
          title: `Password for ${name}`,
          prompt: `${err.kind === 'auth-failed' && (asked || password !== undefined) ? 'That password was rejected. ' : ''}Password for ${describeTarget(spec)} (kept in VS Code's secret storage)`,
          password: true,
          ignoreFocusOut: true,
        });
        if (entered === undefined) return this.fail(`Connecting to "${name}" was cancelled: no password given.`, false);
        password = entered;
        asked = true;
        continue;
      }
      const message = err instanceof Error ? err.message : String(err);
      log.error(`connect to ${name} failed`, err);
      return this.fail(message, opts.interactive, err instanceof ConnectionConfigError);
    }
  }

  private async setActive(next: ActiveConnection | undefined): Promise<void> {
    const prev = this.active;
    this.active = next;
    if (prev && prev !== next) await prev.session.close();
    if (next) {
      next.session.client.on('error', (e) => {
        if (this.active !== next) return;
        log.error(`connection ${next.name} lost`, e);
        void vscode.window.showWarningMessage(`Postgres Optimizer: the connection to "${next.name}" was lost (${e.message}).`, 'Reconnect').then((pick) => {
          if (pick === 'Reconnect') void this.connect(next.name, { interactive: true });
        });
        void this.setActive(undefined);
      });
    }
    await vscode.commands.executeCommand('setContext', 'pgopt.connected', next !== undefined);
    this.changed.fire(next);
  }

  private fail(message: string, interactive: boolean, settingsProblem = false): ConnectResult {
    this.lastError = message;
    log.warn(message);
    if (interactive) {
      const actions = settingsProblem ? ['Open Settings', 'Show Log'] : ['Retry', 'Open Settings', 'Show Log'];
      void vscode.window.showErrorMessage(`Postgres Optimizer: ${message}`, ...actions).then((pick) => {
        if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'pgopt.connections');
        if (pick === 'Show Log') log.show();
        if (pick === 'Retry') void vscode.commands.executeCommand('pgopt.selectConnection');
      });
    }
    return { ok: false, message };
  }

  /** Closes the session. `forget: false` keeps it as the one to reopen (what a window reload does). */
  async disconnect(opts: { forget?: boolean } = {}): Promise<void> {
    const name = this.active?.name;
    if (opts.forget !== false) await this.state?.update(REMEMBERED_KEY, undefined);
    await this.setActive(undefined);
    if (name) log.info(`disconnected from ${name}`);
  }

  dispose(): void {
    void this.active?.session.close();
    this.active = undefined;
    this.changed.dispose();
  }
}
