// npm run demo: the main job on the embedded default. Starts a throwaway Postgres (unless --url), loads
// HealthMate, runs its workload so pg_stat_statements has real content, leaves the usual background
// sessions open, runs every analyzer, writes demo-report.html and prints a summary. Progress on stderr.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ANALYZERS } from '../src/core/analyzers/registry';
import { resolveUrl } from '../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../src/core/db/envAccess';
import type { AdvisorResult } from '../src/core/advisor/advisor';
import { runScratchAdvisor } from '../src/core/advisor/scratch';
import { probeCapabilities } from '../src/core/db/capabilities';
import { DbSession } from '../src/core/db/session';
import { collectSnapshot } from '../src/core/metrics/snapshot';
import { openSqliteSnapshotStore } from '../src/core/metrics/sqliteSnapshotStore';
import { buildTrends, TREND_RANGES } from '../src/core/metrics/trends';
import { buildTrendsSection } from '../src/core/metrics/trendsSection';
import { buildReport } from '../src/core/report/buildReport';
import { renderReportHtml } from '../src/core/report/renderHtml';
import { renderReportText } from '../src/core/report/renderText';
import { healthMateConfig } from './healthmate/config';
import { createHealthMate, type HealthMateScale } from './healthmate/generate';
import { runWorkload, startBackgroundSessions, type BackgroundSessions } from './healthmate/workload';
import { debianPostgresAvailable, startLocalPostgres, type LocalPostgres } from './localPostgres';

const HELP = `npm run demo -- [options]
  --scale small|full   data size (small ≈ 100k readings, full ≥ 1M); default small
  --url URL            use this server instead of a throwaway one (a database "healthmate" is created there)
  --flavor embedded|debian  which throwaway server (default embedded)
  --out FILE           report file (default demo-report.html)
  --no-rules           without HealthMate's pgopt.json: the integrity rules are inferred from the data instead`;

const t0 = Date.now();
const progress = (msg: string): void => {
  process.stderr.write(`[demo ${((Date.now() - t0) / 1000).toFixed(1)} s] ${msg}\n`);
};

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: 'small' },
      url: { type: 'string' },
      flavor: { type: 'string', default: 'embedded' },
      out: { type: 'string', default: 'demo-report.html' },
      'no-rules': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const scale = values.scale as HealthMateScale;
  if (scale !== 'small' && scale !== 'full') throw new DemoError(`--scale must be small or full (got "${values.scale}").`);
  if (values.flavor !== 'embedded' && values.flavor !== 'debian') throw new DemoError(`--flavor must be embedded or debian (got "${values.flavor}").`);

  let server: LocalPostgres | undefined;
  let background: BackgroundSessions | undefined;
  let session: DbSession | undefined;
  const cleanup = async (): Promise<void> => {
    await background?.stop().catch(() => undefined);
    await session?.close().catch(() => undefined);
    if (server) progress('stopping the throwaway server');
    await server?.stop().catch(() => undefined);
    background = undefined;
    session = undefined;
    server = undefined;
  };
  const onSignal = (): void => {
    progress('interrupted: cleaning up');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    let adminUrl: string;
    if (values.url) {
      adminUrl = values.url;
    } else {
      progress(`starting a throwaway PostgreSQL (${values.flavor})`);
      server = await startThrowaway(values.flavor as 'embedded' | 'debian');
      adminUrl = server.url;
      progress(`server on 127.0.0.1:${server.port}`);
    }
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS healthmate WITH (FORCE)');
    await admin.query('CREATE DATABASE healthmate');
    await admin.end();
    const dbUrl = withDatabase(adminUrl, 'healthmate');
    const connect = async (): Promise<pg.Client> => {
      const c = new pg.Client({ connectionString: dbUrl, application_name: 'healthmate-app' });
      await c.connect();
      return c;
    };

    const loader = await connect();
    for (const ext of ['pg_stat_statements', 'hypopg', 'pg_qualstats']) {
      await loader.query(`CREATE EXTENSION IF NOT EXISTS ${ext}`).catch(() => progress(`${ext} not available on this server`));
    }
    progress(`loading HealthMate (${scale})`);
    const stats = await createHealthMate(loader, { scale, onProgress: progress });
    progress(`loaded in ${(stats.elapsedMs / 1000).toFixed(1)} s: ${Object.entries(stats.rows).map(([t, n]) => `${t} ${n}`).join(', ')}`);
    await loader.query('SELECT pg_stat_statements_reset()').catch(() => undefined);
    await loader.end();

    // Snapshots before and after the workload, in a throwaway store: the report's Trends section shows what
    // the workload did (commits, blocks read, statements), as the editor's scheduler would over a day.
    session = await DbSession.open(resolveUrl(dbUrl, nodeEnvAccess({}), 'HealthMate demo', 'demo'));
    const storeDir = mkdtempSync(join(tmpdir(), 'pgopt-demo-store-'));
    const store = openSqliteSnapshotStore(join(storeDir, 'snapshots.sqlite'));
    const snap = async (): Promise<void> => {
      store.add('demo', await collectSnapshot(session as DbSession));
    };
    await snap();

    progress('running the application workload');
    const wl = await runWorkload(connect, { scale, onProgress: progress });
    await snap();
    progress(`workload: ${wl.calls} statements (${wl.errors} errors) in ${(wl.elapsedMs / 1000).toFixed(1)} s`);
    // The demo database is throwaway: when HypoPG is missing (the embedded server), the advisor verifies its
    // recommendations with real indexes built in a transaction that is rolled back. Before the background
    // sessions start, whose locks would make those builds wait.
    const caps = await session.readOnly((q) => probeCapabilities(q));
    let advice: AdvisorResult | undefined;
    let adviceMs = 0;
    if (!caps.extensions.hypopg.usable && caps.extensions.pg_stat_statements.usable) {
      progress('HypoPG unavailable: verifying index advice with the scratch engine (rolled back)');
      const adviceStarted = performance.now();
      advice = await runScratchAdvisor(session.spec, { progress });
      adviceMs = Math.round(performance.now() - adviceStarted);
    }
    background = await startBackgroundSessions(connect);
    progress('background sessions open (idle in transaction, a blocked update)');

    // HealthMate's own pgopt.json: its integrity rules are checked like a user's would be (--no-rules: none,
    // and the integrity section infers them from names, types and sampled values).
    // The stored snapshots go to the analyzers too: the maintenance section shows how the tables grew.
    const history = store.latest('demo', 12).reverse();
    const report = await buildReport(session, { analyzers: ANALYZERS, config: values['no-rules'] ? {} : healthMateConfig(), onProgress: progress, history, ...(advice ? { advise: async () => advice } : {}) });
    // The scratch what-if ran before the report (see above): the Indexes section's time includes it.
    const indexes = report.sections.find((x) => x.id === 'indexes');
    if (indexes && adviceMs > 0) {
      indexes.durationMs += adviceMs;
      indexes.summary += ` (includes ${(adviceMs / 1000).toFixed(1)} s of scratch what-if)`;
      // The footer's analyzer times agree with the section line.
      const t = report.timings?.find((x) => x.analyzer === 'indexes');
      if (t) t.ms += adviceMs;
    }
    report.sections.push(buildTrendsSection(TREND_RANGES.map((r) => buildTrends(store, 'demo', r.id))));
    store.close();
    rmSync(storeDir, { recursive: true, force: true });
    const out = resolve(values.out);
    writeFileSync(out, renderReportHtml(report));
    process.stdout.write(`${renderReportText(report, { details: false })}\n`);
    process.stdout.write(`\nReport written to ${out}\nDemo finished in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    return 0;
  } finally {
    await cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** A throwaway server, or a DemoError naming the way out (the other flavour, or --url). */
async function startThrowaway(flavor: 'embedded' | 'debian'): Promise<LocalPostgres> {
  const wayOut = (other: string): string => `Run it with ${other}, or on a server you have with --url postgres://user@host:port/db.`;
  if (flavor === 'debian' && !debianPostgresAvailable()) {
    throw new DemoError(`--flavor debian needs Debian's postgresql-15 (/usr/lib/postgresql/15/bin is missing). ${wayOut('--flavor embedded')}`);
  }
  try {
    return await startLocalPostgres({ flavor, onProgress: progress });
  } catch (e) {
    const why = (e as Error).message.split('\n')[0]?.replace(/\.$/, '');
    const other = flavor === 'embedded' ? '--flavor debian (needs Debian\'s postgresql-15)' : '--flavor embedded';
    throw new DemoError(`The throwaway ${flavor} PostgreSQL could not start: ${why}. ${wayOut(other)}`, e);
  }
}

/** A failure the user can act on: printed as its message alone (the cause's stack only with PGOPT_DEBUG=1). */
class DemoError extends Error {
  constructor(message: string, readonly detail?: unknown) {
    super(message);
    this.name = 'DemoError';
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const debug = process.env.PGOPT_DEBUG === '1';
    if (err instanceof DemoError) {
      process.stderr.write(`demo: ${err.message}\n`);
      if (debug && err.detail) process.stderr.write(`${(err.detail as Error)?.stack ?? String(err.detail)}\n`);
    } else {
      const msg = (err as Error)?.message ?? String(err);
      process.stderr.write(`demo failed: ${debug ? ((err as Error)?.stack ?? msg) : `${msg.split('\n')[0]} (PGOPT_DEBUG=1 shows the stack)`}\n`);
    }
    process.exitCode = 1;
  },
);
