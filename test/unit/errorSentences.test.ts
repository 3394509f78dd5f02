// Server errors as sentences (src/core/db/errorSentences.ts) and the connect classifier's fallback hint: each
// names what to do, and nothing points to a "Postgres Optimizer log" the CLI does not have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyConnectError } from '../../src/core/db/connect';
import { connectionLostSentence, explainPrivilegeError, isConnectionLost } from '../../src/core/db/errorSentences';

test('42501 messages name the privilege and the GRANT', () => {
  assert.equal(
    explainPrivilegeError({ code: '42501', message: 'permission denied for schema public' }, 'app', 'CREATE TABLE t (id int)'),
    'role "app" may not create objects in schema public (needs CREATE on schema public): GRANT CREATE ON SCHEMA "public" TO "app", or run as a role that may',
  );
  assert.match(explainPrivilegeError({ code: '42501', message: 'permission denied for schema app' }, 'r', 'SELECT 1') ?? '', /needs USAGE on schema app/);
  assert.match(explainPrivilegeError({ code: '42501', message: 'permission denied for table pgopt_migrations' }, 'r') ?? '', /may not read or change table pgopt_migrations \(needs SELECT, INSERT, UPDATE and DELETE on it\)/);
  assert.match(explainPrivilegeError({ code: '42501', message: 'must be owner of table users' }, 'r') ?? '', /not the owner of table users/);
  assert.match(explainPrivilegeError({ code: '42501', message: 'permission denied to create database' }, 'r') ?? '', /needs CREATEDB/);
  assert.equal(explainPrivilegeError({ code: '42P01', message: 'relation "x" does not exist' }, 'r'), undefined);
});

test('lost connections are recognised by SQLSTATE, errno and driver message; other errors are not', () => {
  assert.ok(isConnectionLost({ code: '57P01', message: 'terminating connection due to administrator command' }));
  assert.ok(isConnectionLost({ code: 'ECONNRESET', message: 'read ECONNRESET' }));
  assert.ok(isConnectionLost(new Error('Connection terminated unexpectedly')));
  assert.ok(isConnectionLost(new Error('the connection to "x" was lost: boom')));
  assert.ok(!isConnectionLost({ code: '42P01', message: 'relation "x" does not exist' }));
  assert.match(connectionLostSentence(new Error('Connection terminated unexpectedly'), 'h:1'), /^the connection to h:1 was lost \(the server closed it: it was restarted or stopped/);
});

test('an unclassified connect failure points to things that exist (no "Postgres Optimizer log" in the CLI)', () => {
  const e = classifyConnectError(new Error('something odd'), { name: 'x', host: 'h', port: 5432, database: 'd', user: 'u', sslmode: 'prefer', source: 'test' }, 1000);
  assert.doesNotMatch(e.message, /Optimizer log/);
  assert.match(e.message, /something odd\. Check host, port, user and database, and the server log\./);
});
