// The streamed engine (the CLI: a chunk of statements parsed at a time, each tree dropped once linted, rules
// looking back through summaries and ahead through held findings) gives exactly the findings of the run that
// keeps every statement, and those of the editor's per-statement parse (a parse cache): on every rule example,
// every squawk conformance case, the workspace fixtures, fuzzed inputs, and all of them in one long file whose
// look-backs and look-aheads cross parser chunks.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lintText, loadParser, ParseCache } from '../../../src/core/lint/linter';
import { RULES } from '../../../src/core/lint/registry';
import type { LintOptions, Rule } from '../../../src/core/lint/types';
import { fuzzInputs } from './fuzzInputs';

before(async () => {
  await loadParser();
});

const ROOT = join(__dirname, '..', '..', '..', '..');

interface Fixture {
  name: string;
  sql: string;
  options: Partial<LintOptions>;
}

function fixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const r of RULES) {
    if (r.meta.needsConnection) continue;
    for (const [kind, list] of [['bad', r.meta.examples.bad], ['good', r.meta.examples.good]] as const) {
      list.forEach((e, i) => out.push({ name: `${r.meta.id} ${kind} #${i}`, sql: e.sql, options: e.options ?? {} }));
    }
  }
  const cases = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'squawk-conformance', 'cases.json'), 'utf8')) as { id: string; sql: string; options: Partial<LintOptions> }[];
  for (const c of cases) out.push({ name: `squawk ${c.id}`, sql: c.sql, options: c.options });
  const ws = join(ROOT, 'test', 'fixtures', 'workspace', 'migrations');
  for (const f of readdirSync(ws)) out.push({ name: f, sql: readFileSync(join(ws, f), 'utf8'), options: {} });
  return out;
}

/** Findings of the three ways to run: streamed, every statement kept, parse cache (per statement). */
function threeWays(sql: string, options: Partial<LintOptions>, rules?: readonly Rule[]): { streamed: unknown; kept: unknown; cached: unknown; statements: number } {
  const extra = rules ? { rules } : {};
  const streamed = lintText(sql, options, { ...extra, stream: true });
  const kept = lintText(sql, options, extra);
  const cached = lintText(sql, options, { ...extra, cache: new ParseCache() });
  assert.equal(streamed.statements.length, 0, 'a streamed run keeps no statement');
  assert.equal(streamed.statementCount, kept.statements.length);
  return { streamed: streamed.findings, kept: kept.findings, cached: cached.findings, statements: kept.statements.length };
}

function assertSame(name: string, sql: string, options: Partial<LintOptions>): void {
  const r = threeWays(sql, options);
  assert.deepEqual(r.streamed, r.kept, `${name}: streamed vs kept\n${sql}`);
  assert.deepEqual(r.cached, r.kept, `${name}: parse cache vs kept\n${sql}`);
  // Same JSON, key order included (the CLI prints it).
  assert.equal(JSON.stringify(r.streamed), JSON.stringify(r.kept), `${name}: JSON`);
}

test('streamed = kept = cached on every rule example, squawk case and workspace fixture', () => {
  const all = fixtures();
  assert.ok(all.length > 500, `fixtures: ${all.length}`);
  for (const f of all) {
    assertSame(f.name, f.sql, f.options);
    assertSame(`${f.name} (assume in transaction)`, f.sql, { ...f.options, assumeInTransaction: !f.options.assumeInTransaction });
  }
});

test('streamed = kept on all fixtures in one long file (look-backs and look-aheads across parser chunks, dbmate sections)', () => {
  const all = fixtures();
  // Three copies, so the file spans several parser chunks; the middle copy is a down section.
  const body = all.map((f) => `-- ${f.name.replace(/\n/g, ' ')}\n${f.sql.trim().replace(/;?$/, ';')}`).join('\n');
  const sql = `-- migrate:up\n${body}\n-- migrate:down\n${body}\n-- migrate:up\n${body}\nBEGIN;\nSELECT 1;\n`;
  for (const options of [{}, { assumeInTransaction: true }, { pgVersion: 11 }] as Partial<LintOptions>[]) {
    const r = threeWays(sql, options);
    assert.ok(r.statements > 1500, `statements: ${r.statements}`);
    assert.deepEqual(r.streamed, r.kept);
    assert.deepEqual(r.cached, r.kept);
    const ids = new Set((r.kept as { ruleId: string }[]).map((f) => f.ruleId));
    // The cross-statement rules have findings here, so the comparison covers them.
    for (const id of ['prefer-robust-stmts', 'ban-uncommitted-transaction', 'transaction-nesting', 'combine-alter-table', 'renaming-table', 'require-lock-timeout']) {
      if (options.assumeInTransaction && (id === 'prefer-robust-stmts' || id === 'ban-uncommitted-transaction')) continue;
      assert.ok(ids.has(id), `${id} has findings in the long file (${JSON.stringify(options)})`);
    }
    assert.ok(!ids.has('internal-error'));
  }
});

test('streamed = kept on 2,000 fuzzed inputs', () => {
  let n = 0;
  for (const input of fuzzInputs(2_000, 77)) {
    n++;
    const r = threeWays(input, n % 2 ? {} : { assumeInTransaction: true });
    assert.deepEqual(r.streamed, r.kept, `input #${n}\n${input}`);
  }
});

test('a rule that reads other statements\' trees fails when streamed (the comparison above would catch it)', () => {
  // A look-ahead written the old way: reads the whole file's statements.
  const peeking: Rule = {
    meta: { ...(RULES[0] as Rule).meta, id: 'peeking' },
    check(ctx) {
      if (ctx.file.statements.length > 1) ctx.report({ message: 'more than one statement' });
    },
  };
  const sql = 'ALTER TABLE a ADD COLUMN b int;\nALTER TABLE a ADD COLUMN c int;';
  const r = threeWays(sql, {}, [peeking]);
  assert.equal((r.kept as { ruleId: string }[]).filter((f) => f.ruleId === 'peeking').length, 2);
  assert.notDeepEqual(r.streamed, r.kept);
  assert.ok((r.streamed as { ruleId: string; message: string }[]).some((f) => f.ruleId === 'internal-error' && /file\.statements/.test(f.message)));
});

test('held findings: a look-ahead decided by a statement several parser chunks later', () => {
  const filler = Array.from({ length: 1500 }, (_, i) => `SELECT ${i};`).join('\n');
  // Statements that are no work (prefer-robust-stmts flags only a migration of more than one statement of work).
  const sets = Array.from({ length: 1500 }, (_, i) => `SET x = ${i};`).join('\n');
  // BEGIN never committed / committed 1,500 statements later; a renamed table with / without the view shim.
  const cases: [string, string, number][] = [
    ['ban-uncommitted-transaction', `BEGIN;\n${filler}`, 1],
    ['ban-uncommitted-transaction', `BEGIN;\n${filler}\nCOMMIT;`, 0],
    ['renaming-table', `ALTER TABLE a RENAME TO b;\n${filler}`, 1],
    ['renaming-table', `ALTER TABLE a RENAME TO b;\n${filler}\nCREATE VIEW a AS SELECT * FROM b;`, 0],
    ['adding-enum-value-in-transaction', `BEGIN;\nALTER TYPE s ADD VALUE 'x';\n${filler}\nUPDATE t SET s = 'x';\nCOMMIT;`, 1],
    ['adding-enum-value-in-transaction', `BEGIN;\nALTER TYPE s ADD VALUE 'x';\n${filler}\nCOMMIT;\nUPDATE t SET s = 'x';`, 0],
    ['prefer-robust-stmts', `ALTER TABLE a ADD COLUMN b int;\n${sets}`, 0],
    ['prefer-robust-stmts', `ALTER TABLE a ADD COLUMN b int;\n${sets}\nSELECT 1;`, 1],
  ];
  for (const [id, sql, count] of cases) {
    const rule = RULES.find((x) => x.meta.id === id) as Rule;
    const r = threeWays(sql, {}, [rule]);
    assert.deepEqual(r.streamed, r.kept, id);
    assert.equal((r.streamed as { ruleId: string }[]).filter((f) => f.ruleId === id).length, count, `${id}: ${sql.slice(0, 40)}…`);
  }
});
