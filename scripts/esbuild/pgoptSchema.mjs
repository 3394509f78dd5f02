// pgopt.schema.json (package.json jsonValidation, and the CLI package) from the zod schemas: bundle the generator
// in memory and run it, so the schema never drifts from the run-time validation. Used by esbuild.mjs and
// scripts/pack-cli.mjs. `dir` must hold libpg-query.wasm (the generator loads every lint rule).
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export async function generatePgoptSchema(nodeBuildOptions, dir) {
  const { outputFiles } = await esbuild.build({ ...nodeBuildOptions, sourcemap: false, minify: false, write: false, entryPoints: ['scripts/pgopt-json-schema.ts'], outfile: join(dir, 'pgopt-json-schema.js') });
  const mod = { exports: {} };
  const file = join(dir, 'pgopt-json-schema.js');
  try {
    new Function('module', 'exports', 'require', '__filename', '__dirname', outputFiles[0].text)(mod, mod.exports, createRequire(file), file, dir);
    return `${JSON.stringify(mod.exports.pgoptJsonSchema(), null, 2)}\n`;
  } catch (e) {
    // It loads the config schemas and every lint rule: a rule module that throws on load fails here first.
    throw new Error(`generating pgopt.schema.json (scripts/pgopt-json-schema.ts) failed: ${e?.stack ?? e}`);
  }
}
