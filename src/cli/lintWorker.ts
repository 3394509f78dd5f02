// A worker thread of `pgopt lint`: lints the files it is given and posts their findings back. Files are
// independent, so N workers give close to N times the throughput on a migration folder.
import { parentPort, workerData } from 'node:worker_threads';
import { loadParser } from '../core/lint/linter';
import type { LintFinding, LintOptions } from '../core/lint/types';
import { lintFileOutcome } from './lintFileOutcome';
import { lintFileText } from './lintFileText';

export interface LintWorkerInput {
  files: string[];
  options: Partial<LintOptions>;
}

export interface LintWorkerOutput {
  results: { file: string; findings: LintFinding[] }[];
}

async function main(): Promise<void> {
  const input = workerData as LintWorkerInput;
  // V8's flags are process-wide: lintFiles (the only one that starts workers) set them before (v8Tuning.ts).
  await loadParser();
  const results = input.files.map((file) => ({ file, findings: lintFileOutcome(file, (text) => lintFileText(text, input.options)) }));
  parentPort?.postMessage({ results } satisfies LintWorkerOutput);
}

void main();
