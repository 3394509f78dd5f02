// The index advisor: workload -> candidates -> what-if costs -> a set of indexes chosen for the whole
// workload under a budget. runAdvisor runs the phases, each in its own file:
//   1. collect.ts    the workload (pg_stat_statements + pg_qualstats, a file, the log, an activity sample)
//   2. plan.ts       baseline plans of each statement, skipped ones with their reason, the workload's writes
//   3. pool.ts       candidates, their write overhead and the statements each can serve
//   4. costing.ts    what-if costs (batched in the server, shared out over lanes.ts' connections) and upper bounds
//   5. selection.ts  lazy greedy under the budget, improvement swaps, pruning
//   6. report.ts     attribution of the chosen set and the recommendations
//
// Selection is lazy greedy on marginal benefit: a candidate's benefit is the calls-weighted planner cost it
// removes given the indexes already chosen (so an index that only helps queries already served by a chosen
// one scores ~0), minus its write overhead. Benefits only shrink as the set grows, so a stale upper bound
// that still tops the queue after re-evaluation is the true best. A final pruning pass re-judges each
// chosen index against all the others and drops those whose marginal benefit no longer pays.
//
// Write overhead: the workload's own INSERT/UPDATE/DELETE statements (their pg_stat_statements `rows`, or a
// file's weights) in the same window as the read benefit. Each written row costs an index one btree
// insertion (≈ one index probe, WRITE_COST_PER_ROW planner-cost units); an UPDATE counts only when it sets
// an indexed column, and then it also loses HOT, so every existing index of the table pays too.
// pg_stat_user_tables counters (inserts + deletes) fill in writes the workload does not show, scaled to the
// workload's window, only when both windows are known (a database whose statistics were never reset has an
// unknown window that usually includes the initial bulk load, which says nothing about today's write rate).
import type { Capabilities } from '../db/capabilities';
import { pauseStatementTracking } from '../db/statementTracking';
import { CancelledError, type QueryRunner } from '../db/session';
import { loadParser } from '../sql/parser';
import { loadAdvisorCatalog, type CatalogTable } from './catalog';
import { collectWorkload } from './collect';
import { WhatIfCoster } from './costing';
import { planBaseline } from './plan';
import { mergeVariantImpacts, representativeVariants } from './representative';
import { buildCandidatePool, heuristicPick } from './pool';
import { attributeChosen, buildRecommendations } from './report';
import { selectIndexes, type SelectionStats } from './selection';
import type { AdvisorOptions, AdvisorResult, Chosen, DroppedIndex } from './types';
import { TrackedEngine, WhatIfLanes } from './lanes';
import { batchWhatIf, GenericPlanner, HypoEngine, ScratchEngine, type WhatIfEngine, type WhatIfJob, type WhatIfJobResult } from './whatif';

export type { AdvisorOptions, AdvisorResult, AdvisorSource, DroppedIndex, RepresentativeStatement, Priority, QualstatsContribution, QueryImpact, Recommendation, SkippedStatement } from './types';
export { FLOOR_JOB_STATEMENTS, PAIR_MIN_GAIN } from './costing';
export { NEGLIGIBLE_SHARE, tableMatches, WRITE_COST_PER_ROW } from './pool';
export { CLASS_JOB_STATEMENTS, LAZY_BATCH, PREFIX_MIN_SHARE, REFILL_ROUNDS, SWAP_MIN_PLANS, SWAP_POOL, SWAP_PASSES, WORTH_MIN_SHARE } from './selection';

export const GIN_UNVERIFIED =
  'HypoPG cannot simulate GIN indexes: estimated from the sequential scans it would replace; to verify, run the advisor with the scratch what-if engine (--scratch-whatif) on a scratch copy';

export async function runAdvisor(q: QueryRunner, caps: Capabilities, opts: AdvisorOptions = {}): Promise<AdvisorResult> {
  const started = performance.now();
  const check = (): void => {
    if (opts.signal?.aborted) throw new CancelledError();
  };
  await loadParser();
  // What-if plans of the user's statements must not count as their calls (db/statementTracking.ts).
  const tracking = await pauseStatementTracking(q, caps.serverVersionNum);
  const { workload, qualstats, qualstatsError } = await collectWorkload(q, caps, opts, check);
  // Only the tables the workload can reach (its names, the views' base tables, whole partition trees).
  const cat = await loadAdvisorCatalog(q, { statements: workload.statements.map((s) => s.sql) });
  const hypo = caps.extensions.hypopg;
  const planner = new GenericPlanner(q, caps.serverVersionNum);
  const hypoEngine = !opts.scratchConsent && hypo.usable ? new TrackedEngine(new HypoEngine(q, hypo.schema ?? 'public')) : undefined;
  const engine: WhatIfEngine | undefined = opts.scratchConsent ? new ScratchEngine(q) : hypoEngine;
  // Parallel what-if connections (HypoPG only: the scratch engine's real indexes are seen by its own transaction alone).
  const lanes = hypoEngine && opts.whatIfConnections?.length ? new WhatIfLanes(q, opts.whatIfConnections, hypoEngine, hypo.schema ?? 'public', caps.serverVersionNum) : undefined;

  try {
    await engine?.reset();
    await lanes?.init();
    opts.progress?.(`advisor: planning ${workload.statements.length} statements`);
    // Baseline plans batched in the server (over the what-if connections when there are several).
    const baselineBatch = (jobs: WhatIfJob[]): Promise<WhatIfJobResult[]> => (lanes ? lanes.batch(jobs) : batchWhatIf(q, hypo.schema ?? 'public', caps.serverVersionNum, jobs));
    const baseline = await planBaseline(workload, cat, planner, opts, check, baselineBatch);
    const { skipped, writers, ignored } = baseline;
    // Skewed columns under generic plans: parameterised statements costed with representative values (representative.ts).
    const rep = opts.representativeParams !== false ? await representativeVariants(q, planner, baseline.planned, baseline.totalBefore, opts, check) : undefined;
    const planned = rep?.planned ?? baseline.planned;
    const totalBefore = rep?.totalBefore ?? baseline.totalBefore;
    const pool = buildCandidatePool(planned, writers, totalBefore, opts, engine);
    const { candidates, suppressed, excludedCandidates, negligible, overheadOf } = pool;
    const minAbs = (opts.minShare ?? 0.001) * totalBefore;
    const maxIndexes = opts.maxIndexes ?? 10;
    const chosen: Chosen[] = [];
    const current = new Map(planned.map((p) => [p.stmt.id, p.baseline]));
    const stats: SelectionStats = { swaps: 0, belowMinSavings: 0, boundedOut: 0, evaluatedCandidates: 0 };
    const dropped: DroppedIndex[] = [];

    if (engine) {
      opts.progress?.(`advisor: what-if for ${candidates.length} candidates`);
      const coster = new WhatIfCoster({
        q,
        hypoSchema: hypo.schema ?? 'public',
        serverVersionNum: caps.serverVersionNum,
        planner,
        engine,
        affected: pool.affected,
        current,
        check,
        ...(opts.progress ? { progress: opts.progress } : {}),
        ...(lanes ? { lanes } : {}),
      });
      await selectIndexes({
        opts,
        check,
        planner,
        engine,
        coster,
        pool,
        planned,
        totalBefore,
        minAbs,
        maxIndexes,
        maxSize: opts.maxSizeBytes ?? Number.POSITIVE_INFINITY,
        current,
        chosen,
        stats,
        dropped,
      });
      await attributeChosen(engine, planner, planned, pool.affected, chosen, current, (stmts) => coster.planAsIs(stmts));
      const gin = candidates.filter((c) => !engine.supports(c.method));
      if (gin.length && chosen.length < maxIndexes) {
        for (const e of heuristicPick(gin, maxIndexes - chosen.length, planned, overheadOf, minAbs)) {
          chosen.push({ c: e.c, oid: 0, hypoName: '', sizeBytes: 0, overhead: e.overhead, rows: e.rows, benefit: e.benefit, marginal: e.benefit, helped: new Map(), unverified: GIN_UNVERIFIED });
        }
      }
    } else {
      for (const e of heuristicPick(candidates, maxIndexes, planned, overheadOf, minAbs)) chosen.push({ c: e.c, oid: 0, hypoName: '', sizeBytes: 0, overhead: e.overhead, rows: e.rows, benefit: e.benefit, marginal: e.benefit, helped: new Map() });
    }

    const totalAfter = planned.reduce((a, p) => a + p.stmt.calls * (current.get(p.stmt.id) ?? p.baseline), 0);
    const recommendations = buildRecommendations(chosen, planned, current, totalBefore, !!engine);
    if (rep?.representative.length) mergeVariantImpacts(recommendations, planned, current);
    const { swaps, belowMinSavings, evaluatedCandidates, boundedOut } = stats;
    const writeTables = new Map<CatalogTable, number>();
    for (const w of writers) writeTables.set(w.table, (writeTables.get(w.table) ?? 0) + w.rows);
    return {
      verified: !!engine,
      source: opts.workloadText !== undefined ? 'file' : opts.workloadStatements ? opts.workloadStatements.source : qualstats ? 'pg_stat_statements + pg_qualstats' : 'pg_stat_statements',
      ...(qualstats ? { qualstats } : {}),
      ...(qualstatsError ? { qualstatsError } : {}),
      ...(workload.statsSince ? { statsSince: workload.statsSince } : {}),
      ...(workload.statsAgeS !== undefined ? { statsAgeS: workload.statsAgeS } : {}),
      ...(workload.toolStatementsLeftOut !== undefined ? { toolStatementsLeftOut: workload.toolStatementsLeftOut } : {}),
      statementTracking: tracking,
      statementsAnalyzed: baseline.planned.length,
      statementsIgnored: ignored,
      skipped,
      recommendations,
      ...(dropped.length ? { dropped } : {}),
      ...(rep?.representative.length ? { representative: rep.representative } : {}),
      totalCostBefore: totalBefore,
      totalCostAfter: totalAfter,
      candidates: candidates.length,
      ...(excludedCandidates ? { excludedCandidates } : {}),
      ...(negligible.statements ? { negligible } : {}),
      ...(belowMinSavings ? { belowMinSavings } : {}),
      ...(engine ? { bounding: { candidatesCosted: evaluatedCandidates, candidatesBoundedOut: boundedOut } } : {}),
      suppressed: suppressed.map((s) => ({ candidate: s.id, coveredBy: s.by })),
      explains: planner.explains,
      ...(lanes ? { whatIfConnections: 1 + opts.whatIfConnections!.length } : {}),
      swaps,
      ...(engine ? { whatIf: engine.kind } : {}),
      durationMs: Math.round(performance.now() - started),
      ...(engine
        ? {}
        : {
            unverifiedReason: `${hypo.unavailable?.because ?? 'HypoPG is not usable'}; to verify recommendations with what-if costs: ${hypo.unavailable?.toEnable ?? 'install HypoPG and run CREATE EXTENSION hypopg'}`,
          }),
      tableWrites: [...writeTables].map(([t, rows]) => ({
        table: `${t.schema}.${t.name}`,
        workloadRows: rows,
        statsInserts: t.writes.inserts,
        statsUpdates: t.writes.updates,
        statsDeletes: t.writes.deletes,
      })),
    };
  } finally {
    if (engine) await engine.reset().catch(() => undefined);
    await lanes?.reset();
  }
}
