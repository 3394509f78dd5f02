// Injected into CommonJS bundles: ESM dependencies (e.g. fdir under tinyglobby) call
// createRequire(import.meta.url), which esbuild leaves empty in CJS output.
export const importMetaUrl = require('url').pathToFileURL(__filename).href;
