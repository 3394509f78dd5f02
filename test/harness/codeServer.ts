// A real VS Code host for tests: code-server 4.100.3 (VS Code 1.100.3), installed by
// scripts/setup-code-server.sh into .tools/code-server/. Each start gets a free loopback port and its own
// temporary user-data/extensions/XDG folders, so nothing lands in $HOME and runs never share state.
// stop() kills the whole process group (code-server forks a server process, which forks the extension host).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface CodeServerOptions {
  /** Absolute path of the folder opened as the workspace. */
  workspace: string;
  /** Extra environment for the code-server process; the extension host inherits it (e.g. PGOPT_TEST_URL). */
  env?: Record<string, string>;
  /** Extensions folder (e.g. one that installVsix filled); default: an empty temp folder. */
  extensionsDir?: string;
  /** Written to <user-data-dir>/User/settings.json, over a few defaults that keep the workbench quiet. */
  userSettings?: object;
  /**
   * Open the workspace untrusted (Restricted Mode): workspace trust enabled, no start-up prompt, the folder
   * never trusted. Default: trust disabled, i.e. every workspace trusted.
   */
  untrusted?: boolean;
  /** How long to wait for /healthz (default 60 s). */
  startTimeoutMs?: number;
}

export interface CodeServer {
  port: number;
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  /** The workspace folder, as passed in. */
  workspace: string;
  /** URL of the workbench with the workspace open. */
  workbenchUrl: string;
  /** --user-data-dir (settings, and each extension's global storage under User/globalStorage). */
  userDataDir: string;
  stop(): Promise<void>;
  /** Everything code-server printed so far (stdout and stderr interleaved). */
  logs(): string;
}

const CODE_SERVER_VERSION = '4.100.3';
const MAX_LOG_CHARS = 4_000_000;

// ---------------------------------------------------------------------------------------------------------
// Process cleanup shared by the runners: whatever is registered here is torn down on normal exit, on an
// uncaught error and on SIGINT/SIGTERM, so a failed or interrupted run leaves no code-server or browser behind.

type Cleanup = () => Promise<void> | void;
const cleanups: Cleanup[] = [];
/** Process groups still alive: killed synchronously in the 'exit' handler as a last resort. */
const liveGroups = new Set<number>();

let shuttingDown = false;

process.on('exit', () => {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  // Last resort for cleanups that never ran (e.g. a crash): start each one; their synchronous part runs
  // now (Postgres' pg_ctl stop, temp folder removal), which is what matters on the way out.
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      void Promise.resolve(fn()).catch(() => undefined);
    } catch {
      // best effort
    }
  }
});

/** Registers a cleanup; returns a function that unregisters it. Cleanups run last-registered first. */
export function onCleanup(fn: Cleanup): () => void {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** True once cleanup has started (signal, timeout, end of run): later errors are consequences, not causes. */
export function isShuttingDown(): boolean {
  return shuttingDown;
}

let cleaning: Promise<void> | undefined;
/**
 * Runs (and forgets) every registered cleanup; errors are printed, never thrown. Concurrent calls (a timeout
 * firing while the main flow fails) share one pass, so nobody exits while another is still tearing down.
 */
export function runCleanups(): Promise<void> {
  shuttingDown = true;
  cleaning ??= (async () => {
    while (cleanups.length) {
      const fn = cleanups.pop();
      try {
        await fn?.();
      } catch (err) {
        console.error(`cleanup failed: ${errorText(err)}`);
      }
    }
  })().finally(() => {
    cleaning = undefined;
  });
  return cleaning;
}

let signalsInstalled = false;
/**
 * On SIGINT/SIGTERM/SIGHUP: run the cleanups, then exit 130/143/129. On an uncaught error: print it, clean up,
 * exit 1 (errors raised while cleaning up, e.g. Playwright's when its browser goes away, are only printed).
 */
export function installSignalHandlers(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  const onUncaught = (err: unknown): void => {
    if (shuttingDown) {
      console.error(`(error while cleaning up, ignored) ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    console.error(`uncaught error: ${errorText(err)}`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void runCleanups().finally(() => process.exit(1));
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  let signalled = false;
  for (const [sig, code] of Object.entries(codes)) {
    process.on(sig as NodeJS.Signals, () => {
      if (signalled) {
        // Second signal: stop waiting; the 'exit' handler still kills the process groups.
        process.exit(code);
      }
      signalled = true;
      console.error(`\n${sig}: cleaning up...`);
      const force = setTimeout(() => process.exit(code), 10_000);
      force.unref();
      void runCleanups().finally(() => process.exit(code));
    });
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

// ---------------------------------------------------------------------------------------------------------

/** The repository root: the nearest parent of this (bundled) file with our package.json. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name;
        if (name === 'postgres-optimizer') return dir;
      } catch {
        // not ours: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the repository root above ${__dirname}`);
    dir = parent;
  }
}

/**
 * The code-server launcher: CODE_SERVER_BIN, else the install in CODE_SERVER_DIR (the same variable
 * scripts/setup-code-server.sh installs into), else <repo>/.tools/code-server.
 */
export function codeServerBin(): string {
  const dir = process.env.CODE_SERVER_DIR ?? join(repoRoot(), '.tools/code-server');
  const bin = process.env.CODE_SERVER_BIN ?? join(dir, 'node_modules/.bin/code-server');
  if (!existsSync(bin)) {
    throw new Error(`code-server not found at ${bin}: run 'bash scripts/setup-code-server.sh' first`);
  }
  return bin;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** The environment for code-server: ours minus anything that would tie it to an outer VS Code. */
function childEnv(xdgRoot: string, extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE' || k === 'PASSWORD' || k === 'HASHED_PASSWORD') {
      continue;
    }
    env[k] = v;
  }
  return {
    ...env,
    XDG_CONFIG_HOME: join(xdgRoot, 'config'),
    XDG_DATA_HOME: join(xdgRoot, 'data'),
    XDG_CACHE_HOME: join(xdgRoot, 'cache'),
    ...extra,
  };
}

const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'chat.disableAIFeatures': true,
};

/** Restricted Mode without a dialog: trust enabled, the folder not trusted, never asked at start-up. */
const UNTRUSTED_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.emptyWindow': false,
};

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolveStatus) => {
    const req = get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolveStatus(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveStatus(0));
  });
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const bin = codeServerBin();
  const workspace = resolve(opts.workspace);
  if (!existsSync(workspace)) throw new Error(`workspace folder ${workspace} does not exist`);

  const root = mkdtempSync(join(tmpdir(), 'pgopt-code-server-'));
  const userDataDir = join(root, 'user-data');
  const extensionsDir = opts.extensionsDir ?? join(root, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_SETTINGS, ...(opts.untrusted ? UNTRUSTED_SETTINGS : {}), ...(opts.userSettings ?? {}) }, null, 2),
  );

  let output = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > MAX_LOG_CHARS) output = output.slice(output.length - MAX_LOG_CHARS);
  };

  // The port is free when picked but could be taken before code-server binds it: retry on a new port.
  let child: ChildProcess | undefined;
  let port = 0;
  let lastError = '';
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  for (let attempt = 1; attempt <= 3 && !child; attempt++) {
    port = await freePort();
    const args = [
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
      ...(opts.untrusted ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      workspace,
    ];
    const proc = spawn(bin, args, {
      cwd: workspace,
      env: childEnv(root, opts.env),
      detached: true, // its own process group, so stop() reaches the server and extension host processes too
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = proc.pid;
    if (pid === undefined) throw new Error(`could not spawn ${bin}`);
    liveGroups.add(pid);
    let exited: string | undefined;
    proc.on('exit', (code, signal) => {
      exited = `code-server exited (code ${code}, signal ${signal})`;
    });
    proc.on('error', (err) => {
      exited = `code-server failed to start: ${err.message}`;
    });
    proc.stdout?.on('data', append);
    proc.stderr?.on('data', append);

    const healthz = `http://127.0.0.1:${port}/healthz`;
    while (Date.now() < deadline && !exited) {
      if ((await httpStatus(healthz)) === 200) break;
      await sleep(150);
    }
    if (!exited && Date.now() < deadline) {
      child = proc;
      break;
    }
    killGroup(pid, 'SIGKILL');
    liveGroups.delete(pid);
    lastError = exited ?? `code-server did not answer ${healthz} in time`;
    if (!/EADDRINUSE/.test(output) || Date.now() >= deadline) break;
  }
  if (!child || child.pid === undefined) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`${lastError}\n--- code-server output ---\n${output}`);
  }

  const pid = child.pid;
  const baseUrl = `http://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (groupAlive(pid)) {
        killGroup(pid, 'SIGTERM');
        for (let i = 0; i < 50 && groupAlive(pid); i++) await sleep(100);
        if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
      }
      liveGroups.delete(pid);
      unregister();
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    })();
    return stopped;
  };
  const unregister = onCleanup(stop);

  return {
    port,
    baseUrl,
    workspace,
    workbenchUrl: `${baseUrl}/?folder=${encodeURIComponent(workspace)}`,
    userDataDir,
    stop,
    logs: () => output,
  };
}

/**
 * Installs a .vsix into an extensions folder (creating it) with code-server's own CLI, as a user would.
 * Returns the CLI's output.
 */
export function installVsix(vsixPath: string, extensionsDir: string): string {
  const vsix = resolve(vsixPath);
  if (!existsSync(vsix)) throw new Error(`${vsix} does not exist (run 'npm run package' first)`);
  mkdirSync(extensionsDir, { recursive: true });
  const root = mkdtempSync(join(tmpdir(), 'pgopt-vsix-install-'));
  try {
    const r = spawnSync(
      codeServerBin(),
      ['--user-data-dir', join(root, 'user-data'), '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'],
      { env: childEnv(root, undefined), encoding: 'utf8', timeout: 120_000 },
    );
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    if (r.error) throw new Error(`installing ${vsix} failed: ${r.error.message}\n${out}`);
    if (r.status !== 0 || !/successfully installed/i.test(out)) {
      throw new Error(`installing ${vsix} failed (exit ${r.status}):\n${out}`);
    }
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export { CODE_SERVER_VERSION };
