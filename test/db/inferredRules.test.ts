// Validators without writing rules: with no pgopt.json, the integrity analyzer infers column rules from
// names, types and sampled values and reports their violations as inferred. On HealthMate (small scale) it
// must find the problems the generator planted (bad emails, phones, birth dates, heart rates and other
// readings out of range, dosages without unit, unknown frequencies, pain levels, progress over 100 ...);
// on clean columns — free text, a column with only 30 % phone-like values, a status vocabulary without rare
// values, a long-tailed score — it must report nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePgoptFile } from '../../src/core/config';
import { createHealthMate } from '../../scripts/healthmate/generate';
import { integrityAnalyzer } from '../../src/core/analyzers/integrity/integrityAnalyzer';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { buildReport } from '../../src/core/report/buildReport';
import type { ReportFinding, ReportSection } from '../../src/core/report/model';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let healthmate: DbSession;
let clean: DbSession;
let hm: ReportSection;
let hmUrl: string;
const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

async function exec(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function integrity(session: DbSession): Promise<ReportSection> {
  // No pgopt.json: an empty config.
  const report = await buildReport(session, { analyzers: [integrityAnalyzer], config: {} });
  const s = report.sections[0]!;
  assert.equal(s.error, undefined, s.error);
  return s;
}

before(async () => {
  db = await startTestPostgres();
  hmUrl = await db.createDatabase('healthmate_inferred');
  const c = new pg.Client({ connectionString: hmUrl });
  await c.connect();
  try {
    await createHealthMate(c, { scale: 'small' });
  } finally {
    await c.end();
  }
  healthmate = await DbSession.open(resolveUrl(hmUrl, nodeEnvAccess({}), 'inferred-test'));
  const cleanUrl = await db.createDatabase('clean_inferred');
  await exec(
    cleanUrl,
    `CREATE TABLE contacts (id serial PRIMARY KEY, notes text, phone text, status text, score int, nickname text, created_at timestamptz);
     INSERT INTO contacts (notes, phone, status, score, nickname, created_at)
     SELECT 'called about order ' || g || CASE WHEN g % 7 = 0 THEN ', left a message' ELSE '' END,
            CASE WHEN g % 10 < 3 THEN '+4420' || lpad(g::text, 7, '0') ELSE 'ask reception, ext ' || (g % 90) END,
            (ARRAY['open', 'pending', 'closed', 'archived'])[1 + g % 4],
            -- a long tail: most scores small, a few large ones (data, not typos)
            floor(power(g % 97, 2) / 90)::int,
            (ARRAY['Al', 'Bo', 'Cy', 'Di', 'Ed'])[1 + g % 5] || (g % 37),
            now() - interval '1 hour' * g
       FROM generate_series(1, 3000) g;
     ANALYZE;`,
  );
  clean = await DbSession.open(resolveUrl(cleanUrl, nodeEnvAccess({}), 'inferred-test'));
  hm = await integrity(healthmate);
});

after(async () => {
  await healthmate?.close();
  await clean?.close();
  await db?.stop();
});

const inferred = (s: ReportSection): ReportFinding[] => s.findings.filter((f) => f.id === 'integrity.inferred-rule-violation');

function found(column: string, rule: RegExp, where?: string): ReportFinding {
  const fs = inferred(hm).filter((f) => f.title.startsWith(`Inferred: public.${column}: `) && rule.test(f.title) && (where === undefined || f.rule?.where?.includes(where)));
  assert.equal(fs.length, 1, `${column} ${rule}${where ? ` where ${where}` : ''}: expected one inferred finding, got ${fs.length}. All inferred: ${inferred(hm).map((f) => f.title).join(' | ')}`);
  return fs[0]!;
}

test('HealthMate without pgopt.json: the planted format, range and vocabulary problems are found as inferred rules', () => {
  const email = found('users.email', /violate format email/);
  assert.match(email.title, /^Inferred: public\.users\.email: \d+ rows violate format email$/);
  assert.match(email.detail, /Inferred, not a rule from pgopt\.json \(format, confidence high\): the name "email" and 9\d\.\d % of \d+ sampled values match format email, at least 95 % needed/);
  assert.deepEqual(email.rule, { table: 'users', column: 'email', format: 'email' });
  assert.match(email.sql ?? '', /ADD CONSTRAINT "users_email_email_check" CHECK \("email"::text ~ .*\) NOT VALID;[^]*VALIDATE CONSTRAINT/);
  assert.match(email.action ?? '', /Add as Rule[^]*--write-rules/);

  const phone = found('users.phone', /violate format phone/);
  assert.deepEqual(phone.rule, { table: 'users', column: 'phone', format: 'phone' });
  const dob = found('users.date_of_birth', /violate format plausible-age/);
  assert.equal(dob.sql, undefined, 'a time-dependent rule proposes no CHECK');
  found('users.role', /violate one of "admin", "clinician", "patient", "researcher"$/);

  // Readings: one range per data_type, from the kind's own values.
  for (const kind of ['heart_rate', 'blood_glucose', 'temperature', 'oxygen_saturation', 'steps', 'weight']) {
    const f = found('health_data.value', /violate range \[/, `'${kind}'`);
    assert.equal(f.rule?.where, `"data_type" = '${kind}'`);
    assert.match(f.detail, /observed range, confidence low/);
  }
  const heart = found('health_data.value', /violate range/, `'heart_rate'`);
  const [lo, hi] = heart.rule!.range!;
  assert.ok(lo > 0 && lo < 42 && hi > 102 && hi < 310, `heart rate range ${lo}–${hi} keeps 42–102 and excludes the planted 0 and 310`);
  assert.match(heart.sql ?? '', /CHECK \(NOT \("data_type" = 'heart_rate'\) OR \("value" >= \d+ AND "value" <= \d+\)\) NOT VALID/);

  found('health_data.confidence', /violate range \[0, 1\]/);
  found('health_data.timestamp', /violate format date-past/);
  found('medication_logs.dosage', /violate format quantity-with-unit/);
  const freq = found('medication_logs.frequency', /violate one of/);
  assert.match(freq.detail, /confidence high/);
  assert.deepEqual([...(freq.rule?.oneOf ?? [])].sort(), ['as needed', 'at bedtime', 'every 12 hours', 'every 4 hours', 'every 6 hours', 'every 8 hours', 'once daily', 'three times daily', 'twice daily', 'weekly']);
  found('medication_logs.effectiveness', /violate range \[1, 10\]/);
  found('symptom_logs.pain_level', /violate range \[0, 10\]/);
  found('symptom_logs.severity', /violate one of "mild", "moderate", "severe"$/);
  found('health_alerts.severity', /violate one of "critical", "info", "warning"$/);
  found('health_alerts.alert_type', /violate one of/);
  found('conversations.feedback', /violate one of -1, 0, 1$/);
  // progress is the condition of the existing NOT VALID constraint: validate it, no second CHECK.
  const progress = found('health_goals.progress', /violate range \[0, 100\] \(constraint health_goals_progress_check\)/);
  assert.match(progress.sql ?? '', /VALIDATE CONSTRAINT "health_goals_progress_check"/);
  assert.doesNotMatch(progress.sql ?? '', /ADD CONSTRAINT/);
});

test('HealthMate: clean columns get no inferred finding, and the rules that hold are listed in the table', () => {
  const noisy = inferred(hm).filter((f) => ['full_name', 'message', 'response', 'notes', 'symptom', 'medication_name', 'goal_type', 'data_type', 'source', 'created_at', 'last_login_at', 'deadline', 'target_value'].includes(f.object?.name ?? ''));
  assert.deepEqual(noisy.map((f) => f.title), []);
  const table = hm.tables.find((t) => t.id === 'integrity-inferred')!;
  const holds = table.rows.filter((r) => r.violations === 0).map((r) => `${r.column} ${r.check}`);
  assert.ok(holds.some((h) => h.startsWith('public.users.created_at format date-past')), holds.join('\n'));
  assert.ok(holds.some((h) => h.startsWith('public.health_data.data_type one of')), holds.join('\n'));
  assert.equal(hm.metrics.find((m) => m.id === 'integrity-inferred-violations')?.value, inferred(hm).length);
});

test('clean columns: free text, 30 % phone-like values, a vocabulary without rare values and a long tail produce no inferred finding', async () => {
  const s = await integrity(clean);
  assert.deepEqual(inferred(s).map((f) => f.title), []);
  const rows = s.tables.find((t) => t.id === 'integrity-inferred')!.rows;
  const columns = rows.map((r) => String(r.column));
  assert.ok(!columns.includes('public.contacts.phone'), 'a column with 30 % phone-like values is not inferred to be a phone');
  assert.ok(!columns.includes('public.contacts.notes') && !columns.includes('public.contacts.nickname'), 'free text is not an enumeration');
  assert.ok(!columns.includes('public.contacts.score'), 'a long-tailed score is not a scale');
  assert.ok(columns.includes('public.contacts.status') && columns.includes('public.contacts.created_at'), `holding rules are listed: ${columns.join(', ')}`);
});

test('integrity.inferRules = false turns inference off; a pgopt.json rule on a column replaces the inferred one', async () => {
  const off = await buildReport(healthmate, { analyzers: [integrityAnalyzer], config: { integrity: { inferRules: false } } });
  assert.equal(inferred(off.sections[0]!).length, 0);
  const withRule = await buildReport(healthmate, { analyzers: [integrityAnalyzer], config: { integrity: { rules: [{ table: 'users', column: 'email', regex: '@' }], inferred: false } } });
  const s = withRule.sections[0]!;
  assert.ok(!inferred(s).some((f) => f.object?.name === 'email' && f.object.table === 'users'), 'the configured rule wins');
  assert.ok(inferred(s).some((f) => f.object?.name === 'phone'), 'the other columns are still inferred');
});

test('pgopt analyze --write-rules adds the inferred rules to pgopt.json, keeps the rest, lists what it added; a second run adds nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-write-rules-'));
  const file = join(dir, 'pgopt.json');
  const original = `{\n  "monitoring": { "intervalMinutes": 7 },\n  "integrity": {\n    "rules": [\n      { "table": "users", "column": "email", "format": "email" }\n    ]\n  }\n}\n`;
  writeFileSync(file, original);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && k !== 'DATABASE_URL'));
  const run = () => spawnSync(process.execPath, [CLI, 'analyze', '--url', hmUrl, '--sections', 'integrity', '--config', file, '--write-rules', '--format', 'json', '--out', join(dir, 'report.json')], { encoding: 'utf8', cwd: dir, env, timeout: 300_000 });
  const first = run();
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, /updated .*pgopt\.json: added \d+ inferred rules to integrity\.rules/);
  assert.match(first.stderr, /\n  \+ users\.phone format phone\n/);
  assert.match(first.stderr, /\n  \+ health_data\.value range \[\d+(\.\d+)?, \d+\] where "data_type" = 'heart_rate'\n/);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.startsWith(original.slice(0, original.indexOf('"format": "email" }') + '"format": "email" }'.length)), 'the file before the new rules is unchanged');
  const { file: parsed, problems } = parsePgoptFile(text);
  assert.deepEqual(problems, []);
  assert.deepEqual(parsed.monitoring, { intervalMinutes: 7 });
  const rules = (parsed.integrity as { rules: { table: string; column: string }[] }).rules;
  assert.equal(rules.filter((r) => r.table === 'users' && r.column === 'email').length, 1, 'the configured email rule is not added again');
  assert.ok(rules.length > 20, `${rules.length} rules`);
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { sections: ReportSection[] };
  assert.equal(report.sections[0]!.findings.filter((f) => f.rule).length, rules.length - 1);
  const second = run();
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stderr, /no inferred rule to add/);
  assert.equal(readFileSync(file, 'utf8'), text);
});
