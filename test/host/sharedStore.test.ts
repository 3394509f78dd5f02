// The editor's shared snapshot store: with pgopt.monitoring.store set to a postgres:// URL, Take Snapshot
// writes to the pgopt schema of that database (created on first use) instead of the local file, and Run
// Analysis reads "What got slower" back from it.
import * as assert from 'node:assert/strict';
import pg from 'pg';
import * as vscode from 'vscode';
import { api, TEST_URL, addTestConnection, connectTest, disconnectAndForget } from './hostSupport';

describe('Shared snapshot store (pgopt.monitoring.store) in the editor', function () {
  this.timeout(180_000);
  let c: pg.Client;

  before(async () => {
    assert.ok(TEST_URL, 'PGOPT_TEST_URL must be set by the runner');
    c = await connectTest();
    await c.query('DROP SCHEMA IF EXISTS pgopt CASCADE');
    await vscode.workspace.getConfiguration('pgopt.monitoring').update('store', TEST_URL, vscode.ConfigurationTarget.Global);
    await addTestConnection('shared-store-test');
  });

  after(async () => {
    await disconnectAndForget();
    await vscode.workspace.getConfiguration('pgopt.monitoring').update('store', undefined, vscode.ConfigurationTarget.Global);
    await c?.query('DROP SCHEMA IF EXISTS pgopt CASCADE').catch(() => undefined);
    await c?.end();
  });

  it('Take Snapshot stores into the pgopt schema; Run Analysis reads What got slower from it', async () => {
    const count = async (): Promise<number> => {
      const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgopt.snapshots WHERE conn = 'shared-store-test'`).catch(() => ({ rows: [{ n: -1 }] }));
      return r.rows[0]?.n ?? -1;
    };
    // Connecting may already have taken the scheduled first snapshot.
    assert.ok(await vscode.commands.executeCommand('pgopt.takeSnapshot'), 'first snapshot');
    const first = await count();
    assert.ok(first >= 1, `stored in the shared store: ${first}`);
    await c.query('SELECT count(*) FROM pg_class');
    assert.ok(await vscode.commands.executeCommand('pgopt.takeSnapshot'), 'second snapshot');
    assert.equal(await count(), first + 1, 'one row per snapshot');
    const migrations = await c.query<{ version: string }>('SELECT version FROM pgopt.schema_migrations');
    assert.deepEqual(migrations.rows.map((r) => r.version), ['001']);
    await vscode.commands.executeCommand('pgopt.runAnalysis');
    const a = await api();
    const section = a.analysis.last?.sections.find((s) => s.id === 'query-deltas');
    assert.ok(section, `What got slower comes from the shared store; sections: ${a.analysis.last?.sections.map((s) => s.id).join(', ')}`);
  });
});
