// Turns a connection setting (or a URL, or nothing) into concrete connection parameters the way libpq
// would: explicit keys > URL > pg_service.conf service > PG* environment variables > defaults.
// Pure: the environment and the file system are passed in, so it is testable without a host.
import { parse as parseDotenv } from 'dotenv';
import { parse as parsePgUrl } from 'pg-connection-string';
import { SSL_MODES, type ConnectionSetting, type SslMode } from '../config';
import { redactUrl } from '../redact';

export interface ConnectionSpec {
  name: string;
  host: string;
  port: number;
  database: string;
  user: string;
  sslmode: SslMode;
  /** Only from PGPASSWORD or a URL in a file the user owns (.env / --url); never from settings. */
  password?: string;
  /** Where the parameters came from, for messages: "settings", "PG* environment", ".env DATABASE_URL" ... */
  source: string;
}

export interface EnvAccess {
  env: Record<string, string | undefined>;
  readFile(path: string): string | undefined;
  homedir: string;
  /** OS user name: libpq's default user. */
  username: string;
}

export class ConnectionConfigError extends Error {
  constructor(
    message: string,
    readonly connectionName: string,
  ) {
    super(message);
    this.name = 'ConnectionConfigError';
  }
}

type Params = Partial<Omit<ConnectionSpec, 'name' | 'source'>> & { service?: string };

function asSslMode(v: string | undefined, where: string, name: string): SslMode | undefined {
  if (v === undefined || v === '') return undefined;
  if ((SSL_MODES as readonly string[]).includes(v)) return v as SslMode;
  throw new ConnectionConfigError(`sslmode "${v}" from ${where} is not one of ${SSL_MODES.join(', ')}`, name);
}

function asPort(v: string | number | undefined | null, where: string, name: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new ConnectionConfigError(`port "${v}" from ${where} is not a valid port`, name);
  return n;
}

/** Parses a postgres:// URL into params. Throws a ConnectionConfigError that names the problem. */
export function paramsFromUrl(url: string, name: string): Params {
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new ConnectionConfigError(`"${redactUrl(url)}" is not a postgres:// or postgresql:// URL`, name);
  }
  let parsed: ReturnType<typeof parsePgUrl>;
  try {
    // WHATWG parsing first: it rejects malformed authorities that pg-connection-string would accept silently.
    const u = new URL(url);
    // sslmode is read below, from the URL itself, with libpq's meaning (connect.ts). pg-connection-string
    // only needs host, port, database, user and password: without the ssl* parameters it neither reads
    // certificate files nor prints its 10-line "SECURITY WARNING" about sslmode=require.
    for (const k of [...u.searchParams.keys()]) if (/^ssl|^uselibpqcompat$/i.test(k)) u.searchParams.delete(k);
    parsed = parsePgUrl(u.toString());
  } catch (e) {
    throw new ConnectionConfigError(`malformed URL "${redactUrl(url)}": ${(e as Error).message}`, name);
  }
  const sslmodeRaw = new URL(url).searchParams.get('sslmode') ?? undefined;
  const out: Params = {};
  if (parsed.host) out.host = parsed.host;
  const port = asPort(parsed.port ?? undefined, 'the URL', name);
  if (port) out.port = port;
  if (parsed.database) out.database = parsed.database;
  if (parsed.user) out.user = parsed.user;
  if (parsed.password) out.password = parsed.password;
  const ssl = asSslMode(sslmodeRaw, 'the URL', name);
  if (ssl) out.sslmode = ssl;
  return out;
}

/** Parses pg_service.conf text: `[service]` sections of `key=value` lines. */
export function parseServiceFile(text: string): Map<string, Record<string, string>> {
  const services = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section?.[1]) {
      current = {};
      services.set(section[1].trim(), current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0 && current) current[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return services;
}

function serviceFiles(access: EnvAccess): string[] {
  const files: string[] = [];
  files.push(access.env.PGSERVICEFILE ?? `${access.homedir}/.pg_service.conf`);
  files.push(`${access.env.PGSYSCONFDIR ?? '/etc/postgresql-common'}/pg_service.conf`);
  return files;
}

export function listServices(access: EnvAccess): Map<string, Record<string, string>> {
  const all = new Map<string, Record<string, string>>();
  // Later files lose: the user's own file overrides the system one, as in libpq.
  for (const f of serviceFiles(access).reverse()) {
    const text = access.readFile(f);
    if (text) for (const [k, v] of parseServiceFile(text)) all.set(k, v);
  }
  return all;
}

function paramsFromService(service: string, access: EnvAccess, name: string): Params {
  const entry = listServices(access).get(service);
  if (!entry) {
    throw new ConnectionConfigError(
      `service "${service}" was not found in ${serviceFiles(access).join(' or ')}`,
      name,
    );
  }
  const out: Params = {};
  if (entry.host) out.host = entry.host;
  const port = asPort(entry.port, `service "${service}"`, name);
  if (port) out.port = port;
  if (entry.dbname) out.database = entry.dbname;
  if (entry.user) out.user = entry.user;
  if (entry.password) out.password = entry.password;
  const ssl = asSslMode(entry.sslmode, `service "${service}"`, name);
  if (ssl) out.sslmode = ssl;
  return out;
}

function paramsFromEnv(access: EnvAccess, name: string): Params {
  const e = access.env;
  const out: Params = {};
  if (e.PGHOST) out.host = e.PGHOST;
  const port = asPort(e.PGPORT, 'PGPORT', name);
  if (port) out.port = port;
  if (e.PGDATABASE) out.database = e.PGDATABASE;
  if (e.PGUSER) out.user = e.PGUSER;
  if (e.PGPASSWORD) out.password = e.PGPASSWORD;
  const ssl = asSslMode(e.PGSSLMODE, 'PGSSLMODE', name);
  if (ssl) out.sslmode = ssl;
  return out;
}

function definedOnly(p: Params): Params {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as Params;
}

/** Resolves a connection setting into concrete parameters, libpq-style. */
export function resolveConnection(setting: ConnectionSetting, access: EnvAccess, source = 'settings'): ConnectionSpec {
  const name = setting.name;
  const explicit: Params = definedOnly({
    host: setting.host,
    port: setting.port,
    database: setting.database,
    user: setting.user,
    sslmode: setting.sslmode,
  });
  const fromUrl = setting.url ? paramsFromUrl(setting.url, name) : {};
  const serviceName = setting.service ?? access.env.PGSERVICE;
  const fromService = serviceName ? paramsFromService(serviceName, access, name) : {};
  const fromEnv = paramsFromEnv(access, name);
  const merged: Params = { ...fromEnv, ...fromService, ...fromUrl, ...explicit };
  const user = merged.user ?? access.username;
  return {
    name,
    host: merged.host ?? 'localhost',
    port: merged.port ?? 5432,
    database: merged.database ?? user,
    user,
    sslmode: merged.sslmode ?? 'prefer',
    ...(merged.password !== undefined ? { password: merged.password } : {}),
    source,
  };
}

/** Resolves a bare URL (CLI --url, DATABASE_URL). */
export function resolveUrl(url: string, access: EnvAccess, name = 'url', source = '--url'): ConnectionSpec {
  return resolveConnection({ name, url }, access, source);
}

/** DATABASE_URL from a .env file's text, if any. Uses dotenv's parser (quotes, comments, export). */
export function databaseUrlFromDotenv(text: string): string | undefined {
  const v = parseDotenv(text).DATABASE_URL;
  return v && v.trim() !== '' ? v.trim() : undefined;
}

export interface DiscoveredConnection {
  setting: ConnectionSetting;
  source: string;
}

/** Connections found without configuration: PG* env, DATABASE_URL (.env or env), pg_service.conf entries. */
export function discoverConnections(access: EnvAccess, dotenvText?: string): DiscoveredConnection[] {
  const found: DiscoveredConnection[] = [];
  const e = access.env;
  const dotenvUrl = dotenvText ? databaseUrlFromDotenv(dotenvText) : undefined;
  if (dotenvUrl) found.push({ setting: { name: 'DATABASE_URL (.env)', url: dotenvUrl }, source: '.env DATABASE_URL' });
  else if (e.DATABASE_URL) found.push({ setting: { name: 'DATABASE_URL', url: e.DATABASE_URL }, source: 'DATABASE_URL environment variable' });
  if (e.PGHOST || e.PGDATABASE || e.PGUSER || e.PGPORT || e.PGSERVICE) {
    found.push({ setting: { name: 'PG* environment' }, source: 'PG* environment variables' });
  }
  for (const svc of listServices(access).keys()) {
    found.push({ setting: { name: `service ${svc}`, service: svc }, source: 'pg_service.conf' });
  }
  return found;
}

export function describeTarget(spec: ConnectionSpec): string {
  return `${spec.user}@${spec.host}:${spec.port}/${spec.database}`;
}
