// The extension in a real VS Code host against the harness's real Postgres (PGOPT_TEST_URL): connect,
// browse the tree, open the health report, and survive bad connections.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { PgoptApi } from '../../src/extension/main';
import type { Report } from '../../src/core/report/model';
import type { SchemaNode } from '../../src/extension/views/schemaTree';
import { EXTENSION_ID, TEST_URL, api, sql, waitFor } from './hostSupport';


function withUser(url: string, user: string, query = ''): string {
  const u = new URL(url);
  u.username = user;
  u.search = query;
  return u.toString();
}

/** Read through a function: the assertions above narrow `a.manager.current` for the type checker. */
function currentName(a: PgoptApi): string | undefined {
  return a.manager.current?.name;
}

function label(a: PgoptApi, n: SchemaNode): string {
  const l = a.schemaTree.getTreeItem(n).label;
  return typeof l === 'string' ? l : (l?.label ?? '');
}

describe('Postgres Optimizer in a real host', function () {
  this.timeout(90_000);

  before(async () => {
    assert.ok(TEST_URL, 'PGOPT_TEST_URL must be set by the runner');
    await sql(`
      DROP TABLE IF EXISTS host_visits, host_patients;
      CREATE TABLE host_patients (id serial PRIMARY KEY, email text NOT NULL, born date);
      CREATE TABLE host_visits (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, patient_id int REFERENCES host_patients (id), at timestamptz);
      INSERT INTO host_patients (email) SELECT 'p' || g || '@x.io' FROM generate_series(1, 500) g;
      CREATE INDEX host_visits_at ON host_visits (at);
      ALTER TABLE host_patients ADD CONSTRAINT born_past CHECK (born < now()) NOT VALID;
      ANALYZE host_patients;`);
  });

  after(async () => {
    const a = await api();
    await a.manager.disconnect();
    await vscode.workspace.getConfiguration('pgopt').update('connections', undefined, vscode.ConfigurationTarget.Global);
  });

  it('contributes every palette command under the "Postgres Optimizer" category', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    const contributed = (ext?.packageJSON as { contributes: { commands: { command: string; category: string }[] } }).contributes.commands;
    const registered = await vscode.commands.getCommands(true);
    for (const c of contributed) {
      assert.equal(c.category, 'Postgres Optimizer');
      assert.ok(registered.includes(c.command), `${c.command} registered`);
    }
    const { activationMs } = await api();
    // Recorded for `npm run bench`; the figure is judged there, not here.
    const results = join(__dirname, '..', '..', '..', 'test-results');
    mkdirSync(results, { recursive: true });
    writeFileSync(join(results, 'host-metrics.json'), JSON.stringify({ activationMs }));
    assert.ok(Number.isFinite(activationMs));
  });

  it('a bad connection fails with a clear message naming it, and the extension stays usable', async () => {
    const a = await api();
    const badPort = new URL(TEST_URL);
    badPort.port = '1';
    const refused = await vscode.commands.executeCommand<{ ok: boolean; message?: string }>('pgopt.addConnection', {
      name: 'nowhere',
      url: badPort.toString(),
    });
    assert.equal(refused?.ok, false);
    assert.match(refused?.message ?? '', /"nowhere".*refused/);

    const pw = await vscode.commands.executeCommand<{ ok: boolean; message?: string }>('pgopt.addConnection', {
      name: 'needs-password',
      url: withUser(TEST_URL, 'pgopt_pw', '?sslmode=disable'),
    });
    assert.equal(pw?.ok, false);
    assert.match(pw?.message ?? '', /"needs-password".*password/);

    const ssl = await vscode.commands.executeCommand<{ ok: boolean; message?: string }>('pgopt.addConnection', {
      name: 'ssl-only',
      url: withUser(TEST_URL, 'pgopt_ssl', '?sslmode=disable'),
    });
    assert.equal(ssl?.ok, false);
    assert.match(ssl?.message ?? '', /SSL/);

    const invalid = await vscode.commands.executeCommand<{ ok: boolean; message?: string }>('pgopt.addConnection', { name: 'x', port: 'five' });
    assert.equal(invalid?.ok, false);
    assert.match(invalid?.message ?? '', /port/);

    assert.equal(a.manager.current, undefined, 'nothing half-connected');
    assert.deepEqual(await a.schemaTree.getChildren(), [], 'tree empty while disconnected');
  });

  it('connects and shows the server in the status and the tree', async () => {
    const a = await api();
    const r = await vscode.commands.executeCommand<{ ok: boolean; message?: string }>('pgopt.addConnection', { name: 'host-test', url: TEST_URL });
    assert.equal(r?.ok, true, r?.message);
    assert.equal(a.manager.current?.name, 'host-test');
    assert.ok((a.manager.current?.caps.serverVersionNum ?? 0) >= 120000);
    const roots = await a.schemaTree.getChildren();
    assert.equal(roots.length, 1);
    assert.equal(roots[0]?.kind, 'connection');
  });

  // A window reload ends the extension host: the session closes and activation runs again with the same
  // workspaceState. This test cannot reload the window it runs in, so it checks both halves: the connection is
  // remembered in workspaceState (which VS Code keeps across reloads), and the activation step (restoreConnection)
  // reopens it once the session is gone. Before, nothing was remembered and a reload left the user disconnected.
  it('the connection added with Add Connection is reopened after a window reload; Disconnect forgets it', async () => {
    const a = await api();
    const r = await vscode.commands.executeCommand<{ ok: boolean; message?: string }>('pgopt.addConnection', { name: 'reload-test', url: TEST_URL });
    assert.equal(r?.ok, true, r?.message);
    assert.equal(a.manager.remembered, 'reload-test');
    await a.manager.disconnect({ forget: false }); // what the reload does to the session
    assert.equal(a.manager.current, undefined);
    const restored = await a.restoreConnection();
    assert.equal(restored?.ok, true, restored?.ok === false ? restored.message : 'nothing restored');
    assert.equal(currentName(a), 'reload-test');
    await vscode.commands.executeCommand('pgopt.disconnect');
    assert.equal(a.manager.remembered, undefined, 'an explicit Disconnect is not undone by the next reload');
    assert.equal(await a.restoreConnection(), undefined);
    assert.equal(a.manager.current, undefined);
    // The next tests expect host-test.
    const back = await vscode.commands.executeCommand<{ ok: boolean; message?: string }>('pgopt.addConnection', { name: 'host-test', url: TEST_URL });
    assert.equal(back?.ok, true, back?.message);
  });

  it('the tree lists schemas, the test tables with sizes, and their columns, indexes and constraints', async () => {
    const a = await api();
    const [conn] = await a.schemaTree.getChildren();
    assert.ok(conn);
    const schemas = await a.schemaTree.getChildren(conn);
    const pub = schemas.find((s) => s.kind === 'schema' && s.schema.name === 'public');
    assert.ok(pub, `schemas: ${schemas.map((s) => label(a, s)).join(', ')}`);
    const tables = await a.schemaTree.getChildren(pub);
    const names = tables.map((t) => label(a, t));
    assert.ok(names.includes('host_patients') && names.includes('host_visits'), names.join(', '));
    const patients = tables.find((t) => label(a, t) === 'host_patients');
    assert.ok(patients);
    assert.match(String(a.schemaTree.getTreeItem(patients).description), /~500 rows · \d/);
    const folders = await a.schemaTree.getChildren(patients);
    assert.deepEqual(folders.map((f) => label(a, f)), ['Columns', 'Indexes', 'Constraints']);
    const [cols, idx, cons] = await Promise.all(folders.map((f) => a.schemaTree.getChildren(f)));
    assert.deepEqual(cols?.map((c) => label(a, c)), ['id', 'email', 'born']);
    assert.match(String(a.schemaTree.getTreeItem(cols![1]!).description), /text NOT NULL/);
    assert.deepEqual(idx?.map((i) => label(a, i)), ['host_patients_pkey']);
    const notValid = cons?.find((c) => label(a, c) === 'born_past');
    assert.ok(notValid);
    assert.match(String(a.schemaTree.getTreeItem(notValid).description), /check · NOT VALID/);
    assert.equal(a.schemaTree.getTreeItem(notValid).contextValue, 'pgopt.constraint.notValid');
    // Validate Constraint…: a dry run (born is NULL everywhere, so every row passes) and the migration in an editor.
    const doc = await vscode.commands.executeCommand<vscode.TextDocument | undefined>('pgopt.validateConstraint', notValid);
    assert.ok(doc, 'a document was opened');
    assert.equal(doc.languageId, 'sql');
    assert.match(doc.getText(), /^-- Validate check born_past on public\.host_patients\n-- CHECK \(\(born < now\(\)\)\) NOT VALID\n-- Dry run \(read-only, exact, all 500 rows\): every row passes\./);
    assert.match(doc.getText(), /\nALTER TABLE "public"\."host_patients" VALIDATE CONSTRAINT "born_past";\n$/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('Show Health Report opens the panel and produces a real report', async () => {
    const a = await api();
    await vscode.commands.executeCommand('pgopt.showHealthReport');
    const panel = await waitFor('report panel', () => a.reportPanel());
    const report = await waitFor('report', () => panel.lastReport, 60_000);
    const health = report.sections.find((s) => s.id === 'health');
    assert.ok(health, 'health section');
    assert.equal(health.error, undefined);
    assert.ok(health.metrics.some((m) => m.id === 'cache-hit-tables'));
    // One finding per problem: the NOT VALID constraint is reported once, by the Constraints section that owns it.
    const constraints = report.sections.find((s) => s.id === 'constraints');
    const owned = constraints?.findings.filter((f) => f.id === 'constraints.not-valid' && f.title.includes('born_past')) ?? [];
    assert.equal(owned.length, 1, JSON.stringify(constraints?.findings.map((f) => f.title)));
    assert.ok(!health.findings.some((f) => f.id === 'health.not-valid-constraint' && f.object?.name === 'born_past'), 'not twice');
    assert.equal(report.connection.name, 'host-test');
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label);
    assert.ok(tabs.includes('Postgres Optimizer Report'), tabs.join(', '));
  });

  it('Analyze Table on a table node of the tree opens the page about that table', async () => {
    const a = await api();
    const [conn] = await a.schemaTree.getChildren();
    const pub = (await a.schemaTree.getChildren(conn)).find((s) => s.kind === 'schema' && s.schema.name === 'public');
    const patients = (await a.schemaTree.getChildren(pub)).find((t) => label(a, t) === 'host_patients');
    assert.ok(patients);
    // The context menu entry shows on this node (package.json: viewItem == pgopt.table).
    assert.equal(a.schemaTree.getTreeItem(patients).contextValue, 'pgopt.table');
    const panel = await vscode.commands.executeCommand<{ lastReport?: Report; table?: { schema: string; name: string } } | undefined>('pgopt.analyzeTable', patients);
    assert.ok(panel, 'the command returned its panel');
    assert.deepEqual(panel.table, { schema: 'public', name: 'host_patients' });
    const report = await waitFor('table page', () => panel.lastReport, 90_000);
    assert.deepEqual(report.table, { schema: 'public', name: 'host_patients' });
    const t = report.sections.find((s) => s.id === 'table');
    assert.ok(t && !t.error, t?.error);
    assert.ok(t.metrics.some((m) => m.id === 'seq-scans'));
    const ix = report.sections.find((s) => s.id === 'indexes')?.tables[0]?.rows.map((r) => r.index);
    assert.deepEqual(ix, ['host_patients_pkey']);
    // Its constraints section keeps the NOT VALID check of this table, and nothing of host_visits.
    const cons = report.sections.find((s) => s.id === 'constraints');
    assert.ok(cons?.findings.every((f) => f.object?.table === 'host_patients' || f.object?.name === 'host_patients'), JSON.stringify(cons?.findings.map((f) => f.object)));
    const all = cons?.tables.find((x) => x.id === 'constraints-all')?.rows ?? [];
    assert.ok(all.some((r) => r.name === 'born_past'), JSON.stringify(all));
    assert.ok(all.every((r) => r.table === 'public.host_patients'), JSON.stringify(all));
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((x) => x.label);
    assert.ok(tabs.includes('Table public.host_patients'), tabs.join(', '));
  });

  it('disconnect empties the tree', async () => {
    const a = await api();
    await vscode.commands.executeCommand('pgopt.disconnect');
    assert.equal(a.manager.current, undefined);
    assert.deepEqual(await a.schemaTree.getChildren(), []);
  });
});
