// Advisor phase 2, the baseline: each workload statement parsed, analysed and planned as it is (generic plans
// for `$n` statements). What cannot be planned is skipped with its reason; statements that touch no user
// table are ignored; the writes of the workload (and, scaled to its window, those pg_stat_user_tables shows)
// are collected for the write overhead of candidates.
import { parseSql } from '../sql/parser';
import { lookupTable, type AdvisorCatalog, type CatalogTable } from './catalog';
import { mergeUses, shapeFromPlan } from './expand';
import { analyzeStatement } from './extract';
import type { GenericPlanner } from './whatif';
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

export async function planBaseline(workload: Workload, cat: AdvisorCatalog, planner: GenericPlanner, opts: AdvisorOptions, check: () => void): Promise<Baseline> {
  const skipped: SkippedStatement[] = [];
  const planned: Planned[] = [];
  const writers: Writer[] = [];
  let ignored = 0;
  const skip = (s: WorkloadStatement, reason: string): void => {
    skipped.push({ id: s.id, sql: s.original, calls: s.calls, reason });
  };
  for (const s of workload.statements) {
    check();
    const parsed = parseSql(s.sql);
    if (!parsed.ok) {
      skip(s, `does not parse: ${parsed.message}`);
      continue;
    }
    const node = parsed.stmts[0]?.node;
    if (!node || parsed.stmts.length !== 1) {
      skip(s, parsed.stmts.length > 1 ? 'several statements in one entry' : 'empty statement');
      continue;
    }
    const shape = analyzeStatement(node, cat);
    const copy = (node as { CopyStmt?: { relation?: { schemaname?: string; relname?: string }; is_from?: boolean } }).CopyStmt;
    if (copy?.is_from && copy.relation?.relname) {
      const t = lookupTable(cat, copy.relation.schemaname, copy.relation.relname);
      if (t) writers.push({ table: t, rows: s.rows });
    }
    if (shape.kind === 'other') {
      skip(s, `${Object.keys(node)[0] ?? 'utility'} statements are not planned`);
      continue;
    }
    const userUnresolved = shape.unresolved.filter((n) => !/^(pg_|information_schema\.)/i.test(n));
    if (shape.uses.size === 0 && !shape.writeTable && userUnresolved.length === 0) {
      ignored++; // catalog / monitoring queries (ours included): nothing to index
      continue;
    }
    if (shape.writeTable) {
      writers.push({ table: shape.writeTable, rows: s.rows, ...(shape.kind === 'update' ? { updated: shape.updatedColumns } : {}) });
    }
    let plan = await planner.plan(s.sql, shape.paramCount);
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
