// One file's text as `pgopt lint` lints it, on the main thread (lintEngine.ts) and in its workers (lintWorker.ts).
import { lintText } from '../core/lint/linter';
import type { LintFinding, LintOptions } from '../core/lint/types';
import { lintInputRead, youngGenerationCheck } from './v8Tuning';

/** Streamed (linter.ts), its size counted and the young generation's cap checked after each chunk (v8Tuning.ts). */
export function lintFileText(text: string, options: Partial<LintOptions>): LintFinding[] {
  lintInputRead(text);
  return lintText(text, options, { stream: true, onChunk: youngGenerationCheck }).findings;
}
