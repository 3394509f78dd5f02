// Inferred validators, the pure parts: reading names, finding a rating scale and a vocabulary in value
// counts, rounding observed bounds, deciding rules from a profile, and writing rules into pgopt.json text
// without disturbing the rest of the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePgoptFile, parseIntegritySettings } from '../../src/core/config';
import type { TableFacts } from '../../src/core/analyzers/integrity/inferredChecks';
import { inferRules, inferScale, inferVocabulary, nameTokens, niceBound, type ColumnProfile, type TableProfile } from '../../src/core/analyzers/integrity/inferredRules';
import { addRulesToPgoptText, proposedRules, ruleLine, RulesFileError, writeRulesToPgoptFile } from '../../src/core/analyzers/integrity/rulesFile';

const counts = (o: Record<string, number>): Map<string, number> => new Map(Object.entries(o));

test('name tokens split snake_case and camelCase', () => {
  assert.deepEqual(nameTokens('date_of_birth'), ['date', 'of', 'birth']);
  assert.deepEqual(nameTokens('lastLoginAt'), ['last', 'login', 'at']);
  assert.deepEqual(nameTokens('E-Mail'), ['e', 'mail']);
});

test('a rating scale comes from value counts; a long tail or negative values give none', () => {
  assert.deepEqual(inferScale(counts({ 4: 100, 5: 100, 6: 100, 7: 100, 8: 100, 9: 100, 10: 100, 0: 1, 11: 1, 15: 1 })), [1, 10]);
  assert.deepEqual(inferScale(counts({ 0: 100, 1: 100, 2: 100, 3: 80, 5: 60, 10: 40, 11: 1 })), [0, 10]);
  assert.deepEqual(inferScale(counts({ 1: 50, 2: 50, 3: 50, 4: 50, 5: 50 })), [1, 5]);
  // 99 % of the values at most 10, then a long tail of distinct values up to 60: data, not typos.
  const tail: Record<string, number> = { 1: 4000, 2: 2000, 3: 1000, 5: 500, 8: 300, 10: 200 };
  for (let v = 11; v <= 60; v += 2) tail[v] = 2;
  assert.equal(inferScale(counts(tail)), null, 'a long tail is data, not typos');
  assert.equal(inferScale(counts({ '-3': 50, '-1': 50, 0: 50, 2: 50 })), null);
  assert.equal(inferScale(counts({ 100: 10, 500: 50, 900: 50 })), null, 'beyond 100 is no rating scale');
});

test('a vocabulary keeps the frequent values and names the rare ones, only with a clear gap', () => {
  const role = inferVocabulary(counts({ patient: 1792, clinician: 120, researcher: 50, admin: 30, Patient: 3, doctor: 3, nurse: 2 }), 0.95);
  assert.deepEqual(role, { vocabulary: ['patient', 'clinician', 'researcher', 'admin'], rare: ['Patient', 'doctor', 'nurse'] });
  assert.deepEqual(inferVocabulary(counts({ open: 700, closed: 650, pending: 640 }), 0.95), { vocabulary: ['open', 'closed', 'pending'], rare: [] });
  // The widest gap among the values under 0.5 % decides where the rare ones start.
  assert.deepEqual(inferVocabulary(counts({ a: 500, b: 300, c: 120, d: 4, e: 3, f: 2, g: 2, h: 2, i: 1 }), 0.95)?.rare, ['d', 'e', 'f', 'g', 'h', 'i']);
  assert.equal(inferVocabulary(counts({ a: 600, b: 400, c: 8, d: 7, e: 6, f: 5 }), 0.95)?.rare.length ?? 0, 0, 'rare values close to the kept ones are no vocabulary split');
  // Too many rare rows: more than 5 % are outside, the column does not look like a vocabulary.
  assert.equal(inferVocabulary(counts(Object.fromEntries([['a', 400], ['b', 400], ...Array.from({ length: 30 }, (_v, i) => [`x${i}`, 3])])), 0.95), null);
});

test('observed bounds are rounded outward to two significant digits', () => {
  assert.equal(niceBound(135.2, 'up'), 140);
  assert.equal(niceBound(8.7, 'down'), 8.7);
  assert.equal(niceBound(36100, 'up'), 37000);
  assert.equal(niceBound(-23.4, 'down'), -24);
  assert.equal(niceBound(0.493, 'down'), 0.49);
});

const facts = (cols: Array<Partial<TableFacts['columns'][number]> & { column: string; typeOid: number; typeCategory: string }>): TableFacts => ({
  schema: 'public',
  table: 't',
  estimatedRows: 1000,
  pages: 10,
  key: ['id'],
  columns: cols.map((c) => ({ schema: 'public', table: 't', estimatedRows: 1000, pages: 10, analyzed: true, type: 'text', notNull: false, nullFrac: 0, nDistinct: -1, uniqueAlone: false, inForeignKey: false, key: ['id'], ...c })),
});
const text = (column: string, nonNull: number, formats: Partial<Record<'email' | 'phone' | 'url' | 'uuid' | 'quantity-with-unit', number>>, values?: Map<string, number>): ColumnProfile => ({
  column,
  typeOid: 25,
  typeCategory: 'S',
  nonNull,
  distinct: values?.size ?? nonNull,
  formats: { email: 0, phone: 0, url: 0, uuid: 0, 'quantity-with-unit': 0, ...formats },
  ...(values ? { values } : {}),
});

test('formats need the threshold share of sampled values, and phones need a name that says so', () => {
  const t = facts(['email', 'contact', 'phone', 'notes', 'mobile'].map((column) => ({ column, typeOid: 25, typeCategory: 'S' })));
  const profile: TableProfile = {
    schema: 'public',
    table: 't',
    sampled: 1000,
    groups: [],
    columns: [
      text('email', 1000, { email: 990 }),
      text('contact', 1000, { email: 995 }), // no hint: needs 99 %
      text('phone', 1000, { phone: 300 }), // 30 % phone-like: nothing
      text('notes', 1000, { phone: 999 }), // phone-like but no phone name: nothing
      text('mobile', 40, { phone: 40 }), // too few values
    ],
  };
  const rules = inferRules(t, profile, 0.95);
  assert.deepEqual(
    rules.map((r) => [r.rule.column, r.rule.format, r.confidence]),
    [
      ['email', 'email', 'high'],
      ['contact', 'email', 'medium'],
    ],
  );
  assert.match(rules[0]!.evidence, /the name "email" and 99\.0 % of 1000 sampled values match format email/);
  assert.deepEqual(inferRules(t, profile, 0.999).map((r) => r.rule.column), [], 'a stricter inferMinShare drops both');
});

test('dates: birth dates get plausible-age, past events date-past, deadlines nothing', () => {
  const t = facts(['date_of_birth', 'created_at', 'deadline', 'next_visit_at'].map((column) => ({ column, typeOid: 1082, typeCategory: 'D' })));
  const d = (column: string, past: number, plausibleAge: number): ColumnProfile => ({ column, typeOid: 1082, typeCategory: 'D', nonNull: 1000, distinct: 900, past, plausibleAge });
  const rules = inferRules(t, { schema: 'public', table: 't', sampled: 1000, groups: [], columns: [d('date_of_birth', 998, 996), d('created_at', 1000, 1000), d('deadline', 1000, 1000), d('next_visit_at', 1000, 1000)] }, 0.95);
  assert.deepEqual(rules.map((r) => `${r.rule.column} ${r.rule.format}`), ['date_of_birth plausible-age', 'created_at date-past']);
});

test('measurements by kind: one observed range per kind, never below 0 for non-negative kinds', () => {
  const t = facts([
    { column: 'data_type', typeOid: 25, typeCategory: 'S' },
    { column: 'value', typeOid: 701, typeCategory: 'N' },
  ]);
  const rules = inferRules(
    t,
    {
      schema: 'public',
      table: 't',
      sampled: 5000,
      columns: [],
      groups: [
        { value: 'value', by: 'data_type', group: 'heart_rate', nonNull: 3000, q01: 45, q25: 63, q75: 81, q99: 100 },
        { value: 'value', by: 'data_type', group: "it's", nonNull: 50, q01: 1, q25: 2, q75: 3, q99: 4 },
        { value: 'value', by: 'data_type', group: 'flat', nonNull: 500, q01: 7, q25: 7, q75: 7, q99: 7 },
      ],
    },
    0.95,
  );
  assert.equal(rules.length, 1, 'too few values or no spread: no range');
  assert.deepEqual(rules[0]!.rule, { table: 't', column: 'value', range: [9, 140], where: `"data_type" = 'heart_rate'` });
  assert.equal(rules[0]!.confidence, 'low');
});

test('inferRules settings: inferRules and inferMinShare are validated', () => {
  assert.equal(parseIntegritySettings({}).settings.inferRules, true);
  assert.equal(parseIntegritySettings({}).settings.inferMinShare, 0.95);
  const bad = parseIntegritySettings({ inferMinShare: 0.3 });
  assert.match(bad.problems.map((p) => p.path).join(), /inferMinShare/);
});

const EMAIL = { table: 'users', column: 'email', format: 'email' as const };
const HEART = { table: 'health_data', column: 'value', range: [9, 140] as [number, number], where: `"data_type" = 'heart_rate'` };

test('rules are appended after the last one in its style; the rest of the file is untouched', () => {
  const original = `{\n  "connections": [{ "name": "dev", "url": "postgres://localhost/dev" }],\n  "integrity": {\n    "sampleRows": 5000,\n    "rules": [\n      { "table": "users", "column": "phone", "format": "phone" }\n    ]\n  },\n  "monitoring": { "intervalMinutes": 10 }\n}\n`;
  const r = addRulesToPgoptText(original, [EMAIL, HEART]);
  assert.deepEqual(r.added, [EMAIL, HEART]);
  assert.equal(
    r.text,
    original.replace(
      '"format": "phone" }\n',
      `"format": "phone" },\n      { "table": "users", "column": "email", "format": "email" },\n      { "table": "health_data", "column": "value", "range": [9, 140], "where": "\\"data_type\\" = 'heart_rate'" }\n`,
    ),
  );
  const parsed = parsePgoptFile(r.text);
  assert.deepEqual(parsed.problems, []);
  // Again: nothing new.
  const again = addRulesToPgoptText(r.text, [EMAIL]);
  assert.deepEqual(again.added, []);
  assert.deepEqual(again.present, [EMAIL]);
  assert.equal(again.text, r.text);
});

test('a missing file or section is created; a broken file is refused with a sentence', () => {
  const fresh = addRulesToPgoptText(undefined, [EMAIL]);
  assert.deepEqual(JSON.parse(fresh.text), { integrity: { rules: [EMAIL] } });
  assert.match(fresh.text, /\{ "table": "users", "column": "email", "format": "email" \}/);
  const noSection = addRulesToPgoptText('{\n  "monitoring": { "intervalMinutes": 10 }\n}\n', [EMAIL, HEART]);
  assert.deepEqual(JSON.parse(noSection.text), { monitoring: { intervalMinutes: 10 }, integrity: { rules: [EMAIL, HEART] } });
  assert.throws(() => addRulesToPgoptText('{ "integrity": { "rules": [ }', [EMAIL]), (e: Error) => e instanceof RulesFileError && /is not a JSON object .*nothing was written/.test(e.message));
  assert.throws(() => addRulesToPgoptText('{ "integrity": { "rules": {} } }', [EMAIL]), /"integrity\.rules" must be an array/);
  assert.equal(ruleLine({ table: 'a', column: 'b', oneOf: ['x, y', 2] }), '{ "table": "a", "column": "b", "oneOf": ["x, y", 2] }');
});

test('the file is written atomically, keeps a BOM, and the report names each rule once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-rules-'));
  const file = join(dir, 'pgopt.json');
  writeFileSync(file, '\uFEFF{ "integrity": { "rules": [] } }\n');
  const r = writeRulesToPgoptFile(file, proposedRules({ sections: [{ findings: [{ rule: EMAIL }, { rule: { ...EMAIL } }, { rule: HEART }, {}] }] } as never));
  assert.equal(r.added.length, 2);
  assert.equal(r.created, false);
  const written = readFileSync(file, 'utf8');
  assert.ok(written.startsWith('\uFEFF'));
  assert.deepEqual(JSON.parse(written.slice(1)).integrity.rules, [EMAIL, HEART]);
  assert.deepEqual(readdirSync(dir), ['pgopt.json'], 'no temporary file left behind');
  const created = writeRulesToPgoptFile(join(dir, 'new.json'), [EMAIL]);
  assert.equal(created.created, true);
  assert.throws(() => writeRulesToPgoptFile(dir, [EMAIL]), /is a folder/);
});
