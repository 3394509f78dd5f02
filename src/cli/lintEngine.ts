// The lint engine of `pgopt lint`, its own bundle (dist/lint-engine.js): the parser glue, the engine and every
// rule. dist/cli-lint.js requires it on the first file that is not in the cache, so a warm `pgopt lint --cache`
// run (every file a hit) never loads it: no rule module is parsed, no WASM is compiled.
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { lintText, loadParser } from '../core/lint/linter';
import { RULES } from '../core/lint/registry';
import type { LintFinding, LintOptions, RuleMeta } from '../core/lint/types';
import { lintFileOutcome } from './lintFileOutcome';
import type { LintWorkerInput, LintWorkerOutput } from './lintWorker';

/** Below this many files a worker's start-up (~0.1 s) costs more than it saves. */
const MIN_FILES_FOR_WORKERS = 16;

/** The metadata of a rule (SARIF rule descriptors, GitLab categories). */
export function ruleMeta(id: string): RuleMeta | undefined {
  return RULES.find((r) => r.meta.id === id)?.meta;
}

/** Up to this many bytes of input, the young generation stays at its start size (see tuneV8). */
const SMALL_INPUT_BYTES = 4 * 1024 * 1024;

/**
 * V8 settings for a lint process (process-wide, set once, before the parser's WASM is compiled), measured on
 * the bench's 1 MB file and 200k-statement file (7.9 MB) at load 5-6:
 * - `--liftoff-only`: the parser stays on V8's baseline WASM compiler. The optimising tier-up recompiled the
 *   hot parser functions in the background for 20-50 MB of peak memory (parsing the 1 MB file alone: 119 ->
 *   68 MB) and more CPU than the faster code saved on these inputs.
 * - `--heap-growing-percent=50`: the old generation grows by half its live size before a full collection
 *   instead of about doubling: 200k-statement file 458-658 -> 366-381 MB, ~+0.8 s CPU.
 * - small inputs only (≤ SMALL_INPUT_BYTES in all): `--semi-space-growth-factor=1` keeps the young generation
 *   at its start size (it grew to 2 x 16 MB): 1 MB file 137-139 -> 104-115 MB. On a large input it cost
 *   ~4 s CPU on the 200k-statement file (short-lived objects promoted, more full collections of a big heap).
 * Heuristics only, findings are the same; PGOPT_LINT_V8_TUNING=0 leaves V8 as it is. Never in the editor
 * (the extension host is VS Code's process).
 */
let tuned = false;
function tuneV8(files: readonly string[]): void {
  if (tuned || process.env.PGOPT_LINT_V8_TUNING === '0') return;
  tuned = true;
  let bytes = 0;
  for (const f of files) {
    try {
      bytes += statSync(f).size;
    } catch {
      // unreadable: reported when it is read
    }
    if (bytes > SMALL_INPUT_BYTES) break;
  }
  const flags = ['--liftoff-only', '--heap-growing-percent=50'];
  if (bytes <= SMALL_INPUT_BYTES) flags.push('--semi-space-growth-factor=1');
  for (const flag of flags) setFlagsFromString(flag);
}

/** Lints files on this thread plus worker threads (one per extra core), keeping the input order. */
export async function lintFiles(files: string[], options: Partial<LintOptions>): Promise<LintFinding[][]> {
  // One thread by default: on 2 cores, worker start-up (bundle + WASM compile per worker) and copying
  // results back made the 350-file corpus slower (2.1 s with a worker vs 1.7 s without, measured).
  // PGOPT_LINT_THREADS=N opts in to N threads for larger runs on more cores.
  tuneV8(files);
  const cap = Math.min(Number(process.env.PGOPT_LINT_THREADS) || 1, availableParallelism());
  const workers = files.length >= MIN_FILES_FOR_WORKERS ? Math.max(1, cap) - 1 : 0;
  const out: LintFinding[][] = new Array(files.length);
  // Round-robin by index keeps shares similar without stat-ing every file first.
  const shares: number[][] = Array.from({ length: workers + 1 }, () => []);
  files.forEach((_, i) => shares[i % (workers + 1)]?.push(i));
  const workerRuns = shares.slice(1).map(
    (idx) =>
      new Promise<void>((resolve, reject) => {
        const w = new Worker(join(__dirname, 'lint-worker.js'), {
          workerData: { files: idx.map((i) => files[i] as string), options } satisfies LintWorkerInput,
        });
        w.once('message', (m: LintWorkerOutput) => {
          m.results.forEach((r, k) => {
            out[idx[k] as number] = r.findings;
          });
          resolve();
        });
        w.once('error', reject);
        w.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`lint worker exited with code ${code}`))));
      }),
  );
  await loadParser();
  // No parse cache: the file is parsed in chunks of statements (parseChunked in linter.ts), the fast path.
  for (const i of shares[0] ?? []) out[i] = lintFileOutcome(files[i] as string, (text) => lintText(text, options, { stream: true }).findings);
  await Promise.all(workerRuns);
  return out;
}
