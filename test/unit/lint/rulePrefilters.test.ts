// The rules' cheap pre-filters must never hide a finding. Rule.kinds lets the engine skip a rule's check on
// statements of other kinds: that is only right when the check could not have reported anything there, so every
// such rule is called on statements of every other kind directly (a report or a throw fails), and a wide sample
// is linted with and without the filter, which must give the same findings (the same comparison covers
// Rule.summarizeKinds, which ignoreRuleKinds turns off too). identifier-too-long tokenizes a
// statement only when mayHoldLongName says it can hold a name over 63 bytes: checked against the tokenizer.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateMigration, Rng } from '../../../bench/lintCorpus';
import { lintText, loadParser } from '../../../src/core/lint/linter';
import { mayHoldLongName, nameRunOverLimit } from '../../../src/core/lint/rules/identifier-too-long';
import { assignmentNodeKinds, forEachAssigningNode, mayHoldAssignments } from '../../../src/core/lint/rules/ban-duplicate-column-assignments';
import { walk } from '../../../src/core/lint/ast';
import { identifierTokens } from '../../../src/core/sql/textScan';
import { RULES } from '../../../src/core/lint/registry';
import type { FileState, LintOptions, ParsedStatement, RuleContext } from '../../../src/core/lint/types';
import squawkCases from '../../fixtures/squawk-conformance/cases.json';
import { fuzzInputs } from './fuzzInputs';

const cases = squawkCases as { sql: string; options: { pgVersion?: number; assumeInTransaction?: boolean } }[];

/** Every SQL text the rules' examples and squawk's cases hold, plus generated migrations. */
function sample(): { sql: string; options: Partial<LintOptions> }[] {
  const out: { sql: string; options: Partial<LintOptions> }[] = [];
  for (const r of RULES) for (const e of [...r.meta.examples.bad, ...r.meta.examples.good]) out.push({ sql: e.sql, options: e.options ?? {} });
  for (const c of cases) out.push({ sql: c.sql, options: c.options });
  const rng = new Rng(11);
  for (let i = 0; i < 40; i++) out.push({ sql: generateMigration(rng, 20), options: i % 2 ? { assumeInTransaction: true } : {} });
  for (const sql of fuzzInputs(400, 7)) out.push({ sql, options: {} });
  return out;
}

// Opt-in rules switched on too, so that every rule runs.
const ALL_ON: Record<string, 'warning'> = Object.fromEntries(RULES.map((r) => [r.meta.id, 'warning' as const]));

before(async () => {
  await loadParser();
});

test('a rule with kinds reports nothing and does not throw on a statement of another kind', () => {
  const statements: ParsedStatement[] = [];
  for (const { sql } of sample()) for (const s of lintText(sql).statements) statements.push(s);
  const kindsSeen = new Set(statements.map((s) => s.kind));
  assert.ok(kindsSeen.size >= 25, `a varied sample (${kindsSeen.size} statement kinds)`);
  const withKinds = RULES.filter((r) => r.kinds);
  assert.ok(withKinds.length >= 20, 'most single-kind rules declare their kinds');
  for (const rule of withKinds) {
    for (const stmt of statements) {
      if (rule.kinds?.includes(stmt.kind)) continue;
      for (const inTransaction of [false, true]) {
        const ctx: RuleContext = {
          stmt,
          file: {
            options: { pgVersion: 15, assumeInTransaction: inTransaction, rules: {} },
            isNewTable: () => false,
            inTransaction,
            lockTimeoutSet: false,
            statementTimeoutSet: false,
            accessExclusiveHeld: undefined,
            statements: [stmt],
          },
          report: (r) => assert.fail(`${rule.meta.id} declares kinds ${rule.kinds?.join(', ')} but reported on a ${stmt.kind}: ${r.message}\n${stmt.text}`),
          fileOffset: (loc) => stmt.start + loc,
          hold: (r) => assert.fail(`${rule.meta.id} declares kinds ${rule.kinds?.join(', ')} but held a finding on a ${stmt.kind}: ${r.message}\n${stmt.text}`),
          release: () => assert.fail(`${rule.meta.id} released a finding on a ${stmt.kind}`),
        };
        rule.check(ctx);
      }
    }
  }
});

test('a summarize step declared for some kinds changes no file state on other kinds', () => {
  // Each such rule's summarize, called on statements of every other kind, must leave the run's state as it was:
  // the per-run memo (a Map on a private slot of FileState) is compared before and after.
  // (An empty collection made on first use counts as nothing recorded.)
  const flat = (v: unknown): unknown => (v instanceof Map || v instanceof Set ? [...v] : v);
  const empty = (v: unknown): boolean => Array.isArray(v) && v.length === 0;
  const snapshot = (file: object): string =>
    JSON.stringify(Object.getOwnPropertySymbols(file).flatMap((k) => [...((file as Record<symbol, Map<string, unknown>>)[k] ?? new Map())].map(([key, v]) => [key, flat(v)]).filter(([, v]) => !empty(v))));
  for (const rule of RULES.filter((r) => r.summarizeKinds && r.summarize)) {
    for (const { sql, options } of sample()) {
      const run = lintText(sql, { ...options, rules: ALL_ON }, { ignoreRuleKinds: true });
      for (const stmt of run.statements) {
        if (rule.summarizeKinds?.includes(stmt.kind)) continue;
        const file = { options: { ...options }, isNewTable: () => false, inTransaction: false, lockTimeoutSet: false, statementTimeoutSet: false, accessExclusiveHeld: undefined, statements: run.statements } as unknown as FileState;
        const before = snapshot(file);
        const ctx: RuleContext = {
          stmt,
          file,
          report: (r) => assert.fail(`${rule.meta.id} summarize reported on a ${stmt.kind}: ${r.message}`),
          fileOffset: (loc) => stmt.start + loc,
          hold: (r) => assert.fail(`${rule.meta.id} summarize held a finding on a ${stmt.kind}: ${r.message}`),
          release: () => assert.fail(`${rule.meta.id} summarize released a finding on a ${stmt.kind}`),
        };
        rule.summarize?.(ctx);
        assert.equal(snapshot(file), before, `${rule.meta.id} declares summarizeKinds ${rule.summarizeKinds?.join(', ')} but its summarize recorded something on a ${stmt.kind}\n${stmt.text}`);
      }
    }
  }
});

test('the kinds filter changes no finding (examples, squawk cases, generated and mutated migrations)', () => {
  let findings = 0;
  for (const { sql, options } of sample()) {
    for (const pgVersion of [options.pgVersion ?? 15, 10]) {
      const o: Partial<LintOptions> = { ...options, pgVersion, rules: ALL_ON };
      const filtered = lintText(sql, o).findings;
      const every = lintText(sql, o, { ignoreRuleKinds: true }).findings;
      assert.deepEqual(filtered, every, sql);
      findings += every.length;
    }
  }
  assert.ok(findings > 1000, `the sample produces findings (${findings})`);
});

test('ban-duplicate-column-assignments: the text pre-check is true wherever the tree holds a node the rule looks at', () => {
  let holding = 0;
  let skipped = 0;
  const extra = ['WITH u AS (UPDATE t SET a = 1, a = 2 RETURNING *) SELECT * FROM u;', 'SELECT a, a INTO TEMP x FROM t;', 'EXPLAIN CREATE TABLE x (a, a) AS SELECT 1, 2;', 'PREPARE p AS INSERT INTO t (a, a) VALUES (1, 2);'];
  for (const sql of [...extra, ...sample().map((s) => s.sql)]) {
    for (const stmt of lintText(sql).statements) {
      if (assignmentNodeKinds(stmt.node).length === 0) {
        if (!mayHoldAssignments(stmt.text)) skipped++;
        continue;
      }
      holding++;
      assert.ok(mayHoldAssignments(stmt.text), `the pre-check skips a statement that holds ${assignmentNodeKinds(stmt.node).join(', ')}:\n${stmt.text}`);
    }
  }
  assert.ok(holding >= 100 && skipped >= 100, `statements on both sides (${holding} holding, ${skipped} skipped)`);
});

test('ban-duplicate-column-assignments: the nodes it acts on are those of a whole walk, even where it looks at the own node only', () => {
  const acted = new Set(['UpdateStmt', 'InsertStmt', 'MergeStmt', 'ViewStmt', 'CreateTableAsStmt', 'CreateStmt', 'CreateForeignTableStmt']);
  const matters = (kind: string, n: Record<string, unknown>): boolean => acted.has(kind) || (kind === 'SelectStmt' && !!n.intoClause);
  const extra = [
    'CREATE TABLE t (a int DEFAULT (SELECT 1), a int);',
    'CREATE TABLE t (a int CHECK (a IN (WITH u AS (UPDATE x SET b = 1, b = 2 RETURNING b) SELECT b FROM u)));',
    'CREATE SCHEMA s CREATE TABLE t (a int, a int);',
    'EXPLAIN CREATE TABLE x (a, a) AS SELECT 1, 2;',
    'CREATE FOREIGN TABLE f (a int, a int) SERVER s;',
    'CREATE INDEX i ON t (a) WHERE a > (SELECT 1);',
    'ALTER TABLE t ADD COLUMN created_at int;',
  ];
  let ownOnly = 0;
  for (const sql of [...extra, ...sample().map((s) => s.sql)]) {
    for (const stmt of lintText(sql).statements) {
      const full = walk(stmt.node).filter(([k, n]) => matters(k, n)).map(([, n]) => n);
      const seen: Record<string, unknown>[] = [];
      forEachAssigningNode(stmt.node, stmt.text, stmt.kind, (k, n) => {
        if (matters(k, n)) seen.push(n);
      });
      assert.equal(seen.length, full.length, stmt.text);
      for (let i = 0; i < full.length; i++) assert.equal(seen[i], full[i], stmt.text);
      if (/^(CreateStmt|IndexStmt|AlterTableStmt)$/.test(stmt.kind) && !/update|insert|merge|view|into/i.test(stmt.text)) ownOnly++;
    }
  }
  assert.ok(ownOnly >= 100, `statements that take the short way (${ownOnly})`);
});

test('identifier-too-long: the pre-check answers as its character loop does (the ASCII shortcut included)', () => {
  // What mayHoldLongName answered on every statement without a double quote before the ASCII shortcut: the
  // character loop (nameRunOverLimit), then the 16-in-a-row check.
  const loop = (text: string): boolean => nameRunOverLimit(text) && /[^\s(),;.]{16,}|"[^"]{16,}/.test(text);
  const runs = ['a'.repeat(63), 'a'.repeat(64), `${'Z9_$'.repeat(16)}`, `${'x'.repeat(40)}.${'y'.repeat(40)}`, `${'x'.repeat(40)}-${'y'.repeat(40)}`, `é${'a'.repeat(61)}`, `é${'a'.repeat(62)}`];
  const inputs = [...runs.map((r) => `ALTER TABLE t ADD COLUMN ${r} int;`), ...sample().map((s) => s.sql)];
  let longOnes = 0;
  for (const t of inputs) {
    // With a double quote the pre-check now looks for a long quoted run first (the next test checks it is never
    // false where the tokenizer finds a long name, quoted or not).
    if (t.includes('"')) continue;
    const want = loop(t);
    if (want) longOnes++;
    assert.equal(mayHoldLongName(t), want, t);
  }
  assert.ok(longOnes >= 4, `inputs on both sides (${longOnes})`);
});

test('identifier-too-long: the pre-check is true wherever the tokenizer finds a name over 63 bytes', () => {
  const long = (t: string): boolean => identifierTokens(t).some((k) => Buffer.byteLength(k.value) > 63);
  const a64 = 'a'.repeat(64);
  const crafted = [
    `CREATE INDEX ${a64} ON t (c);`,
    `CREATE INDEX ${'a'.repeat(63)} ON t (c);`,
    `ALTER TABLE t ADD COLUMN ${'é'.repeat(32)} int;`, // 32 characters, 64 bytes
    `ALTER TABLE t ADD COLUMN ${'€'.repeat(22)} int;`, // 22 characters, 66 bytes
    `ALTER TABLE t ADD COLUMN ${'😀'.repeat(16)} int;`, // 16 code points, 64 bytes
    `ALTER TABLE t ADD COLUMN x${'\u00a0'.repeat(70)}y int;`, // no-break spaces are name characters to Postgres (and \\s to both pre-checks)
    `ALTER TABLE t ADD COLUMN "${'b'.repeat(70)}" int;`,
    `ALTER TABLE t ADD COLUMN "${'b'.repeat(30)}""${'b'.repeat(40)}" int;`,
    `ALTER TABLE t ADD COLUMN "${'b'.repeat(62)}""" int;`, // 63 characters with the quote: not over the limit
    `ALTER TABLE t ADD COLUMN "${'b'.repeat(63)}""" int;`, // 64
    `ALTER TABLE t ADD COLUMN "${'b'.repeat(64)}" int;`,
    `ALTER TABLE t ADD COLUMN "${'b'.repeat(63)}" int;`,
    `ALTER TABLE t ADD COLUMN "${'€'.repeat(22)}" int;`, // 66 bytes
    `ALTER TABLE t ADD COLUMN "${'€'.repeat(21)}" int;`, // 63 bytes
    `ALTER TABLE t ADD COLUMN "${'€'.repeat(10)} ${'€'.repeat(11)}" int;`, // 22 characters, 64 bytes, a space inside
    `ALTER TABLE t ADD COLUMN "${'😀'.repeat(16)}" int;`, // 64 bytes
    `ALTER TABLE "${'b'.repeat(20)}" ADD COLUMN ${'c'.repeat(64)} int;`, // quoted short, unquoted long
    `ALTER TABLE "é" ADD COLUMN ${'ü'.repeat(32)} int;`, // non-ASCII unquoted long beside a quoted name
    `ALTER TABLE t ADD COLUMN "${'b'.repeat(70)}`, // unclosed
    `ALTER TABLE "Document" ADD CONSTRAINT "Document_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;`,
    `CREATE UNIQUE INDEX "VerificationToken_identifier_token_key_and_a_much_longer_suffix_here" ON "VerificationToken"("identifier", "token");`,
    `COMMENT ON COLUMN t.c IS 'say "${'q'.repeat(80)}"';`,
    `SELECT $1${'x'.repeat(80)};`,
    `SELECT 1e${'9'.repeat(80)};`,
    `COMMENT ON TABLE t IS '${'c'.repeat(100)}';`,
  ];
  let positives = 0;
  const inputs = [...crafted, ...sample().map((s) => s.sql)];
  // The pre-check it replaced (kept inside mayHoldLongName, so the findings stay exactly as they were).
  const before = (t: string): boolean => /[^\s(),;.]{16,}|"[^"]{16,}/.test(t);
  for (const t of inputs) {
    if (!long(t)) continue;
    positives++;
    assert.equal(mayHoldLongName(t), before(t), `the pre-check decides differently from before on a name over 63 bytes:\n${t}`);
  }
  assert.ok(positives >= 6, `the sample holds long names (${positives})`);
  // And it does filter: most statements have no long name.
  assert.equal(mayHoldLongName(`CREATE INDEX ${'a'.repeat(63)} ON orders_archive_2024 (created_at_utc_timestamp);`), false);
  assert.equal(mayHoldLongName(crafted[0] as string), true);
});
