// pgopt.json "integrity": the documented shape parses, a bad rule is a problem naming its index while
// the other rules are kept, `where` must be one condition, and the sampling plan labels estimates.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIntegritySettings, parsePgoptFile } from '../../src/core/config';
import { buildRuleCheck, checkWhereClause, RuleConfigError } from '../../src/core/analyzers/integrity/columnRules';
import { describeCount, describeScope, fromItem, planSample } from '../../src/core/analyzers/integrity/tableSample';
import { referencedTableNames } from '../../src/core/analyzers/integrity/inferredChecks';
import { loadParser } from '../../src/core/sql/parser';

before(async () => {
  await loadParser();
});

const ISSUE_EXAMPLE = {
  integrity: {
    rules: [
      { table: 'users', column: 'email', format: 'email' },
      { table: 'health_data', column: 'value', range: [20, 250], where: "data_type = 'heart_rate'" },
      { table: 'medication_logs', column: 'frequency', oneOf: ['twice daily', 'as needed'] },
    ],
  },
};

test('the documented pgopt.json shape parses with defaults', () => {
  const { file, problems } = parsePgoptFile(JSON.stringify(ISSUE_EXAMPLE));
  assert.deepEqual(problems, []);
  const { settings } = parseIntegritySettings(file.integrity);
  assert.equal(settings.rules.length, 3);
  assert.equal(settings.sampleRows, 200_000);
  assert.equal(settings.sampleMethod, 'system');
  assert.equal(settings.inferred, true);
  assert.deepEqual(settings.rules[1]!.range, [20, 250]);
});

test('a bad rule is a problem naming its index; the valid rules are kept', () => {
  const raw = {
    rules: [
      { table: 'users', column: 'email', format: 'email' },
      { table: 'users', column: 'email', format: 'emial' },
      { table: 'users', column: 'age', range: [10, 1] },
      { table: 'users', column: 'x', format: 'email', regex: '^a' },
      { table: 'users', column: 'phone', format: 'phone', severity: 'error', sampleRows: 5000 },
      { table: 'users' },
    ],
    sampleRows: 10,
  };
  const { settings, problems, ruleIndexes } = parseIntegritySettings(raw, 'pgopt.json integrity');
  assert.deepEqual(settings.rules.map((r) => r.column), ['email', 'phone']);
  assert.deepEqual(ruleIndexes, [0, 4]);
  const paths = problems.map((p) => p.path);
  for (const i of [1, 2, 3, 5]) assert.ok(paths.some((p) => p.startsWith(`pgopt.json integrity.rules[${i}]`)), `rule ${i} in ${paths.join(', ')}`);
  assert.ok(paths.includes('pgopt.json integrity.sampleRows'), paths.join(', '));
  assert.ok(problems.some((p) => /exactly one of "format", "range", "oneOf", "regex"/.test(p.message)));
  assert.ok(problems.some((p) => /min <= max/.test(p.message)));
  // parsePgoptFile reports the same problems for the CLI.
  const { problems: fileProblems } = parsePgoptFile(JSON.stringify({ integrity: raw }));
  assert.ok(fileProblems.some((p) => p.path === 'pgopt.json.integrity.rules[1].format'), fileProblems.map((p) => p.path).join());
});

test('a where clause must be a single condition', () => {
  assert.equal(checkWhereClause("data_type = 'heart_rate'"), undefined);
  assert.equal(checkWhereClause('a > 1 -- trailing comment'), undefined);
  assert.match(checkWhereClause("1 = 1); COMMIT; DELETE FROM users; SELECT (1") ?? '', /single SQL condition|not a valid/);
  assert.match(checkWhereClause('data_type = ') ?? '', /not a valid SQL condition/);
});

test('formats need a fitting column type', () => {
  assert.throws(() => buildRuleCheck({ table: 't', column: 'c', format: 'date-past' }, { schema: 'public', typeCategory: 'S' }), RuleConfigError);
  assert.throws(() => buildRuleCheck({ table: 't', column: 'c', range: [1, 2] }, { schema: 'public', typeCategory: 'S' }), RuleConfigError);
  const age = buildRuleCheck({ table: 't', column: 'age', format: 'plausible-age' }, { schema: 'public', typeCategory: 'N' });
  assert.equal(age.constraintExpr, '"age" >= 0 AND "age" <= 120');
  const where = buildRuleCheck({ table: 'h', column: 'v', range: [20, 250], where: "k = 'hr'" }, { schema: 'public', typeCategory: 'N' }, '1');
  assert.equal(where.constraintExpr, `NOT (k = 'hr') OR ("v" >= 20 AND "v" <= 250)`);
  assert.equal(where.constraintName, 'h_v_range_1_check');
  const commented = buildRuleCheck({ table: 'h', column: 'v', range: [1, 2], where: "k = 'hr' -- heart rate" }, { schema: 'public', typeCategory: 'N' });
  assert.equal(commented.constraintExpr, `NOT (\nk = 'hr' -- heart rate\n) OR ("v" >= 1 AND "v" <= 2)`);
  const params: unknown[] = [];
  const sql = where.predicate('"r"."v"', (v) => {
    params.push(v);
    return `$${params.length}`;
  });
  assert.equal(sql, '"r"."v" >= $1 AND "r"."v" <= $2');
  assert.deepEqual(params, [20, 250]);
});

test('sampling: small tables exactly, large ones sampled with a stated size; SYSTEM falls back to BERNOULLI on few pages', () => {
  const exact = planSample(1000, 200_000, 'system', 10);
  assert.equal(exact.sampled, false);
  assert.equal(describeScope(exact, 1000), 'exact, all 1,000 rows');
  assert.equal(fromItem('public', 't"x', 'r', exact), '"public"."t""x" AS "r"');
  const big = planSample(5_000_000, 50_000, 'system', 30_000);
  assert.deepEqual(big, { sampled: true, percent: 1, method: 'system', estimatedRows: 5_000_000 });
  assert.equal(describeScope(big, 50_123), 'estimate from a 1 % SYSTEM sample, 50,123 rows of about 5,012,300');
  assert.match(fromItem('public', 't', 'r', big), /TABLESAMPLE SYSTEM \(1\) REPEATABLE \(\d+\)$/);
  assert.equal(describeCount(3, big), '3 rows in the sample (≈ 300 in the table)');
  assert.equal(planSample(50_000, 1000, 'system', 250).method, 'bernoulli');
});

test('referenced table names from *_id columns', () => {
  assert.deepEqual(referencedTableNames('user_id'), ['user', 'users']);
  assert.deepEqual(referencedTableNames('category_id'), ['category', 'categorys', 'categories']);
  assert.deepEqual(referencedTableNames('box_id'), ['box', 'boxs', 'boxes']);
  assert.deepEqual(referencedTableNames('identity'), []);
});
