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
// - small inputs only (≤ SMALL_INPUT_BYTES in all): the young generation grows to YOUNG_CAP_BYTES and no further
//   (youngGenerationCheck sets `--semi-space-growth-factor=1` once it is there). Left at its 1 MB start size it
//   made ~5 times more scavenges (bench corpus 117 vs 32; cold corpus and 1 MB file ~50 ms CPU more); grown as V8
//   grows it (2 x 16 MB) it cost ~27 MB of peak memory on a 1 MB file (80 -> 107 MB; capped: 87 MB). Left at its
//   start size on a large input it cost ~4 s CPU on the 200k-statement file (short-lived objects promoted, more
//   full collections of a big heap): large inputs are not capped.
// PGOPT_LINT_V8_TUNING=0 leaves V8 as it is (to compare).
// Only the CLI does this: the flags are process-wide, and the editor (a long-lived extension host shared with
// other extensions) keeps V8's defaults. They change how code is compiled, never what it computes.
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** Up to this many bytes of input, the young generation is capped (youngGenerationCheck). */
const SMALL_INPUT_BYTES = 4 * 1024 * 1024;

/**
 * The young generation's cap for small inputs: once V8 has grown it to this size (both semi-spaces), it grows no
 * more. PGOPT_LINT_YOUNG_MB overrides it (to measure).
 */
const YOUNG_CAP_BYTES = (Number(process.env.PGOPT_LINT_YOUNG_MB) || 8) * 1024 * 1024;

let base = false;
let inputChars = 0;
let capped = false;

/** V8's default growth factor of the young generation (`node --v8-options`). */
const DEFAULT_SEMI_SPACE_GROWTH = 2;

const tuned = (): boolean => process.env.PGOPT_LINT_V8_TUNING !== '0';

/**
 * Call before the parser's WebAssembly is compiled (before loadParser); later calls do nothing. The flags that
 * change compiled code are set here, and V8 checks them against a code cache (codeCache.ts): main.ts makes this
 * call before it loads cli-lint.js, in the build's run that writes the cache as in every run that reads it, so
 * the two match. The young generation's cap comes later (youngGenerationCheck) and is undone before a cache is
 * written (restoreLoadTimeFlags).
 */
export function tuneV8ForOneShotLint(): void {
  if (base || !tuned()) return;
  base = true;
  for (const flag of ['--liftoff-only', '--interrupt-budget=1000000', '--heap-growing-percent=50']) setFlagsFromString(flag);
}

/**
 * Call with each input's text before it is linted. Past SMALL_INPUT_BYTES in all (counted in UTF-16 units: the
 * same for ASCII, fewer than bytes otherwise) the young generation is no longer capped. Per thread (a worker
 * counts its own).
 */
export function lintInputRead(text: string): void {
  if (inputChars > SMALL_INPUT_BYTES || !tuned()) return;
  inputChars += text.length;
  if (inputChars > SMALL_INPUT_BYTES && capped) {
    capped = false;
    setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_SEMI_SPACE_GROWTH}`);
  }
}

/**
 * Call now and then while linting (after each chunk of statements): on a small input, once V8 has grown the young
 * generation to YOUNG_CAP_BYTES it stops growing it (why and the figures: the comment at the top of this file).
 */
export function youngGenerationCheck(): void {
  if (capped || inputChars > SMALL_INPUT_BYTES || !tuned()) return;
  const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  if (young && young.space_size >= YOUNG_CAP_BYTES) {
    capped = true;
    setFlagsFromString('--semi-space-growth-factor=1');
  }
}

/**
 * The flags as tuneV8ForOneShotLint left them (what a code cache is checked against): the cap undone. V8 leaves
 * a flag at its default value out of that check. Unconditional: the cap may have been set by another bundle's
 * copy of this module (lint-engine.js) than the caller's.
 */
export function restoreLoadTimeFlags(): void {
  capped = false;
  setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_SEMI_SPACE_GROWTH}`);
}
