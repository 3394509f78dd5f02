// The `pooler` section: PgBouncer's admin console next to the database. Unavailable (with how to enable
// it) until a pooler admin URL is configured: pgopt.json `pooler.url`, or `--pooler-url` in the CLI.
import type { Analyzer, SectionBody } from '../analyzer';
import { ConnectError, openClient } from '../../db/connect';
import { sendUnmarked } from '../../db/markedClient';
import { ConnectionConfigError, resolveUrl } from '../../db/connectionSpec';
import { nodeEnvAccess } from '../../db/envAccess';
import { CancelledError } from '../../db/session';
import { worstStatus } from '../../report/model';
import { pgssRelation } from '../queries/statements';
import { parsePoolerSettings } from './poolerSettings';
import { assessPooler, fetchLiveSessionState, fetchPoolerFacts, fetchSessionStateUse, type Row, type SessionStateUse } from './pooler';

const SAMPLE_WINDOW_MS = 1000;
const ADMIN_TIMEOUT_MS = 10_000;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(new CancelledError())), { once: true });
  });
}

const UNAVAILABLE: SectionBody = {
  status: 'ok',
  summary: 'No connection pooler configured.',
  metrics: [],
  findings: [],
  tables: [],
  unavailable: [
    {
      what: 'PgBouncer pools, waiting clients and pool-size advice',
      because: 'no pooler admin URL is configured',
      toEnable: 'set "pooler": {"url": "postgres://USER@HOST:6432/pgbouncer"} in pgopt.json (or pass --pooler-url to pgopt analyze; in the editor the pgopt.pooler.url setting), with USER in admin_users or stats_users',
    },
  ],
};

export const poolerAnalyzer: Analyzer = {
  id: 'pooler',
  title: 'Connection pooler (PgBouncer)',
  description: 'PgBouncer admin console: clients waiting and the longest wait, server connections against pool sizes, pool mode against session state, pool-size advice.',
  async run(ctx): Promise<SectionBody> {
    const { settings, problems } = parsePoolerSettings((ctx.config as { pooler?: unknown }).pooler);
    if (problems.length) {
      return { ...UNAVAILABLE, unavailable: problems.map((p) => ({ what: `Setting ${p.path}`, because: p.message, toEnable: 'fix it in pgopt.json' })) };
    }
    if (!settings.url) {
      // An untrusted workspace's pooler.url is not used: the section says why, in one sentence.
      const withheld = ctx.withheld?.find((w) => w.key === 'pooler.url');
      if (withheld) {
        return {
          ...UNAVAILABLE,
          summary: 'The workspace pgopt.json names a pooler, but this workspace is not trusted.',
          unavailable: [{ what: 'PgBouncer pools, waiting clients and pool-size advice', because: withheld.because, toEnable: 'trust the workspace, or set pgopt.pooler.url in your user settings' }],
        };
      }
      return UNAVAILABLE;
    }
    let spec;
    try {
      spec = resolveUrl(settings.url, nodeEnvAccess(), 'pooler', 'pooler.url');
    } catch (e) {
      if (e instanceof ConnectionConfigError) throw new Error(`pooler.url: ${e.message}`);
      throw e;
    }
    ctx.progress?.('pooler: reading the PgBouncer admin console');
    let client;
    try {
      client = await openClient(spec, { connectTimeoutMs: ADMIN_TIMEOUT_MS });
    } catch (e) {
      if (e instanceof ConnectError) throw new Error(`${e.message} (the pooler admin console from pooler.url)`);
      throw e;
    }
    const onAbort = (): void => void client.end().catch(() => undefined);
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // Simple protocol: no parameters, no transaction, no SET (the console accepts SHOW commands only).
      const admin = async (command: string): Promise<Row[]> => {
        if (ctx.signal?.aborted) throw new CancelledError();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the pooler did not answer ${command} within ${ADMIN_TIMEOUT_MS / 1000} s`)), ADMIN_TIMEOUT_MS);
        });
        try {
          // Unmarked: the admin console is PgBouncer, not PostgreSQL — it rejects any text before the command
          // (and it has no pg_stat_statements to keep clean).
          const res = await Promise.race([sendUnmarked(client, command), timeout]);
          return res.rows as Row[];
        } finally {
          clearTimeout(timer);
        }
      };
      const samples = settings.samples ?? 5;
      const facts = await fetchPoolerFacts(admin, { samples, windowMs: SAMPLE_WINDOW_MS, sleep: (ms) => sleep(ms, ctx.signal) });
      const unavailable: SectionBody['unavailable'] = [];
      let sessionState: SessionStateUse[] | null = null;
      const pgss = ctx.caps.extensions.pg_stat_statements;
      const live = await ctx.readOnly((q) => fetchLiveSessionState(q));
      if (pgss.usable) sessionState = [...(await ctx.readOnly((q) => fetchSessionStateUse(q, pgssRelation(ctx.caps)))), ...live];
      else {
        sessionState = live;
        unavailable.push({
          what: 'Pool mode against the application\'s session state (prepared statements, SET, advisory locks, LISTEN, temp tables)',
          because: pgss.unavailable?.because ?? 'pg_stat_statements is not usable',
          toEnable: pgss.unavailable?.toEnable ?? 'install pg_stat_statements',
        });
      }
      const [slots] = await ctx.readOnly((q) =>
        q.query<{ slots: number }>(`SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int AS slots`),
      );
      const a = assessPooler({ facts, sessionState, serverSlots: slots?.slots ?? null });
      const status = worstStatus([...a.findings.map((f) => f.severity), ...a.metrics.map((m) => m.status ?? 'ok')]);
      return { status, summary: a.summary, metrics: a.metrics, findings: a.findings, tables: a.tables, unavailable };
    } finally {
      ctx.signal?.removeEventListener('abort', onAbort);
      await client.end().catch(() => undefined);
    }
  },
};
