// The editor's lint gate in a real host against the harness's Postgres: a pending migration whose CHECK 11
// existing rows violate shows its lint state in the Migrations view (icon, count, findings in the tooltip);
// Apply Up To Here lists the findings per migration in the confirmation, whose default button does not apply;
// cancelled, nothing runs — not even the clean migration before it; "Apply anyway" runs and fails as predicted.
//
// The confirmation is a modal dialog of the workbench, which the extension host (where mocha runs) cannot
// click. The existing host tests skip it with `{ confirmed: true }`; here the command's `answer` option
// receives exactly what the dialog would show (message, detail, buttons in order) and returns the choice.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PgoptApi } from '../../src/extension/main';
import type { ConfirmPrompt } from '../../src/extension/migrations/migrationsActions';
import type { MigrationNode } from '../../src/extension/migrations/migrationsView';
import { TEST_URL, api, workspaceUri, addTestConnection, disconnectAndForget, writeText, sql } from './hostSupport';

function entry(a: PgoptApi, version: string): Extract<MigrationNode, { kind: 'entry' }> {
  const n = a.migrationsTree.getChildren().find((x): x is Extract<MigrationNode, { kind: 'entry' }> => x.kind === 'entry' && x.entry.version === version);
  assert.ok(n, `entry ${version}`);
  return n;
}

/** The tooltip as text (MarkdownString.appendText escapes markdown and spaces). */
const tooltip = (item: vscode.TreeItem): string =>
  (typeof item.tooltip === 'string' ? item.tooltip : (item.tooltip?.value ?? '')).replace(/&nbsp;/g, ' ').replace(/\\([\\`*_{}[\]()#+\-.!|<>~])/g, '$1');

async function nothingApplied(): Promise<void> {
  const r = await sql(`SELECT to_regclass('public.gate_clean')::text AS clean, to_regclass('public.pgopt_migrations')::text AS tracking`);
  assert.deepEqual(r.rows, [{ clean: null, tracking: null }], 'nothing applied, no tracking table');
}

describe('Migrations lint gate', function () {
  this.timeout(120_000);
  const dir = (): vscode.Uri => workspaceUri('db', 'migrations');

  before(async () => {
    assert.ok(TEST_URL, 'PGOPT_TEST_URL must be set by the runner');
    await sql('DROP TABLE IF EXISTS gate_clean, gate_people, public.pgopt_migrations');
    await sql('CREATE TABLE gate_people (id bigint PRIMARY KEY, age int); INSERT INTO gate_people SELECT g, CASE WHEN g <= 11 THEN -g ELSE g END FROM generate_series(1, 16) g');
    await writeText(vscode.Uri.joinPath(dir(), '001_clean.sql'), 'CREATE TABLE gate_clean (id bigint PRIMARY KEY);\n');
    await writeText(vscode.Uri.joinPath(dir(), '002_age_check.sql'), '-- ages are never negative\nALTER TABLE gate_people\n  ADD CONSTRAINT gate_people_age CHECK (age >= 0);\n');
    await api();
    await addTestConnection('lint-gate-test');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(workspaceUri('db'), { recursive: true }).then(undefined, () => undefined);
    await disconnectAndForget();
    await sql('DROP TABLE IF EXISTS gate_clean, gate_people, public.pgopt_migrations');
  });

  it('each pending row shows its lint state: icon and count in the description, findings in the tooltip', async () => {
    const a = await api();
    await a.migrations.refresh();
    const bad = a.migrationsTree.getTreeItem(entry(a, '2'));
    assert.match(String(bad.description), /^pending · ✗ 1 lint error, ⚠ \d+ warnings?$/);
    assert.equal((bad.iconPath as vscode.ThemeIcon).id, 'error');
    assert.match(tooltip(bad), /✗ line 2 \S+: 11 rows of gate_people .*fail this CHECK/);
    assert.match(tooltip(bad), /⚠ line \d+ /);
    const clean = a.migrationsTree.getTreeItem(entry(a, '1'));
    assert.equal(clean.description, 'pending');
    assert.equal((clean.iconPath as vscode.ThemeIcon).id, 'circle-large-outline');
    assert.match(tooltip(clean), /Lint: clean \(with the live rules\)/);
  });

  it('Apply Up To Here: the confirmation lists the findings per migration, its default does not apply; cancelled, nothing runs', async () => {
    const a = await api();
    let seen: ConfirmPrompt | undefined;
    const result = await vscode.commands.executeCommand('pgopt.migrations.applyUpTo', entry(a, '2'), {
      answer: (p: ConfirmPrompt) => {
        seen = p;
        return undefined; // Cancel (Escape)
      },
    });
    assert.equal(result, undefined);
    assert.ok(seen, 'the confirmation was shown');
    assert.match(seen.message, /predicts that migration 2 age_check will fail \(1 error\)\. Apply 2 migrations on "lint-gate-test" .* anyway\?/);
    assert.notEqual(seen.buttons[0], 'Apply anyway', 'Enter does not apply');
    assert.ok(seen.buttons.includes('Apply anyway'), seen.buttons.join(', '));
    // Per migration: the arrow line with its counts, then its findings as file:line rule message.
    assert.match(seen.detail, /↑ 1 clean\n\n↑ 2 age_check — 1 error, \d+ warnings?\n {3}✗ db\/migrations\/002_age_check\.sql:2 \S+ 11 rows .*fail this CHECK/);
    await nothingApplied();

    // Skipping the confirmation does not skip the gate.
    assert.equal(await vscode.commands.executeCommand('pgopt.migrations.applyUpTo', entry(a, '2'), { confirmed: true }), undefined);
    await nothingApplied();
  });

  it('"Apply anyway" runs: the clean migration is applied and the CHECK fails exactly as predicted', async () => {
    const a = await api();
    const result = await vscode.commands.executeCommand<{ ok: boolean; done: { version: string }[]; failed?: { version: string; error: string } }>('pgopt.migrations.applyUpTo', entry(a, '2'), {
      answer: () => 'Apply anyway',
    });
    assert.ok(result, 'it ran');
    assert.equal(result.ok, false);
    assert.deepEqual(result.done.map((d) => d.version), ['1']);
    assert.equal(result.failed?.version, '2');
    assert.match(result.failed?.error ?? '', /violated by some row/);
  });
});
