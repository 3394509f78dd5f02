// Pairs the nodes of two plans of one statement (before / after a hypothetical index) so the plan view can
// say, per node, what changed: "cost 1,791 → 870", "new", "gone". Pure, on two PlanAnalysis values.
//
// Matching, in three passes (each node pairs at most once):
//  1. nodes that read a relation pair by (relation, alias): a Seq Scan on `posts p` and the Index Scan on
//     `posts p` that replaced it are the same access, whatever the node type;
//  2. top down from the roots: under two paired nodes, children pair in order by node type;
//  3. the roots always pair (both stand for the whole statement).
// Nodes left over are `new` (after) or `gone` (before).
import type { PlanAnalysis, PlanNode } from './planAnalysis';

export interface NodeDelta {
  /** The paired node on the other side, undefined for a new (after) or gone (before) node. */
  otherId: number | undefined;
  /** Inclusive total cost on this side and on the paired side. */
  cost: number;
  otherCost: number | undefined;
  /** Inclusive time (ANALYZE only). */
  ms: number | undefined;
  otherMs: number | undefined;
  /** 'new' only on the after side, 'gone' only on the before side. */
  change: 'better' | 'worse' | 'same' | 'new' | 'gone';
}

export interface PlanDiff {
  /** Indexed by node id on each side. */
  before: NodeDelta[];
  after: NodeDelta[];
}

/** A change below this share of the larger cost counts as the same (planner noise, rounding). */
const SAME_WITHIN = 0.005;

export function diffPlans(before: PlanAnalysis, after: PlanAnalysis): PlanDiff {
  const pairB = new Map<number, number>(); // before id -> after id
  const pairA = new Map<number, number>(); // after id -> before id
  const pair = (b: number, a: number): void => {
    pairB.set(b, a);
    pairA.set(a, b);
  };

  // 1. Relation accesses.
  const byRelation = new Map<string, number[]>();
  for (const n of before.nodes) {
    const k = relationKey(n);
    if (k) byRelation.set(k, [...(byRelation.get(k) ?? []), n.id]);
  }
  for (const n of after.nodes) {
    const k = relationKey(n);
    const queue = k ? byRelation.get(k) : undefined;
    const b = queue?.shift();
    if (b !== undefined) pair(b, n.id);
  }

  // 3 (first, so pass 2 can walk down from them). The roots.
  const rootB = before.nodes[0];
  const rootA = after.nodes[0];
  if (rootB && rootA && !pairB.has(rootB.id) && !pairA.has(rootA.id)) pair(rootB.id, rootA.id);

  // 2. Top down, children by node type in order.
  const stack: [number, number][] = [...pairB.entries()];
  while (stack.length) {
    const [b, a] = stack.pop() as [number, number];
    const kidsB = (before.nodes[b] as PlanNode).children.filter((c) => !pairB.has(c));
    for (const ka of (after.nodes[a] as PlanNode).children) {
      if (pairA.has(ka)) continue;
      const type = (after.nodes[ka] as PlanNode).nodeType;
      const at = kidsB.findIndex((kb) => (before.nodes[kb] as PlanNode).nodeType === type);
      if (at < 0) continue;
      const kb = kidsB.splice(at, 1)[0] as number;
      pair(kb, ka);
      stack.push([kb, ka]);
    }
  }

  const side = (plan: PlanAnalysis, other: PlanAnalysis, pairs: Map<number, number>, unpaired: 'new' | 'gone'): NodeDelta[] =>
    plan.nodes.map((n) => {
      const o = pairs.get(n.id);
      const on = o === undefined ? undefined : (other.nodes[o] as PlanNode);
      return {
        otherId: o,
        cost: n.totalCost,
        otherCost: on?.totalCost,
        ms: n.inclusiveMs,
        otherMs: on?.inclusiveMs,
        change: on === undefined ? unpaired : compare(n, on, unpaired === 'new'),
      };
    });
  return { before: side(before, after, pairB, 'gone'), after: side(after, before, pairA, 'new') };
}

/** better/worse from the after side's point of view (this = after when `thisIsAfter`). Time wins over cost when both plans ran. */
function compare(n: PlanNode, o: PlanNode, thisIsAfter: boolean): 'better' | 'worse' | 'same' {
  const [afterV, beforeV] = n.inclusiveMs !== undefined && o.inclusiveMs !== undefined ? [n.inclusiveMs, o.inclusiveMs] : [n.totalCost, o.totalCost];
  const [a, b] = thisIsAfter ? [afterV, beforeV] : [beforeV, afterV];
  const big = Math.max(Math.abs(a), Math.abs(b));
  if (big === 0 || Math.abs(a - b) <= SAME_WITHIN * big) return 'same';
  return a < b ? 'better' : 'worse';
}

function relationKey(n: PlanNode): string | undefined {
  let relation: string | undefined;
  let alias: string | undefined;
  let schema: string | undefined;
  for (const [k, v] of n.details) {
    if (k === 'Relation Name') relation = v;
    else if (k === 'Alias') alias = v;
    else if (k === 'Schema') schema = v;
  }
  return relation === undefined ? undefined : JSON.stringify([schema ?? '', relation, alias ?? relation]);
}
