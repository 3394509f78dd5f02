// The Migrations view and its commands in a real host against the harness's Postgres: pending files show as
// pending, Apply All really applies them (a CONCURRENTLY index outside a transaction included) and records
// them, an edited applied file shows as drifted with a diff, Roll Back Last undoes the newest, and every
// write lands in the audit log.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { PgoptApi } from '../../src/extension/main';
import type { MigrationNode } from '../../src/extension/migrations/migrationsView';
import { EXTENSION_ID, TEST_URL, api, workspaceUri, addTestConnection, disconnectAndForget, writeText, sql } from './hostSupport';


function states(a: PgoptApi): string[] {
  return a.migrationsTree
    .getChildren()
    .filter((n): n is Extract<MigrationNode, { kind: 'entry' }> => n.kind === 'entry')
    .map((n) => `${n.entry.version}:${n.entry.state}`);
}

describe('Migrations view and runner commands', function () {
  this.timeout(120_000);
  const dir = (): vscode.Uri => workspaceUri('db', 'migrations');

  before(async () => {
    assert.ok(TEST_URL, 'PGOPT_TEST_URL must be set by the runner');
    await sql('DROP TABLE IF EXISTS mig_widgets, public.pgopt_migrations');
    await writeText(vscode.Uri.joinPath(dir(), '001_create_widgets.sql'), 'CREATE TABLE mig_widgets (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n');
    await writeText(vscode.Uri.joinPath(dir(), '002_add_note.sql'), 'ALTER TABLE mig_widgets ADD COLUMN note text;\n');
    await writeText(vscode.Uri.joinPath(dir(), '003_index_note.sql'), 'CREATE INDEX CONCURRENTLY mig_widgets_note ON mig_widgets (note);\n');
    const a = await api();
    await addTestConnection('migrations-test');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(workspaceUri('db'), { recursive: true }).then(undefined, () => undefined);
    await disconnectAndForget();
    await sql('DROP TABLE IF EXISTS mig_widgets, public.pgopt_migrations');
  });

  it('lists the files as pending, with the folder and format, and never creates the tracking table to do so', async () => {
    const a = await api();
    const s = await a.migrations.refresh();
    assert.equal(s?.dirLabel, 'db/migrations');
    assert.equal(s?.discovery?.format, 'plain');
    assert.deepEqual(states(a), ['1:pending', '2:pending', '3:pending']);
    assert.equal((await sql(`SELECT to_regclass('public.pgopt_migrations')::text AS t`)).rows[0]?.t, null, 'status is read-only');
  });

  it('Apply All applies every pending migration, records them and audits each write', async () => {
    const a = await api();
    const result = await vscode.commands.executeCommand<{ ok: boolean; done: { version: string }[] }>('pgopt.migrations.applyAll', undefined, { confirmed: true });
    assert.equal(result?.ok, true, JSON.stringify(result));
    assert.deepEqual(result.done.map((d) => d.version), ['1', '2', '3']);
    assert.deepEqual(states(a), ['1:applied', '2:applied', '3:applied']);
    const idx = await sql(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'mig_widgets_note'::regclass`);
    assert.equal(idx.rows[0]?.indisvalid, true);
    const rows = await sql('SELECT version, success FROM public.pgopt_migrations ORDER BY version');
    assert.deepEqual(rows.rows, [
      { version: '1', success: true },
      { version: '2', success: true },
      { version: '3', success: true },
    ]);
    const auditPath = vscode.Uri.joinPath(a.globalStorageUri, 'audit.jsonl').fsPath;
    assert.ok(existsSync(auditPath), auditPath);
    const audited = readFileSync(auditPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; version?: string; result: string; connection: string; sql: string });
    for (const v of ['1', '2', '3']) assert.ok(audited.some((r) => r.action === 'apply' && r.version === v && r.result === 'ok' && r.sql.length > 0), `audit for ${v}`);
    assert.ok(audited.every((r) => !/password=|:[^@/]*@/.test(r.connection)), 'no password in the audit log');
  });

  it('an applied file edited afterwards shows as drifted, with a diff editor', async () => {
    const a = await api();
    await writeText(vscode.Uri.joinPath(dir(), '002_add_note.sql'), 'ALTER TABLE mig_widgets ADD COLUMN note varchar(50);\n');
    await a.migrations.refresh();
    assert.deepEqual(states(a), ['1:applied', '2:drifted', '3:applied']);
    const drifted = a.migrationsTree.getChildren().find((n) => n.kind === 'entry' && n.entry.state === 'drifted');
    assert.ok(drifted && drifted.kind === 'entry');
    assert.match(drifted.entry.diff ?? '', /-ALTER TABLE mig_widgets ADD COLUMN note text;\n\+ALTER TABLE mig_widgets ADD COLUMN note varchar\(50\);/);
    await vscode.commands.executeCommand('pgopt.migrations.showDiff', drifted);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.match(tab?.label ?? '', /2 add_note: as applied ↔ file now/);
    await writeText(vscode.Uri.joinPath(dir(), '002_add_note.sql'), 'ALTER TABLE mig_widgets ADD COLUMN note text;\n');
  });

  it('Roll Back Last undoes the newest migration with generated down SQL; it shows as pending again', async () => {
    const a = await api();
    const result = await vscode.commands.executeCommand<{ ok: boolean; done: { version: string }[] }>('pgopt.migrations.rollbackLast', undefined, { confirmed: true });
    assert.equal(result?.ok, true, JSON.stringify(result));
    assert.deepEqual(result.done.map((d) => d.version), ['3']);
    assert.deepEqual(states(a), ['1:applied', '2:applied', '3:pending']);
    assert.equal((await sql(`SELECT to_regclass('mig_widgets_note')::text AS t`)).rows[0]?.t, null);
  });

  it('Trace Pending Migrations on the target is a write under the access policy: refused by an allow list without it', async () => {
    const policyFile = workspaceUri('pgopt.json');
    await writeText(policyFile, JSON.stringify({ policy: { allow: ['migrate-up'] } }));
    try {
      const refused = await vscode.commands.executeCommand('pgopt.migrations.trace', { where: 'target' });
      assert.equal(refused, undefined, 'no trace ran');
    } finally {
      await vscode.workspace.fs.delete(policyFile);
    }
  });

  it('Trace Pending Migrations runs the pending one on the target in a rolled-back transaction, shows its locks and audits it', async () => {
    const a = await api();
    const result = await vscode.commands.executeCommand<{ rolledBack: boolean; migrations: { version: string; statements: { locks: { mode: string; relation?: string }[] }[] }[] } | undefined>('pgopt.migrations.trace', { where: 'target' });
    assert.ok(result, 'a trace result');
    assert.equal(result.rolledBack, true);
    assert.deepEqual(result.migrations.map((m) => m.version), ['3']);
    const locks = result.migrations[0]?.statements.flatMap((s) => s.locks) ?? [];
    assert.ok(locks.some((l) => l.mode === 'SHARE UPDATE EXCLUSIVE' && /mig_widgets/.test(l.relation ?? '')), JSON.stringify(locks));
    assert.equal((await sql(`SELECT to_regclass('mig_widgets_note')::text AS t`)).rows[0]?.t, null, 'nothing kept');
    const tabs = (): string[] => vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label);
    for (let i = 0; i < 100 && !tabs().includes('Migration Lock Trace'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(tabs().includes('Migration Lock Trace'), tabs().join(', '));
    await a.migrations.refresh();
    assert.deepEqual(states(a), ['1:applied', '2:applied', '3:pending']);
    const audit = readFileSync(vscode.Uri.joinPath(a.globalStorageUri, 'audit.jsonl').fsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; version?: string; result: string; host?: string; sql: string });
    const traces = audit.filter((r) => r.action === 'trace-on-target');
    assert.deepEqual(traces.map((r) => `${r.result}:${r.host}:${r.version}`), ['ok:editor:3'], 'one record, for the trace that ran (the refused one wrote none)');
    assert.match(traces[0]?.sql ?? '', /CREATE INDEX CONCURRENTLY mig_widgets_note/);
  });
});
