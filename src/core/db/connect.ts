// Opens a pg client for a resolved ConnectionSpec and turns every way a connect can fail into a message
// that names the connection and says what to do. Nothing here knows about VS Code.
import { connect as netConnect } from 'node:net';
import pg from 'pg';
import { describeTarget, type ConnectionSpec } from './connectionSpec';
import { nodeEnvAccess } from './envAccess';
import { readPgpassPassword } from './pgpass';
import { markToolStatements } from './markedClient';
import { redactUrl } from '../redact';

export const APPLICATION_NAME = 'pgopt';

export type ConnectFailureKind =
  | 'password-required'
  | 'auth-failed'
  | 'refused'
  | 'timeout'
  | 'host-not-found'
  | 'ssl-required'
  | 'ssl-unsupported'
  | 'ssl-verify'
  | 'no-database'
  | 'no-hba-entry'
  | 'too-many-connections'
  | 'server-starting'
  | 'unknown';

export class ConnectError extends Error {
  constructor(
    readonly kind: ConnectFailureKind,
    readonly connectionName: string,
    /** What happened, one sentence. */
    readonly reason: string,
    /** What the user can do about it. */
    readonly hint: string,
    override readonly cause?: unknown,
  ) {
    super(`Cannot connect to "${connectionName}": ${reason} ${hint}`.trim());
    this.name = 'ConnectError';
  }
  /** True when asking the user for a (new) password is the right next step. */
  get needsPassword(): boolean {
    return this.kind === 'password-required' || this.kind === 'auth-failed';
  }
}

export interface ConnectOptions {
  connectTimeoutMs?: number;
  /** Overrides spec.password (secret storage). */
  password?: string;
  applicationName?: string;
}

function sslConfig(spec: ConnectionSpec, attemptSsl: boolean): pg.ClientConfig['ssl'] {
  if (!attemptSsl) return false;
  switch (spec.sslmode) {
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true, ...(spec.sslmode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}) };
    default:
      // require/prefer/allow encrypt without verifying the certificate, as libpq does.
      return { rejectUnauthorized: false };
  }
}

export function clientConfig(spec: ConnectionSpec, opts: ConnectOptions, attemptSsl: boolean): pg.ClientConfig {
  const given = opts.password ?? spec.password;
  // Without a password, libpq's order: PGPASSWORD, then the password file, asked only when the server wants one.
  // A function keeps the driver from its own (deprecated, warning-printing) pgpass lookup.
  // (The driver accepts undefined from the function, meaning "no password"; its typings say string.)
  const password: string | (() => string) =
    given ?? ((() => process.env.PGPASSWORD || readPgpassPassword(nodeEnvAccess(), { host: spec.host, port: spec.port, database: spec.database, user: spec.user })) as () => string);
  return {
    host: spec.host,
    port: spec.port,
    database: spec.database,
    user: spec.user,
    password,
    ssl: sslConfig(spec, attemptSsl),
    application_name: opts.applicationName ?? APPLICATION_NAME,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    keepAlive: true,
  };
}

interface PgLikeError {
  code?: string;
  message?: string;
}

export function classifyConnectError(err: unknown, spec: ConnectionSpec, timeoutMs: number): ConnectError {
  const e = (err ?? {}) as PgLikeError;
  const msg = redactUrl(String(e.message ?? err));
  const where = `${spec.host}:${spec.port}`;
  const target = describeTarget(spec);
  const mk = (kind: ConnectFailureKind, reason: string, hint: string): ConnectError =>
    new ConnectError(kind, spec.name, reason, hint, err);

  if (e.code === '28P01') return mk('auth-failed', `password authentication failed for user "${spec.user}".`, 'Enter the correct password, or fix the user name.');
  if (/client password must be a string|SASL: SCRAM-SERVER-FIRST-MESSAGE: client password/i.test(msg) || (e.code === undefined && /password/i.test(msg) && /required|must be/i.test(msg))) {
    return mk('password-required', `the server asks for a password for user "${spec.user}".`, 'Enter it when asked (it is kept in secret storage), or add it to ~/.pgpass.');
  }
  if (e.code === '28000' && /no encryption/i.test(msg)) {
    return mk('ssl-required', `the server only accepts SSL connections for ${target}.`, 'Set "sslmode": "require" (or verify-full) on this connection.');
  }
  if (e.code === '28000') return mk('no-hba-entry', `the server rejected ${target}: ${msg}.`, 'Ask the DBA for a pg_hba.conf entry, or check user, database and sslmode.');
  if (e.code === '3D000') return mk('no-database', `database "${spec.database}" does not exist on ${where}.`, 'Check the database name.');
  if (e.code === '53300') return mk('too-many-connections', `the server has no free connection slots (${msg}).`, 'Close idle sessions or raise max_connections.');
  if (e.code === '57P03') return mk('server-starting', `the server at ${where} is starting up or shutting down.`, 'Try again in a moment.');
  if (/does not support SSL/i.test(msg)) {
    return mk('ssl-unsupported', `the server at ${where} does not support SSL but sslmode is "${spec.sslmode}".`, 'Use sslmode "prefer" or "disable" for this server.');
  }
  if (/self[- ]signed|certificate|unable to verify|altnames/i.test(msg)) {
    return mk('ssl-verify', `the server certificate could not be verified (${msg}).`, 'Install the CA certificate, or use sslmode "require" to encrypt without verification.');
  }
  const sys = (err as NodeJS.ErrnoException | undefined)?.code;
  if (sys === 'ECONNREFUSED') return mk('refused', `nothing is listening on ${where} (connection refused).`, 'Is the server running, and are host and port right?');
  if (sys === 'ENOTFOUND' || sys === 'EAI_AGAIN') return mk('host-not-found', `host "${spec.host}" could not be resolved.`, 'Check the host name.');
  if (sys === 'EHOSTUNREACH' || sys === 'ENETUNREACH') return mk('timeout', `host ${where} is unreachable.`, 'Check the network, VPN or firewall.');
  if (/timeout|timed out/i.test(msg) || sys === 'ETIMEDOUT') {
    return mk('timeout', `no answer from ${where} within ${Math.round(timeoutMs / 1000)} s.`, 'Check host, port, firewall or VPN; raise pgopt.connectTimeoutSeconds for slow links.');
  }
  if (/Connection terminated unexpectedly/i.test(msg)) {
    return mk('unknown', `the server at ${where} closed the connection during start-up.`, 'Check the server log; it may require SSL or be overloaded.');
  }
  return mk('unknown', msg.endsWith('.') ? msg : `${msg}.`, 'Check host, port, user and database, and the server log.');
}

/**
 * Connects, following sslmode the way libpq does: `prefer`/`allow` try SSL first and fall back to a plain
 * connection when the server does not support SSL. Throws ConnectError. The client marks every statement
 * it sends as pgopt's own (markedClient.ts); sendUnmarked is for the user's migration SQL.
 */
export async function openClient(spec: ConnectionSpec, opts: ConnectOptions = {}): Promise<pg.Client> {
  const timeoutMs = opts.connectTimeoutMs ?? 10_000;
  const attempts: boolean[] =
    spec.sslmode === 'disable' ? [false] : spec.sslmode === 'allow' ? [false, true] : spec.sslmode === 'prefer' ? [true, false] : [true];
  let last: unknown;
  for (const attemptSsl of attempts) {
    const client = new pg.Client(clientConfig(spec, opts, attemptSsl));
    // An 'error' event after connect (server restart, terminated backend) must not crash the host.
    client.on('error', () => undefined);
    try {
      await client.connect();
      // Every statement from here on carries the /* pgopt */ marker (docs/footprint.md).
      return markToolStatements(client);
    } catch (err) {
      last = err;
      await client.end().catch(() => undefined);
      const msg = String((err as Error)?.message ?? '');
      const retryable =
        (attemptSsl && /does not support SSL/i.test(msg)) || (!attemptSsl && (err as PgLikeError).code === '28000' && /no encryption/i.test(msg));
      if (!retryable) break;
    }
  }
  throw classifyConnectError(last, spec, timeoutMs);
}

/** Sends a protocol-level CancelRequest for whatever the client is running (no auth or privilege needed). */
export async function cancelRunningQuery(client: pg.Client, spec: ConnectionSpec): Promise<void> {
  const c = client as unknown as { processID: number | null; secretKey: number | null };
  if (c.processID === null || c.secretKey === null) return;
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(80877102, 4);
  packet.writeInt32BE(c.processID, 8);
  packet.writeInt32BE(c.secretKey, 12);
  await new Promise<void>((resolve) => {
    const target = spec.host.startsWith('/') ? { path: `${spec.host}/.s.PGSQL.${spec.port}` } : { host: spec.host, port: spec.port };
    const sock = netConnect(target, () => sock.end(packet));
    sock.setTimeout(5_000, () => sock.destroy());
    sock.on('close', () => resolve());
    sock.on('error', () => resolve());
  });
}
