// An untrusted workspace (Restricted Mode; the runner opens it so with PGOPT_HOST_UNTRUSTED=1) must never choose where
// the editor connects: its pgopt.json names a "PgBouncer" and a fleet database that are a trap — a TCP server that
// asks every client for a cleartext password and records it — while PGPASSWORD holds a canary. The report and
// Refresh Fleet run against the real test database; the trap must see no connection, and the report and the Fleet
// view say in one sentence why the workspace values were ignored. Then the user's own pgopt.pooler.url setting names
// the trap and the report does connect to it (user settings win; and the test can fail).
import * as assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import * as vscode from 'vscode';
import { api, TEST_URL, waitFor, workspaceUri } from './hostSupport';

interface Trap {
  port: number;
  connections: number;
  passwords: string[];
  stop(): Promise<void>;
}

/** A fake PostgreSQL server: answers SSLRequest with "N", asks for a cleartext password, records it, hangs up. */
async function startTrap(): Promise<Trap> {
  const sockets = new Set<Socket>();
  const trap: Trap = { port: 0, connections: 0, passwords: [], stop: async () => undefined };
  const server: Server = createServer((socket) => {
    trap.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (!started) {
          if (buf.length < 8) return;
          const len = buf.readInt32BE(0);
          if (buf.length < len) return;
          const code = buf.readInt32BE(4);
          buf = buf.subarray(len);
          if (code === 80877103 || code === 80877104) {
            socket.write('N'); // no SSL / no GSS encryption: go on in plain text
            continue;
          }
          started = true;
          const ask = Buffer.alloc(9);
          ask.write('R', 0);
          ask.writeInt32BE(8, 1);
          ask.writeInt32BE(3, 5); // AuthenticationCleartextPassword
          socket.write(ask);
          continue;
        }
        if (buf.length < 5) return;
        const len = buf.readInt32BE(1);
        if (buf.length < 1 + len) return;
        if (buf[0] === 0x70) trap.passwords.push(buf.subarray(5, 1 + len - 1).toString('utf8'));
        socket.destroy();
        return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  trap.port = typeof addr === 'object' && addr ? addr.port : 0;
  trap.stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return trap;
}

describe('Untrusted workspace: pgopt.json never chooses where the editor connects', function () {
  this.timeout(300_000);
  const pgoptJson = workspaceUri('pgopt.json');
  const settingsDir = workspaceUri('.vscode');
  const canary = `pgopt-canary-${process.pid}`;
  const savedPassword = process.env.PGPASSWORD;
  let trap: Trap | undefined;
  const trapUrl = (db: string): string => `postgres://victim@127.0.0.1:${trap?.port ?? 0}/${db}`;

  before(async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the runner opens this workspace untrusted (PGOPT_HOST_UNTRUSTED=1)');
    assert.ok(TEST_URL, 'PGOPT_TEST_URL must be set by the runner');
    trap = await startTrap();
    // The extension runs in this process: its libpq-style fallback would send this to any host.
    process.env.PGPASSWORD = canary;
    await vscode.workspace.fs.writeFile(
      pgoptJson,
      new TextEncoder().encode(JSON.stringify({ pooler: { url: trapUrl('pgbouncer'), samples: 1 }, fleet: [{ name: 'workspace-fleet', url: trapUrl('app') }] }, null, 2)),
    );
    const r = await vscode.commands.executeCommand<{ ok: boolean; message?: string }>('pgopt.addConnection', { name: 'untrusted-test', url: TEST_URL });
    assert.equal(r?.ok, true, r?.message);
  });

  after(async () => {
    if (savedPassword === undefined) delete process.env.PGPASSWORD;
    else process.env.PGPASSWORD = savedPassword;
    for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) if (tab.label === 'Postgres Optimizer Report' || tab.label.startsWith('Fleet: ')) await vscode.window.tabGroups.close(tab);
    await vscode.commands.executeCommand('pgopt.disconnect');
    const config = vscode.workspace.getConfiguration('pgopt');
    await config.update('connections', undefined, vscode.ConfigurationTarget.Global);
    await config.update('pooler.url', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.fs.delete(pgoptJson).then(undefined, () => undefined);
    await vscode.workspace.fs.delete(settingsDir, { recursive: true }).then(undefined, () => undefined);
    await trap?.stop();
  });

  it('the report reads no pooler from pgopt.json and says why; nothing connects to the workspace\'s host', async () => {
    const a = await api();
    await vscode.commands.executeCommand('pgopt.showHealthReport');
    const panel = await waitFor('the report panel', () => a.reportPanel());
    await panel.refresh();
    const report = await waitFor('the finished report of this connection', () => panel.lastReport?.connection.name === 'untrusted-test' && panel.lastReport, 180_000);
    const pooler = report.sections.find((s) => s.id === 'pooler');
    assert.ok(pooler, 'the pooler section is in the report');
    assert.equal(pooler.error, undefined, pooler.error);
    assert.deepEqual(pooler.metrics, [], 'no admin console was read');
    assert.match(pooler.unavailable[0]?.because ?? '', /pgopt\.json "pooler\.url" is ignored because this workspace is not trusted/);
    const connections = report.sections.find((s) => s.id === 'connections');
    assert.equal(connections?.subsections, undefined, 'no pooler in brief inside Connections');
    assert.equal(trap?.connections, 0, `the trap was reached: passwords ${JSON.stringify(trap?.passwords)}`);
  });

  it('Refresh Fleet lists only the user\'s connections, says why the pgopt.json fleet is ignored, and connects nowhere else', async () => {
    const a = await api();
    const rows = await vscode.commands.executeCommand<readonly { name: string }[]>('pgopt.fleet.refresh');
    assert.deepEqual(rows?.map((r) => r.name), ['untrusted-test']);
    const notes = (await a.fleetTree.getChildren()).filter((n) => n.kind === 'note');
    assert.ok(notes.some((n) => n.kind === 'note' && /"fleet" is ignored because this workspace is not trusted/.test(n.text)), JSON.stringify(notes));
    assert.equal(trap?.connections, 0, `the trap was reached: passwords ${JSON.stringify(trap?.passwords)}`);
  });

  it('workspace settings cannot name a host either: pgopt.pooler.url and pgopt.monitoring.store are user-level only', async () => {
    // A non-restricted key in the same file shows when VS Code has read it.
    await vscode.workspace.fs.writeFile(
      vscode.Uri.joinPath(settingsDir, 'settings.json'),
      new TextEncoder().encode(JSON.stringify({ 'pgopt.fleet.concurrency': 3, 'pgopt.pooler.url': trapUrl('pgbouncer'), 'pgopt.monitoring.store': trapUrl('store') })),
    );
    await waitFor('the workspace settings read', () => vscode.workspace.getConfiguration('pgopt').get('fleet.concurrency') === 3);
    assert.equal(vscode.workspace.getConfiguration('pgopt').get('pooler.url'), '');
    assert.equal(vscode.workspace.getConfiguration('pgopt').get('monitoring.store'), '');
    await vscode.workspace.fs.delete(settingsDir, { recursive: true });
  });

  it('the user\'s own pgopt.pooler.url wins: the report then does read that pooler (the trap sees it)', async () => {
    await vscode.workspace.getConfiguration('pgopt').update('pooler.url', trapUrl('pgbouncer'), vscode.ConfigurationTarget.Global);
    const a = await api();
    const panel = await waitFor('the report panel', () => a.reportPanel());
    const before = panel.lastReport;
    await panel.refresh();
    const report = await waitFor('a new report', () => panel.lastReport !== before && panel.lastReport, 180_000);
    const pooler = report.sections.find((s) => s.id === 'pooler');
    assert.ok(trap && trap.connections > 0, 'the user-configured pooler was contacted');
    assert.ok(pooler?.error, `the trap is no PgBouncer: ${JSON.stringify(pooler)}`);
  });
});
