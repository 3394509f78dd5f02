// What-if costs per (index, statement), shared by the candidates that a statement can only use alike.
//
// A statement uses no more of an index than the columns it references: an index (a, x) serves a statement
// that never names x as (a) does, only larger (more pages per key), and (a, x, b) serves it as (a, b) does,
// with b checked inside the index instead of bounding the scan. Under the planner's cost model the cost of
// such a candidate on the statement is never below that of its reduction — the candidate with every key and
// INCLUDE column the statement does not reference left out — so the reduction's gain bounds the candidate's
// from above, and one plan of the reduction serves every candidate that reduces to it. On 5,000 TPC-H-style
// statements 587k (candidate, statement) pairs reduce to 99k. A statement whose columns are not all known
// (`*`, views, ambiguous or output-alias references, USING joins) is not reduced.
//
// The memo keeps each (index, statement) plan with the selection round it was made in: exact while no index
// relevant to the statement has been chosen since, and after that still an upper bound of the gain (gains
// only shrink as the set grows) until the set shrinks (the prune dropped an index). Plain typed arrays and
// one number-keyed map: no per-candidate maps of costs.
import { hypoDdl, type Candidate } from './candidates';
import type { TableUse } from './extract';
import type { Planned } from './types';

/** Every column a statement names on a table (its references and every key it filters, joins, sorts or groups on). */
const namedCache = new WeakMap<TableUse, Set<string>>();
function namedColumns(u: TableUse): Set<string> {
  let s = namedCache.get(u);
  if (!s) {
    s = new Set(u.refs);
    for (const list of [u.eq, u.range, u.join, u.sort, u.group, u.constants]) for (const k of list) s.add(k.column);
    namedCache.set(u, s);
  }
  return s;
}

/**
 * Bit i (keys first, then INCLUDE columns) set when the statement names that column of the candidate; -1 when
 * the statement cannot be reduced against (its columns are not all known, or it is not a btree candidate).
 */
export function namedMask(c: Candidate, p: Planned): number {
  if (c.method !== 'btree' || p.shape.opaqueColumns || p.shape.unresolved.length) return -1;
  const u = p.shape.uses.get(c.table.oid);
  if (!u || u.star) return -1;
  const named = namedColumns(u);
  let mask = 0;
  let bit = 0;
  for (const k of c.keys) {
    if (named.has(k.column)) mask |= 1 << bit;
    bit++;
  }
  for (const k of c.include ?? []) {
    if (named.has(k.column)) mask |= 1 << bit;
    bit++;
  }
  return mask;
}

/** The candidate restricted to the columns of `mask` (namedMask), as hypopg DDL; undefined when no key is left. */
export function reducedDdl(c: Candidate, mask: number): string | undefined {
  let keys = c.keys.filter((_, i) => mask & (1 << i));
  if (!keys.length) return undefined;
  const include = (c.include ?? []).filter((_, i) => mask & (1 << (c.keys.length + i)));
  // Only relative directions matter: all-DESC is the ascending index scanned backwards.
  if (keys.every((k) => k.desc)) keys = keys.map(({ desc: _d, ...k }) => k);
  const { include: _i, ...rest } = c;
  return hypoDdl({ ...rest, keys, ...(include.length ? { include } : {}) });
}

export class PairMemo {
  private readonly index = new Map<string, number>();
  private readonly classes = new Map<string, number>();
  /** Class (index DDL) -> hypopg DDL and size in bytes (0 until planned). */
  readonly ddls: string[] = [];
  readonly sizes: number[] = [];
  private readonly slots = new Map<number, number>();
  cost = new Float64Array(1 << 12);
  gain = new Float64Array(1 << 12);
  private at = new Int32Array(1 << 12);
  private used = 0;
  /** Per statement: the round from which its costs differ from before (an index relevant to it was chosen or dropped). */
  readonly dirtyAt: Int32Array;
  /** Stale gains planned before this round bound nothing (the set shrank since). */
  shrinkRound = 0;

  constructor(readonly stmts: Planned[]) {
    stmts.forEach((p, i) => this.index.set(p.stmt.id, i));
    this.dirtyAt = new Int32Array(stmts.length).fill(-1);
  }

  stmtIndex(id: string): number {
    return this.index.get(id) ?? -1;
  }

  classOf(ddl: string): number {
    let k = this.classes.get(ddl);
    if (k === undefined) {
      k = this.ddls.length;
      this.classes.set(ddl, k);
      this.ddls.push(ddl);
      this.sizes.push(0);
    }
    return k;
  }

  /** The slot of (class, statement), -1 when never planned. */
  slot(k: number, i: number): number {
    return this.slots.get(k * this.stmts.length + i) ?? -1;
  }

  /** Planned since the statement's costs last changed. */
  valid(slot: number, i: number): boolean {
    return this.at[slot]! >= this.dirtyAt[i]!;
  }

  /** A stale gain that still bounds the current one (planned since the set last shrank). */
  bounds(slot: number): boolean {
    return this.at[slot]! >= this.shrinkRound;
  }

  set(k: number, i: number, cost: number, gain: number, round: number): void {
    const key = k * this.stmts.length + i;
    let s = this.slots.get(key);
    if (s === undefined) {
      if (this.used === this.cost.length) {
        const grow = <T extends Float64Array | Int32Array>(a: T): T => {
          const b = new (a.constructor as new (n: number) => T)(a.length * 2);
          b.set(a);
          return b;
        };
        this.cost = grow(this.cost);
        this.gain = grow(this.gain);
        this.at = grow(this.at);
      }
      s = this.used++;
      this.slots.set(key, s);
    }
    this.cost[s] = cost;
    this.gain[s] = gain;
    this.at[s] = round;
  }

  /** (index, statement) plans kept. */
  get size(): number {
    return this.used;
  }
}
