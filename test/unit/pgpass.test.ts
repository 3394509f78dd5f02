// The password file as libpq reads it (src/core/db/pgpass.ts), now that the driver's own lookup is not used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgpassLookup, readPgpassPassword } from '../../src/core/db/pgpass';
import { nodeEnvAccess } from '../../src/core/db/envAccess';

const key = { host: 'db.example', port: 5432, database: 'app', user: 'me' };

test('first matching line wins; * matches anything; \\: and \\\\ are escapes; comments skipped', () => {
  const text = ['# comment', 'other:5432:app:me:no', 'db.example:5432:app:you:no', 'db.example:*:app:me:pa\\:ss\\\\1', '*:*:*:*:later'].join('\n');
  assert.equal(pgpassLookup(text, key), 'pa:ss\\1');
  assert.equal(pgpassLookup(text, { ...key, user: 'x' }), 'later');
  assert.equal(pgpassLookup('db.example:5433:app:me:p', key), undefined);
  assert.equal(pgpassLookup('localhost:5432:app:me:sock', { ...key, host: '/var/run/postgresql' }), 'sock');
});

test('PGPASSFILE is read when only the user may read it, ignored when group/others may (as libpq does)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-pgpass-'));
  const file = join(dir, 'pgpass');
  writeFileSync(file, 'db.example:5432:app:me:secret\n');
  chmodSync(file, 0o600);
  assert.equal(readPgpassPassword(nodeEnvAccess({ PGPASSFILE: file }), key), 'secret');
  chmodSync(file, 0o644);
  assert.equal(readPgpassPassword(nodeEnvAccess({ PGPASSFILE: file }), key), undefined);
  assert.equal(readPgpassPassword(nodeEnvAccess({ PGPASSFILE: join(dir, 'none') }), key), undefined);
});
