// pg_qualstats example queries joining the pg_stat_statements workload: deduplicated by fingerprint (constants
// and `$n` fold together), weighted by executions, texts that do not parse kept apart by queryid.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeQualstatsExamples } from '../../src/core/advisor/qualstats';
import { makeStatement } from '../../src/core/advisor/workload';
import { loadParser } from '../../src/core/sql/parser';

before(async () => {
  await loadParser();
});

test('mergeQualstatsExamples: adds what pg_stat_statements lacks, once, and skips what it holds', () => {
  const pgss = [makeStatement('SELECT id FROM orders WHERE customer_id = $1', 500, 500, 12, 'pg_stat_statements', 0)];
  const merged = mergeQualstatsExamples(pgss, [
    { queryId: '11', query: 'SELECT id FROM orders WHERE customer_id = 42', calls: 480, from: 'example' },
    { queryId: '22', query: `SELECT id FROM "Ordérs ""x""" WHERE "Sku Code" = 7`, calls: 40, from: 'example' },
    { queryId: '33', query: `SELECT id FROM "Ordérs ""x""" WHERE "Sku Code" = 9`, calls: 3, from: 'example' },
    { queryId: '44', query: 'SELECT id FROM WHERE broken (', calls: 2, from: 'pg_stat_statements' },
  ]);
  assert.equal(merged.duplicates, 2, 'customer_id = 42 is the pgss statement; Sku Code = 9 repeats Sku Code = 7');
  assert.equal(merged.added, 2);
  assert.deepEqual([...merged.addedQueryIds].sort(), ['22', '44']);
  assert.equal(merged.statements.length, 3);
  assert.equal(merged.statements[0], pgss[0], 'pg_stat_statements entries are kept as they were');
  assert.equal(pgss[0]!.calls, 500, 'a duplicate does not add its executions to the pgss statement');
  const added = merged.statements.slice(1);
  assert.deepEqual(added.map((s) => [s.source, s.calls, s.rows]), [['pg_qualstats', 40, 0], ['pg_qualstats', 2, 0]]);
  assert.equal(added[1]!.id, 'qualstats:44', 'a text that does not parse keeps an id of its own');
  assert.equal(mergeQualstatsExamples(pgss, []).statements.length, 1);
});
