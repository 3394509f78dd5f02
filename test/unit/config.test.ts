import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAnalysisSettings, parseConnections, parsePgoptFile } from '../../src/core/config';

test('valid connections pass and keep their fields', () => {
  const { connections, problems } = parseConnections([
    { name: 'local', url: 'postgres://me@localhost:5432/app' },
    { name: 'prod', host: 'db.internal', port: 6432, database: 'app', user: 'ro', sslmode: 'verify-full' },
  ]);
  assert.deepEqual(problems, []);
  assert.equal(connections.length, 2);
  assert.equal(connections[1]?.sslmode, 'verify-full');
});

test('each bad entry is reported with its key; good ones survive', () => {
  const { connections, problems } = parseConnections([
    { name: 'ok', host: 'h' },
    { name: 'badport', port: 70000 },
    { name: '', host: 'x' },
    { name: 'typo', hots: 'x' },
    { name: 'ssl', sslmode: 'sometimes' },
    { name: 'pw', url: 'postgres://u:secret@h/db' },
    { name: 'ok', host: 'dup' },
  ]);
  assert.deepEqual(connections.map((c) => c.name), ['ok']);
  const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
  assert.match(byPath['pgopt.connections[1].port'] ?? '', /65535|less than or equal/i);
  assert.ok(byPath['pgopt.connections[2].name'], 'empty name reported');
  assert.match(byPath['pgopt.connections[3]'] ?? '', /unknown key: hots/);
  assert.ok(byPath['pgopt.connections[4].sslmode'], 'bad sslmode reported');
  assert.match(byPath['pgopt.connections[5].url'] ?? '', /password/);
  assert.match(byPath['pgopt.connections[6].name'] ?? '', /duplicate/);
});

test('a non-array connections setting is one clear problem', () => {
  const { problems } = parseConnections({ name: 'x' });
  assert.deepEqual(problems, [{ path: 'pgopt.connections', message: 'must be an array of connections' }]);
});

test('analysis settings default and validate', () => {
  assert.deepEqual(parseAnalysisSettings(undefined).settings, { statementTimeoutMs: 10000, lockTimeoutMs: 1000 });
  assert.equal(parseAnalysisSettings({ statementTimeoutMs: 2500 }).settings.statementTimeoutMs, 2500);
  const bad = parseAnalysisSettings({ statementTimeoutMs: 5 });
  assert.equal(bad.problems[0]?.path, 'pgopt.analysis.statementTimeoutMs');
  assert.equal(bad.settings.statementTimeoutMs, 10000, 'falls back to defaults on error');
});

test('pgopt.json: syntax errors and bad sections become problems, not exceptions', () => {
  assert.match(parsePgoptFile('{ nope').problems[0]?.message ?? '', /invalid JSON/);
  const r = parsePgoptFile(JSON.stringify({ analysis: { lockTimeoutMs: 'fast' }, connections: [{ name: 'a', port: 'x' }] }), 'pgopt.json');
  const paths = r.problems.map((p) => p.path).sort();
  assert.deepEqual(paths, ['pgopt.json.analysis.lockTimeoutMs', 'pgopt.json.connections[0].port']);
  assert.deepEqual(parsePgoptFile('{"analysis":{"lockTimeoutMs":500}}').problems, []);
});
