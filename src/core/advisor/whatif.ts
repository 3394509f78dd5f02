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
import { quoteIdent } from '../sql/quote';
import { TOOL_MARKER } from '../sql/toolStatements';

export type PlanOutcome = { ok: true; cost: number; indexes: string[]; seqScans: string[] } | { ok: false; reason: string };

const PREPARED_NAME = 'pgopt_advise';

export class GenericPlanner {
  explains = 0;
  private ready = false;
  private readonly untypedParams = new Map<string, Set<number>>();
  constructor(
    private readonly q: QueryRunner,
    private readonly serverVersionNum: number,
  ) {}

  /** Sets the transaction up for generic plans (PG < 16); plan() does it on its first call, a batch needs it before. */
  async init(): Promise<void> {
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
    let prepared = false;
    try {
      let rows: { 'QUERY PLAN': unknown }[];
      if (this.serverVersionNum >= 160000) {
        rows = await this.q.query(`EXPLAIN (${paramCount > 0 ? 'GENERIC_PLAN, ' : ''}${opts}) ${body}`);
      } else if (paramCount === 0) {
        rows = await this.q.query(`EXPLAIN (${opts}) ${body}`);
      } else {
        // One fixed name: every distinct EXPLAIN text is an entry of its own in pg_stat_statements when it
        // records this session, so a name per statement made thousands of them.
        const name = PREPARED_NAME;
        // A parameter that no longer appears (a rewrite removed it) has no type: declare those as text,
        // the others `unknown` (= inferred). Remembered per statement text.
        const textParams = this.untypedParams.get(body);
        const types = textParams ? ` (${Array.from({ length: paramCount }, (_, i) => (textParams.has(i + 1) ? 'text' : 'unknown')).join(', ')})` : '';
        await this.q.query(`PREPARE ${name}${types} AS ${body}`);
        prepared = true;
        rows = await this.q.query(`EXPLAIN (${opts}) EXECUTE ${name}(${Array.from({ length: paramCount }, () => 'NULL').join(', ')})`);
        await this.q.query(`DEALLOCATE ${name}`);
        prepared = false;
      }
      await this.q.query('RELEASE SAVEPOINT pgopt_plan');
      return rows[0]?.['QUERY PLAN'];
    } catch (e) {
      await this.q.query('ROLLBACK TO SAVEPOINT pgopt_plan');
      // A prepared statement survives ROLLBACK: drop it now that the transaction is usable again.
      if (prepared) await this.q.query(`DEALLOCATE ${PREPARED_NAME}`).catch(() => this.q.query('ROLLBACK TO SAVEPOINT pgopt_plan'));
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
  readonly kind = 'hypopg';
  supports(method: 'btree' | 'gin'): boolean {
    return method === 'btree';
  }
  constructor(
    private readonly q: QueryRunner,
    readonly schema = 'public',
  ) {}

  private fn(name: string): string {
    return `${quoteIdent(this.schema)}.${name}`;
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

export interface WhatIfJob {
  /** hypopg DDL of the candidate to add for this job (on top of whatever already exists); none = as is. */
  ddl?: string;
  /** Several at once (a lower bound of what any subset of them can reach); one that HypoPG refuses is left out. */
  ddls?: string[];
  stmts: { sql: string; paramCount: number }[];
  /** Also return each plan's sequentially scanned tables and index names (the baseline plans). */
  scans?: boolean;
}

export interface WhatIfJobResult {
  sizeBytes: number;
  /** Planner cost per statement, undefined when it could not be planned in the server. */
  costs: (number | undefined)[];
  /** With `scans`: per statement, the tables its plan reads with a Seq Scan and the indexes it uses. */
  scans?: ({ seqScans: string[]; indexes: string[] } | undefined)[];
}

/** EXPLAINs per DO block: keeps each one well inside the statement timeout. */
export const WHATIF_BATCH_PLANS = 300;

/** A text inside a single-quoted literal of the DO block. */
function lit(text: string): string {
  return text.replace(/'/g, "''");
}

function dollarQuote(text: string): string {
  let tag = 'pgopt';
  for (let i = 0; text.includes(`$${tag}$`); i++) tag = `pgopt${i}`;
  return `$${tag}$${text}$${tag}$`;
}

/** Jobs cut into DO blocks of at most WHATIF_BATCH_PLANS plans (a job is never split). */
export function chunkWhatIfJobs(jobs: WhatIfJob[]): WhatIfJob[][] {
  const chunks: WhatIfJob[][] = [];
  let i = 0;
  while (i < jobs.length) {
    const chunk: WhatIfJob[] = [];
    let plans = 0;
    while (i < jobs.length && (chunk.length === 0 || plans + jobs[i]!.stmts.length <= WHATIF_BATCH_PLANS)) {
      plans += jobs[i]!.stmts.length;
      chunk.push(jobs[i++]!);
    }
    chunks.push(chunk);
  }
  return chunks;
}

/**
 * Many what-if plans in one round trip: a DO block (allowed in a READ ONLY transaction, unlike a function)
 * creates each job's hypothetical index, EXPLAINs its statements (generic plans via PREPARE on PG 15), drops
 * the index, and hands the costs back through a transaction-local setting. ≈ 0.1 ms per candidate plus the
 * planning itself, instead of ≈ 3 ms of round trips per EXPLAIN. A statement that fails in the server gets
 * `undefined` (the caller plans it the slow way, which knows how to retry untyped parameters).
 */
export async function batchWhatIf(q: QueryRunner, hypoSchema: string, serverVersionNum: number, jobs: WhatIfJob[]): Promise<WhatIfJobResult[]> {
  const out: WhatIfJobResult[] = [];
  const fn = (name: string): string => `${quoteIdent(hypoSchema)}.${name}`;
  for (const chunk of chunkWhatIfJobs(jobs)) {
    const payload = JSON.stringify(chunk.map((j) => ({ d: j.ddl ?? null, m: j.ddls ?? [], x: !!j.scans, s: j.stmts.map((s) => ({ q: s.sql.trim().replace(/;\s*$/, ''), n: s.paramCount })) })));
    const generic = serverVersionNum >= 160000;
    // The jobs travel in a transaction-local setting, not in the block's text: one DO text per server,
    // hence one pg_stat_statements entry, not one per batch. Statements inside the block run through
    // EXECUTE with the marker in front, so that pg_stat_statements.track = all (when pgopt may not turn
    // it off) records them as pgopt's too.
    const doBlock = `DO ${dollarQuote(`
DECLARE
  jobs jsonb := current_setting('pgopt.whatif_jobs')::jsonb;
  job jsonb; st jsonb; res jsonb := '[]'::jsonb; costs float8[]; sc jsonb; j json; t text; x boolean; ex text; oid oid; sz bigint; n int; md text; moid oid; oids oid[];
BEGIN
  FOR job IN EXECUTE '${TOOL_MARKER} SELECT * FROM jsonb_array_elements($1)' USING jobs LOOP
    oid := NULL; sz := 0; costs := '{}'; sc := '[]'::jsonb; x := (job->>'x')::boolean;
    -- Plain jobs read the total cost from the first line of the TEXT plan ("… (cost=a..b rows=n width=w)"):
    -- no JSON plan to build and parse (≈ 15 % of an EXPLAIN's time); the baseline's jobs need the plan's scans.
    ex := CASE WHEN x THEN 'EXPLAIN (FORMAT JSON' ELSE 'EXPLAIN (FORMAT TEXT' END;
    IF job->>'d' IS NOT NULL THEN
      BEGIN
        EXECUTE '${TOOL_MARKER} SELECT indexrelid FROM ${lit(fn('hypopg_create_index'))}($1)' INTO oid USING job->>'d';
        EXECUTE '${TOOL_MARKER} SELECT ${lit(fn('hypopg_relation_size'))}($1)' INTO sz USING oid;
      EXCEPTION WHEN others THEN
        sz := -1;
      END;
    END IF;
    oids := '{}';
    FOR md IN EXECUTE '${TOOL_MARKER} SELECT * FROM jsonb_array_elements_text($1)' USING job->'m' LOOP
      BEGIN
        EXECUTE '${TOOL_MARKER} SELECT indexrelid FROM ${lit(fn('hypopg_create_index'))}($1)' INTO moid USING md;
        oids := oids || moid;
      EXCEPTION WHEN others THEN
        NULL;
      END;
    END LOOP;
    FOR st IN EXECUTE '${TOOL_MARKER} SELECT * FROM jsonb_array_elements($1)' USING job->'s' LOOP
      EXIT WHEN sz < 0;
      n := (st->>'n')::int;
      BEGIN
        IF n = 0 THEN
          EXECUTE '${TOOL_MARKER} ' || ex || ') ' || (st->>'q') INTO t;
        ELSIF ${generic ? 'true' : 'false'} THEN
          EXECUTE '${TOOL_MARKER} ' || ex || ', GENERIC_PLAN) ' || (st->>'q') INTO t;
        ELSE
          EXECUTE '${TOOL_MARKER} PREPARE pgopt_whatif_batch AS ' || (st->>'q');
          EXECUTE '${TOOL_MARKER} ' || ex || ') EXECUTE pgopt_whatif_batch(' || array_to_string(array_fill('NULL'::text, ARRAY[n]), ',') || ')' INTO t;
          EXECUTE '${TOOL_MARKER} DEALLOCATE pgopt_whatif_batch';
        END IF;
        IF x THEN
          j := t::json;
          costs := array_append(costs, (j->0->'Plan'->>'Total Cost')::float8);
        ELSE
          costs := array_append(costs, substring(t from '\\(cost=[0-9.]+\\.\\.([0-9.]+) rows=[0-9]+ width=[0-9]+\\)$')::float8);
        END IF;
        IF x THEN
          sc := sc || jsonb_build_array(jsonb_build_array(
            jsonb_path_query_array(j::jsonb, 'strict $.** ? (@."Node Type" == "Seq Scan")."Relation Name"'),
            jsonb_path_query_array(j::jsonb, 'strict $.**."Index Name"')));
        END IF;
      EXCEPTION WHEN others THEN
        costs := array_append(costs, NULL::float8);
        IF x THEN sc := sc || 'null'::jsonb; END IF;
      END;
      IF n > 0 AND NOT ${generic ? 'true' : 'false'} THEN
        BEGIN EXECUTE '${TOOL_MARKER} DEALLOCATE pgopt_whatif_batch'; EXCEPTION WHEN others THEN NULL; END;
      END IF;
    END LOOP;
    IF oid IS NOT NULL THEN EXECUTE '${TOOL_MARKER} SELECT ${lit(fn('hypopg_drop_index'))}($1)' USING oid; END IF;
    FOREACH moid IN ARRAY oids LOOP EXECUTE '${TOOL_MARKER} SELECT ${lit(fn('hypopg_drop_index'))}($1)' USING moid; END LOOP;
    res := res || jsonb_build_array(jsonb_build_object('z', sz, 'c', to_jsonb(costs), 's', sc));
  END LOOP;
  EXECUTE '${TOOL_MARKER} SELECT set_config(''pgopt.whatif_result'', $1, true)' USING res::text;
END`)}`;
    await q.query('SAVEPOINT pgopt_whatif');
    try {
      await q.query(`SELECT set_config('pgopt.whatif_jobs', $1, true)`, [payload]);
      await q.query(doBlock);
      const [row] = await q.query<{ r: string }>(`SELECT current_setting('pgopt.whatif_result') AS r`);
      await q.query('RELEASE SAVEPOINT pgopt_whatif');
      const parsed = JSON.parse(row?.r ?? '[]') as { z: number; c: (number | null)[]; s?: ([string[], string[]] | null)[] }[];
      for (const [k, p] of parsed.entries()) {
        out.push({
          sizeBytes: Math.max(0, Number(p.z)),
          costs: p.c.map((c) => (c === null ? undefined : Number(c))),
          ...(chunk[k]?.scans ? { scans: (p.s ?? []).map((x) => (x ? { seqScans: [...new Set(x[0])], indexes: [...new Set(x[1])] } : undefined)) } : {}),
        });
      }
    } catch (e) {
      await q.query('ROLLBACK TO SAVEPOINT pgopt_whatif');
      await q.query('RELEASE SAVEPOINT pgopt_whatif');
      throw e;
    }
  }
  return out;
}

/** One interface for both what-if engines. */
export interface WhatIfEngine {
  readonly kind: 'hypopg' | 'scratch';
  /** Can it build this access method? (HypoPG 1.3 cannot simulate GIN.) */
  supports(method: 'btree' | 'gin'): boolean;
  reset(): Promise<void>;
  create(ddl: string): Promise<HypoIndex>;
  drop(oid: number): Promise<void>;
}

/**
 * Scratch what-if: a real index (CREATE INDEX, so real size and real statistics) inside a transaction the
 * caller always rolls back; EXPLAIN in the same transaction sees it. It writes (catalog rows, index
 * files, a SHARE lock on the table while the transaction lasts), so it is for the demo / a scratch copy,
 * or with explicit consent. It refuses to run outside an explicit, writable transaction block, so nothing
 * can be committed by accident; every index it creates is dropped again by drop()/reset(), and the
 * caller's ROLLBACK undoes the rest.
 */
export class ScratchEngine implements WhatIfEngine {
  readonly kind = 'scratch';
  private n = 0;
  private readonly live = new Map<number, string>();
  private checked = false;
  constructor(private readonly q: QueryRunner) {}

  supports(): boolean {
    return true;
  }

  private async check(): Promise<void> {
    if (this.checked) return;
    const [r] = await this.q.query<{ in_block: boolean; ro: string }>(
      `SELECT (SELECT xact_start < query_start FROM pg_stat_activity WHERE pid = pg_backend_pid()) AS in_block, current_setting('transaction_read_only') AS ro`,
    );
    if (!r?.in_block) throw new Error('the scratch what-if engine runs only inside a transaction block that is rolled back (BEGIN ... ROLLBACK)');
    if (r.ro === 'on') throw new Error('the scratch what-if engine needs a writable transaction (it builds real indexes, then rolls back)');
    this.checked = true;
  }

  async reset(): Promise<void> {
    for (const oid of [...this.live.keys()]) await this.drop(oid);
  }

  async create(ddl: string): Promise<HypoIndex> {
    await this.check();
    const m = /^CREATE INDEX ON (.+)$/s.exec(ddl);
    if (!m) throw new Error(`scratch what-if: unexpected DDL ${ddl}`);
    const name = `pgopt_scratch_${process.pid}_${++this.n}`;
    await this.q.query(`CREATE INDEX "${name}" ON ${m[1]}`);
    const [r] = await this.q.query<{ oid: number; size: string; ident: string }>(
      `SELECT c.oid::int AS oid, pg_relation_size(c.oid)::text AS size, format('%I.%I', n.nspname, c.relname) AS ident
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = $1 AND c.relkind = 'i'`,
      [name],
    );
    if (!r) throw new Error(`scratch what-if: index ${name} not found after CREATE INDEX`);
    this.live.set(r.oid, r.ident);
    return { oid: r.oid, name, sizeBytes: Number(r.size) };
  }

  async drop(oid: number): Promise<void> {
    const ident = this.live.get(oid);
    if (!ident) return;
    this.live.delete(oid);
    await this.q.query(`DROP INDEX ${ident}`);
  }
}
