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

let set = false;

/**
 * Call before the parser's WebAssembly is compiled (before loadParser); later calls do nothing. `files`, when
 * given, are the inputs: their total size decides the young generation's setting (unknown: treated as large).
 */
export function tuneV8ForOneShotLint(files?: readonly string[]): void {
  if (set || process.env.PGOPT_LINT_V8_TUNING === '0') return;
  set = true;
  const flags = ['--liftoff-only', '--interrupt-budget=1000000', '--heap-growing-percent=50'];
  if (files && totalBytesAtMost(files, SMALL_INPUT_BYTES)) flags.push('--semi-space-growth-factor=1');
  for (const flag of flags) setFlagsFromString(flag);
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
