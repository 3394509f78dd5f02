// Planning normalized statements and hypothetical indexes.
//
// Generic plans: `$n` statements from pg_stat_statements have no parameter values. PG >= 16 plans them with
// EXPLAIN (GENERIC_PLAN); on 15 we PREPARE, force a generic plan (SET LOCAL plan_cache_mode) and EXPLAIN
// EXECUTE with NULL arguments (a generic plan does not look at the values). The statement is prepared afresh
// for every EXPLAIN: a cached generic plan is not invalidated when a hypothetical index appears.
//
// Transactions: everything runs inside DbSession.readOnly (BEGIN READ ONLY, rolled back). Measured on PG 15
// with HypoPG 1.3.1: hypopg_create_index, PREPARE and EXPLAIN [EXECUTE] all work in a READ ONLY
// transaction (EXPLAIN without ANALYZE never executes, so even UPDATE/INSERT can be explained), so no
// writable transaction is needed. But neither hypothetical indexes nor prepared statements are
// transactional: both survive ROLLBACK in the backend. So every PREPARE is DEALLOCATEd and the engine
// calls hypopg_reset() when it is done (and before it starts), in a finally.
// A failing PREPARE/EXPLAIN would abort the whole transaction, so each one runs under a SAVEPOINT.
import type { QueryRunner } from '../db/session';

export type PlanOutcome = { ok: true; cost: number; indexes: string[]; seqScans: string[] } | { ok: false; reason: string };

let counter = 0;

export class GenericPlanner {
  explains = 0;
  private ready = false;
  private readonly untypedParams = new Map<string, Set<number>>();
  constructor(
    private readonly q: QueryRunner,
    private readonly serverVersionNum: number,
  ) {}

  private async init(): Promise<void> {
    if (this.ready) return;
    if (this.serverVersionNum < 160000) await this.q.query(`SELECT set_config('plan_cache_mode', 'force_generic_plan', true)`);
    this.ready = true;
  }

  async plan(sql: string, paramCount: number): Promise<PlanOutcome> {
    this.explains++;
    try {
      const plan = parsePlan(await this.explainJson(sql, paramCount));
      if (!plan) return { ok: false, reason: 'EXPLAIN returned no plan' };
      return { ok: true, cost: Number(plan['Total Cost'] ?? 0), ...scansInPlan(plan) };
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
  }

  /**
   * The EXPLAIN output (FORMAT JSON, as the driver returns it) of one statement, planned generically
   * when it has `$n` parameters. `options` are extra EXPLAIN options (e.g. VERBOSE, SETTINGS); never
   * ANALYZE (a generic plan cannot be executed). Throws the server's error; the transaction stays usable.
   */
  async explainJson(sql: string, paramCount: number, options: readonly string[] = []): Promise<unknown> {
    await this.init();
    const body = sql.trim().replace(/;\s*$/, '');
    const opts = ['FORMAT JSON', ...options].join(', ');
    await this.q.query('SAVEPOINT pgopt_plan');
    try {
      let rows: { 'QUERY PLAN': unknown }[];
      if (this.serverVersionNum >= 160000) {
        rows = await this.q.query(`EXPLAIN (${paramCount > 0 ? 'GENERIC_PLAN, ' : ''}${opts}) ${body}`);
      } else if (paramCount === 0) {
        rows = await this.q.query(`EXPLAIN (${opts}) ${body}`);
      } else {
        const name = `pgopt_advise_${process.pid}_${++counter}`;
        // A parameter that no longer appears (a rewrite removed it) has no type: declare those as text,
        // the others `unknown` (= inferred). Remembered per statement text.
        const textParams = this.untypedParams.get(body);
        const types = textParams ? ` (${Array.from({ length: paramCount }, (_, i) => (textParams.has(i + 1) ? 'text' : 'unknown')).join(', ')})` : '';
        await this.q.query(`PREPARE ${name}${types} AS ${body}`);
        try {
          rows = await this.q.query(`EXPLAIN (${opts}) EXECUTE ${name}(${Array.from({ length: paramCount }, () => 'NULL').join(', ')})`);
        } finally {
          await this.q.query(`DEALLOCATE ${name}`).catch(() => undefined);
        }
      }
      await this.q.query('RELEASE SAVEPOINT pgopt_plan');
      return rows[0]?.['QUERY PLAN'];
    } catch (e) {
      await this.q.query('ROLLBACK TO SAVEPOINT pgopt_plan');
      await this.q.query('RELEASE SAVEPOINT pgopt_plan');
      const m = /could not determine data type of parameter \$(\d+)/.exec((e as Error).message);
      if (m && this.serverVersionNum < 160000) {
        const set = this.untypedParams.get(body) ?? new Set<number>();
        const n = Number(m[1]);
        if (!set.has(n) && set.size < paramCount) {
          this.untypedParams.set(body, set.add(n));
          return this.explainJson(sql, paramCount, options);
        }
      }
      throw e;
    }
  }
}

function parsePlan(v: unknown): Record<string, unknown> | undefined {
  const arr = typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
  const first = Array.isArray(arr) ? (arr[0] as { Plan?: Record<string, unknown> } | undefined) : undefined;
  return first?.Plan;
}

function scansInPlan(plan: Record<string, unknown>): { indexes: string[]; seqScans: string[] } {
  const indexes = new Set<string>();
  const seqScans = new Set<string>();
  const stack: unknown[] = [plan];
  while (stack.length) {
    const n = stack.pop() as Record<string, unknown>;
    if (typeof n['Index Name'] === 'string') indexes.add(n['Index Name']);
    if (n['Node Type'] === 'Seq Scan' && typeof n['Relation Name'] === 'string') seqScans.add(n['Relation Name']);
    for (const c of (n.Plans as unknown[] | undefined) ?? []) stack.push(c);
  }
  return { indexes: [...indexes], seqScans: [...seqScans] };
}

export interface HypoIndex {
  oid: number;
  name: string;
  sizeBytes: number;
}

/** HypoPG: hypothetical indexes, backend-local, nothing written, nothing locked. */
export class HypoEngine {
  constructor(
    private readonly q: QueryRunner,
    private readonly schema = 'public',
  ) {}

  private fn(name: string): string {
    return `"${this.schema.replace(/"/g, '""')}".${name}`;
  }

  async reset(): Promise<void> {
    await this.q.query(`SELECT ${this.fn('hypopg_reset')}()`);
  }

  async create(ddl: string): Promise<HypoIndex> {
    const [r] = await this.q.query<{ indexrelid: number; indexname: string }>(`SELECT indexrelid::int AS indexrelid, indexname FROM ${this.fn('hypopg_create_index')}($1)`, [ddl]);
    if (!r) throw new Error(`hypopg_create_index returned nothing for ${ddl}`);
    const [s] = await this.q.query<{ size: string }>(`SELECT ${this.fn('hypopg_relation_size')}($1::oid)::text AS size`, [r.indexrelid]);
    return { oid: r.indexrelid, name: r.indexname, sizeBytes: Number(s?.size ?? 0) };
  }

  async drop(oid: number): Promise<void> {
    await this.q.query(`SELECT ${this.fn('hypopg_drop_index')}($1::oid)`, [oid]);
  }
}
