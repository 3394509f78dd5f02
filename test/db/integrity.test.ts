// Data integrity on a real Postgres: column rules from pgopt.json counted exactly on small tables,
// sampling labelled on a larger one, schema-wide candidates (NOT NULL, UNIQUE, foreign keys), orphans,
// duplicates, FK type mismatches, hostile names and values quoted in SQL and inert in HTML, config
// errors that name the rule, and the offered migrations applied for real once the data is cleaned.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { integrityAnalyzer } from '../../src/core/analyzers/integrity/integrityAnalyzer';
import { selectAnalyzers } from '../../src/core/analyzers/registry';
import type { PgoptFile } from '../../src/core/config';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { buildReport } from '../../src/core/report/buildReport';
import type { ReportFinding, ReportSection } from '../../src/core/report/model';
import { renderReportHtml } from '../../src/core/report/renderHtml';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let session: DbSession;

const HOSTILE_TABLE = `tâble "quoted" <script>alert('t')</script>`;
const HOSTILE_COLUMN = `cöl "x" <img src=x onerror=alert(1)>`;
const HOSTILE_VALUE = `<script>alert("v")</script>`;
const qi = (s: string): string => pg.escapeIdentifier(s);

const RULES = [
  /* 0 */ { table: 'customers', column: 'email', format: 'email' },
  /* 1 */ { table: 'orders', column: 'dosage', format: 'quantity-with-unit' },
  /* 2 */ { table: 'orders', column: 'freq', oneOf: ['twice daily', 'as needed', "it's <b>odd</b>"] },
  /* 3 */ { table: 'orders', column: 'placed_at', format: 'date-past' },
  /* 4 */ { table: 'orders', column: 'qty', range: [0, 10] },
  /* 5 */ { table: 'orders', column: 'qty', range: [0, 5], where: 'id <= 24 -- the first two dozen' },
  /* 6 */ { table: 'customers', column: 'nope', format: 'email' },
  /* 7 */ { table: 'no_such_table', column: 'x', range: [1, 2] },
  /* 8 */ { table: HOSTILE_TABLE, column: HOSTILE_COLUMN, regex: '^[a-z]+$' },
  /* 9 */ { table: HOSTILE_TABLE, column: HOSTILE_COLUMN, oneOf: ['ok', HOSTILE_VALUE] },
  /* 10 */ { table: 'readings', column: 'v', range: [0, 98], sampleRows: 1000 },
  /* 11 */ { table: 'customers', column: 'name', format: 'phone', where: "1 = 1); COMMIT; SELECT (1" },
  /* 12 */ { table: 'customers', column: 'born', format: 'plausible-age' },
  /* 13 */ { table: 'orders', column: 'dosage', regex: '(' },
];
const CONFIG: PgoptFile = { integrity: { rules: RULES } };

before(async () => {
  db = await startTestPostgres();
  await db.exec(`
    CREATE TABLE customers (id serial PRIMARY KEY, code text, name text, email text, born date);
    INSERT INTO customers (code, name, email, born) SELECT 'C' || g, 'name ' || g, 'c' || g || '@example.com', current_date - 365 * 30 FROM generate_series(1, 200) g;
    UPDATE customers SET email = 'broken' WHERE id IN (5, 6, 7);
    UPDATE customers SET email = NULL WHERE id = 8;
    UPDATE customers SET born = date '1850-01-01' WHERE id = 9;
    UPDATE customers SET born = current_date + 10 WHERE id = 10;
    UPDATE customers SET born = NULL WHERE id = 11;
    CREATE TABLE orders (id serial PRIMARY KEY, customer_id int, qty int, dosage text, freq text, placed_at timestamptz);
    INSERT INTO orders (customer_id, qty, dosage, freq, placed_at)
      SELECT 1 + (g % 200), g % 12, '500 mg', 'twice daily', now() - interval '1 day' FROM generate_series(1, 300) g;
    UPDATE orders SET customer_id = 9001 WHERE id IN (10, 11);
    UPDATE orders SET customer_id = 9002 WHERE id = 12;
    UPDATE orders SET dosage = '500' WHERE id IN (20, 21);
    UPDATE orders SET dosage = 'two tablets' WHERE id = 22;
    UPDATE orders SET freq = 'sometimes' WHERE id = 30;
    UPDATE orders SET freq = 'it''s <b>odd</b>' WHERE id = 31;
    UPDATE orders SET placed_at = now() + interval '3 days' WHERE id IN (40, 41);
    CREATE TABLE payments (id serial PRIMARY KEY, customer_id int NOT NULL, amount int NOT NULL);
    INSERT INTO payments (customer_id, amount) SELECT 1 + g % 200, g FROM generate_series(1, 100) g;
    CREATE TABLE refunds (id serial PRIMARY KEY, payment_id int NOT NULL);
    INSERT INTO refunds (payment_id) VALUES (1), (2), (3), (500), (501), (501);
    ALTER TABLE refunds ADD CONSTRAINT refunds_payment_fk FOREIGN KEY (payment_id) REFERENCES payments (id) NOT VALID;
    ALTER TABLE orders ADD CONSTRAINT orders_qty_not_7 CHECK (qty <> 7) NOT VALID;
    CREATE TABLE accounts (id bigint PRIMARY KEY);
    CREATE TABLE sessions (id serial PRIMARY KEY, account_id int NOT NULL REFERENCES accounts (id));
    CREATE TABLE members (id serial PRIMARY KEY, email text NOT NULL);
    INSERT INTO members (email) SELECT 'm' || g || '@example.com' FROM generate_series(1, 1000) g;
    INSERT INTO members (email) VALUES ('m3@example.com'), ('m4@example.com');
    CREATE TABLE readings (id serial PRIMARY KEY, v int NOT NULL);
    INSERT INTO readings (v) SELECT g % 100 FROM generate_series(1, 50000) g;
    CREATE TABLE ${qi(HOSTILE_TABLE)} (id text PRIMARY KEY, ${qi(HOSTILE_COLUMN)} text);
    INSERT INTO ${qi(HOSTILE_TABLE)} VALUES ('k1', 'ok'), ('it''s', 'ok'), (${pg.escapeLiteral(`k<script>2</script>`)}, ${pg.escapeLiteral(HOSTILE_VALUE)}), ('k3', 'it''s');
    ANALYZE;
  `);
  session = await DbSession.open(resolveUrl(db.url, nodeEnvAccess({}), 'integrity-test'));
});

after(async () => {
  await session?.close();
  await db?.stop();
});

let section: ReportSection;
let html: string;

async function integritySection(config: PgoptFile): Promise<ReportSection> {
  const report = await buildReport(session, { analyzers: [integrityAnalyzer], config });
  html = renderReportHtml(report);
  const s = report.sections[0]!;
  assert.equal(s.error, undefined, s.error);
  return s;
}

const one = (pred: (f: ReportFinding) => boolean, what: string): ReportFinding => {
  const fs = section.findings.filter(pred);
  assert.equal(fs.length, 1, `${what}: expected one finding, got ${fs.map((f) => f.title).join(' | ') || 'none'}`);
  return fs[0]!;
};
const ruleRow = (i: number): Record<string, unknown> => section.tables.find((t) => t.id === 'integrity-rules')!.rows.find((r) => r.rule === i)!;

test('column rules count the seeded violations exactly, with sample keys', async () => {
  section = await integritySection(CONFIG);
  const expected: Record<number, [number, string[]]> = {
    0: [3, ['5', '6', '7']],
    1: [3, ['20', '21', '22']],
    2: [1, ['30']],
    3: [2, ['40', '41']],
    4: [25, []],
    5: [12, []],
    12: [2, ['9', '10']],
  };
  for (const [i, [n, keys]] of Object.entries(expected)) {
    const row = ruleRow(Number(i));
    assert.equal(row.violations, n, `rule #${i}: ${JSON.stringify(row)}`);
    assert.match(String(row.scope), /^exact, all /);
    const f = one((x) => x.id === 'integrity.rule-violation' && x.detail.includes(`rule #${i} `), `rule #${i}`);
    assert.match(f.title, new RegExp(`: ${n} rows? violate`));
    for (const k of keys) assert.ok(f.detail.includes(k), `rule #${i} sample keys ${keys} in ${f.detail}`);
    // date-past (#3) and plausible-age on a date (#12) depend on now(): reported, no CHECK proposed.
    if (i === '3' || i === '12') assert.equal(f.sql, undefined, `rule #${i} proposes no time-dependent CHECK`);
    else assert.match(f.sql ?? '', /NOT VALID;[^]*-- Migration 2 of 2[^]*VALIDATE CONSTRAINT/);
  }
  assert.equal(ruleRow(5).checked, 24, 'the where clause limits the rows checked');
  // rule 4 covers every qty of 11 (11, 23, ..., 299).
  assert.match(one((x) => x.detail.includes('rule #4 '), 'rule 4').detail, /Sample keys \(id\): 11; 23; 35/);
});

test('a rule on a missing column or table, or with a hostile where, is a clear config error; the others still run', () => {
  const col = one((f) => f.id === 'integrity.config-error' && f.title.includes('#6'), 'missing column');
  assert.equal(col.severity, 'error');
  assert.match(col.title, /Integrity rule #6 \(customers\.nope\): column "nope" does not exist in table public\.customers/);
  assert.match(col.detail, /integrity\.rules\[6\]/);
  const table = one((f) => f.id === 'integrity.config-error' && f.title.includes('#7'), 'missing table');
  assert.match(table.title, /table "no_such_table" does not exist/);
  const where = one((f) => f.id === 'integrity.config-error' && f.title.includes('#11'), 'hostile where');
  assert.match(where.title, /"where" (is not a valid SQL condition|must be a single SQL condition)/);
  // An invalid regex fails at run time: the rules sharing its table scan are retried alone and still counted.
  const regex = one((f) => f.id === 'integrity.config-error' && f.title.includes('#13'), 'invalid regex');
  assert.match(regex.title, /the check failed: invalid regular expression/);
  assert.equal(ruleRow(1).violations, 3);
  assert.doesNotMatch(String(ruleRow(1).scope), /one scan for/);
  assert.match(String(ruleRow(12).scope), /one scan for 2 rules/); // customers: rules #0 and #12
  // Rules after the broken ones ran.
  assert.equal(ruleRow(8).violations, 2);
  assert.equal(ruleRow(12).violations, 2);
});

test('a large table is sampled and the estimate says so', () => {
  const row = ruleRow(10);
  // 1,000 of 50,000 rows is ~5 pages: too few for SYSTEM, so BERNOULLI (row by row) is used.
  assert.match(String(row.scope), /^estimate from a 2 % BERNOULLI sample, [\d,]+ rows of about [\d,]+$/);
  const f = one((x) => x.detail.includes('rule #10 '), `sampled rule ${JSON.stringify(row)}`);
  // v = 99 on 1 % of the rows: the sample finds some, and scales them to the table.
  assert.match(f.title, /rows? in the sample \(≈ [\d,]+ in the table\)/);
  assert.ok(Number(row.checked) < 50000 && Number(row.checked) > 0, `checked ${row.checked}`);
});

test('hostile names and values are quoted in SQL and inert in HTML', () => {
  const regex = one((x) => x.detail.includes('rule #8 '), 'hostile regex');
  assert.ok(regex.sql?.includes(`ALTER TABLE "public".${qi(HOSTILE_TABLE)} ADD CONSTRAINT`), regex.sql);
  assert.ok(regex.sql?.includes(`CHECK (${qi(HOSTILE_COLUMN)}::text ~ '^[a-z]+$') NOT VALID`), regex.sql);
  assert.ok(regex.detail.includes('k<script>2</script>'), 'the sample key is reported as data');
  const oneOf = one((x) => x.detail.includes('rule #9 '), 'hostile oneOf');
  assert.equal(ruleRow(9).violations, 1);
  assert.ok(oneOf.sql?.includes(`ARRAY['ok', '<script>alert("v")</script>']::text[]`), oneOf.sql);
  assert.ok(one((x) => x.detail.includes('rule #2 '), 'quote in value').sql?.includes(`'it''s <b>odd</b>'`));
  assert.ok(!html.includes('<script>') && !html.includes('<img') && !html.includes('<b>odd'), 'no markup from the database reaches the HTML');
  assert.ok(html.includes('&lt;script&gt;alert(&quot;v&quot;)&lt;/script&gt;'));
});

test('schema-wide checks: orphans, FK candidates, NOT NULL and UNIQUE candidates, duplicates, type mismatches', () => {
  const orphans = one((f) => f.id === 'integrity.orphaned-rows', 'orphans');
  assert.match(orphans.title, /^public\.orders\.customer_id: 3 rows point to no customers row/);
  assert.match(orphans.detail, /Missing customers\.id values: 9001, 9002\./);
  assert.match(orphans.sql ?? '', /FOREIGN KEY \("customer_id"\) REFERENCES "public"\."customers" \("id"\) NOT VALID;/);
  const fk = one((f) => f.id === 'integrity.fk-candidate', 'fk candidate');
  assert.match(fk.title, /^public\.payments\.customer_id has no foreign key, but every value exists in public\.customers\.id/);
  assert.ok(!section.findings.some((f) => f.object?.table === 'refunds' && f.id.startsWith('integrity.fk')), 'a column in a (NOT VALID) FK is not a candidate');
  const notNull = section.findings.filter((f) => f.id === 'integrity.not-null-candidate').map((f) => `${f.object?.table}.${f.object?.name}`);
  assert.ok(notNull.includes('customers.code') && notNull.includes('orders.dosage'), notNull.join());
  assert.ok(!notNull.includes('customers.email') && !notNull.includes('customers.born'), 'columns with NULLs are not candidates');
  const unique = section.findings.filter((f) => f.id === 'integrity.unique-candidate').map((f) => `${f.object?.table}.${f.object?.name}`);
  assert.ok(unique.includes('customers.code'), unique.join());
  assert.ok(!unique.includes('customers.name'), 'free text that happens to be distinct is not a key candidate');
  const dup = one((f) => f.id === 'integrity.duplicates-on-key' && f.object?.table === 'members', 'members duplicates');
  assert.match(dup.title, /looks like a key but 2 values occur more than once/);
  assert.match(dup.detail, /on 4 rows.*Duplicate rows by id: 3 = 1001; 4 = 1002\./);
  const mismatch = one((f) => f.id === 'integrity.fk-type-mismatch', 'type mismatch');
  assert.match(mismatch.title, /sessions\.account_id is integer but accounts\.id is bigint/);
});

async function applyMigration(sql: string): Promise<void> {
  const steps = sql.split(/^-- Migration \d+ of \d+.*$/m).slice(1).map((s) => s.trim());
  assert.ok(steps.length >= 2, sql);
  for (const step of steps) await db.exec(step);
}

test('the offered migrations apply on the live tables once the data is cleaned', async () => {
  const find = (pred: (f: ReportFinding) => boolean): string => {
    const f = section.findings.find(pred);
    assert.ok(f?.sql, 'finding with a migration');
    return f.sql;
  };
  const email = find((f) => f.detail.includes('rule #0 '));
  const orphanFk = find((f) => f.id === 'integrity.orphaned-rows');
  const notNull = find((f) => f.id === 'integrity.not-null-candidate' && f.object?.table === 'customers' && f.object.name === 'code');
  const unique = find((f) => f.id === 'integrity.unique-candidate' && f.object?.table === 'customers' && f.object.name === 'code');
  const hostile = find((f) => f.detail.includes('rule #9 '));
  const range = find((f) => f.detail.includes('rule #5 '));

  // VALIDATE refuses the dirty data: the migration is honest about needing the cleanup.
  await assert.rejects(applyMigration(email), /violated by some row/);
  await db.exec(`ALTER TABLE customers DROP CONSTRAINT customers_email_email_check`);
  await db.exec(`
    UPDATE customers SET email = 'fixed' || id || '@example.com' WHERE id IN (5, 6, 7);
    DELETE FROM orders WHERE customer_id > 200;
    UPDATE orders SET qty = 0 WHERE id <= 24 AND qty > 5;
    DELETE FROM ${qi(HOSTILE_TABLE)} WHERE id = 'k3';`);
  for (const sql of [email, orphanFk, notNull, unique, hostile, range]) await applyMigration(sql);
  const session2 = new pg.Client({ connectionString: db.url });
  await session2.connect();
  try {
    const r = await session2.query<{ conname: string; contype: string; convalidated: boolean }>(
      `SELECT conname, contype, convalidated FROM pg_constraint WHERE conrelid IN ('customers'::regclass, 'orders'::regclass, $1::regclass) ORDER BY conname`,
      [qi(HOSTILE_TABLE)],
    );
    const names = r.rows.map((x) => `${x.conname}:${x.contype}:${x.convalidated}`);
    for (const expected of ['customers_email_email_check:c:true', 'orders_customer_id_fkey:f:true', 'customers_code_key:u:true', 'orders_qty_range_5_check:c:true']) {
      assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
    }
    assert.ok(names.some((n) => n.startsWith(`${HOSTILE_TABLE}_`) && n.endsWith(':c:true')), `the hostile table got its CHECK: ${names.join(', ')}`);
    assert.ok(!names.some((n) => n.startsWith('customers_code_not_null')), 'the helper CHECK was dropped');
    const nn = await session2.query(`SELECT attnotnull FROM pg_attribute WHERE attrelid = 'customers'::regclass AND attname = 'code'`);
    assert.equal(nn.rows[0].attnotnull, true);
  } finally {
    await session2.end();
  }
});

test('a 5M-row table: the check finishes within its timeout or says it was cut short; sampling makes it fast; cancel stops it', async (t) => {
  const url = await db.createDatabase('big');
  const started = Date.now();
  await db.exec(`CREATE UNLOGGED TABLE big (id bigint NOT NULL, v int NOT NULL);
    INSERT INTO big SELECT g, g % 1000 FROM generate_series(1, 5000000) g;`, 'big');
  t.diagnostic(`5M rows loaded in ${Date.now() - started} ms`);
  const big = await DbSession.open(resolveUrl(url, nodeEnvAccess({}), 'integrity-big'));
  try {
    const rule = { table: 'big', column: 'v', range: [0, 998] };
    const run = async (integrity: Record<string, unknown>, signal?: AbortSignal): Promise<{ s: ReportSection; ms: number }> => {
      const t0 = performance.now();
      const report = await buildReport(big, { analyzers: [integrityAnalyzer], config: { integrity: { rules: [rule], inferred: false, ...integrity } }, ...(signal ? { signal } : {}) });
      return { s: report.sections[0]!, ms: Math.round(performance.now() - t0) };
    };
    // Full scan with a tight budget: either the exact count or an explicit "cut short".
    const full = await run({ sampleRows: 10_000_000, statementTimeoutMs: 300 });
    t.diagnostic(`full check with a 300 ms budget: ${full.ms} ms, ${full.s.summary}`);
    const row = full.s.tables[0]!.rows[0]!;
    if (row.violations === null) {
      assert.match(String(row.scope), /^cut short: the check ran longer than its 300 ms statement_timeout/);
      assert.ok(full.s.findings.some((f) => f.id === 'integrity.check-cut-short'));
      assert.ok(full.s.unavailable.some((u) => /cut short/.test(u.because)));
    } else {
      assert.equal(row.violations, 5000);
    }
    assert.ok(full.ms < 5000, `bounded: ${full.ms} ms`);
    // Sampled (default 200,000 rows): an estimate, labelled, well within a normal budget.
    const sampled = await run({ statementTimeoutMs: 10_000 });
    const srow = sampled.s.tables[0]!.rows[0]!;
    t.diagnostic(`sampled check: ${sampled.ms} ms, ${srow.scope}, ${srow.violations} violations in the sample`);
    assert.match(String(srow.scope), /^estimate from a [\d.]+ % SYSTEM sample/);
    assert.ok(Number(srow.violations) > 0);
    // Cancel mid-scan.
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 150);
    await assert.rejects(run({ sampleRows: 10_000_000, statementTimeoutMs: 60_000, sampleMethod: 'bernoulli' }, ac.signal), (e: Error) => e.name === 'CancelledError');
    assert.ok(Date.now() - t0 < 3000, `cancel took ${Date.now() - t0} ms`);
    // The session is usable after the cancel.
    const again = await big.readOnly((q) => q.query<{ n: number }>('SELECT 1 AS n'));
    assert.equal(again[0]?.n, 1);
    // Both sections with default settings (schema-wide checks on, sampling at 200,000 rows) after ANALYZE.
    await db.exec('ANALYZE big', 'big');
    const both = await buildReport(big, { analyzers: selectAnalyzers(['constraints', 'integrity']).analyzers, config: { integrity: { rules: [rule] } } });
    const [cons, integ] = both.sections;
    t.diagnostic(`5M rows, defaults: constraints ${cons!.durationMs} ms, integrity ${integ!.durationMs} ms (${integ!.summary})`);
    assert.equal(integ!.error, undefined);
    assert.ok(integ!.findings.some((f) => f.id === 'integrity.unique-candidate' && f.object?.name === 'id' && /estimate from a/.test(f.detail)), 'the all-distinct id is checked on a sample');
    assert.ok(cons!.findings.some((f) => f.id === 'constraints.no-primary-key' && f.object?.name === 'big'));
  } finally {
    await big.close();
  }
});
