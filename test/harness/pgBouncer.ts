// A real PgBouncer (Debian's /usr/sbin/pgbouncer) in front of the harness Postgres: config and userlist in
// a temp dir, 127.0.0.1 on a free port, no unix socket, trust auth, `postgres` as admin user. As root it
// runs as the postgres user (pgbouncer refuses to run as root). Always stopped by stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { freePort } from '../../scripts/localPostgres';

export const PGBOUNCER_BIN = '/usr/sbin/pgbouncer';

export interface TestPgBouncer {
  port: number;
  /** Admin console URL (database `pgbouncer`). */
  adminUrl: string;
  /** URL of `database` through the pooler. */
  urlFor(database: string): string;
  log(): string;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  poolMode?: 'session' | 'transaction' | 'statement';
  defaultPoolSize?: number;
  maxDbConnections?: number;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

async function waitForPort(port: number, child: ChildProcess, logFile: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited (${child.exitCode}): ${existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`pgbouncer did not listen on ${port} within ${timeoutMs} ms`);
}

/** Starts pgbouncer in front of 127.0.0.1:`pgPort` (every database, `*`). */
export async function startPgBouncer(pgPort: number, opts: PgBouncerOptions = {}): Promise<TestPgBouncer> {
  if (!existsSync(PGBOUNCER_BIN)) throw new Error(`${PGBOUNCER_BIN} is not installed (apt-get install pgbouncer; .ci/run installs it)`);
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-pgbouncer-'));
  const port = await freePort();
  const logFile = join(dir, 'pgbouncer.log');
  writeFileSync(join(dir, 'userlist.txt'), '"postgres" ""\n"app" ""\n');
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=127.0.0.1 port=${pgPort}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'admin_users = postgres',
      'stats_users = postgres',
      `pool_mode = ${opts.poolMode ?? 'transaction'}`,
      `default_pool_size = ${opts.defaultPoolSize ?? 2}`,
      `max_db_connections = ${opts.maxDbConnections ?? 0}`,
      'max_client_conn = 200',
      `logfile = ${logFile}`,
      'ignore_startup_parameters = extra_float_digits,options',
      '',
    ].join('\n'),
  );
  if (isRoot()) {
    execFileSync('chown', ['-R', 'postgres:postgres', dir]);
    chmodSync(dir, 0o700);
  }
  const args = [join(dir, 'pgbouncer.ini')];
  // Its own process group: runuser does not pass signals on, so stop() signals the whole group.
  const child = isRoot()
    ? spawn('runuser', ['-u', 'postgres', '--', PGBOUNCER_BIN, ...args], { stdio: 'ignore', detached: true })
    : spawn(PGBOUNCER_BIN, args, { stdio: 'ignore', detached: true });
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      signalGroup('SIGINT');
      const t = setTimeout(() => signalGroup('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child, logFile);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    port,
    adminUrl: `postgres://postgres@127.0.0.1:${port}/pgbouncer?sslmode=disable`,
    urlFor: (database) => `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}?sslmode=disable`,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    stop,
  };
}
