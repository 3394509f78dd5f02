// Where `pgopt lint` spends its time, per phase, on one file or folder:
//   node out/bench/lintProfile.js FILE_OR_DIR [repeat]
// Phases: WASM load, split, parse (the WASM call including the parse tree's JSON text and JSON.parse), a
// JSON.parse of the same tree (the share of the JSON round trip), rules + engine, output (JSON.stringify).
// Process start and bundle load are measured by the bench (node -e 0 and require of the lint bundle).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { lintText, loadParser } from '../src/core/lint/linter';
import { parseSql } from '../src/core/sql/parser';
import { splitSql } from '../src/core/sql/splitter';

async function main(): Promise<void> {
  const target = process.argv[2];
  if (!target) throw new Error('usage: lintProfile FILE_OR_DIR');
  const files = statSync(target).isDirectory() ? readdirSync(target).filter((f) => f.endsWith('.sql')).map((f) => join(target, f)) : [target];
  const texts = files.map((f) => readFileSync(f, 'utf8'));
  let t = performance.now();
  await loadParser();
  const wasm = performance.now() - t;

  t = performance.now();
  for (const s of texts) splitSql(s);
  const split = performance.now() - t;

  t = performance.now();
  const trees = texts.map((s) => parseSql(s));
  const parse = performance.now() - t;

  const json = trees.map((r) => JSON.stringify(r));
  t = performance.now();
  for (const j of json) JSON.parse(j);
  const jsonParse = performance.now() - t;

  t = performance.now();
  const runs = texts.map((s) => lintText(s));
  const lint = performance.now() - t;

  t = performance.now();
  const out = JSON.stringify(runs.map((r) => r.findings));
  const output = performance.now() - t;

  const ms = (x: number): string => `${x.toFixed(0)} ms`;
  process.stdout.write(
    [
      `files ${files.length}, ${(texts.reduce((a, s) => a + s.length, 0) / 1024).toFixed(0)} kB, findings ${runs.reduce((a, r) => a + r.findings.length, 0)}, output ${(out.length / 1024).toFixed(0)} kB`,
      `wasm load ${ms(wasm)}`,
      `split ${ms(split)}`,
      `parse (whole files, incl. JSON) ${ms(parse)}  of which JSON.parse of the tree ≈ ${ms(jsonParse)}`,
      `lintText total ${ms(lint)}  => engine + rules ≈ ${ms(Math.max(0, lint - split - parse))}`,
      `output JSON.stringify ${ms(output)}`,
      `heap used ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MB, rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`,
    ].join('\n') + '\n',
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
