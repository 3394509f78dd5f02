// What every host test needs: the extension's API, the harness database URL, SQL on it, a connection to it and
// its removal, workspace paths and files, and a polling wait (tests poll, never sleep for a fixed time).
import * as assert from 'node:assert/strict';
import pg from 'pg';
import * as vscode from 'vscode';
import type { PgoptApi } from '../../src/extension/main';

export const EXTENSION_ID = 'pgopt.postgres-optimizer';
export const TEST_URL = process.env.PGOPT_TEST_URL ?? '';

export async function api(): Promise<PgoptApi> {
  const ext = vscode.extensions.getExtension<PgoptApi>(EXTENSION_ID);
  assert.ok(ext, 'extension present');
  return ext.activate();
}

/** A connection of the test's own to the harness database (the caller ends it). */
export async function connectTest(): Promise<pg.Client> {
  if (!TEST_URL) throw new Error('PGOPT_TEST_URL must be set by the runner');
  const c = new pg.Client({ connectionString: TEST_URL });
  await c.connect();
  return c;
}

/** Runs SQL on the harness database (a connection of its own, closed after). */
export async function sql(text: string): Promise<pg.QueryResult> {
  const c = await connectTest();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

/** Adds a connection named `name` to the harness database with the extension's command and connects to it. */
export async function addTestConnection(name: string): Promise<void> {
  const r = await vscode.commands.executeCommand<{ ok: boolean; message?: string }>('pgopt.addConnection', { name, url: TEST_URL });
  assert.equal(r?.ok, true, r?.message);
}

/** Disconnects and removes the connections the test added (user settings). */
export async function disconnectAndForget(): Promise<void> {
  await vscode.commands.executeCommand('pgopt.disconnect');
  await vscode.workspace.getConfiguration('pgopt').update('connections', undefined, vscode.ConfigurationTarget.Global);
}

export const writeText = (uri: vscode.Uri, text: string): Thenable<void> => vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));

export function workspaceUri(...segments: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the runner opens the fixture workspace');
  return vscode.Uri.joinPath(folder.uri, ...segments);
}

/** Polls `probe` until it returns something other than undefined/false. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    last = v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Asks the code-server runner (run-host-tests.ts) for a screenshot of the workbench as it is now, saved as
 * test-results/host-<name>.png, and waits until it is written. `collapse`: side-bar view titles collapsed
 * for the shot (and opened again after); `webviewOpen`: a CSS selector in the report webview whose section is
 * opened and scrolled to (titles and selectors without spaces). Resolves to its path, or undefined under a
 * runner that takes none (desktop VS Code).
 */
export async function screenshot(name: string, opts: { collapse?: string[]; webviewOpen?: string } = {}): Promise<string | undefined> {
  const dir = process.env.PGOPT_HOST_SCREENSHOTS;
  if (!dir) return undefined;
  const { existsSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const file = join(dir, `host-${name}.png`);
  rmSync(file, { force: true });
  const collapse = opts.collapse?.length ? ` collapse:${opts.collapse.join('|')}` : '';
  const webview = opts.webviewOpen ? ` webview-open:${opts.webviewOpen}` : '';
  console.log(`${process.env.PGOPT_HOST_LOG_MARKER ?? ''}@@screenshot ${name}${collapse}${webview}`);
  return waitFor(`screenshot ${file}`, () => existsSync(file) && file, 30_000);
}
