// Shared CLI plumbing: exit codes, connection resolution from flags/env, config loading, output.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
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
