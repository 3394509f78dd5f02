// npm run bench -- --only advisor: the index advisor's quality and speed.
//
// Quality, on HealthMate (small, its application query mix as a weighted workload file) and on a TPC-H-style
// database (8 tables, ~90k lineitems, 22 templates × 3 parameter sets): total workload cost
// (Σ calls × planner cost) before and after, with the recommended indexes created as hypothetical indexes,
// for budgets of 1..4 indexes and unbudgeted. Compared in the same run with
//  (a) a per-query single-column baseline (what supabase's index_advisor does): for each statement on its
//      own the best single-column index, then the union (ranked by its per-query gains for a budget), and
//  (b) the optimum: exhaustive search over the advisor's own candidate set for each budget (1..4), and
//  (c) a greedy search over a broad candidate set (the advisor's btree candidates plus every single column and
//      every ordered pair — equality/join column first — that a statement filters, joins, sorts or groups on),
//      each step costed exactly on every statement that references the index's leading column, until the best
//      next index saves less than 0.2 % of the workload (the advisor's worth-its-place floor); its first k picks
//      are the greedy set at budget k, all of them the unbudgeted one. Target: ours within 2 % of its reduction.
// Every set is costed by one in-server function (hypopg_create_index for the set, EXPLAIN, hypopg_reset), so
// all three are measured with the same yardstick. The exhaustive search costs each statement only against the
// candidates that can change its plan (its leading key is one of the statement's filter/join/sort/group
// columns — the advisor's own rule) and that help on their own somewhere; each (statement, subset) is
// planned once and memoised.
//
// Speed: the advisor on a workload file of 1,000 distinct statements over the TPC-H schema.
import pg from 'pg';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { runAdvisor, type AdvisorOptions, type AdvisorResult } from '../src/core/advisor/advisor';
import { loadAdvisorCatalog } from '../src/core/advisor/catalog';
import { generateCandidates, hypoDdl, type Candidate } from '../src/core/advisor/candidates';
import { analyzeStatement, type IndexKey, type StatementShape } from '../src/core/advisor/extract';
import { WORTH_MIN_SHARE } from '../src/core/advisor/selection';
import { qualifiedName } from '../src/core/sql/quote';
import { parseWorkloadFile } from '../src/core/advisor/workload';
import { probeCapabilities } from '../src/core/db/capabilities';
import { resolveUrl } from '../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../src/core/db/envAccess';
import { openReadOnlyLanes } from '../src/core/db/readOnlyLanes';
import { DbSession } from '../src/core/db/session';
import { loadParser, parseSql } from '../src/core/sql/parser';
import { createHealthMate } from '../scripts/healthmate/generate';
import { HEALTHMATE_QUERIES } from '../scripts/healthmate/workload';
import { startLocalPostgres } from '../scripts/localPostgres';
import { TPCH_SCHEMA, tpchData, tpchDistinctWorkload, tpchWorkloadFile } from './tpch';

export interface AdvisorBenchOptions {
  line(label: string, value: string): void;
  /** Largest budget the exhaustive search tries (default 4; lowered automatically when too many sets). */
  maxBudget?: number;
  /** Runs of the 1,000-statement timing (median reported). */
  timingRuns?: number;
  distinct?: number;
  /** Several workload sizes for the speed part (default [distinct]). */
  sizes?: number[];
  /** --max-indexes for the speed runs (default the advisor's 10). */
  maxIndexes?: number;
  /** Skip the quality part (TPC-H / HealthMate optimum comparison): speed only. */
  speedOnly?: boolean;
  /** What-if connections for the speed runs, one variant each, runs alternating (default [1]); the quality part uses the largest. */
  connections?: number[];
  /** Also time the advisor as before partial costing (each candidate costed on all its statements at once), alternating with the others; the quality part then runs ours that way. */
  compare?: boolean;
}

const SEP = '\u001f';
/** "Unbudgeted" runs of ours: no index limit (the advisor's default is 10), only the worth-its-place floor stops it. */
const UNBUDGETED = 100;
const COST_FN = `
CREATE FUNCTION pg_temp.whatif_cost(ddls text, stmt text, nparams int) RETURNS float8 LANGUAGE plpgsql AS $f$
DECLARE j json; d text;
BEGIN
  PERFORM hypopg_reset();
  IF ddls <> '' THEN
    FOREACH d IN ARRAY string_to_array(ddls, E'\\x1f') LOOP PERFORM hypopg_create_index(d); END LOOP;
  END IF;
  BEGIN
    IF nparams = 0 THEN
      EXECUTE 'EXPLAIN (FORMAT JSON) ' || stmt INTO j;
    ELSE
      EXECUTE 'PREPARE pgopt_bench_stmt AS ' || stmt;
      EXECUTE 'EXPLAIN (FORMAT JSON) EXECUTE pgopt_bench_stmt(' || array_to_string(array_fill('NULL'::text, ARRAY[nparams]), ',') || ')' INTO j;
      DEALLOCATE pgopt_bench_stmt;
    END IF;
  EXCEPTION WHEN others THEN
    j := NULL;
  END;
  BEGIN DEALLOCATE pgopt_bench_stmt; EXCEPTION WHEN others THEN NULL; END;
  PERFORM hypopg_reset();
  RETURN (j->0->'Plan'->>'Total Cost')::float8;
END $f$;`;

interface Stmt {
  id: string;
  sql: string;
  calls: number;
  params: number;
  shape: StatementShape;
}

/** Costs statements under sets of hypothetical indexes, in the server, in batches. */
class SetCoster {
  evaluations = 0;
  constructor(private readonly c: pg.Client) {}
  static async open(url: string): Promise<SetCoster> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`SET plan_cache_mode = force_generic_plan`);
    await c.query(COST_FN);
    return new SetCoster(c);
  }
  async close(): Promise<void> {
    await this.c.end();
  }
  async costs(jobs: { ddls: string[]; stmt: Stmt }[]): Promise<(number | undefined)[]> {
    const out: (number | undefined)[] = [];
    for (let i = 0; i < jobs.length; i += 400) {
      const part = jobs.slice(i, i + 400);
      const { rows } = await this.c.query<{ i: string; cost: number | null }>(
        `SELECT i, pg_temp.whatif_cost(d, s, n) AS cost FROM unnest($1::text[], $2::text[], $3::int[]) WITH ORDINALITY AS x(d, s, n, i) ORDER BY i`,
        [part.map((j) => j.ddls.join(SEP)), part.map((j) => j.stmt.sql), part.map((j) => j.stmt.params)],
      );
      this.evaluations += part.length;
      for (const r of rows) out.push(r.cost ?? undefined);
    }
    return out;
  }
  async total(ddls: string[], stmts: Stmt[]): Promise<number> {
    const cs = await this.costs(stmts.map((stmt) => ({ ddls, stmt })));
    return cs.reduce((a: number, c, i) => a + stmts[i]!.calls * (c ?? 0), 0);
  }
}

/** The hypopg form of a recommendation's CREATE INDEX CONCURRENTLY IF NOT EXISTS "name" ON ... */
function recToDdl(sql: string): string {
  return `CREATE INDEX ON ${sql.slice(sql.indexOf('" ON ') + 5).replace(/;\s*$/, '')}`;
}

/**
 * Which statements a candidate can change: its leading key is one of the statement's filter/join/sort/group
 * columns (GIN: containment columns). A covering candidate counts on every such statement (it serves the
 * others like its plain twin), as in the advisor.
 */
function usesLeadingKey(s: Stmt, c: Candidate): boolean {
  const u = s.shape.uses.get(c.table.oid);
  const lead = c.keys[0]?.key;
  if (!u || !lead) return false;
  if (c.method === 'gin') return u.contains.some((k) => k.key === lead);
  return [u.eq, u.range, u.join, u.sort, u.group].some((list) => list.some((k) => k.key === lead));
}

function* combinations(n: number, k: number): Generator<number[]> {
  const idx = Array.from({ length: k }, (_, i) => i);
  if (k > n) return;
  for (;;) {
    yield idx;
    let i = k - 1;
    while (i >= 0 && idx[i] === n - k + i) i--;
    if (i < 0) return;
    idx[i]!++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1]! + 1;
  }
}

function choose(n: number, k: number): number {
  let r = 1;
  for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1);
  return r;
}

interface BudgetRow {
  budget: number | 'none';
  ours: { cost: number; indexes: number; ms: number; swaps: number };
  baseline: { cost: number; indexes: number };
  optimum?: { cost: number; sets: number };
  /** (ours after − optimum after) / cost before, in percentage points. */
  gapPct?: number;
  /** The share of the optimum's reduction that ours misses, in %. */
  shortfallPct?: number;
  /** The broad greedy search at this budget (its first k picks; unbudgeted: all). */
  greedy?: { cost: number; indexes: number };
  /** (ours after − greedy after) / cost before, in percentage points (negative: ours is better). */
  greedyGapPct?: number;
  /** The share of the greedy search's reduction that ours misses, in % (target ≤ 2). */
  greedyShortfallPct?: number;
  /** Indexes ours chose and dropped as not worth their place. */
  dropped?: number;
}

interface QualityResult {
  name: string;
  statements: number;
  candidates: number;
  useful: number;
  costBefore: number;
  rows: BudgetRow[];
  evaluations: number;
  exhaustiveMs: number;
  oursSets: Record<string, string[]>;
  greedy: { candidates: number; plans: number; ms: number; picks: string[] };
  /** Ours with default settings (write overhead weighed), unbudgeted. */
  defaultRun: { cost: number; indexes: number; ms: number; swaps: number; sets: string[]; dropped?: AdvisorResult['dropped']; representative?: AdvisorResult['representative'] };
}

interface BroadCandidate {
  ddl: string;
  table: number;
  lead: string;
}

/** The broad candidate set: the advisor's btree candidates plus every single column and ordered pair (equality/join column first) a statement uses. */
function broadCandidates(stmts: Stmt[], own: Candidate[]): BroadCandidate[] {
  const out = new Map<string, BroadCandidate>();
  for (const c of own) if (c.method === 'btree') out.set(hypoDdl(c), { ddl: hypoDdl(c), table: c.table.oid, lead: c.keys[0]!.column });
  for (const s of stmts) {
    if (s.shape.kind === 'insert') continue;
    for (const u of s.shape.uses.values()) {
      const t = qualifiedName(u.table.schema, u.table.name);
      const uniq = (ks: IndexKey[]): IndexKey[] => [...new Map(ks.map((k) => [k.key, k])).values()];
      const all = uniq([...u.eq, ...u.join, ...u.range, ...u.sort, ...u.group]);
      const first = uniq([...u.eq, ...u.join]);
      const add = (ks: IndexKey[]): void => {
        const ddl = `CREATE INDEX ON ${t} (${ks.map((k) => k.sql).join(', ')})`;
        if (!out.has(ddl)) out.set(ddl, { ddl, table: u.table.oid, lead: ks[0]!.column });
      };
      for (const k of all) add([k]);
      for (const x of first) for (const y of all) if (x.key !== y.key) add([x, y]);
    }
  }
  return [...out.values()];
}

/**
 * Greedy over the broad set with exact costs: each step adds the index that removes the most (calls-weighted
 * cost, with the ones picked so far in place) until the best removes less than `floor`. A (candidate, statement)
 * cost is re-planned only after a pick relevant to the statement (its costs cannot change otherwise).
 */
async function broadGreedy(coster: SetCoster, planned: Stmt[], baseCost: Map<string, number>, cands: BroadCandidate[], floor: number, maxSteps = 15): Promise<{ costs: number[]; picks: string[]; plans: number }> {
  const relevant = (s: Stmt, c: BroadCandidate): boolean => {
    const u = s.shape.uses.get(c.table);
    return !!u && (u.star || u.refs.includes(c.lead) || [...u.eq, ...u.join, ...u.range, ...u.sort, ...u.group].some((k) => k.column === c.lead));
  };
  const rel = cands.map((c) => planned.map((s, si) => (relevant(s, c) ? si : -1)).filter((si) => si >= 0));
  const cur = planned.map((s) => baseCost.get(s.id)!);
  const known = cands.map(() => new Map<number, number>());
  const set: number[] = [];
  const costs: number[] = [];
  let dirty = new Set(planned.map((_, si) => si));
  let plans = 0;
  for (let step = 0; step < maxSteps; step++) {
    const jobs: { ci: number; si: number }[] = [];
    cands.forEach((_, ci) => {
      if (set.includes(ci)) return;
      for (const si of rel[ci]!) if (dirty.has(si) || !known[ci]!.has(si)) jobs.push({ ci, si });
    });
    const ddls = set.map((ci) => cands[ci]!.ddl);
    const res = await coster.costs(jobs.map((j) => ({ ddls: [...ddls, cands[j.ci]!.ddl], stmt: planned[j.si]! })));
    plans += jobs.length;
    jobs.forEach((j, i) => known[j.ci]!.set(j.si, res[i] ?? cur[j.si]!));
    let best = -1;
    let bestGain = 0;
    cands.forEach((_, ci) => {
      if (set.includes(ci)) return;
      let gain = 0;
      for (const si of rel[ci]!) gain += planned[si]!.calls * Math.max(0, cur[si]! - (known[ci]!.get(si) ?? cur[si]!));
      if (gain > bestGain) {
        bestGain = gain;
        best = ci;
      }
    });
    if (best < 0 || bestGain < floor) break;
    set.push(best);
    for (const si of rel[best]!) cur[si] = Math.min(cur[si]!, known[best]!.get(si) ?? cur[si]!);
    dirty = new Set(rel[best]);
    costs.push(planned.reduce((a, s, si) => a + s.calls * cur[si]!, 0));
  }
  return { costs, picks: set.map((ci) => cands[ci]!.ddl), plans };
}

async function quality(name: string, url: string, workloadText: string, opts: AdvisorBenchOptions): Promise<QualityResult> {
  const { line } = opts;
  const session = await DbSession.open(resolveUrl(url, nodeEnvAccess({}), 'bench'), { analysis: { statementTimeoutMs: 600_000, lockTimeoutMs: 1000 } });
  const coster = await SetCoster.open(url);
  try {
    const caps = await session.readOnly((q) => probeCapabilities(q));
    await loadParser();
    const cat = await session.readOnly((q) => loadAdvisorCatalog(q));
    const stmts: Stmt[] = [];
    for (const w of parseWorkloadFile(workloadText)) {
      const p = parseSql(w.sql);
      if (!p.ok || p.stmts.length !== 1) continue;
      const shape = analyzeStatement(p.stmts[0]!.node, cat);
      if (shape.kind === 'other' || shape.uses.size === 0) continue;
      stmts.push({ id: w.id, sql: w.sql, calls: w.calls, params: shape.paramCount, shape });
    }
    const base = await coster.costs(stmts.map((stmt) => ({ ddls: [], stmt })));
    const planned = stmts.filter((_, i) => base[i] !== undefined);
    const baseCost = new Map(planned.map((s) => [s.id, base[stmts.indexOf(s)]!]));
    const before = planned.reduce((a, s) => a + s.calls * baseCost.get(s.id)!, 0);
    const { candidates } = generateCandidates(new Map(planned.filter((s) => s.shape.kind !== 'insert').map((s) => [s.id, s.shape])));
    const ddl = candidates.map(hypoDdl);
    const rel = planned.map((s) => candidates.map((c, ci) => (usesLeadingKey(s, c) ? ci : -1)).filter((ci) => ci >= 0));

    // Each candidate alone, on the statements it can affect.
    const singleJobs: { ci: number; si: number }[] = [];
    planned.forEach((_, si) => rel[si]!.forEach((ci) => singleJobs.push({ ci, si })));
    const singleCosts = await coster.costs(singleJobs.map((j) => ({ ddls: [ddl[j.ci]!], stmt: planned[j.si]! })));
    const single = new Map<string, number>(); // `${si}:${ci}` -> cost
    const usefulSet = new Set<number>();
    singleJobs.forEach((j, i) => {
      const c = singleCosts[i];
      if (c === undefined) return;
      single.set(`${j.si}:${j.ci}`, c);
      if (c < baseCost.get(planned[j.si]!.id)! - 1e-6) usefulSet.add(j.ci);
    });
    const useful = [...usefulSet].sort((a, b) => a - b);

    // (a) Baseline: per statement, its best single-column plain index; the union, ranked by summed gains.
    const baseGain = new Map<number, number>();
    planned.forEach((s, si) => {
      let best: number | undefined;
      let bestCost = baseCost.get(s.id)!;
      for (const ci of rel[si]!) {
        const c = candidates[ci]!;
        if (c.keys.length !== 1 || c.predicate || c.kind !== 'single') continue;
        const cost = single.get(`${si}:${ci}`);
        if (cost !== undefined && cost < bestCost - 1e-6) {
          bestCost = cost;
          best = ci;
        }
      }
      if (best !== undefined) baseGain.set(best, (baseGain.get(best) ?? 0) + s.calls * (baseCost.get(s.id)! - bestCost));
    });
    const baseRanked = [...baseGain].sort((a, b) => b[1] - a[1]).map(([ci]) => ci);

    // (b) Exhaustive: per statement, the cost under every subset (≤ K) of its relevant useful candidates.
    let maxK = opts.maxBudget ?? 4;
    const relUseful = rel.map((r) => r.filter((ci) => usefulSet.has(ci)));
    const perStmtSubsets = (k: number): number => relUseful.reduce((a, r) => a + Array.from({ length: k }, (_, i) => choose(r.length, i + 1)).reduce((x, y) => x + y, 0), 0);
    while (maxK > 1 && (perStmtSubsets(maxK) > 150_000 || choose(useful.length, maxK) > 3_000_000)) maxK--;
    const t0 = performance.now();
    const memo = planned.map(() => new Map<string, number>());
    const jobs: { si: number; key: string; ddls: string[] }[] = [];
    planned.forEach((_, si) => {
      const r = relUseful[si]!;
      for (let k = 1; k <= Math.min(maxK, r.length); k++) {
        for (const comb of combinations(r.length, k)) {
          const set = comb.map((i) => r[i]!);
          const key = set.join(',');
          if (k === 1 && single.has(`${si}:${set[0]}`)) memo[si]!.set(key, single.get(`${si}:${set[0]}`)!);
          else jobs.push({ si, key, ddls: set.map((ci) => ddl[ci]!) });
        }
      }
    });
    line(`advisor ${name}: exhaustive search`, `${candidates.length} candidates, ${useful.length} useful, ${jobs.length} (statement, set) plans, budgets ≤ ${maxK}`);
    const jobCosts = await coster.costs(jobs.map((j) => ({ ddls: j.ddls, stmt: planned[j.si]! })));
    jobs.forEach((j, i) => memo[j.si]!.set(j.key, jobCosts[i] ?? baseCost.get(planned[j.si]!.id)!));
    const relSets = relUseful.map((r) => new Set(r));
    const setCost = (set: number[]): number => {
      let total = 0;
      planned.forEach((s, si) => {
        const mine = set.filter((ci) => relSets[si]!.has(ci));
        total += s.calls * (mine.length ? (memo[si]!.get(mine.join(',')) ?? baseCost.get(s.id)!) : baseCost.get(s.id)!);
      });
      return total;
    };
    const optimum = new Map<number, { cost: number; sets: number }>();
    for (let k = 1; k <= maxK; k++) {
      let best = before;
      let sets = 0;
      for (const comb of combinations(useful.length, Math.min(k, useful.length))) {
        sets++;
        const c = setCost(comb.map((i) => useful[i]!));
        if (c < best) best = c;
      }
      optimum.set(k, { cost: best, sets });
    }
    const exhaustiveMs = performance.now() - t0;

    // (c) Greedy over a broad candidate set, to the worth-its-place floor.
    const t1 = performance.now();
    const broad = broadCandidates(planned, candidates);
    const g = await broadGreedy(coster, planned, baseCost, broad, WORTH_MIN_SHARE * before);
    const greedyAt = (k: number | 'none'): { cost: number; indexes: number } => {
      const n = k === 'none' ? g.costs.length : Math.min(k, g.costs.length);
      return { cost: n ? g.costs[n - 1]! : before, indexes: n };
    };
    const greedyInfo = { candidates: broad.length, plans: g.plans, ms: performance.now() - t1, picks: g.picks };
    line(`advisor ${name}: broad greedy`, `${broad.length} candidates, ${g.picks.length} picks, ${g.plans} plans, ${(greedyInfo.ms / 1000).toFixed(1)} s`);

    // Ours, per budget, costed with the same yardstick.
    const rows: BudgetRow[] = [];
    const oursSets: Record<string, string[]> = {};
    for (const budget of [1, 2, 3, 4, 'none'] as const) {
      // The yardstick is read cost only (the optimum knows nothing of writes): ours with write cost 0 here;
      // the default (write overhead weighed) is reported apart below.
      const n = Math.max(1, ...(opts.connections ?? [1]));
      const lanes = n > 1 ? await openReadOnlyLanes(resolveUrl(url, nodeEnvAccess({}), 'bench'), n - 1, { analysis: { statementTimeoutMs: 600_000, lockTimeoutMs: 1000 } }) : undefined;
      const r: AdvisorResult = await session
        .readOnly((q) => runAdvisor(q, caps, { workloadText, writeCostPerRow: 0, representativeParams: false, maxIndexes: budget === 'none' ? UNBUDGETED : budget, ...(lanes ? { whatIfConnections: lanes.runners } : {}), ...(opts.compare ? { partialCosting: false } : {}) }))
        .finally(() => lanes?.close());
      const ddls = r.recommendations.map((x) => recToDdl(x.sql));
      oursSets[String(budget)] = r.recommendations.map((x) => x.sql);
      const cost = await coster.total(ddls, planned);
      const baseSet = (budget === 'none' ? baseRanked : baseRanked.slice(0, budget)).map((ci) => ddl[ci]!);
      const bcost = await coster.total(baseSet, planned);
      const opt = budget === 'none' ? undefined : optimum.get(budget);
      const gr = greedyAt(budget);
      rows.push({
        budget,
        ours: { cost, indexes: ddls.length, ms: r.durationMs, swaps: r.swaps },
        greedy: gr,
        greedyGapPct: (100 * (cost - gr.cost)) / before,
        greedyShortfallPct: before - gr.cost > 0 ? (100 * (cost - gr.cost)) / (before - gr.cost) : 0,
        ...(r.dropped?.length ? { dropped: r.dropped.length } : {}),
        baseline: { cost: bcost, indexes: baseSet.length },
        ...(opt ? { optimum: opt, gapPct: (100 * (cost - opt.cost)) / before, shortfallPct: before - opt.cost > 0 ? (100 * (cost - opt.cost)) / (before - opt.cost) : 0 } : {}),
      });
    }
    const def = await session.readOnly((q) => runAdvisor(q, caps, { workloadText }));
    const defaultRun = {
      cost: await coster.total(def.recommendations.map((x) => recToDdl(x.sql)), planned),
      indexes: def.recommendations.length,
      ms: def.durationMs,
      swaps: def.swaps,
      sets: def.recommendations.map((x) => x.sql),
      ...(def.dropped?.length ? { dropped: def.dropped } : {}),
      ...(def.representative?.length ? { representative: def.representative } : {}),
    };
    return { defaultRun, greedy: greedyInfo, name, statements: planned.length, candidates: candidates.length, useful: useful.length, costBefore: before, rows, evaluations: coster.evaluations, exhaustiveMs, oursSets };
  } finally {
    await coster.close();
    await session.close();
  }
}

function printQuality(q: QualityResult, line: (l: string, v: string) => void): void {
  const pct = (c: number): string => `${((100 * c) / q.costBefore).toFixed(1)}%`;
  const fmt = (c: number): string => (c >= 1e6 ? `${(c / 1e6).toFixed(2)}M` : c >= 1e3 ? `${(c / 1e3).toFixed(1)}k` : c.toFixed(0));
  line(`advisor ${q.name}: workload`, `${q.statements} statements planned, cost before ${fmt(q.costBefore)}, ${q.candidates} candidates (${q.useful} help alone)`);
  process.stdout.write(`  budget | ours: cost after (left) #idx swaps drop | broad greedy: cost after #idx | ours−greedy: pp / % of its reduction | optimum (sets tried)       | ours−optimum: pp / % | baseline: cost after #idx\n`);
  for (const r of q.rows) {
    const opt = r.optimum ? `${fmt(r.optimum.cost)} (${pct(r.optimum.cost)}) ${String(r.optimum.sets).padStart(8)}` : '—';
    const gap = r.gapPct !== undefined ? `${r.gapPct.toFixed(2)} pp / ${r.shortfallPct!.toFixed(2)} %` : '—';
    const gr = r.greedy ? `${fmt(r.greedy.cost)} (${pct(r.greedy.cost)}) ${String(r.greedy.indexes).padStart(2)}` : '—';
    const ggap = r.greedyGapPct !== undefined ? `${r.greedyGapPct.toFixed(2)} pp / ${r.greedyShortfallPct!.toFixed(2)} %` : '—';
    process.stdout.write(
      `  ${String(r.budget).padStart(6)} | ${`${fmt(r.ours.cost)} (${pct(r.ours.cost)})`.padEnd(20)} ${String(r.ours.indexes).padStart(2)} ${String(r.ours.swaps).padStart(5)} ${String(r.dropped ?? 0).padStart(4)} | ${gr.padEnd(28)} | ${ggap.padStart(36)} | ${opt.padEnd(26)} | ${gap.padStart(20)} | ${fmt(r.baseline.cost)} (${pct(r.baseline.cost)}) ${r.baseline.indexes}\n`,
    );
  }
  line(`advisor ${q.name}: ours with default settings (write overhead weighed)`, `${fmt(q.defaultRun.cost)} (${pct(q.defaultRun.cost)}) with ${q.defaultRun.indexes} indexes, ${q.defaultRun.swaps} swaps, ${q.defaultRun.ms} ms`);
  for (const r of q.defaultRun.representative ?? []) line(`advisor ${q.name}: default run, representative values`, `${r.column} = $${r.param}: ${r.variants.map((v) => `${v.value} ×${v.weight.toFixed(2)} cost ${v.cost.toFixed(0)}`).join(', ')} (generic ${r.genericCost.toFixed(0)})`);
  line(`advisor ${q.name}: default run set`, q.defaultRun.sets.map((x) => x.replace(/^CREATE INDEX CONCURRENTLY IF NOT EXISTS "[^"]+" ON /, '').replace(/;$/, '')).join('; '));
  line(`advisor ${q.name}: broad greedy picks`, q.greedy.picks.map((d) => d.replace(/^CREATE INDEX ON /, '')).join('; '));
  line(`advisor ${q.name}: exhaustive search time`, `${(q.exhaustiveMs / 1000).toFixed(1)} s, ${q.evaluations} in-server plans in all`);
}

export function healthMateWorkloadFile(): string {
  // Weights as in the application's mix (×10, so the smallest are whole numbers).
  return HEALTHMATE_QUERIES.filter((x) => x.weight > 0)
    .map((x) => `-- ${x.name}\n-- weight: ${Math.max(1, Math.round(x.weight * 10))}\n${x.sql};`)
    .join('\n');
}

export async function advisorBench(opts: AdvisorBenchOptions): Promise<Record<string, unknown>> {
  const { line } = opts;
  const results: Record<string, unknown> = {};
  const server = await startLocalPostgres({ flavor: 'debian' });
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    // No autovacuum: an automatic ANALYZE running during the bench's own VACUUM holds back the horizon, so
    // fewer pages became all-visible and index-only scans (the covering candidates) cost more in some runs.
    await admin.query('ALTER SYSTEM SET autovacuum = off');
    await admin.query('SELECT pg_reload_conf()');
    await admin.query('CREATE DATABASE tpch');
    await admin.query('CREATE DATABASE healthmate');
    await admin.end();

    // TPC-H-style.
    const tpchUrl = server.urlFor('tpch');
    const c = new pg.Client({ connectionString: tpchUrl });
    await c.connect();
    let t = performance.now();
    let counts: { t: string; n: string }[];
    try {
      await c.query('CREATE EXTENSION hypopg');
      await c.query(TPCH_SCHEMA);
      await c.query(tpchData());
      // Statistics from every row (the sample is 300 × the target rows): the same plans in every run. With the
      // default sample the costs moved from run to run, and with them the sets (TPC-H budget 3: ours at the
      // optimum in one run, 2.33 pp off it in the next).
      await c.query('SET default_statistics_target = 1000');
      await c.query('VACUUM ANALYZE');
      counts = (await c.query<{ t: string; n: string }>(`SELECT relname t, n_live_tup::text n FROM pg_stat_user_tables ORDER BY relname`)).rows;
    } finally {
      await c.end();
    }
    line('advisor tpch: data', `${counts.map((r) => `${r.t} ${r.n}`).join(', ')} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
    if (opts.speedOnly) {
      await speed(tpchUrl, opts, results, server.dataDir);
      return results;
    }
    const tq = await quality('tpch', tpchUrl, tpchWorkloadFile(), opts);
    printQuality(tq, line);
    results.tpch = tq;

    // HealthMate (small).
    const hmUrl = server.urlFor('healthmate');
    const h = new pg.Client({ connectionString: hmUrl });
    await h.connect();
    t = performance.now();
    try {
      await h.query('CREATE EXTENSION hypopg');
      await createHealthMate(h, { scale: 'small' });
      // VACUUM too: index-only scan costs follow the visibility map, which autovacuum otherwise fills at some
      // moment of the run (the covering candidates' costs, and the sets, moved between runs).
      await h.query('SET default_statistics_target = 1000');
      await h.query('VACUUM ANALYZE');
    } finally {
      await h.end();
    }
    line('advisor healthmate: data (small)', `${((performance.now() - t) / 1000).toFixed(1)} s`);
    const hq = await quality('healthmate', hmUrl, healthMateWorkloadFile(), opts);
    printQuality(hq, line);
    results.healthmate = hq;

    await speed(tpchUrl, opts, results, server.dataDir);
  } finally {
    await server.stop();
  }
  return results;
}

/**
 * CPU seconds (user + sys) of the server's processes so far: the postmaster and its children (the backends of
 * the bench's connections, which live through a run), read from /proc. Undefined where /proc cannot be read.
 */
function serverCpuS(dataDir: string): number | undefined {
  try {
    const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const tick = 100; // USER_HZ on Linux
    let total = 0;
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      } catch {
        continue;
      }
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields after the name: state(0) ppid(1) … utime(11) stime(12)
      if (Number(d) === postmaster || Number(f[1]) === postmaster) total += (Number(f[11]) + Number(f[12])) / tick;
    }
    return total;
  } catch {
    return undefined;
  }
}

/** Speed: the advisor on workloads of N distinct statements (1,000 by default; --advisor-sizes 1000,5000). */
async function speed(tpchUrl: string, opts: AdvisorBenchOptions, results: Record<string, unknown>, dataDir: string): Promise<void> {
  const { line } = opts;
  if ((opts.timingRuns ?? 3) < 1) return;
  for (const size of opts.sizes ?? [opts.distinct ?? 1000]) {
    const want = size;
    let n = want;
    let text = tpchDistinctWorkload(n);
    await loadParser();
    for (let i = 0; i < 5 && parseWorkloadFile(text).length < want; i++) text = tpchDistinctWorkload((n += want - parseWorkloadFile(text).length));
    const distinct = parseWorkloadFile(text).length;
    const spec = resolveUrl(tpchUrl, nodeEnvAccess({}), 'bench');
    const analysis = { statementTimeoutMs: 600_000, lockTimeoutMs: 1000 };
    const session = await DbSession.open(spec, { analysis });
    const variants: { name: string; connections: number; opts: Partial<AdvisorOptions> }[] = [
      ...(opts.compare ? [{ name: 'before (no partial costing, 1 connection)', connections: 1, opts: { partialCosting: false } }] : []),
      ...(opts.connections ?? [1]).map((n) => ({ name: `${n} connection${n > 1 ? 's' : ''}`, connections: n, opts: {} })),
    ];
    let peakRss = process.memoryUsage().rss;
    const rssTimer = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 200);
    try {
      const caps = await session.readOnly((q) => probeCapabilities(q));
      const times = variants.map(() => [] as number[]);
      const nodeCpu = variants.map(() => [] as number[]);
      const pgCpu = variants.map(() => [] as number[]);
      const loads = variants.map(() => [] as number[]);
      const lastOf: (AdvisorResult | undefined)[] = variants.map(() => undefined);
      for (let i = 0; i < (opts.timingRuns ?? 3); i++) {
        for (const [v, variant] of variants.entries()) {
          const lanes = variant.connections > 1 ? await openReadOnlyLanes(spec, variant.connections - 1, { analysis }) : undefined;
          try {
            process.stderr.write(`  [${variant.name}, run ${i + 1}]\n`);
            const started = performance.now();
            const cpu0 = process.cpuUsage();
            const pg0 = serverCpuS(dataDir);
            lastOf[v] = await session.readOnly((q) =>
              runAdvisor(q, caps, {
                workloadText: text,
                ...(opts.maxIndexes ? { maxIndexes: opts.maxIndexes } : {}),
                ...variant.opts,
                ...(lanes ? { whatIfConnections: lanes.runners } : {}),
                progress: (m) => process.stderr.write(`  ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s  ${m}\n`),
              }),
            );
            times[v]!.push(performance.now() - started);
            const cpu = process.cpuUsage(cpu0);
            nodeCpu[v]!.push((cpu.user + cpu.system) / 1e6);
            const pg1 = serverCpuS(dataDir);
            if (pg0 !== undefined && pg1 !== undefined) pgCpu[v]!.push(pg1 - pg0);
            loads[v]!.push(loadavg()[0]!);
          } finally {
            await lanes?.close();
          }
        }
      }
      for (const [v, variant] of variants.entries()) {
        const runs = times[v]!;
        const last = lastOf[v];
        const sorted = [...runs].sort((a, b) => a - b);
        const med = sorted[Math.floor(sorted.length / 2)]!;
        const load = loads[v]!;
        const median = (xs: number[]): number | undefined => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : undefined);
        const nodeCpuS = median(nodeCpu[v]!);
        const pgCpuS = median(pgCpu[v]!);
        const key = `${size === 1000 && !opts.sizes ? 'distinct' : `distinct${size}`}${variants.length > 1 ? `_${variant.name.split(' ')[0]}${variant.connections > 1 ? 'x' : ''}` : ''}`;
        results[key] = {
          variant: variant.name,
          statements: distinct,
          planned: last?.statementsAnalyzed,
          candidates: last?.candidates,
          explains: last?.explains,
          recommendations: last?.recommendations.length,
          recommended: last?.recommendations.map((r) => r.sql),
          medianMs: med,
          runsMs: runs,
          nodeCpuS,
          serverCpuS: pgCpuS,
          bounding: last?.bounding,
          peakRssMb: Math.round(peakRss / 1048576),
          skipped: last?.skipped.length,
          loadAvg1m: load,
        };
        line(
          `advisor: ${distinct} distinct statements, ${variant.name} (median of ${runs.length})`,
          `${(med / 1000).toFixed(1)} s (runs ${runs.map((x) => (x / 1000).toFixed(1)).join(' / ')} s; target ≤ ${want <= 1000 ? 15 : 60} s), CPU ${nodeCpuS?.toFixed(1) ?? '?'} s node + ${pgCpuS?.toFixed(1) ?? '?'} s server (medians) — ${last?.statementsAnalyzed} planned, ${last?.skipped.length} skipped, ${last?.candidates} candidates (${last?.bounding?.candidatesCosted ?? '?'} costed), ${last?.explains} EXPLAINs, ${last?.recommendations.length} recommended, cost after ${last ? Math.round(last.totalCostAfter) : '?'}, peak RSS ${Math.round(peakRss / 1048576)} MB (whole process); load avg ${load.map((x) => x.toFixed(1)).join(' / ')} on ${cpus().length} cores`,
        );
      }
    } finally {
      clearInterval(rssTimer);
      await session.close();
    }
  }
}
