// Guards the layering: the core and the protocol never import vscode; the CLI never reaches the extension
// or vscode; the webview imports only the protocol from src/; no import cycles anywhere, type-only imports
// included (importGraph.ts resolves them with TypeScript's own pre-processor).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { importCycles, importGraph, importSpecifiers, readSources, resolveImport } from './importGraph';

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

test('webview-ui reaches into src/ only through src/shared/protocol.ts', () => {
  const protocol = join(ROOT, 'src', 'shared', 'protocol.ts');
  const offenders: string[] = [];
  let viaProtocol = 0;
  for (const f of files(join(ROOT, 'webview-ui'))) {
    for (const spec of importSpecifiers(readFileSync(f, 'utf8'))) {
      if (spec === 'vscode') offenders.push(`${relative(ROOT, f)} -> vscode`);
      const target = resolveImport(f, spec);
      if (!target || !target.startsWith(join(ROOT, 'src'))) continue;
      if (target === protocol) viaProtocol++;
      else offenders.push(`${relative(ROOT, f)} -> ${relative(ROOT, target)}`);
    }
  }
  assert.ok(viaProtocol >= 2, `the report and plan webviews import the protocol (${viaProtocol} imports seen)`);
  assert.deepEqual(offenders, []);
});

test('src/cli reaches neither src/extension nor vscode, directly or through what it imports', () => {
  const graph = importGraph(readSources([join(ROOT, 'src')]));
  const extension = join(ROOT, 'src', 'extension');
  const offenders: string[] = [];
  const seen = new Set<string>();
  const queue = [...graph.keys()].filter((f) => f.startsWith(join(ROOT, 'src', 'cli')));
  assert.ok(queue.length > 10, `found ${queue.length} CLI files`);
  while (queue.length) {
    const f = queue.pop() as string;
    if (seen.has(f)) continue;
    seen.add(f);
    if (f.startsWith(extension)) offenders.push(relative(ROOT, f));
    if (importSpecifiers(readFileSync(f, 'utf8')).includes('vscode')) offenders.push(`${relative(ROOT, f)} -> vscode`);
    queue.push(...(graph.get(f) ?? []));
  }
  assert.deepEqual(offenders, []);
});

test('no import cycles in src/ or webview-ui/, type-only imports included', () => {
  const graph = importGraph(readSources([join(ROOT, 'src'), join(ROOT, 'webview-ui')]));
  assert.ok(graph.size > 100, `read ${graph.size} files`);
  const cycles = importCycles(graph).map((c) => c.map((f) => relative(ROOT, f).split('\\').join('/')));
  assert.deepEqual(cycles, []);
});

test('the cycle check sees a planted cycle, through type-only imports and typeof import() too', () => {
  const dir = join(ROOT, 'synthetic');
  const src = (name: string, text: string): [string, string] => [join(dir, `${name}.ts`), text];
  const acyclic = new Map([
    src('a', "import { b } from './b';\nexport const a = b;"),
    src('b', "// import { a } from './a'; (a comment, not an import)\nexport const b = 1; const s = \"import './a'\";"),
  ]);
  assert.deepEqual(importCycles(importGraph(acyclic)), []);
  const planted = new Map([
    src('loader', "type Heavy = typeof import('./heavy');\nexport const load = (): Heavy => require('./heavy');"),
    src('heavy', "export { Manager } from './manager';"),
    src('manager', "import type { load } from './loader';\nexport class Manager { l?: typeof load; }"),
    src('host', "import type { Provider } from './provider';\nexport class Host { p?: Provider; }"),
    src('provider', "import type {\n  Host,\n} from './host';\nexport class Provider { h?: Host; }"),
    src('self', "export type { T } from './self';\nexport type T = 1;"),
    src('leaf', "import { Manager } from './manager';\nexport const m = new Manager();"),
  ]);
  const cycles = importCycles(importGraph(planted)).map((c) => c.map((f) => relative(dir, f)));
  assert.deepEqual(cycles, [
    ['heavy.ts', 'loader.ts', 'manager.ts'],
    ['host.ts', 'provider.ts'],
    ['self.ts'],
  ]);
});

test('the tool version matches package.json', async () => {
  const { TOOL_VERSION } = await import('../../src/core/version');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(TOOL_VERSION, pkg.version);
});
