// Live lint rules in a real host with a real connection: diagnostics that need the database appear on an
// open document, and Lint All runs them in file order, so a table created by an earlier (pending) migration
// file is neither unknown nor a lock hazard, while one that exists nowhere is reported.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, TEST_URL, waitFor, workspaceUri, addTestConnection, disconnectAndForget, sql } from './hostSupport';


const ruleOf = (d: vscode.Diagnostic): string => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));
const ours = (uri: vscode.Uri): vscode.Diagnostic[] => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'pgopt');
const describe_ = (uri: vscode.Uri): string => ours(uri).map((d) => `${ruleOf(d)}@${d.range.start.line}`).join(', ');

describe('live lint rules with a connection', function () {
  this.timeout(90_000);
  const written: vscode.Uri[] = [];

  before(async () => {
    assert.ok(TEST_URL, 'PGOPT_TEST_URL must be set by the runner');
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    await sql(`DROP TABLE IF EXISTS live_people; CREATE TABLE live_people (id int PRIMARY KEY); INSERT INTO live_people SELECT generate_series(1, 500); ANALYZE live_people;`);
    await addTestConnection('live-lint');
  });

  after(async () => {
    for (const u of written) await vscode.workspace.fs.delete(u).then(undefined, () => undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await disconnectAndForget();
  });

  it('an open migration gets unknown-object for a table the database lacks, and not for one it has', async () => {
    const doc = await vscode.workspace.openTextDocument({
      language: 'sql',
      content: "-- migrate:up\nSET lock_timeout = '1s';\nALTER TABLE no_such_table_xyz ADD COLUMN a int;\nALTER TABLE live_people ADD COLUMN b int;\n",
    });
    await vscode.window.showTextDocument(doc);
    const d = await waitFor(`unknown-object (have: ${describe_(doc.uri)})`, () => ours(doc.uri).find((x) => ruleOf(x) === 'unknown-object'));
    assert.equal(d.range.start.line, 2);
    assert.match(d.message, /no_such_table_xyz does not exist in database/);
    assert.ok(!ours(doc.uri).some((x) => ruleOf(x) === 'unknown-object' && x.range.start.line === 3), describe_(doc.uri));
  });

  it('Lint All runs the live rules in file order: a table an earlier pending file creates is known', async () => {
    const make = workspaceUri('migrations', '900_make_pending.sql');
    const use = workspaceUri('migrations', '901_use_pending.sql');
    written.push(make, use);
    await vscode.workspace.fs.writeFile(make, new TextEncoder().encode('CREATE TABLE pending_t (id bigint PRIMARY KEY);\n'));
    await vscode.workspace.fs.writeFile(use, new TextEncoder().encode("SET lock_timeout = '1s';\nALTER TABLE pending_t ADD COLUMN note text NOT NULL;\nALTER TABLE never_created_t ADD COLUMN x int;\n"));
    const result = await vscode.commands.executeCommand<{ files: number; findings: number; cancelled: boolean }>('pgopt.lintAllMigrations');
    assert.ok(result && !result.cancelled, JSON.stringify(result));
    const diags = ours(use);
    assert.ok(diags.some((x) => ruleOf(x) === 'unknown-object' && x.range.start.line === 2), describe_(use));
    assert.ok(!diags.some((x) => x.range.start.line === 1 && ruleOf(x) !== 'prefer-robust-stmts'), `pending_t is created by 900: ${describe_(use)}`);
    // The fixture's never-opened file names a table that exists nowhere either.
    assert.ok(ours(workspaceUri('migrations', '003_lint_all_only.sql')).some((x) => ruleOf(x) === 'unknown-object'), describe_(workspaceUri('migrations', '003_lint_all_only.sql')));
  });
});
