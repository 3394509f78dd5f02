// Advisor phase 6, verification and report: the chosen set attributed index by index (each gets what it
// removes on top of the ones before it, so the benefits add up to the total reduction), then the
// recommendations and the result.
import { columnKey, type CatalogTable } from './catalog';
import { createIndexAction, createIndexSql, hypoDdl, indexName, predicateSql } from './candidates';
import type { Chosen, Planned, QueryImpact, Recommendation } from './types';
import type { GenericPlanner, WhatIfEngine } from './whatif';

/**
 * Attribution: add the chosen indexes one by one in selection order; each gets what it removes on top of the
 * ones before it (these add up to the total reduction), and its marginal benefit given all the others stays
 * in `marginal`. Leaves `current` at the costs with the whole set.
 */
export async function attributeChosen(
  engine: WhatIfEngine,
  planner: GenericPlanner,
  planned: Planned[],
  affected: Map<string, Planned[]>,
  chosen: Chosen[],
  current: Map<string, number>,
  /** Plans statements with the live hypothetical indexes in one batch (costing.ts); default one EXPLAIN each. */
  planMany?: (stmts: Planned[]) => Promise<Map<string, number>>,
): Promise<void> {
  await engine.reset();
  const stepCost = new Map(planned.map((p) => [p.stmt.id, p.baseline]));
  for (const ch of chosen) {
    ch.marginal = ch.benefit;
    const h = await engine.create(hypoDdl(ch.c));
    ch.oid = h.oid;
    let gain = 0;
    const helped = new Map<string, number>();
    const stmts = affected.get(ch.c.id) ?? [];
    const costs = planMany ? await planMany(stmts) : undefined;
    for (const p of stmts) {
      let cost = costs?.get(p.stmt.id);
      if (!costs) {
        const r = await planner.plan(p.stmt.sql, p.shape.paramCount);
        if (r.ok) cost = r.cost;
      }
      if (cost === undefined) continue;
      const prev = stepCost.get(p.stmt.id) ?? p.baseline;
      if (cost < prev - 1e-9) {
        gain += p.stmt.calls * (prev - cost);
        helped.set(p.stmt.id, cost);
      }
      stepCost.set(p.stmt.id, cost);
    }
    for (const [id] of ch.helped) helped.set(id, stepCost.get(id) ?? 0);
    ch.benefit = gain;
    ch.helped = helped;
  }
  for (const [id, cost] of stepCost) current.set(id, cost);
}

export function buildRecommendations(chosen: Chosen[], planned: Planned[], current: Map<string, number>, totalBefore: number, verified: boolean): Recommendation[] {
  // verified: a what-if engine checked the set (a heuristic pick among them is still labelled unverified).
  const recommendations: Recommendation[] = chosen.map((ch) => {
    const share = totalBefore > 0 ? ch.benefit / totalBefore : 0;
    const where = predicateSql(ch.c.predicate);
    const queries: QueryImpact[] = planned
      .filter((p) => (verified && !ch.unverified ? ch.helped.has(p.stmt.id) : ch.c.statements.has(p.stmt.id)))
      .map((p) => ({ id: p.stmt.id, sql: p.stmt.original, calls: p.stmt.calls, before: p.baseline, after: current.get(p.stmt.id) ?? p.baseline }))
      .sort((a, b) => b.calls * (b.before - b.after) - a.calls * (a.before - a.after));
    return {
      sql: createIndexSql(ch.c),
      action: createIndexAction(ch.c),
      name: indexName(ch.c),
      schema: ch.c.table.schema,
      table: ch.c.table.name,
      // Names as they are (`Id`, not `id`); expressions as their key (`lower(email)`, `lower("Email")`).
      columns: ch.c.keys.map((k) => (k.key === columnKey(k.column) ? k.column : k.key)),
      ...(ch.c.keys.some((k) => k.desc) ? { descending: ch.c.keys.map((k) => !!k.desc) } : {}),
      whatIfDdl: hypoDdl(ch.c),
      ...(ch.c.table.relkind === 'p' ? { partitions: countPartitions(ch.c.table) } : {}),
      ...(ch.c.include ? { include: ch.c.include.map((k) => k.column) } : {}),
      method: ch.c.method,
      ...(ch.c.opclass ? { opclass: ch.c.opclass } : {}),
      ...(where ? { where } : {}),
      kind: ch.c.kind,
      priority: share >= 0.1 ? 'high' : share >= 0.02 ? 'medium' : 'low',
      verified: verified && !ch.unverified,
      ...(ch.unverified ? { unverifiedReason: ch.unverified } : {}),
      ...(verified && !ch.unverified ? { sizeBytes: ch.sizeBytes } : {}),
      benefit: ch.benefit,
      marginalBenefit: ch.marginal,
      benefitShare: share,
      writeOverhead: ch.overhead,
      writeRows: ch.rows,
      queries,
    };
  });
  recommendations.sort((a, b) => b.benefit - a.benefit);
  return recommendations;
}

function countPartitions(t: CatalogTable): number {
  return (t.partitions ?? []).reduce((n, p) => n + 1 + countPartitions(p), 0);
}
