// pgopt lint's file paths are shown exactly as before the fast path (a file below the working directory
// shown without path.relative).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { globSync } from 'tinyglobby';
import { displayPath, expandLintTargets, rootSorted, sortPaths, sqlFilesBelow } from '../../../src/cli/lintFiles';
import { lintSelection } from '../../../src/core/project/lintSelection';

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

const ALPHABET = [...'_-./0123456789abcdefghijklmnopqrstuvwxyz'];

test('sortPaths sorts as localeCompare does under an English or C locale, without ICU for the usual paths', () => {
  const en = new Intl.Collator('en-US').compare;
  const und = new Intl.Collator('und').compare;
  // Every string of one and two characters, and random ones, behind common prefixes of any kind.
  const short = [...ALPHABET, ...ALPHABET.flatMap((a) => ALPHABET.map((b) => a + b))];
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const random = Array.from({ length: 3000 }, () => Array.from({ length: rnd(12) }, () => ALPHABET[rnd(ALPHABET.length)]).join(''));
  for (const prefix of ['', '/tmp/lc/migrations/', '/home/Ünïcode Dir/DB/', 'db/migrations/0001_']) {
    for (const set of [short, random, ['0001_a.sql', '0001.sql', '0001-a.sql', '0001_a_b.sql', '00010.sql', '0001/a.sql', 'a.sql', '_.sql']]) {
      const paths = [...new Set(set.map((x) => prefix + x))];
      assert.ok(rootSorted(paths), 'the fast path applies');
      const got = sortPaths([...paths].reverse(), { LANG: 'C.UTF-8' });
      assert.deepEqual(got, [...paths].sort(en), `${prefix}: en-US`);
      assert.deepEqual(got, [...paths].sort(und), `${prefix}: root`);
      assert.deepEqual(sortPaths([...paths], {}), got);
    }
  }
});

test('sortPaths leaves other characters and other locales to localeCompare', () => {
  assert.equal(rootSorted(['db/A.sql', 'db/a.sql']), undefined);
  assert.equal(rootSorted(['db/é.sql', 'db/e.sql']), undefined);
  assert.equal(rootSorted(['db/a b.sql', 'db/a.sql']), undefined);
  assert.equal(rootSorted(['db/a,b.sql', 'db/a_b.sql']), undefined);
  assert.deepEqual(rootSorted(['x']), ['x']);
  assert.deepEqual(rootSorted(['/b.sql', 'a.sql', '/a/b.sql']), ['/a/b.sql', '/b.sql', 'a.sql']);
  assert.deepEqual(rootSorted(['/x/b.sql', '/y/a.sql', '/x/a/b.sql']), ['/x/a/b.sql', '/x/b.sql', '/y/a.sql']);
  assert.deepEqual(rootSorted(['/A/b/c_d.sql', '/A/b/c-d.sql', '/A/B/a.sql']), undefined, 'B vs b after the common folder');
  assert.deepEqual(rootSorted(['/Ü x/b/c_d.sql', '/Ü x/b/c-d.sql', '/Ü x/a.sql']), ['/Ü x/a.sql', '/Ü x/b/c_d.sql', '/Ü x/b/c-d.sql']);
  const mixed = ['db/B.sql', 'db/a.sql', 'db/A.sql', 'db/b.sql', 'db/é.sql', 'db/e.sql', 'db/_x.sql', 'db/aa.sql', 'db/z.sql'];
  assert.deepEqual(sortPaths([...mixed], { LANG: 'C.UTF-8' }), [...mixed].sort((x, y) => x.localeCompare(y)));
  // Danish sorts "aa" after "z": a locale that may tailor the order never takes the fast path.
  const spy = ['db/aa.sql', 'db/z.sql', 'db/ab.sql'];
  let calls = 0;
  const localeCompare = String.prototype.localeCompare;
  String.prototype.localeCompare = function (this: string, that: string): number {
    calls++;
    return localeCompare.call(this, that);
  };
  try {
    sortPaths([...spy], { LANG: 'da_DK.UTF-8' });
    assert.ok(calls > 0, 'da_DK: localeCompare');
    calls = 0;
    sortPaths([...spy], { LANG: 'C.UTF-8', LC_ALL: 'lt_LT.UTF-8' });
    assert.ok(calls > 0, 'LC_ALL=lt_LT: localeCompare');
    calls = 0;
    sortPaths([...spy], { LANG: 'en_US.UTF-8' });
    assert.equal(calls, 0, 'en_US: no localeCompare');
  } finally {
    String.prototype.localeCompare = localeCompare;
  }
});

test('sqlFilesBelow lists what tinyglobby does for a directory argument, or leaves it to tinyglobby', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pgopt-walk-'));
  const files = [
    'a.sql',
    'b.SQL',
    'c.sql.txt',
    '.hidden.sql',
    '.dir/x.sql',
    'db/.x.sql',
    'db/migrations/001 init.sql',
    'db/migrations/002_[x]*?{a,b}.sql',
    'db/migrations/003_é😀.sql',
    'db/node_modules/pkg/x.sql',
    'node_modules/y.sql',
    'deep/a/b/c/d/e.sql',
    'deep/a/node_modules_not/z.sql',
    'sql',
    '.sql',
  ];
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), 'select 1;');
  }
  mkdirSync(join(root, 'dir.sql'));
  mkdirSync(join(root, 'empty'));
  const ignore = ['**/node_modules/**'];
  const viaGlob = (dir: string): string[] => globSync(['**/*.sql'], { cwd: dir, ignore, absolute: true }).sort();
  for (const dir of [root, join(root, 'db'), join(root, 'db/node_modules'), join(root, 'empty')]) {
    const walked = sqlFilesBelow(dir, ignore);
    assert.ok(walked, dir);
    assert.deepEqual([...walked].sort(), viaGlob(dir), dir);
  }
  assert.equal(sqlFilesBelow(root, ['**/node_modules/**', 'db/**']), undefined, 'another exclude: tinyglobby');
  assert.equal(sqlFilesBelow(`${root}/`, ignore), undefined);
  // A symbolic link on the way: tinyglobby decides; expandLintTargets' answer is the same either way.
  const linked = mkdtempSync(join(tmpdir(), 'pgopt-walk-'));
  mkdirSync(join(linked, 'real'));
  writeFileSync(join(linked, 'real/x.sql'), 'select 1;');
  symlinkSync(join(linked, 'real'), join(linked, 'link'));
  symlinkSync(join(linked, 'real/x.sql'), join(linked, 'y.sql'));
  assert.equal(sqlFilesBelow(linked, ignore), undefined);
  const selection = lintSelection({ migrations: ['db/**/*.sql'], exclude: ignore });
  for (const dir of [root, linked]) {
    assert.deepEqual((await expandLintTargets([dir], selection)).files, viaGlob(dir).sort((x, y) => x.localeCompare(y)), dir);
  }
});
