// HealthMate's traffic: the queries the application sends, how often, with what parameters. Running it
// fills pg_stat_statements (and pg_qualstats) the way production would, so the product can learn the
// workload from the server instead of from us.
import pg from 'pg';
import {
  HEALTHMATE_ALERT_TYPES,
  HEALTHMATE_FREQUENCIES,
  HEALTHMATE_GOAL_TYPES,
  HEALTHMATE_MEDICATIONS,
  HEALTHMATE_METRICS,
  HEALTHMATE_SYMPTOMS,
  skewedUserId,
  trySet,
  type HealthMateScale,
} from './generate';

/** What parameter generators may draw on, read once from the database before the run. */
export interface WorkloadContext {
  userCount: number;
  /** Real emails of existing users, so logins find someone. */
  emails: string[];
}

export interface HealthMateQuery {
  name: string;
  /** The screen or job that sends it. */
  purpose: string;
  sql: string;
  /** Relative frequency in the application's mix; 0 for queries only the reporting job sends. */
  weight: number;
  kind: 'read' | 'write';
  /** Session settings of the connection that runs it (the reporting worker is configured apart). */
  session?: Record<string, string>;
  /** Run once, after the mix, by the nightly maintenance job (weight 0). */
  nightly?: boolean;
  params(ctx: WorkloadContext, rnd: () => number): unknown[];
}

function pickOne<T>(values: readonly T[], rnd: () => number): T {
  return values[Math.floor(rnd() * values.length)] as T;
}

const metricTotal = HEALTHMATE_METRICS.reduce((s, m) => s + m.share, 0);
function pickMetric(rnd: () => number): (typeof HEALTHMATE_METRICS)[number] {
  let r = rnd() * metricTotal;
  for (const m of HEALTHMATE_METRICS) {
    r -= m.share;
    if (r < 0) return m;
  }
  return HEALTHMATE_METRICS[0]!;
}

const user = (ctx: WorkloadContext, rnd: () => number): number => skewedUserId(rnd(), ctx.userCount);

function plausibleReading(rnd: () => number): [string, number, string] {
  const m = pickMetric(rnd);
  const raw = m.type === 'steps' ? rnd() * m.spread : m.mean + m.spread * (rnd() + rnd() - 1);
  const f = 10 ** m.decimals;
  return [m.type, Math.round(raw * f) / f, m.unit];
}

export const HEALTHMATE_QUERIES: readonly HealthMateQuery[] = [
  {
    name: 'dashboard_latest_by_type',
    purpose: 'dashboard: latest reading of every metric',
    kind: 'read',
    weight: 10,
    sql: `SELECT DISTINCT ON (data_type) data_type, value, unit, timestamp
FROM health_data
WHERE user_id = $1
ORDER BY data_type, timestamp DESC`,
    params: (ctx, rnd) => [user(ctx, rnd)],
  },
  {
    name: 'dashboard_metric_last_7_days',
    purpose: 'dashboard: one metric chart, last 7 days',
    kind: 'read',
    weight: 12,
    sql: `SELECT timestamp, value, unit
FROM health_data
WHERE user_id = $1 AND data_type = $2 AND timestamp >= now() - interval '7 days'
ORDER BY timestamp`,
    params: (ctx, rnd) => [user(ctx, rnd), pickMetric(rnd).type],
  },
  {
    name: 'dashboard_daily_summary_30_days',
    purpose: 'dashboard: daily min/avg/max per metric, last 30 days',
    kind: 'read',
    weight: 5,
    sql: `SELECT data_type, date_trunc('day', timestamp) AS day, avg(value) AS avg_value, min(value) AS min_value,
       max(value) AS max_value, count(*) AS readings
FROM health_data
WHERE user_id = $1 AND timestamp >= now() - interval '30 days'
GROUP BY data_type, date_trunc('day', timestamp)
ORDER BY data_type, day`,
    params: (ctx, rnd) => [user(ctx, rnd)],
  },
  {
    name: 'latest_reading',
    purpose: 'watch widget: current value of one metric',
    kind: 'read',
    weight: 8,
    sql: `SELECT value, unit, timestamp FROM health_data WHERE user_id = $1 AND data_type = $2 ORDER BY timestamp DESC LIMIT 1`,
    params: (ctx, rnd) => [user(ctx, rnd), pickMetric(rnd).type],
  },
  {
    name: 'symptom_timeline',
    purpose: 'symptom diary',
    kind: 'read',
    weight: 5,
    sql: `SELECT id, symptom, severity, pain_level, notes, timestamp
FROM symptom_logs
WHERE user_id = $1 AND timestamp >= $2
ORDER BY timestamp DESC
LIMIT 50`,
    params: (ctx, rnd) => [user(ctx, rnd), new Date(Date.now() - (rnd() < 0.7 ? 30 : 90) * 86_400_000).toISOString()],
  },
  {
    name: 'medication_timeline',
    purpose: 'medication history',
    kind: 'read',
    weight: 5,
    sql: `SELECT id, medication_name, dosage, frequency, taken_at, effectiveness
FROM medication_logs
WHERE user_id = $1
ORDER BY taken_at DESC
LIMIT 50`,
    params: (ctx, rnd) => [user(ctx, rnd)],
  },
  {
    name: 'medication_adherence_7_days',
    purpose: 'medication adherence card',
    kind: 'read',
    weight: 2,
    sql: `SELECT medication_name, count(*) AS doses, max(taken_at) AS last_taken
FROM medication_logs
WHERE user_id = $1 AND taken_at >= now() - interval '7 days'
GROUP BY medication_name
ORDER BY medication_name`,
    params: (ctx, rnd) => [user(ctx, rnd)],
  },
  {
    name: 'active_goals',
    purpose: 'goals screen',
    kind: 'read',
    weight: 6,
    sql: `SELECT id, goal_type, target_value, progress, deadline
FROM health_goals
WHERE user_id = $1 AND is_active = true
ORDER BY deadline NULLS LAST`,
    params: (ctx, rnd) => [user(ctx, rnd)],
  },
  {
    name: 'unacknowledged_alerts',
    purpose: 'alert bell',
    kind: 'read',
    weight: 6,
    sql: `SELECT id, alert_type, message, severity, triggered_at
FROM health_alerts
WHERE user_id = $1 AND acknowledged = false
ORDER BY triggered_at DESC
LIMIT 20`,
    params: (ctx, rnd) => [user(ctx, rnd)],
  },
  {
    name: 'clinician_alert_triage',
    purpose: 'clinician console: open alerts of a severity',
    kind: 'read',
    weight: 1,
    sql: `SELECT a.id, a.user_id, u.full_name, u.phone, a.alert_type, a.message, a.triggered_at
FROM health_alerts a
JOIN users u ON u.id = a.user_id
WHERE a.acknowledged = false AND a.severity = $1
ORDER BY a.triggered_at DESC
LIMIT 100`,
    params: (_ctx, rnd) => [rnd() < 0.7 ? 'critical' : 'warning'],
  },
  {
    name: 'login_by_email',
    purpose: 'sign-in',
    kind: 'read',
    weight: 6,
    sql: `SELECT id, email, full_name, role, last_login_at FROM users WHERE lower(email) = lower($1)`,
    params: (ctx, rnd) => {
      const email = pickOne(ctx.emails, rnd);
      return [rnd() < 0.3 ? email.replace(/^./, (c) => c.toUpperCase()) : email];
    },
  },
  {
    name: 'password_reset_lookup',
    purpose: 'password reset',
    kind: 'read',
    weight: 1,
    sql: `SELECT id, full_name FROM users WHERE email = $1`,
    params: (ctx, rnd) => [pickOne(ctx.emails, rnd)],
  },
  {
    name: 'update_last_login',
    purpose: 'sign-in bookkeeping',
    kind: 'write',
    weight: 6,
    sql: `UPDATE users SET last_login_at = now() WHERE id = $1`,
    params: (ctx, rnd) => [user(ctx, rnd)],
  },
  {
    name: 'admin_users_by_role',
    purpose: 'admin: user list filtered by role, newest first',
    kind: 'read',
    weight: 1,
    sql: `SELECT id, email, full_name, role, created_at, last_login_at
FROM users
WHERE role = $1
ORDER BY created_at DESC
LIMIT 50 OFFSET $2`,
    params: (_ctx, rnd) => [pickOne(['patient', 'patient', 'clinician', 'researcher', 'admin'], rnd), Math.floor(rnd() * 4) * 50],
  },
  {
    name: 'admin_signups_per_day',
    purpose: 'admin: sign-ups chart',
    kind: 'read',
    weight: 0.5,
    sql: `SELECT date_trunc('day', created_at) AS day, role, count(*) AS signups
FROM users
WHERE created_at >= now() - interval '30 days'
GROUP BY 1, 2
ORDER BY 1, 2`,
    params: () => [],
  },
  {
    name: 'research_weekly_by_type',
    purpose: 'research: weekly distribution of one period',
    kind: 'read',
    weight: 0.3,
    sql: `SELECT data_type, date_trunc('week', timestamp) AS week, count(*) AS readings, count(DISTINCT user_id) AS users,
       avg(value) AS avg_value, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS median_value
FROM health_data
WHERE timestamp >= now() - $1::interval
GROUP BY data_type, date_trunc('week', timestamp)
ORDER BY data_type, week`,
    params: (_ctx, rnd) => [pickOne(['30 days', '90 days', '90 days', '180 days'], rnd)],
  },
  {
    name: 'research_daily_metrics',
    purpose: 'research dashboard: daily metrics of one data type (reads the view)',
    kind: 'read',
    weight: 0.6,
    sql: `SELECT day, readings, users, avg_value, min_value, max_value
FROM research_daily_metrics
WHERE data_type = $1 AND day >= now() - interval '90 days'
ORDER BY day`,
    params: (_ctx, rnd) => [pickMetric(rnd).type],
  },
  {
    name: 'research_cohort_by_age',
    purpose: 'research: one metric by age band of patients',
    kind: 'read',
    weight: 0.2,
    sql: `SELECT width_bucket(extract(year FROM age(u.date_of_birth)), 20, 90, 7) AS age_band,
       count(DISTINCT h.user_id) AS users, avg(h.value) AS avg_value
FROM health_data h
JOIN users u ON u.id = h.user_id
WHERE h.data_type = $1 AND h.timestamp >= now() - interval '30 days' AND u.role = 'patient'
GROUP BY age_band
ORDER BY age_band`,
    params: (_ctx, rnd) => [pickMetric(rnd).type],
  },
  {
    name: 'conversation_history',
    purpose: 'assistant chat: history',
    kind: 'read',
    weight: 4,
    sql: `SELECT id, message, response, feedback, timestamp
FROM conversations
WHERE user_id = $1
ORDER BY timestamp DESC
LIMIT 20`,
    params: (ctx, rnd) => [user(ctx, rnd)],
  },
  {
    name: 'conversation_feedback_stats',
    purpose: 'assistant quality: feedback per day',
    kind: 'read',
    weight: 0.5,
    sql: `SELECT date_trunc('day', timestamp) AS day, count(*) FILTER (WHERE feedback = 1) AS positive,
       count(*) FILTER (WHERE feedback = -1) AS negative, count(*) AS conversations
FROM conversations
WHERE timestamp >= now() - interval '7 days'
GROUP BY 1
ORDER BY 1`,
    params: () => [],
  },
  {
    name: 'insert_reading',
    purpose: 'device sync: one reading',
    kind: 'write',
    weight: 20,
    sql: `INSERT INTO health_data (user_id, data_type, value, unit, confidence, source, "timestamp") VALUES ($1, $2, $3, $4, $5, $6, now()) RETURNING id`,
    params: (ctx, rnd) => {
      const [type, value, unit] = plausibleReading(rnd);
      const source = pickOne(['apple_health', 'fitbit', 'garmin', 'withings', 'manual'], rnd);
      return [user(ctx, rnd), type, value, unit, source === 'manual' ? null : Math.round((0.6 + 0.4 * rnd()) * 100) / 100, source];
    },
  },
  {
    name: 'update_goal_progress',
    purpose: 'nightly goal progress refresh (per user)',
    kind: 'write',
    weight: 3,
    sql: `UPDATE health_goals SET progress = $3 WHERE user_id = $1 AND goal_type = $2 AND is_active = true`,
    params: (ctx, rnd) => [Math.floor(rnd() * ctx.userCount) + 1, pickOne(HEALTHMATE_GOAL_TYPES, rnd)[0], Math.round(rnd() * 10000) / 100],
  },
  {
    name: 'insert_symptom',
    purpose: 'symptom diary entry',
    kind: 'write',
    weight: 3,
    sql: `INSERT INTO symptom_logs (user_id, symptom, severity, pain_level, notes, "timestamp") VALUES ($1, $2, $3, $4, $5, now()) RETURNING id`,
    params: (ctx, rnd) => {
      const severity = pickOne(['mild', 'mild', 'moderate', 'severe'], rnd);
      const pain = severity === 'mild' ? Math.floor(rnd() * 4) : severity === 'moderate' ? 3 + Math.floor(rnd() * 4) : 6 + Math.floor(rnd() * 5);
      return [user(ctx, rnd), pickOne(HEALTHMATE_SYMPTOMS, rnd), severity, pain, rnd() < 0.6 ? null : 'logged from the app'];
    },
  },
  {
    name: 'insert_medication',
    purpose: 'medication taken',
    kind: 'write',
    weight: 3,
    sql: `INSERT INTO medication_logs (user_id, medication_name, dosage, frequency, taken_at, effectiveness) VALUES ($1, $2, $3, $4, now(), $5)`,
    params: (ctx, rnd) => {
      const [name, dose] = pickOne(HEALTHMATE_MEDICATIONS, rnd);
      return [user(ctx, rnd), name, dose, pickOne(HEALTHMATE_FREQUENCIES, rnd), rnd() < 0.2 ? null : 4 + Math.floor(rnd() * 7)];
    },
  },
  {
    name: 'insert_conversation',
    purpose: 'assistant chat: one exchange',
    kind: 'write',
    weight: 4,
    sql: `INSERT INTO conversations (user_id, message, response, feedback, "timestamp") VALUES ($1, $2, $3, $4, now()) RETURNING id`,
    params: (ctx, rnd) => [user(ctx, rnd), 'How am I doing this week?', 'You met most of your goals this week.', rnd() < 0.5 ? null : pickOne([-1, 0, 1, 1], rnd)],
  },
  {
    name: 'acknowledge_alerts',
    purpose: 'alert bell: mark older alerts as read',
    kind: 'write',
    weight: 2,
    sql: `UPDATE health_alerts SET acknowledged = true WHERE user_id = $1 AND acknowledged = false AND alert_type = $2`,
    params: (ctx, rnd) => [user(ctx, rnd), pickOne(HEALTHMATE_ALERT_TYPES, rnd)],
  },
  {
    // The reporting worker's connection pool was configured with a tiny work_mem long ago; this
    // ranking then sorts and hashes on disk every time.
    name: 'research_variability_ranking',
    purpose: 'reporting job: users with the most variable readings',
    kind: 'read',
    weight: 0,
    session: { work_mem: '64kB' },
    sql: `SELECT user_id, data_type, count(*) AS readings, avg(value) AS avg_value, stddev_samp(value) AS variability
FROM health_data
WHERE timestamp >= now() - $1::interval
GROUP BY user_id, data_type
ORDER BY variability DESC NULLS LAST
LIMIT 100`,
    params: (_ctx, rnd) => [pickOne(['90 days', '365 days'], rnd)],
  },
  {
    name: 'auto_acknowledge_old_alerts',
    purpose: 'nightly job: alerts nobody read within 30 days are marked as read',
    kind: 'write',
    weight: 0,
    nightly: true,
    sql: `UPDATE health_alerts SET acknowledged = true WHERE acknowledged = false AND triggered_at < now() - interval '30 days'`,
    params: () => [],
  },
  {
    name: 'purge_old_alerts',
    purpose: 'nightly job: retention — read alerts older than 180 days are deleted',
    kind: 'write',
    weight: 0,
    nightly: true,
    sql: `DELETE FROM health_alerts WHERE acknowledged AND triggered_at < now() - interval '180 days'`,
    params: () => [],
  },
];

export interface WorkloadQueryStats {
  calls: number;
  errors: number;
  totalMs: number;
  maxMs: number;
  lastError?: string;
}

export interface WorkloadStats {
  scale: HealthMateScale;
  elapsedMs: number;
  /** Statements of the weighted mix that were run (the reporting job's runs are counted apart). */
  iterations: number;
  reportingRuns: number;
  calls: number;
  errors: number;
  /** True when the signal or the time budget stopped the run before all iterations were done. */
  stoppedEarly: boolean;
  queries: Record<string, WorkloadQueryStats>;
}

// Sized on the 2-core reference machine: small ≈ 10 s, full ≈ 45 s (unindexed, a per-user query on
// the full health_data is a 1M-row scan). The budget is a backstop for slower machines, so a demo
// never runs away.
const DEFAULTS: Record<HealthMateScale, { iterations: number; reportingRuns: number; budgetMs: number }> = {
  small: { iterations: 4000, reportingRuns: 4, budgetMs: 15_000 },
  full: { iterations: 800, reportingRuns: 3, budgetMs: 60_000 },
};

/** mulberry32: small, fast, and reproducible per worker. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function backendPid(client: pg.Client): number | undefined {
  const pid = (client as unknown as { processID?: unknown }).processID;
  return typeof pid === 'number' ? pid : undefined;
}

async function loadContext(client: pg.Client): Promise<WorkloadContext> {
  // The harness's own lookups are not application traffic: keep them out of the statistics.
  const untracked = await trySet(client, 'pg_stat_statements.track', 'none');
  try {
    const r = await client.query<{ n: number | null; emails: string[] | null }>(
      `SELECT (SELECT max(id) FROM users) AS n,
              (SELECT array_agg(email) FROM (SELECT email FROM users
                WHERE email ~ '^[^@ ]+@[^@ ]+\\.[a-z]+$' ORDER BY hashint4(id) LIMIT 500) e) AS emails`,
    );
    const row = r.rows[0];
    if (!row?.n || !row.emails?.length) throw new Error('HealthMate tables are empty: run createHealthMate first');
    return { userCount: row.n, emails: row.emails };
  } finally {
    if (untracked) await client.query('RESET pg_stat_statements.track').catch(() => undefined);
  }
}

function emptyStats(): WorkloadQueryStats {
  return { calls: 0, errors: 0, totalMs: 0, maxMs: 0 };
}

/**
 * Runs the application's query mix over `concurrency` connections plus one reporting connection.
 * Stops after `iterations` statements of the mix, on `signal`, or at the scale's time budget.
 */
export async function runWorkload(
  connect: () => Promise<pg.Client>,
  opts: {
    scale: HealthMateScale;
    iterations?: number;
    concurrency?: number;
    onProgress?: (msg: string) => void;
    signal?: AbortSignal;
  },
): Promise<WorkloadStats> {
  const defaults = DEFAULTS[opts.scale];
  const iterations = opts.iterations ?? defaults.iterations;
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const started = Date.now();
  const deadline = started + defaults.budgetMs;
  const mix = HEALTHMATE_QUERIES.filter((q) => q.weight > 0 && !q.session);
  const reporting = HEALTHMATE_QUERIES.filter((q) => q.session);
  const totalWeight = mix.reduce((s, q) => s + q.weight, 0);
  const stats: Record<string, WorkloadQueryStats> = Object.fromEntries(HEALTHMATE_QUERIES.map((q) => [q.name, emptyStats()]));

  const clients: pg.Client[] = [];
  let stopped = false;
  const shouldStop = (): boolean => stopped || opts.signal?.aborted === true || Date.now() > deadline;

  // An abort must not wait for a multi-second aggregate to finish: cancel what is running.
  const cancelRunning = async (): Promise<void> => {
    const pids = clients.map(backendPid).filter((p): p is number => p !== undefined);
    if (pids.length === 0) return;
    const c = await connect();
    try {
      await c.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  const onAbort = (): void => {
    stopped = true;
    cancelRunning().catch(() => undefined);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const run = async (client: pg.Client, q: HealthMateQuery, params: unknown[]): Promise<void> => {
    const s = stats[q.name]!;
    const t0 = performance.now();
    try {
      await client.query(q.sql, params);
      s.calls++;
    } catch (err) {
      if (stopped || opts.signal?.aborted) return;
      s.errors++;
      s.lastError = (err as Error).message;
    } finally {
      const ms = performance.now() - t0;
      s.totalMs += ms;
      s.maxMs = Math.max(s.maxMs, ms);
    }
  };

  try {
    for (let i = 0; i < concurrency + 1; i++) {
      const c = await connect();
      c.on('error', () => undefined);
      clients.push(c);
    }
    const ctx = await loadContext(clients[0]!);
    opts.onProgress?.(`workload (${opts.scale}): ${iterations} statements over ${concurrency} connections + 1 reporting job`);

    let next = 0;
    let lastReport = Date.now();
    const worker = async (client: pg.Client, seed: number): Promise<void> => {
      const rnd = prng(seed);
      while (!shouldStop() && next < iterations) {
        next++;
        let r = rnd() * totalWeight;
        let q = mix[mix.length - 1]!;
        for (const candidate of mix) {
          r -= candidate.weight;
          if (r < 0) {
            q = candidate;
            break;
          }
        }
        await run(client, q, q.params(ctx, rnd));
        if (Date.now() - lastReport > 2000) {
          lastReport = Date.now();
          opts.onProgress?.(`workload: ${next}/${iterations} statements, ${((Date.now() - started) / 1000).toFixed(0)} s`);
        }
      }
    };

    let reportingRuns = 0;
    const reportingJob = async (client: pg.Client): Promise<void> => {
      const rnd = prng(0x5eed);
      for (const q of reporting) {
        for (const [name, value] of Object.entries(q.session ?? {})) {
          await client.query(`SET ${pg.escapeIdentifier(name)} = ${pg.escapeLiteral(value)}`);
        }
      }
      // Spread the job's runs over the mix instead of front-loading them, as a periodic job would.
      for (let i = 0; i < defaults.reportingRuns && !shouldStop(); i++) {
        for (const q of reporting) {
          if (shouldStop()) break;
          await run(client, q, q.params(ctx, rnd));
          reportingRuns++;
        }
        if (next >= iterations) continue;
        const pause = Date.now() + 1000;
        while (!shouldStop() && next < iterations && Date.now() < pause) await new Promise((r) => setTimeout(r, 100));
      }
    };

    await Promise.all([
      ...clients.slice(0, concurrency).map((c, i) => worker(c, 1000 + i)),
      reportingJob(clients[concurrency]!),
    ]);
    // The nightly job (retention) runs once after the day's traffic, unless the run was aborted: its
    // updates and deletes leave the dead rows the maintenance section is about.
    for (const q of HEALTHMATE_QUERIES.filter((x) => x.nightly)) {
      if (stopped || opts.signal?.aborted) break;
      await run(clients[0]!, q, q.params(ctx, prng(7)));
    }

    const all = Object.values(stats);
    const result: WorkloadStats = {
      scale: opts.scale,
      elapsedMs: Date.now() - started,
      iterations: Math.min(next, iterations),
      reportingRuns,
      calls: all.reduce((s, q) => s + q.calls, 0),
      errors: all.reduce((s, q) => s + q.errors, 0),
      stoppedEarly: next < iterations || reportingRuns < defaults.reportingRuns * reporting.length,
      queries: stats,
    };
    opts.onProgress?.(
      `workload done: ${result.calls} statements in ${(result.elapsedMs / 1000).toFixed(1)} s, ${result.errors} errors`,
    );
    return result;
  } finally {
    stopped = true;
    opts.signal?.removeEventListener('abort', onAbort);
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

export interface BackgroundSessions {
  pids: { idleInTransaction: number; blocker: number; waiter: number };
  /** Rolls back and closes every session; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Leaves the sessions a busy HealthMate server always has while the demo runs: a chat request that
 * opened a transaction, wrote, and went to wait for the language model; and a clinician's goal edit
 * holding a row lock while the nightly progress job waits behind it.
 */
export async function startBackgroundSessions(connect: () => Promise<pg.Client>): Promise<BackgroundSessions> {
  const clients: pg.Client[] = [];
  const open = async (): Promise<pg.Client> => {
    const c = await connect();
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  const pidOf = async (c: pg.Client): Promise<number> =>
    backendPid(c) ?? (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

  let waiting: Promise<unknown> | undefined;
  let stopped = false;
  const closeAll = async (): Promise<void> => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  };

  try {
    const idle = await open();
    await idle.query('BEGIN');
    const someone = await idle.query<{ id: number }>('SELECT id FROM users ORDER BY id LIMIT 1');
    await idle.query(`INSERT INTO conversations (user_id, message, "timestamp") VALUES ($1, $2, now())`, [
      someone.rows[0]?.id ?? 1,
      'Can you explain my last blood test?',
    ]);

    const blocker = await open();
    // An inactive goal, so the workload's own goal updates (active goals only) never queue behind it.
    const goal = await blocker.query<{ id: number }>('SELECT id FROM health_goals WHERE is_active = false ORDER BY id LIMIT 1');
    const goalId = goal.rows[0]?.id;
    if (goalId === undefined) throw new Error('HealthMate tables are empty: run createHealthMate first');
    await blocker.query('BEGIN');
    await blocker.query(`UPDATE health_goals SET deadline = deadline + 7 WHERE id = $1`, [goalId]);

    const waiter = await open();
    // Bounded so a forgotten demo cannot leave the waiter blocked forever.
    await waiter.query(`SET statement_timeout = '10min'`);
    const waiterPid = await pidOf(waiter);
    waiting = waiter.query(`UPDATE health_goals SET progress = 100, is_active = false WHERE id = $1`, [goalId]).catch(
      () => undefined,
    );

    // Return only once the waiter is really queued, so callers can observe the lock at once.
    const probe = await connect();
    try {
      for (let i = 0; i < 100; i++) {
        const r = await probe.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [waiterPid]);
        if (r.rowCount) break;
        await new Promise((res) => setTimeout(res, 50));
      }
    } finally {
      await probe.end().catch(() => undefined);
    }

    const pids = { idleInTransaction: await pidOf(idle), blocker: await pidOf(blocker), waiter: waiterPid };
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      // Cancel the waiter before releasing its lock: otherwise its UPDATE would go through.
      await blocker.query('SELECT pg_cancel_backend($1)', [waiterPid]).catch(() => undefined);
      const settled = await Promise.race([
        waiting?.then(() => true),
        new Promise<boolean>((res) => setTimeout(() => res(false), 5000)),
      ]);
      if (!settled) await blocker.query('SELECT pg_terminate_backend($1)', [waiterPid]).catch(() => undefined);
      await blocker.query('ROLLBACK').catch(() => undefined);
      await idle.query('ROLLBACK').catch(() => undefined);
      await closeAll();
    };
    return { pids, stop };
  } catch (err) {
    stopped = true;
    await closeAll();
    throw err;
  }
}
