// The HealthMate demo must carry its problems in the data and the traffic, not in a list: these tests
// only check that the conditions exist (violating rows, orphans, missing and redundant indexes, a
// spilling aggregate, stuck sessions), never what the product should conclude from them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';
import { HEALTHMATE_TABLES } from '../../scripts/healthmate/schema';
import { createHealthMate, HEALTHMATE_FREQUENCIES, HEALTHMATE_SIZES } from '../../scripts/healthmate/generate';
import { runWorkload, startBackgroundSessions, HEALTHMATE_QUERIES } from '../../scripts/healthmate/workload';
import { healthMateConfig } from '../../scripts/healthmate/config';
import { selectAnalyzers } from '../../src/core/analyzers/registry';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { buildReport } from '../../src/core/report/buildReport';

let server: TestPostgres;
let url: string;

const connect = async (): Promise<pg.Client> => {
  const c = new pg.Client({ connectionString: url, application_name: 'healthmate-test' });
  await c.connect();
  return c;
};

async function withClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function scalar(sql: string, params: unknown[] = []): Promise<number> {
  return withClient(async (c) => {
    const r = await c.query<{ n: string | number | null }>(sql, params);
    return Number(r.rows[0]?.n ?? 0);
  });
}

before(async () => {
  server = await startTestPostgres();
  url = await server.createDatabase('healthmate');
});

after(async () => {
  await server?.stop();
});

test('creates HealthMate at small scale with the expected row counts', async (t) => {
  const stats = await withClient((c) => createHealthMate(c, { scale: 'small' }));
  t.diagnostic(`generation (small): ${stats.elapsedMs} ms, ${JSON.stringify(stats.rows)}`);
  assert.deepEqual(stats.rows, HEALTHMATE_SIZES.small);
  for (const table of HEALTHMATE_TABLES) {
    assert.equal(await scalar(`SELECT count(*) AS n FROM ${pg.escapeIdentifier(table)}`), HEALTHMATE_SIZES.small[table]);
  }
  assert.ok(stats.elapsedMs < 30_000, `small generation took ${stats.elapsedMs} ms`);
  // ANALYZE ran: the planner knows the sizes.
  assert.ok((await scalar(`SELECT reltuples AS n FROM pg_class WHERE oid = 'health_data'::regclass`)) > 90_000);
});

test('the data violates the documented rules at small rates', async () => {
  const counts: Record<string, string> = {
    badEmails: `SELECT count(*) AS n FROM users WHERE email !~ '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$'`,
    badPhones: `SELECT count(*) AS n FROM users WHERE phone !~ '^\\+[1-9][0-9]{6,14}$'`,
    futureBirthDates: `SELECT count(*) AS n FROM users WHERE date_of_birth > current_date`,
    implausibleAges: `SELECT count(*) AS n FROM users WHERE date_of_birth < current_date - interval '120 years'`,
    heartRates: `SELECT count(*) AS n FROM health_data WHERE data_type = 'heart_rate' AND value NOT BETWEEN 20 AND 250`,
    glucose: `SELECT count(*) AS n FROM health_data WHERE data_type = 'blood_glucose' AND value NOT BETWEEN 20 AND 600`,
    temperatures: `SELECT count(*) AS n FROM health_data WHERE data_type = 'temperature' AND value NOT BETWEEN 30 AND 45`,
    confidence: `SELECT count(*) AS n FROM health_data WHERE confidence > 1`,
    futureReadings: `SELECT count(*) AS n FROM health_data WHERE "timestamp" > now()`,
    dosagesWithoutUnit: `SELECT count(*) AS n FROM medication_logs WHERE dosage !~ '^[0-9]+(\\.[0-9]+)?[[:space:]]*[[:alpha:]]+'`,
    unknownFrequencies: `SELECT count(*) AS n FROM medication_logs WHERE frequency <> ALL ($1::text[])`,
    painLevel11: `SELECT count(*) AS n FROM symptom_logs WHERE pain_level > 10`,
    progressOver100: `SELECT count(*) AS n FROM health_goals WHERE progress > 100`,
    orphanConversations: `SELECT count(*) AS n FROM conversations c WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = c.user_id)`,
  };
  for (const [what, sql] of Object.entries(counts)) {
    const n = await scalar(sql, what === 'unknownFrequencies' ? [HEALTHMATE_FREQUENCIES] : []);
    assert.ok(n > 0, `${what}: expected some violating rows`);
  }
  // "Small known-ish rates": a few per cent at most, so the data still looks like real data.
  assert.ok((await scalar(counts.badEmails!)) < HEALTHMATE_SIZES.small.users * 0.03);
  assert.ok((await scalar(counts.heartRates!)) < HEALTHMATE_SIZES.small.health_data * 0.01);
  assert.ok((await scalar(counts.painLevel11!)) < HEALTHMATE_SIZES.small.symptom_logs * 0.02);
});

test('the schema has the seeded structural conditions', async () => {
  // A CHECK that was added NOT VALID over violating rows.
  assert.equal(
    await scalar(`SELECT count(*) AS n FROM pg_constraint WHERE conrelid = 'health_goals'::regclass AND contype = 'c' AND NOT convalidated`),
    1,
  );
  // A foreign key with no index whose leading column is the FK column.
  const fkWithoutIndex = `SELECT count(*) AS n FROM pg_constraint c
    WHERE c.contype = 'f' AND c.conrelid = $1::regclass
      AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])`;
  assert.equal(await scalar(fkWithoutIndex, ['medication_logs']), 1);
  assert.equal(await scalar(fkWithoutIndex, ['health_data']), 1);
  // conversations.user_id has no FK at all.
  assert.equal(await scalar(`SELECT count(*) AS n FROM pg_constraint WHERE conrelid = 'conversations'::regclass AND contype = 'f'`), 0);
  // Two indexes with the same definition on users.
  assert.equal(
    await scalar(`SELECT count(*) AS n FROM (SELECT indkey::text FROM pg_index WHERE indrelid = 'users'::regclass
                  GROUP BY indkey::text, indexprs::text, indpred::text HAVING count(*) > 1) d`),
    1,
  );
  // No index helps the login lookup or the per-user readings.
  assert.equal(
    await scalar(`SELECT count(*) AS n FROM pg_indexes WHERE tablename IN ('users', 'health_data') AND (indexdef ILIKE '%email%' OR indexdef ILIKE '%(user_id%')`),
    0,
  );
  // int4 ids throughout.
  assert.equal(
    await scalar(`SELECT count(*) AS n FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'id'
                  AND table_name = ANY ($1::text[]) AND data_type <> 'integer'`, [[...HEALTHMATE_TABLES]]),
    0,
  );
});

test('the constraints and integrity analyzers find the seeded violations, orphans and NOT VALID constraint', async (t) => {
  const session = await DbSession.open(resolveUrl(url, nodeEnvAccess({}), 'healthmate-integrity'));
  try {
    const report = await buildReport(session, { analyzers: selectAnalyzers(['constraints', 'integrity']).analyzers, config: healthMateConfig() });
    const [constraints, integrity] = report.sections;
    t.diagnostic(`constraints analyzer: ${constraints!.durationMs} ms; integrity analyzer: ${integrity!.durationMs} ms (small scale)`);
    assert.equal(integrity!.error, undefined);
    const byId = new Map<string, number>();
    for (const f of [...constraints!.findings, ...integrity!.findings]) byId.set(f.id, (byId.get(f.id) ?? 0) + 1);
    t.diagnostic(`findings: ${[...byId].map(([id, n]) => `${id} ${n}`).join(', ')}`);
    const slow = [...integrity!.tables.flatMap((x) => x.rows)].sort((a, b) => Number(b.ms) - Number(a.ms)).slice(0, 5);
    t.diagnostic(`slowest checks: ${slow.map((r) => `${r.check} ${r.column ?? r.object} ${r.ms} ms`).join('; ')}`);
    for (const f of integrity!.findings) t.diagnostic(`${f.severity} ${f.title}`);
    assert.deepEqual(integrity!.findings.filter((f) => f.id === 'integrity.config-error').map((f) => f.title), [], 'HealthMate\'s rules all resolve');
    const rules = integrity!.tables.find((x) => x.id === 'integrity-rules')!.rows;
    const violations = (column: string, check: RegExp): number => {
      const row = rules.find((r) => r.column === column && check.test(String(r.check)));
      assert.ok(row, `${column} ${check}`);
      assert.match(String(row.scope), /^exact, all /);
      return Number(row.violations);
    };
    // The analyzer's counts agree with independent SQL over the same data.
    assert.equal(violations('users.email', /email/), await scalar(`SELECT count(*) AS n FROM users WHERE email !~ '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$'`));
    assert.equal(violations('users.phone', /phone/), await scalar(`SELECT count(*) AS n FROM users WHERE phone !~ '^\\+[1-9][0-9]{6,14}$'`));
    assert.equal(violations('users.date_of_birth', /date-past/), await scalar(`SELECT count(*) AS n FROM users WHERE date_of_birth > now()`));
    assert.equal(violations('health_data.value', /heart_rate/), await scalar(`SELECT count(*) AS n FROM health_data WHERE data_type = 'heart_rate' AND value NOT BETWEEN 20 AND 250`));
    assert.equal(violations('health_data.confidence', /range/), await scalar(`SELECT count(*) AS n FROM health_data WHERE confidence NOT BETWEEN 0 AND 1`));
    assert.equal(violations('medication_logs.frequency', /one of/), await scalar(`SELECT count(*) AS n FROM medication_logs WHERE frequency <> ALL ($1::text[])`, [HEALTHMATE_FREQUENCIES]));
    assert.equal(violations('symptom_logs.pain_level', /range/), await scalar(`SELECT count(*) AS n FROM symptom_logs WHERE pain_level NOT BETWEEN 0 AND 10`));
    assert.equal(violations('conversations.feedback', /one of/), await scalar(`SELECT count(*) AS n FROM conversations WHERE feedback NOT IN (-1, 0, 1)`));
    for (const [column, check] of [['users.date_of_birth', /plausible-age/], ['medication_logs.dosage', /quantity-with-unit/], ['health_goals.progress', /range/], ['health_alerts.severity', /one of/]] as const) {
      assert.ok(violations(column, check) > 0, `${column} ${check}`);
    }
    const orphans = integrity!.findings.find((f) => f.id === 'integrity.orphaned-rows' && f.object?.table === 'conversations');
    assert.ok(orphans, 'conversations.user_id orphans');
    assert.match(orphans.title, new RegExp(`: ${(await scalar(`SELECT count(*) AS n FROM conversations c WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = c.user_id)`)).toLocaleString('en-US')} rows point to no users row`));
    const notValid = constraints!.findings.find((f) => f.id === 'constraints.not-valid' && f.object?.name === 'health_goals_progress_check');
    assert.ok(notValid);
    assert.match(notValid.title, new RegExp(`: ${await scalar(`SELECT count(*) AS n FROM health_goals WHERE NOT (progress >= 0 AND progress <= 100)`)} rows would fail VALIDATE`));
  } finally {
    await session.close();
  }
});

test('runWorkload fills pg_stat_statements, including a spilling aggregate', async (t) => {
  await server.exec('SELECT pg_stat_statements_reset()', 'healthmate');
  const stats = await runWorkload(connect, { scale: 'small' });
  t.diagnostic(`workload (small): ${stats.elapsedMs} ms, ${stats.calls} statements, ${stats.errors} errors`);
  const failing = Object.entries(stats.queries).filter(([, q]) => q.errors > 0);
  assert.deepEqual(failing, [], 'no workload statement fails');
  for (const q of HEALTHMATE_QUERIES) assert.ok(stats.queries[q.name]!.calls > 0, `${q.name} was run`);
  assert.ok(stats.elapsedMs < 30_000, `small workload took ${stats.elapsedMs} ms`);

  const pgss = `SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query LIKE $1`;
  assert.ok((await scalar(pgss, ['SELECT DISTINCT ON (data_type) data_type, value, unit, timestamp%'])) > 0);
  assert.ok((await scalar(pgss, ['%now() - interval $%'])) > 0, 'interval literals are normalised to parameters');
  const spilled = await scalar(
    `SELECT coalesce(sum(temp_blks_written), 0) AS n FROM pg_stat_statements WHERE query LIKE '%stddev_samp(value)%'`,
  );
  assert.ok(spilled > 0, 'the reporting aggregate spills to temp files');
  const statements = await scalar(
    `SELECT count(*) AS n FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  t.diagnostic(`pg_stat_statements: ${statements} statements`);
  assert.ok(statements >= HEALTHMATE_QUERIES.length);
});

test('runWorkload stops promptly on abort', async () => {
  const ac = new AbortController();
  const started = Date.now();
  setTimeout(() => ac.abort(), 500);
  const stats = await runWorkload(connect, { scale: 'small', iterations: 1_000_000, signal: ac.signal });
  assert.equal(stats.stoppedEarly, true);
  assert.ok(Date.now() - started < 5_000, `abort took ${Date.now() - started} ms`);
  assert.equal(stats.errors, 0);
});

test('background sessions leave an idle transaction and a lock wait, and stop() clears them', async () => {
  const goalsBefore = await withClient(async (c) => (await c.query('SELECT id, progress, is_active, deadline FROM health_goals ORDER BY id')).rows);
  const conversationsBefore = await scalar('SELECT count(*) AS n FROM conversations');
  const bg = await startBackgroundSessions(connect);
  const activity = `SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1 AND `;
  try {
    assert.equal(await scalar(activity + `state = 'idle in transaction'`, [bg.pids.idleInTransaction]), 1);
    assert.equal(await scalar(activity + `state = 'idle in transaction'`, [bg.pids.blocker]), 1);
    assert.equal(await scalar(activity + `wait_event_type = 'Lock'`, [bg.pids.waiter]), 1);
    assert.ok(
      (await scalar(`SELECT count(*) AS n FROM pg_locks WHERE pid = $1 AND NOT granted`, [bg.pids.waiter])) > 0,
    );
  } finally {
    const started = Date.now();
    await bg.stop();
    assert.ok(Date.now() - started < 10_000, `stop() took ${Date.now() - started} ms`);
  }
  await bg.stop();
  const pids = Object.values(bg.pids);
  let left = -1;
  for (let i = 0; i < 50 && left !== 0; i++) {
    left = await scalar(`SELECT count(*) AS n FROM pg_stat_activity WHERE pid = ANY ($1::int[])`, [pids]);
    if (left) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(left, 0, 'every background backend is gone');
  // Everything was rolled back, and the waiter was cancelled before the lock was released, so its
  // update never happened either.
  const goalsAfter = await withClient(async (c) => (await c.query('SELECT id, progress, is_active, deadline FROM health_goals ORDER BY id')).rows);
  assert.deepEqual(goalsAfter, goalsBefore);
  assert.equal(await scalar('SELECT count(*) AS n FROM conversations'), conversationsBefore);
});
