// Advisor phase 4, what-if costing: a candidate's exact cost on the statements it can serve (on top of the
// indexes chosen so far), and a cheap upper bound of every candidate's benefit before any is costed.
//
// Bounding before costing: the exact first estimate of every candidate was most of the work on large
// workloads (1,000 statements: 119k EXPLAINs). Instead, per table and leading key, every candidate starting
// with that key is created at once (hypothetically) and each statement it can serve is planned once: no
// subset of those candidates can make the statement cheaper than that floor (the planner keeps the cheapest
// path, and more indexes only add paths). A candidate's benefit is then at most Σ calls × (baseline − floor)
// over the statements it can serve: a valid upper bound for the lazy greedy, which costs a candidate exactly
// only when its bound reaches the top of the queue. Candidates whose bound cannot pay are never costed. Per
// statement, a candidate's reduction (pairCosts.ts) then tightens that bound before its own plans are made.
import type { QueryRunner } from '../db/session';
import { hypoDdl, type Candidate } from './candidates';
import type { AdvisorOptions, Planned } from './types';
import type { WhatIfLanes } from './lanes';
import { batchWhatIf, type GenericPlanner, type WhatIfEngine, type WhatIfJob } from './whatif';

/** Statements per floor job (all of a table's candidates at once): keeps one DO block well inside the statement timeout. */
export const FLOOR_JOB_STATEMENTS = 100;
/** A (candidate, statement) pair is re-planned only when the candidate's group can lower the statement's cost by more than this share. */
export const PAIR_MIN_GAIN = 0.001;

export interface CosterContext {
  q: QueryRunner;
  hypoSchema: string;
  serverVersionNum: number;
  planner: GenericPlanner;
  engine: WhatIfEngine;
  /** Candidate id -> the statements it can serve (narrowed by bounding). */
  affected: Map<string, Planned[]>;
  /** Statement id -> its cost with the indexes chosen so far. */
  current: Map<string, number>;
  check(): void;
  progress?: AdvisorOptions['progress'];
  /** Extra what-if connections: the DO blocks of a batch are shared out among them. */
  lanes?: WhatIfLanes;
}

/** Partial costing: a candidate's first chunk covers at least this many of its statements (then the chunks double). */
export const PARTIAL_MIN_CHUNK = 16;
/** … and at least this share of the bound of the statements not costed yet. */
export const PARTIAL_BOUND_SHARE = 0.5;

export class WhatIfCoster {
  /** `${group}|${statement id}` -> the floor of the statement with every candidate of the group (from bounds()). */
  private readonly floors = new Map<string, number>();
  constructor(private readonly ctx: CosterContext) {}

  private groupOf(c: Candidate): string {
    return `${c.table.oid}:${c.method}:${c.keys[0]?.key ?? ''}`;
  }

  /** Upper bound of what the candidate can remove from this statement: calls × (baseline − its group's floor). */
  pairBound(c: Candidate, p: Planned): number {
    return p.stmt.calls * Math.max(0, p.baseline - (this.floors.get(`${this.groupOf(c)}|${p.stmt.id}`) ?? 0));
  }

  private batch(jobs: { ddl?: string; ddls?: string[]; stmts: Planned[] }[]): ReturnType<typeof batchWhatIf> {
    const { ctx } = this;
    const run = ctx.lanes ? (js: WhatIfJob[]): ReturnType<typeof batchWhatIf> => ctx.lanes!.batch(js) : (js: WhatIfJob[]): ReturnType<typeof batchWhatIf> => batchWhatIf(ctx.q, ctx.hypoSchema, ctx.serverVersionNum, js);
    return run(
      jobs.map((j) => ({ ...(j.ddl !== undefined ? { ddl: j.ddl } : {}), ...(j.ddls ? { ddls: j.ddls } : {}), stmts: j.stmts.map((p) => ({ sql: p.stmt.sql, paramCount: p.shape.paramCount })) })),
    );
  }

  /** Costs of statements with the hypothetical indexes as they are (no candidate added), batched in the server. */
  async planAsIs(stmts: Planned[]): Promise<Map<string, number>> {
    const { ctx } = this;
    ctx.check();
    const costs = new Map<string, number>();
    if (!stmts.length) return costs;
    const res = ctx.engine.kind === 'hypopg' ? (await this.batch([{ stmts }]))[0] : undefined;
    ctx.planner.explains += res ? stmts.length : 0;
    for (const [k, p] of stmts.entries()) {
      const cost = res?.costs[k];
      if (cost !== undefined) {
        costs.set(p.stmt.id, cost);
        continue;
      }
      ctx.check();
      const r = await ctx.planner.plan(p.stmt.sql, p.shape.paramCount);
      if (r.ok) costs.set(p.stmt.id, r.cost);
    }
    return costs;
  }

  /** Each candidate's cost on its own statements (on top of the chosen indexes), and its size. */
  async costJobs(jobsIn: { c: Candidate; stmts: Planned[] }[]): Promise<{ costs: Map<string, number>; size: number }[]> {
    const res = await this.costDdlJobs(jobsIn.map((j) => ({ ddl: hypoDdl(j.c), stmts: j.stmts })));
    return res.map((r, i) => {
      const costs = new Map<string, number>();
      jobsIn[i]!.stmts.forEach((p, k) => {
        const cost = r.costs[k];
        if (cost !== undefined) costs.set(p.stmt.id, cost);
      });
      return { costs, size: r.size };
    });
  }

  /** Each index's (a hypopg DDL) cost on its statements (on top of the chosen indexes, in order; undefined: not planned), and its size. */
  async costDdlJobs(jobs: { ddl: string; stmts: Planned[] }[]): Promise<{ costs: (number | undefined)[]; size: number }[]> {
    const { ctx } = this;
    const { engine, planner } = ctx;
    ctx.check();
    // Batched in the server with HypoPG; the scratch engine builds real indexes one by one (slow path).
    const batch = engine.kind === 'hypopg' ? await this.batch(jobs) : [];
    const out: { costs: (number | undefined)[]; size: number }[] = [];
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      const res = batch[i];
      planner.explains += job.stmts.length;
      const costs: (number | undefined)[] = job.stmts.map((_, k) => res?.costs[k]);
      let size = res?.sizeBytes ?? 0;
      const slow = job.stmts.map((p, k) => ({ p, k })).filter((x) => costs[x.k] === undefined);
      if (slow.length) {
        const h = await engine.create(job.ddl);
        size = h.sizeBytes;
        try {
          for (const { p, k } of slow) {
            ctx.check();
            const r = await planner.plan(p.stmt.sql, p.shape.paramCount);
            if (r.ok) costs[k] = r.cost;
          }
        } finally {
          await engine.drop(h.oid);
        }
      }
      out.push({ costs, size });
    }
    return out;
  }

  /**
   * The upper bound of each candidate's benefit (Σ calls × (baseline − floor of its leading-key group)) over
   * the statements it can serve. Narrows `affected` to the statements the candidate's group can make cheaper:
   * a statement whose floor is its baseline is not re-planned for any of them (on 1,000 TPC-H-style
   * statements most (candidate, statement) pairs are of that kind).
   */
  async bounds(whatIfCandidates: Candidate[]): Promise<Map<string, number>> {
    const { ctx } = this;
    const { affected, planner, engine } = ctx;
    const groupOf = (c: Candidate): string => this.groupOf(c);
    const floors = this.floors; // `${group}|${statement id}` -> floor cost
    {
      const byGroup = new Map<string, Candidate[]>();
      for (const c of whatIfCandidates) byGroup.set(groupOf(c), [...(byGroup.get(groupOf(c)) ?? []), c]);
      const jobs: { group: string; ddls: string[]; stmts: Planned[] }[] = [];
      for (const [group, cs] of byGroup) {
        const stmts = [...new Set(cs.flatMap((c) => affected.get(c.id) ?? []))];
        const ddls = cs.map(hypoDdl);
        for (let i = 0; i < stmts.length; i += FLOOR_JOB_STATEMENTS) jobs.push({ group, ddls, stmts: stmts.slice(i, i + FLOOR_JOB_STATEMENTS) });
      }
      ctx.progress?.(`advisor: bounding ${whatIfCandidates.length} candidates in ${byGroup.size} leading-key groups (${jobs.reduce((a, j) => a + j.stmts.length, 0)} plans)`);
      const res = engine.kind === 'hypopg' ? await this.batch(jobs) : [];
      jobs.forEach((j, i) => {
        planner.explains += engine.kind === 'hypopg' ? j.stmts.length : 0;
        j.stmts.forEach((p, k) => {
          const cost = res[i]?.costs[k];
          // Not planned (or the scratch engine): no floor known, the bound is the whole baseline.
          floors.set(`${j.group}|${p.stmt.id}`, cost === undefined ? 0 : Math.min(cost, p.baseline));
        });
      });
    }
    let pairsBefore = 0;
    let pairsAfter = 0;
    for (const c of whatIfCandidates) {
      const all = affected.get(c.id) ?? [];
      const kept = all.filter((p) => (floors.get(`${groupOf(c)}|${p.stmt.id}`) ?? 0) < p.baseline * (1 - PAIR_MIN_GAIN));
      pairsBefore += all.length;
      pairsAfter += kept.length;
      affected.set(c.id, kept);
    }
    ctx.progress?.(`advisor: ${pairsAfter} of ${pairsBefore} (candidate, statement) pairs can gain`);
    const bounds = new Map<string, number>();
    for (const c of whatIfCandidates) {
      let bound = 0;
      for (const p of affected.get(c.id) ?? []) bound += p.stmt.calls * Math.max(0, p.baseline - (floors.get(`${groupOf(c)}|${p.stmt.id}`) ?? 0));
      bounds.set(c.id, bound);
    }
    return bounds;
  }
}
