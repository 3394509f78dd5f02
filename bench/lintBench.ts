// Lint benchmark: pgopt lint vs squawk-cli side by side in one run on a generated corpus, a 1 MB file and a
// 200k-statement file (wall and CPU time, peak RSS; cold and warm --cache), the fixed costs (process start,
// command load), a per-phase profile, agreement per shared rule id, in-editor re-lint latency (wall and CPU),
// and fuzz robustness.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintText, loadParser, ParseCache } from '../src/core/lint/linter';
import { RULES } from '../src/core/lint/registry';
import { fuzzInputs } from '../test/unit/lint/fuzzInputs';
import { generateMigration, Rng, writeCorpus, writeLargeFile } from './lintCorpus';

const SQUAWK_VERSION = '2.66.0';

export interface LintBenchOptions {
  root: string;
  line(label: string, value: string): void;
  fuzzCount: number;
  /** Real migration folders to time side by side too (`--lint-corpus DIR,...`: Lemmy's migrations/, say). */
  extraCorpora?: string[];
}

/** Every *.sql file under a folder, sorted (what `pgopt lint DIR` lints). */
function sqlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sqlFilesUnder(p));
    else if (e.name.endsWith('.sql')) out.push(p);
  }
  return out.sort();
}

function squawkBin(root: string): string | undefined {
  if (process.env.PGOPT_SQUAWK_BIN && existsSync(process.env.PGOPT_SQUAWK_BIN)) return process.env.PGOPT_SQUAWK_BIN;
  const dir = join(root, '.tools', 'squawk');
  const bin = join(dir, 'node_modules', '.bin', 'squawk');
  if (!existsSync(bin)) {
    // Kept out of package.json: its other platforms' packages are missing from this registry, which breaks npm ci.
    const r = spawnSync('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', `squawk-cli@${SQUAWK_VERSION}`], { encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(bin)) return undefined;
  }
  return bin;
}

interface Measured {
  wallS: number;
  /** User + system CPU seconds (median): steadier than wall time on a shared machine. */
  cpuS: number;
  maxRssMb: number;
  stdout: string;
}

/** Runs a command under GNU time; returns the median wall and CPU time of `runs` and the max peak RSS. */
export function measure(cmd: string, args: string[], runs: number, cwd: string, env?: NodeJS.ProcessEnv): Measured {
  const walls: number[] = [];
  const cpus: number[] = [];
  let rss = 0;
  let stdout = '';
  for (let i = 0; i < runs; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 30, ...(env ? { env: { ...process.env, ...env } } : {}) });
    const last = r.stderr.trim().split('\n').pop() ?? '';
    const [wall, kb, user, sys] = last.split(' ').map(Number);
    walls.push(wall ?? NaN);
    cpus.push((user ?? NaN) + (sys ?? NaN));
    rss = Math.max(rss, (kb ?? 0) / 1024);
    stdout = r.stdout;
  }
  walls.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  return { wallS: walls[Math.floor(walls.length / 2)] ?? NaN, cpuS: cpus[Math.floor(cpus.length / 2)] ?? NaN, maxRssMb: rss, stdout };
}

/**
 * Two commands run in turn, `runs` times each (A, B, A, B, …): a machine whose speed drifts during the bench (a
 * shared VM's neighbours) then slows both alike, and their ratio stays fair.
 */
export function measureAlternating(a: [string, string[]], b: [string, string[]] | undefined, runs: number, cwd: string): [Measured, Measured | undefined] {
  const as: Measured[] = [];
  const bs: Measured[] = [];
  for (let i = 0; i < runs; i++) {
    as.push(measure(a[0], a[1], 1, cwd));
    if (b) bs.push(measure(b[0], b[1], 1, cwd));
  }
  const median = (ms: Measured[]): Measured | undefined => {
    if (!ms.length) return undefined;
    const mid = (xs: number[]): number => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;
    return { wallS: mid(ms.map((m) => m.wallS)), cpuS: mid(ms.map((m) => m.cpuS)), maxRssMb: Math.max(...ms.map((m) => m.maxRssMb)), stdout: ms.at(-1)?.stdout ?? '' };
  };
  return [median(as) as Measured, median(bs)];
}

const fmt = (m: Measured): string => `${m.wallS.toFixed(2)} s wall, ${m.cpuS.toFixed(2)} s CPU / ${m.maxRssMb.toFixed(0)} MB`;

interface SquawkViolation {
  file: string;
  line: number;
  rule_name: string;
}

export async function lintBench(o: LintBenchOptions): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  const work = mkdtempSync(join(tmpdir(), 'pgopt-lintbench-'));
  const corpusDir = join(work, 'migrations');
  const corpus = writeCorpus(corpusDir, 350);
  const big = join(work, 'big.sql');
  const bigInfo = writeLargeFile(big, 1024 * 1024);
  o.line('lint corpus', `${readdirSync(corpusDir).length} files, ${(corpus.bytes / 1024).toFixed(0)} kB, ${corpus.statements} statements`);
  o.line('lint large file', `${(bigInfo.bytes / 1024).toFixed(0)} kB, ${bigInfo.statements} statements`);
  const cli = join(o.root, 'dist', 'cli.js');
  const squawk = squawkBin(o.root);

  const load = (): string => (readFileSync('/proc/loadavg', 'utf8').split(' ')[0] ?? '?');
  o.line('load average (1 min) before the lint bench', load());
  // pgopt and squawk in turn on the same inputs (measureAlternating), so the ratios compare like with like.
  const corpusFiles = readdirSync(corpusDir).map((f) => join(corpusDir, f));
  const [ours, theirsAlternating] = measureAlternating([process.execPath, [cli, 'lint', '--format', 'json', corpusDir]], squawk ? [squawk, ['--reporter', 'json', ...corpusFiles]] : undefined, 7, work);
  const [oursBig, theirsBigAlternating] = measureAlternating([process.execPath, [cli, 'lint', '--format', 'json', big]], squawk ? [squawk, ['--reporter', 'json', big]] : undefined, 5, work);
  // Warm: --cache with every file unchanged (the first run fills .pgopt/cache in the work dir).
  const cacheArgs = ['--cache', '--cache-location', join(work, 'lint-cache.json')];
  measure(process.execPath, [cli, 'lint', '--format', 'json', ...cacheArgs, corpusDir], 1, work);
  const oursWarm = measure(process.execPath, [cli, 'lint', '--format', 'json', ...cacheArgs, corpusDir], 5, work);
  // Fixed costs of every run: Node's own start, and loading the lint command (cli.js + cli-lint.js, no engine).
  const nodeStart = measure(process.execPath, ['-e', '0'], 5, work);
  const cmdLoad = measure(process.execPath, [cli, 'lint', '--help'], 5, work);
  o.line('process start: node -e 0 (median of 5)', fmt(nodeStart));
  o.line('process start + lint command loaded: lint --help', fmt(cmdLoad));
  o.line('pgopt lint corpus, cold (median of 7)', fmt(ours));
  // The build's V8 code cache of the lint bundles (src/cli/codeCache.ts): whether V8 took it, and the same cold
  // runs compiling from source instead.
  const cacheDebug = spawnSync(process.execPath, [cli, 'lint', '--format', 'json', corpusDir], { cwd: work, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, PGOPT_V8_CACHE_DEBUG: '1' } });
  const cacheState = [...cacheDebug.stderr.matchAll(/V8 code cache for \S*?([\w-]+\.js): (.+)/g)].map((m) => `${m[1]} ${m[2]}`).join(', ') || 'not reported';
  const oursNoCodeCache = measure(process.execPath, [cli, 'lint', '--format', 'json', corpusDir], 5, work, { PGOPT_V8_CACHE: '0' });
  o.line('  V8 code cache of the lint bundles', cacheState);
  o.line('  corpus cold without it (PGOPT_V8_CACHE=0)', fmt(oursNoCodeCache));
  o.line('pgopt lint corpus, warm --cache (median of 5)', fmt(oursWarm));
  o.line('pgopt lint 1 MB file (median of 5)', `${fmt(oursBig)} (target ≤ 100 MB)`);
  const num = (m: Measured) => ({ wallS: m.wallS, cpuS: m.cpuS, rssMb: m.maxRssMb });
  results.pgopt = { corpus: num(ours), corpusWarm: num(oursWarm), big: num(oursBig), nodeStart: num(nodeStart), commandLoad: num(cmdLoad), corpusNoCodeCache: num(oursNoCodeCache), codeCache: cacheState };
  // Where a cold run's time goes, in one process per target (bench/lintProfile.ts): WASM load, split, parse
  // (incl. the parse tree's JSON), the JSON.parse share of it, engine + rules, output.
  const profiler = join(__dirname, 'lintProfile.js');
  for (const [label, target] of [['corpus', corpusDir], ['1 MB file', big]] as const) {
    const r = spawnSync(process.execPath, [profiler, target], { cwd: work, encoding: 'utf8' });
    for (const l of (r.stdout || r.stderr).trim().split('\n')) o.line(`  profile ${label}`, l);
  }

  if (squawk) {
    const theirs = theirsAlternating as Measured;
    const theirsBig = theirsBigAlternating as Measured;
    o.line(`squawk ${SQUAWK_VERSION} corpus (in turn with pgopt, median of 7)`, fmt(theirs));
    o.line(`squawk ${SQUAWK_VERSION} 1 MB file (in turn, median of 5)`, fmt(theirsBig));
    const ratio = (a: Measured, b: Measured): string => `${(a.wallS / b.wallS).toFixed(2)} wall, ${(a.cpuS / b.cpuS).toFixed(2)} CPU`;
    o.line('ratio pgopt/squawk corpus cold (target ≤ 2.0)', ratio(ours, theirs));
    o.line('ratio pgopt/squawk corpus warm --cache (target ≤ 0.5)', ratio(oursWarm, theirs));
    o.line('ratio pgopt/squawk 1 MB file', ratio(oursBig, theirsBig));
    const extra: Record<string, unknown> = {};
    for (const dir of o.extraCorpora ?? []) {
      const files = sqlFilesUnder(dir);
      const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
      const [a, bm] = measureAlternating([process.execPath, [cli, 'lint', '--format', 'json', dir]], [squawk, ['--reporter', 'json', ...files]], 7, work);
      const b = bm as Measured;
      o.line(`corpus ${dir}`, `${files.length} files, ${(bytes / 1024).toFixed(0)} kB`);
      o.line('  pgopt lint cold / squawk (in turn, medians of 7)', `${fmt(a)} / ${fmt(b)}: ${ratio(a, b)} (target ≤ 2.0)`);
      extra[dir] = { files: files.length, bytes, pgopt: num(a), squawk: num(b) };
    }
    results.extraCorpora = extra;
    // Scaling: files of 50k / 100k / 200k one-line ALTERs (every statement gets findings), one run each. Output
    // goes to a pipe (spawnSync), as in CI: 237 MB of JSON, ~400k findings for 200k. The engine streams (a chunk
    // of statements parsed at a time, each tree dropped once linted): memory grows only with the findings.
    // Heap split: out/bench/lintMemory.js.
    const alters = (n: number): string => {
      const file = join(work, `alters-${n}.sql`);
      writeFileSync(file, Array.from({ length: n }, (_, i) => `ALTER TABLE t${i % 100} ADD COLUMN c${i} int;`).join('\n') + '\n');
      return file;
    };
    const huge = alters(200_000);
    const oursHuge = measure(process.execPath, [cli, 'lint', '--format', 'json', huge], 1, work);
    const theirsHuge = measure(squawk, ['--reporter', 'json', huge], 1, work);
    o.line('pgopt lint 200k-statement file, output piped (1 run)', `${fmt(oursHuge)} (target ≤ 10 s, ≤ 400 MB)`);
    o.line(`squawk ${SQUAWK_VERSION} 200k-statement file`, fmt(theirsHuge));
    const scaling: Record<string, unknown> = {};
    for (const n of [50_000, 100_000]) {
      const f = alters(n);
      const a = measure(process.execPath, [cli, 'lint', '--format', 'json', f], 1, work);
      const b = measure(squawk, ['--reporter', 'json', f], 1, work);
      o.line(`pgopt lint ${n / 1000}k-statement file / squawk (1 run each)`, `${fmt(a)} / ${fmt(b)}`);
      scaling[n] = { pgopt: num(a), squawk: num(b) };
    }
    // The same runs without pgopt's V8 settings for a lint process (lintEngine.ts tuneV8): what they buy.
    const untunedBig = measure(process.execPath, [cli, 'lint', '--format', 'json', big], 3, work, { PGOPT_LINT_V8_TUNING: '0' });
    const untunedHuge = measure(process.execPath, [cli, 'lint', '--format', 'json', huge], 1, work, { PGOPT_LINT_V8_TUNING: '0' });
    o.line('  without the V8 settings (PGOPT_LINT_V8_TUNING=0): 1 MB file', fmt(untunedBig));
    o.line('  without the V8 settings: 200k-statement file', fmt(untunedHuge));
    results.scaling = scaling;
    results.untuned = { big: num(untunedBig), huge: num(untunedHuge) };
    o.line('load average (1 min) after the timed runs', load());
    results.squawk = { corpus: num(theirs), big: num(theirsBig), huge: num(theirsHuge) };
    results.pgoptHuge = num(oursHuge);

    // Agreement per shared rule id: findings keyed by file + 1-based line.
    const ourFindings = JSON.parse(ours.stdout) as { file: string; line: number; rule: string }[];
    let sq: SquawkViolation[] = [];
    try {
      sq = JSON.parse(theirs.stdout) as SquawkViolation[];
    } catch {
      o.line('squawk JSON', 'could not be parsed; agreement skipped');
    }
    const shared = new Set(RULES.map((r) => r.meta.squawk).filter((x): x is string => !!x));
    const agreement: Record<string, { both: number; onlyPgopt: number; onlySquawk: number }> = {};
    const key = (file: string, line: number): string => `${file.split('/').pop()}:${line}`;
    for (const id of shared) {
      const a = new Set(ourFindings.filter((f) => RULES.find((r) => r.meta.id === f.rule)?.meta.squawk === id).map((f) => key(f.file, f.line)));
      const b = new Set(sq.filter((v) => v.rule_name === id).map((v) => key(v.file, v.line + 1)));
      const both = [...a].filter((k) => b.has(k)).length;
      agreement[id] = { both, onlyPgopt: a.size - both, onlySquawk: b.size - both };
    }
    results.agreement = agreement;
    for (const [id, a] of Object.entries(agreement).sort()) {
      const total = a.both + a.onlyPgopt + a.onlySquawk;
      o.line(`  agreement ${id}`, total === 0 ? 'no findings on either side' : `${((a.both / total) * 100).toFixed(0)} % (both ${a.both}, only pgopt ${a.onlyPgopt}, only squawk ${a.onlySquawk})`);
    }
  } else {
    o.line('squawk', `squawk-cli@${SQUAWK_VERSION} could not be installed; comparison skipped`);
  }

  // In-editor re-lint: a 300-statement file, warm parse cache, one statement edited per iteration.
  await loadParser();
  const r = new Rng(3);
  const text = generateMigration(r, 300);
  const cache = new ParseCache();
  lintText(text, {}, { cache });
  const times: number[] = [];
  // CPU time of this process per re-lint as well: on a loaded machine wall time mostly measures waiting.
  const cpuTimes: number[] = [];
  const lines = text.split('\n');
  // The first 50 edits warm the JIT up (an editor session that has been linting for a while) and are not
  // counted; the next 200 are.
  const WARMUP = 50;
  for (let i = 0; i < WARMUP + 200; i++) {
    const edited = [...lines];
    const at = lines.findIndex((l, k) => k >= (i * 7) % lines.length && /^(ALTER|CREATE|UPDATE)/.test(l));
    const idx = at < 0 ? 0 : at;
    edited[idx] = `${edited[idx]?.replace(/;$/, '')} ${'-- edit ' + i}`.replace(/(-- edit \d+)$/, '$1\n;');
    const t = performance.now();
    const c0 = process.cpuUsage();
    lintText(edited.join('\n'), {}, { cache });
    const wall = performance.now() - t;
    const c = process.cpuUsage(c0);
    if (i < WARMUP) continue;
    times.push(wall);
    cpuTimes.push((c.user + c.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const p95 = times[Math.floor(times.length * 0.95)] ?? NaN;
  const cpuP95 = cpuTimes[Math.floor(cpuTimes.length * 0.95)] ?? NaN;
  o.line('editor re-lint, 300 statements, one edit (after 50): p50 / p95', `${(times[100] ?? NaN).toFixed(1)} ms / ${p95.toFixed(1)} ms wall, ${(cpuTimes[100] ?? NaN).toFixed(1)} ms / ${cpuP95.toFixed(1)} ms CPU (target p95 ≤ 15 ms)`);
  o.line('load average (1 min) after the re-lint', load());
  results.relint = { p50Ms: times[100], p95Ms: p95, cpuP50Ms: cpuTimes[100], cpuP95Ms: cpuP95 };

  // Fuzz: mutated and truncated examples; no exception may escape and every input gets an outcome.
  const t0 = performance.now();
  let n = 0;
  let escaped = 0;
  for (const input of fuzzInputs(o.fuzzCount, 99)) {
    n++;
    try {
      lintText(input, {}, { cache: new ParseCache(64) });
    } catch {
      escaped++;
    }
  }
  o.line(`fuzz: ${n} mutated/truncated inputs`, `${escaped} exceptions escaped, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  results.fuzz = { inputs: n, escaped };
  return results;
}
