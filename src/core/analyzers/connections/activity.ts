// Connections and locks from pg_stat_activity: sessions grouped by state/application/user/client,
// idle-in-transaction and long-running sessions, the blocking tree (pg_blocking_pids) down to the root
// blocker, leak suspects, pool sizing and a best-effort pooler check. Fetches are plain queries; every
// judgement is a pure function of the rows (unit-tested). Nothing here cancels or terminates anything:
// the findings carry the SQL as text.
import type { ActivitySettings } from '../../config';
import type { QueryRunner } from '../../db/session';
import { formatDuration, formatPercent, truncateSql } from '../../format';
import type { Metric, ReportFinding, ReportTable, Status } from '../../report/model';
import type { CheckResult } from '../health/healthChecks';

export interface ActivityRow {
  pid: number;
  datname: string | null;
  usename: string | null;
  application_name: string | null;
  client_addr: string | null;
  client_port: number | null;
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
  query: string | null;
  backend_age_s: number | null;
  xact_age_s: number | null;
  query_age_s: number | null;
  state_age_s: number | null;
  blocking_pids: number[];
}

export interface ServerLimits {
  maxConnections: number;
  reserved: number;
  idleInTransactionTimeout: string;
}

/** Client backends other than ours, with whom they wait for. */
export async function fetchActivity(q: QueryRunner): Promise<{ rows: ActivityRow[]; limits: ServerLimits }> {
  const rows = await q.query<ActivityRow>(`
    SELECT pid, datname, usename, application_name, host(client_addr) AS client_addr, client_port, state,
           wait_event_type, wait_event, query,
           extract(epoch FROM now() - backend_start)::float8 AS backend_age_s,
           extract(epoch FROM now() - xact_start)::float8 AS xact_age_s,
           extract(epoch FROM now() - query_start)::float8 AS query_age_s,
           extract(epoch FROM now() - state_change)::float8 AS state_age_s,
           pg_blocking_pids(pid) AS blocking_pids
      FROM pg_stat_activity
     WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
     ORDER BY pid`);
  const [l] = await q.query<{ max: number; reserved: number; iit: string }>(`
    SELECT current_setting('max_connections')::int AS max, current_setting('superuser_reserved_connections')::int AS reserved,
           current_setting('idle_in_transaction_session_timeout') AS iit`);
  return { rows, limits: { maxConnections: l?.max ?? 100, reserved: l?.reserved ?? 3, idleInTransactionTimeout: l?.iit ?? '0' } };
}

export interface ActivitySample {
  active: number;
  idleInTransaction: number;
  waiting: number;
  total: number;
}

/** One sample of concurrency. Run each in its own transaction: pg_stat_activity is a per-transaction snapshot. */
export async function sampleActivity(q: QueryRunner): Promise<ActivitySample> {
  const [r] = await q.query<ActivitySample>(`
    SELECT count(*) FILTER (WHERE state = 'active')::int AS active,
           count(*) FILTER (WHERE state LIKE 'idle in transaction%')::int AS "idleInTransaction",
           count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS waiting,
           count(*)::int AS total
      FROM pg_stat_activity
     WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`);
  return r ?? { active: 0, idleInTransaction: 0, waiting: 0, total: 0 };
}

// ---------------------------------------------------------------- grouping

const label = (v: string | null | undefined, empty: string): string => (v === null || v === undefined || v === '' ? empty : v);

export function groupSessions(rows: ActivityRow[]): ReportTable[] {
  const group = (id: string, title: string, keyLabel: string, key: (r: ActivityRow) => string): ReportTable => {
    const m = new Map<string, { count: number; active: number; idle: number; idleTx: number; oldest: number }>();
    for (const r of rows) {
      const k = key(r);
      const g = m.get(k) ?? { count: 0, active: 0, idle: 0, idleTx: 0, oldest: 0 };
      g.count++;
      if (r.state === 'active') g.active++;
      else if (r.state === 'idle') g.idle++;
      else if (r.state?.startsWith('idle in transaction')) g.idleTx++;
      g.oldest = Math.max(g.oldest, r.backend_age_s ?? 0);
      m.set(k, g);
    }
    return {
      id,
      title,
      columns: [
        { key: 'key', label: keyLabel },
        { key: 'count', label: 'Sessions', numeric: true },
        { key: 'active', label: 'Active', numeric: true },
        { key: 'idle', label: 'Idle', numeric: true },
        { key: 'idle_tx', label: 'Idle in transaction', numeric: true },
        { key: 'oldest', label: 'Oldest connection' },
      ],
      rows: [...m.entries()]
        .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
        .map(([k, g]) => ({ key: k, count: g.count, active: g.active, idle: g.idle, idle_tx: g.idleTx, oldest: formatDuration(g.oldest) })),
      emptyText: 'No client sessions besides this one.',
    };
  };
  return [
    group('sessions-by-state', 'Sessions by state', 'State', (r) => label(r.state, 'unknown (no privilege)')),
    group('sessions-by-application', 'Sessions by application', 'Application', (r) => label(r.application_name, '(none)')),
    group('sessions-by-user', 'Sessions by user', 'User', (r) => label(r.usename, '(unknown)')),
    group('sessions-by-client', 'Sessions by client', 'Client', (r) => (r.client_addr ? r.client_addr : 'local socket')),
  ];
}

// ---------------------------------------------------------------- blocking tree

export interface BlockedSession {
  pid: number;
  /** 1 = waits directly on the root; 2 = waits on a session that waits on the root; … */
  depth: number;
  blockedBy: number[];
  waitingS: number | null;
  query: string | null;
}

export interface BlockingTree {
  root: ActivityRow | { pid: number; missing: true };
  waiters: BlockedSession[];
}

/** Groups every waiting session under the root blocker(s) it ultimately waits on. */
export function buildBlockingTrees(rows: ActivityRow[]): BlockingTree[] {
  const byPid = new Map(rows.map((r) => [r.pid, r]));
  const children = new Map<number, number[]>();
  for (const r of rows) for (const b of r.blocking_pids ?? []) children.set(b, [...(children.get(b) ?? []), r.pid]);
  const rootsOf = (pid: number): Set<number> => {
    const out = new Set<number>();
    const seen = new Set<number>();
    const stack = [pid];
    while (stack.length) {
      const p = stack.pop() as number;
      if (seen.has(p)) continue;
      seen.add(p);
      const blockers = byPid.get(p)?.blocking_pids ?? [];
      if (p !== pid && blockers.length === 0) out.add(p);
      for (const b of blockers) stack.push(b);
    }
    // A cycle (a deadlock about to be broken) has no root: name its lowest pid.
    if (out.size === 0) out.add(Math.min(...seen));
    return out;
  };
  const roots = new Set<number>();
  for (const r of rows) if ((r.blocking_pids ?? []).length > 0) for (const root of rootsOf(r.pid)) roots.add(root);
  const trees: BlockingTree[] = [];
  for (const root of [...roots].sort((a, b) => a - b)) {
    const waiters: BlockedSession[] = [];
    const depth = new Map<number, number>([[root, 0]]);
    const queue = [root];
    while (queue.length) {
      const p = queue.shift() as number;
      for (const c of children.get(p) ?? []) {
        if (depth.has(c)) continue;
        depth.set(c, (depth.get(p) ?? 0) + 1);
        queue.push(c);
        const w = byPid.get(c);
        waiters.push({ pid: c, depth: depth.get(c) ?? 1, blockedBy: w?.blocking_pids ?? [], waitingS: w?.state_age_s ?? null, query: w?.query ?? null });
      }
    }
    trees.push({ root: byPid.get(root) ?? { pid: root, missing: true }, waiters });
  }
  return trees;
}

function isIdleInTx(r: ActivityRow): boolean {
  return r.state?.startsWith('idle in transaction') ?? false;
}

/** Cancel helps an active statement; an idle-in-transaction session holds its locks until it ends. */
export function stopSql(r: Pick<ActivityRow, 'pid' | 'state'>): string {
  const cancel = `SELECT pg_cancel_backend(${r.pid});    -- cancels its running statement; the session stays`;
  const terminate = `SELECT pg_terminate_backend(${r.pid}); -- ends the session and rolls back its transaction`;
  return r.state === 'active' ? `${cancel}\n${terminate}` : terminate;
}

export function assessBlocking(rows: ActivityRow[]): CheckResult & { trees: BlockingTree[] } {
  const trees = buildBlockingTrees(rows);
  const findings: ReportFinding[] = [];
  const tableRows: Record<string, string | number | null>[] = [];
  for (const t of trees) {
    const root = 'missing' in t.root ? undefined : t.root;
    const longestWait = Math.max(0, ...t.waiters.map((w) => w.waitingS ?? 0));
    const severity: Status = longestWait >= 60 || t.waiters.length >= 5 ? 'error' : 'warning';
    const who = root ? `${label(root.usename, '?')} / ${label(root.application_name, 'no application')} / ${root.client_addr ?? 'local socket'}` : 'not visible';
    findings.push({
      id: 'connections.blocking',
      severity: severity as 'error' | 'warning',
      title: `Session ${t.root.pid} blocks ${t.waiters.length} session${t.waiters.length === 1 ? '' : 's'} (root blocker${root ? `, ${label(root.state, 'unknown state')}` : ''}${root?.xact_age_s != null ? `, transaction open ${formatDuration(root.xact_age_s)}` : ''})`,
      detail: root
        ? `Root blocker ${root.pid} (${who}) — its ${root.state === 'active' ? 'running' : 'last'} statement: ${truncateSql(root.query ?? '', 300)}. ` +
          `Waiting: ${t.waiters.map((w) => `${w.pid}${w.depth > 1 ? ` (behind ${w.blockedBy.join(', ')})` : ''} for ${formatDuration(w.waitingS)}`).join('; ')}.`
        : `Session ${t.root.pid} is not a client backend this role can see. Waiting: ${t.waiters.map((w) => w.pid).join(', ')}.`,
      action: root && isIdleInTx(root)
        ? 'The root blocker is idle in a transaction: its client forgot to COMMIT/ROLLBACK. Fix the client; if it must go now, terminating it rolls its transaction back and releases the locks (pgopt never does this for you).'
        : 'Find out what the root blocker is doing. If it must go, cancel its statement first; terminate the session only if that is not enough (pgopt never does this for you).',
      sql: stopSql({ pid: t.root.pid, state: root?.state ?? null }),
    });
    tableRows.push({
      session: `${t.root.pid} (root)`,
      state: root ? label(root.state, '?') : 'not visible',
      blocked_by: '',
      for: root ? formatDuration(root.xact_age_s ?? root.state_age_s) : '',
      who,
      query: root ? truncateSql(root.query ?? '', 80) : '',
    });
    for (const w of t.waiters) {
      tableRows.push({
        session: `${'  '.repeat(w.depth)}└ ${w.pid}`,
        state: 'waiting',
        blocked_by: w.blockedBy.join(', '),
        for: formatDuration(w.waitingS),
        who: '',
        query: truncateSql(w.query ?? '', 80),
      });
    }
  }
  const waiting = trees.reduce((a, t) => a + t.waiters.length, 0);
  return {
    trees,
    metrics: [
      { id: 'waiting-sessions', label: 'Sessions waiting on a lock held by another', value: waiting, display: String(waiting), status: waiting ? 'warning' : 'ok' },
    ],
    findings,
    tables: [
      {
        id: 'blocking-tree',
        title: 'Blocking tree (root blockers and who waits on them)',
        columns: [
          { key: 'session', label: 'Session (pid)' },
          { key: 'state', label: 'State' },
          { key: 'blocked_by', label: 'Blocked by' },
          { key: 'for', label: 'For' },
          { key: 'who', label: 'User / application / client' },
          { key: 'query', label: 'Query' },
        ],
        rows: tableRows,
        emptyText: 'No session is waiting for a lock held by another session.',
      },
    ],
  };
}

// ---------------------------------------------------------------- idle in transaction, long-running

const MAX_FINDINGS = 10;

export function assessIdleInTransaction(rows: ActivityRow[], s: Pick<ActivitySettings, 'idleInTransactionSeconds'>, idleTimeout = '0'): CheckResult {
  const idle = rows.filter(isIdleInTx).sort((a, b) => (b.xact_age_s ?? 0) - (a.xact_age_s ?? 0));
  const over = idle.filter((r) => (r.state_age_s ?? 0) >= s.idleInTransactionSeconds);
  const findings: ReportFinding[] = over.slice(0, MAX_FINDINGS).map((r) => ({
    id: 'connections.idle-in-transaction',
    severity: (r.xact_age_s ?? 0) >= 3600 ? 'error' : 'warning',
    title: `Session ${r.pid} idle in transaction for ${formatDuration(r.state_age_s)} (transaction open ${formatDuration(r.xact_age_s)})`,
    detail: `${label(r.usename, '?')} / ${label(r.application_name, 'no application')} / ${r.client_addr ?? 'local socket'}, last statement: ${truncateSql(r.query ?? '', 200)}. ` +
      'An open transaction keeps its locks and stops VACUUM from removing dead rows newer than it, in every table.',
    action: `Fix the client so it commits or rolls back promptly. idle_in_transaction_session_timeout is ${idleTimeout === '0' ? 'off' : idleTimeout}; setting it (e.g. 5min) ends such sessions automatically.`,
    sql: stopSql(r),
  }));
  return {
    metrics: [
      {
        id: 'idle-in-transaction',
        label: 'Idle in transaction',
        value: idle.length,
        display: idle.length ? `${idle.length}, oldest transaction ${formatDuration(idle[0]?.xact_age_s)}` : '0',
        status: over.length ? 'warning' : 'ok',
      },
    ],
    findings,
    tables: [
      {
        id: 'idle-in-transaction',
        title: 'Sessions idle in transaction',
        columns: [
          { key: 'pid', label: 'pid', numeric: true },
          { key: 'idle_for', label: 'Idle for' },
          { key: 'xact_age', label: 'Transaction open' },
          { key: 'who', label: 'User / application / client' },
          { key: 'query', label: 'Last statement' },
        ],
        rows: idle.map((r) => ({
          pid: r.pid,
          idle_for: formatDuration(r.state_age_s),
          xact_age: formatDuration(r.xact_age_s),
          who: `${label(r.usename, '?')} / ${label(r.application_name, '-')} / ${r.client_addr ?? 'local'}`,
          query: truncateSql(r.query ?? '', 80),
        })),
        emptyText: 'No session is idle in a transaction.',
      },
    ],
  };
}

export function assessLongRunning(rows: ActivityRow[], s: Pick<ActivitySettings, 'longRunningSeconds'>): CheckResult {
  const running = rows
    .filter((r) => r.state === 'active' && (r.query_age_s ?? 0) >= s.longRunningSeconds)
    .sort((a, b) => (b.query_age_s ?? 0) - (a.query_age_s ?? 0));
  const findings: ReportFinding[] = running.slice(0, MAX_FINDINGS).map((r) => ({
    id: 'connections.long-running',
    severity: (r.query_age_s ?? 0) >= 3600 ? 'error' : 'warning',
    title: `Query running for ${formatDuration(r.query_age_s)} in session ${r.pid}${r.wait_event_type ? ` (waiting: ${r.wait_event_type}/${r.wait_event})` : ''}`,
    detail: `${label(r.usename, '?')} / ${label(r.application_name, 'no application')} / ${r.client_addr ?? 'local socket'}: ${truncateSql(r.query ?? '', 300)}`,
    action: 'Check its plan (EXPLAIN) and whether it is expected (a report, a migration). A statement_timeout for the role stops runaway queries.',
    sql: stopSql(r),
  }));
  return {
    metrics: [
      { id: 'long-running', label: `Queries running ≥ ${formatDuration(s.longRunningSeconds)}`, value: running.length, display: String(running.length), status: running.length ? 'warning' : 'ok' },
    ],
    findings,
    tables: [
      {
        id: 'long-running',
        title: 'Long-running queries',
        columns: [
          { key: 'pid', label: 'pid', numeric: true },
          { key: 'running', label: 'Running for' },
          { key: 'wait', label: 'Waiting on' },
          { key: 'who', label: 'User / application / client' },
          { key: 'query', label: 'Query' },
        ],
        rows: running.map((r) => ({
          pid: r.pid,
          running: formatDuration(r.query_age_s),
          wait: r.wait_event_type ? `${r.wait_event_type}/${r.wait_event}` : '',
          who: `${label(r.usename, '?')} / ${label(r.application_name, '-')} / ${r.client_addr ?? 'local'}`,
          query: truncateSql(r.query ?? '', 80),
        })),
        emptyText: `No query has been running for ${formatDuration(s.longRunningSeconds)} or more.`,
      },
    ],
  };
}

// ---------------------------------------------------------------- leak suspects

export function assessLeaks(rows: ActivityRow[], s: Pick<ActivitySettings, 'leakIdleSeconds' | 'leakMinSessions'>): CheckResult {
  const groups = new Map<string, ActivityRow[]>();
  for (const r of rows) {
    if (r.state !== 'idle' || (r.state_age_s ?? 0) < s.leakIdleSeconds) continue;
    const k = JSON.stringify([r.usename, r.application_name, r.client_addr]);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const findings: ReportFinding[] = [];
  for (const [k, g] of [...groups.entries()].sort((a, b) => b[1].length - a[1].length)) {
    if (g.length < s.leakMinSessions) continue;
    const [user, app, client] = JSON.parse(k) as [string | null, string | null, string | null];
    const oldest = Math.max(...g.map((r) => r.state_age_s ?? 0));
    findings.push({
      id: 'connections.leak-suspect',
      severity: 'warning',
      title: `Leak suspect: ${label(app, 'an unnamed application')} (${label(user, '?')} from ${client ?? 'local socket'}) holds ${g.length} connections idle for ≥ ${formatDuration(s.leakIdleSeconds)}`,
      detail: `${g.length} sessions idle between ${formatDuration(Math.min(...g.map((r) => r.state_age_s ?? 0)))} and ${formatDuration(oldest)} (pids ${g.slice(0, 20).map((r) => r.pid).join(', ')}${g.length > 20 ? ', …' : ''}). A pool that only grows, or code that opens connections without closing them, looks like this.`,
      action: 'Check the client pool settings (maximum size, idle timeout) and that every connection is returned/closed; idle_session_timeout (PG 14+) or a pooler caps the damage.',
    });
  }
  return { findings };
}

// ---------------------------------------------------------------- pool sizing and pooler

const POOLER_NAMES = /pgbouncer|odyssey|pgcat|pgpool|supavisor|rds ?proxy/i;

export interface PoolInput {
  limits: ServerLimits;
  sessions: number;
  samples: ActivitySample[];
  cpus?: number | undefined;
  applications: (string | null)[];
}

/** What the pooler section read from PgBouncer's admin console (withPoolerInConnections passes it in). */
export interface PoolerSeen {
  /** pool_mode of the config and the pools, e.g. "transaction" or "session, transaction"; null when unknown. */
  mode: string | null;
  /** Server connections PgBouncer holds. */
  servers: number | null;
}

export interface PoolIdleInput {
  sessions: number;
  peak: number;
  suggested: number | undefined;
  evidence: string;
}

/**
 * "Many connections, few active" — the advice depends on what is in front of the server: without a known
 * pooler, put a transaction-mode one in front; with PgBouncer read from its admin console, phrased against
 * its pool mode (session pooling keeps a server connection per client; with transaction pooling the idle
 * connections are clients that bypass it or pools sized above the demand). null: nothing to advise.
 */
export function poolMostlyIdleFinding(i: PoolIdleInput, pooler?: PoolerSeen): ReportFinding | null {
  const head = `${i.sessions} connections for at most ${i.peak} active at once`;
  const size = i.suggested ?? `2 × CPU cores + 1 (≈ ${Math.max(i.peak, 1) * 2} from the observed peak)`;
  const cost = 'Each idle connection still costs a backend process and memory, and snapshots get slower with many connections.';
  if (!pooler) {
    return {
      id: 'connections.pool-mostly-idle',
      severity: 'info',
      title: `${head}: a transaction-mode pooler would need far fewer`,
      detail: `Evidence: ${i.evidence}. ${cost}`,
      action: `Put PgBouncer (pool_mode = transaction) in front and size its pool near ${size}, or shrink the application pools.`,
    };
  }
  const modes = (pooler.mode ?? '').split(/[,/\s]+/).filter(Boolean);
  const servers = pooler.servers !== null ? `; PgBouncer holds ${pooler.servers} server connection${pooler.servers === 1 ? '' : 's'}` : '';
  if (modes.includes('session')) {
    return {
      id: 'connections.pool-mostly-idle',
      severity: 'info',
      title: `${head}: PgBouncer runs session pooling, which keeps one server connection per client`,
      detail: `Evidence: ${i.evidence}${servers}. In session mode a client holds its server connection until it disconnects, so the pooler does not reduce the server's connections. ${cost}`,
      action: `Switch pool_mode to transaction for the clients that keep no session state (the pooler section lists the session state it found) and size the pool near ${size}, or shrink the application pools.`,
    };
  }
  if (modes.includes('transaction') || modes.includes('statement')) {
    if (pooler.servers !== null && pooler.servers >= i.sessions) return null; // they are the pooler's own, already judged in its section
    return {
      id: 'connections.pool-mostly-idle',
      severity: 'info',
      title: `${head}, although PgBouncer runs ${modes.join('/')} pooling`,
      detail: `Evidence: ${i.evidence}${servers}. The sessions beyond the pooler's are clients connected to PostgreSQL directly (see the sessions by application and client). ${cost}`,
      action: `Route those clients through PgBouncer, and keep its pool near ${size} (default_pool_size, min_pool_size, server_idle_timeout).`,
    };
  }
  return {
    id: 'connections.pool-mostly-idle',
    severity: 'info',
    title: `${head}, with PgBouncer in front (pool mode unknown)`,
    detail: `Evidence: ${i.evidence}${servers}. ${cost}`,
    action: `Check PgBouncer's pool_mode (transaction pooling needs the fewest server connections) and size its pool near ${size}.`,
  };
}

export function assessPool(p: PoolInput): CheckResult {
  const usable = Math.max(1, p.limits.maxConnections - p.limits.reserved);
  const peak = Math.max(0, ...p.samples.map((s) => s.active));
  const avg = p.samples.length ? p.samples.reduce((a, s) => a + s.active, 0) / p.samples.length : 0;
  const suggested = p.cpus ? p.cpus * 2 + 1 : undefined;
  const poolerApps = [...new Set(p.applications.filter((a): a is string => !!a && POOLER_NAMES.test(a)))];
  const findings: ReportFinding[] = [];
  const evidence = `${p.sessions} client sessions, ${p.samples.length} samples of pg_stat_activity: peak ${peak}, average ${avg.toFixed(1)} active; max_connections ${p.limits.maxConnections} (${p.limits.reserved} reserved)${p.cpus ? `; ${p.cpus} CPU cores (pgopt.json activity.serverCpus)` : ''}`;
  if (p.sessions >= 20 && p.sessions >= 4 * Math.max(1, peak) && poolerApps.length === 0) {
    const f = poolMostlyIdleFinding({ sessions: p.sessions, peak, suggested, evidence });
    if (f) findings.push(f);
  }
  if (suggested !== undefined && peak > 2 * suggested) {
    findings.push({
      id: 'connections.oversubscribed',
      severity: 'warning',
      title: `${peak} queries active at once on ${p.cpus} CPU cores`,
      detail: `Evidence: ${evidence}. Beyond about 2 × cores active sessions, throughput stops growing and latency grows.`,
      action: `Limit concurrency with a pool of about ${suggested} server connections (PgBouncer, or the application pool).`,
    });
  }
  if (suggested !== undefined && p.limits.maxConnections > 10 * suggested) {
    findings.push({
      id: 'connections.max-connections-high',
      severity: 'info',
      title: `max_connections = ${p.limits.maxConnections} is far above what ${p.cpus} cores can serve`,
      detail: `Evidence: ${evidence}. A high max_connections invites connection storms, and every connection can use work_mem per sort/hash.`,
      action: 'Lower max_connections (restart) once clients go through a pool.',
    });
  }
  const metrics: Metric[] = [
    {
      id: 'connections-used',
      label: 'Connections',
      value: p.sessions,
      display: `${p.sessions} / ${usable} usable (${formatPercent(p.sessions / usable, 0)})`,
      status: p.sessions / usable >= 0.95 ? 'error' : p.sessions / usable >= 0.8 ? 'warning' : 'ok',
    },
    {
      id: 'active-concurrency',
      label: `Active sessions (${p.samples.length} samples)`,
      value: peak,
      display: `peak ${peak}, average ${avg.toFixed(1)}`,
      help: 'Sampled from pg_stat_activity over about a second; excludes this session.',
    },
    {
      id: 'suggested-pool',
      label: 'Suggested server-side pool size',
      value: suggested ?? null,
      display: suggested !== undefined ? `${suggested} (2 × ${p.cpus} cores + 1)` : 'unknown: set activity.serverCpus in pgopt.json (PostgreSQL cannot report the CPU count)',
    },
    {
      id: 'pooler',
      label: 'Connection pooler',
      value: poolerApps.length ? poolerApps.join(', ') : null,
      display: poolerApps.length
        ? `noticed: ${poolerApps.join(', ')} (application_name)`
        : 'none noticed (best effort: application_name; a pooler that hides itself is not visible from the server)',
    },
  ];
  return { metrics, findings };
}
