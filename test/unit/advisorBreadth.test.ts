// Pure parts of the advisor's breadth (issue 20): ORDER BY resolution and directions, write targets, quoted
// keys, table patterns, server-log parsing in its three formats.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tableMatches } from '../../src/core/advisor/advisor';
import { normalizeKey } from '../../src/core/advisor/catalog';
import { coveredByExisting, generateCandidates } from '../../src/core/advisor/candidates';
import { csvRecords, detectLogFormat, parseDurationMessage, parseServerLog } from '../../src/core/advisor/workloadSources';
import { loadParser } from '../../src/core/sql/parser';
import { catalogOf, catalogTable, existingIndex, statementShape } from '../harness/advisorCatalog';

const posts = catalogTable(1, 'public', 'posts', ['id', 'user_id', 'blog_id']);
const foo = catalogTable(2, 'Bar', 'Foo', ['Id', 'id']);
const cat = catalogOf(posts, foo);
const shape = (sql: string) => statementShape(cat, sql);

before(async () => {
  await loadParser();
});

test('ORDER BY by position and alias resolves to the select list; directions kept, all-DESC dropped', () => {
  assert.deepEqual(shape('SELECT user_id FROM posts ORDER BY 1 DESC LIMIT 10').uses.get(1)!.sort.map((k) => [k.key, !!k.desc]), [['user_id', true]]);
  assert.deepEqual(shape('SELECT blog_id AS user_id FROM posts ORDER BY user_id').uses.get(1)!.sort.map((k) => k.key), ['blog_id'], 'the output name wins');
  const mixed = generateCandidates(new Map([['s', shape('SELECT * FROM posts ORDER BY user_id DESC, blog_id LIMIT 5')]])).candidates;
  assert.ok(mixed.some((c) => c.keys.map((k) => `${k.key}${k.desc ? ' DESC' : ''}`).join(',') === 'user_id DESC,blog_id'));
  const allDesc = generateCandidates(new Map([['s', shape('SELECT * FROM posts ORDER BY user_id DESC, blog_id DESC LIMIT 5')]])).candidates;
  assert.ok(allDesc.some((c) => c.keys.map((k) => k.key).join(',') === 'user_id,blog_id' && c.keys.every((k) => !k.desc)));
  // An existing (a, b DESC) index covers (a DESC, b) (mirrored), not (a, b).
  const t = { ...posts, indexes: [existingIndex('x', ['user_id', 'blog_id'], { desc: [false, true] })] };
  assert.equal(coveredByExisting(t, [{ key: 'user_id', sql: '', column: 'user_id', desc: true }, { key: 'blog_id', sql: '', column: 'blog_id' }], undefined), 'x');
  assert.equal(coveredByExisting(t, [{ key: 'user_id', sql: '', column: 'user_id' }, { key: 'blog_id', sql: '', column: 'blog_id' }], undefined), undefined);
});

test('write targets are read; INSERT targets are not; views and functions are unresolved', () => {
  assert.deepEqual(shape('UPDATE posts SET blog_id = 1 WHERE user_id = 5').uses.get(1)!.eq.map((k) => k.key), ['user_id']);
  assert.deepEqual(shape('DELETE FROM posts p WHERE p.user_id = 5').uses.get(1)!.eq.map((k) => k.key), ['user_id']);
  assert.equal(shape('INSERT INTO posts (user_id) VALUES (1)').uses.size, 0);
  assert.equal(shape('MERGE INTO posts p USING posts q ON p.id = q.user_id WHEN MATCHED THEN DELETE').kind, 'merge');
  assert.deepEqual(shape('WITH w AS (SELECT 1) SELECT * FROM w, posts_view, posts_of(1)').unresolved, ['posts_view', 'posts_of()']);
});

test('quoted identifiers keep their case in keys; existing index keys compare the same way', () => {
  const s = shape('SELECT * FROM "Bar"."Foo" WHERE "Id" = 1 AND id = 2');
  assert.deepEqual(s.uses.get(2)!.eq.map((k) => k.key), ['"Id"', 'id']);
  assert.equal(normalizeKey('"Id"'), '"Id"');
  assert.equal(normalizeKey('"user_id"'), 'user_id');
  assert.equal(normalizeKey('LOWER("Email")'), 'lower("Email")');
});

test('table patterns of --include / --exclude', () => {
  const t = { schema: 'app', name: 'events_2024' };
  assert.ok(tableMatches(t, 'events_2024'));
  assert.ok(tableMatches(t, 'app.events_*'));
  assert.ok(tableMatches(t, '*.events_2024'));
  assert.ok(!tableMatches(t, 'public.events_2024'));
  assert.ok(!tableMatches(t, 'events'));
  assert.ok(!tableMatches({ schema: 'app', name: 'eventsX2024' }, 'events.2024'), 'a dot in a name pattern is a schema separator, not a regex');
});

test('server log formats: stderr (prefix, continuation lines), csvlog (quoted newlines), jsonlog', () => {
  const stderr = [
    '2026-12-06 10:00:00.000 UTC [42] app@db LOG:  duration: 12.5 ms  statement: SELECT *',
    '\tFROM posts WHERE user_id = 1',
    '2026-12-06 10:00:01.000 UTC [42] app@db LOG:  duration: 0.2 ms  parse <unnamed>: SELECT 1 FROM posts WHERE id = $1',
    '2026-12-06 10:00:01.000 UTC [42] app@db LOG:  duration: 0.1 ms  bind <unnamed>: SELECT 1 FROM posts WHERE id = $1',
    '2026-12-06 10:00:01.000 UTC [42] app@db LOG:  duration: 3.0 ms  execute <unnamed>: SELECT 1 FROM posts WHERE id = $1',
    '2026-12-06 10:00:01.000 UTC [42] app@db DETAIL:  parameters: $1 = \'5\'',
    '2026-12-06 10:00:02.000 UTC [42] app@db LOG:  duration: 7.5 ms  statement: SELECT * FROM posts WHERE user_id = 2',
    '2026-12-06 10:00:03.000 UTC [42] app@db LOG:  checkpoint starting: time',
  ].join('\n');
  assert.equal(detectLogFormat(stderr), 'stderr');
  const w = parseServerLog(stderr);
  assert.equal(w.entries, 3);
  const lookup = w.statements.find((s) => /user_id/.test(s.sql))!;
  assert.equal(lookup.calls, 2);
  assert.equal(lookup.totalTimeMs, 20);
  assert.match(lookup.sql, /SELECT \*\nFROM posts/);
  const csv = '2026-12-06 10:00:00.000 UTC,"app","db",42,"127.0.0.1:5000",abc.1,1,"SELECT",2026-12-06 09:00:00 UTC,3/1,0,LOG,00000,"duration: 4.0 ms  statement: SELECT ""x"", 1\nFROM posts WHERE blog_id = 3",,,,,,,,,"psql","client backend",,0\n';
  assert.equal(detectLogFormat(csv), 'csvlog');
  assert.equal(csvRecords(csv)[0]![13], 'duration: 4.0 ms  statement: SELECT "x", 1\nFROM posts WHERE blog_id = 3');
  assert.equal(parseServerLog(csv).statements[0]!.totalTimeMs, 4);
  const json = `${JSON.stringify({ timestamp: 't', error_severity: 'LOG', message: 'duration: 1.5 ms  execute S_1: SELECT 1 FROM posts WHERE id = $1' })}\n{"truncated`;
  assert.equal(detectLogFormat(json), 'jsonlog');
  assert.equal(parseServerLog(json).entries, 1);
  assert.equal(parseDurationMessage('connection authorized: user=x'), undefined);
});
