// PgBouncer in view in the editor: with pgopt.json "pooler.url" set to a real PgBouncer's admin console (Debian's,
// started here in front of the harness Postgres), the report's Connections section holds the pooler in brief —
// the same model the CLI renders — with the clients a load keeps waiting.
import * as assert from 'node:assert/strict';
import pg from 'pg';
import * as vscode from 'vscode';
import { startPgBouncer, type TestPgBouncer } from '../harness/pgBouncer';
import { api, screenshot, TEST_URL, waitFor, workspaceUri } from './hostSupport';

describe('PgBouncer in the report\'s Connections section', function () {
  this.timeout(240_000);
  const pgoptJson = workspaceUri('pgopt.json');
  let bouncer: TestPgBouncer | undefined;
  const clients: pg.Client[] = [];
  let stop = false;
  let load: Promise<unknown> | undefined;

  before(async () => {
    assert.ok(TEST_URL, 'PGOPT_TEST_URL must be set by the runner');
    bouncer = await startPgBouncer(Number(new URL(TEST_URL).port), { poolMode: 'transaction', defaultPoolSize: 1 });
    await vscode.workspace.fs.writeFile(pgoptJson, new TextEncoder().encode(JSON.stringify({ pooler: { url: bouncer.adminUrl, samples: 3 } }, null, 2)));
    const r = await vscode.commands.executeCommand<{ ok: boolean; message?: string }>('pgopt.addConnection', { name: 'pooler-report-test', url: TEST_URL });
    assert.equal(r?.ok, true, r?.message);
  });

  after(async () => {
    stop = true;
    await load?.catch(() => undefined);
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) if (tab.label === 'Postgres Optimizer Report') await vscode.window.tabGroups.close(tab);
    await vscode.commands.executeCommand('pgopt.disconnect');
    await vscode.workspace.getConfiguration('pgopt').update('connections', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.fs.delete(pgoptJson).then(undefined, () => undefined);
    await bouncer?.stop();
  });

  it('the report\'s Connections section shows the pooler: waiting clients, longest wait, pool mode, a link to its section', async () => {
    // Four clients on a pool of one server connection, each running short sleeps until the report is done:
    // three of them are always waiting.
    for (let i = 0; i < 4; i++) {
      const c = new pg.Client({ connectionString: bouncer?.urlFor(new URL(TEST_URL).pathname.slice(1)) });
      c.on('error', () => undefined);
      await c.connect();
      clients.push(c);
    }
    load = Promise.all(clients.map(async (c) => {
      while (!stop) await c.query('SELECT pg_sleep(0.3)');
    }));

    const a = await api();
    await vscode.commands.executeCommand('pgopt.showHealthReport');
    const panel = await waitFor('the report panel', () => a.reportPanel());
    // A panel left open by another suite shows its last report: this one runs the analysis now.
    await panel.refresh();
    const report = await waitFor('the finished report of this connection', () => panel.lastReport?.connection.name === 'pooler-report-test' && panel.lastReport, 180_000);
    stop = true;
    const connections = report.sections.find((s) => s.id === 'connections');
    const pooler = report.sections.find((s) => s.id === 'pooler');
    assert.equal(pooler?.error, undefined, pooler?.error);
    const sub = connections?.subsections?.find((s) => s.id === 'pooler');
    assert.ok(sub, `Connections has the pooler subsection: ${JSON.stringify(connections?.subsections)}`);
    assert.equal(sub.sectionId, 'pooler');
    assert.equal(sub.summary, pooler?.summary);
    assert.ok(Number(sub.metrics.find((m) => m.id === 'pooler-waiting')?.value) >= 1, `clients waiting: ${JSON.stringify(sub.metrics)}`);
    assert.equal(sub.metrics.find((m) => m.id === 'pooler-mode')?.value, 'transaction');
    assert.match(String(connections?.metrics.find((m) => m.id === 'pooler')?.display), /admin console/);

    await waitFor('the report webview', () => panel.webviewReady);
    await new Promise((r) => setTimeout(r, 800)); // let the webview paint (screenshot only; nothing is asserted on time)
    const shot = await screenshot('pooler-in-connections', { webviewOpen: '#subsection-pooler' });
    if (shot) console.log(`${process.env.PGOPT_HOST_LOG_MARKER ?? ''}      screenshot: ${shot}`);
  });
});
