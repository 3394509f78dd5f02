// V8 code cache for the lint command's bundles (dist/cli-lint.js, dist/lint-engine.js). A cold `pgopt lint`
// spent ~40-60 ms of its CPU compiling these bundles' JavaScript (the top-level parse, then each function
// compiled lazily on its first call). The build (esbuild.mjs, scripts/esbuild/v8CodeCache.mjs) lints the rules'
// examples once with PGOPT_V8_CACHE_WRITE=1, and that run writes each bundle's compiled bytecode beside it
// (<bundle>.v8cache); later runs hand it to V8, which then skips those compiles (figures in docs/ci.md).
//
// The cache is only ever an optimisation, never a source of behaviour:
// - it is used only for the exact bundle it was made from, by the same Node.js version and architecture: the file
//   holds a copy of the bundle it was made from, compared byte for byte with the bundle being loaded (V8 itself
//   checks only the source's length; a copy costs a memcmp where a hash would load node:crypto, ~4 ms);
// - V8 checks its own version and the flags that change compiled code, and rejects a cache that does not match:
//   the bundle is then compiled from source as before (nothing is written at run time, nothing fails);
// - a missing, unreadable or damaged file is the same as no cache, and PGOPT_V8_CACHE=0 ignores it.
// The flags that V8 checks must therefore be set before a bundle is loaded, in the run that writes the cache and
// in every run that reads it: main.ts tunes V8 for `pgopt lint` before it loads cli-lint.js (v8Tuning.ts).
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

const MAGIC = 'pgopt-v8cache/1';

/** Bundles loaded through requireBundle in this process (shared by every bundle that includes this module). */
interface Loaded {
  file: string;
  /** The bundle's bytes as loaded. */
  bytes: Buffer;
  script: Script;
  /** A matching cache file was handed to V8 (which may still have rejected it: script.cachedDataRejected). */
  offered: boolean;
}
const REGISTRY = Symbol.for('pgopt.codeCache.loaded');
const loaded = ((globalThis as Record<symbol, Loaded[] | undefined>)[REGISTRY] ??= []);

/** The cache file's first line: this format, this Node.js, this architecture and the bundle's size in bytes. */
function cacheHeader(bundle: Buffer): string {
  return `${MAGIC} ${process.version} ${process.arch} ${bundle.length}`;
}

/**
 * The compiled data stored for exactly these bundle bytes, or undefined when there is none for them. The file is
 * the header line, then the bundle's bytes as they were when the cache was made, then V8's data.
 */
export function readCodeCache(cacheFile: string, bundle: Buffer): Buffer | undefined {
  let raw: Buffer;
  try {
    raw = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const nl = raw.indexOf(10);
  if (nl < 0 || raw.toString('latin1', 0, nl) !== cacheHeader(bundle)) return undefined;
  const end = nl + 1 + bundle.length;
  if (raw.length <= end || !bundle.equals(raw.subarray(nl + 1, end))) return undefined;
  return raw.subarray(end);
}

/**
 * require() of a bundle file, with its V8 code cache when a matching one lies beside it. The module behaves as
 * if required normally (same exports, `require`, `__dirname`, one instance in require.cache).
 */
export function requireBundle(file: string): unknown {
  const cached = require.cache[file];
  if (cached) return cached.exports;
  const bytes = readFileSync(file);
  const text = bytes.toString('utf8');
  // A shebang line is not JavaScript inside the module wrapper: blanked to a comment (same length).
  const source = text.startsWith('#!') ? `//${text.slice(2)}` : text;
  // PGOPT_V8_CACHE=0: compile from source (to compare, or to rule the cache out).
  const cachedData = process.env.PGOPT_V8_CACHE === '0' ? undefined : readCodeCache(`${file}.v8cache`, bytes);
  const script = new Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const entry: Loaded = { file, bytes, script, offered: cachedData !== undefined };
  loaded.push(entry);
  if (process.env.PGOPT_V8_CACHE_DEBUG === '1') process.stderr.write(`pgopt: V8 code cache for ${file}: ${!entry.offered ? 'none' : used(entry) ? 'used' : 'rejected by V8'}\n`);
  const m = new Module(file);
  m.filename = file;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(file));
  require.cache[file] = m;
  try {
    const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
    wrapper.call(m.exports, m.exports, Module.createRequire(file), m, file, dirname(file));
  } catch (e) {
    delete require.cache[file];
    throw e;
  }
  m.loaded = true;
  return m.exports;
}

const used = (l: Loaded): boolean => l.offered && !l.script.cachedDataRejected;

/** Whether V8 took the cache of a bundle loaded in this process, the last time it was loaded (tests). */
export function codeCacheUsed(file: string): boolean | undefined {
  let l: Loaded | undefined;
  for (const x of loaded) if (x.file === file) l = x;
  return l && used(l);
}

/**
 * Writes the code cache of every bundle loaded through requireBundle, as compiled so far (call at the end of a
 * representative run, so that the functions it called are in it). Each file is replaced atomically.
 */
export function writeCodeCaches(): string[] {
  const written: string[] = [];
  for (const l of loaded) {
    const target = `${l.file}.v8cache`;
    const tmp = `${target}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, Buffer.concat([Buffer.from(`${cacheHeader(l.bytes)}\n`, 'latin1'), l.bytes, l.script.createCachedData()]));
      renameSync(tmp, target);
      written.push(target);
    } catch {
      rmSync(tmp, { force: true });
    }
  }
  return written;
}

/**
 * PGOPT_V8_CACHE_WRITE=1 (the build): write the caches when this process ends, after `restoreFlags` has put back
 * any V8 flag changed since the bundles were loaded (V8 checks them against the cache).
 */
export function writeCodeCachesOnExitIfAsked(restoreFlags: () => void = () => undefined): void {
  if (process.env.PGOPT_V8_CACHE_WRITE !== '1') return;
  process.once('exit', () => {
    restoreFlags();
    for (const f of writeCodeCaches()) process.stderr.write(`pgopt: wrote ${f}\n`);
  });
}
