import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConnectionConfigError,
  databaseUrlFromDotenv,
  discoverConnections,
  parseServiceFile,
  resolveConnection,
  resolveUrl,
  type EnvAccess,
} from '../../src/core/db/connectionSpec';
import { redactUrl } from '../../src/core/redact';

function access(env: Record<string, string> = {}, files: Record<string, string> = {}): EnvAccess {
  return { env, homedir: '/home/u', username: 'osuser', readFile: (p) => files[p] };
}

test('defaults follow libpq: localhost:5432, OS user, database = user, sslmode prefer', () => {
  const s = resolveConnection({ name: 'x' }, access());
  assert.deepEqual(
    { host: s.host, port: s.port, user: s.user, database: s.database, sslmode: s.sslmode },
    { host: 'localhost', port: 5432, user: 'osuser', database: 'osuser', sslmode: 'prefer' },
  );
});

test('precedence: explicit keys > URL > service > PG* environment', () => {
  const files = { '/home/u/.pg_service.conf': '[svc]\nhost=svc-host\nport=6000\ndbname=svcdb\nuser=svcuser\n' };
  const env = { PGHOST: 'env-host', PGPORT: '7000', PGUSER: 'envuser', PGDATABASE: 'envdb', PGSSLMODE: 'require' };
  const s = resolveConnection({ name: 'x', service: 'svc', url: 'postgres://urluser@url-host/urldb', port: 9999 }, access(env, files));
  assert.equal(s.port, 9999, 'explicit port wins');
  assert.equal(s.host, 'url-host', 'URL beats service and env');
  assert.equal(s.user, 'urluser');
  assert.equal(s.database, 'urldb');
  assert.equal(s.sslmode, 'require', 'env fills what nothing else set');
  const svc = resolveConnection({ name: 'y', service: 'svc' }, access(env, files));
  assert.deepEqual([svc.host, svc.port, svc.database, svc.user], ['svc-host', 6000, 'svcdb', 'svcuser']);
});

test('PGSERVICEFILE and the system service file are read; a missing service is a clear error', () => {
  const files = { '/etc/custom/pg_service.conf': '[sys]\nhost=sys-host\n', '/tmp/mine.conf': '# c\n[mine]\nhost = mine-host \n' };
  const env = { PGSERVICEFILE: '/tmp/mine.conf', PGSYSCONFDIR: '/etc/custom' };
  assert.equal(resolveConnection({ name: 'a', service: 'mine' }, access(env, files)).host, 'mine-host');
  assert.equal(resolveConnection({ name: 'b', service: 'sys' }, access(env, files)).host, 'sys-host');
  assert.throws(() => resolveConnection({ name: 'c', service: 'nope' }, access(env, files)), (e: unknown) => {
    assert.ok(e instanceof ConnectionConfigError);
    assert.match(e.message, /service "nope" was not found/);
    assert.equal(e.connectionName, 'c');
    return true;
  });
});

test('URL parsing: percent-encoding, sslmode, password kept out of settings but usable', () => {
  const s = resolveUrl('postgresql://us%40er:p%40ss@db.example:6543/my%20db?sslmode=verify-full', access());
  assert.deepEqual([s.user, s.password, s.host, s.port, s.database, s.sslmode], ['us@er', 'p@ss', 'db.example', 6543, 'my db', 'verify-full']);
});

test('malformed URLs and values name the problem', () => {
  assert.throws(() => resolveUrl('mysql://x@h/db', access()), /not a postgres:\/\//);
  assert.throws(() => resolveUrl('postgres://u@h:notaport/db', access()), /malformed URL|not a valid port/);
  assert.throws(() => resolveUrl('postgres://u@h/db?sslmode=always', access()), /sslmode "always"/);
  assert.throws(() => resolveConnection({ name: 'e' }, access({ PGPORT: 'abc' })), /PGPORT/);
});

test('malformed URL errors never echo the password', () => {
  try {
    resolveUrl('postgres://u:hunter2@h:99999999/db', access());
    assert.fail('should throw');
  } catch (e) {
    assert.doesNotMatch((e as Error).message, /hunter2/);
  }
});

test('service file parser handles comments, blanks and spaces', () => {
  const m = parseServiceFile('# top\n\n[a]\nhost=h1\n  port = 5433\n[b]\n# x\nuser=bob\n');
  assert.deepEqual(Object.fromEntries(m), { a: { host: 'h1', port: '5433' }, b: { user: 'bob' } });
});

test('.env DATABASE_URL via dotenv: quotes, export, comments', () => {
  assert.equal(databaseUrlFromDotenv('# c\nexport DATABASE_URL="postgres://a@b/c" # trailing\nOTHER=1\n'), 'postgres://a@b/c');
  assert.equal(databaseUrlFromDotenv('OTHER=1'), undefined);
});

test('discovery lists .env, PG* environment and services', () => {
  const found = discoverConnections(
    access({ PGHOST: 'h' }, { '/home/u/.pg_service.conf': '[reporting]\nhost=r\n' }),
    'DATABASE_URL=postgres://app@localhost/app',
  );
  assert.deepEqual(found.map((f) => f.setting.name), ['DATABASE_URL (.env)', 'PG* environment', 'service reporting']);
});

test('redaction hides passwords in URLs and key=value strings', () => {
  assert.equal(redactUrl('failed for postgres://bob:s3cr3t@h:5432/db now'), 'failed for postgres://bob:***@h:5432/db now');
  assert.equal(redactUrl("host=h password='a b' user=x"), 'host=h password=*** user=x');
  assert.equal(redactUrl('postgres://bob@h/db'), 'postgres://bob@h/db');
});
