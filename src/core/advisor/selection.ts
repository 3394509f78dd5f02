// Advisor phase 5, selection: lazy greedy on marginal benefit under the budget, improvement swaps, then
// pruning (each chosen index re-judged against all the others).
//
// A candidate's benefit is the calls-weighted planner cost it removes given the indexes already chosen (so
// an index that only helps queries already served by a chosen one scores ~0), minus its write overhead.
// Benefits only shrink as the set grows, so a stale upper bound that still tops the queue after
// re-evaluation is the true best.
import { hypoDdl, predicateSql, type Candidate } from './candidates';
import { WhatIfCoster } from './costing';
import type { CandidatePool } from './pool';
import type { AdvisorOptions, Chosen, Planned } from './types';
import type { GenericPlanner, WhatIfEngine } from './whatif';

/** A chosen index that is a key prefix of another chosen one stays only if it removes this share on its own. */
export const PREFIX_MIN_SHARE = 0.02;
/** Improvement swaps: passes over the chosen set, candidates tried per chosen index, and a floor on the EXPLAINs they may spend (otherwise as many as selection took). */
export const SWAP_PASSES = 3;
export const SWAP_POOL = 12;
export const SWAP_MIN_PLANS = 2000;
/** Lazy greedy tolerance: a freshly costed candidate within this share of the best stale bound is picked without re-costing the rest. */
export const LAZY_EPS = 0.02;
/** Stale candidates costed together when the lazy greedy needs the top one. */
export const LAZY_BATCH = 16;

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
  net: number;
  alone: number;
  round: number;
  costs: Map<string, number>;
  size: number;
  overhead: number;
  rows: number;
  exact?: boolean;
  /** Costed on all its statements at least once (`alone` is then its first exact value). */
  costedOnce?: boolean;
  /**
   * Partial costing: statements not costed (or made stale by a chosen index) yet, largest bound first; `net`
   * counts their bound. Undefined = none costed yet.
   */
  pending?: { p: Planned; bound: number }[];
  /** Ids of the pending statements. */
  pendingIds?: Set<string>;
  /** Statement id -> the calls-weighted cost it removed when last costed (positive ones only): the bound of a stale statement. */
  gains?: Map<string, number>;
}

/** Share of the cost of the statements a candidate serves (those it makes cheaper) that it removes. */
function savingsShare(affected: Map<string, Planned[]>, c: Candidate, costs: Map<string, number>, cur: Map<string, number>): number {
  let served = 0;
  let saved = 0;
  for (const p of affected.get(c.id) ?? []) {
    const after = costs.get(p.stmt.id);
    const before = cur.get(p.stmt.id) ?? p.baseline;
    if (after === undefined || after >= before) continue;
    served += p.stmt.calls * before;
    saved += p.stmt.calls * (before - after);
  }
  return served > 0 ? saved / served : 0;
}

/** Chooses the indexes (ctx.chosen, created in the engine) and updates ctx.current. */
export async function selectIndexes(ctx: SelectionContext): Promise<void> {
  const { opts, engine, planner, coster, pool, minAbs, maxIndexes, maxSize, totalBefore, current, chosen, stats } = ctx;
  const { affected, overheadOf } = pool;
  // First estimate: every statement the candidate can serve, with no other index chosen. This must be the
  // full set: a lazy greedy needs upper bounds, and an estimate from only the statements that produced the
  // candidate is a lower bound (measured on HealthMate: a 2-column index that also served other statements
  // lost the first pick to its 1-column prefix). The bound comes from costing.ts (leading-key floors).
  let queue: Entry[] = [];
  // Every statement a candidate is relevant to, before bounding narrows `affected` to those it can improve:
  // a chosen index makes these statements' costs with any other candidate stale.
  const relevant = new Map(affected);
  const bounds = await coster.bounds(pool.whatIfCandidates);
  for (const c of pool.whatIfCandidates) {
    const bound = bounds.get(c.id) ?? 0;
    const { overhead, rows } = overheadOf(c);
    if (bound - overhead <= minAbs) {
      stats.boundedOut++;
      continue;
    }
    queue.push({ c, net: bound - overhead, alone: bound - overhead, round: -1, costs: new Map(), size: 0, overhead, rows, exact: false });
  }
  opts.progress?.(`advisor: ${queue.length} candidates can pay (${stats.boundedOut} cannot, by their bound); costing them lazily`);
  let round = 0;
  let usedSize = 0;
  /** Statement id -> the round from which its costs with the chosen set differ from before (an index relevant to it was chosen). */
  const dirtyAt = new Map<string, number>();
  const incremental = opts.incrementalCosting !== false;
  // Partial costing (branch and bound): a candidate is costed on its statements with the largest bounds first,
  // in chunks; its value is then the exact gain on those plus the bound of the rest, still an upper bound, so
  // one whose value falls below the top is left without costing the rest. Only a fully costed one is chosen.
  const partial = opts.partialCosting !== false;
  /** The statements of an entry costed so far whose cost changed since (an index relevant to them was chosen). */
  const dirtySince = (e: Entry): Planned[] =>
    (affected.get(e.c.id) ?? []).filter((p) => !e.pendingIds?.has(p.stmt.id) && (!incremental || (dirtyAt.get(p.stmt.id) ?? -1) > e.round));
  const settle = (e: Entry, costs: Map<string, number>, size: number): void => {
    // Exact on the costed statements; a partly costed entry adds the bound of the rest (an upper bound).
    let gain = 0;
    const gains = (e.gains ??= new Map());
    for (const p of affected.get(e.c.id) ?? []) {
      const id = p.stmt.id;
      if (e.pendingIds?.has(id)) continue;
      const cost = costs.get(id);
      const g = cost === undefined ? 0 : p.stmt.calls * Math.max(0, (current.get(id) ?? p.baseline) - cost);
      gain += g;
      if (g > 0) gains.set(id, g);
      else gains.delete(id);
    }
    e.costs = costs;
    e.size = size;
    e.round = round;
    if (e.pending?.length) {
      e.exact = false;
      e.net = gain + e.pending.reduce((a, x) => a + x.bound, 0) - e.overhead;
      return;
    }
    e.exact = true;
    if (!e.costedOnce) {
      e.alone = gain - e.overhead;
      e.costedOnce = true;
    }
    e.net = gain - e.overhead;
    if (opts.minSavingsShare !== undefined && savingsShare(affected, e.c, costs, current) < opts.minSavingsShare) e.net = -Infinity;
  };
  while (chosen.length < maxIndexes && queue.length) {
    queue.sort((a, b) => b.net - a.net);
    // A fresh entry within LAZY_EPS of a stale top is taken as is: the stale value only shrinks when
    // re-costed, and many near-equal variants of one index (same leading key) would otherwise each be
    // re-costed every round.
    const freshIdx = queue.findIndex((e) => e.exact && e.round === round);
    if (freshIdx > 0 && queue[freshIdx]!.net >= queue[0]!.net * (1 - LAZY_EPS) && queue[freshIdx]!.net > minAbs) queue.unshift(...queue.splice(freshIdx, 1));
    const top = queue[0]!;
    if (top.net <= minAbs) break;
    if (usedSize + top.size > maxSize) {
      queue.shift();
      continue;
    }
    if (top.round < round || !top.exact) {
      // Incremental re-costing: a candidate's cost on a statement changes only when an index chosen since it
      // was costed is relevant to that statement (uses its leading key); only those statements are
      // re-planned, and a candidate with none left keeps its exact value without an EXPLAIN.
      for (const e of queue) if (e.exact && e.round < round && dirtySince(e).length === 0) settle(e, e.costs, e.size);
      const stale = queue.filter((e) => e.round < round || !e.exact).slice(0, LAZY_BATCH);
      let touched = 0;
      if (stale.length) {
        const work = stale.map((e) => {
          if (!e.pending) {
            touched++;
            e.pending = coster.byBound(e.c);
            e.pendingIds = new Set(e.pending.map((x) => x.p.stmt.id));
          }
          const pending = e.pending;
          if (e.round < round) {
            // Statements an index chosen since has made stale are pending again, bounded by what they
            // removed when last costed (benefits only shrink as the set grows).
            const dirty = dirtySince(e);
            if (dirty.length) {
              for (const p of dirty) {
                pending.push({ p, bound: e.gains?.get(p.stmt.id) ?? 0 });
                e.pendingIds!.add(p.stmt.id);
              }
              pending.sort((a, b) => b.bound - a.bound);
            }
          }
          const costedSoFar = (affected.get(e.c.id)?.length ?? 0) - pending.length;
          const chunk = WhatIfCoster.takeChunk(pending, costedSoFar, !partial);
          for (const x of chunk) e.pendingIds!.delete(x.p.stmt.id);
          return { e, stmts: chunk.map((x) => x.p) };
        });
        const res = await coster.costJobs(work.map((w) => ({ c: w.e.c, stmts: w.stmts })));
        work.forEach(({ e, stmts }, i) => {
          const r = res[i]!;
          const costs = new Map(e.costs);
          for (const p of stmts) {
            const cost = r.costs.get(p.stmt.id);
            if (cost === undefined) costs.delete(p.stmt.id);
            else costs.set(p.stmt.id, cost);
          }
          settle(e, costs, r.size);
        });
      }
      const before = queue.length;
      queue = queue.filter((e) => e.net !== -Infinity);
      stats.belowMinSavings += before - queue.length;
      stats.evaluatedCandidates += touched;
      if (touched && stats.evaluatedCandidates % (LAZY_BATCH * 8) < touched) opts.progress?.(`advisor: ${stats.evaluatedCandidates} candidates costed, ${chosen.length} chosen, ${planner.explains} EXPLAINs`);
      continue;
    }
    queue.shift();
    const h = await engine.create(hypoDdl(top.c));
    for (const [id, cost] of top.costs) current.set(id, Math.min(current.get(id) ?? cost, cost));
    usedSize += h.sizeBytes;
    chosen.push({ c: top.c, oid: h.oid, hypoName: h.name, sizeBytes: h.sizeBytes, overhead: top.overhead, rows: top.rows, benefit: top.net + top.overhead, marginal: 0, helped: new Map() });
    for (const p of relevant.get(top.c.id) ?? []) dirtyAt.set(p.stmt.id, round + 1);
    round++;
    // Same table, same leading key: only one of them can be worth it now; the lazy re-evaluation sorts it out.
    queue = queue.filter((e) => e.c.id !== top.c.id);
  }

  // Improvement swaps: replace a chosen index with an unchosen candidate while the workload's total
  // (read cost + write overhead) improves. Greedy commits to its first picks; a swap can undo one that a
  // later pick made partly redundant. Tried against the candidates that were best on their own.
  opts.progress?.(`advisor: ${chosen.length} chosen after ${planner.explains} EXPLAINs; trying improvement swaps`);
  if (opts.swaps !== false) stats.swaps = (await improveBySwaps(ctx, queue, usedSize, relevant)).swaps;

  // Prune: each chosen index judged against all the others.
  const callsById = new Map(ctx.planned.map((p) => [p.stmt.id, p.stmt.calls]));
  opts.progress?.(`advisor: re-judging ${chosen.length} chosen indexes (${stats.swaps} swaps; ${planner.explains} EXPLAINs so far)`);
  for (let i = 0; i < chosen.length; ) {
    const ch = chosen[i]!;
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
    if (tooSmall || loss - ch.overhead <= (prefixOfOther ? Math.max(minAbs, PREFIX_MIN_SHARE * totalBefore) : minAbs)) {
      if (tooSmall) stats.belowMinSavings++;
      for (const [id, cost] of without) current.set(id, cost);
      chosen.splice(i, 1);
      continue;
    }
    const h = await engine.create(hypoDdl(ch.c));
    ch.oid = h.oid;
    ch.hypoName = h.name;
    ch.benefit = loss;
    ch.helped = helped;
    i++;
  }
}

/**
 * Swaps are costed by parts: a swap-in candidate changes only the statements it is relevant to (uses its leading
 * key), a chosen index only those it is relevant to. Per pass (and after each swap) each swap-in candidate is
 * costed once with the chosen set, and each chosen index's statements once without it; a (chosen, swap-in) pair
 * then needs plans only for the statements both are relevant to (none for most pairs: other tables or other
 * leading keys). The same figures as planning every pair's statements with the swap made.
 */
async function improveBySwaps(ctx: SelectionContext, pool: Entry[], usedSizeIn: number, relevant: Map<string, Planned[]>): Promise<{ usedSize: number; swaps: number }> {
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
      const evs = await coster.evaluateMany(todo.map((e) => e.c));
      todo.forEach((e, i) => {
        e.alone = evs[i]!.gain - e.overhead;
        e.costedOnce = true;
      });
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
      const evs = await coster.costJobs(todo.map((e) => ({ c: e.c, stmts: affected.get(e.c.id) ?? [] })));
      withIn = new Map(todo.map((e, k) => [e, evs[k]!.costs]));
      plans += todo.reduce((a, e) => a + (affected.get(e.c.id)?.length ?? 0), 0);
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
          pool.push({ c: out.c, net: 0, alone: out.benefit - out.overhead, round: -1, costs: new Map(), size: out.sizeBytes, overhead: out.overhead, rows: out.rows, exact: true, costedOnce: true });
          done++;
          improved = true;
          await refresh();
        }
      }
    }
    if (!improved) break;
  }
  return { usedSize, swaps: done };
}
