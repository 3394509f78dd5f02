// The "Add constraint" migrations the integrity and constraints analyzers offer are linted with our own
// linter, step by step (each step is its own migration file): none may carry an error or a warning.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lintText, loadParser } from '../../src/core/lint/linter';
import {
  checkConstraintMigration,
  foreignKeyMigration,
  identifierName,
  notNullMigration,
  renderMigration,
  uniqueMigration,
  validateStep,
  type MigrationStep,
} from '../../src/core/analyzers/integrity/safeConstraintSql';
import { buildRuleCheck } from '../../src/core/analyzers/integrity/columnRules';
import type { IntegrityRule } from '../../src/core/config';

before(async () => {
  await loadParser();
});

const HOSTILE_TABLE = 'we"ird tâble <script>alert(1)</script>';
const HOSTILE_COLUMN = 'e-mail "addr" 📧';

function assertClean(steps: MigrationStep[], label: string): void {
  assert.ok(steps.length > 0, `${label}: no steps`);
  for (const [i, s] of steps.entries()) {
    const run = lintText(s.sql, { pgVersion: 15, assumeInTransaction: !s.noTransaction });
    assert.equal(run.syntaxErrors, 0, `${label} step ${i + 1} does not parse: ${s.sql}`);
    const bad = run.findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
    assert.deepEqual(
      bad.map((f) => `${f.ruleId}: ${f.message}`),
      [],
      `${label} step ${i + 1}:\n${s.sql}`,
    );
  }
}

const RULES: IntegrityRule[] = [
  { table: HOSTILE_TABLE, column: HOSTILE_COLUMN, format: 'email' },
  { table: 'users', column: 'phone', format: 'phone' },
  { table: 'users', column: 'site', format: 'url' },
  { table: 'users', column: 'token', format: 'uuid' },
  { table: 'users', column: 'date_of_birth', format: 'date-past' },
  { table: 'users', column: 'date_of_birth', format: 'plausible-age' },
  { table: 'medication_logs', column: 'dosage', format: 'quantity-with-unit' },
  { table: 'health_data', column: 'value', range: [20, 250], where: "data_type = 'heart_rate'" },
  { table: 'medication_logs', column: 'frequency', oneOf: ["twice daily", "it's 'quoted'", 'as needed'] },
  { table: 'conversations', column: 'feedback', oneOf: [-1, 0, 1] },
  { table: 'health_alerts', column: 'alert_type', regex: "^[a-z]+(_[a-z]+)*$\\'" },
];

test('CHECK migrations generated from every kind of rule lint clean', () => {
  for (const rule of RULES) {
    const typeCategory = rule.format === 'plausible-age' || rule.format === 'date-past' ? 'D' : rule.range || rule.column === 'feedback' ? 'N' : 'S';
    const check = buildRuleCheck(rule, { schema: 'public', typeCategory });
    const steps = checkConstraintMigration('public', rule.table, check.constraintName, check.constraintExpr);
    assertClean(steps, `${rule.table}.${rule.column} ${JSON.stringify(rule)}`);
    assert.match(steps[0]!.sql, /NOT VALID;$/);
    assert.match(steps[1]!.sql, /VALIDATE CONSTRAINT/);
  }
});

test('NOT NULL, UNIQUE, FOREIGN KEY and VALIDATE migrations lint clean, with hostile names quoted', () => {
  assertClean(notNullMigration('my schema', HOSTILE_TABLE, HOSTILE_COLUMN, 150000), 'not null');
  assertClean(uniqueMigration('public', HOSTILE_TABLE, [HOSTILE_COLUMN], identifierName(HOSTILE_TABLE, HOSTILE_COLUMN, 'key')), 'unique');
  assertClean(foreignKeyMigration('public', 'conversations', 'conversations_user_id_fkey', ['user_id'], 'public', 'users', ['id']), 'fk');
  assertClean([validateStep('public', HOSTILE_TABLE, 'a"b')], 'validate');
  const nn = notNullMigration('public', 't', 'c', 150000);
  assert.equal(nn.length, 2);
  assert.match(nn[0]!.sql, /ADD CONSTRAINT "t_c_not_null" CHECK \("c" IS NOT NULL\) NOT VALID;$/);
  assert.match(nn[1]!.sql, /^ALTER TABLE "public"\."t" VALIDATE CONSTRAINT "t_c_not_null";\n[^]*SET NOT NULL;\nALTER TABLE "public"\."t" DROP CONSTRAINT "t_c_not_null";$/);
  assertClean(notNullMigration('public', 't', 'c', 110000), 'not null before 12');
  const text = renderMigration(uniqueMigration('public', 't', ['c'], 't_c_key'));
  assert.match(text, /^-- Migration 1 of 2 \(no transaction block\)/);
  assert.ok(text.includes('"we""ird') === false);
  assert.ok(renderMigration(notNullMigration('public', HOSTILE_TABLE, HOSTILE_COLUMN, 150000)).includes('"we""ird tâble <script>alert(1)</script>"'));
});

test('identifier names: at most 63 bytes, cut on a character boundary, unique through a short hash, suffix kept', () => {
  const long = identifierName('é'.repeat(40), 'col');
  assert.ok(new TextEncoder().encode(long).length <= 63);
  assert.match(long, /^é+_[0-9a-f]{8}_col$/);
  assert.equal(identifierName('t', 'c', 'key'), 't_c_key');
  // A 63-byte table: the name is not the table's, and two columns get two names.
  const table = `${'t'.repeat(57)}_é_ü`;
  assert.equal(new TextEncoder().encode(table).length, 63);
  const a = identifierName(table, 'order_code', 'key');
  const b = identifierName(table, 'account_code', 'key');
  assert.notEqual(a, table);
  assert.notEqual(a, b);
  for (const n of [a, b]) assert.ok(new TextEncoder().encode(n).length <= 63, n);
});
