// The language-model tools (Copilot agent mode) in a real host, called the way chat calls them:
// vscode.lm.invokeTool (no model needed). Same implementations as pgopt mcp (src/core/agentTools.ts).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { TEST_URL, api, addTestConnection, disconnectAndForget, sql } from './hostSupport';

const TOOLS = ['pgopt_health', 'pgopt_slow_queries', 'pgopt_index_advice', 'pgopt_explain', 'pgopt_lint_migration', 'pgopt_analyze_table'];

async function invoke(name: string, input: object): Promise<string> {
  const r = await vscode.lm.invokeTool(name, { input, toolInvocationToken: undefined });
  return r.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('');
}

describe('language-model tools', function () {
  this.timeout(120_000);

  before(async () => {
    await api();
    await sql(`DROP TABLE IF EXISTS lm_orders;
      CREATE TABLE lm_orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL);
      INSERT INTO lm_orders SELECT g, g % 50 FROM generate_series(1, 2000) g; ANALYZE lm_orders;`);
  });

  after(async () => {
    await disconnectAndForget();
  });

  it('are registered with their input schemas', () => {
    const ours = vscode.lm.tools.filter((t) => t.name.startsWith('pgopt_'));
    assert.deepEqual(ours.map((t) => t.name).sort(), [...TOOLS].sort());
    const lint = ours.find((t) => t.name === 'pgopt_lint_migration');
    assert.deepEqual((lint?.inputSchema as { required?: string[] }).required, ['sql']);
  });

  it('lint_migration works without a connection; the database tools say how to connect', async () => {
    const text = await invoke('pgopt_lint_migration', { sql: 'CREATE INDEX i ON lm_orders (customer_id);' });
    assert.match(text, /line 1, column 1: warning require-concurrent-index-creation/);
    await assert.rejects(invoke('pgopt_health', {}), /No database is connected in Postgres Optimizer/);
    await assert.rejects(invoke('pgopt_lint_migration', { sql: 7 }), /invalid arguments for lint_migration: sql/);
  });

  it('health, slow_queries, explain, analyze_table and index_advice on the active connection', async () => {
    await addTestConnection('lm-test');
    assert.match(await invoke('pgopt_health', {}), /Cache hit ratio \(tables\)/);
    assert.match(await invoke('pgopt_slow_queries', { limit: 3 }), /== Slow queries|pg_stat_statements/i);
    const plan = await invoke('pgopt_explain', { query: 'SELECT * FROM lm_orders WHERE customer_id = 3' });
    assert.match(plan, /Seq Scan/);
    const table = await invoke('pgopt_analyze_table', { table: 'lm_orders' });
    assert.match(table, /Table public\.lm_orders/);
    assert.match(table, /customer_id bigint NOT NULL/);
    const advice = await invoke('pgopt_index_advice', { query: 'SELECT * FROM lm_orders WHERE customer_id = 3' });
    assert.match(advice, /Index advice from the given query/);
    await assert.rejects(invoke('pgopt_analyze_table', { table: 'no_such_table' }), /no table named no_such_table/);
  });
});
