// The extension is found, activates in a real host, and registers its commands.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './hostSupport';


describe('activation', () => {
  it('the extension is installed in the host', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} not found among ${vscode.extensions.all.length} extensions`);
  });

  it('activates without error', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} not found`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('registers pgopt.showHealthReport', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('pgopt.showHealthReport'), 'command pgopt.showHealthReport is not registered');
  });

  it('the extension host sees the test database URL (PGOPT_TEST_URL)', () => {
    const url = process.env.PGOPT_TEST_URL;
    assert.ok(url && /^postgres(ql)?:\/\//.test(url), `PGOPT_TEST_URL is ${JSON.stringify(url)}`);
  });
});
