// The V8 code cache of pgopt lint's bundles (src/cli/codeCache.ts) is an optimisation only: a bundle loaded with
// it behaves as a plain require, V8 takes the cache only when it was made from the same text under the same flags,
// and every other case (edited bundle of the same length, damaged file, other flags) compiles from source. Each
// case runs in a child process (this file again, PGOPT_CODE_CACHE_CHILD set), as a pgopt run would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { codeCacheUsed, requireBundle, writeCodeCaches } from '../../../src/cli/codeCache';

interface ChildOut {
  used: boolean | undefined;
  value: unknown;
  error?: string;
}

const child = process.env.PGOPT_CODE_CACHE_CHILD;
if (child) {
  const file = process.env.PGOPT_CODE_CACHE_FILE as string;
  if (process.env.PGOPT_CODE_CACHE_FLAGS) setFlagsFromString(process.env.PGOPT_CODE_CACHE_FLAGS);
  let out: ChildOut;
  try {
    const mod = requireBundle(file) as { value(): unknown };
    const again = requireBundle(file);
    const value = mod.value();
    out = { used: codeCacheUsed(file), value: again === mod ? value : 'a second instance' };
    if (child === 'write') writeCodeCaches();
  } catch (e) {
    // Loading it again must fail again, not hand out the exports of the first, half-run attempt.
    let again = 'threw again';
    try {
      requireBundle(file);
      again = 'half-loaded exports';
    } catch {
      // expected
    }
    out = { used: codeCacheUsed(file), value: again, error: (e as Error).message };
  }
  process.stdout.write(JSON.stringify(out));
} else {
  const run = (mode: 'write' | 'read', file: string, flags?: string): ChildOut => {
    const env: NodeJS.ProcessEnv = { ...process.env, PGOPT_CODE_CACHE_CHILD: mode, PGOPT_CODE_CACHE_FILE: file };
    if (flags) env.PGOPT_CODE_CACHE_FLAGS = flags;
    const r = spawnSync(process.execPath, [__filename], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as ChildOut;
  };
  // A bundle like esbuild's: requires a builtin, reads __dirname and __filename, exports through module.exports.
  const bundle = (n: number, shebang = false): string =>
    `${shebang ? '#!/usr/bin/env node\n' : ''}const { basename } = require('node:path');\n` +
    `function work(k) { let s = 0; for (let i = 0; i < k; i++) s += i % 7; return s; }\n` +
    `module.exports = { value: () => [${n}, basename(__filename), typeof __dirname, work(100)] };\n`;

  let WORK = 0;
  for (let i = 0; i < 100; i++) WORK += i % 7;
  const fresh = (text: string): { dir: string; file: string } => {
    const dir = mkdtempSync(join(tmpdir(), 'pgopt-codecache-'));
    const file = join(dir, 'bundle.js');
    writeFileSync(file, text);
    return { dir, file };
  };

  test('a bundle loads as a plain require, writes its cache, and the next process uses it', () => {
    const { dir, file } = fresh(bundle(1));
    try {
      const first = run('write', file);
      assert.deepEqual(first, { used: false, value: [1, 'bundle.js', 'string', WORK] });
      assert.ok(existsSync(`${file}.v8cache`), 'the cache was written');
      assert.match(readFileSync(`${file}.v8cache`, 'latin1').split('\n')[0] ?? '', /^pgopt-v8cache\/1 v\d+\.\d+\.\d+ \w+ \d+$/);
      assert.deepEqual(run('read', file), { used: true, value: [1, 'bundle.js', 'string', WORK] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an edited bundle of the same length never gets the old cache (V8 itself checks only the length)', () => {
    const { dir, file } = fresh(bundle(1));
    try {
      run('write', file);
      writeFileSync(file, bundle(2));
      assert.deepEqual(run('read', file), { used: false, value: [2, 'bundle.js', 'string', WORK] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a damaged cache or other V8 flags: compiled from source, same result', () => {
    const { dir, file } = fresh(bundle(3, true));
    try {
      assert.deepEqual(run('write', file), { used: false, value: [3, 'bundle.js', 'string', WORK] });
      assert.deepEqual(run('read', file), { used: true, value: [3, 'bundle.js', 'string', WORK] }, 'a shebang line is fine');
      // Flags that change compiled code: V8 rejects the cache.
      assert.deepEqual(run('read', file, '--interrupt-budget=12345'), { used: false, value: [3, 'bundle.js', 'string', WORK] });
      const raw = readFileSync(`${file}.v8cache`);
      // Header line, the bundle's bytes, then V8's data: V8's data damaged, V8 itself rejects it.
      const header = raw.indexOf(10) + 1 + readFileSync(file).length;
      const damaged = Buffer.from(raw);
      for (let i = header; i < damaged.length; i += 7) damaged[i] = (damaged[i] as number) ^ 0x5a;
      writeFileSync(`${file}.v8cache`, damaged);
      assert.deepEqual(run('read', file), { used: false, value: [3, 'bundle.js', 'string', WORK] });
      writeFileSync(`${file}.v8cache`, raw.subarray(0, header + 10));
      assert.deepEqual(run('read', file), { used: false, value: [3, 'bundle.js', 'string', WORK] });
      writeFileSync(`${file}.v8cache`, 'not a cache');
      assert.deepEqual(run('read', file), { used: false, value: [3, 'bundle.js', 'string', WORK] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a bundle that throws while loading is not left half-loaded', () => {
    const { dir, file } = fresh(`module.exports.value = () => 1;\nthrow new Error('broken bundle');\n`);
    try {
      const r = run('read', file);
      assert.equal(r.error, 'broken bundle');
      assert.equal(r.value, 'threw again');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
