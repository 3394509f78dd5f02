// The Analysis tree and finding actions in a real host against the harness's Postgres: Run Analysis fills
// the tree, a finding's SQL becomes a migration file, "Apply Now" really builds the index, and a
// disconnect clears findings that would otherwise describe another database.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { resolveMigrationLayout } from '../../src/core/migrations/layout';
import { draftMigration } from '../../src/core/migrations/writer';
import type { PgoptApi } from '../../src/extension/main';
import type { AnalysisNode } from '../../src/extension/views/analysisTree';
import { EXTENSION_ID, TEST_URL, api, workspaceUri, addTestConnection, disconnectAndForget, sql } from './hostSupport';


async function scalar(text: string): Promise<unknown> {
  return (await sql(text)).rows[0]?.v;
}

function text(a: PgoptApi, n: AnalysisNode): string {
  const l = a.analysisTree.getTreeItem(n).label;
  return typeof l === 'string' ? l : (l?.label ?? '');
}

describe('Analysis tree and finding actions', function () {
  this.timeout(120_000);
  const created: vscode.Uri[] = [];

  before(async () => {
    assert.ok(TEST_URL, 'PGOPT_TEST_URL must be set by the runner');
    await sql(`
      DROP TABLE IF EXISTS "an orders", an_customers, an_contacts;
      CREATE TABLE an_contacts (id int PRIMARY KEY, email text);
      INSERT INTO an_contacts SELECT g, CASE WHEN g IN (7, 8) THEN 'not an email' ELSE 'c' || g || '@example.com' END FROM generate_series(1, 300) g;
      CREATE TABLE an_customers (id int PRIMARY KEY);
      CREATE TABLE "an orders" (id int PRIMARY KEY, "customer id" int REFERENCES an_customers (id));
      INSERT INTO an_customers SELECT g FROM generate_series(1, 100) g;
      INSERT INTO "an orders" SELECT g, 1 + g % 100 FROM generate_series(1, 2000) g;
      ANALYZE an_customers, "an orders", an_contacts;`);
  });

  after(async () => {
    for (const uri of created) await vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
    await disconnectAndForget();
  });

  it('Run Analysis fills the tree with every section; a finding carries its SQL and actions', async () => {
    const a = await api();
    await addTestConnection('analysis-test');
    assert.deepEqual(a.analysisTree.getChildren(), [], 'empty before any analysis');
    await vscode.commands.executeCommand('pgopt.runAnalysis');
    assert.ok(a.analysis.last, 'a report was published');
    const sections = a.analysisTree.getChildren();
    const ids = sections.map((s) => (s.kind === 'section' ? s.section.id : ''));
    for (const id of ['health', 'maintenance', 'indexes', 'queries', 'connections', 'caching']) assert.ok(ids.includes(id), `section ${id} in ${ids.join(', ')}`);
    const maintenance = sections.find((s) => s.kind === 'section' && s.section.id === 'maintenance');
    assert.equal(maintenance?.kind === 'section' ? maintenance.section.error : 'missing', undefined, 'the maintenance analyzer ran in the editor');
    const indexes = sections.find((s) => s.kind === 'section' && s.section.id === 'indexes');
    assert.ok(indexes);
    const fk = a.analysisTree.getChildren(indexes).find((n) => n.kind === 'finding' && n.finding.id === 'indexes.fk-without-index' && n.finding.object?.table === 'an orders');
    assert.ok(fk, `findings: ${a.analysisTree.getChildren(indexes).map((n) => text(a, n)).join(' | ')}`);
    const item = a.analysisTree.getTreeItem(fk);
    assert.match(String(item.contextValue), /\bsql\b/);
    assert.match(String(item.contextValue), /\bapply\b/);
  });

  it('a read-only access policy (pgopt.json) refuses Apply Now and reset statistics: nothing is built, nothing is reset', async () => {
    const a = await api();
    const indexes = a.analysisTree.getChildren().find((s) => s.kind === 'section' && s.section.id === 'indexes');
    const fk = indexes && a.analysisTree.getChildren(indexes).find((n) => n.kind === 'finding' && n.finding.id === 'indexes.fk-without-index' && n.finding.object?.table === 'an orders');
    assert.ok(fk);
    const policyFile = workspaceUri('pgopt.json');
    await vscode.workspace.fs.writeFile(policyFile, new TextEncoder().encode(JSON.stringify({ policy: { readOnly: true } })));
    try {
      const ok = await vscode.commands.executeCommand<boolean>('pgopt.finding.applyNow', fk, { confirmed: true });
      assert.equal(ok, false, 'Apply Now was refused');
      assert.equal(await scalar(`SELECT to_regclass('public."an orders_customer id_idx"')::text AS v`), null, 'no index was built');
      const calls = Number(await scalar(`SELECT coalesce(sum(calls), 0)::int AS v FROM pg_stat_statements`));
      const reset = await vscode.commands.executeCommand<{ ok: boolean; reason?: string }>('pgopt.resetQueryStatistics', { confirmed: true });
      assert.deepEqual({ ok: reset?.ok, reason: reset?.reason }, { ok: false, reason: 'policy' });
      assert.ok(Number(await scalar(`SELECT coalesce(sum(calls), 0)::int AS v FROM pg_stat_statements`)) >= calls, 'statistics were not reset');
    } finally {
      await vscode.workspace.fs.delete(policyFile);
    }
  });

  it('Create Migration writes a new file in the workspace migrations folder and opens it; Apply Now builds the index', async () => {
    const a = await api();
    const indexes = a.analysisTree.getChildren().find((s) => s.kind === 'section' && s.section.id === 'indexes');
    assert.ok(indexes);
    const fk = a.analysisTree.getChildren(indexes).find((n) => n.kind === 'finding' && n.finding.id === 'indexes.fk-without-index' && n.finding.object?.table === 'an orders');
    assert.ok(fk);
    assert.ok(fk.kind === 'finding' && fk.finding.actions?.length, 'the finding carries a typed action');
    // What `pgopt advise --emit-migration` would write for the same action in this folder (core/migrations/writer).
    const root = workspaceUri().fsPath;
    const layout = resolveMigrationLayout({ root });
    assert.ok(layout, 'the workspace has a migrations folder');
    const cli = draftMigration(layout, fk.finding.actions, { now: new Date(), source: 'cli' }).migrations[0]?.files[0];
    const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('pgopt.finding.createMigration', fk);
    assert.ok(uri, 'a file was written');
    created.push(uri);
    // The workspace's plain 001_…003_ files: the next number in their width, a readable name ≤ 60 characters.
    assert.match(uri.path, /\/migrations\/004_add_index_an_orders_customer_id_idx\.sql$/);
    assert.equal(uri.path.split('/').pop(), cli?.name, 'the same file name as the CLI');
    const doc = await vscode.workspace.openTextDocument(uri);
    const body = (t: string): string => t.split('\n').filter((l) => !l.startsWith('-- Generated by')).join('\n');
    assert.equal(body(doc.getText()), body(cli?.text ?? ''), 'the same migration as the CLI (but for the provenance line)');
    assert.match(doc.getText(), /DROP INDEX CONCURRENTLY IF EXISTS "public"\."an orders_customer id_idx";\nCREATE INDEX CONCURRENTLY "an orders_customer id_idx" ON "public"\."an orders" \("customer id"\);/);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString(), 'opened for review');

    assert.equal(await scalar(`SELECT to_regclass('public."an orders_customer id_idx"')::text AS v`), null);
    const ok = await vscode.commands.executeCommand<boolean>('pgopt.finding.applyNow', fk, { confirmed: true });
    assert.equal(ok, true);
    assert.equal(await scalar(`SELECT indisvalid AS v FROM pg_index WHERE indexrelid = 'public."an orders_customer id_idx"'::regclass`), true);
    // The one audit log has the write: Show Audit Log opens it.
    const editor = await vscode.commands.executeCommand<vscode.TextEditor | undefined>('pgopt.showAuditLog');
    assert.ok(editor, 'the audit log opened');
    const last = editor.document.getText().trim().split('\n').map((l) => JSON.parse(l) as { action: string; result: string; host?: string; sql: string; role?: string }).filter((r) => r.action === 'apply-now').at(-1);
    assert.equal(last?.result, 'ok');
    assert.equal(last?.host, 'editor');
    assert.match(last?.sql ?? '', /CREATE INDEX CONCURRENTLY IF NOT EXISTS "an orders_customer id_idx"/);
    assert.ok(last?.role, 'the database role is recorded');
  });

  it('a finding about a query offers Explain (not Create Migration), and Explain opens its plan', async () => {
    const a = await api();
    const section = a.analysisTree.getChildren().find((s) => s.kind === 'section');
    assert.ok(section && section.kind === 'section');
    const node: AnalysisNode = {
      kind: 'finding',
      section: section.section,
      index: 99,
      finding: { id: 'queries.slow', severity: 'warning', title: 'Slow query', detail: 'd', sql: 'SELECT * FROM "an orders" WHERE "customer id" = $1' },
    };
    const ctxValue = String(a.analysisTree.getTreeItem(node).contextValue);
    assert.match(ctxValue, /\bquery\b/);
    assert.doesNotMatch(ctxValue, /\bfix\b|\bapply\b/);
    const fix = String(a.analysisTree.getTreeItem({ ...node, finding: { ...node.finding, sql: 'CREATE INDEX CONCURRENTLY x ON t (a)' } }).contextValue);
    assert.match(fix, /\bfix\b/);
    const result = await vscode.commands.executeCommand<{ mode: string; nodes: number } | undefined>('pgopt.finding.explain', node);
    assert.ok(result && result.nodes >= 1, JSON.stringify(result));
    assert.equal(result.mode, 'generic');
    assert.ok(await a.planPanel(), 'plan panel open');
  });

  it('an inferred integrity finding offers Add as Rule, which writes the rule into pgopt.json once', async () => {
    const a = await api();
    const integrity = a.analysisTree.getChildren().find((s) => s.kind === 'section' && s.section.id === 'integrity');
    assert.ok(integrity);
    const f = a.analysisTree.getChildren(integrity).find((n) => n.kind === 'finding' && n.finding.id === 'integrity.inferred-rule-violation' && n.finding.object?.table === 'an_contacts');
    assert.ok(f && f.kind === 'finding', `findings: ${a.analysisTree.getChildren(integrity).map((n) => text(a, n)).join(' | ')}`);
    assert.match(f.finding.title, /^Inferred: public\.an_contacts\.email: 2 rows violate format email$/);
    assert.match(String(a.analysisTree.getTreeItem(f).contextValue), /\brule\b/);
    const file = workspaceUri('pgopt.json');
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode('{\n  "monitoring": { "intervalMinutes": 9 }\n}\n'));
    try {
      const r = await vscode.commands.executeCommand<{ added: unknown[] }>('pgopt.finding.addRule', f);
      assert.equal(r?.added.length, 1);
      const json = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(file))) as { monitoring: unknown; integrity: { rules: unknown[] } };
      assert.deepEqual(json, { monitoring: { intervalMinutes: 9 }, integrity: { rules: [{ table: 'an_contacts', column: 'email', format: 'email' }] } });
      const again = await vscode.commands.executeCommand<{ added: unknown[] }>('pgopt.finding.addRule', f);
      assert.equal(again?.added.length, 0, 'not added twice');
    } finally {
      await vscode.workspace.fs.delete(file);
    }
  });

  it('disconnect clears the findings', async () => {
    const a = await api();
    await vscode.commands.executeCommand('pgopt.disconnect');
    assert.equal(a.analysis.last, undefined);
    assert.deepEqual(a.analysisTree.getChildren(), []);
  });
});
