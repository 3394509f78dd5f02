// A streaming standby of a throwaway Debian-flavour server: pg_basebackup -R (standby.signal +
// primary_conninfo) into a new data directory, started on another free port. Used by the replication tests.
// It always stops: stop() is idempotent, and a process exit hook stops it (immediate) if a test forgot.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { asPostgresUser, DEBIAN_BIN, freePort, isRoot, type LocalPostgres } from '../../scripts/localPostgres';

export interface Standby {
  port: number;
  dataDir: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface StandbyOptions {
  /** Physical slot on the primary to stream from (created by pg_basebackup -C when given). */
  slot?: string;
  /** Extra postgresql.conf lines for the standby, e.g. hot_standby_feedback. */
  settings?: Record<string, string | number>;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
}

export async function startStandby(primary: LocalPostgres, opts: StandbyOptions = {}): Promise<Standby> {
  if (primary.flavor !== 'debian') throw new Error('a standby needs the Debian flavour (pg_basebackup)');
  const root = mkdtempSync(join(tmpdir(), 'pgopt-standby-'));
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'sock');
  execFileSync('mkdir', ['-p', socketDir]);
  if (isRoot()) execFileSync('chown', ['-R', 'postgres:postgres', root]);
  chmodSync(root, 0o755);
  const port = await freePort();
  const logFile = join(root, 'postgres.log');
  let started = false;
  let stopped = false;
  const stopNow = (): void => {
    if (stopped) return;
    stopped = true;
    if (started) {
      const s = asPostgresUser(join(DEBIAN_BIN, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      spawnSync(s.cmd, s.args, { stdio: 'ignore' });
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', stopNow);
  try {
    const backup = asPostgresUser(join(DEBIAN_BIN, 'pg_basebackup'), [
      '-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', dataDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync',
      ...(opts.slot ? ['-C', '-S', opts.slot] : []),
    ]);
    run(backup.cmd, backup.args);
    // The copied postgresql.conf carries the primary's port and socket directory: later lines win.
    const settings: Record<string, string | number> = {
      port,
      unix_socket_directories: `'${socketDir}'`,
      hot_standby: 'on',
      ...opts.settings,
    };
    appendFileSync(join(dataDir, 'postgresql.conf'), `\n${Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`);
    writeFileSync(logFile, '');
    if (isRoot()) execFileSync('chown', ['postgres:postgres', logFile, join(dataDir, 'postgresql.conf')]);
    const start = asPostgresUser(join(DEBIAN_BIN, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
    started = true;
    run(start.cmd, start.args);
  } catch (e) {
    stopNow();
    process.removeListener('exit', stopNow);
    throw e;
  }
  const urlFor = (database: string): string => `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    port,
    dataDir,
    urlFor,
    stop: async () => {
      stopNow();
      process.removeListener('exit', stopNow);
    },
  };
}

/** Polls the primary until a standby streams from it (pg_stat_replication.state = 'streaming'). */
export async function waitForStreaming(primaryUrl: string, timeoutMs = 30_000): Promise<void> {
  const c = new pg.Client({ connectionString: primaryUrl });
  await c.connect();
  try {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'`);
      if ((r.rows[0]?.n ?? 0) > 0) return;
      if (Date.now() > until) throw new Error(`no standby streaming after ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 200));
    }
  } finally {
    await c.end();
  }
}

/** Polls a standby until it has replayed at least the primary's current WAL position. */
export async function waitForReplay(primaryUrl: string, standbyUrl: string, timeoutMs = 30_000): Promise<void> {
  const p = new pg.Client({ connectionString: primaryUrl });
  const s = new pg.Client({ connectionString: standbyUrl });
  await p.connect();
  await s.connect();
  try {
    // The insert position, not pg_current_wal_lsn(): with synchronous_commit off (the test servers) the last
    // commit may still sit in the WAL buffers, past the write position, and the standby would "catch up" without it.
    const lsn = (await p.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0]?.lsn;
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = await s.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]);
      if (r.rows[0]?.ok) return;
      if (Date.now() > until) throw new Error(`standby did not replay ${lsn} within ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 200));
    }
  } finally {
    await p.end();
    await s.end();
  }
}
