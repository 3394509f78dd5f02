// "What got slower" in a real host: two snapshots (Take Snapshot) around a workload whose lookup loses its
// index; Run Analysis then lists it in the Analysis view, with Explain offered on it.
import * as assert from 'node:assert/strict';
import pg from 'pg';
import * as vscode from 'vscode';
import { api, TEST_URL, addTestConnection, connectTest, disconnectAndForget } from './hostSupport';

describe('What got slower (snapshot deltas) in the editor', function () {
  this.timeout(180_000);
  let c: pg.Client;

  before(async () => {
    assert.ok(TEST_URL, 'PGOPT_TEST_URL must be set by the runner');
    c = await connectTest();
    await c.query(`DROP TABLE IF EXISTS deltas_readings;
      CREATE TABLE deltas_readings (id int, patient int, v int);
      INSERT INTO deltas_readings SELECT g, g % 5000, g FROM generate_series(1, 200000) g;
      CREATE INDEX deltas_readings_patient ON deltas_readings (patient);
      ANALYZE deltas_readings;`);
    // Earlier suites filled pg_stat_statements; snapshots keep only the top 50 by total time, so start clean or
    // the fast (indexed) lookup may miss the first snapshot's cut and look "new" instead of "slower".
    await c.query('SELECT pg_stat_statements_reset()');
    await addTestConnection('deltas-test');
  });

  after(async () => {
    await c?.query('DROP TABLE IF EXISTS deltas_readings').catch(() => undefined);
    await c?.end();
    await disconnectAndForget();
  });

  it('a lookup that lost its index between two snapshots is listed as slower, with Explain', async () => {
    const lookup = async (): Promise<void> => {
      for (let i = 0; i < 15; i++) await c.query('SELECT count(*) FROM deltas_readings WHERE patient = $1', [i]);
    };
    await lookup();
    assert.ok(await vscode.commands.executeCommand('pgopt.takeSnapshot'), 'first snapshot');
    await c.query('DROP INDEX deltas_readings_patient');
    await lookup();
    assert.ok(await vscode.commands.executeCommand('pgopt.takeSnapshot'), 'second snapshot');
    await vscode.commands.executeCommand('pgopt.runAnalysis');
    const a = await api();
    const section = a.analysis.last?.sections.find((s) => s.id === 'query-deltas');
    assert.ok(section, `sections: ${a.analysis.last?.sections.map((s) => s.id).join(', ')}`);
    const slower = section.findings.find((f) => f.id === 'query-deltas.slower' && /deltas_readings/.test(f.sql ?? f.title));
    assert.ok(slower, JSON.stringify(section.findings.map((f) => f.title)));
    const node = a.analysisTree.getChildren().find((n) => n.kind === 'section' && n.section.id === 'query-deltas');
    assert.ok(node);
    const item = a.analysisTree.getChildren(node).find((n) => n.kind === 'finding' && n.finding.id === 'query-deltas.slower');
    assert.ok(item);
    assert.match(String(a.analysisTree.getTreeItem(item).contextValue), /\bquery\b/);
  });
});
