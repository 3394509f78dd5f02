// Advisor phase 2, the baseline: each workload statement parsed, analysed and planned as it is (generic plans
// for `$n` statements). What cannot be planned is skipped with its reason; statements that touch no user
// table are ignored; the writes of the workload (and, scaled to its window, those pg_stat_user_tables shows)
// are collected for the write overhead of candidates.
import { parseSql } from '../sql/parser';
import { lookupTable, type AdvisorCatalog, type CatalogTable } from './catalog';
import { mergeUses, shapeFromPlan } from './expand';
import { analyzeStatement } from './extract';
import { WHATIF_BATCH_PLANS, type GenericPlanner, type PlanOutcome, type WhatIfJob, type WhatIfJobResult } from './whatif';
import type { AdvisorOptions, Planned, SkippedStatement, Writer } from './types';
import { fillGroupByConstants, type Workload, type WorkloadStatement } from './workload';

export interface Baseline {
  planned: Planned[];
  skipped: SkippedStatement[];
  writers: Writer[];
  /** Statements that touch no user table (catalog and monitoring queries). */
  ignored: number;
  /** Sum over planned statements of calls × planner cost. */
  totalBefore: number;
}

/** Statements planned per batch of baseline plans (several DO blocks; cancel is checked between batches). */
const BASELINE_BATCH = 4 * WHATIF_BATCH_PLANS;

/**
 * `batch` plans many statements in the server in one round trip per DO block (whatif.ts' batchWhatIf, over
 * the what-if connections when there are several); without it each statement is one EXPLAIN round trip.
 * A statement the batch cannot plan is planned the slow way (which retries untyped parameters and GROUP BY).
 */
export async function planBaseline(
  workload: Workload,
  cat: AdvisorCatalog,
  planner: GenericPlanner,
  opts: AdvisorOptions,
  check: () => void,
  batch?: (jobs: WhatIfJob[]) => Promise<WhatIfJobResult[]>,
): Promise<Baseline> {
  const skipped: SkippedStatement[] = [];
  const planned: Planned[] = [];
  const writers: Writer[] = [];
  let ignored = 0;
  const skip = (s: WorkloadStatement, reason: string): void => {
    skipped.push({ id: s.id, sql: s.original, calls: s.calls, reason });
  };
  // First every statement parsed and analysed (no round trip), in workload order; then the plans in batches.
  type Step = { s: WorkloadStatement; skip: string } | { s: WorkloadStatement; ignored: true } | { s: WorkloadStatement; shape: ReturnType<typeof analyzeStatement>; userUnresolved: string[] };
  const steps: Step[] = [];
  for (const s of workload.statements) {
    check();
    const parsed = parseSql(s.sql);
    if (!parsed.ok) {
      steps.push({ s, skip: `does not parse: ${parsed.message}` });
      continue;
    }
    const node = parsed.stmts[0]?.node;
    if (!node || parsed.stmts.length !== 1) {
      steps.push({ s, skip: parsed.stmts.length > 1 ? 'several statements in one entry' : 'empty statement' });
      continue;
    }
    const shape = analyzeStatement(node, cat);
    const copy = (node as { CopyStmt?: { relation?: { schemaname?: string; relname?: string }; is_from?: boolean } }).CopyStmt;
    if (copy?.is_from && copy.relation?.relname) {
      const t = lookupTable(cat, copy.relation.schemaname, copy.relation.relname);
      if (t) writers.push({ table: t, rows: s.rows });
    }
    if (shape.kind === 'other') {
      steps.push({ s, skip: `${Object.keys(node)[0] ?? 'utility'} statements are not planned` });
      continue;
    }
    const userUnresolved = shape.unresolved.filter((n) => !/^(pg_|information_schema\.)/i.test(n));
    if (shape.uses.size === 0 && !shape.writeTable && userUnresolved.length === 0) {
      steps.push({ s, ignored: true }); // catalog / monitoring queries (ours included): nothing to index
      continue;
    }
    if (shape.writeTable) {
      writers.push({ table: shape.writeTable, rows: s.rows, ...(shape.kind === 'update' ? { updated: shape.updatedColumns } : {}) });
    }
    steps.push({ s, shape, userUnresolved });
  }
  // The baseline plans, batched in the server.
  const toPlan = steps.filter((x): x is Extract<Step, { shape: unknown }> => 'shape' in x);
  const batched = new Map<WorkloadStatement, PlanOutcome & { ok: true }>();
  if (batch && toPlan.length) {
    await planner.init();
    for (let i = 0; i < toPlan.length; i += BASELINE_BATCH) {
      check();
      const part = toPlan.slice(i, i + BASELINE_BATCH);
      const jobs: WhatIfJob[] = [];
      for (let k = 0; k < part.length; k += WHATIF_BATCH_PLANS) jobs.push({ scans: true, stmts: part.slice(k, k + WHATIF_BATCH_PLANS).map((x) => ({ sql: x.s.sql, paramCount: x.shape.paramCount })) });
      const res = await batch(jobs);
      planner.explains += part.length;
      res.forEach((r, j) =>
        r.costs.forEach((cost, k) => {
          const sc = r.scans?.[k];
          if (cost !== undefined && sc) batched.set(part[j * WHATIF_BATCH_PLANS + k]!.s, { ok: true, cost, ...sc });
        }),
      );
      if (toPlan.length > BASELINE_BATCH) opts.progress?.(`advisor: ${Math.min(i + BASELINE_BATCH, toPlan.length)} of ${toPlan.length} statements planned`);
    }
  }
  for (const step of steps) {
    const { s } = step;
    if ('skip' in step) {
      skip(s, step.skip);
      continue;
    }
    if ('ignored' in step) {
      ignored++;
      continue;
    }
    const { shape, userUnresolved } = step;
    check();
    let plan: PlanOutcome = batched.get(s) ?? (await planner.plan(s.sql, shape.paramCount));
    if (!plan.ok && /must appear in the GROUP BY clause/.test(plan.reason)) {
      const filled = fillGroupByConstants(s.sql);
      if (filled !== s.sql) {
        const retry = await planner.plan(filled, shape.paramCount);
        if (retry.ok) {
          s.sql = filled;
          plan = retry;
        }
      }
    }
    if (!plan.ok) {
      skip(s, `cannot be planned: ${plan.reason}`);
      continue;
    }
    if (opts.minCost !== undefined && plan.cost < opts.minCost) {
      skip(s, `planner cost ${plan.cost.toFixed(1)} is below --min-cost ${opts.minCost}`);
      continue;
    }
    // Views and set-returning SQL functions: their base tables come from the planner's own expansion.
    if (userUnresolved.length) {
      let expanded: ReturnType<typeof shapeFromPlan> | undefined;
      try {
        expanded = shapeFromPlan(await planner.explainJson(s.sql, shape.paramCount, ['VERBOSE']), cat);
      } catch {
        expanded = undefined;
      }
      if (expanded?.shape) mergeUses(shape, expanded.shape);
      if (shape.uses.size === 0 && !shape.writeTable) {
        skip(
          s,
          `reads ${userUnresolved.join(', ')}, whose plan scans no table the advisor can index${expanded?.other.length ? ` (only ${expanded.other.join(', ')})` : ''}${userUnresolved.some((n) => n.endsWith('()')) ? ': a function that is not inlined (not LANGUAGE sql, volatile, or more than one statement) hides its tables from the planner' : ''}`,
        );
        continue;
      }
    }
    planned.push({ stmt: s, shape, baseline: plan.cost, baselinePlan: plan });
  }
  // Writes the workload does not show (statements outside pg_stat_statements, e.g. evicted ones):
  // pg_stat_user_tables inserts + deletes scaled to the workload's window, when both windows are known.
  if (workload.statsAgeS !== undefined && cat.statsAgeS !== undefined && cat.statsAgeS > 0) {
    const scale = Math.min(1, workload.statsAgeS / cat.statsAgeS);
    const seen = new Map<CatalogTable, number>();
    for (const w of writers) if (!w.updated) seen.set(w.table, (seen.get(w.table) ?? 0) + w.rows);
    for (const t of new Set([...cat.tables.values()])) {
      const extra = (t.writes.inserts + t.writes.deletes) * scale - (seen.get(t) ?? 0);
      if (extra >= 1) writers.push({ table: t, rows: extra });
    }
  }
  const totalBefore = planned.reduce((a, p) => a + p.stmt.calls * p.baseline, 0);
  return { planned, skipped, writers, ignored, totalBefore };
}
