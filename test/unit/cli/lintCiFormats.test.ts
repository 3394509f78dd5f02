// pgopt lint for CI: GitHub workflow-command annotations, GitLab Code Quality JSON, --changed-since REF.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeGithubData, escapeGithubProperty, toGithub, toGitlab, type FileFindings } from '../../../src/cli/lintOutput';
import type { LintFinding } from '../../../src/core/lint/types';

const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'pgopt-ci-'));

function pgopt(args: string[], cwd = dir) {
  return spawnSync(process.execPath, [CLI, 'lint', ...args], { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, DATABASE_URL: '', PGHOST: '', PGDATABASE: '', PGUSER: '', PGPORT: '', PGSERVICE: '' } });
}

const finding = (over: Partial<LintFinding>): LintFinding => ({ ruleId: 'r', severity: 'warning', message: 'm', start: 0, end: 1, line: 0, column: 0, endLine: 0, endColumn: 1, ...over });

/** Decodes a workflow command the way the Actions runner does (toolkit command.ts, in reverse). */
function parseCommand(line: string): { level: string; props: Record<string, string>; message: string } {
  const m = /^::(\w+) ([^:]*)::(.*)$/.exec(line);
  assert.ok(m, `a workflow command: ${line}`);
  const unData = (s: string) => s.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
  const unProp = (s: string) => unData(s.replace(/%3A/g, ':').replace(/%2C/g, ','));
  const props = Object.fromEntries((m[2] as string).split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), unProp(kv.slice(kv.indexOf('=') + 1))]));
  return { level: m[1] as string, props, message: unData(m[3] as string) };
}

before(() => {
  mkdirSync(join(dir, 'db', 'migrations'), { recursive: true });
  writeFileSync(join(dir, 'db', 'migrations', '001_index.sql'), '-- é\nCREATE INDEX idx_users_email ON users (email);\n');
  writeFileSync(join(dir, 'db', 'migrations', '002_broken.sql'), 'SELECT 1;\nSELEC 2;\n');
});

test('github: escaping of %, CR, LF in the message and of : and , in properties round-trips', () => {
  assert.equal(escapeGithubData('100% done\r\nnext'), '100%25 done%0D%0Anext');
  assert.equal(escapeGithubProperty('a:b,c%'), 'a%3Ab%2Cc%25');
  const results: FileFindings[] = [
    { file: 'db/odd,name:1%.sql', findings: [finding({ severity: 'error', message: 'Line one: 50% of rows,\nline two', help: 'Do X', line: 2, column: 4, endLine: 2, endColumn: 10 })] },
    { file: 'db\\win.sql', findings: [finding({ severity: 'info', line: 0, column: 0, endLine: 3, endColumn: 2 })] },
  ];
  const lines = toGithub(results).split('\n');
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => !l.includes('\r')));
  const a = parseCommand(lines[0] as string);
  assert.equal(a.level, 'error');
  assert.deepEqual(a.props, { file: 'db/odd,name:1%.sql', line: '3', endLine: '3', col: '5', endColumn: '10', title: 'pgopt r' });
  assert.equal(a.message, 'Line one: 50% of rows,\nline two\nDo X');
  const b = parseCommand(lines[1] as string);
  assert.equal(b.level, 'notice');
  assert.deepEqual(b.props, { file: 'db/win.sql', line: '1', endLine: '4', title: 'pgopt r' }, 'multi-line spans carry no columns');
});

test('gitlab: Code Quality fields; fingerprints stable across line moves and unique per occurrence', () => {
  const mk = (line: number) => [{ file: 'a.sql', findings: [finding({ severity: 'error', ruleId: 'ban-drop-column', message: 'Drop', line }), finding({ severity: 'error', ruleId: 'ban-drop-column', message: 'Drop', line: line + 5 })] }];
  const issues = toGitlab(mk(0));
  assert.equal(issues.length, 2);
  for (const i of issues) {
    assert.deepEqual(Object.keys(i).sort(), ['categories', 'check_name', 'description', 'fingerprint', 'location', 'severity', 'type']);
    assert.equal(i.check_name, 'ban-drop-column');
    assert.equal(i.severity, 'critical');
    assert.match(i.fingerprint, /^[0-9a-f]{32}$/);
    assert.equal(i.location.path, 'a.sql');
  }
  assert.equal(issues[0]?.location.lines.begin, 1);
  assert.notEqual(issues[0]?.fingerprint, issues[1]?.fingerprint);
  assert.deepEqual(toGitlab(mk(10)).map((i) => i.fingerprint), issues.map((i) => i.fingerprint));
  assert.deepEqual(toGitlab([{ file: 'a.sql', findings: [finding({ severity: 'hint' }), finding({ severity: 'info' }), finding({ severity: 'warning' })] }]).map((i) => i.severity), ['info', 'minor', 'major']);
});

test('pgopt lint --format github and --format gitlab on real files', () => {
  const gh = pgopt(['db', '--format', 'github']);
  assert.equal(gh.status, 1, gh.stderr);
  const cmds = gh.stdout.trim().split('\n').map(parseCommand);
  const syntax = cmds.find((c) => c.props.title === 'pgopt syntax-error');
  assert.equal(syntax?.level, 'error');
  assert.equal(syntax?.props.file, 'db/migrations/002_broken.sql');
  assert.equal(syntax?.props.line, '2');
  const idx = cmds.find((c) => c.props.title === 'pgopt require-concurrent-index-creation');
  assert.equal(idx?.level, 'warning');
  assert.equal(idx?.props.line, '2');
  const gl = pgopt(['db', '--format', 'gitlab', '--out', join(dir, 'gl.json')]);
  assert.equal(gl.status, 1, gl.stderr);
  const issues = JSON.parse(execFileSync('cat', [join(dir, 'gl.json')], { encoding: 'utf8' })) as { check_name: string; location: { path: string; lines: { begin: number } } }[];
  assert.ok(issues.some((i) => i.check_name === 'syntax-error' && i.location.path === 'db/migrations/002_broken.sql' && i.location.lines.begin === 2));
  const bad = pgopt(['db', '--format', 'gitlab-ci']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--format must be one of text, json, sarif, github, gitlab/);
});

test('--changed-since REF lints only migrations added or changed since the ref, untracked included', () => {
  const repo = mkdtempSync(join(tmpdir(), 'pgopt-git-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: repo, encoding: 'utf8' });
  try {
    git('init', '-q');
    mkdirSync(join(repo, 'migrations'));
    writeFileSync(join(repo, 'migrations', '001_old.sql'), 'CREATE INDEX a ON t (x);\n');
    writeFileSync(join(repo, 'migrations', '002_edited.sql'), 'CREATE INDEX old ON t (q);\n');
    writeFileSync(join(repo, 'migrations', '003_deleted.sql'), 'SELECT 1;\n');
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    git('tag', 'base');
    writeFileSync(join(repo, 'migrations', '002_edited.sql'), 'CREATE INDEX old ON t (q);\nCREATE INDEX b ON t (y);\n');
    writeFileSync(join(repo, 'migrations', '004_committed.sql'), 'CREATE INDEX c ON t (z);\n');
    rmSync(join(repo, 'migrations', '003_deleted.sql'));
    git('add', '-A');
    git('commit', '-q', '-m', 'change');
    writeFileSync(join(repo, 'migrations', '005_untracked.sql'), 'CREATE INDEX d ON t (w);\n');
    const r = pgopt(['migrations', '--changed-since', 'base', '--format', 'json'], repo);
    assert.equal(r.status, 0, r.stderr);
    const files = [...new Set((JSON.parse(r.stdout) as { file: string }[]).map((f) => f.file))].sort();
    assert.deepEqual(files, ['migrations/002_edited.sql', 'migrations/004_committed.sql', 'migrations/005_untracked.sql']);
    // GitHub annotations only on the changed lines: 002's unchanged line 1 is linted (JSON) but not annotated.
    const gh = pgopt(['migrations', '--changed-since', 'base', '--format', 'github'], repo);
    const ann = gh.stdout.split('\n').filter((l) => l.startsWith('::') && l.includes('002_edited.sql'));
    assert.ok(ann.length > 0 && ann.every((l) => /,line=2,/.test(l)), gh.stdout);
    assert.ok(gh.stdout.split('\n').some((l) => l.includes('file=migrations/004_committed.sql,line=1,')), 'a new file is annotated whole');
    assert.ok((JSON.parse(r.stdout) as { file: string; line: number }[]).some((f) => f.file === 'migrations/002_edited.sql' && f.line === 1), 'JSON keeps the whole file');
    assert.match(gh.stderr, /on lines not changed since base are not annotated/);
    // Since HEAD: only the uncommitted (here: untracked) file.
    const sinceHead = pgopt(['migrations', '--changed-since', 'HEAD', '--format', 'json'], repo);
    assert.equal(sinceHead.status, 0, sinceHead.stderr);
    assert.deepEqual([...new Set((JSON.parse(sinceHead.stdout) as { file: string }[]).map((f) => f.file))], ['migrations/005_untracked.sql']);
    rmSync(join(repo, 'migrations', '005_untracked.sql'));
    const nothing = pgopt(['migrations', '--changed-since', 'HEAD'], repo);
    assert.equal(nothing.status, 0, nothing.stderr);
    assert.equal(nothing.stdout, '');
    assert.match(nothing.stderr, /no migration files added or changed since HEAD \(3 not changed\)/);
    const badRef = pgopt(['migrations', '--changed-since', 'no-such-ref'], repo);
    assert.equal(badRef.status, 2);
    assert.match(badRef.stderr, /"no-such-ref" is not a commit in this repository/);
    assert.doesNotMatch(badRef.stderr, /\n\s+at /);
    const plain = mkdtempSync(join(tmpdir(), 'pgopt-nogit-'));
    writeFileSync(join(plain, 'a.sql'), 'SELECT 1;\n');
    const notRepo = pgopt(['a.sql', '--changed-since', 'HEAD'], plain);
    assert.equal(notRepo.status, 2);
    assert.match(notRepo.stderr, /--changed-since: git rev-parse failed: not a git repository/);
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
});
