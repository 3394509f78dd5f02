// The installable CLI as a user gets it: `npm run pack:cli` → tarball → `npm i ./pgopt-x.y.z.tgz` in an empty
// folder (offline: the package must have no dependencies) → `npx pgopt …` against the harness server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

const ROOT = join(__dirname, '..', '..', '..');
let db: TestPostgres;
const home = mkdtempSync(join(tmpdir(), 'pgopt-pkg-'));
let tarball = '';

function du(path: string): number {
  const st = statSync(path);
  return st.isDirectory() ? readdirSync(path).reduce((n, e) => n + du(join(path, e)), 0) : st.size;
}

/** npx inside the install folder, with no PG* / DATABASE_URL from the test environment. */
function npx(args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && k !== 'DATABASE_URL' && !k.startsWith('npm_')));
  return spawnSync('npx', ['--no-install', 'pgopt', ...args], { cwd: home, encoding: 'utf8', env, timeout: 120_000 });
}

before(async () => {
  db = await startTestPostgres();
  const out = execFileSync('npm', ['run', '--silent', 'pack:cli'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  tarball = out.trim().split('\n').at(-1) ?? '';
  writeFileSync(join(home, 'package.json'), '{ "name": "consumer", "private": true }\n');
  execFileSync('npm', ['i', '--offline', '--no-audit', '--no-fund', tarball], { cwd: home, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
});
after(async () => {
  await db?.stop();
  rmSync(home, { recursive: true, force: true });
});

test('the tarball is the pgopt package: same version as the extension, a bin, no dependencies, only run-time files', (t) => {
  assert.match(tarball, /pgopt-\d+\.\d+\.\d+\.tgz$/);
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const pkgDir = join(home, 'node_modules', 'pgopt');
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(pkg.version, root.version);
  assert.deepEqual(pkg.bin, { pgopt: 'dist/cli.js' });
  assert.equal(pkg.dependencies, undefined);
  assert.equal(pkg.devDependencies, undefined);
  assert.equal(pkg.private, undefined);
  const files = readdirSync(join(pkgDir, 'dist')).sort();
  assert.ok(files.includes('libpg-query.wasm') && files.includes('node-sqlite3-wasm.wasm') && files.includes('pgopt.schema.json'), files.join(' '));
  assert.deepEqual(files.filter((f) => !/\.(js|wasm|json)$/.test(f)), [], 'no source maps, sources or tests');
  assert.deepEqual(readdirSync(join(home, 'node_modules')).filter((d) => !d.startsWith('.')), ['pgopt'], 'nothing else installed');
  assert.match(readFileSync(join(pkgDir, 'README.md'), 'utf8'), /npm i -D pgopt/);
  t.diagnostic(`tarball ${(statSync(tarball).size / 1024 / 1024).toFixed(2)} MB; installed ${(du(pkgDir) / 1024 / 1024).toFixed(2)} MB`);
});

test('npx pgopt --version and --help from the install (help time reported, not asserted)', (t) => {
  const v = npx(['--version']);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stdout.trim(), (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  const bin = join(home, 'node_modules', 'pgopt', 'dist', 'cli.js');
  const started = process.hrtime.bigint();
  const h = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.equal(h.status, 0);
  assert.match(h.stdout, /pgopt lint/);
  t.diagnostic(`node node_modules/pgopt/dist/cli.js --help: ${ms.toFixed(0)} ms`);
});

test('npx pgopt lint <dir> lints with the bundled parser; exit 1 on an error finding', () => {
  mkdirSync(join(home, 'migrations'), { recursive: true });
  writeFileSync(join(home, 'migrations', '001.sql'), 'CREATE INDEX i ON t (a);\nSELEC 1;\n');
  const r = npx(['lint', 'migrations', '--format', 'json']);
  assert.equal(r.status, 1, r.stderr);
  const rules = (JSON.parse(r.stdout) as { rule: string }[]).map((f) => f.rule);
  assert.ok(rules.includes('require-concurrent-index-creation') && rules.includes('syntax-error'), rules.join(' '));
});

test('npx pgopt analyze --url against a real server; pgopt snapshot uses the bundled SQLite', () => {
  const r = npx(['analyze', '--url', db.url, '--sections', 'health', '--format', 'markdown']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Cache hit ratio/);
  const s = npx(['snapshot', '--url', db.url, '--store', join(home, 'snap.db')]);
  assert.equal(s.status, 0, s.stderr);
  const bad = npx(['analyze', '--url', 'postgres://nobody@127.0.0.1:1/none', '--connect-timeout', '2']);
  assert.equal(bad.status, 2);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
});
