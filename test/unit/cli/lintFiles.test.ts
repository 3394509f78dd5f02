// pgopt lint's file list: sorted and shown exactly as before its fast paths (one collator instead of
// localeCompare per pair; a file below the working directory shown without path.relative).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { displayPath, localeOrder, sortLocale } from '../../../src/cli/lintFiles';

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

test('localeOrder sorts as localeCompare does', () => {
  const names = ['b.sql', 'B.sql', 'a.sql', 'ä.sql', 'A_1.sql', 'a-1.sql', '10_x.sql', '9_x.sql', 'é.sql', 'e.sql', 'Z.sql', '_x.sql', 'db/001.sql', 'db/0001.sql', 'db2/a.sql', 'db-2/a.sql', 'db.2/a.sql'];
  for (let seed = 0; seed < 20; seed++) {
    const shuffled = names.map((n, i) => ({ n, k: (i * 7919 + seed * 104729) % 97 })).sort((x, y) => x.k - y.k).map((x) => x.n);
    assert.deepEqual([...shuffled].sort(localeOrder), [...shuffled].sort((a, b) => a.localeCompare(b)));
    assert.deepEqual(sortLocale([...shuffled]), [...shuffled].sort((a, b) => a.localeCompare(b)));
  }
});
