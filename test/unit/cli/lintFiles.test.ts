// pgopt lint's file paths are shown exactly as before the fast path (a file below the working directory
// shown without path.relative).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { displayPath } from '../../../src/cli/lintFiles';

/** What displayPath answered with path.relative alone. */
function viaRelative(file: string, cwd: string): string {
  const r = relative(cwd, file);
  return r.startsWith('..') ? file : r || join('.', file);
}

test('displayPath answers as path.relative does, for plain and odd paths', () => {
  const cwds = ['/work/proj', '/work/proj/', '/', '/work'];
  const files = [
    '/work/proj/a.sql',
    '/work/proj/db/migrations/001_é.sql',
    '/work/proj',
    '/work/proj/',
    '/work/projX/a.sql',
    '/work/proj/../other/a.sql',
    '/work/proj/./a.sql',
    '/work/proj/db//a.sql',
    '/work/proj/db/./a.sql',
    '/work/proj/db/../a.sql',
    '/work/proj/..a.sql',
    '/work/proj/...sql',
    '/work/proj/.hidden/a.sql',
    '/work/proj/db/.',
    '/work/proj/db/..',
    '/work/proj/db/',
    '/work/other/a.sql',
    '/a.sql',
  ];
  for (const cwd of cwds) for (const f of files) assert.equal(displayPath(f, cwd), viaRelative(f, cwd), `${f} from ${cwd}`);
});
