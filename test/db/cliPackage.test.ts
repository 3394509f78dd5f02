// The installable CLI as a user gets it: `npm run pack:cli` → tarball → `npm i ./pgopt-x.y.z.tgz` in an empty
// folder (offline: the package must have no dependencies) → `npx pgopt …` against the harness server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { runCompositeAction } from '../harness/actionRunner';
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
function npx(args: string[], extraEnv: Record<string, string> = {}) {
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && k !== 'DATABASE_URL' && !k.startsWith('npm_'))), ...extraEnv };
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
  assert.deepEqual(files.filter((f) => !/\.(js|wasm|json)$/.test(f) && !/^(cli-lint|lint-engine)\.js\.v8cache$/.test(f)), [], 'no source maps, sources or tests');
  assert.ok(files.includes('cli-lint.js.v8cache') && files.includes('lint-engine.js.v8cache'), "the lint command's V8 code cache (codeCache.ts)");
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
  const r = npx(['lint', 'migrations', '--format', 'json'], { PGOPT_V8_CACHE_DEBUG: '1' });
  assert.equal(r.status, 1, r.stderr);
  // Packed by this Node.js, so V8 takes the packed code cache.
  assert.match(r.stderr, /V8 code cache for \S+lint-engine\.js: used/, r.stderr);
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

test('pgopt mcp from the install: the bundled MCP server answers the SDK client (start-up time reported)', async (t) => {
  const bin = join(home, 'node_modules', 'pgopt', 'dist', 'cli.js');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('PG') && k !== 'DATABASE_URL')) as Record<string, string>;
  const client = new Client({ name: 'pkg-test', version: '0.0.0' });
  const started = performance.now();
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [bin, 'mcp', '--url', db.url], env, stderr: 'pipe' }));
  t.diagnostic(`installed pgopt mcp: spawn + initialize ${(performance.now() - started).toFixed(0)} ms`);
  try {
    assert.equal((await client.listTools()).tools.length, 6);
    const h = await client.callTool({ name: 'health', arguments: {} });
    assert.equal(h.isError, undefined);
  } finally {
    await client.close();
  }
});

// The GitHub Action (action.yml + scripts/action.sh) run step by step like the runner, installing the packed CLI.
function actionEnv(): Record<string, string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && k !== 'DATABASE_URL' && !k.startsWith('npm_') && !k.startsWith('GITHUB_'))) as Record<string, string>;
  return { ...env, npm_config_offline: 'true' };
}

test('action.yml, annotations: workflow commands for the findings, the report as job summary, the job fails on lint errors', () => {
  const ws = mkdtempSync(join(tmpdir(), 'pgopt-ws-'));
  mkdirSync(join(ws, 'db', 'migrations'), { recursive: true });
  writeFileSync(join(ws, 'db', 'migrations', '001.sql'), 'CREATE INDEX i ON t (a);\nSELEC 1;\n');
  const run = runCompositeAction(ROOT, { inputs: { package: tarball, paths: 'db/migrations', analyze: 'true', 'database-url': db.url, sections: 'health' }, workspace: ws, env: actionEnv() });
  const [install, lint, upload, analyze, finish] = run.steps;
  assert.equal(install?.exitCode, 0, install?.stderr);
  assert.equal(lint?.exitCode, 0, `lint step passes so the rest runs: ${lint?.stderr}`);
  assert.match(lint?.stdout ?? '', /^::error file=db\/migrations\/001\.sql,line=2,endLine=2,col=1,endColumn=\d+,title=pgopt syntax-error::/m);
  assert.match(lint?.stdout ?? '', /^::warning file=db\/migrations\/001\.sql,line=1,.*title=pgopt require-concurrent-index-creation::/m);
  assert.equal(upload?.ran, false, 'no SARIF upload for annotations');
  assert.equal(analyze?.exitCode, 0, analyze?.stderr);
  assert.match(run.summary, /Cache hit ratio/);
  assert.equal(finish?.exitCode, 1);
  assert.match(finish?.stdout ?? '', /::error title=pgopt::migration lint failed \(exit 1\)/);
  assert.equal(run.outputs['lint-exit-code'], '1');
  assert.ok(run.failed);
});

test('action.yml, sarif: the SARIF file goes to upload-sarif; clean migrations pass; a bad option fails at the lint step', () => {
  const ws = mkdtempSync(join(tmpdir(), 'pgopt-ws-'));
  mkdirSync(join(ws, 'migrations'), { recursive: true });
  writeFileSync(join(ws, 'migrations', '001.sql'), 'CREATE TABLE t (id bigint PRIMARY KEY);\n');
  const run = runCompositeAction(ROOT, { inputs: { package: tarball, format: 'sarif' }, workspace: ws, env: actionEnv() });
  assert.equal(run.failed, false, run.steps.map((s) => s.stderr).join('\n'));
  const upload = run.steps.find((s) => s.uses);
  assert.match(upload?.uses ?? '', /^github\/codeql-action\/upload-sarif@v\d+$/);
  assert.equal(upload?.with?.sarif_file, run.outputs['sarif-file']);
  const sarif = JSON.parse(readFileSync(upload?.with?.sarif_file ?? '', 'utf8')) as { version: string; runs: { tool: { driver: { name: string } } }[] };
  assert.equal(sarif.version, '2.1.0');
  assert.equal(sarif.runs[0]?.tool.driver.name, 'pgopt');
  assert.equal(run.outputs['lint-exit-code'], '0');
  const bad = runCompositeAction(ROOT, { inputs: { package: tarball, 'pg-version': 'latest' }, workspace: ws, env: actionEnv() });
  assert.ok(bad.failed);
  assert.equal(bad.steps[1]?.exitCode, 2);
  assert.match(bad.steps[1]?.stderr ?? '', /--pg-version must be a major version/);
});

test('.pre-commit-hooks.yaml: the hook selects migration files and its entry lints them with the installed pgopt', () => {
  const hooks = yaml.load(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as { id: string; entry: string; language: string; files: string }[];
  const hook = hooks.find((h) => h.id === 'pgopt-lint');
  assert.ok(hook);
  const files = new RegExp(hook.files);
  const staged = ['db/migrations/001.sql', 'src/migrations/002.sql', 'schema/dump.sql', 'app/migrate/003.sql'];
  assert.deepEqual(staged.filter((f) => files.test(f)), ['db/migrations/001.sql', 'src/migrations/002.sql', 'app/migrate/003.sql']);
  mkdirSync(join(home, 'db', 'migrations'), { recursive: true });
  writeFileSync(join(home, 'db', 'migrations', '001.sql'), 'ALTER TABLE t DROP COLUMN c;\nSELEC 1;\n');
  const [cmd, ...args] = hook.entry.split(' ');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && k !== 'DATABASE_URL' && !k.startsWith('npm_')));
  const r = spawnSync(cmd as string, [...args, 'db/migrations/001.sql'], { cwd: home, encoding: 'utf8', env, timeout: 120_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /db\/migrations\/001\.sql:1:1: warning ban-drop-column/);
  assert.match(r.stdout, /db\/migrations\/001\.sql:2:1: error syntax-error/);
});
