// The migration linter in a real host: diagnostics at exact ranges (after non-ASCII text), quick fixes that
// change the text and clear the diagnostic, the lock hover, pgopt.json problems, and Lint All for a file that
// was never opened. Every wait polls (no sleeps). Edits are never saved: each test reverts what it changed.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { diskSelectionIo, selectLintFiles } from '../../src/core/project/lintSelection';
import { projectFromText } from '../../src/core/project/project';
import { EXTENSION_ID, waitFor, workspaceUri } from './hostSupport';

const CIC = 'require-concurrent-index-creation';

const FIXTURE = (): vscode.Uri => workspaceUri('migrations', '002_add_index.sql');
const NEVER_OPENED = (): vscode.Uri => workspaceUri('migrations', '003_lint_all_only.sql');

function ruleOf(d: vscode.Diagnostic): string | undefined {
  return typeof d.code === 'object' ? String(d.code.value) : d.code === undefined ? undefined : String(d.code);
}

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'pgopt');
}

function describeDiagnostics(uri: vscode.Uri): string {
  return ours(uri)
    .map((d) => `${ruleOf(d)}@${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`)
    .join(', ');
}

/** The line number and UTF-16 columns of `needle` in the document (what the editor counts). */
function locate(doc: vscode.TextDocument, needle: string): vscode.Range {
  const offset = doc.getText().indexOf(needle);
  assert.ok(offset >= 0, `${needle} in the fixture`);
  return new vscode.Range(doc.positionAt(offset), doc.positionAt(offset + needle.length));
}

async function revert(doc: vscode.TextDocument): Promise<void> {
  await vscode.window.showTextDocument(doc);
  await vscode.commands.executeCommand('workbench.action.files.revert');
  assert.equal(doc.isDirty, false, 'fixture reverted');
}

describe('migration lint in the editor', function () {
  this.timeout(60_000);
  let doc: vscode.TextDocument;
  let indexStmt: vscode.Range;

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    doc = await vscode.workspace.openTextDocument(FIXTURE());
    await vscode.window.showTextDocument(doc);
    indexStmt = locate(doc, 'CREATE INDEX "kunden_straße_idx" ON "kunden_größe" ("straße")');
  });

  afterEach(async () => {
    if (doc.isDirty) await revert(doc);
  });

  it('reports findings at the exact ranges, counted in UTF-16 after non-ASCII text, linked to the rule docs', async () => {
    assert.equal(doc.languageId, 'sql');
    // `FRM` reads as a column alias, so the parser stops at the quoted name after it.
    const syntax = locate(doc, '"bücher"');
    const diags = await waitFor(`diagnostics for ${CIC} and syntax-error (have: ${describeDiagnostics(FIXTURE())})`, () => {
      const ds = ours(FIXTURE());
      const cic = ds.find((d) => ruleOf(d) === CIC);
      const syn = ds.find((d) => ruleOf(d) === 'syntax-error');
      return cic && syn ? { cic, syn } : undefined;
    });
    assert.ok(diags.cic.range.isEqual(indexStmt), `${CIC} at ${describeDiagnostics(FIXTURE())}, expected line ${indexStmt.start.line} ${indexStmt.start.character}-${indexStmt.end.character}`);
    assert.ok(diags.syn.range.isEqual(syntax), `syntax-error at ${describeDiagnostics(FIXTURE())}, expected ${syntax.start.line}:${syntax.start.character}`);
    assert.equal(diags.cic.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(diags.syn.severity, vscode.DiagnosticSeverity.Error);
    assert.match(diags.cic.message, /CONCURRENTLY/);
    const code = diags.cic.code as { value: string; target: vscode.Uri };
    assert.equal(code.value, CIC);
    assert.match(code.target.path, new RegExp(`/docs/rules/${CIC}\\.md$`));
  });

  it('the rule fix inserts CONCURRENTLY and the diagnostic goes away', async () => {
    await waitFor('the index diagnostic', () => ours(FIXTURE()).some((d) => ruleOf(d) === CIC));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', FIXTURE(), indexStmt);
    const titles = actions.map((a) => a.title);
    const fix = actions.find((a) => a.title === 'Insert CONCURRENTLY');
    assert.ok(fix?.edit, `actions: ${titles.join(' | ')}`);
    assert.equal(fix.isPreferred, true);
    // The fix of the most severe finding first and the only preferred one; every ignore action after every fix.
    assert.equal(titles[0], 'Insert CONCURRENTLY', titles.join(' | '));
    // One problem, one diagnostic: the CREATE INDEX shows at most two (CONCURRENTLY, and one for the missing timeouts).
    const onIndex = ours(FIXTURE()).filter((d) => d.range.intersection(indexStmt) && d.severity !== vscode.DiagnosticSeverity.Hint);
    assert.ok(onIndex.length <= 2, describeDiagnostics(FIXTURE()));
    assert.equal(actions.filter((a) => a.isPreferred).length, 1, titles.join(' | '));
    const firstIgnore = titles.findIndex((t) => t.startsWith('Disable '));
    assert.ok(actions.slice(firstIgnore).every((a) => a.title.startsWith('Disable ')), titles.join(' | '));
    assert.equal(new Set(titles).size, titles.length, `no action twice: ${titles.join(' | ')}`);
    assert.ok(titles.includes(`Disable ${CIC} for this statement`), titles.join(' | '));
    assert.ok(titles.includes(`Disable ${CIC} for this file`), titles.join(' | '));
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(doc.lineAt(indexStmt.start.line).text, /^CREATE INDEX CONCURRENTLY "kunden_straße_idx"/);
    await waitFor(`${CIC} to clear (have: ${describeDiagnostics(FIXTURE())})`, () => !ours(FIXTURE()).some((d) => ruleOf(d) === CIC));
    assert.ok(ours(FIXTURE()).some((d) => ruleOf(d) === 'syntax-error'), 'the other finding stays');
  });

  it('"Disable for this statement" adds an ignore comment above it and the diagnostic goes away', async () => {
    await waitFor('the index diagnostic', () => ours(FIXTURE()).some((d) => ruleOf(d) === CIC));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', FIXTURE(), indexStmt);
    const disable = actions.find((a) => a.title === `Disable ${CIC} for this statement`);
    assert.ok(disable?.edit);
    assert.ok(await vscode.workspace.applyEdit(disable.edit));
    assert.equal(doc.lineAt(indexStmt.start.line).text, `-- pgopt-ignore ${CIC}`);
    await waitFor(`${CIC} to clear (have: ${describeDiagnostics(FIXTURE())})`, () => !ours(FIXTURE()).some((d) => ruleOf(d) === CIC));
  });

  it('hovering the statement shows the lock it takes, what it blocks, and the rule', async () => {
    await waitFor('the index diagnostic', () => ours(FIXTURE()).some((d) => ruleOf(d) === CIC));
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', FIXTURE(), indexStmt.start.translate(0, 3));
    const text = hovers
      .flatMap((h) => h.contents)
      .map((c) => (typeof c === 'string' ? c : c.value))
      .join('\n')
      .replace(/&nbsp;/g, ' ')
      .replace(/\\(.)/g, '$1');
    assert.match(text, /Takes SHARE on kunden_größe: blocks INSERT, UPDATE and DELETE/, text);
    assert.match(text, /Create indexes concurrently/, text);
    assert.match(text, new RegExp(CIC), text);
    // The lock leads; each finding is one line; the rule's essay stays behind its docs link.
    assert.ok(text.indexOf('Takes SHARE') < text.indexOf(CIC), text);
    assert.doesNotMatch(text, /Safe way/, text);
  });

  it('an untitled SQL document with "-- migrate:up" is linted; closing it clears its diagnostics', async () => {
    const untitled = await vscode.workspace.openTextDocument({ language: 'sql', content: '-- migrate:up\nCREATE INDEX a_idx ON a (x);\n' });
    await vscode.window.showTextDocument(untitled);
    await waitFor('diagnostics on the untitled document', () => ours(untitled.uri).some((d) => ruleOf(d) === CIC));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await waitFor('diagnostics cleared on close', () => ours(untitled.uri).length === 0);
  });

  it('a bad pgopt.json gets a diagnostic at the offending key, and the linter keeps working', async () => {
    const config = workspaceUri('pgopt.json');
    const text = '{\n  "lint": {\n    "pgVersion": "fifteen",\n    "rules": { "require-concurrent-index-creation": "error" }\n  }\n}\n';
    await vscode.workspace.fs.writeFile(config, new TextEncoder().encode(text));
    try {
      const d = await waitFor('a diagnostic on pgopt.json', () => ours(config)[0]);
      assert.match(d.message, /pgVersion/);
      assert.equal(d.range.start.line, 2);
      assert.equal(text.split('\n')[2]?.slice(d.range.start.character, d.range.end.character), '"fifteen"');
      // The valid part of the section applies: the rule is now an error in the open migration.
      await waitFor('the severity from pgopt.json', () => ours(FIXTURE()).some((x) => ruleOf(x) === CIC && x.severity === vscode.DiagnosticSeverity.Error));
    } finally {
      await vscode.workspace.fs.delete(config);
    }
    await waitFor('pgopt.json diagnostics cleared', () => ours(config).length === 0);
    await waitFor('the severity back from the settings', () => ours(FIXTURE()).some((x) => ruleOf(x) === CIC && x.severity === vscode.DiagnosticSeverity.Warning));
  });

  it('a pgopt.json saved with a byte-order mark applies, with no problem reported', async () => {
    const config = workspaceUri('pgopt.json');
    await vscode.workspace.fs.writeFile(config, new TextEncoder().encode(`\uFEFF{"lint": {"rules": {"${CIC}": "error"}}}`));
    try {
      await waitFor('the severity from the BOM pgopt.json', () => ours(FIXTURE()).some((x) => ruleOf(x) === CIC && x.severity === vscode.DiagnosticSeverity.Error));
      assert.deepEqual(ours(config).map((d) => d.message), []);
    } finally {
      await vscode.workspace.fs.delete(config);
    }
    await waitFor('the severity back from the settings', () => ours(FIXTURE()).some((x) => ruleOf(x) === CIC && x.severity === vscode.DiagnosticSeverity.Warning));
  });

  it('"Lint All Migrations" fills the Problems panel for a file that was never opened', async () => {
    const never = NEVER_OPENED();
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === never.toString()), 'not open');
    assert.equal(ours(never).length, 0);
    const result = await vscode.commands.executeCommand<{ files: number; findings: number; cancelled: boolean }>('pgopt.lintAllMigrations');
    assert.ok(result && !result.cancelled, JSON.stringify(result));
    assert.ok(result.files >= 3, `files: ${result.files}`);
    const d = ours(never).find((x) => ruleOf(x) === CIC);
    assert.ok(d, `diagnostics: ${describeDiagnostics(never)}`);
    assert.equal(d.range.start.line, 1);
    assert.ok(!vscode.workspace.textDocuments.some((x) => x.uri.toString() === never.toString()), 'still not opened');
  });

  it('"Lint All Migrations" lints the files `pgopt lint` lints with no paths, a marker-only file outside the globs included', async () => {
    const dbmate = workspaceUri('sql', '20260101000000_dbmate_only.sql');
    await vscode.workspace.fs.writeFile(dbmate, new TextEncoder().encode('-- migrate:up\nCREATE INDEX dbmate_idx ON t (x);\n-- migrate:down\nDROP INDEX dbmate_idx;\n'));
    try {
      const root = (vscode.workspace.workspaceFolders?.[0] as vscode.WorkspaceFolder).uri.fsPath;
      // What the CLI lints with no paths (cli/lintFiles.ts): the project's selection over the disk.
      const cli = await selectLintFiles(projectFromText(root, undefined).lint.selection, diskSelectionIo(root));
      assert.ok(cli.includes('sql/20260101000000_dbmate_only.sql'), cli.join(', '));
      const result = await vscode.commands.executeCommand<{ files: number; findings: number; cancelled: boolean }>('pgopt.lintAllMigrations');
      assert.ok(result && !result.cancelled, JSON.stringify(result));
      assert.equal(result.files, cli.length, `editor ${result.files} files, CLI ${cli.join(', ')}`);
      await waitFor('diagnostics on the marker-only file', () => ours(dbmate).some((x) => ruleOf(x) === CIC));
    } finally {
      await vscode.workspace.fs.delete(dbmate);
      await vscode.workspace.fs.delete(workspaceUri('sql'), { recursive: true });
    }
  });
});
