// Guards the activation bundle (dist/extension.js, entry src/extension/main.ts): following its run-time
// imports (not `import type`), followed through src/ (core included), must never reach a heavy dependency.
// Code that needs one belongs behind src/extension/heavy.ts, loaded on first use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const HEAVY_PACKAGES = ['zod', 'pg', 'libpg-query', 'jsonc-parser', 'picomatch', 'tinyglobby', 'dotenv', 'pg-connection-string', 'node-sqlite3-wasm', 'uplot'];

// `import x from`, `import { a } from`, `export { a } from`, bare `import 'x'`; `import type` / `export type` are skipped.
const importRe = /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(importRe)].map((m) => m[1] ?? '');
}

function resolveLocal(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return undefined;
}

test('the activation bundle imports no heavy dependency at run time', () => {
  const seen = new Set<string>();
  const offenders: string[] = [];
  const queue = [join(ROOT, 'src', 'extension', 'main.ts')];
  while (queue.length) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const rel = relative(ROOT, file);
    for (const spec of runtimeImports(file)) {
      if (spec.startsWith('.')) {
        const target = resolveLocal(file, spec);
        if (target) queue.push(target);
      } else if (HEAVY_PACKAGES.includes(spec.split('/')[0] ?? spec)) {
        offenders.push(`${rel} -> ${spec}`);
      }
    }
  }
  assert.ok(seen.size > 5, `walked ${seen.size} files`);
  assert.deepEqual(offenders, []);
});
