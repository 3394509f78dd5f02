// Connections and locks: samples pg_stat_activity a few times over about a second (each sample in its own
// transaction, since pg_stat_activity is a per-transaction snapshot), then one full snapshot for grouping,
// idle-in-transaction, long-running queries, the blocking tree, leak suspects and pool sizing.
// Read-only: cancel/terminate suggestions are SQL text in the findings.
import type { Analyzer, SectionBody } from '../analyzer';
import { parseActivitySettings } from '../../config';
import { privilegeUnavailable } from '../../db/capabilities';
import { CancelledError } from '../../db/session';
import { worstStatus, type Metric, type ReportFinding, type ReportTable, type Unavailable } from '../../report/model';
import {
  assessBlocking,
  assessIdleInTransaction,
  assessLeaks,
  assessLongRunning,
  assessPool,
  fetchActivity,
  groupSessions,
  sampleActivity,
  type ActivitySample,
} from './activity';

/** Total time spent sampling, whatever the sample count. */
const SAMPLE_WINDOW_MS = 1000;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new CancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const connectionsAnalyzer: Analyzer = {
  id: 'connections',
  title: 'Connections and locks',
  description: 'Sessions by state/application/user/client, idle in transaction, long-running queries, blocking tree, leak suspects, pool sizing.',
  // The sampling window is waiting, not work: the next sections run meanwhile (buildReport).
  overlaps: true,
  async run(ctx): Promise<SectionBody> {
    const { settings, problems } = parseActivitySettings(ctx.config.activity);
    const unavailable: Unavailable[] = problems.map((p) => ({
      what: `Setting ${p.path}`,
      because: p.message,
      toEnable: 'fix it in pgopt.json; the defaults are used meanwhile',
    }));
    const priv = privilegeUnavailable(ctx.caps);
    if (priv) unavailable.push({ ...priv, what: "Other roles' sessions (state, query, client) in pg_stat_activity" });

    ctx.progress?.('connections: sampling activity');
    const samples: ActivitySample[] = [];
    for (let i = 0; i < settings.samples; i++) {
      if (i > 0) await sleep(SAMPLE_WINDOW_MS / Math.max(1, settings.samples - 1), ctx.signal);
      samples.push(await ctx.readOnly((q) => sampleActivity(q)));
    }
    ctx.progress?.('connections: sessions and locks');
    const { rows, limits } = await ctx.readOnly((q) => fetchActivity(q));

    const metrics: Metric[] = [];
    const findings: ReportFinding[] = [];
    const tables: ReportTable[] = [];
    const pool = assessPool({ limits, sessions: rows.length, samples, cpus: settings.serverCpus, applications: rows.map((r) => r.application_name) });
    const blocking = assessBlocking(rows);
    const idle = assessIdleInTransaction(rows, settings, limits.idleInTransactionTimeout);
    const long = assessLongRunning(rows, settings);
    const leaks = assessLeaks(rows, settings);
    for (const r of [pool, blocking, idle, long, leaks]) {
      metrics.push(...(r.metrics ?? []));
      findings.push(...(r.findings ?? []));
      tables.push(...(r.tables ?? []));
    }
    tables.push(...groupSessions(rows));
    const status = worstStatus([...findings.map((f) => f.severity), ...metrics.map((m) => m.status ?? 'ok')]);
    const waiting = blocking.trees.reduce((a, t) => a + t.waiters.length, 0);
    const parts = [`${rows.length} client session${rows.length === 1 ? '' : 's'}`];
    if (waiting) parts.push(`${waiting} waiting on ${blocking.trees.length} root blocker${blocking.trees.length === 1 ? '' : 's'}`);
    const idleCount = idle.metrics?.[0]?.value;
    if (typeof idleCount === 'number' && idleCount > 0) parts.push(`${idleCount} idle in transaction`);
    return { status, summary: `${parts.join(', ')}.`, metrics, findings, tables, unavailable };
  },
};
