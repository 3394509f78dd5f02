// The lint engine of `pgopt lint`, its own bundle (dist/lint-engine.js): the parser glue, the engine and every
// rule. dist/cli-lint.js requires it on the first file that is not in the cache, so a warm `pgopt lint --cache`
// run (every file a hit) never loads it: no rule module is parsed, no WASM is compiled.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadParser } from '../core/lint/linter';
import { RULES } from '../core/lint/registry';
import type { LintFinding, LintOptions, RuleMeta } from '../core/lint/types';
import { lintFileOutcome } from './lintFileOutcome';
import { lintFileText } from './lintFileText';
import type { LintWorkerInput, LintWorkerOutput } from './lintWorker';
import { tuneV8ForOneShotLint } from './v8Tuning';

/** Below this many files a worker's start-up (~0.1 s) costs more than it saves. */
const MIN_FILES_FOR_WORKERS = 16;

/** The metadata of a rule (SARIF rule descriptors, GitLab categories). */
export function ruleMeta(id: string): RuleMeta | undefined {
  return RULES.find((r) => r.meta.id === id)?.meta;
}

/** Lints files on this thread plus worker threads (one per extra core), keeping the input order. */
export async function lintFiles(files: string[], options: Partial<LintOptions>): Promise<LintFinding[][]> {
  tuneV8ForOneShotLint();
  // One thread by default: on 2 cores, worker start-up (bundle + WASM compile per worker) and copying
  // results back made the 350-file corpus slower (2.1 s with a worker vs 1.7 s without, measured).
  // PGOPT_LINT_THREADS=N opts in to N threads for larger runs on more cores.
  const cap = Math.min(Number(process.env.PGOPT_LINT_THREADS) || 1, availableParallelism());
  const workers = files.length >= MIN_FILES_FOR_WORKERS ? Math.max(1, cap) - 1 : 0;
  const out: LintFinding[][] = new Array(files.length);
  // Round-robin by index keeps shares similar without stat-ing every file first.
  const shares: number[][] = Array.from({ length: workers + 1 }, () => []);
  files.forEach((_, i) => shares[i % (workers + 1)]?.push(i));
  const workerRuns = shares.slice(1).map(
    (idx) =>
      new Promise<void>((resolve, reject) => {
        // Required only here: loading worker_threads costs ~2 ms, and a default run has no worker.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
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
  for (const i of shares[0] ?? []) out[i] = lintFileOutcome(files[i] as string, (text) => lintFileText(text, options));
  await Promise.all(workerRuns);
  return out;
}
