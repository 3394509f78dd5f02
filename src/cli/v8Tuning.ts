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
import { setFlagsFromString } from 'node:v8';

/** Up to this many bytes of input, the young generation stays at its start size. */
const SMALL_INPUT_BYTES = 4 * 1024 * 1024;

let base = false;
let inputChars = 0;

/** V8's default growth factor of the young generation (`node --v8-options`). */
const DEFAULT_SEMI_SPACE_GROWTH = 2;

/**
 * Call before the parser's WebAssembly is compiled (before loadParser); later calls do nothing. Every flag is
 * set here, and V8 checks all of them against a code cache (codeCache.ts): main.ts makes this call before it
 * loads cli-lint.js, in the build's run that writes the cache as in every run that reads it, so the two match.
 * The young generation's setting is for small inputs: lintInputRead gives V8's default growth back once the
 * input read so far is large.
 */
export function tuneV8ForOneShotLint(): void {
  if (base || process.env.PGOPT_LINT_V8_TUNING === '0') return;
  base = true;
  for (const flag of ['--liftoff-only', '--interrupt-budget=1000000', '--heap-growing-percent=50', '--semi-space-growth-factor=1']) setFlagsFromString(flag);
}

/**
 * Call with each input's text before it is linted. Past SMALL_INPUT_BYTES in all (counted in UTF-16 units: the
 * same for ASCII, fewer than bytes otherwise) the young generation grows as V8 grows it by default. By then the
 * bundles are loaded, and the flag no longer matters to their code cache. Per thread (a worker counts its own).
 */
export function lintInputRead(text: string): void {
  if (inputChars > SMALL_INPUT_BYTES || process.env.PGOPT_LINT_V8_TUNING === '0') return;
  inputChars += text.length;
  if (inputChars > SMALL_INPUT_BYTES) setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_SEMI_SPACE_GROWTH}`);
}
