// The live lint rules on a real Postgres: each live rule's documented examples (with their `setup`) are
// run against a fresh database, plus hostile names, bounded counts, escalation by size, the cache, and
// `pgopt lint --url` end to end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { LiveCache, prepareLiveContext, type LiveOptions } from '../../src/core/lint/live';
import { lintText, loadParser, type LintRun } from '../../src/core/lint/linter';
import { RULES } from '../../src/core/lint/registry';
import type { LintOptions } from '../../src/core/lint/types';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
const sessions: DbSession[] = [];
let dbCounter = 0;

before(async () => {
  await loadParser();
  db = await startTestPostgres();
});

after(async () => {
  for (const s of sessions) await s.close();
  await db?.stop();
});

/** A fresh database seeded with `setup`, and a read-only session on it. */
async function seeded(setup: string): Promise<{ session: DbSession; url: string; name: string }> {
  const name = `live_${++dbCounter}`;
  const url = await db.createDatabase(name);
  if (setup.trim()) await db.exec(setup, name);
  const session = await DbSession.open(resolveUrl(url, nodeEnvAccess({}), name));
  sessions.push(session);
  return { session, url, name };
}

async function lintLive(sql: string, session: DbSession, options: Partial<LintOptions> = {}, live: LiveOptions = {}): Promise<LintRun> {
  const first = lintText(sql, options);
  const ctx = await prepareLiveContext(first.statements, session, live);
  return lintText(sql, { ...options, live: ctx });
}

const q = (s: string): string => pg.escapeIdentifier(s);

describe('live rule examples (the docs pages) on a real database', () => {
  for (const rule of RULES.filter((r) => r.meta.needsConnection)) {
    const id = rule.meta.id;
    rule.meta.examples.bad.forEach((ex, i) => {
      test(`${id}: bad example ${i + 1} is flagged`, async () => {
        const { session } = await seeded(ex.setup ?? '');
        const run = await lintLive(ex.sql, session, { ...ex.options, rules: { ...ex.options?.rules, [id]: rule.meta.defaultSeverity } });
        assert.equal(run.syntaxErrors, 0);
        const mine = run.findings.filter((f) => f.ruleId === id);
        assert.ok(mine.length > 0, `expected ${id} on:\n${ex.sql}\ngot: ${run.findings.map((f) => `${f.ruleId}: ${f.message}`).join('\n') || 'nothing'}`);
      });
    });
    rule.meta.examples.good.forEach((ex, i) => {
      test(`${id}: good example ${i + 1} is clean`, async () => {
        const { session } = await seeded(ex.setup ?? '');
        const run = await lintLive(ex.sql, session, { ...ex.options, rules: { ...ex.options?.rules, [id]: rule.meta.defaultSeverity } });
        assert.equal(run.syntaxErrors, 0);
        assert.deepEqual(run.findings.filter((f) => f.ruleId === id).map((f) => f.message), []);
      });
    });
  }
});

describe('live rules: messages, hostile names, bounds', () => {
  const HOSTILE = `Or"ders; DROP TABLE x --`;
  const HCOL = `e"mail 'x'`;
  let session: DbSession;
  let url: string;

  before(async () => {
    ({ session, url } = await seeded(`
      CREATE TABLE customers (id bigint PRIMARY KEY);
      CREATE TABLE ${q(HOSTILE)} (id bigint, customer_id bigint, ${q(HCOL)} text, qty int);
      INSERT INTO customers SELECT g FROM generate_series(1, 10) g;
      INSERT INTO ${q(HOSTILE)} SELECT g, g % 10 + 1, 'dup' || (g % 20), CASE WHEN g % 50 = 0 THEN -1 ELSE g END FROM generate_series(1, 400) g;
      INSERT INTO ${q(HOSTILE)} (id) VALUES (1000), (1001);
      CREATE INDEX ${q('idx "a"')} ON ${q(HOSTILE)} (customer_id, id);
      CREATE TABLE big (id bigint, v text);
      INSERT INTO big SELECT g, repeat('x', 100) FROM generate_series(1, 5000) g;
      ANALYZE;
    `));
  });

  test('constraint-on-dirty-data: duplicates, NULLs and failing CHECK rows are counted, with hostile identifiers', async () => {
    const sql = `ALTER TABLE ${q(HOSTILE)} ADD CONSTRAINT u UNIQUE (${q(HCOL)});
ALTER TABLE ${q(HOSTILE)} ALTER COLUMN ${q(HCOL)} SET NOT NULL;
ALTER TABLE ${q(HOSTILE)} ADD CONSTRAINT c CHECK (qty > 0 AND ${q(HCOL)} <> 'it''s');`;
    const run = await lintLive(sql, session);
    const msgs = run.findings.filter((f) => f.ruleId === 'constraint-on-dirty-data').map((f) => f.message);
    assert.equal(msgs.length, 3, msgs.join('\n'));
    assert.match(msgs[0] ?? '', /^20 duplicated values of \(e"mail 'x'\) in Or"ders; DROP TABLE x -- in database live_\d+ \(400 rows\)/);
    assert.match(msgs[1] ?? '', /^2 rows of .* have NULL in \(e"mail 'x'\): NOT NULL will fail/);
    assert.match(msgs[2] ?? '', /^8 rows of .* fail this CHECK/);
    // The table is intact: nothing was executed for real.
    const still = await session.readOnly((r) => r.query<{ n: string }>(`SELECT count(*) AS n FROM ${q(HOSTILE)}`));
    assert.equal(Number(still[0]?.n), 402);
  });

  test('constraint-on-dirty-data: bounded count says "at least"', async () => {
    const run = await lintLive(`ALTER TABLE ${q(HOSTILE)} ADD CONSTRAINT u UNIQUE (${q(HCOL)});`, session, {}, { dirtyLimit: 5 });
    const f = run.findings.find((x) => x.ruleId === 'constraint-on-dirty-data');
    assert.match(f?.message ?? '', /^at least 5 duplicated values/);
  });

  test('constraint-on-dirty-data: clean cases stay silent (NOT VALID, new table, clean column)', async () => {
    const sql = `ALTER TABLE ${q(HOSTILE)} ADD CONSTRAINT c CHECK (qty > 0) NOT VALID;
ALTER TABLE ${q(HOSTILE)} ADD CONSTRAINT uid UNIQUE (id);
CREATE TABLE fresh (a int);
ALTER TABLE fresh ALTER COLUMN a SET NOT NULL;`;
    const run = await lintLive(sql, session);
    assert.deepEqual(run.findings.filter((f) => f.ruleId === 'constraint-on-dirty-data').map((f) => f.message), []);
  });

  test('constraint-on-dirty-data answers to its former id unique-on-dirty-data (config and ignore comments)', async () => {
    const check = `ALTER TABLE ${q(HOSTILE)} ADD CONSTRAINT c CHECK (qty > 0);`;
    const ids = (run: { findings: { ruleId: string }[] }) => run.findings.map((f) => f.ruleId).filter((id) => id === 'constraint-on-dirty-data' || id === 'unused-ignore');
    assert.deepEqual(ids(await lintLive(check, session)), ['constraint-on-dirty-data']);
    assert.deepEqual(ids(await lintLive(`-- pgopt-ignore unique-on-dirty-data\n${check}`, session)), []);
    assert.deepEqual(ids(await lintLive(check, session, { rules: { 'unique-on-dirty-data': 'off' } })), []);
  });

  test('a CHECK whose text tries to smuggle a second statement cannot run it', async () => {
    // Parses as one statement, so the count query gets `NOT (...)` of a valid expression only; the extended
    // protocol (a $1 parameter) would reject a second statement anyway.
    const run = await lintLive(`ALTER TABLE ${q(HOSTILE)} ADD CONSTRAINT c CHECK (qty > (SELECT 0));`, session);
    assert.ok(run.findings.some((f) => f.ruleId === 'constraint-on-dirty-data' && /fail this CHECK/.test(f.message)));
  });

  test('missing-fk-index: fires without a covering index, names table and columns; silent when covered', async () => {
    const bad = await lintLive(`ALTER TABLE ${q(HOSTILE)} ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES customers (id) NOT VALID;`, session);
    const f = bad.findings.find((x) => x.ruleId === 'missing-fk-index');
    assert.match(f?.message ?? '', /^No index on Or"ders; DROP TABLE x -- \(id\) for this foreign key to customers \(public\.Or"ders; DROP TABLE x --: .*rows/);
    const good = await lintLive(`ALTER TABLE ${q(HOSTILE)} ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;`, session);
    assert.equal(good.findings.filter((x) => x.ruleId === 'missing-fk-index').length, 0);
    const created = await lintLive(`CREATE INDEX CONCURRENTLY i ON ${q(HOSTILE)} (id);\nALTER TABLE ${q(HOSTILE)} ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES customers (id) NOT VALID;`, session);
    assert.equal(created.findings.filter((x) => x.ruleId === 'missing-fk-index').length, 0);
    const newTable = await lintLive(`CREATE TABLE lines (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));`, session);
    assert.match(newTable.findings.find((x) => x.ruleId === 'missing-fk-index')?.message ?? '', /No index on lines \(customer_id\)/);
  });

  test('duplicate-index-in-migration: exact duplicate and prefix of a hostile-named index', async () => {
    const run = await lintLive(`CREATE INDEX CONCURRENTLY again ON ${q(HOSTILE)} (customer_id);\nCREATE INDEX CONCURRENTLY other ON ${q(HOSTILE)} (id);`, session);
    const msgs = run.findings.filter((f) => f.ruleId === 'duplicate-index-in-migration').map((f) => f.message);
    assert.equal(msgs.length, 1, msgs.join('\n'));
    assert.match(msgs[0] ?? '', /is a leading prefix of public\.idx "a"/);
  });

  test('unknown-object: unknown table, column, index; IF EXISTS and objects created earlier are fine', async () => {
    const sql = `ALTER TABLE ${q('Or"ders')} ADD COLUMN x int;
ALTER TABLE ${q(HOSTILE)} DROP COLUMN nope;
DROP INDEX ${q('idx "b"')};
DROP INDEX IF EXISTS ${q('idx "b"')};
ALTER TABLE ${q(HOSTILE)} ADD COLUMN later int;
CREATE INDEX CONCURRENTLY j ON ${q(HOSTILE)} (later, ${q(HCOL)});
ALTER TABLE ${q(HOSTILE)} RENAME COLUMN later TO later2;
ALTER TABLE ${q(HOSTILE)} ALTER COLUMN later2 SET DEFAULT 0;
DROP INDEX j;`;
    const run = await lintLive(sql, session);
    const msgs = run.findings.filter((f) => f.ruleId === 'unknown-object').map((f) => f.message);
    assert.deepEqual(
      msgs.map((m) => m.replace(/ in database live_\d+/, '')),
      ['Table Or"ders does not exist nor earlier in this file.', 'Column nope of Or"ders; DROP TABLE x -- does not exist nor earlier in this file (DropColumn).', 'Index idx "b" does not exist nor earlier in this file.'],
    );
  });

  test('live-table-size: annotates and escalates lock findings above the threshold; not below', async () => {
    const sql = 'CREATE INDEX big_v_idx ON big (v);';
    const big = await lintLive(sql, session, { liveEscalateBytes: 64 * 1024 });
    const f = big.findings.find((x) => x.ruleId === 'require-concurrent-index-creation');
    assert.equal(f?.severity, 'error');
    assert.match(f?.message ?? '', /\[public\.big: [\d.]+ kB, ~5000 rows, .* at or above the 64.0 kB live-size threshold \(lint.liveEscalateBytes\)\]$/);
    const small = await lintLive(sql, session);
    const g = small.findings.find((x) => x.ruleId === 'require-concurrent-index-creation');
    assert.equal(g?.severity, 'warning');
    assert.match(g?.message ?? '', /\[public\.big: .*~5000 rows/);
    assert.equal(small.findings.filter((x) => x.ruleId === 'live-table-size').length, 0);
    // Without a live context the rule does not run and nothing is annotated.
    const offline = lintText(sql, {});
    assert.doesNotMatch(offline.findings.find((x) => x.ruleId === 'require-concurrent-index-creation')?.message ?? '', /\[/);
    assert.ok(!offline.findings.some((x) => ['live-table-size', 'unknown-object', 'missing-fk-index'].includes(x.ruleId)));
  });

  test('the cache answers repeated calls without new catalog queries; a changed table is seen after the TTL', async () => {
    let now = 0;
    const cache = new LiveCache(1000, () => now);
    const sql = 'ALTER TABLE cached ADD COLUMN b int;';
    const first = await lintLive(sql, session, {}, { cache });
    assert.ok(first.findings.some((f) => f.ruleId === 'unknown-object'));
    await db.exec('CREATE TABLE cached (a int)', (await session.readOnly((r) => r.query<{ d: string }>('SELECT current_database() AS d')))[0]?.d);
    const stale = await lintLive(sql, session, {}, { cache });
    assert.ok(stale.findings.some((f) => f.ruleId === 'unknown-object'), 'still cached');
    now = 2000;
    const fresh = await lintLive(sql, session, {}, { cache });
    assert.ok(!fresh.findings.some((f) => f.ruleId === 'unknown-object'), 'TTL expired: re-read');
  });

  test('pgopt lint --url runs the live rules; without a connection it says so once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgopt-live-'));
    writeFileSync(join(dir, '001.sql'), `ALTER TABLE ${q(HOSTILE)} ADD CONSTRAINT u UNIQUE (${q(HCOL)});\nDROP INDEX nope_idx;\n`);
    const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && k !== 'DATABASE_URL'));
    const run = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [CLI, 'lint', ...args], { encoding: 'utf8', cwd: dir, env: { ...clean, ...env }, timeout: 60_000 });
    const withUrl = run(['--url', url, '--format', 'json', '001.sql']);
    assert.equal(withUrl.status, 1, withUrl.stderr);
    const rules = (JSON.parse(withUrl.stdout) as { rule: string }[]).map((f) => f.rule);
    assert.ok(rules.includes('constraint-on-dirty-data') && rules.includes('unknown-object'), rules.join(', '));
    const viaEnv = run(['001.sql'], { DATABASE_URL: url });
    assert.match(viaEnv.stdout, /constraint-on-dirty-data/);
    assert.doesNotMatch(viaEnv.stderr, /live rules not run/);
    const offline = run(['001.sql']);
    assert.doesNotMatch(offline.stdout, /constraint-on-dirty-data|unknown-object/);
    assert.equal(offline.stderr.match(/live rules not run/g)?.length, 1, offline.stderr);
    const badUrl = run(['--url', 'postgres://nobody@127.0.0.1:1/x', '--connect-timeout', '2', '001.sql']);
    assert.equal(badUrl.status, 2, badUrl.stderr);
  });
});
