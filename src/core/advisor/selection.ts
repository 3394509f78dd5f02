// Advisor phase 5, selection: lazy greedy on marginal benefit under the budget, improvement swaps, then
// pruning (each chosen index re-judged against all the others).
//
// A candidate's benefit is the calls-weighted planner cost it removes given the indexes already chosen (so
// an index that only helps queries already served by a chosen one scores ~0), minus its write overhead.
// Benefits only shrink as the set grows, so a stale upper bound that still tops the queue after
// re-evaluation is the true best.
import { columnKey } from './catalog';
import { createIndexSql, hypoDdl, indexName, predicateSql, type Candidate } from './candidates';
import type { WhatIfCoster } from './costing';
import type { CandidatePool } from './pool';
import type { AdvisorOptions, Chosen, DroppedIndex, Planned } from './types';
import type { GenericPlanner, WhatIfEngine } from './whatif';

/** Worth its place: leaving a recommended index out (the rest of the set in place) must cost at least this share of the workload (default of `minMarginalShare`). */
export const WORTH_MIN_SHARE = 0.002;
/** After the prune dropped an index, the freed slots are refilled (greedy again, then the prune) at most this many times. */
export const REFILL_ROUNDS = 2;
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
  /** Chosen indexes the prune dropped as not worth their place (filled by selectIndexes). */
  dropped?: DroppedIndex[];
}

export interface SelectionStats {
  swaps: number;
  belowMinSavings: number;
  /** Candidates whose upper bound showed they cannot pay (never costed). */
  boundedOut: number;
  /** Candidates costed exactly. */
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
  // Worth its place: an index that removes less than this with the others in place is not recommended, so
  // the greedy does not pick one that cannot reach it either (its marginal benefit only shrinks as the set grows).
  const worthAbs = Math.max(minAbs, (opts.minMarginalShare ?? WORTH_MIN_SHARE) * totalBefore);
  // First estimate: every statement the candidate can serve, with no other index chosen. This must be the
  // full set: a lazy greedy needs upper bounds, and an estimate from only the statements that produced the
  // candidate is a lower bound (measured on HealthMate: a 2-column index that also served other statements
  // lost the first pick to its 1-column prefix). The bound comes from costing.ts (leading-key floors).
  let queue: Entry[] = [];
  // Every statement a candidate is relevant to, before bounding narrows `affected` to those it can improve:
  // a chosen index makes these statements' costs with any other candidate stale.
  const relevant = new Map(affected);
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
  const dirtySince = (e: Entry): Planned[] => (affected.get(e.c.id) ?? []).filter((p) => !incremental || (dirtyAt.get(p.stmt.id) ?? -1) > e.round);
  const settle = (e: Entry, costs: Map<string, number>, size: number): void => {
    const gain = coster.gain(affected.get(e.c.id) ?? [], costs);
    if (!e.exact) {
      e.alone = gain - e.overhead;
      e.exact = true;
    }
    e.net = gain - e.overhead;
    e.costs = costs;
    e.size = size;
    e.round = round;
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
        if (stale.length) {
          const work = stale.map((e) => ({ e, stmts: e.exact ? dirtySince(e) : undefined }));
          const res = await coster.costJobs(work.map((w) => ({ c: w.e.c, stmts: w.stmts ?? affected.get(w.e.c.id) ?? [] })));
          work.forEach(({ e, stmts }, i) => {
            const r = res[i]!;
            if (!stmts) return settle(e, r.costs, r.size);
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
        stats.evaluatedCandidates += stale.length;
        if (stale.length && stats.evaluatedCandidates % (LAZY_BATCH * 8) < stale.length) opts.progress?.(`advisor: ${stats.evaluatedCandidates} candidates costed, ${chosen.length} chosen, ${planner.explains} EXPLAINs`);
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
  const greedyPicks = chosen.map((ch) => ch.c.id);
  if (opts.swaps !== false) {
    const sw = await improveBySwaps(ctx, queue, usedSize);
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
  const { opts, engine, planner, pool, minAbs, totalBefore, current, chosen, stats } = ctx;
  const { affected } = pool;
  const callsById = new Map(ctx.planned.map((p) => [p.stmt.id, p.stmt.calls]));
  const out: PruneOut[] = [];
  let judged = new Set<Chosen>();
  opts.progress?.(`advisor: re-judging ${chosen.length} chosen indexes`);
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
      const without = new Map<string, number>();
      for (const p of affected.get(ch.c.id) ?? []) {
        const r = await planner.plan(p.stmt.sql, p.shape.paramCount);
        if (!r.ok) continue;
        without.set(p.stmt.id, r.cost);
        const cur = current.get(p.stmt.id) ?? p.baseline;
        if (r.cost > cur + 1e-9) {
          loss += p.stmt.calls * (r.cost - cur);
          helped.set(p.stmt.id, r.cost);
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

async function improveBySwaps(ctx: SelectionContext, pool: Entry[], usedSizeIn: number): Promise<{ usedSize: number; swaps: number }> {
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
    for (let k = 0; k < 4 && ins.some((e) => !e.exact); k++) {
      const todo = ins.filter((e) => !e.exact);
      const evs = await coster.evaluateMany(todo.map((e) => e.c));
      todo.forEach((e, i) => {
        e.alone = evs[i]!.gain - e.overhead;
        e.exact = true;
      });
      stats.evaluatedCandidates += todo.length;
      ins = [...pool].sort((a, b) => b.alone - a.alone).slice(0, SWAP_POOL);
    }
    for (let i = 0; i < chosen.length; i++) {
      for (const e of ins) {
        const out = chosen[i]!;
        if (!pool.includes(e) || e.alone <= minAbs) continue;
        if (usedSize - out.sizeBytes + e.size > maxSize) continue;
        if (plans > planBudget) return { usedSize, swaps: done };
        ctx.check();
        await engine.drop(out.oid);
        const stmts = [...new Set([...(affected.get(out.c.id) ?? []), ...(affected.get(e.c.id) ?? [])])];
        const swapIn = await coster.evaluateMany([e.c], stmts);
        const res = { costs: stmts.map((p) => swapIn[0]!.costs.get(p.stmt.id)) };
        plans += stmts.length;
        const costs = new Map<string, number>();
        let delta = e.overhead - out.overhead;
        stmts.forEach((p, k) => {
          // A statement the batch could not plan counts as unchanged.
          const cost = res?.costs[k] ?? current.get(p.stmt.id) ?? p.baseline;
          costs.set(p.stmt.id, cost);
          delta += p.stmt.calls * (cost - (current.get(p.stmt.id) ?? p.baseline));
        });
        if (delta < -eps) {
          const hIn = await engine.create(hypoDdl(e.c));
          for (const [id, cost] of costs) current.set(id, cost);
          usedSize += hIn.sizeBytes - out.sizeBytes;
          chosen[i] = { c: e.c, oid: hIn.oid, hypoName: hIn.name, sizeBytes: hIn.sizeBytes, overhead: e.overhead, rows: e.rows, benefit: e.alone + e.overhead, marginal: 0, helped: new Map() };
          pool.splice(pool.indexOf(e), 1);
          pool.push({ c: out.c, net: 0, alone: out.benefit - out.overhead, round: -1, costs: new Map(), size: out.sizeBytes, overhead: out.overhead, rows: out.rows, exact: true });
          done++;
          improved = true;
        } else {
          const back = await engine.create(hypoDdl(out.c));
          out.oid = back.oid;
          out.hypoName = back.name;
        }
      }
    }
    if (!improved) break;
  }
  return { usedSize, swaps: done };
}
