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
// Only the CLI does this: the flags are process-wide, and the editor (a long-lived extension host shared with
// other extensions) keeps V8's defaults. They change how code is compiled, never what it computes.
import { setFlagsFromString } from 'node:v8';

let set = false;

/** Call before the parser's WebAssembly is compiled (before loadParser); later calls do nothing. */
export function tuneV8ForOneShotLint(): void {
  if (set) return;
  set = true;
  setFlagsFromString('--liftoff-only');
  setFlagsFromString('--interrupt-budget=1000000');
}
