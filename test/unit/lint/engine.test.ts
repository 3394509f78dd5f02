import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lintText, loadParser, ParseCache } from '../../../src/core/lint/linter';
import { statementLock, describeLock } from '../../../src/core/lint/locks';
import type { LintOptions, Rule } from '../../../src/core/lint/types';
import { requireConcurrentIndexCreation } from '../../../src/core/lint/rules/require-concurrent-index-creation';

// Engine behaviour is tested with one known rule, so new rules never change these expectations.
const ONE = { rules: [requireConcurrentIndexCreation] };
const lint = (sql: string, opts: Partial<LintOptions> = {}) => lintText(sql, opts, ONE);

before(async () => {
  await loadParser();
});

const CIC = 'require-concurrent-index-creation';
const only = (sql: string, opts: Partial<LintOptions> = {}) => lint(sql, opts).findings.map((f) => f.ruleId);

test('a syntax error is a finding at its position and does not hide other statements', () => {
  const sql = 'CREATE INDEX a ON t (x);\nSELEC oops;\nCREATE INDEX b ON t (y);';
  const run = lint(sql);
  assert.equal(run.syntaxErrors, 1);
  const ids = run.findings.map((f) => [f.ruleId, f.line]);
  assert.deepEqual(ids, [[CIC, 0], ['syntax-error', 1], [CIC, 2]]);
  const syn = run.findings[1];
  assert.equal(sql.slice(syn?.start, syn?.end), 'SELEC');
  assert.match(syn?.message ?? '', /syntax error at or near "SELEC"/);
});

test('ranges are UTF-16 positions even after non-ASCII text', () => {
  const sql = "-- ünïcödé 漢字 😀\nCOMMENT ON TABLE t IS 'é';\nCREATE INDEX \"idé\" ON \"tâble\" (x);";
  const f = lint(sql).findings.find((x) => x.ruleId === CIC);
  assert.ok(f);
  assert.equal(f.line, 2);
  assert.equal(sql.slice(f.start, f.end), 'CREATE INDEX "idé" ON "tâble" (x)');
  const fix = f.fix?.edits[0];
  assert.ok(fix);
  const fixed = sql.slice(0, fix.start) + fix.newText + sql.slice(fix.end);
  assert.match(fixed, /CREATE INDEX CONCURRENTLY "idé"/);
});

test('tables created earlier in the file (or by earlier migrations) carry no lock hazard', () => {
  assert.deepEqual(only('CREATE TABLE t (x int); CREATE INDEX ON t (x);'), []);
  assert.deepEqual(only('CREATE INDEX ON t (x);', { newTables: new Set(['public.t']) }), []);
  assert.deepEqual(only('CREATE INDEX ON t (x); CREATE TABLE t2 (x int);'), [CIC]);
});

test('ignore comments: next statement, file, squawk spelling, rule lists; unused ones are reported', () => {
  assert.deepEqual(only(`-- pgopt-ignore ${CIC}\nCREATE INDEX ON t (x);\nCREATE INDEX ON u (x);`), [CIC]);
  assert.deepEqual(only(`-- squawk-ignore ${CIC}, ban-drop-table\nCREATE INDEX ON t (x);`), []);
  assert.deepEqual(only(`-- squawk-ignore-file\nCREATE INDEX ON t (x);\nCREATE INDEX ON u (x);`), []);
  assert.deepEqual(only(`-- pgopt-ignore-file ${CIC}\nCREATE INDEX ON t (x);`), []);
  const unused = lint(`-- pgopt-ignore ${CIC}\nSELECT 1;\n-- pgopt-ignore-file ban-drop-table\nSELECT 2;`).findings;
  assert.deepEqual(unused.map((f) => [f.ruleId, f.line]), [['unused-ignore', 0], ['unused-ignore', 2]]);
  const removed = unused[0]?.fix?.edits[0];
  assert.ok(removed);
  const text = `-- pgopt-ignore ${CIC}\nSELECT 1;\n-- pgopt-ignore-file ban-drop-table\nSELECT 2;`;
  assert.equal(text.slice(0, removed.start) + text.slice(removed.end), 'SELECT 1;\n-- pgopt-ignore-file ban-drop-table\nSELECT 2;');
});

test('rules can be turned off or re-levelled in options', () => {
  assert.deepEqual(only('CREATE INDEX ON t (x);', { rules: { [CIC]: 'off' } }), []);
  assert.equal(lint('CREATE INDEX ON t (x);', { rules: { [CIC]: 'error' } }).findings[0]?.severity, 'error');
});

test('dbmate sections are recorded per statement', () => {
  const run = lint('-- migrate:up\nCREATE TABLE t (x int);\n-- migrate:down\nDROP TABLE t;');
  assert.deepEqual(run.statements.map((s) => s.section), ['up', 'down']);
});

test('SQL-standard function bodies with inner semicolons parse as one statement', () => {
  const sql = 'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nSELECT 3;';
  const run = lint(sql);
  assert.equal(run.syntaxErrors, 0);
  assert.deepEqual(run.statements.map((s) => s.kind), ['CreateFunctionStmt', 'SelectStmt']);
});

test('a rule that throws becomes an internal-error finding, and the others still run', () => {
  const boom: Rule = {
    meta: { id: 'boom', title: 'boom', category: 'hygiene', defaultSeverity: 'warning', description: 'x', why: 'x', safe: 'x', examples: { bad: [], good: [] } },
    check() {
      throw new Error('kaput');
    },
  };
  const run = lintText('SELECT 1; SELECT 2;', { rules: { 'internal-error': 'warning' } }, { rules: [boom] });
  assert.deepEqual(run.findings.map((f) => f.ruleId), ['internal-error', 'internal-error']);
  assert.match(run.findings[0]?.message ?? '', /boom failed.*kaput/);
});

test('the parse cache returns the same outcome for the same text', () => {
  const cache = new ParseCache(2);
  const a = cache.get('SELECT 1');
  assert.equal(cache.get('SELECT 1'), a);
  cache.get('SELECT 2');
  cache.get('SELECT 3');
  assert.notEqual(cache.get('SELECT 1'), a, 'evicted beyond its bound');
});

test('lock model: modes and what they block', () => {
  const lock = (sql: string) => {
    const s = lint(sql).statements[0];
    assert.ok(s);
    return statementLock(s);
  };
  assert.equal(lock('CREATE INDEX ON t (x)')?.mode, 'SHARE');
  assert.equal(lock('CREATE INDEX CONCURRENTLY ON t (x)')?.mode, 'SHARE UPDATE EXCLUSIVE');
  assert.equal(lock('ALTER TABLE t ADD COLUMN c int')?.mode, 'ACCESS EXCLUSIVE');
  assert.equal(lock('ALTER TABLE t VALIDATE CONSTRAINT c')?.mode, 'SHARE UPDATE EXCLUSIVE');
  assert.equal(lock('ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) NOT VALID')?.mode, 'SHARE ROW EXCLUSIVE');
  assert.equal(lock('VACUUM FULL t')?.mode, 'ACCESS EXCLUSIVE');
  assert.equal(lock('LOCK TABLE t IN SHARE MODE')?.mode, 'SHARE');
  assert.equal(lock('DROP INDEX CONCURRENTLY i')?.mode, 'SHARE UPDATE EXCLUSIVE');
  assert.deepEqual(lock('ALTER TABLE app.orders DROP COLUMN x')?.rel, { schema: 'app', name: 'orders' });
  assert.equal(describeLock({ mode: 'ACCESS EXCLUSIVE', rel: { name: 'orders' } }), 'Takes ACCESS EXCLUSIVE on orders: blocks everything, including SELECT.');
});

test('whole-file parsing (CLI) and statement-by-statement parsing (editor) give identical findings', async () => {
  const { generateMigration, Rng } = await import('../../../bench/lintCorpus');
  const r = new Rng(11);
  for (let i = 0; i < 60; i++) {
    const sql = (i % 3 === 0 ? '-- ünïcödé comment é\n' : '') + generateMigration(r, 10 + r.int(30));
    const whole = lintText(sql);
    const pieces = lintText(sql, {}, { cache: new ParseCache() });
    assert.deepEqual(
      whole.findings.map((f) => [f.ruleId, f.start, f.end, f.message]),
      pieces.findings.map((f) => [f.ruleId, f.start, f.end, f.message]),
      `file ${i} differs`,
    );
  }
});

test('syntax error positions are right after emoji and accents (parser counts code points)', () => {
  const sql = `SELECT '🐘 naïve 😀' FRM "bücher";`;
  const f = lint(sql).findings.find((x) => x.ruleId === 'syntax-error');
  assert.ok(f);
  assert.equal(sql.slice(f.start, f.end), '"bücher"');
});

test('one finding per problem: a foreign key added without NOT VALID is reported once, under adding-foreign-key-constraint', () => {
  const fk = 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);';
  const ids = (sql: string, opts: Partial<LintOptions> = {}) => lintText(sql, opts).findings.map((f) => f.ruleId).filter((id) => id === 'adding-foreign-key-constraint' || id === 'constraint-missing-not-valid' || id === 'unused-ignore');
  assert.deepEqual(ids(fk), ['adding-foreign-key-constraint']);
  // With the more specific rule off, the general one still says it.
  assert.deepEqual(ids(fk, { rules: { 'adding-foreign-key-constraint': 'off' } }), ['constraint-missing-not-valid']);
  // An ignore naming either rule suppresses the one finding and is not "unused".
  assert.deepEqual(ids(`-- squawk-ignore constraint-missing-not-valid\n${fk}`), []);
  assert.deepEqual(ids(`-- pgopt-ignore adding-foreign-key-constraint\n${fk}`), []);
  // A CHECK stays with constraint-missing-not-valid.
  assert.deepEqual(ids('ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0);'), ['constraint-missing-not-valid']);
});

test('combine-alter-table speaks only of the same table: "right after" only when it is the statement before', async () => {
  const { combineAlterTable } = await import('../../../src/core/lint/rules/combine-alter-table');
  const msgs = (sql: string) => lintText(sql, {}, { rules: [combineAlterTable] }).findings.map((f) => f.message);
  const between = msgs('ALTER TABLE users ADD COLUMN a text;\nALTER TABLE orders ADD COLUMN b text;\nALTER TABLE users ADD COLUMN c text;');
  assert.equal(between.length, 1);
  assert.doesNotMatch(between[0]!, /right after/);
  assert.match(between[0]!, /^Another ALTER TABLE on users, 2 statements after the previous ALTER TABLE on users/);
  const adjacent = msgs('ALTER TABLE users ADD COLUMN a text;\nALTER TABLE users ADD COLUMN c text;');
  assert.match(adjacent[0]!, /^Another ALTER TABLE on users right after the previous ALTER TABLE on users/);
  assert.deepEqual(msgs('ALTER TABLE sales.users ADD COLUMN a text;\nALTER TABLE audit.users ADD COLUMN a text;'), []);
});

test('a file of more statements than one parser chunk: statements, positions and syntax errors line up across chunks', () => {
  const stmts: string[] = [];
  for (let i = 0; i < 1200; i++) stmts.push(i === 700 ? 'SELEC oops;' : `CREATE INDEX i${i} ON t (c${i});`);
  // A BEGIN ATOMIC body (semicolons inside) across the first chunk boundary (500 statements per chunk).
  stmts.splice(499, 0, 'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;');
  const sql = stmts.join('\n');
  const run = lint(sql);
  assert.equal(run.syntaxErrors, 1);
  assert.equal(run.statements.length, 1200);
  const syn = run.findings.filter((f) => f.ruleId === 'syntax-error');
  assert.deepEqual(syn.map((f) => [f.line, sql.slice(f.start, f.end)]), [[701, 'SELEC']]);
  const cic = run.findings.filter((f) => f.ruleId === CIC);
  assert.equal(cic.length, 1199);
  const last = cic[cic.length - 1];
  assert.equal(sql.slice(last?.start, last?.end), 'CREATE INDEX i1199 ON t (c1199)');
  assert.equal(last?.line, 1200);
});
