// Before/after: the same statement planned without and with a hypothetical index (HypoPG), in one
// READ ONLY unit. The index is the one the user typed (a CREATE INDEX statement) or the advisor's top
// recommendation for this very statement. Nothing is written or locked; hypopg_reset() runs before and
// after (hypothetical indexes live in the backend and survive ROLLBACK, see advisor/whatif.ts).
import { runAdvisor } from '../advisor/advisor';
import { GenericPlanner, HypoEngine } from '../advisor/whatif';
import type { Capabilities } from '../db/capabilities';
import type { DbSession } from '../db/session';
import { walk } from '../lint/ast';
import { parseSql } from '../sql/parser';
import { splitSql } from '../sql/splitter';
import { explainFailure, ExplainError } from './explain';
import { explainTarget, type ExplainTarget } from './explainTarget';
import { analyzePlan, type PlanAnalysis } from './planAnalysis';

/** Not a failure: the advisor has nothing to propose for this statement (the editor says so as information). */
export class NoIndexFoundError extends ExplainError {
  constructor(message: string) {
    super(message);
    this.name = 'NoIndexFoundError';
  }
}

export type IndexChoice = { kind: 'ddl'; ddl: string } | { kind: 'advisor' };

export interface HypotheticalComparison {
  target: ExplainTarget;
  /** The CREATE INDEX given to hypopg_create_index. */
  indexDdl: string;
  /** Where the index came from. */
  source: 'user' | 'advisor';
  /** HypoPG's name for it (e.g. <13245>btree_orders_customer_id), and its estimated size. */
  hypoName: string;
  sizeBytes: number;
  before: { raw: unknown; analysis: PlanAnalysis };
  after: { raw: unknown; analysis: PlanAnalysis };
  costBefore: number;
  costAfter: number;
  /** (after - before) / before; negative = cheaper. */
  costChange: number;
  /** Whether the plan with the index uses it. */
  indexUsed: boolean;
  notes: string[];
}

/** Why HypoPG cannot be used here and how to enable it, or undefined when it can. */
export function hypopgUnavailable(caps: Capabilities): string | undefined {
  const h = caps.extensions.hypopg;
  if (h.usable) return undefined;
  return `Hypothetical indexes need the HypoPG extension: ${h.unavailable?.because ?? 'it is not usable'}. To enable it: ${h.unavailable?.toEnable ?? 'install HypoPG on the server, then run CREATE EXTENSION hypopg;'}`;
}

/** Checks a typed index definition: exactly one CREATE INDEX statement. Returns a message when it is not. */
export function checkIndexDdl(ddl: string): string | undefined {
  const pieces = splitSql(ddl).pieces;
  if (pieces.length !== 1) return pieces.length === 0 ? 'Type a CREATE INDEX statement, e.g. CREATE INDEX ON orders (customer_id).' : 'Type exactly one CREATE INDEX statement.';
  const parsed = parseSql((pieces[0] as (typeof pieces)[0]).text);
  if (!parsed.ok) return `The index definition does not parse: ${parsed.message}`;
  const kinds = parsed.stmts.map((s) => Object.keys(s.node)[0]);
  if (kinds.length !== 1 || kinds[0] !== 'IndexStmt') return 'Type a CREATE INDEX statement, e.g. CREATE INDEX ON orders (customer_id).';
  return undefined;
}

export async function explainWithHypotheticalIndex(
  session: DbSession,
  caps: Capabilities,
  text: string,
  choice: IndexChoice,
  opts: { signal?: AbortSignal; statementTimeoutMs?: number } = {},
): Promise<HypotheticalComparison> {
  const checked = explainTarget(text);
  if (!checked.ok) throw new ExplainError(checked.message);
  const target = checked.target;
  const unavailable = hypopgUnavailable(caps);
  if (unavailable) throw new ExplainError(unavailable);
  if (choice.kind === 'ddl') {
    const problem = checkIndexDdl(choice.ddl);
    if (problem) throw new ExplainError(problem);
  }
  const schema = caps.extensions.hypopg.schema ?? 'public';
  const unitOpts = { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.statementTimeoutMs !== undefined ? { statementTimeoutMs: opts.statementTimeoutMs } : {}) };
  const notes: string[] = [];
  try {
    return await session.readOnly(async (q) => {
      let ddl: string;
      if (choice.kind === 'advisor') {
        const advice = await runAdvisor(q, caps, { workloadText: target.sql, maxIndexes: 1, minShare: 0, ...(opts.signal ? { signal: opts.signal } : {}) });
        const rec = advice.recommendations[0];
        if (!rec) {
          const skipped = advice.skipped[0]?.reason;
          throw new NoIndexFoundError(`The advisor found no index that makes this statement cheaper${skipped ? ` (${skipped})` : ''}. Type an index definition instead.`);
        }
        // A partitioned table's recommendation is several statements; HypoPG takes the parent's one index. The
        // view shows the DDL tried (marked "recommended by the advisor"); a note only for what it does not show.
        ddl = rec.partitions ? rec.whatIfDdl : rec.sql;
        if (rec.partitions) notes.push(`On a partitioned table the advisor's index is built per partition (${rec.partitions} partitions): ${rec.sql}`);
      } else {
        ddl = choice.ddl.trim().replace(/;\s*$/, '');
      }
      const hypo = new HypoEngine(q, schema);
      const planner = new GenericPlanner(q, session.serverVersionNum);
      await hypo.reset();
      try {
        const before = await planner.explainJson(target.sql, target.paramCount, ['VERBOSE']);
        let created;
        try {
          created = await hypo.create(ddl);
        } catch (e) {
          throw new ExplainError(`HypoPG could not create the hypothetical index: ${(e as Error).message}`);
        }
        const after = await planner.explainJson(target.sql, target.paramCount, ['VERBOSE']);
        const a = analyzePlan(before);
        const b = analyzePlan(after);
        const indexUsed = b.nodes.some((n) => n.details.some(([k, v]) => k === 'Index Name' && v === created.name));
        if (target.paramCount > 0) notes.push(`Generic plans: $1..$${target.paramCount} have no values.`);
        if (!indexUsed) notes.push('The planner does not use the hypothetical index for this statement: it would not help it.');
        return {
          target,
          indexDdl: ddl,
          source: choice.kind === 'advisor' ? 'advisor' : 'user',
          hypoName: created.name,
          sizeBytes: created.sizeBytes,
          before: { raw: before, analysis: a },
          after: { raw: after, analysis: b },
          costBefore: a.totalCost,
          costAfter: b.totalCost,
          costChange: a.totalCost > 0 ? (b.totalCost - a.totalCost) / a.totalCost : 0,
          indexUsed,
          notes,
        };
      } finally {
        await hypo.reset().catch(() => undefined);
      }
    }, unitOpts);
  } catch (e) {
    throw explainFailure(e, target);
  }
}

/** Tables a statement reads, for offering index definitions to type ("CREATE INDEX ON <table> ()"). */
export function tablesOf(text: string): string[] {
  const parsed = parseSql(text);
  if (!parsed.ok) return [];
  const out = new Set<string>();
  for (const s of parsed.stmts) {
    for (const [k, inner] of walk(s.node)) {
      const rel = (k === 'RangeVar' ? inner : inner.relation) as { relname?: string; schemaname?: string } | undefined;
      if (rel && typeof rel === 'object' && rel.relname) out.add(rel.schemaname ? `${rel.schemaname}.${rel.relname}` : rel.relname);
    }
  }
  return [...out];
}
