// The advisor's search at scale is bounded (leading-key floors, reduced plans shared between candidates, partial
// costing, a memo of plans): on a workload of a few hundred distinct statements it must choose what the plain
// greedy (every candidate costed exactly on all its statements before each pick) chooses, with far fewer plans.
// And the premise of the reduced plans, on this server's planner: a candidate never costs a statement less than
// its reduction (the candidate without the columns the statement does not name).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { AdvisorResult } from '../../src/core/advisor/advisor';
import { loadAdvisorCatalog } from '../../src/core/advisor/catalog';
import { hypoDdl, type Candidate } from '../../src/core/advisor/candidates';
import { analyzeStatement } from '../../src/core/advisor/extract';
import { namedMask, reducedDdl } from '../../src/core/advisor/pairCosts';
import type { Planned } from '../../src/core/advisor/types';
import { DbSession } from '../../src/core/db/session';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { loadParser, parseSql } from '../../src/core/sql/parser';
import { adviseOn } from '../harness/advise';
import { SCALE_FIXTURE, scaleWorkload } from '../harness/advisorScaleFixture';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let url: string;

before(async () => {
  db = await startTestPostgres();
  url = await db.createDatabase('advisor_scale');
  await db.exec(SCALE_FIXTURE, 'advisor_scale');
  // Statistics from every row (the sample is 300 × the target) and index-only scan costs from a full visibility
  // map: the same plans in every run.
  await db.exec('ALTER DATABASE advisor_scale SET default_statistics_target = 1000', 'advisor_scale');
  await db.exec('VACUUM ANALYZE', 'advisor_scale');
});

after(async () => {
  await db?.stop();
});

const names = (r: AdvisorResult): string[] => r.recommendations.map((x) => x.sql).sort();

test('bounded search (floors, reduced plans, partial costing, memo) chooses what the plain greedy chooses, with far fewer plans', async (t) => {
  const text = scaleWorkload(300);
  const bounded = await adviseOn(url, 'advisor-scale-test', { workloadText: text }, 120_000);
  const plain = await adviseOn(url, 'advisor-scale-test', { workloadText: text, exhaustiveCosting: true }, 120_000);
  t.diagnostic(`${bounded.statementsAnalyzed} statements, ${bounded.candidates} candidates; bounded ${bounded.explains} EXPLAINs, plain ${plain.explains}`);
  t.diagnostic(`bounded: ${Math.round(bounded.totalCostAfter)} with ${names(bounded).length}; plain: ${Math.round(plain.totalCostAfter)} with ${names(plain).length}`);
  assert.ok(bounded.statementsAnalyzed >= 250, `a workload of a few hundred statements (${bounded.statementsAnalyzed})`);
  assert.ok(bounded.recommendations.length >= 3, 'a search with several picks');
  assert.deepEqual(names(bounded), names(plain));
  assert.ok(Math.abs(bounded.totalCostAfter - plain.totalCostAfter) <= 1e-9 * plain.totalCostBefore, `${bounded.totalCostAfter} vs ${plain.totalCostAfter}`);
  // Bounding that bounds nothing (every candidate costed in full) would plan as much as the plain greedy.
  assert.ok(bounded.explains * 2 < plain.explains, `bounded ${bounded.explains} EXPLAINs, plain ${plain.explains}`);
});

test('a reduced plan bounds the candidate: on the planner, a candidate never costs a statement less than its reduction', async () => {
  await loadParser();
  const s = await DbSession.open(resolveUrl(url, nodeEnvAccess({}), 'advisor-scale-test'), { analysis: { statementTimeoutMs: 30_000, lockTimeoutMs: 1_000 } });
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const cat = await s.readOnly((q) => loadAdvisorCatalog(q));
    const planned = (sql: string): Planned => {
      const p = parseSql(sql);
      assert.ok(p.ok);
      return { stmt: { id: sql, original: sql, sql, calls: 1, rows: 1, totalTimeMs: 0, source: 'file' }, shape: analyzeStatement(p.stmts[0]!.node, cat), baseline: 0, baselinePlan: { ok: true, cost: 0, indexes: [], seqScans: [] } };
    };
    const items = [...cat.tables.values()].find((x) => x.name === 'items')!;
    const key = (column: string, desc = false) => ({ key: column, sql: `"${column}"`, column, ...(desc ? { desc: true } : {}) });
    const cand = (keys: ReturnType<typeof key>[], include: ReturnType<typeof key>[] = []): Candidate => ({ id: keys.map((k) => k.key).join(','), table: items, keys, ...(include.length ? { include } : {}), method: 'btree', kind: 'multi', statements: new Set() });
    const cases: [Candidate, string][] = [
      [cand([key('i_part'), key('i_mode')]), 'SELECT i_id FROM items WHERE i_part = 42'],
      [cand([key('i_part'), key('i_mode'), key('i_ship')]), `SELECT i_id FROM items WHERE i_part IN (1, 2, 3) AND i_ship > date '2022-03-01'`],
      [cand([key('i_supp'), key('i_qty')], [key('i_price'), key('i_mode')]), 'SELECT i_id, i_price FROM items WHERE i_supp = 7 AND i_qty < 10'],
      [cand([key('i_ship'), key('i_disc')]), `SELECT i_id FROM items WHERE i_ship BETWEEN date '2022-01-01' AND date '2022-06-01' ORDER BY i_ship LIMIT 20`],
      [cand([key('i_qty', true), key('i_supp')]), 'SELECT i_id FROM items WHERE i_qty > 45 ORDER BY i_qty DESC LIMIT 20'],
    ];
    const cost = async (ddl: string, sql: string): Promise<number> => {
      await c.query('SELECT hypopg_reset()');
      await c.query('SELECT hypopg_create_index($1)', [ddl]);
      const { rows } = await c.query<{ 'QUERY PLAN': [{ Plan: { 'Total Cost': number } }] }>(`EXPLAIN (FORMAT JSON) ${sql}`);
      return rows[0]!['QUERY PLAN'][0].Plan['Total Cost'];
    };
    for (const [cnd, sql] of cases) {
      const p = planned(sql);
      const mask = namedMask(cnd, p);
      const full = (1 << (cnd.keys.length + (cnd.include?.length ?? 0))) - 1;
      assert.ok(mask > 0 && mask !== full, `${hypoDdl(cnd)} is reduced for ${sql} (mask ${mask})`);
      const reduced = reducedDdl(cnd, mask)!;
      const [whole, part] = [await cost(hypoDdl(cnd), sql), await cost(reduced, sql)];
      assert.ok(part <= whole + 1e-9, `${reduced}: ${part} > ${hypoDdl(cnd)}: ${whole} on ${sql}`);
    }
    // Not reduced where the statement's columns are not all known: *, a USING join, an output alias.
    const cnd = cand([key('i_part'), key('i_mode')]);
    for (const sql of ['SELECT * FROM items WHERE i_part = 42', 'SELECT i_id FROM items JOIN orders ON o_id = i_order JOIN items i2 USING (i_id) WHERE items.i_part = 42', 'SELECT i_part AS x FROM items WHERE i_part = 42 ORDER BY x']) {
      assert.equal(namedMask(cnd, planned(sql)), -1, sql);
    }
  } finally {
    await c.query('SELECT hypopg_reset()').catch(() => undefined);
    await c.end();
    await s.close();
  }
});
