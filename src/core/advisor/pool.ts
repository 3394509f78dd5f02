// Advisor phase 3, the candidates: generated from the planned statements' shapes, filtered by --include /
// --exclude, each with its write overhead and the statements it can serve (those that use its leading key;
// for a covering one, those it can answer with an index-only scan). Statements with a negligible share of
// the workload stay in its totals but are served by no candidate (not re-planned).
import { columnKey, type CatalogTable } from './catalog';
import { generateCandidates, type Candidate } from './candidates';
import type { AdvisorOptions, Planned, Writer } from './types';
import type { WhatIfEngine } from './whatif';

export const WRITE_COST_PER_ROW = 8;
/** Statements below this share of the workload's cost are not re-planned for candidates (counted, and said so). */
export const NEGLIGIBLE_SHARE = 0.0001;

/** `orders`, `public.orders`, `app.*`, `*_log`: a table pattern of --include / --exclude (case-sensitive, as stored). */
export function tableMatches(t: { schema: string; name: string }, pattern: string): boolean {
  const re = (p: string): RegExp => new RegExp(`^${p.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const dot = pattern.indexOf('.');
  return dot > 0 ? re(pattern.slice(0, dot)).test(t.schema) && re(pattern.slice(dot + 1)).test(t.name) : re(pattern).test(t.name);
}


export interface CandidatePool {
  candidates: Candidate[];
  /** Those the what-if engine can cost (HypoPG 1.3 cannot simulate GIN: the others get the heuristic). */
  whatIfCandidates: Candidate[];
  suppressed: { id: string; by: string }[];
  /** Left out by --include / --exclude. */
  excludedCandidates: number;
  /** Candidate id -> the (non-negligible) statements it can serve. */
  affected: Map<string, Planned[]>;
  negligible: { statements: number; share: number; threshold: number };
  overheadOf(c: Candidate): { overhead: number; rows: number };
}

export function buildCandidatePool(planned: Planned[], writers: Writer[], totalBefore: number, opts: AdvisorOptions, engine: WhatIfEngine | undefined): CandidatePool {
  // INSERT … SELECT contributes its SELECT's tables (an INSERT's target is not among its uses).
  const shapes = new Map(planned.map((p) => [p.stmt.id, p.shape]));
  const generated = generateCandidates(shapes);
  const { suppressed } = generated;
  const wanted = (t: CatalogTable): boolean =>
    (!opts.includeTables?.length || opts.includeTables.some((p) => tableMatches(t, p))) && !opts.excludeTables?.some((p) => tableMatches(t, p));
  const candidates = generated.candidates.filter((c) => wanted(c.table));
  const excludedCandidates = generated.candidates.length - candidates.length;
  const wcost = opts.writeCostPerRow ?? WRITE_COST_PER_ROW;
  const overheadOf = (c: Candidate): { overhead: number; rows: number } => {
    const cols = new Set(c.keys.map((k) => k.column).concat((c.predicate ?? []).map((p) => p.column)));
    let rows = 0;
    let overhead = 0;
    for (const w of writers) {
      if (w.table !== c.table) continue;
      if (!w.updated) {
        rows += w.rows;
        overhead += wcost * w.rows;
      } else if (w.updated.some((u) => cols.has(u))) {
        rows += w.rows;
        // Was HOT-eligible before (no existing index on the updated columns)? Then every index pays now.
        const hotBefore = !c.table.indexes.some((ix) => w.updated!.some((u) => ix.keys.includes(columnKey(u))));
        overhead += wcost * w.rows * (1 + (hotBefore ? c.table.indexes.length : 0));
      }
    }
    return { overhead, rows };
  };
  const affected = new Map<string, Planned[]>();
  // A covering candidate is judged on every statement that uses its leading key, like its plain twin (on the
  // ones it cannot answer with an index-only scan it serves as the twin does; judged only on the coverable ones
  // it lost to its twin under a tight budget: TPC-H budget 3, 2.33 pp off the optimum), and also on those of its
  // table it can answer with an index-only scan of the whole index without using its leading key (otherwise a
  // later candidate was credited with savings it had already made: HealthMate budget 2, 1.36 pp).
  const coverable = (p: Planned, c: Candidate): boolean => {
    if (!c.include) return false;
    const u = p.shape.uses.get(c.table.oid);
    if (!u || u.star) return false;
    const have = new Set([...c.keys.map((k) => k.column), ...c.include.map((k) => k.column)]);
    return u.refs.every((r) => have.has(r));
  };
  // HypoPG (1.3) cannot simulate GIN: those candidates get the heuristic, labelled unverified.
  const whatIfCandidates = engine ? candidates.filter((c) => engine.supports(c.method)) : candidates;
  // Statements with a negligible share of the workload's cost are still in its totals, but no candidate
  // is re-planned for them (on large workloads they are most of the what-if work for nothing).
  const negligibleAbs = (opts.negligibleShare ?? NEGLIGIBLE_SHARE) * totalBefore;
  const relevant = planned.filter((p) => p.stmt.calls * p.baseline >= negligibleAbs);
  const negligible = { statements: planned.length - relevant.length, threshold: opts.negligibleShare ?? NEGLIGIBLE_SHARE, share: totalBefore > 0 ? planned.filter((p) => p.stmt.calls * p.baseline < negligibleAbs).reduce((a, p) => a + p.stmt.calls * p.baseline, 0) / totalBefore : 0 };
  if (negligible.statements) opts.progress?.(`advisor: ${negligible.statements} statements with a negligible share of the workload (together ${(negligible.share * 100).toFixed(2)} %) are not re-planned for candidates`);
  // A btree index can only serve a statement that uses its leading key (filter, join, sort or group; a GIN
  // index: containment): only those are re-planned for it. This keeps the what-if work linear in practice.
  // Statements by (table, method, leading key they use), in workload order: each candidate looks up its own list
  // instead of testing every statement (2,847 candidates × 2,222 statements took seconds).
  const byKey = new Map<string, Planned[]>();
  // Statements by table, for covering candidates (also judged on what they answer by an index-only scan).
  const byTable = new Map<Candidate['table']['oid'], Planned[]>();
  const order = new Map<Planned, number>();
  relevant.forEach((p, i) => order.set(p, i));
  for (const p of relevant) {
    for (const [oid, u] of p.shape.uses) {
      (byTable.get(oid) ?? byTable.set(oid, []).get(oid)!).push(p);
      const keys = new Set<string>();
      for (const list of [u.eq, u.range, u.join, u.sort, u.group]) for (const k of list) keys.add(`${oid}|btree|${k.key}`);
      for (const k of u.contains) keys.add(`${oid}|gin|${k.key}`);
      for (const key of keys) (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(p);
    }
  }
  for (const c of candidates) {
    const lead = c.keys[0]?.key;
    // Shared between the candidates of one key: the lists are only read (narrowing replaces them).
    const list = lead ? (byKey.get(`${c.table.oid}|${c.method === 'gin' ? 'gin' : 'btree'}|${lead}`) ?? []) : [];
    if (!c.include) {
      affected.set(c.id, list);
      continue;
    }
    const seen = new Set(list);
    const extra = (byTable.get(c.table.oid) ?? []).filter((p) => !seen.has(p) && coverable(p, c));
    affected.set(c.id, extra.length ? [...list, ...extra].sort((a, b) => order.get(a)! - order.get(b)!) : list);
  }
  return { candidates, whatIfCandidates, suppressed, excludedCandidates, affected, negligible, overheadOf };
}

/**
 * Heuristic only (no what-if engine for these candidates): per statement and table, the widest candidate the
 * statement produced, for tables its plan reads with a sequential scan; scored by calls × the statement's
 * cost. Covering variants need costs to judge and are left out.
 */
export function heuristicPick(
  pool: Candidate[],
  limit: number,
  planned: Planned[],
  overheadOf: CandidatePool['overheadOf'],
  minAbs: number,
): { c: Candidate; overhead: number; rows: number; benefit: number }[] {
  const score = new Map<string, number>();
  for (const p of planned) {
    const mine = pool.filter((c) => !c.include && c.statements.has(p.stmt.id) && p.baselinePlan.seqScans.includes(c.table.name));
    const perTable = new Map<number, Candidate>();
    for (const c of mine) {
      const prev = perTable.get(c.table.oid);
      if (!prev || c.keys.length > prev.keys.length || (c.keys.length === prev.keys.length && !c.predicate && prev.predicate)) perTable.set(c.table.oid, c);
    }
    for (const c of perTable.values()) score.set(c.id, (score.get(c.id) ?? 0) + p.stmt.calls * p.baseline);
  }
  // jsonb: when both opclasses were asked for on one column, the default one serves every statement.
  for (const c of pool) {
    if (c.method !== 'gin' || !c.opclass || !score.has(c.id)) continue;
    const wide = pool.find((o) => o.method === 'gin' && !o.opclass && o.table === c.table && o.keys[0]?.key === c.keys[0]?.key && score.has(o.id));
    if (wide) {
      score.set(wide.id, score.get(wide.id)! + score.get(c.id)!);
      score.delete(c.id);
    }
  }
  const ranked = pool
    .filter((c) => score.has(c.id))
    .map((c) => ({ c, ...overheadOf(c), benefit: score.get(c.id)! }))
    .filter((e) => e.benefit - e.overhead > minAbs)
    .sort((a, b) => b.benefit - b.overhead - (a.benefit - a.overhead));
  // Without costs to judge overlap, one index per leading key and table (a second one with the same
  // first column mostly repeats the first).
  const picked: typeof ranked = [];
  for (const e of ranked) {
    if (picked.length >= limit) break;
    if (picked.some((p) => p.c.table === e.c.table && p.c.keys[0]?.key === e.c.keys[0]?.key)) continue;
    picked.push(e);
  }
  return picked;
}
