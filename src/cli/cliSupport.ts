// Shared CLI plumbing: exit codes, connection resolution from flags/env, config loading, output.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parsePgoptFile, type PgoptFile } from '../core/config';

import { CliError } from './cliErrors';

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

/**
 * node:util parseArgs with the CLI's conventions: a usage error is a CliError (exit 2) followed by the
 * command's help; `--help` prints the help and returns undefined (the caller exits 0).
 */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T, help: string): ReturnType<typeof parseArgs<T>> | undefined {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n${help}`);
  }
  if ((parsed.values as { help?: unknown }).help === true) {
    process.stdout.write(`${help}\n`);
    return undefined;
  }
  return parsed;
}

/** --connect-timeout in seconds (default 10). */
export function connectTimeoutSeconds(value: string | undefined): number {
  if (value === undefined) return 10;
  const s = Number(value);
  if (!Number.isFinite(s) || s <= 0) throw new CliError('--connect-timeout must be a positive number of seconds');
  return s;
}
