// Writes the V8 code cache of `pgopt lint`'s bundles (dist/cli-lint.js.v8cache, dist/lint-engine.js.v8cache;
// src/cli/codeCache.ts reads them): the freshly built CLI lints a sample — every rule's documented examples
// (docs/rules/*.md) and the sample workspace's migrations — in JSON and in text, with PGOPT_V8_CACHE_WRITE=1, so
// that the functions a lint run calls are compiled in the cache. Made by this Node.js; another Node.js version
// rejects it and compiles from source as before.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BUNDLES = ['cli-lint.js', 'lint-engine.js'];

export function writeLintCodeCache(distDir, root = process.cwd()) {
  const dist = resolve(distDir);
  for (const b of BUNDLES) rmSync(join(dist, `${b}.v8cache`), { force: true });
  const work = mkdtempSync(join(tmpdir(), 'pgopt-v8cache-'));
  try {
    const docs = join(root, 'docs', 'rules');
    for (const f of readdirSync(docs).filter((x) => x.endsWith('.md'))) {
      const blocks = [...readFileSync(join(docs, f), 'utf8').matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]);
      blocks.forEach((sql, i) => writeFileSync(join(work, `${f.replace(/\.md$/, '')}-${i}.sql`), sql));
    }
    const ws = join(root, 'test', 'fixtures', 'workspace', 'migrations');
    if (existsSync(ws)) for (const f of readdirSync(ws).filter((x) => x.endsWith('.sql'))) copyFileSync(join(ws, f), join(work, `workspace-${f}`));
    // No database: the sample is linted offline (the live rules have their own bundle). PG* also drops the
    // PGOPT_* settings (PGOPT_LINT_V8_TUNING=0 would make a cache no default run accepts).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL' && !k.startsWith('PG')));
    env.PGOPT_V8_CACHE_WRITE = '1';
    for (const format of ['json', 'text']) {
      const r = spawnSync(process.execPath, [join(dist, 'cli.js'), 'lint', '--format', format, '--no-cache', '.'], { cwd: work, env, encoding: 'utf8', maxBuffer: 1 << 28 });
      // Exit 1: the examples have error findings, as they should.
      if (r.status !== 0 && r.status !== 1) throw new Error(`the V8 code cache's sample run failed (exit ${r.status}): ${(r.stderr || '').split('\n')[0]}`);
    }
    const missing = BUNDLES.filter((b) => !existsSync(join(dist, `${b}.v8cache`)));
    if (missing.length) throw new Error(`no V8 code cache was written for ${missing.join(', ')}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
