// What this server and role let us do: version, extensions (installed / available / preloaded) and
// monitoring privileges. Every missing piece is described as "X unavailable because Y; to enable: Z".
import type { CapabilitySummary, Unavailable } from '../report/model';
import { quoteIdentIfNeeded } from '../sql/quote';
import type { QueryRunner } from './session';

export const KNOWN_EXTENSIONS = ['pg_stat_statements', 'hypopg', 'pg_qualstats'] as const;
export type KnownExtension = (typeof KNOWN_EXTENSIONS)[number];

export interface ExtensionCapability {
  name: KnownExtension;
  /** CREATE EXTENSION has been run in this database. */
  installed: boolean;
  schema?: string;
  version?: string;
  /** Its files are on the server (pg_available_extensions). */
  available: boolean;
  /** In shared_preload_libraries (only matters for pg_stat_statements and pg_qualstats); assumed true when the role cannot read the setting. */
  preloaded: boolean;
  usable: boolean;
  unavailable?: Unavailable;
}

export interface Capabilities {
  serverVersionNum: number;
  serverVersion: string;
  database: string;
  currentUser: string;
  isSuperuser: boolean;
  hasPgMonitor: boolean;
  hasReadAllStats: boolean;
  inRecovery: boolean;
  extensions: Record<KnownExtension, ExtensionCapability>;
}

const NEEDS_PRELOAD: ReadonlySet<KnownExtension> = new Set(['pg_stat_statements', 'pg_qualstats']);

const PURPOSE: Record<KnownExtension, string> = {
  pg_stat_statements: 'Query workload statistics (slow queries, index advice from the real workload)',
  hypopg: 'What-if index costs (verified index recommendations)',
  pg_qualstats: 'Predicate statistics (which columns the workload filters on)',
};

const PACKAGE_HINT: Record<KnownExtension, string> = {
  pg_stat_statements: 'it ships with PostgreSQL contrib (Debian: postgresql-contrib; managed services: enable it in the parameter group)',
  hypopg: 'install the HypoPG package on the server (Debian: postgresql-15-hypopg, matching your major version)',
  pg_qualstats: 'install pg_qualstats on the server (Debian: postgresql-15-pg-qualstats, matching your major version)',
};

export function describeExtension(
  name: KnownExtension,
  installed: boolean,
  available: boolean,
  preloaded: boolean,
): Unavailable | undefined {
  const what = `${PURPOSE[name]} (${name})`;
  const steps: string[] = [];
  const reasons: string[] = [];
  if (!available && !installed) {
    reasons.push(`${name} is not installed on the server`);
    steps.push(PACKAGE_HINT[name]);
  }
  if (NEEDS_PRELOAD.has(name) && !preloaded) {
    reasons.push(`${name} is not in shared_preload_libraries`);
    steps.push(`add it to shared_preload_libraries in postgresql.conf and restart the server`);
  }
  if (!installed) {
    if (available) reasons.push(`the extension is not created in this database`);
    steps.push(`run CREATE EXTENSION ${name}; in this database`);
  }
  if (reasons.length === 0) return undefined;
  return { what, because: reasons.join('; '), toEnable: steps.join(', then ') };
}

interface ProbeRow {
  num: string;
  version: string;
  db: string;
  usr: string;
  superuser: boolean;
  monitor: boolean;
  read_all_stats: boolean;
  in_recovery: boolean;
  /** NULL when the role may not read it (not superuser / pg_read_all_settings). */
  preload: string | null;
}

export async function probeCapabilities(q: QueryRunner): Promise<Capabilities> {
  const [row] = await q.query<ProbeRow>(`
    SELECT current_setting('server_version_num') AS num,
           current_setting('server_version') AS version,
           current_database() AS db,
           current_user AS usr,
           COALESCE((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false) AS superuser,
           pg_has_role(current_user, 'pg_monitor', 'MEMBER') AS monitor,
           pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS read_all_stats,
           pg_is_in_recovery() AS in_recovery,
           (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries') AS preload`);
  if (!row) throw new Error('capability probe returned no row');
  const extRows = await q.query<{ name: string; installed_version: string | null; schema: string | null }>(
    `SELECT a.name, e.extversion AS installed_version, n.nspname AS schema
       FROM pg_available_extensions a
       LEFT JOIN pg_extension e ON e.extname = a.name
       LEFT JOIN pg_namespace n ON n.oid = e.extnamespace
      WHERE a.name = ANY($1)
     UNION ALL
     SELECT e.extname, e.extversion, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname = ANY($1) AND NOT EXISTS (SELECT 1 FROM pg_available_extensions a WHERE a.name = e.extname)`,
    [KNOWN_EXTENSIONS as unknown as string[]],
  );
  const preloadList = (row.preload ?? '')
    .split(',')
    .map((s) => s.trim().replace(/^"|"$/g, ''))
    .filter(Boolean);
  const extensions = {} as Record<KnownExtension, ExtensionCapability>;
  for (const name of KNOWN_EXTENSIONS) {
    const r = extRows.find((x) => x.name === name);
    const installed = !!r?.installed_version;
    const available = !!r;
    // When the setting is hidden from this role, do not claim the library is missing.
    const preloaded = row.preload === null ? true : preloadList.includes(name);
    const unavailable = describeExtension(name, installed, available, preloaded);
    extensions[name] = {
      name,
      installed,
      ...(r?.schema ? { schema: r.schema } : {}),
      ...(r?.installed_version ? { version: r.installed_version } : {}),
      available,
      preloaded,
      usable: unavailable === undefined,
      ...(unavailable ? { unavailable } : {}),
    };
  }
  return {
    serverVersionNum: Number(row.num),
    serverVersion: row.version,
    database: row.db,
    currentUser: row.usr,
    isSuperuser: row.superuser,
    hasPgMonitor: row.monitor,
    hasReadAllStats: row.read_all_stats,
    inRecovery: row.in_recovery,
    extensions,
  };
}

/** Whether the role can see other sessions' query text and all statistics. */
export function canReadAllStats(c: Capabilities): boolean {
  return c.isSuperuser || c.hasPgMonitor || c.hasReadAllStats;
}

export function privilegeUnavailable(c: Capabilities): Unavailable | undefined {
  if (canReadAllStats(c)) return undefined;
  return {
    what: "Other sessions' queries and full statistics",
    because: `role "${c.currentUser}" is not a superuser and not a member of pg_monitor or pg_read_all_stats, so other roles' query text shows as <insufficient privilege>`,
    toEnable: `GRANT pg_monitor TO ${quoteIdentIfNeeded(c.currentUser)};`,
  };
}

export function summarizeCapabilities(c: Capabilities): CapabilitySummary[] {
  const out: CapabilitySummary[] = [
    { name: 'PostgreSQL', status: 'ok', detail: `${c.serverVersion}${c.inRecovery ? ' (replica, read-only)' : ''}` },
  ];
  const priv = privilegeUnavailable(c);
  out.push({
    name: 'Privileges',
    status: priv ? 'unavailable' : 'ok',
    detail: priv
      ? `${priv.because}; to enable: ${priv.toEnable}`
      : `${c.currentUser}: ${c.isSuperuser ? 'superuser' : c.hasPgMonitor ? 'pg_monitor' : 'pg_read_all_stats'}`,
  });
  for (const e of Object.values(c.extensions)) {
    out.push({
      name: e.name,
      status: e.usable ? 'ok' : 'unavailable',
      detail: e.usable
        ? `installed${e.version ? ` (${e.version})` : ''}${e.schema ? ` in schema ${e.schema}` : ''}`
        : `${e.unavailable?.what} unavailable because ${e.unavailable?.because}; to enable: ${e.unavailable?.toEnable}`,
    });
  }
  return out;
}
