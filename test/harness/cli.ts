// The built CLI (dist/cli.js, from npm run build) as the db tests run it: a child process whose environment names
// no server (no PG* variables, no DATABASE_URL), so each test says which server it means.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';

/** dist/cli.js, from the bundled test's folder (out/test/db). */
export const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

/** process.env without PG* variables and DATABASE_URL, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('PG') && e[0] !== 'DATABASE_URL'));
  return { ...env, ...extra };
}

/** Runs `pgopt ARGS` to completion in `cwd` with cleanEnv(env). */
export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', ...(opts.cwd ? { cwd: opts.cwd } : {}), env: cleanEnv(opts.env), timeout: opts.timeoutMs ?? 60_000 });
}
