// Advisor phase 5, selection: lazy greedy on marginal benefit under the budget, improvement swaps, then
// pruning (each chosen index re-judged against all the others).
//
// A candidate's benefit is the calls-weighted planner cost it removes given the indexes already chosen (so
// an index that only helps queries already served by a chosen one scores ~0), minus its write overhead.
// Benefits only shrink as the set grows, so a stale upper bound that still tops the queue after
// re-evaluation is the true best. The bounds, per (candidate, statement): the leading-key floor (costing.ts), the
// candidate's reduction and its own stale plans (pairCosts.ts' memo); the top is taken only once exact, so the
// result is the plain greedy's (exhaustiveCosting, a db test).
import { columnKey } from './catalog';
import { createIndexSql, hypoDdl, indexName, predicateSql, type Candidate } from './candidates';
import { PARTIAL_BOUND_SHARE, PARTIAL_MIN_CHUNK, type WhatIfCoster } from './costing';
import { namedMask, PairMemo, reducedDdl } from './pairCosts';
import type { CandidatePool } from './pool';
import type { AdvisorOptions, Chosen, DroppedIndex, Planned } from './types';
import type { GenericPlanner, WhatIfEngine } from './whatif';

/** A chosen index that is a key prefix of another chosen one stays only if it removes this share on its own. */
export const PREFIX_MIN_SHARE = 0.02;
/** Worth its place: leaving a recommended index out (the rest of the set in place) must cost at least this share of the workload (default of `minMarginalShare`). */
export const WORTH_MIN_SHARE = 0.002;
/** After the prune dropped an index, the freed slots are refilled (greedy again, then the prune) at most this many times. */
export const REFILL_ROUNDS = 2;
/** Improvement swaps: passes over the chosen set, candidates tried per chosen index, and a floor on the EXPLAINs they may spend (otherwise as many as selection took). */
export const SWAP_PASSES = 3;
export const SWAP_POOL = 12;
export const SWAP_MIN_PLANS = 2000;
/** Stale candidates costed together when the lazy greedy needs the top one. */
export const LAZY_BATCH = 16;
/** Statements per what-if job of one (reduced) index: keeps the batches even across what-if connections. */
export const CLASS_JOB_STATEMENTS = 100;

export interface SelectionContext {
  opts: AdvisorOptions;
  check(): void;
  planner: GenericPlanner;
  engine: WhatIfEngine;
  coster: WhatIfCoster;
  pool: CandidatePool;
  planned: Planned[];
  totalBefore: number;
  /** An index must remove at least this much (calls-weighted cost). */
  minAbs: number;
  maxIndexes: number;
  maxSize: number;
  /** Statement id -> its cost with the chosen indexes. */
  current: Map<string, number>;
  chosen: Chosen[];
  stats: SelectionStats;
  /** Chosen indexes the prune dropped as not worth their place (filled by selectIndexes). */
  dropped?: DroppedIndex[];
}

export interface SelectionStats {
  swaps: number;
  belowMinSavings: number;
  /** Candidates whose upper bound showed they cannot pay (never costed). */
  boundedOut: number;
  /** Candidates costed (partial costing: on some or all of their statements). */
  evaluatedCandidates: number;
}

interface Entry {
  c: Candidate;
  /** Upper bound of its benefit (exact when `exact`), net of the write overhead, as of `round`. */
  net: number;
  alone: number;
  round: number;
  /** Its hypothetical size in bytes, once planned (0 before). */
  size: number;
  overhead: number;
  rows: number;
  exact?: boolean;
  /** Exact at least once (`alone` is then its first exact value). */
  costedOnce?: boolean;
  /** Planned on some of its statements at least once (counted in the stats). */
  touched?: boolean;
  /** Its statements (indexes into the memo's), the (reduced) index each is planned with, and each one's floor bound. */
  sts: Int32Array;
  cls: Int32Array;
  own: number;
  floor: Float64Array;
}

/**
 * A btree candidate whose leading keys are exactly the keys of a valid, non-partial unique index (a primary key,
 * say): that prefix already finds at most one row, so its further keys cannot narrow the search or order more
 * than one row. Only an index-only scan could justify it, which is what the covering candidates are for (they are
 * kept). Returns the unique index's name.
 */
export function uniqueLed(c: Candidate): string | undefined {
  if (c.method !== 'btree' || c.include?.length) return undefined;
  for (const ix of c.table.indexes) {
    if (!ix.valid || !ix.unique || ix.predicate || ix.am !== 'btree' || ix.keys.length === 0 || ix.keys.length >= c.keys.length) continue;
    const lead = c.keys.slice(0, ix.keys.length).map((k) => k.key);
    if (ix.keys.every((k) => lead.includes(k))) return ix.name;
  }
  return undefined;
}

/** Chooses the indexes (ctx.chosen, created in the engine) and updates ctx.current. */
export async function selectIndexes(ctx: SelectionContext): Promise<void> {
  const { opts, engine, planner, coster, pool, minAbs, maxIndexes, maxSize, totalBefore, current, chosen, stats } = ctx;
  const { affected, overheadOf } = pool;
  // Every statement a candidate is relevant to, before bounding narrows `affected` to those it can improve:
  // a chosen index makes these statements' costs with any other candidate stale.
  const relevant = new Map(affected);
  // Worth its place: an index that removes less than this with the others in place is not recommended, so
  // the greedy does not pick one that cannot reach it either (its marginal benefit only shrinks as the set grows).
  const worthAbs = Math.max(minAbs, (opts.minMarginalShare ?? WORTH_MIN_SHARE) * totalBefore);
  // Led by a primary key's (or unique index's) columns: not costed (uniqueLed).
  const eligible = pool.whatIfCandidates.filter((c) => !uniqueLed(c));
  const uniqueLedOut = pool.whatIfCandidates.length - eligible.length;
  // Exhaustive (for comparison and tests): no bounds, no reduced plans, no tolerance — every candidate costed
  // exactly on all its statements before each pick.
  const exhaustive = opts.exhaustiveCosting === true;
  // First estimate: every statement the candidate can serve, with no other index chosen. This must be the
  // full set: a lazy greedy needs upper bounds, and an estimate from only the statements that produced the
  // candidate is a lower bound (measured on HealthMate: a 2-column index that also served other statements
  // lost the first pick to its 1-column prefix). The bound comes from costing.ts (leading-key floors).
  const bounds = exhaustive ? new Map<string, number>() : await coster.bounds(eligible);
  const memo = new PairMemo(ctx.planned);
  // The scratch engine builds a real index per job: no reductions there (each would be one more build), and one
  // job per index.
  const hypo = engine.kind === 'hypopg';
  const calls = Float64Array.from(ctx.planned, (p) => p.stmt.calls);
  let queue: Entry[] = [];
  /** A candidate's entry: its statements, the reduced index each is planned with (pairCosts.ts), their floor bounds. */
  const makeEntry = (c: Candidate, overhead: number, rows: number): Entry => {
    const ps = affected.get(c.id) ?? [];
    const own = memo.classOf(hypoDdl(c));
    const sts = new Int32Array(ps.length);
    const cls = new Int32Array(ps.length).fill(own);
    const floor = new Float64Array(ps.length);
    const full = (1 << (c.keys.length + (c.include?.length ?? 0))) - 1;
    const reduced = new Map<number, number>();
    ps.forEach((p, j) => {
      sts[j] = memo.stmtIndex(p.stmt.id);
      floor[j] = exhaustive ? Number.POSITIVE_INFINITY : coster.pairBound(c, p);
      if (exhaustive || !hypo) return;
      const mask = namedMask(c, p);
      if (mask < 0 || mask === full) return;
      let k = reduced.get(mask);
      if (k === undefined) {
        const ddl = reducedDdl(c, mask);
        k = ddl === undefined ? own : memo.classOf(ddl);
        reduced.set(mask, k);
      }
      cls[j] = k;
    });
    return { c, net: Number.POSITIVE_INFINITY, alone: Number.POSITIVE_INFINITY, round: -1, size: 0, overhead, rows, exact: false, sts, cls, own, floor };
  };
  for (const c of eligible) {
    const { overhead, rows } = overheadOf(c);
    const bound = bounds.get(c.id) ?? Number.POSITIVE_INFINITY;
    if (!exhaustive && bound - overhead <= worthAbs) {
      stats.boundedOut++;
      continue;
    }
    const e = makeEntry(c, overhead, rows);
    e.net = e.alone = bound - overhead;
    queue.push(e);
  }
  if (uniqueLedOut) opts.progress?.(`advisor: ${uniqueLedOut} candidates led by a primary key or unique index's columns left out (only an index-only scan could justify them: the covering candidates)`);
  opts.progress?.(`advisor: ${queue.length} candidates can pay (${stats.boundedOut} cannot, by their bound); costing them lazily`);
  let round = 0;
  let usedSize = 0;
  const incremental = opts.incrementalCosting !== false;
  // Partial costing (branch and bound): a candidate is costed on its statements with the largest bounds first,
  // in chunks; its value is then the exact gain on those plus the bound of the rest, still an upper bound, so
  // one whose value falls below the top is left without costing the rest. Only a fully costed one is chosen.
  const partial = opts.partialCosting !== false && !exhaustive;
  /** Whether the last pairValue was exact (no object per pair: millions of calls on large workloads). */
  let pairExact = false;
  /** What the pair can still remove (calls-weighted): exact, or an upper bound (pairExact false). */
  const pairValue = (e: Entry, j: number): number => {
    const i = e.sts[j]!;
    const sx = memo.slot(e.own, i);
    if (sx >= 0 && memo.valid(sx, i)) {
      pairExact = true;
      return memo.gain[sx]!;
    }
    let b = e.floor[j]!;
    if (!exhaustive) {
      if (sx >= 0 && memo.bounds(sx)) b = Math.min(b, memo.gain[sx]!);
      const k = e.cls[j]!;
      if (k !== e.own) {
        const sk = memo.slot(k, i);
        if (sk >= 0 && (memo.valid(sk, i) || memo.bounds(sk))) b = Math.min(b, memo.gain[sk]!);
      }
    }
    pairExact = b <= 0;
    return b;
  };
  /** The entry's value from the memo (no EXPLAIN): exact on the pairs planned since their statement last changed, bounds elsewhere. */
  const revalue = (e: Entry): void => {
    let net = 0;
    let exact = true;
    for (let j = 0; j < e.sts.length; j++) {
      net += pairValue(e, j);
      if (!pairExact) exact = false;
    }
    e.net = net - e.overhead;
    e.exact = exact;
    e.round = round;
    e.size = memo.sizes[e.own] || e.size;
    if (!exact) return;
    if (!e.costedOnce) {
      e.alone = e.net;
      e.costedOnce = true;
    }
    if (opts.minSavingsShare !== undefined && savingsShare(e) < opts.minSavingsShare) e.net = -Infinity;
  };
  /** Share of the cost of the statements an exactly costed entry serves (those it makes cheaper) that it removes. */
  const savingsShare = (e: Entry): number => {
    let served = 0;
    let saved = 0;
    for (let j = 0; j < e.sts.length; j++) {
      const i = e.sts[j]!;
      const sx = memo.slot(e.own, i);
      if (sx < 0 || !(memo.gain[sx]! > 0)) continue;
      const p = ctx.planned[i]!;
      served += calls[i]! * (current.get(p.stmt.id) ?? p.baseline);
      saved += memo.gain[sx]!;
    }
    return served > 0 ? saved / served : 0;
  };
  /**
   * The plans that tighten the entry next: first the reduced indexes of its statements (shared with every
   * candidate reducing alike), then its own exact plans, largest bound first, in chunks (partial costing).
   */
  const requests = (e: Entry, add: (k: number, i: number) => void): void => {
    const pending: { j: number; bound: number }[] = [];
    let shared = 0;
    let exactSoFar = 0;
    for (let j = 0; j < e.sts.length; j++) {
      const bound = pairValue(e, j);
      if (pairExact) {
        exactSoFar++;
        continue;
      }
      const i = e.sts[j]!;
      const k = e.cls[j]!;
      if (partial && k !== e.own) {
        const sk = memo.slot(k, i);
        if (sk < 0 || !memo.valid(sk, i)) {
          add(k, i);
          shared++;
          continue;
        }
      }
      pending.push({ j, bound });
    }
    if (shared) return;
    pending.sort((a, b) => b.bound - a.bound);
    for (const x of takeChunk(pending, exactSoFar, !partial)) add(e.own, e.sts[x.j]!);
  };
  /** Plans (index class, statement) pairs in batches and keeps them in the memo at this round. */
  const plan = async (want: Map<number, Set<number>>): Promise<void> => {
    const jobs: { k: number; ddl: string; stmts: Planned[]; idx: number[] }[] = [];
    for (const [k, set] of want) {
      const idx = [...set];
      const per = hypo ? CLASS_JOB_STATEMENTS : idx.length;
      for (let a = 0; a < idx.length; a += per) {
        const part = idx.slice(a, a + per);
        jobs.push({ k, ddl: memo.ddls[k]!, stmts: part.map((i) => ctx.planned[i]!), idx: part });
      }
    }
    const res = await coster.costDdlJobs(jobs);
    jobs.forEach((job, n) => {
      const r = res[n]!;
      if (r.size > 0) memo.sizes[job.k] = r.size;
      job.idx.forEach((i, m) => {
        const p = ctx.planned[i]!;
        const cur = current.get(p.stmt.id) ?? p.baseline;
        // A statement that could not be planned counts as unchanged.
        const cost = r.costs[m] ?? cur;
        memo.set(job.k, i, cost, calls[i]! * Math.max(0, cur - cost), round);
      });
    });
  };
  const greedy = async (): Promise<void> => {
    while (chosen.length < maxIndexes && queue.length) {
      queue.sort((a, b) => b.net - a.net);
      // No tolerance: the top is taken only once it is exact (a fresh entry within 2 % of a stale top used to be
      // taken as is; with bounds this tight it saved few plans and chose differently from the plain greedy:
      // 1.2 % more cost after on the scale test's 255 statements).
      const top = queue[0]!;
      if (top.net <= worthAbs) break;
      if (usedSize + top.size > maxSize) {
        queue.shift();
        continue;
      }
      if (top.round < round || !top.exact) {
        // First what the memo already knows (no EXPLAIN): a candidate none of whose statements changed keeps
        // its exact value, and plans other candidates shared tighten its bounds.
        if (top.round < round) {
          revalue(top);
          if (top.exact || top.net < (queue[1]?.net ?? -Infinity)) continue;
        }
        const stale = queue.filter((e) => e.round < round || !e.exact).slice(0, exhaustive ? undefined : LAZY_BATCH);
        const want = new Map<number, Set<number>>();
        let touched = 0;
        for (const e of stale) {
          if (e.round < round) revalue(e);
          if (e.exact) continue;
          if (!e.touched) {
            e.touched = true;
            touched++;
          }
          requests(e, (k, i) => {
            const set = want.get(k) ?? want.set(k, new Set()).get(k)!;
            set.add(i);
          });
        }
        if (want.size) await plan(want);
        for (const e of stale) revalue(e);
        const before = queue.length;
        queue = queue.filter((e) => e.net !== -Infinity);
        stats.belowMinSavings += before - queue.length;
        stats.evaluatedCandidates += touched;
        if (touched && stats.evaluatedCandidates % (LAZY_BATCH * 8) < touched) opts.progress?.(`advisor: ${stats.evaluatedCandidates} candidates costed, ${chosen.length} chosen, ${planner.explains} EXPLAINs`);
        continue;
      }
      queue.shift();
      const h = await engine.create(hypoDdl(top.c));
      for (let j = 0; j < top.sts.length; j++) {
        const i = top.sts[j]!;
        const sx = memo.slot(top.own, i);
        if (sx < 0 || !memo.valid(sx, i)) continue;
        const id = ctx.planned[i]!.stmt.id;
        const cost = memo.cost[sx]!;
        current.set(id, Math.min(current.get(id) ?? cost, cost));
      }
      usedSize += h.sizeBytes;
      chosen.push({ c: top.c, oid: h.oid, hypoName: h.name, sizeBytes: h.sizeBytes, overhead: top.overhead, rows: top.rows, benefit: top.net + top.overhead, marginal: 0, helped: new Map() });
      if (incremental) for (const p of relevant.get(top.c.id) ?? []) memo.dirtyAt[memo.stmtIndex(p.stmt.id)] = round + 1;
      else memo.dirtyAt.fill(round + 1);
      round++;
      // Same table, same leading key: only one of them can be worth it now; the lazy re-evaluation sorts it out.
      queue = queue.filter((e) => e.c.id !== top.c.id);
    }
  };
  /** Each entry's costs on its statements with the chosen set as it is: from the memo, planning only what it lacks. */
  const costsNow = async (es: Entry[]): Promise<{ costs: Map<string, Map<string, number>>; planned: number }> => {
    const want = new Map<number, Set<number>>();
    let planned = 0;
    for (const e of es)
      for (const i of e.sts) {
        const sx = memo.slot(e.own, i);
        if (sx >= 0 && memo.valid(sx, i)) continue;
        const set = want.get(e.own) ?? want.set(e.own, new Set()).get(e.own)!;
        if (!set.has(i)) planned++;
        set.add(i);
      }
    if (want.size) await plan(want);
    for (const e of es) e.size = memo.sizes[e.own] || e.size;
    return {
      planned,
      costs: new Map(
        es.map((e) => {
          const m = new Map<string, number>();
          for (const i of e.sts) {
            const sx = memo.slot(e.own, i);
            if (sx >= 0 && memo.valid(sx, i)) m.set(ctx.planned[i]!.stmt.id, memo.cost[sx]!);
          }
          return [e.c.id, m];
        }),
      ),
    };
  };
  /** The chosen set changed other than by a pick (a swap): the statements of the indexes that came and went are dirty, and no stale gain bounds any more. */
  const setChanged = (ids: string[]): void => {
    round++;
    memo.shrinkRound = round;
    for (const id of ids) for (const p of relevant.get(id) ?? []) memo.dirtyAt[memo.stmtIndex(p.stmt.id)] = round;
  };
  await greedy();
  opts.progress?.(`advisor: ${memo.size} (index, statement) plans for ${memo.ddls.length} indexes (candidates and their reductions)`);

  // Improvement swaps: replace a chosen index with an unchosen candidate while the workload's total
  // (read cost + write overhead) improves. Greedy commits to its first picks; a swap can undo one that a
  // later pick made partly redundant. Tried against the candidates that were best on their own.
  opts.progress?.(`advisor: ${chosen.length} chosen after ${planner.explains} EXPLAINs; trying improvement swaps`);
  const greedyPicks = chosen.map((ch) => ch.c.id);
  if (opts.swaps !== false) {
    // The swap pool ranks candidates by their value alone; one never costed exactly has its bound there, which the
    // memo can tighten (its value with the chosen set in place, bounded by the plans made since).
    for (const e of queue)
      if (!e.costedOnce) {
        revalue(e);
        e.alone = Math.min(e.alone, e.net);
      }
    const sw = await improveBySwaps(ctx, queue, usedSize, relevant, { makeEntry, costsNow, setChanged });
    stats.swaps = sw.swaps;
    usedSize = sw.usedSize;
  }

  // Prune: each chosen index judged against all the others; a dropped index frees its slot, which the greedy
  // refills (from the candidates never dropped) before the set is judged again.
  const dropped = (ctx.dropped ??= []);
  const droppedIds = new Set<string>();
  for (let refill = 0; ; refill++) {
    const out = await pruneChosen(ctx, worthAbs);
    for (const d of out) {
      dropped.push(droppedIndex(d.ch, d.marginal, totalBefore, d.reason));
      droppedIds.add(d.ch.c.id);
    }
    if (!out.length || refill >= REFILL_ROUNDS || chosen.length >= maxIndexes) break;
    usedSize = chosen.reduce((a, ch) => a + ch.sizeBytes, 0);
    // The set changed (swaps, drops): statements relevant to an index that came or went are dirty, and a stale
    // gain bounds nothing any more (a smaller set can make a candidate worth more than when it was costed).
    round++;
    memo.shrinkRound = round;
    for (const id of new Set([...greedyPicks, ...chosen.map((ch) => ch.c.id), ...droppedIds])) for (const p of relevant.get(id) ?? []) memo.dirtyAt[memo.stmtIndex(p.stmt.id)] = round;
    queue = queue.filter((e) => !droppedIds.has(e.c.id) && !chosen.some((ch) => ch.c.id === e.c.id));
    for (const e of queue) revalue(e);
    greedyPicks.splice(0, greedyPicks.length, ...chosen.map((ch) => ch.c.id));
    const n = chosen.length;
    await greedy();
    for (const ch of chosen) if (!greedyPicks.includes(ch.c.id)) greedyPicks.push(ch.c.id);
    if (chosen.length === n) break;
  }
}

/**
 * The next chunk of a partly costed candidate's statements (from the front of `pending`, largest bound first):
 * at least PARTIAL_MIN_CHUNK and as many as were costed already (the chunks double), and enough to cover
 * PARTIAL_BOUND_SHARE of the pending bound. `all` = the whole rest at once.
 */
function takeChunk<T extends { bound: number }>(pending: T[], costedSoFar: number, all: boolean): T[] {
  if (all) return pending;
  const total = pending.reduce((a, x) => a + x.bound, 0);
  const min = Math.max(PARTIAL_MIN_CHUNK, costedSoFar);
  let n = 0;
  let covered = 0;
  while (n < pending.length && (n < min || covered < PARTIAL_BOUND_SHARE * total)) covered += pending[n++]!.bound;
  // Not worth a second round trip for a small rest.
  if (pending.length - n < PARTIAL_MIN_CHUNK / 2) n = pending.length;
  return pending.slice(0, n);
}

interface PruneOut {
  ch: Chosen;
  marginal: number;
  reason: string;
}

/**
 * Each chosen index judged against all the others (in selection order; a drop changes the costs the later
 * ones are judged against): one that no longer pays its place is dropped from the engine and `chosen`.
 * Repeated until no index is dropped, so every index left is worth its place with exactly the others left.
 */
async function pruneChosen(ctx: SelectionContext, worthAbs: number): Promise<PruneOut[]> {
  const { opts, engine, planner, coster, pool, minAbs, totalBefore, current, chosen, stats } = ctx;
  const { affected } = pool;
  const callsById = new Map(ctx.planned.map((p) => [p.stmt.id, p.stmt.calls]));
  const out: PruneOut[] = [];
  let judged = new Set<Chosen>();
  opts.progress?.(`advisor: re-judging ${chosen.length} chosen indexes (${stats.swaps} swaps; ${planner.explains} EXPLAINs so far)`);
  for (let pass = 0; pass < 1 + chosen.length; pass++) {
    const droppedThisPass = out.length;
    for (let i = 0; i < chosen.length; ) {
      const ch = chosen[i]!;
      // A later pass re-judges only indexes that share a statement with one dropped since they were judged.
      if (judged.has(ch)) {
        i++;
        continue;
      }
      await engine.drop(ch.oid);
      let loss = 0;
      const helped = new Map<string, number>();
      // One batch per chosen index (not a round trip per statement).
      const without = await coster.planAsIs(affected.get(ch.c.id) ?? []);
      for (const p of affected.get(ch.c.id) ?? []) {
        const cost = without.get(p.stmt.id);
        if (cost === undefined) continue;
        const cur = current.get(p.stmt.id) ?? p.baseline;
        if (cost > cur + 1e-9) {
          loss += p.stmt.calls * (cost - cur);
          helped.set(p.stmt.id, cost);
        }
      }
      // An index whose keys start another chosen index (same predicate) duplicates most of its work:
      // it must earn clearly more than the minimum to stay.
      const prefixOfOther = chosen.some(
        (o) =>
          o !== ch &&
          o.c.table === ch.c.table &&
          o.c.keys.length > ch.c.keys.length &&
          ch.c.keys.every((k, j) => o.c.keys[j]?.key === k.key) &&
          (predicateSql(o.c.predicate) ?? '') === (predicateSql(ch.c.predicate) ?? ''),
      );
      const served = [...helped.keys()].reduce((a, id) => a + (callsById.get(id) ?? 0) * (without.get(id) ?? 0), 0);
      const tooSmall = opts.minSavingsShare !== undefined && served > 0 && loss / served < opts.minSavingsShare;
      const floor = prefixOfOther ? Math.max(worthAbs, PREFIX_MIN_SHARE * totalBefore) : worthAbs;
      const marginal = loss - ch.overhead;
      if (tooSmall || marginal < floor) {
        if (tooSmall) stats.belowMinSavings++;
        for (const [id, cost] of without) current.set(id, cost);
        chosen.splice(i, 1);
        out.push({
          ch,
          marginal,
          reason: tooSmall
            ? `saves less than --min-savings-pct of the statements it serves with the others in place`
            : prefixOfOther
              ? `its keys start another recommended index, and with it in place it removes ${pct(marginal, totalBefore)} of the workload's cost (needs ${pct(floor, totalBefore)})`
              : marginal <= minAbs && worthAbs === minAbs
                ? `with the others in place it removes ${pct(marginal, totalBefore)} of the workload's cost (needs more than ${pct(floor, totalBefore)})`
                : `not worth its place: with the others in place it removes ${pct(marginal, totalBefore)} of the workload's cost (needs at least ${pct(floor, totalBefore)})`,
        });
        // Those sharing a statement with it are judged again (their marginal can change either way).
        const mine = new Set((affected.get(ch.c.id) ?? []).map((p) => p.stmt.id));
        judged = new Set([...judged].filter((o) => !(affected.get(o.c.id) ?? []).some((p) => mine.has(p.stmt.id))));
        continue;
      }
      const h = await engine.create(hypoDdl(ch.c));
      ch.oid = h.oid;
      ch.hypoName = h.name;
      ch.benefit = loss;
      ch.helped = helped;
      judged.add(ch);
      i++;
    }
    if (out.length === droppedThisPass) break;
  }
  return out;
}

function pct(x: number, total: number): string {
  return `${total > 0 ? ((100 * x) / total).toFixed(2) : '0.00'} %`;
}

function droppedIndex(ch: Chosen, marginal: number, totalBefore: number, reason: string): DroppedIndex {
  return {
    sql: createIndexSql(ch.c),
    name: indexName(ch.c),
    schema: ch.c.table.schema,
    table: ch.c.table.name,
    columns: ch.c.keys.map((k) => (k.key === columnKey(k.column) ? k.column : k.key)),
    marginalBenefit: marginal,
    marginalShare: totalBefore > 0 ? marginal / totalBefore : 0,
    reason,
  };
}

/**
 * Swaps are costed by parts: a swap-in candidate changes only the statements it is relevant to (uses its leading
 * key), a chosen index only those it is relevant to. Per pass (and after each swap) each swap-in candidate is
 * costed once with the chosen set, and each chosen index's statements once without it; a (chosen, swap-in) pair
 * then needs plans only for the statements both are relevant to (none for most pairs: other tables or other
 * leading keys). The same figures as planning every pair's statements with the swap made.
 */
async function improveBySwaps(
  ctx: SelectionContext,
  pool: Entry[],
  usedSizeIn: number,
  relevant: Map<string, Planned[]>,
  sel: {
    makeEntry: (c: Candidate, overhead: number, rows: number) => Entry;
    costsNow: (es: Entry[]) => Promise<{ costs: Map<string, Map<string, number>>; planned: number }>;
    setChanged: (ids: string[]) => void;
  },
): Promise<{ usedSize: number; swaps: number }> {
  const { makeEntry } = sel;
  const callsById = new Map(ctx.planned.map((p) => [p.stmt.id, p.stmt.calls]));
  const { engine, planner, coster, minAbs, maxSize, totalBefore, current, chosen, stats } = ctx;
  const { affected } = ctx.pool;
  let usedSize = usedSizeIn;
  let done = 0;
  const planBudget = Math.max(SWAP_MIN_PLANS, planner.explains);
  let plans = 0;
  const eps = Math.max(minAbs * 0.1, 1e-9 * totalBefore);
  for (let pass = 0; pass < SWAP_PASSES; pass++) {
    let improved = false;
    // The swap pool: the candidates best on their own, costed exactly (a bound alone would rank them).
    let ins = [...pool].sort((a, b) => b.alone - a.alone).slice(0, SWAP_POOL);
    for (let k = 0; k < 4 && ins.some((e) => !e.costedOnce); k++) {
      const todo = ins.filter((e) => !e.costedOnce);
      const now = await sel.costsNow(todo);
      plans += now.planned;
      for (const e of todo) {
        let gain = 0;
        for (const [id, cost] of now.costs.get(e.c.id)!) gain += callsById.get(id)! * Math.max(0, (current.get(id) ?? cost) - cost);
        e.alone = gain - e.overhead;
        e.costedOnce = true;
      }
      stats.evaluatedCandidates += todo.length;
      ins = [...pool].sort((a, b) => b.alone - a.alone).slice(0, SWAP_POOL);
    }
    const ids = (ps: Planned[] | undefined): Set<string> => new Set((ps ?? []).map((p) => p.stmt.id));
    const relevantIds = new Map<string, Set<string>>();
    const relevantTo = (c: Candidate): Set<string> => relevantIds.get(c.id) ?? relevantIds.set(c.id, ids(relevant.get(c.id) ?? affected.get(c.id))).get(c.id)!;
    // Each swap-in candidate's costs with the chosen set; each chosen index's statements' costs without it.
    let withIn = new Map<Entry, Map<string, number>>();
    let without = new Map<Chosen, Map<string, number>>();
    const refresh = async (): Promise<void> => {
      const todo = ins.filter((e) => pool.includes(e) && e.alone > minAbs);
      // With the chosen set as it is: what the greedy planned since the statements last changed is reused.
      const now = await sel.costsNow(todo);
      withIn = new Map(todo.map((e) => [e, now.costs.get(e.c.id)!]));
      plans += now.planned;
      without = new Map();
      for (const out of chosen) {
        ctx.check();
        await engine.drop(out.oid);
        without.set(out, await coster.planAsIs(affected.get(out.c.id) ?? []));
        plans += affected.get(out.c.id)?.length ?? 0;
        const back = await engine.create(hypoDdl(out.c));
        out.oid = back.oid;
        out.hypoName = back.name;
      }
    };
    await refresh();
    for (let i = 0; i < chosen.length; i++) {
      for (const e of ins) {
        const out = chosen[i]!;
        if (!pool.includes(e) || e.alone <= minAbs) continue;
        if (usedSize - out.sizeBytes + e.size > maxSize) continue;
        if (plans > planBudget) return { usedSize, swaps: done };
        ctx.check();
        const stmts = [...new Set([...(affected.get(out.c.id) ?? []), ...(affected.get(e.c.id) ?? [])])];
        const relOut = relevantTo(out.c);
        const relIn = relevantTo(e.c);
        // Statements both are relevant to: planned with the swap made.
        const both = stmts.filter((p) => relOut.has(p.stmt.id) && relIn.has(p.stmt.id));
        // Before planning those: with the swap made they cost at least what they cost with the swap-in on top of
        // the whole chosen set (fewer indexes never make a plan cheaper), so a swap that cannot pay even then is
        // left without a plan (most pairs: the swap-in mostly repeats what the chosen set does).
        let lowest = e.overhead - out.overhead;
        for (const p of stmts) {
          const id = p.stmt.id;
          const cur = current.get(id) ?? p.baseline;
          const cost = (relOut.has(id) && relIn.has(id) ? withIn.get(e)?.get(id) : !relIn.has(id) ? without.get(out)?.get(id) : withIn.get(e)?.get(id)) ?? cur;
          lowest += p.stmt.calls * (cost - cur);
        }
        if (lowest >= -eps) continue;
        let bothCosts = new Map<string, number>();
        if (both.length) {
          await engine.drop(out.oid);
          bothCosts = (await coster.costJobs([{ c: e.c, stmts: both }]))[0]!.costs;
          plans += both.length;
          const back = await engine.create(hypoDdl(out.c));
          out.oid = back.oid;
          out.hypoName = back.name;
        }
        const costs = new Map<string, number>();
        let delta = e.overhead - out.overhead;
        for (const p of stmts) {
          const id = p.stmt.id;
          // The swap-in does not touch it: as without the swapped-out index; the swapped-out one does not: as
          // with the swap-in on top of the chosen set. A statement that could not be planned counts as unchanged.
          const cost = (relOut.has(id) && relIn.has(id) ? bothCosts.get(id) : !relIn.has(id) ? without.get(out)?.get(id) : withIn.get(e)?.get(id)) ?? current.get(id) ?? p.baseline;
          costs.set(id, cost);
          delta += p.stmt.calls * (cost - (current.get(id) ?? p.baseline));
        }
        if (delta < -eps) {
          await engine.drop(out.oid);
          const hIn = await engine.create(hypoDdl(e.c));
          for (const [id, cost] of costs) current.set(id, cost);
          usedSize += hIn.sizeBytes - out.sizeBytes;
          chosen[i] = { c: e.c, oid: hIn.oid, hypoName: hIn.name, sizeBytes: hIn.sizeBytes, overhead: e.overhead, rows: e.rows, benefit: e.alone + e.overhead, marginal: 0, helped: new Map() };
          pool.splice(pool.indexOf(e), 1);
          pool.push({ ...makeEntry(out.c, out.overhead, out.rows), net: 0, alone: out.benefit - out.overhead, size: out.sizeBytes, exact: true, costedOnce: true });
          done++;
          improved = true;
          sel.setChanged([out.c.id, e.c.id]);
          await refresh();
        }
      }
    }
    if (!improved) break;
  }
  return { usedSize, swaps: done };
}
