// Loads dist/extension-heavy.js. A computed path keeps esbuild from inlining it into the activation
// bundle; the types still come from heavy.ts. The extension context (ctx.ts) calls it on first use and
// keeps the result: modules that the heavy bundle itself imports never import this file (that would be
// an import cycle through heavy.ts); they get what they need from the heavy side passed in.
import { join } from 'node:path';

export type Heavy = typeof import('./heavy');

export function requireHeavy(): Heavy {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(__dirname, 'extension-heavy.js')) as Heavy;
}
