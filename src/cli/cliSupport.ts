// Shared CLI plumbing: exit codes, connection resolution from flags/env, config loading, output.
import { accessSync, closeSync, constants, existsSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { PgoptFile, WriteAction } from '../core/config';
import type { ProjectModel } from '../core/project/project';

import { CliError } from './cliErrors';

/**
 * The project of the working directory (pgopt.json = --config FILE, else ./pgopt.json when present), loaded and
 * validated once by the core model. A config problem is a CliError (exit 2) naming the key.
 */
export function loadProject(path: string | undefined, cwd = process.cwd()): ProjectModel {
  // Required here, not imported: the project model loads zod and pgopt.json's schemas, which pgopt lint without
  // a pgopt.json never needs (lintProject.ts); esbuild then initializes them on first use.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PGOPT_FILE_NAME, problemLine, projectFromText, readPgoptFile } = require('../core/project/project') as typeof import('../core/project/project');
  const read = readPgoptFile(cwd, path);
  if (!read.ok) throw new CliError(read.message);
  const project = projectFromText(cwd, read.file);
  const label = read.file?.path ?? PGOPT_FILE_NAME;
  if (project.problems.length) throw new CliError(`invalid config:\n${project.problems.map((p) => `  ${problemLine(p, label)}`).join('\n')}`);
  return project;
}

export function loadConfig(path: string | undefined): PgoptFile {
  return loadProject(path).config;
}

/**
 * Checks --out before any work is done: a folder, a missing folder or a read-only place is a CliError (exit 2)
 * naming the fix, not an EISDIR stack after the analysis ran.
 */
export function checkOutPath(out: string | undefined): void {
  if (out === undefined) return;
  const file = resolve(out);
  if (out === '' || out.endsWith('/') || (existsSync(file) && statSync(file).isDirectory())) {
    throw new CliError(`--out ${out} is a folder: give a file name, e.g. --out ${join(out || '.', 'report.txt')}`);
  }
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`--out ${out}: the folder ${dir} does not exist; create it first or choose another path`);
  try {
    accessSync(dir, constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.W_OK);
  } catch {
    throw new CliError(`--out ${out}: no permission to write there; choose a path you may write to`);
  }
}

/** Writes the result to --out atomically (a temp file renamed over it), else to stdout. */
export function writeOutput(text: string, out: string | undefined): void {
  if (out) {
    checkOutPath(out);
    const file = resolve(out);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, text);
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new CliError(`could not write --out ${out} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose another path`);
    }
    process.stderr.write(`pgopt: wrote ${out}\n`);
  } else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** The bytes writeOutputChunks collects before each write. */
const OUTPUT_BATCH = 1 << 16;

/**
 * writeOutput for text that comes in pieces (pgopt lint's findings): the pieces are encoded as UTF-8 into one
 * 64 kB buffer, written out each time it is full, so the whole output never sits in memory, and no piece is
 * joined into a batch string or copied into a Buffer of its own (a piece too large for the buffer is written by
 * itself). Same result as writeOutput(pieces.join('')). A piece may also be UTF-8 bytes (pgopt lint --cache's
 * stored output), copied as they are, never decoded. A string piece must not end in the middle of a surrogate
 * pair (each piece is encoded on its own).
 */
export function writeOutputChunks(pieces: Iterable<string | Uint8Array>, out: string | undefined): void {
  const buf = Buffer.allocUnsafe(OUTPUT_BATCH);
  let used = 0;
  let endsWithNewline = false;
  const pump = (write: (s: string | Uint8Array) => void): void => {
    for (const p of pieces) {
      const n = p.length;
      if (n === 0) continue;
      if (typeof p === 'string') {
        endsWithNewline = p.charCodeAt(n - 1) === 10;
        // At most 3 bytes per UTF-16 unit (a surrogate pair is 4 bytes for 2).
        if (used + n * 3 > OUTPUT_BATCH) {
          if (used) write(buf.subarray(0, used));
          used = 0;
          if (n * 3 > OUTPUT_BATCH) {
            write(p);
            continue;
          }
        }
        used += buf.write(p, used);
      } else {
        endsWithNewline = p[n - 1] === 10;
        if (used + n > OUTPUT_BATCH) {
          if (used) write(buf.subarray(0, used));
          used = 0;
          if (n > OUTPUT_BATCH) {
            write(p);
            continue;
          }
        }
        buf.set(p, used);
        used += n;
      }
    }
    if (used) write(buf.subarray(0, used));
    used = 0;
  };
  if (out) {
    checkOutPath(out);
    const file = resolve(out);
    const tmp = `${file}.${process.pid}.tmp`;
    let fd: number | undefined;
    try {
      fd = openSync(tmp, 'w');
      const opened = fd;
      pump((s) => writeFd(opened, s));
      closeSync(opened);
      fd = undefined;
      renameSync(tmp, file);
    } catch (e) {
      if (fd !== undefined) closeSync(fd);
      rmSync(tmp, { force: true });
      throw new CliError(`could not write --out ${out} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose another path`);
    }
    process.stderr.write(`pgopt: wrote ${out}\n`);
  } else if (process.stdout.writableLength === 0) {
    // Straight to fd 1, each piece written before the next is built: process.stdout.write on a pipe queues
    // what the reader has not taken yet, and on a 200k-statement file (237 MB of JSON) that queue was
    // +450 MB of peak RSS (1.19 GB piped vs 0.74 GB to a file).
    let open = true;
    const write = (s: string | Uint8Array): void => {
      if (open) open = writeFd(1, s);
    };
    pump(write);
    if (!endsWithNewline) write('\n');
  } else {
    pump((s) => process.stdout.write(typeof s === 'string' ? s : Buffer.from(s)));
    if (!endsWithNewline) process.stdout.write('\n');
  }
}

/** Writes all of `s` to `fd`, waiting while a non-blocking pipe is full; false when the reader has gone (EPIPE). */
function writeFd(fd: number, s: string | Uint8Array): boolean {
  // The string first, encoded by the write itself: a UTF-8 Buffer of the (two-byte) JSON output cost twice as
  // much CPU. A blocking stdout takes it all at once; what a full non-blocking pipe left goes on from a Buffer.
  let off = 0;
  try {
    off = typeof s === 'string' ? writeSync(fd, s) : writeSync(fd, s);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') return false;
    if (code !== 'EAGAIN') throw e;
  }
  const total = typeof s === 'string' ? Buffer.byteLength(s, 'utf8') : s.length;
  if (off >= total) return true;
  const buf = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return false;
      if (code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
  return true;
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

/**
 * The access policy (pgopt.json "policy") for a CLI write: a refusal is a CliError (exit 2) with the policy's one
 * sentence, thrown before anything is written. `confirmDatabase` is --confirm-database (production connections).
 */
export function enforceCliPolicy(config: PgoptFile, action: WriteAction, ctx: { database?: string; confirmDatabase?: string | undefined }): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { checkWrite, parsePolicy } = require('../core/policy') as typeof import('../core/policy');
  const { policy, problems } = parsePolicy(config.policy);
  if (problems.length) throw new CliError(`invalid config:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  const check = checkWrite(policy, action, { ...(ctx.database ? { database: ctx.database } : {}), ...(ctx.confirmDatabase !== undefined ? { confirmedDatabase: ctx.confirmDatabase } : {}) });
  if (!check.ok) throw new CliError(check.reason === 'production-confirmation' ? `${check.refusal} Pass --confirm-database ${ctx.database ?? 'NAME'}.` : check.refusal);
}
