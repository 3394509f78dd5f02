// Errors a user can cause without a database, from the built CLI: one line on stderr, exit 2, no stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'pgopt-cli-errors-'));
writeFileSync(join(dir, 'a.sql'), 'CREATE TABLE t (id bigint PRIMARY KEY);\n');

function pgopt(args: string[]) {
  const env = { ...process.env };
  delete env.PGOPT_DEBUG;
  return spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, env });
}

function oneLine(r: { status: number | null; stderr: string }, re: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr.trim(), re);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

test('a folder as --out or --config is one sentence, exit 2 (was EISDIR with a stack)', () => {
  oneLine(pgopt(['lint', 'a.sql', '--out', dir]), /^pgopt: --out .* is a folder: give a file name, e\.g\. --out .*report\.txt$/);
  oneLine(pgopt(['lint', 'a.sql', '--config', dir]), /^pgopt: config file .* is a folder: pass the pgopt\.json file itself$/);
  oneLine(pgopt(['analyze', '--url', 'postgres://x@127.0.0.1:1/db', '--out', join(dir, 'missing', 'r.html')]), /the folder .*missing does not exist/);
});

test('PGOPT_DEBUG=1 adds the stack under the sentence', () => {
  const r = spawnSync(process.execPath, [CLI, 'lint', 'a.sql', '--out', dir], { cwd: dir, encoding: 'utf8', env: { ...process.env, PGOPT_DEBUG: '1' } });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^pgopt: --out .* is a folder/);
  assert.match(r.stderr, /\n\s+at /);
});
