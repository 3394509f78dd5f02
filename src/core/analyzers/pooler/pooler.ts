// PgBouncer in view: reads the admin console (SHOW POOLS sampled over about a second, then SHOW STATS,
// SHOW DATABASES, SHOW CLIENTS, SHOW SERVERS, SHOW CONFIG) and judges waiting clients, server
// connections against the pool sizes, the pool mode against the application's session state, and pool
// sizes against the measured concurrency. The console speaks the simple query protocol only: every
// command is a parameterless client.query(text), no transaction, no SET. Judgements are pure functions.
import type { QueryRunner } from '../../db/session';
import { formatCount, formatDuration, truncateSql } from '../../format';
import type { Metric, ReportFinding, ReportTable } from '../../report/model';

export type Row = Record<string, unknown>;

/** Runs one admin-console command (simple protocol). */
export type AdminQuery = (command: string) => Promise<Row[]>;

export interface PoolRow {
  database: string;
  user: string;
  clActive: number;
  clWaiting: number;
  svActive: number;
  svIdle: number;
  svUsed: number;
  svOther: number;
  maxwaitS: number;
  poolMode: string;
}

export interface PoolerFacts {
  /** One entry per SHOW POOLS sample. */
  samples: PoolRow[][];
  stats: Row[];
  databases: Row[];
  clients: Row[];
  servers: Row[];
  config: Map<string, string>;
  version: string | null;
}

const num = (v: unknown): number => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

export function toPoolRow(r: Row): PoolRow {
  return {
    database: str(r.database),
    user: str(r.user),
    clActive: num(r.cl_active),
    clWaiting: num(r.cl_waiting),
    svActive: num(r.sv_active),
    svIdle: num(r.sv_idle),
    svUsed: num(r.sv_used),
    svOther: num(r.sv_tested) + num(r.sv_login),
    maxwaitS: num(r.maxwait) + num(r.maxwait_us) / 1e6,
    poolMode: str(r.pool_mode),
  };
}

/** The admin console's own pseudo-database is not a pool of the application. */
const isAdminDb = (db: string): boolean => db === 'pgbouncer';

export async function fetchPoolerFacts(admin: AdminQuery, opts: { samples: number; windowMs: number; sleep: (ms: number) => Promise<void> }): Promise<PoolerFacts> {
  const samples: PoolRow[][] = [];
  for (let i = 0; i < opts.samples; i++) {
    if (i > 0) await opts.sleep(opts.windowMs / Math.max(1, opts.samples - 1));
    samples.push((await admin('SHOW POOLS')).map(toPoolRow).filter((p) => !isAdminDb(p.database)));
  }
  const config = new Map<string, string>();
  for (const r of await admin('SHOW CONFIG')) config.set(str(r.key), str(r.value));
  const version = (await admin('SHOW VERSION').catch(() => []))[0];
  return {
    samples,
    stats: (await admin('SHOW STATS')).filter((r) => !isAdminDb(str(r.database))),
    databases: (await admin('SHOW DATABASES')).filter((r) => !isAdminDb(str(r.name))),
    // The admin console's own connections (ours included) are not the application's.
    clients: (await admin('SHOW CLIENTS')).filter((r) => !isAdminDb(str(r.database))),
    servers: (await admin('SHOW SERVERS')).filter((r) => !isAdminDb(str(r.database))),
    config,
    version: version ? str(version.version ?? Object.values(version)[0]) : null,
  };
}

export interface PoolPeak extends PoolRow {
  /** Peak of clients waiting over the samples. */
  peakWaiting: number;
  /** Peak of server connections doing work plus clients waiting for one: the concurrency asked for. */
  peakDemand: number;
  poolSize: number;
  maxDbConnections: number;
}

/** Per pool: the last sample's counts with the peaks over all samples and the configured sizes. */
export function poolPeaks(facts: PoolerFacts): PoolPeak[] {
  const defaultPool = num(facts.config.get('default_pool_size') ?? 20);
  const globalMaxDb = num(facts.config.get('max_db_connections') ?? 0);
  const byKey = new Map<string, PoolPeak>();
  for (const sample of facts.samples) {
    for (const p of sample) {
      const key = `${p.database}\u0000${p.user}`;
      const db = facts.databases.find((d) => str(d.name) === p.database);
      const prev = byKey.get(key);
      const demand = p.svActive + p.clWaiting;
      byKey.set(key, {
        ...p,
        peakWaiting: Math.max(prev?.peakWaiting ?? 0, p.clWaiting),
        peakDemand: Math.max(prev?.peakDemand ?? 0, demand),
        maxwaitS: Math.max(prev?.maxwaitS ?? 0, p.maxwaitS),
        poolSize: db && num(db.pool_size) > 0 ? num(db.pool_size) : defaultPool,
        maxDbConnections: db && num(db.max_connections) > 0 ? num(db.max_connections) : globalMaxDb,
      });
    }
  }
  return [...byKey.values()];
}

/** Little's law from SHOW STATS: transactions per second × seconds per transaction = busy servers on average. */
export function averageBusyServers(facts: PoolerFacts, database: string): number | null {
  const s = facts.stats.find((r) => str(r.database) === database);
  if (!s) return null;
  return (num(s.avg_xact_count) * num(s.avg_xact_time)) / 1e6;
}

export interface SessionStateUse {
  kind: 'prepared' | 'set' | 'advisory-lock' | 'listen' | 'temp-table';
  label: string;
  calls: number;
  example: string;
  /** Held right now (pg_locks / pg_stat_activity) rather than counted in pg_stat_statements. */
  live?: boolean;
}

const SESSION_PATTERNS: { kind: SessionStateUse['kind']; label: string; re: RegExp }[] = [
  { kind: 'prepared', label: 'SQL-level prepared statements (PREPARE / EXECUTE / DEALLOCATE)', re: /^\s*(PREPARE|EXECUTE|DEALLOCATE)\b/i },
  { kind: 'set', label: 'session settings (SET without LOCAL)', re: /^\s*(SET|RESET)\s+(?!LOCAL\b|TRANSACTION\b|CONSTRAINTS\b)/i },
  { kind: 'advisory-lock', label: 'session-level advisory locks (pg_advisory_lock)', re: /\bpg_(try_)?advisory_lock(_shared)?\s*\(/i },
  { kind: 'listen', label: 'LISTEN / NOTIFY subscriptions', re: /^\s*(LISTEN|UNLISTEN)\b/i },
  { kind: 'temp-table', label: 'temporary tables that outlive a transaction', re: /\bCREATE\s+(GLOBAL\s+|LOCAL\s+)?TEMP(ORARY)?\s+TABLE\b(?![\s\S]*\bON\s+COMMIT\s+DROP\b)/i },
];

/** Statements of this database in pg_stat_statements that keep state in the server session. */
export async function fetchSessionStateUse(q: QueryRunner, pgss: string): Promise<SessionStateUse[]> {
  const rows = await q.query<{ query: string; calls: number }>(`
    SELECT s.query, s.calls::float8 AS calls
      FROM ${pgss} s
     WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND s.query ~* '^\\s*(PREPARE|EXECUTE|DEALLOCATE|SET|RESET|LISTEN|UNLISTEN)\\M|pg_(try_)?advisory_lock|CREATE\\s+(GLOBAL\\s+|LOCAL\\s+)?TEMP'
       AND s.query NOT LIKE '%/* pgopt */%'
     ORDER BY s.calls DESC
     LIMIT 500`);
  return classifySessionState(rows);
}

/**
 * Session state held right now (pg_locks, pg_stat_activity): session-level advisory locks and LISTEN
 * subscriptions of other sessions on this database. `calls` counts sessions here.
 */
export async function fetchLiveSessionState(q: QueryRunner): Promise<SessionStateUse[]> {
  const [r] = await q.query<{ locks: number; listeners: number }>(`
    SELECT (SELECT count(DISTINCT l.pid)::int FROM pg_locks l
             WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid()
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS locks,
           (SELECT count(*)::int FROM pg_stat_activity a
             WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.query ~* '^\\s*LISTEN\\M') AS listeners`);
  const out: SessionStateUse[] = [];
  if (r && r.locks > 0) out.push({ kind: 'advisory-lock', label: 'advisory locks held by sessions right now (pg_locks)', calls: r.locks, example: `${r.locks} session(s) hold one`, live: true });
  if (r && r.listeners > 0) out.push({ kind: 'listen', label: 'sessions whose last statement was LISTEN (pg_stat_activity)', calls: r.listeners, example: `${r.listeners} session(s)`, live: true });
  return out;
}

export function classifySessionState(rows: { query: string; calls: number }[]): SessionStateUse[] {
  const out = new Map<SessionStateUse['kind'], SessionStateUse>();
  for (const r of rows) {
    const p = SESSION_PATTERNS.find((x) => x.re.test(r.query));
    if (!p) continue;
    const prev = out.get(p.kind);
    if (prev) prev.calls += num(r.calls);
    else out.set(p.kind, { kind: p.kind, label: p.label, calls: num(r.calls), example: truncateSql(r.query, 80) });
  }
  return [...out.values()];
}

/** A PgBouncer wait: "0 s" only when there was none, "< 1 s" for a sub-second one, else as formatDuration. */
export function formatWait(seconds: number): string {
  if (seconds <= 0) return '0 s';
  return seconds < 1 ? '< 1 s' : formatDuration(seconds);
}

export interface PoolerAssessment {
  metrics: Metric[];
  findings: ReportFinding[];
  tables: ReportTable[];
  summary: string;
}

export interface AssessInput {
  facts: PoolerFacts;
  sessionState: SessionStateUse[] | null;
  /** The monitored server's max_connections minus superuser_reserved_connections. */
  serverSlots: number | null;
}

const WAIT_ERROR_S = 5;

/**
 * The one judgement of waiting clients, for the "Clients waiting" and "Longest wait" metrics and the
 * pooler.clients-waiting finding alike (so a wait is never "ok" next to a warning about it): nobody waited → ok;
 * a wait of WAIT_ERROR_S or more → error; any other wait (clients queued, or a maxwait above zero) → warning.
 */
export function waitStatus(peakWaiting: number, maxwaitS: number): 'ok' | 'warning' | 'error' {
  if (peakWaiting <= 0 && maxwaitS <= 0) return 'ok';
  return maxwaitS >= WAIT_ERROR_S ? 'error' : 'warning';
}

export function assessPooler(input: AssessInput): PoolerAssessment {
  const { facts } = input;
  const pools = poolPeaks(facts);
  const metrics: Metric[] = [];
  const findings: ReportFinding[] = [];
  const modes = [...new Set([facts.config.get('pool_mode') ?? '', ...pools.map((p) => p.poolMode)].filter(Boolean))];
  const peakWaiting = pools.reduce((a, p) => a + p.peakWaiting, 0);
  const maxwait = pools.reduce((a, p) => Math.max(a, p.maxwaitS), 0);
  const serversInUse = pools.reduce((a, p) => a + p.svActive + p.svIdle + p.svUsed + p.svOther, 0);
  const clients = facts.clients.length;
  const waiting = waitStatus(peakWaiting, maxwait);
  metrics.push(
    { id: 'pooler-clients', label: 'Client connections (pooler)', value: clients, display: formatCount(clients) },
    {
      id: 'pooler-waiting',
      label: 'Clients waiting for a server connection (peak)',
      value: peakWaiting,
      display: formatCount(peakWaiting),
      status: waiting,
    },
    // A sub-second wait is shown as such ("< 1 s"), never rounded to "0 s" or "1 s" beside a warning.
    { id: 'pooler-maxwait', label: 'Longest wait (maxwait)', value: maxwait, display: formatWait(maxwait), status: waiting },
    { id: 'pooler-servers', label: 'Server connections (pooler)', value: serversInUse, display: formatCount(serversInUse) },
    { id: 'pooler-mode', label: 'Pool mode', value: modes.join(', ') || null, display: modes.join(', ') || 'unknown' },
  );

  for (const p of pools) {
    const where = `${p.database} (user ${p.user})`;
    const poolWait = waitStatus(p.peakWaiting, p.maxwaitS);
    if (p.peakWaiting > 0 && poolWait !== 'ok') {
      const busy = averageBusyServers(facts, p.database);
      const recommended = recommendPoolSize(p, busy, input.serverSlots);
      findings.push({
        id: 'pooler.clients-waiting',
        severity: poolWait,
        title: `${formatCount(p.peakWaiting)} client${p.peakWaiting === 1 ? '' : 's'} waiting for a server connection in pool ${where}`,
        detail:
          `All ${p.poolSize} server connections of the pool were busy (${p.svActive} active) while clients queued; the longest wait was ${formatWait(p.maxwaitS)}. ` +
          `Peak demand measured: ${p.peakDemand} concurrent transactions` +
          (busy !== null ? `; on average ${busy.toFixed(1)} server connections busy (SHOW STATS: transactions/s × transaction time)` : '') +
          '.',
        action:
          recommended > p.poolSize
            ? `Raise the pool size of ${p.database} from ${p.poolSize} to ${recommended} (pool_size in [databases] or default_pool_size), provided the server has the slots; or shorten the transactions that hold the connections.`
            : 'Shorten the transactions holding the connections, or add server capacity: the server has no slots left for a larger pool.',
        object: { kind: 'database', name: p.database },
      });
    }
    const used = p.svActive + p.svIdle + p.svUsed + p.svOther;
    if (p.maxDbConnections > 0 && used >= p.maxDbConnections) {
      findings.push({
        id: 'pooler.max-db-connections',
        severity: 'warning',
        title: `Pool ${where} is at max_db_connections (${used} of ${p.maxDbConnections})`,
        detail: 'No further server connection can be opened for this database, whatever the pool size.',
        action: 'Raise max_db_connections for this database if the server has the slots.',
        object: { kind: 'database', name: p.database },
      });
    }
  }

  const txnPooling = modes.some((m) => m === 'transaction' || m === 'statement');
  if (txnPooling && input.sessionState && input.sessionState.length) {
    const uses = input.sessionState;
    findings.push({
      id: 'pooler.session-state',
      severity: 'warning',
      title: `The application keeps session state, but the pooler runs ${modes.join('/')} pooling`,
      detail:
        `In ${modes.join('/')} mode consecutive transactions of one client may run on different server connections, so state set in one transaction is missing (or leaks to another client) in the next. ` +
        `Seen: ${uses.map((u) => (u.live ? `${u.label}: ${u.example}` : `${u.label}, ${formatCount(u.calls)} calls in pg_stat_statements (e.g. ${u.example})`)).join('; ')}.`,
      action:
        'Move that state into the transaction (SET LOCAL, pg_advisory_xact_lock, temporary tables ON COMMIT DROP), route those clients through a session-mode pool, or' +
        (facts.config.has('max_prepared_statements') ? ' for protocol-level prepared statements set max_prepared_statements.' : ' upgrade to PgBouncer 1.21+ (max_prepared_statements) for protocol-level prepared statements.'),
    });
  }

  const tables: ReportTable[] = [
    {
      id: 'pooler-pools',
      title: 'Pools (peaks over the sampling window)',
      columns: [
        { key: 'database', label: 'Database' },
        { key: 'user', label: 'User' },
        { key: 'mode', label: 'Mode' },
        { key: 'cl_active', label: 'Clients active', numeric: true },
        { key: 'cl_waiting', label: 'Clients waiting (peak)', numeric: true },
        { key: 'sv_active', label: 'Servers active', numeric: true },
        { key: 'sv_idle', label: 'Servers idle', numeric: true },
        { key: 'pool_size', label: 'Pool size', numeric: true },
        { key: 'demand', label: 'Peak demand', numeric: true },
        { key: 'recommended', label: 'Recommended pool size', numeric: true },
        { key: 'maxwait', label: 'Longest wait' },
      ],
      rows: pools.map((p) => ({
        database: p.database,
        user: p.user,
        mode: p.poolMode,
        cl_active: p.clActive,
        cl_waiting: p.peakWaiting,
        sv_active: p.svActive,
        sv_idle: p.svIdle,
        pool_size: p.poolSize,
        demand: p.peakDemand,
        recommended: recommendPoolSize(p, averageBusyServers(facts, p.database), input.serverSlots),
        maxwait: formatWait(p.maxwaitS),
      })),
      emptyText: 'The pooler has no pool yet (no client has connected through it).',
    },
  ];
  const summary =
    `PgBouncer${facts.version ? ` ${facts.version.replace(/^PgBouncer\s*/i, '')}` : ''}, ${modes.join('/') || 'unknown'} pooling: ${formatCount(clients)} client${clients === 1 ? '' : 's'}, ${formatCount(serversInUse)} server connection${serversInUse === 1 ? '' : 's'}` +
    (peakWaiting > 0 ? `, ${formatCount(peakWaiting)} waiting (longest ${formatWait(maxwait)})` : ', no client waiting') +
    '.';
  return { metrics, findings, tables, summary };
}

/**
 * A pool size for the measured concurrency: the peak demand (busy servers + waiting clients) or 1.5× the
 * average busy servers, whichever is larger, never below the current size, capped by the server's slots.
 */
export function recommendPoolSize(p: PoolPeak, avgBusy: number | null, serverSlots: number | null): number {
  const wanted = Math.max(p.poolSize, p.peakDemand, avgBusy !== null ? Math.ceil(avgBusy * 1.5) : 0);
  return serverSlots !== null && serverSlots > 0 ? Math.min(wanted, serverSlots) : wanted;
}
