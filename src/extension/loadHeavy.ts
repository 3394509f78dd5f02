// Loads dist/extension-heavy.js on first use. A computed path keeps esbuild from inlining it into the
// activation bundle; the types still come from heavy.ts.
import { join } from 'node:path';

type Heavy = typeof import('./heavy');
let cached: Heavy | undefined;

export function loadHeavy(): Heavy {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cached ??= require(join(__dirname, 'extension-heavy.js')) as Heavy;
  return cached;
}

/** The heavy bundle if something already loaded it (disposal must not load it just to find nothing). */
loadHeavy.loaded = (): Heavy | undefined => cached;
