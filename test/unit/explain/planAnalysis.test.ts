// Plan analysis on real plans captured from the test Postgres (test/fixtures/plans, PG 15) and on a
// generated 500-node plan; plus the statement checks that decide what EXPLAIN may run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainTarget } from '../../../src/core/explain/explainTarget';
import { analyzePlan, planToText, type PlanNode } from '../../../src/core/explain/planAnalysis';
import { loadParser } from '../../../src/core/sql/parser';
import { generatePlan } from '../../harness/generatedPlan';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'plans');
const plan = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
const byType = (nodes: PlanNode[], t: string): PlanNode => {
  const n = nodes.find((x) => x.nodeType === t);
  assert.ok(n, `no ${t} in ${nodes.map((x) => x.nodeType).join(', ')}`);
  return n;
};

test('hash join spill: batches, exclusive times that add up, buffers, the slowest node', () => {
  const a = analyzePlan(plan('hashSpill'));
  assert.equal(a.analyzed, true);
  const hash = byType(a.nodes, 'Hash');
  assert.match(hash.spills[0] ?? '', /^Hash Batches: \d+ \(planned \d+\)|^Hash Batches: \d+,/);
  assert.ok(a.findings.some((f) => f.kind === 'spill' && f.nodeId === hash.id));
  const root = a.nodes[0] as PlanNode;
  const sum = a.nodes.reduce((s, n) => s + (n.exclusiveMs ?? 0), 0);
  assert.ok(Math.abs(sum - (root.inclusiveMs ?? 0)) < 0.01, `${sum} vs ${root.inclusiveMs}`);
  const shares = a.nodes.reduce((s, n) => s + (n.timeShare ?? 0), 0);
  assert.ok(Math.abs(shares - 1) < 1e-9);
  const slowest = a.nodes[a.slowestNodeId ?? -1] as PlanNode;
  assert.ok(a.nodes.every((n) => (n.exclusiveMs ?? 0) <= (slowest.exclusiveMs ?? 0)));
  assert.equal(a.findings[0]?.kind, 'slowest');
  assert.ok(root.buffers && root.buffers.sharedHit + root.buffers.sharedRead > 0);
  assert.ok(Object.keys(a.settings).includes('work_mem'), JSON.stringify(a.settings));
  assert.ok(a.executionMs !== undefined && a.planningMs !== undefined);
});

test('external sort: reported once, on the sort node (temp blocks of ancestors are not repeated)', () => {
  const a = analyzePlan(plan('sortSpill'));
  const sort = byType(a.nodes, 'Sort');
  assert.match(sort.spills.join(), /external/);
  assert.equal(a.nodes.filter((n) => n.spills.length > 0).length, 1, JSON.stringify(a.nodes.map((n) => [n.label, n.spills])));
});

test('misestimate of correlated columns lands in the 10× bucket or above, with a filter finding', () => {
  const a = analyzePlan(plan('misestimate'));
  const scan = a.nodes.find((n) => n.label.startsWith('Seq Scan on')) as PlanNode;
  assert.ok(scan.misestimate);
  assert.equal(scan.misestimate.direction, 'under');
  assert.ok(scan.misestimate.factor >= 10);
  assert.equal(a.misestimateCounts[scan.misestimate.bucket], 1);
  assert.equal(a.biggestMisestimateNodeId, scan.id);
  assert.ok(a.findings.some((f) => f.kind === 'misestimate' && /under.*estimated/.test(f.message)));
  assert.ok(a.findings.some((f) => f.kind === 'filter' && f.nodeId === scan.id));
});

test('a plan without ANALYZE: cost shares add up to 1, the costliest node is the headline', () => {
  const a = analyzePlan(plan('planOnly'));
  assert.equal(a.analyzed, false);
  const total = a.nodes.reduce((s, n) => s + n.costShare, 0);
  assert.ok(total > 0.99 && total < 1.01, String(total));
  assert.ok(a.nodes.every((n) => n.exclusiveMs === undefined && n.misestimate === undefined));
  assert.equal(a.findings[0]?.kind, 'costliest');
  assert.match(planToText(a), /^Limit {2}\(cost=/);
  // Parents come before their children and depths follow the tree.
  for (const n of a.nodes) if (n.parentId !== undefined) assert.equal(n.depth, (a.nodes[n.parentId] as PlanNode).depth + 1);
});

test('parallel plans: worker loops are not counted as extra wall time', () => {
  const a = analyzePlan([
    {
      Plan: {
        'Node Type': 'Gather', 'Startup Cost': 0, 'Total Cost': 100, 'Plan Rows': 10, 'Actual Total Time': 30, 'Actual Rows': 10, 'Actual Loops': 1, 'Workers Launched': 2,
        Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 't', 'Startup Cost': 0, 'Total Cost': 90, 'Plan Rows': 3, 'Actual Total Time': 25, 'Actual Rows': 3, 'Actual Loops': 3 }],
      },
    },
  ]);
  const [gather, scan] = a.nodes as [PlanNode, PlanNode];
  assert.equal(scan.inclusiveMs, 25);
  assert.equal(gather.exclusiveMs, 5);
});

test('bad input: not a plan, a string plan, a never-executed node', () => {
  assert.throws(() => analyzePlan({ nope: 1 }), /not an EXPLAIN \(FORMAT JSON\) result/);
  assert.throws(() => analyzePlan('[]'), /not an EXPLAIN/);
  const a = analyzePlan(JSON.stringify([{ Plan: { 'Node Type': 'Result', 'Total Cost': 0.01, 'Plan Rows': 1, 'Actual Rows': 0, 'Actual Loops': 0, 'Actual Total Time': 0 } }]));
  assert.equal(a.nodes[0]?.neverExecuted, true);
  assert.equal(a.nodes[0]?.misestimate, undefined);
  assert.match(planToText(a), /never executed/);
});

// Its speed is measured in npm run bench -- --only planview, not asserted here.
test('a generated 500-node plan is analysed completely', () => {
  const doc = generatePlan(500);
  const a = analyzePlan(doc);
  assert.equal(a.nodes.length, 500);
  assert.ok(a.nodes.some((n) => n.depth > 100), 'deep');
  assert.ok(a.misestimateCounts[100] > 0 && a.findings.some((f) => f.kind === 'spill'));
  assert.ok(planToText(a).split('\n').length > 500);
});

test('explainTarget: one statement of an explainable kind, writes and $n detected', async () => {
  await loadParser();
  const ok = (sql: string) => {
    const r = explainTarget(sql);
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.target;
  };
  assert.equal(ok('SELECT 1;').writes, undefined);
  assert.equal(ok('SELECT 1;').sql, 'SELECT 1');
  assert.equal(ok('VALUES (1)').kind, 'SelectStmt');
  assert.equal(ok('UPDATE t SET a = 1').writes, 'it is an UPDATE');
  assert.equal(ok("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE").writes, 'it is a MERGE');
  assert.match(ok('WITH x AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM x').writes ?? '', /INSERT/);
  assert.match(ok('SELECT * FROM t FOR SHARE').writes ?? '', /locks rows/);
  assert.match(ok('SELECT * INTO newt FROM t').writes ?? '', /SELECT INTO/);
  assert.match(ok('CREATE TABLE z AS SELECT 1').writes ?? '', /creates a table/);
  assert.equal(ok('SELECT * FROM t WHERE a = $1 AND b = $12').paramCount, 12);
  assert.equal(ok("SELECT * FROM t WHERE c > now() - interval $2 AND a = $1").sql, 'SELECT * FROM t WHERE c > now() - $2::interval AND a = $1');
  assert.equal(ok("SELECT ';' AS \"a;b\", $$;$$ -- ;\n").paramCount, 0);
  const bad = (sql: string, re: RegExp) => {
    const r = explainTarget(sql);
    assert.ok(!r.ok);
    assert.match(r.message, re);
  };
  bad('SELECT 1; SELECT 2', /exactly one statement, but the text holds 2/);
  bad('', /no SQL statement/);
  bad('/* only a comment */', /no SQL statement/);
  bad('SELECT FROM WHERE', /does not parse/);
  bad('DROP TABLE t', /this statement is a DROP statement/);
  bad('VACUUM t', /this statement is a VACUUM statement/);
  bad('EXPLAIN ANALYZE DELETE FROM t', /already an EXPLAIN/);
  bad('SELECT 1\u0000; DELETE FROM t', /NUL|exactly one/);
});

test('statementAtOffset: the statement around the cursor, else the one before, else the first', async () => {
  const { statementAtOffset } = await import('../../../src/core/explain/explainTarget');
  const text = "SELECT 1;\n\nSELECT ';' AS x\n  FROM t;   \n-- tail\n";
  const second = text.indexOf("SELECT ';'");
  assert.equal(statementAtOffset(text, second + 5)?.text, "SELECT ';' AS x\n  FROM t");
  assert.equal(statementAtOffset(text, text.indexOf('t;') + 2)?.text, "SELECT ';' AS x\n  FROM t", 'just after the ;');
  assert.equal(statementAtOffset(text, text.length)?.text, "SELECT ';' AS x\n  FROM t", 'in the trailing comment');
  assert.equal(statementAtOffset(text, 0)?.text, 'SELECT 1');
  assert.equal(statementAtOffset('  \n', 1), undefined);
  assert.equal(statementAtOffset('\n\nSELECT 2', 0)?.text, 'SELECT 2');
});
