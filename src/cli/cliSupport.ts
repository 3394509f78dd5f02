// Shared CLI plumbing: exit codes, connection resolution from flags/env, config loading, output.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parsePgoptFile, type PgoptFile } from '../core/config';
import { ConnectionConfigError, resolveConnection, resolveUrl, type ConnectionSpec } from '../core/db/connectionSpec';
import { nodeEnvAccess } from '../core/db/envAccess';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function resolveCliConnection(url: string | undefined): ConnectionSpec {
  const access = nodeEnvAccess();
  try {
    if (url) return resolveUrl(url, access, 'url', '--url');
    if (access.env.DATABASE_URL) return resolveUrl(access.env.DATABASE_URL, access, 'DATABASE_URL', 'DATABASE_URL');
    const e = access.env;
    if (!(e.PGHOST || e.PGDATABASE || e.PGUSER || e.PGPORT || e.PGSERVICE)) {
      throw new CliError('no database given: pass --url postgres://user@host:port/db, or set DATABASE_URL or PG* environment variables.');
    }
    return resolveConnection({ name: 'PG* environment' }, access, 'PG* environment variables');
  } catch (e) {
    if (e instanceof ConnectionConfigError) throw new CliError(e.message);
    throw e;
  }
}

export function loadConfig(path: string | undefined): PgoptFile {
  const file = path ? resolve(path) : resolve('pgopt.json');
  if (!existsSync(file)) {
    if (path) throw new CliError(`config file ${file} does not exist`);
    return {};
  }
  const { file: parsed, problems } = parsePgoptFile(readFileSync(file, 'utf8'), file);
  if (problems.length) throw new CliError(`invalid config:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  return parsed;
}

export function writeOutput(text: string, out: string | undefined): void {
  if (out) {
    writeFileSync(out, text);
    process.stderr.write(`pgopt: wrote ${out}\n`);
  } else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function parseFormat<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new CliError(`--format must be one of ${allowed.join(', ')} (got "${value}")`);
}
