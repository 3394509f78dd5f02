// Advisor phase 5, selection: lazy greedy on marginal benefit under the budget, improvement swaps, then
// pruning (each chosen index re-judged against all the others).
//
// A candidate's benefit is the calls-weighted planner cost it removes given the indexes already chosen (so
// an index that only helps queries already served by a chosen one scores ~0), minus its write overhead.
// Benefits only shrink as the set grows, so a stale upper bound that still tops the queue after
// re-evaluation is the true best.
import { columnKey } from './catalog';
import { createIndexSql, hypoDdl, indexName, predicateSql, type Candidate } from './candidates';
import { WhatIfCoster } from './costing';
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
  // First estimate: every statement the candidate can serve, with no other index chosen. This must be the
  // full set: a lazy greedy needs upper bounds, and an estimate from only the statements that produced the
  // candidate is a lower bound (measured on HealthMate: a 2-column index that also served other statements
  // lost the first pick to its 1-column prefix). The bound comes from costing.ts (leading-key floors).
  let queue: Entry[] = [];
  // Every statement a candidate is relevant to, before bounding narrows `affected` to those it can improve:
  // a chosen index makes these statements' costs with any other candidate stale.
  const relevant = new Map(affected);
  // Worth its place: an index that removes less than this with the others in place is not recommended, so
  // the greedy does not pick one that cannot reach it either (its marginal benefit only shrinks as the set grows).
  const worthAbs = Math.max(minAbs, (opts.minMarginalShare ?? WORTH_MIN_SHARE) * totalBefore);
  // Led by a primary key's (or unique index's) columns: not costed (uniqueLed).
  const eligible = pool.whatIfCandidates.filter((c) => !uniqueLed(c));
  const uniqueLedOut = pool.whatIfCandidates.length - eligible.length;
  const bounds = await coster.bounds(eligible);
  for (const c of eligible) {
    const bound = bounds.get(c.id) ?? 0;
    const { overhead, rows } = overheadOf(c);
    if (bound - overhead <= worthAbs) {
      stats.boundedOut++;
      continue;
    }
    queue.push({ c, net: bound - overhead, alone: bound - overhead, round: -1, costs: new Map(), size: 0, overhead, rows, exact: false });
  }
  if (uniqueLedOut) opts.progress?.(`advisor: ${uniqueLedOut} candidates led by a primary key or unique index's columns left out (only an index-only scan could justify them: the covering candidates)`);
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
  const greedy = async (): Promise<void> => {
    while (chosen.length < maxIndexes && queue.length) {
      queue.sort((a, b) => b.net - a.net);
      // A fresh entry within LAZY_EPS of a stale top is taken as is: the stale value only shrinks when
      // re-costed, and many near-equal variants of one index (same leading key) would otherwise each be
      // re-costed every round.
      const freshIdx = queue.findIndex((e) => e.exact && e.round === round);
      if (freshIdx > 0 && queue[freshIdx]!.net >= queue[0]!.net * (1 - LAZY_EPS) && queue[freshIdx]!.net > worthAbs) queue.unshift(...queue.splice(freshIdx, 1));
      const top = queue[0]!;
      if (top.net <= worthAbs) break;
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
  };
  await greedy();

  // Improvement swaps: replace a chosen index with an unchosen candidate while the workload's total
  // (read cost + write overhead) improves. Greedy commits to its first picks; a swap can undo one that a
  // later pick made partly redundant. Tried against the candidates that were best on their own.
  opts.progress?.(`advisor: ${chosen.length} chosen after ${planner.explains} EXPLAINs; trying improvement swaps`);
  const greedyPicks = chosen.map((ch) => ch.c.id);
  if (opts.swaps !== false) {
    const sw = await improveBySwaps(ctx, queue, usedSize, relevant);
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
    // The set changed (swaps, drops): statements relevant to an index that came or went are dirty, and every
    // candidate's value is its bound again (a smaller set can make it worth more than when it was costed).
    round++;
    for (const id of new Set([...greedyPicks, ...chosen.map((ch) => ch.c.id), ...droppedIds])) for (const p of relevant.get(id) ?? []) dirtyAt.set(p.stmt.id, round);
    queue = queue.filter((e) => !droppedIds.has(e.c.id) && !chosen.some((ch) => ch.c.id === e.c.id));
    for (const e of queue) {
      // Swaps rank candidates without keeping their per-statement costs: those are re-costed in full.
      if (e.round < 0 || !e.exact) {
        e.exact = false;
        e.costs = new Map();
        // Partial costing starts over from the bounds.
        e.pending = undefined;
        e.pendingIds = undefined;
        e.gains = undefined;
      }
      e.net = (bounds.get(e.c.id) ?? Number.POSITIVE_INFINITY) - e.overhead;
    }
    greedyPicks.splice(0, greedyPicks.length, ...chosen.map((ch) => ch.c.id));
    const n = chosen.length;
    await greedy();
    for (const ch of chosen) if (!greedyPicks.includes(ch.c.id)) greedyPicks.push(ch.c.id);
    if (chosen.length === n) break;
  }
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
