// The top-level `pgopt --help` is the one page people read: it must list every option of every command
// (each command's own --help is the source of truth) and every report section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ANALYZERS } from '../../../src/core/analyzers/registry';

const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');

function run(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
}

const options = (help: string): string[] => [...new Set(help.match(/--[a-z][a-z-]+/g) ?? [])].filter((o) => o !== '--help');

test('pgopt --help lists every option each command accepts, and every --sections value', () => {
  const top = run(['--help']);
  assert.equal(top.status, 0, top.stderr);
  for (const command of [['lint'], ['analyze'], ['advise'], ['migrate'], ['migrate', 'trace'], ['snapshot'], ['mcp'], ['audit']]) {
    const r = run([...command, '--help']);
    assert.equal(r.status, 0, `${command.join(' ')} --help: ${r.stderr}`);
    const own = options(r.stdout);
    assert.ok(own.length > 2, `${command.join(' ')} --help lists its options`);
    const lines = top.stdout.split(/\n(?=  pgopt )/).filter((l) => l.startsWith(`  pgopt ${command.join(' ')} `) || l.startsWith(`  pgopt ${command.join(' ')}|`));
    const block = lines.join('\n');
    assert.ok(block, `the top-level help has a line for pgopt ${command.join(' ')}`);
    const missing = own.filter((o) => !block.includes(o));
    assert.deepEqual(missing, [], `pgopt --help leaves out options of pgopt ${command.join(' ')}`);
  }
  for (const a of ANALYZERS) assert.ok(top.stdout.includes(a.id), `--sections value ${a.id} is listed`);
});

test('--version prints the package version; an unknown command is exit 2 with one sentence', () => {
  const v = run(['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
  const bad = run(['lnit']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown command "lnit"/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
});

test('the dispatcher (dist/cli.js) stays tiny and loads only Node built-ins: --help and --version never parse a command bundle', () => {
  const text = readFileSync(CLI, 'utf8');
  assert.ok(statSync(CLI).size < 20_000, `dist/cli.js is ${statSync(CLI).size} bytes`);
  const required = [...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1] as string);
  assert.deepEqual(required.filter((r) => !r.startsWith('node:') && !['url', 'path', 'fs'].includes(r)), []);
});
