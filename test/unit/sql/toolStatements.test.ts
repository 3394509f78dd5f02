// The predicate that keeps pgopt's own statements out of the workload: the marker, and the shapes older
// versions left in pg_stat_statements (texts copied from a real server after three runs of 0.x advise +
// analyze with pg_stat_statements.track = all), never an application statement (HealthMate's whole mix).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isToolStatement, markToolSql, TOOL_MARKER, toolStatementCondition } from '../../../src/core/sql/toolStatements';
import { buildQueryDeltasSection } from '../../../src/core/metrics/queryDeltasSection';
import { HOUR_MS } from '../../../src/core/metrics/snapshotStore';
import { HEALTHMATE_QUERIES } from '../../../scripts/healthmate/workload';
import { makeSnapshot } from '../metrics/fakeSnapshot';
import { APP_TEXTS, OLD_TOOL_TEXTS } from '../../fixtures/toolStatementTexts';


test('the marker and the old shapes are the tool’s', () => {
  for (const t of [`${TOOL_MARKER} SELECT 1`, `  /* pgopt */\nBEGIN READ ONLY`, '/*pgopt*/ SELECT 1', ...OLD_TOOL_TEXTS]) assert.ok(isToolStatement(t), t);
});

test('application statements are never the tool’s: HealthMate’s whole mix, comments, transaction control', () => {
  const app = [...HEALTHMATE_QUERIES.map((q) => q.sql), ...APP_TEXTS];
  for (const t of app) assert.equal(isToolStatement(t), false, t);
});

test('markToolSql puts the marker first, once', () => {
  assert.equal(markToolSql('SELECT 1'), '/* pgopt */ SELECT 1');
  assert.equal(markToolSql(markToolSql('SELECT 1')), '/* pgopt */ SELECT 1');
  assert.equal(markToolSql('\n  SELECT 1').startsWith(TOOL_MARKER), true);
});

test('the SQL spelling is one dollar-quoted regular expression (no \\b, which is a backspace in an ARE)', () => {
  const c = toolStatementCondition('s.query');
  assert.match(c, /^COALESCE\(s\.query ~\* \$pgopt_tool\$.*\$pgopt_tool\$, false\)$/s);
  assert.doesNotMatch(c, /\\b/);
});

test('What got slower never lists the tool’s statements stored by an older version, and counts them', () => {
  const t0 = Date.UTC(2026, 10, 28, 8, 0, 0);
  const st = (queryid: string, calls: number, totalMs: number, query: string) => ({ queryid, calls, totalMs, query });
  const before = [st('1', 100, 100, 'SELECT * FROM orders WHERE id = $1')];
  const after = [
    st('1', 200, 200, 'SELECT * FROM orders WHERE id = $1'),
    st('2', 300, 9000, 'EXPLAIN (FORMAT JSON) EXECUTE pgopt_advise_1_2(NULL)'),
    st('3', 20, 8000, 'DO $pgopt0$ DECLARE jobs jsonb := $pgopt$[]$pgopt$::jsonb; BEGIN NULL; END $pgopt0$'),
    st('4', 30, 9000, 'SELECT * FROM orders WHERE note LIKE $1'),
  ];
  const sum = (rows: typeof before) => ({ statement_calls: rows.reduce((s, r) => s + r.calls, 0), statement_time_ms: rows.reduce((s, r) => s + r.totalMs, 0) });
  const s = buildQueryDeltasSection(makeSnapshot(t0, sum(before), { statements: before }), makeSnapshot(t0 + HOUR_MS, sum(after), { statements: after }));
  const listed = [...s.findings.map((f) => f.title), ...s.tables.flatMap((t) => t.rows.map((r) => String(r.query)))];
  assert.ok(listed.some((t) => t.includes('note LIKE')), 'the application statement is still there');
  for (const t of listed) assert.ok(!/pgopt/.test(t), t);
  assert.equal(s.metrics.find((m) => m.id === 'tool-statements')?.value, 2);
});
