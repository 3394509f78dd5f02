// Node pairing between a plan without and with an index (the plan view's per-node before → after).
// Plans are EXPLAIN (FORMAT JSON, VERBOSE) documents in the shape PG 15 prints them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzePlan, type PlanNode } from '../../../src/core/explain/planAnalysis';
import { diffPlans } from '../../../src/core/explain/planDiff';

const scan = (type: string, rel: string, alias: string, total: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  'Node Type': type,
  'Parent Relationship': 'Outer',
  'Relation Name': rel,
  Schema: 'public',
  Alias: alias,
  'Startup Cost': 0,
  'Total Cost': total,
  'Plan Rows': 10,
  'Plan Width': 8,
  ...extra,
});
const doc = (plan: Record<string, unknown>): unknown => [{ Plan: plan }];

// SELECT … FROM posts p JOIN users u ON … WHERE p.user_id = 1 ORDER BY p.id LIMIT 10
const before = analyzePlan(
  doc({
    'Node Type': 'Limit', 'Startup Cost': 1800, 'Total Cost': 1810, 'Plan Rows': 10, 'Plan Width': 8,
    Plans: [{
      'Node Type': 'Sort', 'Parent Relationship': 'Outer', 'Startup Cost': 1800, 'Total Cost': 1805, 'Plan Rows': 10, 'Plan Width': 8,
      Plans: [{
        'Node Type': 'Hash Join', 'Parent Relationship': 'Outer', 'Startup Cost': 30, 'Total Cost': 1791, 'Plan Rows': 10, 'Plan Width': 8,
        Plans: [scan('Seq Scan', 'posts', 'p', 1700), { 'Node Type': 'Hash', 'Parent Relationship': 'Inner', 'Startup Cost': 25, 'Total Cost': 25, 'Plan Rows': 100, 'Plan Width': 8, Plans: [scan('Seq Scan', 'users', 'u', 25)] }],
      }],
    }],
  }),
);
const after = analyzePlan(
  doc({
    'Node Type': 'Limit', 'Startup Cost': 900, 'Total Cost': 905, 'Plan Rows': 10, 'Plan Width': 8,
    Plans: [{
      'Node Type': 'Sort', 'Parent Relationship': 'Outer', 'Startup Cost': 900, 'Total Cost': 902, 'Plan Rows': 10, 'Plan Width': 8,
      Plans: [{
        'Node Type': 'Nested Loop', 'Parent Relationship': 'Outer', 'Startup Cost': 0.3, 'Total Cost': 870, 'Plan Rows': 10, 'Plan Width': 8,
        Plans: [scan('Index Scan', 'posts', 'p', 40, { 'Index Name': 'posts_user_id_idx' }), scan('Seq Scan', 'users', 'u', 25)],
      }],
    }],
  }),
);
const node = (nodes: PlanNode[], pred: (n: PlanNode) => boolean): PlanNode => {
  const n = nodes.find(pred);
  assert.ok(n, 'node not found');
  return n;
};

test('a scan replaced by an index scan on the same relation and alias pairs with it, and is better', () => {
  const d = diffPlans(before, after);
  const seq = node(before.nodes, (n) => n.nodeType === 'Seq Scan' && n.label.includes('posts'));
  const idx = node(after.nodes, (n) => n.nodeType === 'Index Scan');
  assert.equal(d.after[idx.id]?.otherId, seq.id);
  assert.equal(d.before[seq.id]?.otherId, idx.id);
  assert.equal(d.after[idx.id]?.change, 'better');
  assert.equal(d.after[idx.id]?.cost, 40);
  assert.equal(d.after[idx.id]?.otherCost, 1700);
  // The same node seen from the before side is "better" too: the verdict is always about the index.
  assert.equal(d.before[seq.id]?.change, 'better');
});

test('unchanged parts pair and are the same; a changed join is new on one side and gone on the other', () => {
  const d = diffPlans(before, after);
  const usersB = node(before.nodes, (n) => n.nodeType === 'Seq Scan' && n.label.includes('users'));
  const usersA = node(after.nodes, (n) => n.nodeType === 'Seq Scan' && n.label.includes('users'));
  assert.equal(d.after[usersA.id]?.otherId, usersB.id);
  assert.equal(d.after[usersA.id]?.change, 'same');
  const nl = node(after.nodes, (n) => n.nodeType === 'Nested Loop');
  assert.equal(d.after[nl.id]?.change, 'new');
  assert.equal(d.after[nl.id]?.otherId, undefined);
  const hj = node(before.nodes, (n) => n.nodeType === 'Hash Join');
  const hash = node(before.nodes, (n) => n.nodeType === 'Hash');
  assert.equal(d.before[hj.id]?.change, 'gone');
  assert.equal(d.before[hash.id]?.change, 'gone');
  // Roots pair, and so do their children of the same type top down (Limit → Sort).
  assert.equal(d.after[0]?.otherId, 0);
  assert.equal(d.after[0]?.change, 'better');
  const sortA = node(after.nodes, (n) => n.nodeType === 'Sort');
  const sortB = node(before.nodes, (n) => n.nodeType === 'Sort');
  assert.equal(d.after[sortA.id]?.otherId, sortB.id);
  // Every pairing is one to one and symmetric.
  for (const [i, x] of d.after.entries()) if (x.otherId !== undefined) assert.equal(d.before[x.otherId]?.otherId, i);
});

test('a plan diffed with itself pairs every node with itself, all the same', () => {
  const d = diffPlans(before, before);
  for (const [i, x] of d.after.entries()) {
    assert.equal(x.otherId, i);
    assert.equal(x.change, 'same');
  }
});

test('the same table read twice under different aliases pairs each alias with its own', () => {
  const selfJoin = (aCost: number, bCost: number): ReturnType<typeof analyzePlan> =>
    analyzePlan(doc({ 'Node Type': 'Hash Join', 'Startup Cost': 1, 'Total Cost': aCost + bCost, 'Plan Rows': 1, 'Plan Width': 8, Plans: [scan('Seq Scan', 'posts', 'a', aCost), { 'Node Type': 'Hash', 'Parent Relationship': 'Inner', 'Startup Cost': 1, 'Total Cost': bCost, 'Plan Rows': 1, 'Plan Width': 8, Plans: [scan('Seq Scan', 'posts', 'b', bCost)] }] }));
  const x = selfJoin(100, 200);
  const y = selfJoin(100, 50);
  const d = diffPlans(x, y);
  const bY = node(y.nodes, (n) => n.label.includes(' b'));
  assert.equal(d.after[bY.id]?.change, 'better');
  assert.equal(d.after[bY.id]?.otherCost, 200);
  const aY = node(y.nodes, (n) => n.nodeType === 'Seq Scan' && !n.label.includes(' b'));
  assert.equal(d.after[aY.id]?.change, 'same');
});
