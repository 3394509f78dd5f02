// The index advisor: workload -> candidates -> what-if costs -> a set of indexes chosen for the whole
// workload under a budget.
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
import { pauseStatementTracking, type TrackingPause } from '../db/statementTracking';
import { CancelledError, type QueryRunner } from '../db/session';
import { loadParser, parseSql } from '../sql/parser';
import { columnKey, loadAdvisorCatalog, lookupTable, type CatalogTable } from './catalog';
import type { CreateIndexAction } from '../report/actions';
import { createIndexAction, createIndexSql, generateCandidates, hypoDdl, indexName, predicateSql, type Candidate, type CandidateKind } from './candidates';
import { mergeUses, shapeFromPlan } from './expand';
import { analyzeStatement, type StatementShape } from './extract';
import { batchWhatIf, GenericPlanner, HypoEngine, ScratchEngine, type PlanOutcome, type WhatIfEngine } from './whatif';
import { loadQualstats, mergeQualstatsExamples } from './qualstats';
import { fillGroupByConstants, loadPgssWorkload, parseWorkloadFile, type Workload, type WorkloadStatement } from './workload';

export const WRITE_COST_PER_ROW = 8;
/** A chosen index that is a key prefix of another chosen one stays only if it removes this share on its own. */
export const PREFIX_MIN_SHARE = 0.02;
/** Improvement swaps: passes over the chosen set, candidates tried per chosen index, and a floor on the EXPLAINs they may spend (otherwise as many as selection took). */
export const SWAP_PASSES = 3;
export const SWAP_POOL = 12;
export const SWAP_MIN_PLANS = 2000;
/** Statements per floor job (all of a table's candidates at once): keeps one DO block well inside the statement timeout. */
export const FLOOR_JOB_STATEMENTS = 100;
/** A (candidate, statement) pair is re-planned only when the candidate's group can lower the statement's cost by more than this share. */
export const PAIR_MIN_GAIN = 0.001;
/** Statements below this share of the workload's cost are not re-planned for candidates (counted, and said so). */
export const NEGLIGIBLE_SHARE = 0.0001;
/** Lazy greedy tolerance: a freshly costed candidate within this share of the best stale bound is picked without re-costing the rest. */
export const LAZY_EPS = 0.02;
/** Stale candidates costed together when the lazy greedy needs the top one. */
export const LAZY_BATCH = 16;
export const GIN_UNVERIFIED =
  'HypoPG cannot simulate GIN indexes: estimated from the sequential scans it would replace; to verify, run the advisor with the scratch what-if engine (--scratch-whatif) on a scratch copy';

export interface AdvisorOptions {
  /** Statements taken from pg_stat_statements (by total time). Default 100. */
  topN?: number;
  maxIndexes?: number;
  maxSizeBytes?: number;
  /** A workload file's text instead of pg_stat_statements. */
  workloadText?: string;
  /** Statements from another source (the server log, a pg_stat_activity sample) instead of pg_stat_statements. */
  workloadStatements?: { statements: WorkloadStatement[]; source: 'server log' | 'pg_stat_activity sample' };
  /** Statements whose planner cost (one execution) is below this are left out (listed as skipped). */
  minCost?: number;
  /** An index must save at least this share (0–1) of the cost of the statements it serves. */
  minSavingsShare?: number;
  /** Only candidates on these tables (`name`, `schema.name`, `*` wildcards); default all. */
  includeTables?: string[];
  /** No candidates on these tables (same patterns). */
  excludeTables?: string[];
  /** An index must remove at least this share of the total workload cost (default 0.1 %). */
  minShare?: number;
  writeCostPerRow?: number;
  /**
   * Use the scratch what-if engine (real indexes in a transaction the caller rolls back) instead of HypoPG:
   * only on a demo/scratch database or with the user's explicit consent. `q` must then be a writable
   * transaction block that the caller always rolls back. It can verify GIN, which HypoPG cannot.
   */
  scratchConsent?: boolean;
  /**
   * Also read pg_qualstats when it is usable (default true): its example queries that pg_stat_statements'
   * workload lacks join the workload. Ignored with a workload file.
   */
  qualstats?: boolean;
  /** Statements below this share of the workload's total cost are not re-planned for candidates (default 0.0001 = 0.01 %; 0 = all). */
  negligibleShare?: number;
  /** Improvement swaps after the greedy selection (default true; false = pure greedy, for comparison). */
  swaps?: boolean;
  signal?: AbortSignal;
  progress?(message: string): void;
}

export interface QueryImpact {
  id: string;
  sql: string;
  calls: number;
  before: number;
  after: number;
}

export type Priority = 'high' | 'medium' | 'low';

export interface Recommendation {
  sql: string;
  /** The typed action `sql` renders (Create Migration, --emit-migration). */
  action: CreateIndexAction;
  name: string;
  schema: string;
  table: string;
  columns: string[];
  /** The single CREATE INDEX the what-if engine costed (for a partitioned table: on the parent, which HypoPG applies to every partition). */
  whatIfDdl: string;
  /** A partitioned table: `sql` is the ON ONLY + CONCURRENTLY-per-partition + ATTACH pattern over this many partitions (all levels). */
  partitions?: number;
  /** Per key column, whether it is DESC (present only when some is: a mixed-direction ORDER BY). */
  descending?: boolean[];
  where?: string;
  /** INCLUDE columns (a covering index for index-only scans). */
  include?: string[];
  method: 'btree' | 'gin';
  opclass?: string;
  kind: CandidateKind;
  priority: Priority;
  /** Checked by the what-if engine (HypoPG); false = heuristic only. */
  verified: boolean;
  /** For an unverified recommendation while the others are verified: why, and how to verify it. */
  unverifiedReason?: string;
  sizeBytes?: number;
  /** Calls-weighted planner cost this index removes on top of the recommendations ranked before it (these add up to the total reduction). */
  benefit: number;
  /** Calls-weighted planner cost lost if only this index were left out of the set (its benefit given all the others). */
  marginalBenefit: number;
  /** benefit / total workload cost before. */
  benefitShare: number;
  /** Calls-weighted cost units the index adds to the workload's writes. */
  writeOverhead: number;
  /** Rows written to the table by the workload (inserts + deletes + updates of indexed columns). */
  writeRows: number;
  queries: QueryImpact[];
}

export interface SkippedStatement {
  id: string;
  sql: string;
  calls: number;
  reason: string;
}

export type AdvisorSource = 'pg_stat_statements' | 'file' | 'pg_stat_statements + pg_qualstats' | 'server log' | 'pg_stat_activity sample';

/** `orders`, `public.orders`, `app.*`, `*_log`: a table pattern of --include / --exclude (case-sensitive, as stored). */
export function tableMatches(t: { schema: string; name: string }, pattern: string): boolean {
  const re = (p: string): RegExp => new RegExp(`^${p.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const dot = pattern.indexOf('.');
  return dot > 0 ? re(pattern.slice(0, dot)).test(t.schema) && re(pattern.slice(dot + 1)).test(t.name) : re(pattern).test(t.name);
}

/** What pg_qualstats contributed to the workload (present when it was read). */
export interface QualstatsContribution {
  /** Predicates (table, column, operator, query) on user tables that pg_qualstats reported. */
  predicates: number;
  /** Of those, the ones whose statement was not in pg_stat_statements' workload (it came from pg_qualstats). */
  predicatesAdded: number;
  /** Example queries added to the workload (their fingerprint was not there yet). */
  statementsAdded: number;
  /** Example queries already in the workload (same fingerprint), not added twice. */
  statementsDuplicate: number;
  /** pg_qualstats.sample_rate in effect: executions were scaled by 1 / sample rate. */
  sampleRate: number;
}

export interface AdvisorResult {
  verified: boolean;
  source: AdvisorSource;
  qualstats?: QualstatsContribution;
  /** pg_qualstats is installed but could not be read (e.g. permissions): why. */
  qualstatsError?: string;
  statsSince?: string;
  statsAgeS?: number;
  statementsAnalyzed: number;
  /** Statements that touch no user table (catalog and monitoring queries): not planned. */
  statementsIgnored: number;
  skipped: SkippedStatement[];
  recommendations: Recommendation[];
  /** Sum over planned statements of calls × planner cost. */
  totalCostBefore: number;
  totalCostAfter: number;
  candidates: number;
  /** Bounding before costing: candidates costed exactly, and those whose upper bound showed they cannot pay (never costed). */
  bounding?: { candidatesCosted: number; candidatesBoundedOut: number };
  /** Statements whose share of the workload's cost was negligible: in the totals, not re-planned for candidates. */
  negligible?: { statements: number; share: number };
  /** Candidates left out by --include / --exclude. */
  excludedCandidates?: number;
  /** Candidates (or chosen indexes, when re-judged) that saved less than --min-savings-pct of the statements they serve. */
  belowMinSavings?: number;
  suppressed: { candidate: string; coveredBy: string }[];
  explains: number;
  /** Improvement swaps that replaced a greedy pick. */
  swaps: number;
  /** The what-if engine that verified the recommendations. */
  whatIf?: 'hypopg' | 'scratch';
  durationMs: number;
  /** Why verification is off and how to enable it. */
  unverifiedReason?: string;
  tableWrites: { table: string; workloadRows: number; statsInserts: number; statsUpdates: number; statsDeletes: number }[];
  /** pg_stat_statements entries of pgopt itself left out of the workload (docs/footprint.md). */
  toolStatementsLeftOut?: number;
  /** Whether pg_stat_statements was kept from recording this run's what-if plans. */
  statementTracking?: TrackingPause;
}

interface Planned {
  stmt: WorkloadStatement;
  shape: StatementShape;
  baseline: number;
  baselinePlan: PlanOutcome & { ok: true };
}

export async function runAdvisor(q: QueryRunner, caps: Capabilities, opts: AdvisorOptions = {}): Promise<AdvisorResult> {
  const started = performance.now();
  const check = (): void => {
    if (opts.signal?.aborted) throw new CancelledError();
  };
  await loadParser();
  // What-if plans of the user's statements must not count as their calls (db/statementTracking.ts).
  const tracking = await pauseStatementTracking(q, caps.serverVersionNum);
  let workload: Workload;
  const external = opts.workloadText !== undefined || opts.workloadStatements !== undefined;
  if (opts.workloadText !== undefined) workload = { statements: parseWorkloadFile(opts.workloadText) };
  else if (opts.workloadStatements) workload = { statements: opts.workloadStatements.statements.map((s) => ({ ...s })) };
  else {
    const pgss = caps.extensions.pg_stat_statements;
    if (!pgss.usable) throw new Error(`pg_stat_statements is not usable: ${pgss.unavailable?.because ?? 'unknown'}; to enable: ${pgss.unavailable?.toEnable ?? ''}`);
    workload = await loadPgssWorkload(q, opts.topN ?? 100, caps.serverVersionNum, pgss.schema ?? 'public');
  }
  let qualstats: QualstatsContribution | undefined;
  let qualstatsError: string | undefined;
  const qs = caps.extensions.pg_qualstats;
  if (!external && opts.qualstats !== false && qs?.usable) {
    check();
    // In a savepoint: a failing read (e.g. a role without access) must not abort the session's transaction.
    const savepoint = await q.query('SAVEPOINT pgopt_qualstats').then(
      () => true,
      () => false,
    );
    try {
      const data = await loadQualstats(q, qs.schema ?? 'public', caps.extensions.pg_stat_statements.schema ?? 'public');
      if (savepoint) await q.query('RELEASE SAVEPOINT pgopt_qualstats');
      const merged = mergeQualstatsExamples(workload.statements, data.examples);
      workload = { ...workload, statements: merged.statements };
      qualstats = {
        predicates: data.predicates.length,
        predicatesAdded: data.predicates.filter((p) => p.queryId !== undefined && merged.addedQueryIds.has(p.queryId)).length,
        statementsAdded: merged.added,
        statementsDuplicate: merged.duplicates,
        sampleRate: data.sampleRate,
      };
    } catch (e) {
      if (savepoint) await q.query('ROLLBACK TO SAVEPOINT pgopt_qualstats').catch(() => undefined);
      if (e instanceof CancelledError) throw e;
      qualstatsError = (e as Error).message;
    }
  }
  const cat = await loadAdvisorCatalog(q);
  const hypo = caps.extensions.hypopg;
  const planner = new GenericPlanner(q, caps.serverVersionNum);
  const engine: WhatIfEngine | undefined = opts.scratchConsent ? new ScratchEngine(q) : hypo.usable ? new HypoEngine(q, hypo.schema ?? 'public') : undefined;
  const skipped: SkippedStatement[] = [];
  const planned: Planned[] = [];
  const writers: { table: CatalogTable; rows: number; updated?: string[] }[] = [];
  let ignored = 0;
  const skip = (s: WorkloadStatement, reason: string): void => {
    skipped.push({ id: s.id, sql: s.original, calls: s.calls, reason });
  };

  try {
    await engine?.reset();
    opts.progress?.(`advisor: planning ${workload.statements.length} statements`);
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
    const minAbs = (opts.minShare ?? 0.001) * totalBefore;
    const maxIndexes = opts.maxIndexes ?? 10;
    const maxSize = opts.maxSizeBytes ?? Number.POSITIVE_INFINITY;
    const affected = new Map<string, Planned[]>();
    // A btree index can only serve a statement that uses its leading key (filter, join, sort or group):
    // only those are re-planned for it. This keeps the what-if work linear in practice.
    const usesKey = (p: Planned, c: Candidate): boolean => {
      const u = p.shape.uses.get(c.table.oid);
      const lead = c.keys[0]?.key;
      if (!u || !lead) return false;
      if (c.method === 'gin') return u.contains.some((k) => k.key === lead);
      return [u.eq, u.range, u.join, u.sort, u.group].some((list) => list.some((k) => k.key === lead));
    };
    // A covering candidate is judged only on the statements it can answer with an index-only scan (all
    // their columns of the table among its keys and INCLUDE columns); for the others it is its plain twin
    // (same keys, also a candidate) made larger. Keeps the what-if work from doubling.
    const coverable = (p: Planned, c: Candidate): boolean => {
      if (!c.include) return true;
      const u = p.shape.uses.get(c.table.oid);
      if (!u || u.star) return false;
      const have = new Set([...c.keys.map((k) => k.column), ...c.include.map((k) => k.column)]);
      return u.refs.every((r) => have.has(r));
    };
    // Heuristic only (no what-if engine for these candidates): per statement and table, the widest
    // candidate the statement produced, for tables its plan reads with a sequential scan; scored by
    // calls × the statement's cost. Covering variants need costs to judge and are left out.
    const heuristicPick = (pool: Candidate[], limit: number): { c: Candidate; overhead: number; rows: number; benefit: number }[] => {
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
    };
    // HypoPG (1.3) cannot simulate GIN: those candidates get the heuristic, labelled unverified.
    const whatIfCandidates = engine ? candidates.filter((c) => engine.supports(c.method)) : candidates;
    // Statements with a negligible share of the workload's cost are still in its totals, but no candidate
    // is re-planned for them (on large workloads they are most of the what-if work for nothing).
    const negligibleAbs = (opts.negligibleShare ?? NEGLIGIBLE_SHARE) * totalBefore;
    const relevant = planned.filter((p) => p.stmt.calls * p.baseline >= negligibleAbs);
    const negligible = { statements: planned.length - relevant.length, share: totalBefore > 0 ? planned.filter((p) => p.stmt.calls * p.baseline < negligibleAbs).reduce((a, p) => a + p.stmt.calls * p.baseline, 0) / totalBefore : 0 };
    if (negligible.statements) opts.progress?.(`advisor: ${negligible.statements} statements with a negligible share of the workload (together ${(negligible.share * 100).toFixed(2)} %) are not re-planned for candidates`);
    for (const c of candidates) affected.set(c.id, relevant.filter((p) => usesKey(p, c) && coverable(p, c)));

    const chosen: {
      c: Candidate;
      oid: number;
      hypoName: string;
      sizeBytes: number;
      overhead: number;
      rows: number;
      benefit: number;
      marginal: number;
      helped: Map<string, number>;
      /** Why this one was not checked by the what-if engine. */
      unverified?: string;
    }[] = [];
    const current = new Map(planned.map((p) => [p.stmt.id, p.baseline]));
    let swaps = 0;
    let belowMinSavings = 0;
    let boundedOut = 0;
    let evaluatedCandidates = 0;
    const callsById = new Map(planned.map((p) => [p.stmt.id, p.stmt.calls]));
    // Share of the cost of the statements a candidate serves (those it makes cheaper) that it removes.
    const savingsShare = (c: Candidate, costs: Map<string, number>, cur: Map<string, number>): number => {
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
    };

    if (engine) {
      opts.progress?.(`advisor: what-if for ${candidates.length} candidates`);
      // What-if costs of candidates (each on its own, on top of the chosen ones), batched in the server;
      // a statement the server-side batch cannot plan is planned the slow way (it retries untyped parameters).
      const evaluateMany = async (cs: Candidate[], stmtsFor?: Planned[]): Promise<{ gain: number; costs: Map<string, number>; size: number }[]> => {
        check();
        const jobs = cs.map((c) => ({ ddl: hypoDdl(c), stmts: stmtsFor ?? affected.get(c.id) ?? [] }));
        // Batched in the server with HypoPG; the scratch engine builds real indexes one by one (slow path).
        const batch =
          engine.kind === 'hypopg'
            ? await batchWhatIf(
                q,
                hypo.schema ?? 'public',
                caps.serverVersionNum,
                jobs.map((j) => ({ ddl: j.ddl, stmts: j.stmts.map((p) => ({ sql: p.stmt.sql, paramCount: p.shape.paramCount })) })),
              )
            : [];
        const out: { gain: number; costs: Map<string, number>; size: number }[] = [];
        for (let i = 0; i < jobs.length; i++) {
          const job = jobs[i]!;
          const res = batch[i];
          planner.explains += job.stmts.length;
          const costs = new Map<string, number>();
          let size = res?.sizeBytes ?? 0;
          const slow: Planned[] = [];
          job.stmts.forEach((p, k) => {
            const cost = res?.costs[k];
            if (cost === undefined) slow.push(p);
            else costs.set(p.stmt.id, cost);
          });
          if (slow.length) {
            const h = await engine.create(job.ddl);
            size = h.sizeBytes;
            try {
              for (const p of slow) {
                check();
                const r = await planner.plan(p.stmt.sql, p.shape.paramCount);
                if (r.ok) costs.set(p.stmt.id, r.cost);
              }
            } finally {
              await engine.drop(h.oid);
            }
          }
          let gain = 0;
          for (const p of job.stmts) {
            const cost = costs.get(p.stmt.id);
            if (cost !== undefined) gain += p.stmt.calls * Math.max(0, (current.get(p.stmt.id) ?? p.baseline) - cost);
          }
          out.push({ gain, costs, size });
        }
        return out;
      };
      const evaluate = async (c: Candidate): Promise<{ gain: number; costs: Map<string, number>; size: number }> => (await evaluateMany([c]))[0]!;
      const improveBySwaps = async (pool: Entry[], usedSizeIn: number): Promise<{ usedSize: number; swaps: number }> => {
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
            const evs = await evaluateMany(todo.map((e) => e.c));
            todo.forEach((e, i) => {
              e.alone = evs[i]!.gain - e.overhead;
              e.exact = true;
            });
            evaluatedCandidates += todo.length;
            ins = [...pool].sort((a, b) => b.alone - a.alone).slice(0, SWAP_POOL);
          }
          for (let i = 0; i < chosen.length; i++) {
            for (const e of ins) {
              const out = chosen[i]!;
              if (!pool.includes(e) || e.alone <= minAbs) continue;
              if (usedSize - out.sizeBytes + e.size > maxSize) continue;
              if (plans > planBudget) return { usedSize, swaps: done };
              check();
              await engine.drop(out.oid);
              const stmts = [...new Set([...(affected.get(out.c.id) ?? []), ...(affected.get(e.c.id) ?? [])])];
              const swapIn = await evaluateMany([e.c], stmts);
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
      };
      interface Entry { c: Candidate; net: number; alone: number; round: number; costs: Map<string, number>; size: number; overhead: number; rows: number; exact?: boolean }
      let queue: Entry[] = [];
      // First estimate: every statement the candidate can serve, with no other index chosen. This must be
      // the full set: a lazy greedy needs upper bounds, and an estimate from only the statements that
      // produced the candidate is a lower bound (measured on HealthMate: a 2-column index that also served
      // other statements lost the first pick to its 1-column prefix).
      //
      // Bounding before costing: the exact first estimate of every candidate was most of the work on large
      // workloads (1,000 statements: 119k EXPLAINs). Instead, per table and leading key, every candidate
      // starting with that key is created at once (hypothetically) and each statement it can serve is planned
      // once: no subset of those candidates can make the statement cheaper than that floor (the planner keeps
      // the cheapest path, and more indexes only add paths). A candidate's benefit is then at most
      // Σ calls × (baseline − floor) over the statements it can serve: a valid upper bound for the lazy greedy,
      // which costs a candidate exactly only when its bound reaches the top of the queue. Candidates whose
      // bound cannot pay are never costed.
      const groupOf = (c: Candidate): string => `${c.table.oid}:${c.method}:${c.keys[0]?.key ?? ''}`;
      const floors = new Map<string, number>(); // `${group}|${statement id}` -> floor cost
      {
        const byGroup = new Map<string, Candidate[]>();
        for (const c of whatIfCandidates) byGroup.set(groupOf(c), [...(byGroup.get(groupOf(c)) ?? []), c]);
        const jobs: { group: string; ddls: string[]; stmts: Planned[] }[] = [];
        for (const [group, cs] of byGroup) {
          const stmts = [...new Set(cs.flatMap((c) => affected.get(c.id) ?? []))];
          const ddls = cs.map(hypoDdl);
          for (let i = 0; i < stmts.length; i += FLOOR_JOB_STATEMENTS) jobs.push({ group, ddls, stmts: stmts.slice(i, i + FLOOR_JOB_STATEMENTS) });
        }
        opts.progress?.(`advisor: bounding ${whatIfCandidates.length} candidates in ${byGroup.size} leading-key groups (${jobs.reduce((a, j) => a + j.stmts.length, 0)} plans)`);
        const res =
          engine.kind === 'hypopg'
            ? await batchWhatIf(
                q,
                hypo.schema ?? 'public',
                caps.serverVersionNum,
                jobs.map((j) => ({ ddls: j.ddls, stmts: j.stmts.map((p) => ({ sql: p.stmt.sql, paramCount: p.shape.paramCount })) })),
              )
            : [];
        jobs.forEach((j, i) => {
          planner.explains += engine.kind === 'hypopg' ? j.stmts.length : 0;
          j.stmts.forEach((p, k) => {
            const cost = res[i]?.costs[k];
            // Not planned (or the scratch engine): no floor known, the bound is the whole baseline.
            floors.set(`${j.group}|${p.stmt.id}`, cost === undefined ? 0 : Math.min(cost, p.baseline));
          });
        });
      }
      // A statement that no candidate of the group makes cheaper (its floor is its baseline) is not re-planned
      // for any of them: on 1,000 TPC-H-style statements most (candidate, statement) pairs are of that kind.
      let pairsBefore = 0;
      let pairsAfter = 0;
      for (const c of whatIfCandidates) {
        const all = affected.get(c.id) ?? [];
        const kept = all.filter((p) => (floors.get(`${groupOf(c)}|${p.stmt.id}`) ?? 0) < p.baseline * (1 - PAIR_MIN_GAIN));
        pairsBefore += all.length;
        pairsAfter += kept.length;
        affected.set(c.id, kept);
      }
      opts.progress?.(`advisor: ${pairsAfter} of ${pairsBefore} (candidate, statement) pairs can gain`);
      for (const c of whatIfCandidates) {
        let bound = 0;
        for (const p of affected.get(c.id) ?? []) bound += p.stmt.calls * Math.max(0, p.baseline - (floors.get(`${groupOf(c)}|${p.stmt.id}`) ?? 0));
        const { overhead, rows } = overheadOf(c);
        if (bound - overhead <= minAbs) {
          boundedOut++;
          continue;
        }
        queue.push({ c, net: bound - overhead, alone: bound - overhead, round: -1, costs: new Map(), size: 0, overhead, rows, exact: false });
      }
      opts.progress?.(`advisor: ${queue.length} candidates can pay (${boundedOut} cannot, by their bound); costing them lazily`);
      let round = 0;
      let usedSize = 0;
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
          // Cost the stale entries at the top in one server round trip (they are the likely next picks).
          const stale = queue.filter((e) => e.round < round || !e.exact).slice(0, LAZY_BATCH);
          const evs = await evaluateMany(stale.map((e) => e.c));
          stale.forEach((e, i) => {
            const ev = evs[i]!;
            if (!e.exact) {
              e.alone = ev.gain - e.overhead;
              e.exact = true;
            }
            e.net = ev.gain - e.overhead;
            e.costs = ev.costs;
            e.size = ev.size;
            e.round = round;
            if (opts.minSavingsShare !== undefined && savingsShare(e.c, ev.costs, current) < opts.minSavingsShare) e.net = -Infinity;
          });
          const before = queue.length;
          queue = queue.filter((e) => e.net !== -Infinity);
          belowMinSavings += before - queue.length;
          evaluatedCandidates += stale.length;
          if (evaluatedCandidates % (LAZY_BATCH * 8) < stale.length) opts.progress?.(`advisor: ${evaluatedCandidates} candidates costed, ${chosen.length} chosen, ${planner.explains} EXPLAINs`);
          continue;
        }
        queue.shift();
        const h = await engine.create(hypoDdl(top.c));
        for (const [id, cost] of top.costs) current.set(id, Math.min(current.get(id) ?? cost, cost));
        usedSize += h.sizeBytes;
        chosen.push({ c: top.c, oid: h.oid, hypoName: h.name, sizeBytes: h.sizeBytes, overhead: top.overhead, rows: top.rows, benefit: top.net + top.overhead, marginal: 0, helped: new Map() });
        round++;
        // Same table, same leading key: only one of them can be worth it now; the lazy re-evaluation sorts it out.
        queue = queue.filter((e) => e.c.id !== top.c.id);
      }

      // Improvement swaps: replace a chosen index with an unchosen candidate while the workload's total
      // (read cost + write overhead) improves. Greedy commits to its first picks; a swap can undo one that a
      // later pick made partly redundant. Tried against the candidates that were best on their own.
      const swapStats = opts.swaps === false ? { usedSize, swaps: 0 } : await improveBySwaps(queue, usedSize);
      usedSize = swapStats.usedSize;
      swaps = swapStats.swaps;

      // Prune: each chosen index judged against all the others.
      opts.progress?.(`advisor: re-judging ${chosen.length} chosen indexes`);
      for (let i = 0; i < chosen.length; ) {
        const ch = chosen[i]!;
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
        if (tooSmall || loss - ch.overhead <= (prefixOfOther ? Math.max(minAbs, PREFIX_MIN_SHARE * totalBefore) : minAbs)) {
          if (tooSmall) belowMinSavings++;
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
      // Attribution: add the chosen indexes one by one in selection order; each gets what it removes on
      // top of the ones before it (these add up to the total reduction), and its marginal benefit given
      // all the others stays in `marginalBenefit`.
      await engine.reset();
      const stepCost = new Map(planned.map((p) => [p.stmt.id, p.baseline]));
      for (const ch of chosen) {
        ch.marginal = ch.benefit;
        const h = await engine.create(hypoDdl(ch.c));
        ch.oid = h.oid;
        let gain = 0;
        const helped = new Map<string, number>();
        for (const p of affected.get(ch.c.id) ?? []) {
          const r = await planner.plan(p.stmt.sql, p.shape.paramCount);
          if (!r.ok) continue;
          const prev = stepCost.get(p.stmt.id) ?? p.baseline;
          if (r.cost < prev - 1e-9) {
            gain += p.stmt.calls * (prev - r.cost);
            helped.set(p.stmt.id, r.cost);
          }
          stepCost.set(p.stmt.id, r.cost);
        }
        for (const [id] of ch.helped) helped.set(id, stepCost.get(id) ?? 0);
        ch.benefit = gain;
        ch.helped = helped;
      }
      for (const [id, cost] of stepCost) current.set(id, cost);
      const gin = candidates.filter((c) => !engine.supports(c.method));
      if (gin.length && chosen.length < maxIndexes) {
        for (const e of heuristicPick(gin, maxIndexes - chosen.length)) {
          chosen.push({ c: e.c, oid: 0, hypoName: '', sizeBytes: 0, overhead: e.overhead, rows: e.rows, benefit: e.benefit, marginal: e.benefit, helped: new Map(), unverified: GIN_UNVERIFIED });
        }
      }
    } else {
      for (const e of heuristicPick(candidates, maxIndexes)) chosen.push({ c: e.c, oid: 0, hypoName: '', sizeBytes: 0, overhead: e.overhead, rows: e.rows, benefit: e.benefit, marginal: e.benefit, helped: new Map() });
    }

    const totalAfter = planned.reduce((a, p) => a + p.stmt.calls * (current.get(p.stmt.id) ?? p.baseline), 0);
    const recommendations: Recommendation[] = chosen.map((ch) => {
      const share = totalBefore > 0 ? ch.benefit / totalBefore : 0;
      const where = predicateSql(ch.c.predicate);
      const queries: QueryImpact[] = planned
        .filter((p) => (engine && !ch.unverified ? ch.helped.has(p.stmt.id) : ch.c.statements.has(p.stmt.id)))
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
        verified: !!engine && !ch.unverified,
        ...(ch.unverified ? { unverifiedReason: ch.unverified } : {}),
        ...(engine && !ch.unverified ? { sizeBytes: ch.sizeBytes } : {}),
        benefit: ch.benefit,
        marginalBenefit: ch.marginal,
        benefitShare: share,
        writeOverhead: ch.overhead,
        writeRows: ch.rows,
        queries,
      };
    });
    recommendations.sort((a, b) => b.benefit - a.benefit);
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
      statementsAnalyzed: planned.length,
      statementsIgnored: ignored,
      skipped,
      recommendations,
      totalCostBefore: totalBefore,
      totalCostAfter: totalAfter,
      candidates: candidates.length,
      ...(excludedCandidates ? { excludedCandidates } : {}),
      ...(negligible.statements ? { negligible } : {}),
      ...(belowMinSavings ? { belowMinSavings } : {}),
      ...(engine ? { bounding: { candidatesCosted: evaluatedCandidates, candidatesBoundedOut: boundedOut } } : {}),
      suppressed: suppressed.map((s) => ({ candidate: s.id, coveredBy: s.by })),
      explains: planner.explains,
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
  }
}

function countPartitions(t: CatalogTable): number {
  return (t.partitions ?? []).reduce((n, p) => n + 1 + countPartitions(p), 0);
}
