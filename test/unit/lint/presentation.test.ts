// One problem, one diagnostic in the editor: a CREATE INDEX without CONCURRENTLY and without timeouts shows at most
// two diagnostics (the CONCURRENTLY one and one "no timeouts" one) with default settings; the CLI keeps both rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lintText } from '../../../src/core/lint/linter';
import { loadParser } from '../../../src/core/sql/parser';
import { editorFindings } from '../../../src/core/lint/presentation';

test('CREATE INDEX without CONCURRENTLY: at most 2 editor diagnostics; the merged fix inserts both timeouts', async () => {
  await loadParser();
  const sql = 'CREATE INDEX orders_user_idx ON orders (user_id);\n';
  const run = lintText(sql, {});
  const ids = run.findings.map((f) => f.ruleId);
  assert.ok(ids.includes('require-lock-timeout') && ids.includes('require-statement-timeout'), `the CLI keeps both: ${ids.join(', ')}`);
  const shown = editorFindings(run.findings).filter((f) => f.severity !== 'hint');
  assert.ok(shown.length <= 2, shown.map((f) => f.ruleId).join(', '));
  const timeout = shown.find((f) => f.ruleId === 'require-lock-timeout');
  assert.match(timeout?.message ?? '', /No lock_timeout and no statement_timeout/);
  const edit = timeout?.fix?.edits[0];
  assert.ok(edit);
  const fixed = sql.slice(0, edit.start) + edit.newText + sql.slice(edit.end);
  const after = editorFindings(lintText(fixed, {}).findings).map((f) => f.ruleId);
  assert.ok(!after.includes('require-lock-timeout') && !after.includes('require-statement-timeout'), after.join(', '));
});

test('a statement with lock_timeout set keeps its own statement_timeout finding', async () => {
  await loadParser();
  const run = lintText("SET lock_timeout = '1s';\nALTER TABLE orders ALTER COLUMN id TYPE bigint;\n", {});
  const shown = editorFindings(run.findings).map((f) => f.ruleId);
  assert.ok(shown.includes('require-statement-timeout'), shown.join(', '));
  assert.ok(!shown.includes('require-lock-timeout'));
});
