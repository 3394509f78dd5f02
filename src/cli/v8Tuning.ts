// V8 settings for the CLI's lint runs, which are one-shot: most of the code runs a few thousand times and the
// process ends. With V8's defaults a cold `pgopt lint` spent more CPU compiling than linting:
// - the parser's WebAssembly stays on the baseline compiler (Liftoff): with the default tiering V8 recompiled
//   its hot functions with the optimizing compiler while the run went on, which cost more than the faster code
//   saved (bench corpus, 350 files, 771 kB: parse 0.36-0.40 s CPU with tiering, 0.12-0.15 s Liftoff-only;
//   the 1 MB file 0.64 s vs 0.19 s; a 200k-statement file 2.9 s vs 2.5 s);
// - JavaScript is optimized (TurboFan) only once a function has run about 15 times longer than by default
//   (interrupt budget 1,000,000 bytecode units instead of 67,584): the rules and AST helpers that run a few
//   thousand times stay in the interpreter/baseline code instead of each being compiled, while what stays hot
//   on a large file still is. Corpus lint in one process: 1.09 s CPU -> 0.68 s; 200k-statement file
//   7.4 s -> 7.6 s (the same within noise); 3,000,000 made the large file slower (8.7 s), no optimizing
//   compiler at all doubled it (16 s).
// For memory (measured on the bench's 1 MB file and 200k-statement file, 7.9 MB, at load 5-6):
// - `--liftoff-only` also saves the optimizing tier-up's 20-50 MB of peak memory (parsing the 1 MB file alone:
//   119 -> 68 MB);
// - `--heap-growing-percent=50`: the old generation grows by half its live size before a full collection
//   instead of about doubling: 200k-statement file 458-658 -> 366-381 MB, ~+0.8 s CPU;
// - small inputs only (≤ SMALL_INPUT_BYTES in all): `--semi-space-growth-factor=1` keeps the young generation at
//   its start size (it grew to 2 x 16 MB): 1 MB file 137-139 -> 104-115 MB. On a large input it cost ~4 s CPU
//   on the 200k-statement file (short-lived objects promoted, more full collections of a big heap).
// PGOPT_LINT_V8_TUNING=0 leaves V8 as it is (to compare).
// Only the CLI does this: the flags are process-wide, and the editor (a long-lived extension host shared with
// other extensions) keeps V8's defaults. They change how code is compiled, never what it computes.
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

/** Up to this many bytes of input, the young generation stays at its start size. */
const SMALL_INPUT_BYTES = 4 * 1024 * 1024;

let base = false;
let sized = false;

/** V8's default growth factor of the young generation (`node --v8-options`). */
const DEFAULT_SEMI_SPACE_GROWTH = 2;

/**
 * Call before the parser's WebAssembly is compiled (before loadParser); repeated calls do nothing more, except
 * the first one that gives `files`. Every flag is set on the first call: V8 checks all of them against a code
 * cache (codeCache.ts), and main.ts makes that call before it loads cli-lint.js, in the build's run that writes
 * the cache as in every run that reads it, so the two match. The young generation's setting is for small inputs:
 * once `files` (the inputs) are known and add up to more than SMALL_INPUT_BYTES, it gets V8's default growth
 * back. By then the bundles are loaded, and the flag no longer matters to the cache.
 */
export function tuneV8ForOneShotLint(files?: readonly string[]): void {
  if (process.env.PGOPT_LINT_V8_TUNING === '0') return;
  if (!base) {
    base = true;
    for (const flag of ['--liftoff-only', '--interrupt-budget=1000000', '--heap-growing-percent=50', '--semi-space-growth-factor=1']) setFlagsFromString(flag);
  }
  if (!sized && files) {
    sized = true;
    if (!totalBytesAtMost(files, SMALL_INPUT_BYTES)) setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_SEMI_SPACE_GROWTH}`);
  }
}

function totalBytesAtMost(files: readonly string[], limit: number): boolean {
  let bytes = 0;
  for (const f of files) {
    try {
      bytes += statSync(f).size;
    } catch {
      // unreadable: reported when it is read
    }
    if (bytes > limit) return false;
  }
  return true;
}
