// Parallel what-if connections. HypoPG's hypothetical indexes live in one backend, so every extra connection
// (a "lane", each in its own READ ONLY transaction) mirrors the main connection's set — the indexes chosen
// so far — before it plans, and the DO blocks of one batch are shared out among the main connection and the
// lanes. The results are the same as on one connection: the same DO blocks on the same hypothetical set.
import { pauseStatementTracking } from '../db/statementTracking';
import type { QueryRunner } from '../db/session';
import { quoteIdent } from '../sql/quote';
import { batchWhatIf, chunkWhatIfJobs, type HypoIndex, type WhatIfEngine, type WhatIfJob, type WhatIfJobResult } from './whatif';

/** The engine of the main connection, remembering which hypothetical indexes are live (in creation order). */
export class TrackedEngine implements WhatIfEngine {
  readonly kind: WhatIfEngine['kind'];
  private readonly live = new Map<number, string>();
  constructor(private readonly inner: WhatIfEngine) {
    this.kind = inner.kind;
  }
  supports(method: 'btree' | 'gin'): boolean {
    return this.inner.supports(method);
  }
  async reset(): Promise<void> {
    await this.inner.reset();
    this.live.clear();
  }
  async create(ddl: string): Promise<HypoIndex> {
    const h = await this.inner.create(ddl);
    this.live.set(h.oid, ddl);
    return h;
  }
  async drop(oid: number): Promise<void> {
    await this.inner.drop(oid);
    this.live.delete(oid);
  }
  /** The live hypothetical indexes' DDL, in creation order. */
  get ddls(): string[] {
    return [...this.live.values()];
  }
}

export class WhatIfLanes {
  private readonly synced: (string | undefined)[];
  constructor(
    private readonly main: QueryRunner,
    private readonly lanes: QueryRunner[],
    private readonly engine: TrackedEngine,
    private readonly hypoSchema: string,
    private readonly serverVersionNum: number,
  ) {
    this.synced = lanes.map(() => undefined);
  }

  private fn(name: string): string {
    return `${quoteIdent(this.hypoSchema)}.${name}`;
  }

  /** Each lane as the main connection is set up: statement tracking paused, generic plans forced (PG < 16), no hypothetical index. */
  async init(): Promise<void> {
    await Promise.all(
      this.lanes.map(async (q) => {
        await pauseStatementTracking(q, this.serverVersionNum);
        if (this.serverVersionNum < 160000) await q.query(`SELECT set_config('plan_cache_mode', 'force_generic_plan', true)`);
        await q.query(`SELECT ${this.fn('hypopg_reset')}()`);
      }),
    );
  }

  /** Leaves no hypothetical index behind in any lane. */
  async reset(): Promise<void> {
    await Promise.allSettled(this.lanes.map((q) => q.query(`SELECT ${this.fn('hypopg_reset')}()`)));
  }

  private async sync(i: number): Promise<void> {
    const ddls = this.engine.ddls;
    const key = ddls.join('\n');
    if (this.synced[i] === key) return;
    const q = this.lanes[i]!;
    this.synced[i] = undefined;
    await q.query(`SELECT ${this.fn('hypopg_reset')}()`);
    for (const ddl of ddls) await q.query(`SELECT ${this.fn('hypopg_create_index')}($1)`, [ddl]);
    this.synced[i] = key;
  }

  /** batchWhatIf, its DO blocks shared out among the main connection and the lanes. */
  async batch(jobs: WhatIfJob[]): Promise<WhatIfJobResult[]> {
    const chunks = chunkWhatIfJobs(jobs);
    if (chunks.length <= 1 || this.lanes.length === 0) return batchWhatIf(this.main, this.hypoSchema, this.serverVersionNum, jobs);
    const results: WhatIfJobResult[][] = new Array<WhatIfJobResult[]>(chunks.length);
    let next = 0;
    const runners = [this.main, ...this.lanes];
    await Promise.all(
      runners.map(async (q, r) => {
        for (let i = next++; i < chunks.length; i = next++) {
          if (r > 0) await this.sync(r - 1);
          results[i] = await batchWhatIf(q, this.hypoSchema, this.serverVersionNum, chunks[i]!);
        }
      }),
    );
    return results.flat();
  }
}
