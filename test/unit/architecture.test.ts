// Guards the layering: the core and the protocol never import vscode; the webview imports only the
// protocol and the plain report model from src/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const importRe = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(importRe)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

test('src/core and src/shared never import vscode or the extension layer', () => {
  const offenders: string[] = [];
  for (const f of [...files(join(ROOT, 'src', 'core')), ...files(join(ROOT, 'src', 'shared'))]) {
    for (const i of importsOf(f)) if (i === 'vscode' || i.includes('/extension/')) offenders.push(`${relative(ROOT, f)} -> ${i}`);
  }
  assert.deepEqual(offenders, []);
});

test('webview-ui reaches into src/ only for the protocol and the report model', () => {
  const offenders: string[] = [];
  for (const f of files(join(ROOT, 'webview-ui'))) {
    for (const i of importsOf(f)) {
      if (i.startsWith('.') && i.includes('src/') && !/src\/(shared\/protocol|core\/report\/model)$/.test(i)) offenders.push(`${relative(ROOT, f)} -> ${i}`);
      if (i === 'vscode') offenders.push(`${relative(ROOT, f)} -> vscode`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('the tool version matches package.json', async () => {
  const { TOOL_VERSION } = await import('../../src/core/version');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(TOOL_VERSION, pkg.version);
});
