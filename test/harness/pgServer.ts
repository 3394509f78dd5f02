// The test harness's Postgres: a throwaway server on 127.0.0.1 with pg_stat_statements (and HypoPG /
// pg_qualstats when the Debian packages are installed), a role that needs a password and a role that
// may only connect over SSL, so that bad-input tests provoke real failures instead of faking them.
import pg from 'pg';
import { startLocalPostgres, type LocalPostgres } from '../../scripts/localPostgres';

export const PASSWORD_USER = 'pgopt_pw';
export const PASSWORD = 'correct horse battery staple';
export const SSL_USER = 'pgopt_ssl';

export interface TestPostgres {
  server: LocalPostgres;
  /** Superuser URL of a fresh database `pgopt_test` with the extensions created. */
  url: string;
  hasHypopg: boolean;
  hasQualstats: boolean;
  /** Creates a database with the available extensions and returns its superuser URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL as superuser in the given database (default pgopt_test). */
  exec(sql: string, database?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestPostgres(opts: { flavor?: 'debian' | 'embedded'; settings?: Record<string, string | number> } = {}): Promise<TestPostgres> {
  const flavor = opts.flavor ?? process.env.PGOPT_TEST_FLAVOR as 'debian' | 'embedded' | undefined;
  const server = await startLocalPostgres({
    ...(flavor ? { flavor } : {}),
    ...(opts.settings ? { settings: opts.settings } : {}),
    ssl: true,
    hbaLines: [
      `host all ${PASSWORD_USER} 127.0.0.1/32 scram-sha-256`,
      `hostssl all ${SSL_USER} 127.0.0.1/32 trust`,
      `hostnossl all ${SSL_USER} 127.0.0.1/32 reject`,
    ],
  });
  const hasHypopg = server.availableExtensions.has('hypopg');
  const hasQualstats = server.availableExtensions.has('pg_qualstats');

  const exec = async (sql: string, database = 'pgopt_test'): Promise<void> => {
    const c = new pg.Client({ connectionString: server.urlFor(database) });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };

  const createDatabase = async (name: string): Promise<string> => {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    } finally {
      await admin.end();
    }
    const exts = ['pg_stat_statements', ...(hasHypopg ? ['hypopg'] : []), ...(hasQualstats ? ['pg_qualstats'] : [])];
    await exec(exts.map((e) => `CREATE EXTENSION IF NOT EXISTS ${e};`).join('\n'), name);
    return server.urlFor(name);
  };

  try {
    await exec(
      `CREATE ROLE ${PASSWORD_USER} LOGIN PASSWORD ${pg.escapeLiteral(PASSWORD)};
       CREATE ROLE ${SSL_USER} LOGIN;`,
      'postgres',
    );
    const url = await createDatabase('pgopt_test');
    return { server, url, hasHypopg, hasQualstats, createDatabase, exec, stop: () => server.stop() };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
