// Heap use per phase of one lint run (node --expose-gc out/bench/lintMemory.js FILE): what a large file costs
// in parse trees, engine state and findings.
import { readFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import { lintText, loadParser } from '../src/core/lint/linter';
import { parseSql } from '../src/core/sql/parser';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const mb = (): string => {
  gc();
  return Object.entries(process.memoryUsage()).map(([k, v]) => `${k} ${(v / 1048576).toFixed(0)}`).join(", ");
};

async function main(): Promise<void> {
  const file = process.argv[2] as string;
  await loadParser();
  const text = readFileSync(file, 'utf8');
  process.stdout.write(`loaded: ${mb()}\n`);
  const tree = process.env.WHOLE ? parseSql(text) : undefined;
  process.stdout.write(`whole-file parse tree held: ${mb()}\n`);
  void tree;
  // STREAM=1: as pgopt lint runs (each statement's tree dropped once linted); default: every statement kept.
  const run = lintText(text, {}, { stream: !!process.env.STREAM });
  process.stdout.write(`lint run held (${run.statementCount} statements${process.env.STREAM ? ', streamed' : ''}, ${run.findings.length} findings): ${mb()}\n`);
  // SNAPSHOT=path: a heap snapshot of this moment (open in Chrome DevTools, Memory tab).
  if (process.env.SNAPSHOT) writeHeapSnapshot(process.env.SNAPSHOT);
  const findings = run.findings;
  (run as { statements: unknown }).statements = [];
  process.stdout.write(`findings only: ${mb()}\n`);
  void findings;
}
void main();
