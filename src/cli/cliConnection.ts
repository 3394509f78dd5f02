// Which database a CLI command talks to: --url, else DATABASE_URL, else libpq's PG* variables.
import { ConnectionConfigError, resolveConnection, resolveUrl, type ConnectionSpec } from '../core/db/connectionSpec';
import { nodeEnvAccess } from '../core/db/envAccess';
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
