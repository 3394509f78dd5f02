// pgopt lint as CI runs it: a real process over real files.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'pgopt-lint-'));

function pgopt(args: string[], cwd = dir, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, 'lint', ...args], { cwd, encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 30, env: { ...process.env, ...env } });
}

before(() => {
  mkdirSync(join(dir, 'db', 'migrations', 'nested'), { recursive: true });
  writeFileSync(join(dir, 'db', 'migrations', '001_index.sql'), '-- é\nCREATE INDEX idx_users_email ON users (email);\n');
  writeFileSync(join(dir, 'db', 'migrations', 'nested', '002_broken.sql'), 'SELECT 1;\nSELEC 2;\n');
  writeFileSync(join(dir, 'clean.sql'), 'CREATE TABLE t (id bigint PRIMARY KEY);\n');
  writeFileSync(join(dir, 'empty.sql'), '');
  writeFileSync(join(dir, 'binary.sql'), Buffer.from([0x43, 0x00, 0x01, 0x02]));
});

test('text: file:line:col: severity rule message, 1-based; exit 1 on an error finding', () => {
  const r = pgopt(['db']);
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.ok(lines.some((l) => l.startsWith('db/migrations/001_index.sql:2:1: warning require-concurrent-index-creation ')), r.stdout);
  assert.ok(lines.some((l) => l.startsWith('db/migrations/nested/002_broken.sql:2:1: error syntax-error ')), r.stdout);
  assert.match(r.stderr, /2 file\(s\), 1 error\(s\)/);
});

test('warnings only: exit 0, unless --max-warnings is exceeded', () => {
  assert.equal(pgopt(['db/migrations/001_index.sql']).status, 0);
  const r = pgopt(['db/migrations/001_index.sql', '--max-warnings', '0']);
  assert.ok((pgopt(['db/migrations/001_index.sql', '--format', 'json']).stdout.match(/"severity": "warning"/g) ?? []).length > 0);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /exceed --max-warnings 0/);
});

test('json: an array with 1-based positions and the fix', () => {
  const r = pgopt(['db/migrations/001_index.sql', '--format', 'json']);
  const all = JSON.parse(r.stdout) as { file: string; line: number; column: number; endLine: number; endColumn: number; rule: string; fix?: unknown }[];
  const out = all.filter((f) => f.rule === 'require-concurrent-index-creation');
  assert.equal(out.length, 1);
  assert.deepEqual(
    { file: out[0]?.file, line: out[0]?.line, column: out[0]?.column, endLine: out[0]?.endLine, endColumn: out[0]?.endColumn, rule: out[0]?.rule },
    { file: 'db/migrations/001_index.sql', line: 2, column: 1, endLine: 2, endColumn: 46, rule: 'require-concurrent-index-creation' },
  );
  assert.ok(out[0]?.fix);
});

test('sarif: 2.1.0 log with rules and regions', () => {
  const r = pgopt(['db', '--format', 'sarif']);
  const log = JSON.parse(r.stdout) as { version: string; runs: { tool: { driver: { name: string; rules: { id: string }[] } }; results: { ruleId: string; ruleIndex: number; level: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
  assert.equal(log.version, '2.1.0');
  const run = log.runs[0];
  assert.ok(run);
  assert.equal(run.tool.driver.name, 'pgopt');
  for (const res of run.results) {
    assert.equal(run.tool.driver.rules[res.ruleIndex]?.id, res.ruleId, 'ruleIndex points at its rule');
    assert.ok(['error', 'warning', 'note'].includes(res.level));
    assert.ok((res.locations[0]?.physicalLocation.region.startLine ?? 0) >= 1);
  }
  const ids = new Set(run.results.map((x) => x.ruleId));
  assert.ok(ids.has('require-concurrent-index-creation') && ids.has('syntax-error'), [...ids].join(', '));
});

test('default targets come from pgopt.json lint.migrations; config errors exit 2 naming the key', () => {
  const proj = mkdtempSync(join(tmpdir(), 'pgopt-lint-cfg-'));
  mkdirSync(join(proj, 'sql'));
  writeFileSync(join(proj, 'sql', 'a.sql'), 'CREATE INDEX ON t (x);');
  writeFileSync(join(proj, 'pgopt.json'), JSON.stringify({ lint: { migrations: ['sql/*.sql'], rules: { 'require-concurrent-index-creation': 'error' } } }));
  const r = pgopt([], proj);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /sql\/a\.sql:1:1: error require-concurrent-index-creation/);
  writeFileSync(join(proj, 'pgopt.json'), JSON.stringify({ lint: { rules: { 'no-such-rule': 'error' }, pgVersion: 'fifteen' } }));
  const bad = pgopt([], proj);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /lint\.pgVersion/);
  writeFileSync(join(proj, 'pgopt.json'), JSON.stringify({ lint: { rules: { 'no-such-rule': 'error' } } }));
  const unknown = pgopt([], proj);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown rule "no-such-rule"/);
});

test('empty, binary and missing inputs have clear outcomes', () => {
  const empty = pgopt(['empty.sql', 'clean.sql']);
  assert.equal(empty.status, 0, empty.stderr);
  assert.equal(empty.stdout, '');
  const bin = pgopt(['binary.sql']);
  assert.equal(bin.status, 0);
  assert.match(bin.stdout, /binary\.sql:1:1: warning file-skipped Binary file/);
  const missing = pgopt(['nope/*.sql']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no such file, directory or glob match: nope\/\*\.sql/);
  const usage = pgopt(['--format', 'xml']);
  assert.equal(usage.status, 2);
});

test('a 10 MB file is linted to the end', () => {
  const stmt = "COMMENT ON TABLE orders IS 'revision $ of the orders table, kept for the audit trail';\n";
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < 10 * 1024 * 1024; i++) {
    const s = stmt.replace('$', String(i));
    parts.push(s);
    size += s.length;
  }
  parts.push('SELEC broken;\n');
  writeFileSync(join(dir, 'huge.sql'), parts.join(''));
  const r = pgopt(['huge.sql', '--format', 'json']);
  assert.equal(r.status, 1, r.stderr);
  const findings = JSON.parse(r.stdout) as { rule: string; line: number }[];
  const syntax = findings.find((f) => f.rule === 'syntax-error');
  assert.equal(syntax?.line, parts.length, 'the error on the last line was found');
});

test('worker threads (PGOPT_LINT_THREADS) give the same output, in the same order, as one thread', () => {
  const many = mkdtempSync(join(tmpdir(), 'pgopt-lint-many-'));
  for (let i = 0; i < 24; i++) {
    writeFileSync(join(many, `${String(i).padStart(3, '0')}.sql`), `CREATE INDEX i${i} ON t${i % 5} (x);\nALTER TABLE t${i % 5} DROP COLUMN c${i};\n${i % 7 === 0 ? 'SELEC;\n' : ''}`);
  }
  const one = pgopt([many, '--format', 'json'], dir, { PGOPT_LINT_THREADS: '1' });
  const two = pgopt([many, '--format', 'json'], dir, { PGOPT_LINT_THREADS: '2' });
  assert.equal(one.status, 1);
  assert.equal(two.status, 1);
  assert.ok((JSON.parse(one.stdout) as unknown[]).length > 24);
  assert.equal(two.stdout, one.stdout);
});

/**
 * Marks what a cache holds, keeping every byte offset: the rule id require-concurrent-index-creation in its
 * stored findings and stored output becomes upper case. A run that shows the upper-case id used the cache.
 */
const RULE = 'require-concurrent-index-creation';
function markCache(file: string): void {
  const buf = readFileSync(file);
  const from = Buffer.from(RULE);
  const to = Buffer.from(RULE.toUpperCase());
  let n = 0;
  for (let i = buf.indexOf(from); i >= 0; i = buf.indexOf(from, i + 1)) {
    to.copy(buf, i);
    n++;
  }
  assert.ok(n > 0, 'the cache holds the rule id');
  writeFileSync(file, buf);
}
const MARK = new RegExp(RULE.toUpperCase());

test('--cache: unchanged files reuse their findings, a changed file or other options are linted again, --no-cache ignores it', () => {
  const cdir = join(dir, 'cached');
  mkdirSync(cdir, { recursive: true });
  writeFileSync(join(cdir, 'a.sql'), 'CREATE INDEX idx_a ON a (x);\n');
  writeFileSync(join(cdir, 'b.sql'), 'CREATE TABLE b (id bigint PRIMARY KEY);\n');
  const first = pgopt(['a.sql', 'b.sql', '--format', 'json', '--cache'], cdir);
  assert.equal(first.status, 0, first.stderr);
  const cacheFile = join(cdir, '.pgopt', 'cache', 'lint.json');
  markCache(cacheFile);
  const second = pgopt(['a.sql', 'b.sql', '--format', 'json', '--cache'], cdir);
  assert.match(second.stdout, MARK);
  assert.equal(second.stdout.replace(MARK, RULE), first.stdout);
  // Another format: the stored findings (not the stored JSON) are reused, and printed in that format.
  const text = pgopt(['a.sql', 'b.sql', '--cache'], cdir);
  assert.match(text.stdout, /^a\.sql:1:1: warning REQUIRE-CONCURRENT-INDEX-CREATION /);
  // Changed content: linted again (no mark, the range follows the new text).
  writeFileSync(join(cdir, 'a.sql'), 'CREATE INDEX idx_changed ON a (x);\n');
  const third = pgopt(['a.sql', '--format', 'json', '--cache'], cdir);
  assert.doesNotMatch(third.stdout, MARK);
  const ends = (JSON.parse(third.stdout) as { rule: string; endColumn: number }[]).filter((f) => f.rule === RULE).map((f) => f.endColumn);
  assert.deepEqual(ends, ['CREATE INDEX idx_changed ON a (x)'.length + 1]);
  // The same length, one byte changed (the same size, maybe the same mtime): linted again.
  writeFileSync(join(cdir, 'a.sql'), 'CREATE INDEX idx_b ON a (x);\n');
  assert.doesNotMatch(pgopt(['a.sql', '--format', 'json', '--cache'], cdir).stdout, MARK);
  // Back to the first content: its (marked) entry is still there. --no-cache wins over --cache.
  writeFileSync(join(cdir, 'a.sql'), 'CREATE INDEX idx_a ON a (x);\n');
  assert.match(pgopt(['a.sql', '--format', 'json', '--cache'], cdir).stdout, MARK);
  assert.doesNotMatch(pgopt(['a.sql', '--format', 'json', '--cache', '--no-cache'], cdir).stdout, MARK);
  // Other options: another cache key, so nothing is reused (and --assume-in-transaction likewise).
  assert.doesNotMatch(pgopt(['a.sql', '--format', 'json', '--cache', '--pg-version', '14'], cdir).stdout, MARK);
  assert.doesNotMatch(pgopt(['a.sql', '--format', 'json', '--cache', '--assume-in-transaction'], cdir).stdout, MARK);
  // Another pgopt.json rule setting: another key.
  writeFileSync(join(cdir, 'pgopt.json'), JSON.stringify({ lint: { rules: { 'prefer-robust-stmts': 'off' } } }));
  assert.doesNotMatch(pgopt(['a.sql', '--format', 'json', '--cache'], cdir).stdout, MARK);
});

test('--cache: a hit prints byte for byte what a run without the cache prints, in every format, to stdout and --out', () => {
  const cdir = join(dir, 'cached-formats');
  mkdirSync(join(cdir, 'db', 'sub'), { recursive: true });
  writeFileSync(join(cdir, 'db', '001_é.sql'), '-- ≤ 🐘\nCREATE INDEX idx_users_email ON users (email);\nALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 1;\n');
  writeFileSync(join(cdir, 'db', 'sub', '002_broken.sql'), 'SELECT 1;\nSELEC 2;\n');
  writeFileSync(join(cdir, 'db', '003_bom.sql'), '\uFEFFCREATE INDEX i ON t (x);\r\nDROP TABLE x;\r\n');
  writeFileSync(join(cdir, 'db', '004_clean.sql'), 'SELECT 1;\n');
  writeFileSync(join(cdir, 'db', '005_empty.sql'), '');
  writeFileSync(join(cdir, 'db', '006_binary.sql'), Buffer.from([0x43, 0x00, 0x01]));
  const cache = join(cdir, 'c.json');
  const formats = ['text', 'json', 'sarif', 'github', 'gitlab'];
  const plain = Object.fromEntries(formats.map((f) => [f, pgopt(['db', '--format', f], cdir)]));
  for (const f of formats) assert.ok(plain[f]?.stdout.length, f);
  const plainOut = Object.fromEntries(
    formats.map((f) => {
      const out = join(cdir, `plain.${f}`);
      pgopt(['db', '--format', f, '--out', out], cdir);
      return [f, readFileSync(out, 'utf8')];
    }),
  );
  // Each format first from an empty cache, then from the same cache (the other formats' entries in it), twice.
  for (const round of [1, 2, 3]) {
    for (const f of formats) {
      const r = pgopt(['db', '--format', f, '--cache', '--cache-location', cache], cdir);
      const want = plain[f];
      assert.ok(want);
      assert.equal(r.status, want.status, `${f}, round ${round}`);
      assert.equal(r.stdout, want.stdout, `${f}, round ${round}`);
      assert.equal(r.stderr, want.stderr, `${f}, round ${round}`);
      const out = join(cdir, `out.${f}`);
      pgopt(['db', '--format', f, '--cache', '--cache-location', cache, '--out', out], cdir);
      assert.equal(readFileSync(out, 'utf8'), plainOut[f], `--out ${f}, round ${round}`);
    }
  }
  // From another directory the paths differ: the stored output is not reused for them, the findings are.
  const fromDb = pgopt(['.', '--format', 'json', '--cache', '--cache-location', cache], join(cdir, 'db'));
  assert.equal(fromDb.stdout, pgopt(['.', '--format', 'json'], join(cdir, 'db')).stdout);
  assert.match(fromDb.stdout, /"file": "001_é.sql"/);
});

test('--cache: a damaged, truncated or foreign cache file is ignored (the files are linted) and replaced', () => {
  const cdir = join(dir, 'cached-damaged');
  mkdirSync(cdir, { recursive: true });
  writeFileSync(join(cdir, 'a.sql'), 'CREATE INDEX idx_a ON a (x);\nDROP TABLE t;\n');
  const cache = join(cdir, 'c.json');
  const want = pgopt(['a.sql', '--format', 'json'], cdir).stdout;
  const run = () => pgopt(['a.sql', '--format', 'json', '--cache', '--cache-location', cache], cdir);
  assert.equal(run().stdout, want);
  const good = readFileSync(cache);
  const nl = good.indexOf(10, good.indexOf(10) + 1);
  const damaged: [string, Buffer][] = [
    ['truncated blob', good.subarray(0, nl + 5)],
    ['truncated index', good.subarray(0, nl - 3)],
    ['old layout', Buffer.from(JSON.stringify({ key: 'x', strings: [], entries: {} }))],
    ['not JSON', Buffer.from('pgopt-lint-cache/2\n{oops\n')],
    ['empty', Buffer.alloc(0)],
  ];
  for (const [label, bytes] of damaged) {
    writeFileSync(cache, bytes);
    const r = run();
    assert.equal(r.status, 0, `${label}: ${r.stderr}`);
    assert.equal(r.stdout, want, label);
    assert.doesNotMatch(r.stderr, /Error|at /, label);
  }
  // The index itself damaged (slices past the end, wrong types): still the right output.
  const header = JSON.parse(good.subarray(good.indexOf(10) + 1, nl).toString('utf8')) as { key: string; entries: Record<string, { f: unknown; n: unknown; r?: Record<string, [string, unknown]> }> };
  for (const e of Object.values(header.entries)) {
    e.f = [1e9, 10];
    for (const r of Object.values(e.r ?? {})) r[1] = [1e9, 10];
  }
  writeFileSync(cache, Buffer.concat([good.subarray(0, good.indexOf(10) + 1), Buffer.from(`${JSON.stringify(header)}\n`), good.subarray(nl + 1)]));
  assert.equal(run().stdout, want, 'slices out of range');
  assert.equal(run().stdout, want, 'rewritten');
});

test('--cache with every file a hit loads neither the engine bundle nor the parser', () => {
  const cdir = join(dir, 'cached-lazy');
  mkdirSync(cdir, { recursive: true });
  writeFileSync(join(cdir, 'a.sql'), 'CREATE INDEX idx_a ON a (x);\n');
  // Records every module the process loads (the engine is dist/lint-engine.js, the parser libpg-query's .wasm):
  // plain requires through the hook, the lint bundles (loaded with their V8 code cache, codeCache.ts) from the
  // lines PGOPT_V8_CACHE_DEBUG prints (the parser is inside the engine bundle).
  const hook = join(cdir, 'hook.js');
  const log = join(cdir, 'loaded.txt');
  writeFileSync(
    hook,
    `const M = require('module'); const fs = require('fs'); const orig = M._load;
     M._load = function (req, ...a) { fs.appendFileSync(${JSON.stringify(log)}, req + '\\n'); return orig.call(this, req, ...a); };`,
  );
  const run = () => {
    writeFileSync(log, '');
    const r = pgopt(['a.sql', '--format', 'json', '--cache'], cdir, { NODE_OPTIONS: `--require ${hook}`, PGOPT_V8_CACHE_DEBUG: '1' });
    assert.equal(r.status, 0, r.stderr);
    return `${readFileSync(log, 'utf8')}${r.stderr}`;
  };
  const cold = run();
  assert.match(cold, /lint-engine\.js/, 'the first run lints, so it loads the engine');
  const warm = run();
  assert.match(warm, /cli-lint\.js/);
  assert.doesNotMatch(warm, /lint-engine|libpg-query/, warm);
});

test('no paths: the same files as the editor, a marker-only file outside the globs included; a BOM pgopt.json is read', async () => {
  const { projectFromText } = await import('../../../src/core/project/project');
  const proj = mkdtempSync(join(tmpdir(), 'pgopt-lint-sel-'));
  const cic = 'CREATE INDEX i ON t (x);\n';
  const files: Record<string, string> = {
    'db/migrations/001_index.sql': cic,
    'sql/20260101000000_dbmate.sql': `-- migrate:up\n${cic}-- migrate:down\nDROP INDEX i;\n`,
    'scripts/report.sql': cic,
    'vendor/20260101000001_dep.sql': `-- migrate:up\n${cic}`,
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(proj, rel, '..'), { recursive: true });
    writeFileSync(join(proj, rel), text);
  }
  const config = `{"lint": {"exclude": ["vendor/**"], "rules": {"require-concurrent-index-creation": "error"}}}`;
  writeFileSync(join(proj, 'pgopt.json'), `\uFEFF${config}`);
  const r = pgopt(['--format', 'json'], proj);
  assert.equal(r.status, 1, r.stderr);
  const findings = JSON.parse(r.stdout) as { file: string; severity: string; rule: string }[];
  const linted = [...new Set(findings.map((f) => f.file))].sort();
  assert.deepEqual(linted, ['db/migrations/001_index.sql', 'sql/20260101000000_dbmate.sql']);
  // The editor's per-document decision (LintHost.isMigration) over the same project agrees file by file.
  const selection = projectFromText(proj, { path: join(proj, 'pgopt.json'), text: config }).lint.selection;
  for (const [rel, text] of Object.entries(files)) assert.equal(selection.isMigration(rel, text), linted.includes(rel), rel);
  assert.equal(findings.filter((f) => f.rule === 'require-concurrent-index-creation' && f.severity === 'error').length, 2, 'the BOM pgopt.json\'s rules apply');
});
