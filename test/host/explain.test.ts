// Explain Query in a real host against the harness's Postgres: the statement under the cursor of a SQL
// editor is explained (and selected), the plan view renders it and reports its render time, and text with
// two statements is refused without opening anything.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PgoptApi } from '../../src/extension/main';
import { EXTENSION_ID, TEST_URL, api, waitFor, addTestConnection, disconnectAndForget, sql } from './hostSupport';


describe('Explain Query in a real host', function () {
  this.timeout(90_000);

  before(async () => {
    assert.ok(TEST_URL, 'PGOPT_TEST_URL must be set by the runner');
    await sql(`DROP TABLE IF EXISTS host_orders;
      CREATE TABLE host_orders (id serial PRIMARY KEY, customer_id int NOT NULL, amount numeric);
      INSERT INTO host_orders (customer_id, amount) SELECT g % 300, g FROM generate_series(1, 20000) g;
      ANALYZE host_orders;`);
    await addTestConnection('explain-host-test');
  });

  after(async () => {
    const a = await api();
    (await a.planPanel())?.dispose();
    await disconnectAndForget();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('explains the statement under the cursor, selects it, and the plan view renders it', async () => {
    const text = 'SELECT 1;\n\nSELECT o.id FROM host_orders o\n WHERE o.customer_id = 42\n ORDER BY o.amount DESC;\n';
    const doc = await vscode.workspace.openTextDocument({ language: 'sql', content: text });
    const editor = await vscode.window.showTextDocument(doc);
    const inside = doc.positionAt(text.indexOf('customer_id = 42'));
    editor.selection = new vscode.Selection(inside, inside);
    const r = await vscode.commands.executeCommand<{ mode: string; nodes: number; totalCost: number; findings: string[] }>('pgopt.explainQuery');
    assert.ok(r, 'the command returned a result');
    assert.equal(r.mode, 'plan');
    assert.ok(r.nodes >= 2, `nodes ${r.nodes}`);
    assert.match(r.findings.join('\n'), /host_orders/);
    // The explained statement is now selected.
    assert.equal(editor.document.getText(editor.selection), text.slice(text.indexOf('SELECT o.id'), text.lastIndexOf(';')));
    const a = await api();
    const panel = await waitFor('plan panel', () => a.planPanel());
    const rendered = await waitFor('plan rendered', () => panel.lastRender);
    assert.equal(rendered.nodes, r.nodes);
    assert.ok(rendered.ms >= 0 && rendered.ms < 5000, `render ${rendered.ms} ms`);
  });

  it('a generic plan for a $n statement passed as an argument', async () => {
    const r = await vscode.commands.executeCommand<{ mode: string; nodes: number }>('pgopt.explainQuery', { sql: 'SELECT * FROM host_orders WHERE customer_id = $1' });
    assert.equal(r?.mode, 'generic');
  });

  it('two statements are refused with a message, nothing is returned', async () => {
    const r = await vscode.commands.executeCommand('pgopt.explainQuery', { sql: 'SELECT 1; DELETE FROM host_orders' });
    assert.equal(r, undefined);
    const { rows } = await sql('SELECT count(*)::int AS n FROM host_orders');
    assert.equal(rows[0]?.n, 20000);
  });
});
