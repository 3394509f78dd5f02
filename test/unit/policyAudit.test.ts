// The access policy's one check (checkWrite), how policies combine, and the audit log's parsing, --since,
// rendering and redaction — the pure parts; the db test drives them through the CLI against a real server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlAuditSink, parseAudit, parseSince, renderAuditText, type AuditRecord } from '../../src/core/audit';
import { parsePgoptFile, parseConnections } from '../../src/core/config';
import { checkWrite, combinePolicies, parsePolicy, WRITE_ACTIONS, writesOffered } from '../../src/core/policy';

test('checkWrite: no policy allows every write; readOnly refuses every write with one sentence', () => {
  for (const a of WRITE_ACTIONS) assert.deepEqual(checkWrite({}, a), { ok: true });
  for (const a of WRITE_ACTIONS) {
    const r = checkWrite({ readOnly: true }, a, { connection: 'prod' });
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.reason, 'read-only');
      assert.match(r.refusal, /^The access policy on "prod" is read-only \(policy\.readOnly: true\), so .+ is refused and nothing was written\.$/);
    }
    assert.equal(writesOffered({ readOnly: true }, a), false);
  }
});

test('checkWrite: an allow list permits exactly its actions; production needs the exact database name', () => {
  const p = { allow: ['apply-now' as const] };
  assert.equal(checkWrite(p, 'apply-now').ok, true);
  const r = checkWrite(p, 'reset-statistics');
  assert.ok(!r.ok && r.reason === 'not-allowed' && r.refusal.includes('add "reset-statistics" to policy.allow'));
  assert.ok(!checkWrite({ allow: [] }, 'migrate-up').ok);
  const prod = { production: true };
  const none = checkWrite(prod, 'migrate-up', { connection: 'main', database: 'shop' });
  assert.ok(!none.ok && none.reason === 'production-confirmation' && /needs the database name "shop" typed to confirm/.test(none.refusal));
  assert.ok(!checkWrite(prod, 'migrate-up', { database: 'shop', confirmedDatabase: 'Shop' }).ok, 'the name must match exactly');
  assert.ok(!checkWrite(prod, 'migrate-up', { confirmedDatabase: '' }).ok, 'no database name, no confirmation');
  assert.ok(checkWrite(prod, 'migrate-up', { database: 'shop', confirmedDatabase: 'shop' }).ok);
  // readOnly beats production: no prompt would help.
  const both = checkWrite({ readOnly: true, production: true }, 'apply-now', { database: 'shop', confirmedDatabase: 'shop' });
  assert.ok(!both.ok && both.reason === 'read-only');
});

test('policies combine to the strictest; a bad policy is read-only (fail closed) with the key named', () => {
  assert.deepEqual(combinePolicies({ allow: ['apply-now', 'migrate-up'] }, undefined, { allow: ['migrate-up', 'migrate-down'], production: true }, { readOnly: false }), {
    allow: ['migrate-up'],
    production: true,
  });
  assert.equal(combinePolicies({}, { readOnly: true }).readOnly, true);
  const bad = parsePolicy({ readOnly: 'yes', allow: ['drop-everything'] });
  assert.equal(bad.policy.readOnly, true);
  assert.ok(bad.problems.some((p) => p.path === 'pgopt.json policy.readOnly'));
  assert.ok(bad.problems.some((p) => p.path.startsWith('pgopt.json policy.allow')));
  const file = parsePgoptFile(JSON.stringify({ policy: { readonly: true } }));
  assert.match(file.problems.map((p) => `${p.path}: ${p.message}`).join('\n'), /pgopt\.json\.policy: unknown key: readonly/);
  const conns = parseConnections([{ name: 'prod', url: 'postgres://h/db', policy: { production: true } }]);
  assert.deepEqual(conns.problems, []);
  assert.deepEqual(conns.connections[0]?.policy, { production: true });
});

const rec = (over: Partial<AuditRecord>): AuditRecord => ({
  at: '2026-12-01T10:00:00.000Z',
  actor: 'alice (db: app)',
  osUser: 'alice',
  role: 'app',
  connection: 'main (shop)',
  action: 'apply-now',
  sql: 'CREATE INDEX CONCURRENTLY x ON t (a)',
  result: 'ok',
  durationMs: 12,
  ...over,
});

test('the JSONL sink never writes a password (connection, SQL or error); parseAudit reads it back and filters by --since', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'pgopt-audit-unit-')), 'nested', 'audit.jsonl');
  const sink = new JsonlAuditSink(file);
  sink.write(rec({ connection: 'postgres://bob:s3cret@db.example/shop', error: 'could not connect to postgres://bob:s3cret@db.example/shop' }));
  sink.write(rec({ at: '2026-12-02T10:00:00.000Z', action: 'reset-statistics', sql: "ALTER ROLE x PASSWORD = 's3cret'", result: 'failed' }));
  const text = readFileSync(file, 'utf8');
  assert.ok(!text.includes('s3cret'), text);
  assert.match(text, /postgres:\/\/bob:\*\*\*@db\.example\/shop/);
  const all = parseAudit(`${text}not json\n`);
  assert.equal(all.records.length, 2);
  assert.deepEqual(all.problems.map((p) => p.line), [3]);
  assert.deepEqual(parseAudit(text, new Date('2026-12-02T00:00:00Z')).records.map((r) => r.action), ['reset-statistics']);
  assert.match(renderAuditText(all.records), /^2026-12-01T10:00:00\.000Z {2}ok {8}apply-now {2}by alice \(db: app\) on postgres:\/\/bob:\*\*\*@db\.example\/shop \(12 ms\)/);
  assert.equal(renderAuditText([]), 'No audit records.\n');
});

test('parseSince: ISO times and durations back from now; anything else is undefined', () => {
  const now = new Date('2026-12-07T00:00:00Z');
  assert.equal(parseSince('12h', now)?.toISOString(), '2026-12-06T12:00:00.000Z');
  assert.equal(parseSince('7d', now)?.toISOString(), '2026-11-30T00:00:00.000Z');
  assert.equal(parseSince('30m', now)?.toISOString(), '2026-12-06T23:30:00.000Z');
  assert.equal(parseSince('2026-12-01', now)?.toISOString(), '2026-12-01T00:00:00.000Z');
  assert.equal(parseSince('2026-12-01T10:00Z', now)?.toISOString(), '2026-12-01T10:00:00.000Z');
  assert.equal(parseSince('yesterday', now), undefined);
  assert.equal(parseSince('2026-13-45', now), undefined);
});
