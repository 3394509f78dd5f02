// The advisor's types: its options and result (the public API, re-exported by advisor.ts) and what the
// phases hand each other (a planned statement, a write the workload makes, a chosen index).
import type { QueryRunner } from '../db/session';
import type { TrackingPause } from '../db/statementTracking';
import type { CandidateKind, Candidate } from './candidates';
import type { CatalogTable } from './catalog';
import type { StatementShape } from './extract';
import type { PlanOutcome } from './whatif';
import type { WorkloadStatement } from './workload';
import type { CreateIndexAction } from '../report/actions';

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
  /**
   * Worth its place: with the rest of the set in place, leaving a recommended index out must cost at least this
   * share of the workload's cost (default 0.2 %); a chosen index below it is dropped and listed in `dropped`.
   */
  minMarginalShare?: number;
  /**
   * Parameterised statements filtering a skewed column (`col = $n`, most-common-values statistics) are costed with
   * representative values (a rare and a common one, weighted) instead of one generic plan (default true).
   */
  representativeParams?: boolean;
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
  /**
   * Extra connections to the same database for what-if plans, each already in its own READ ONLY transaction
   * that the caller rolls back (db/readOnlyLanes.ts): HypoPG batches are shared out among them (HypoPG only).
   */
  whatIfConnections?: QueryRunner[];
  /** Re-plan only the statements a newly chosen index is relevant to when re-costing a candidate (default true; false = every statement, for comparison). */
  incrementalCosting?: boolean;
  /**
   * Partial costing (default true): the lazy greedy costs a candidate on its statements with the largest bounds
   * first, in chunks, and stops once its exact part plus the bound of the rest falls below the top (false = each
   * candidate costed on all its statements at once, for comparison).
   */
  partialCosting?: boolean;
  /**
   * Exhaustive costing (default false): no bounds, no reduced plans, no lazy tolerance — every candidate costed
   * exactly on all its statements before each pick (the plain greedy the bounded search must agree with; for
   * comparison and tests, slow on large workloads).
   */
  exhaustiveCosting?: boolean;
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

/** An index the selection chose and then left out: with the rest of the set in place it was not worth its place. */
export interface DroppedIndex {
  sql: string;
  name: string;
  schema: string;
  table: string;
  columns: string[];
  /** Calls-weighted planner cost that leaving it out adds back with the rest of the set in place, net of its write overhead. */
  marginalBenefit: number;
  /** marginalBenefit / total workload cost before. */
  marginalShare: number;
  reason: string;
}

/** A statement costed as weighted variants with representative values of a skewed column (representative.ts). */
export interface RepresentativeStatement {
  id: string;
  sql: string;
  /** schema.table.column the parameter is compared with. */
  column: string;
  param: number;
  /** Each variant: the value, its weight (share of the statement's calls) and its planner cost without new indexes. */
  variants: { value: string; weight: number; cost: number }[];
  /** The generic plan's cost (what the statement would count without this). */
  genericCost: number;
}

export interface SkippedStatement {
  id: string;
  sql: string;
  calls: number;
  reason: string;
}

export type AdvisorSource = 'pg_stat_statements' | 'file' | 'pg_stat_statements + pg_qualstats' | 'server log' | 'pg_stat_activity sample';

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
  /** Indexes the selection chose and then dropped (not worth their place with the others in place), with their marginal saving. */
  dropped?: DroppedIndex[];
  /** Parameterised statements costed with representative values of a skewed column instead of one generic plan. */
  representative?: RepresentativeStatement[];
  /** Sum over planned statements of calls × planner cost. */
  totalCostBefore: number;
  totalCostAfter: number;
  candidates: number;
  /** Bounding before costing: candidates costed (on some or all of their statements: partial costing), and those whose upper bound showed they cannot pay (never costed). */
  bounding?: { candidatesCosted: number; candidatesBoundedOut: number };
  /** Statements whose share of the workload's cost was negligible: in the totals, not re-planned for candidates. */
  negligible?: { statements: number; share: number; /** The threshold: a statement's share of the workload's cost below which it is not re-planned. */ threshold?: number };
  /** Candidates left out by --include / --exclude. */
  excludedCandidates?: number;
  /** Candidates (or chosen indexes, when re-judged) that saved less than --min-savings-pct of the statements they serve. */
  belowMinSavings?: number;
  suppressed: { candidate: string; coveredBy: string }[];
  explains: number;
  /** Connections that planned what-if batches (1 + the extra ones used). */
  whatIfConnections?: number;
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

/** A statement of the workload that the planner could plan (its baseline plan, without new indexes). */
export interface Planned {
  stmt: WorkloadStatement;
  shape: StatementShape;
  baseline: number;
  baselinePlan: PlanOutcome & { ok: true };
}

/** Rows a workload statement writes to a table (an UPDATE: only when it sets one of `updated`). */
export interface Writer {
  table: CatalogTable;
  rows: number;
  updated?: string[];
}

/** An index in the chosen set. */
export interface Chosen {
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
}
