// Which database a CLI command talks to: --url, else DATABASE_URL, else libpq's PG* variables.
import { parseAnalysisSettings, type PgoptFile } from '../core/config';
import { ConnectError } from '../core/db/connect';
import { ConnectionConfigError, resolveConnection, resolveUrl, type ConnectionSpec } from '../core/db/connectionSpec';
import { nodeEnvAccess } from '../core/db/envAccess';
import { DbSession } from '../core/db/session';
import { CliError } from './cliErrors';

export function resolveCliConnection(url: string | undefined): ConnectionSpec {
  const access = nodeEnvAccess();
  try {
    if (url) return resolveUrl(url, access, 'url', '--url');
    if (access.env.DATABASE_URL) return resolveUrl(access.env.DATABASE_URL, access, 'DATABASE_URL', 'DATABASE_URL');
    const e = access.env;
    if (!(e.PGHOST || e.PGDATABASE || e.PGUSER || e.PGPORT || e.PGSERVICE)) {
      throw new CliError('no database given: pass --url postgres://user@host:port/db, or set DATABASE_URL or PG* environment variables.');
    }
    return resolveConnection({ name: 'PG* environment' }, access, 'PG* environment variables');
  } catch (e) {
    if (e instanceof ConnectionConfigError) throw new CliError(e.message);
    throw e;
  }
}

/** The CLI's advice for a password it could not find. */
export function cliConnectMessage(e: ConnectError): string {
  return `${e.message}${e.needsPassword ? ' For the CLI: put it in the URL, PGPASSWORD or ~/.pgpass.' : ''}`;
}

/**
 * Opens the analysis session for a CLI command: connection from --url / DATABASE_URL / PG*, timeouts from
 * pgopt.json "analysis". Every failure is a CliError (exit 2) with a message naming what to fix.
 */
export async function openCliSession(url: string | undefined, config: PgoptFile, connectTimeoutS: number): Promise<DbSession> {
  const { settings, problems } = parseAnalysisSettings(config.analysis, 'pgopt.json analysis');
  if (problems.length) throw new CliError(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  const spec = resolveCliConnection(url);
  try {
    return await DbSession.open(spec, { connectTimeoutMs: connectTimeoutS * 1000, analysis: settings });
  } catch (e) {
    if (e instanceof ConnectError) throw new CliError(cliConnectMessage(e));
    throw e;
  }
}

/** Runs `fn` with an AbortSignal that Ctrl+C triggers (cancelling the running query), then closes the session. */
export async function withCancellableSession<T>(session: DbSession, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return await fn(controller.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
    await session.close();
  }
}
