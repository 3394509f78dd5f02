// Where `pgopt lint` spends its time, per phase, on one file or folder:
//   node out/bench/lintProfile.js FILE_OR_DIR
// Phases: WASM load, split, parse (the WASM call including the parse tree's JSON text and JSON.parse), a
// JSON.parse of the same tree (the share of the JSON round trip), engine + rules, output (JSON.stringify), the
// engine alone beside all rules (JIT-warm) and the eight most expensive rules. Figures are CPU time of this
// process (wall time on a loaded machine mostly measures waiting). Process start and command load are measured by the bench (node -e 0, lint --help). V8 is
// tuned as in `pgopt lint` (src/cli/v8Tuning.ts: Liftoff-only WebAssembly, a higher optimization threshold).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { lintText, loadParser } from '../src/core/lint/linter';
import { RULES } from '../src/core/lint/registry';
import type { Rule } from '../src/core/lint/types';
import { parseSql } from '../src/core/sql/parser';
import { splitSql } from '../src/core/sql/splitter';
import { tuneV8ForOneShotLint } from '../src/cli/v8Tuning';

function cpuMs(f: () => unknown): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

async function main(): Promise<void> {
  const target = process.argv[2];
  if (!target) throw new Error('usage: lintProfile FILE_OR_DIR');
  const files = statSync(target).isDirectory() ? readdirSync(target).filter((f) => f.endsWith('.sql')).map((f) => join(target, f)) : [target];
  const texts = files.map((f) => readFileSync(f, 'utf8'));
  tuneV8ForOneShotLint();
  const c0 = process.cpuUsage();
  await loadParser();
  const c = process.cpuUsage(c0);
  const wasm = (c.user + c.system) / 1000;

  const split = cpuMs(() => {
    for (const s of texts) splitSql(s);
  });

  let trees: unknown[] = [];
  const parse = cpuMs(() => {
    trees = texts.map((s) => parseSql(s));
  });
  const json = trees.map((r) => JSON.stringify(r));
  trees = [];
  const jsonParse = cpuMs(() => {
    for (const j of json) JSON.parse(j);
  });

  // Every rule wrapped to add up its own check time (the wrapper's cost is in the engine's share).
  const spent = new Map<string, number>();
  const timed: Rule[] = RULES.map((r) => ({
    ...r,
    check(ctx) {
      const t = performance.now();
      try {
        r.check(ctx);
      } finally {
        spent.set(r.meta.id, (spent.get(r.meta.id) ?? 0) + performance.now() - t);
      }
    },
  }));
  let runs: ReturnType<typeof lintText>[] = [];
  const lint = cpuMs(() => {
    runs = texts.map((s) => lintText(s));
  });
  const rulesMs = cpuMs(() => {
    for (const s of texts) lintText(s, {}, { rules: timed });
  });
  void rulesMs;
  // The engine alone (split, parse, file state, ignores, no rule), JIT-warm like the timed run above.
  const engineOnly = cpuMs(() => {
    for (const s of texts) lintText(s, {}, { rules: [] });
  });
  const warmAll = cpuMs(() => {
    for (const s of texts) lintText(s);
  });

  let out = '';
  const output = cpuMs(() => {
    out = JSON.stringify(runs.map((r) => r.findings), null, 2);
  });

  const ms = (x: number): string => `${x.toFixed(0)} ms`;
  const top = [...spent].sort((a, b) => b[1] - a[1]).slice(0, 8);
  const ruleTotal = [...spent.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(
    [
      `files ${files.length}, ${(texts.reduce((a, s) => a + s.length, 0) / 1024).toFixed(0)} kB, findings ${runs.reduce((a, r) => a + r.findings.length, 0)}, output ${(out.length / 1024).toFixed(0)} kB (CPU ms)`,
      `wasm load ${ms(wasm)}`,
      `split ${ms(split)}`,
      `parse (whole files, incl. JSON) ${ms(parse)}  of which JSON.parse of the tree ≈ ${ms(jsonParse)}`,
      `lintText total ${ms(lint)}  => engine + rules ≈ ${ms(Math.max(0, lint - split - parse))}`,
      `JIT-warm lintText: all rules ${ms(warmAll)}, no rules ${ms(engineOnly)} => rules ≈ ${ms(Math.max(0, warmAll - engineOnly))}`,
      `most expensive rules (share of the rules' wall time in a second, JIT-warm run): ${top.map(([id, t]) => `${id} ${((t / ruleTotal) * 100).toFixed(0)} %`).join(', ')}`,
      `output JSON.stringify ${ms(output)}`,
      `heap used ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MB, rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`,
    ].join('\n') + '\n',
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
