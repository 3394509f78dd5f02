import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lintTextAsync } from '../../../src/core/lint/linter';
import { migrationFromFinding, slug } from '../../../src/core/report/findingMigration';
import { needsAutocommit, statementsOf } from '../../../src/core/db/applyStatements';

const NOW = new Date('2026-11-28T09:05:07Z');

before(async () => {
  await lintTextAsync('SELECT 1;');
});

test('an index recommendation becomes a plain migration that our linter accepts', async () => {
  const d = migrationFromFinding(
    { title: 'Index on public.health_data (user_id, recorded_at)', sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "health_data_user_id_recorded_at_idx" ON public.health_data (user_id, recorded_at);', source: 'indexes.recommendation on demo' },
    { now: NOW },
  );
  assert.equal(d.fileName, '20261128090507_index_on_public_health_data_user_id_recorded_at.sql');
  assert.equal(d.nonTransactional, true);
  assert.match(d.text, /^-- Index on public\.health_data/);
  assert.match(d.text, /SET lock_timeout = '5s';\nSET statement_timeout = '0';\nCREATE INDEX CONCURRENTLY IF NOT EXISTS/);
  const run = await lintTextAsync(d.text);
  const serious = run.findings.filter((f) => f.severity !== 'info' && f.severity !== 'hint');
  assert.deepEqual(serious.map((f) => `${f.ruleId}: ${f.message}`), []);
});

test('dbmate style marks a CONCURRENTLY migration transaction:false and has a down section', async () => {
  const d = migrationFromFinding({ title: 'Drop invalid index', sql: 'DROP INDEX CONCURRENTLY IF EXISTS public."idx ""x""";', source: 'health' }, { now: NOW, style: 'dbmate' });
  assert.match(d.text, /^-- migrate:up transaction:false\n/);
  assert.match(d.text, /\n-- migrate:down\n$/);
  const run = await lintTextAsync(d.text);
  assert.equal(run.syntaxErrors, 0);
});

test('a transactional fix (VALIDATE CONSTRAINT) is not marked non-transactional', () => {
  const d = migrationFromFinding({ title: 'Validate fk', sql: 'ALTER TABLE t VALIDATE CONSTRAINT c;', source: 'x' }, { now: NOW, style: 'dbmate' });
  assert.equal(d.nonTransactional, false);
  assert.match(d.text, /^-- migrate:up\n/);
});

test('titles with newlines, quotes and non-ASCII become one comment line and a safe file name', () => {
  const d = migrationFromFinding({ title: 'Índex "ü"\n<script>alert(1)</script>', sql: 'CREATE INDEX CONCURRENTLY i ON t (x)', source: 'a\nb' }, { now: NOW });
  assert.equal(d.text.split('\n')[0], '-- Índex "ü" <script>alert(1)</script>');
  assert.doesNotMatch(d.text.split('\n')[1] ?? '', /\n/);
  assert.match(d.fileName, /^20261128090507_index_u_script_alert_1_script\.sql$/);
  assert.equal(slug('***'), 'migration');
  assert.throws(() => migrationFromFinding({ title: 'x', sql: '  ;  ', source: 'y' }, { now: NOW }), /no SQL/);
});

test('statementsOf drops our own transaction control; needsAutocommit knows the non-transactional statements', () => {
  assert.deepEqual(statementsOf("BEGIN; CREATE TABLE a (x int); INSERT INTO a VALUES (';'); COMMIT;"), ['CREATE TABLE a (x int)', "INSERT INTO a VALUES (';')"]);
  for (const s of ['CREATE INDEX CONCURRENTLY i ON t (x)', 'create unique index concurrently if not exists i on t (x)', 'DROP INDEX CONCURRENTLY i', 'REINDEX INDEX CONCURRENTLY i', 'REINDEX (VERBOSE) TABLE CONCURRENTLY t', 'VACUUM ANALYZE t', 'ALTER TABLE p DETACH PARTITION c CONCURRENTLY', 'ALTER SYSTEM SET work_mem = 1'])
    assert.equal(needsAutocommit(s), true, s);
  for (const s of ['CREATE INDEX i ON t (x)', 'ALTER TABLE t VALIDATE CONSTRAINT c', "INSERT INTO t VALUES ('CONCURRENTLY')"]) assert.equal(needsAutocommit(s), false, s);
});
