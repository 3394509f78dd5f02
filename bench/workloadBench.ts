// Issue #5 "Tests and figures": the workload analyzers (queries, connections, caching) against 5,000
// distinct pg_stat_statements entries and 200 open sessions (idle, idle in transaction, active, and a
// blocker with waiters), plus the snapshot delta of two 5,000-entry captures. Times and memory.
import pg from 'pg';
import { ANALYZERS } from '../src/core/analyzers/registry';
import { statementDeltas, type CapturedStatement, type StatementCapture } from '../src/core/analyzers/queries/statementDeltas';
import { probeCapabilities } from '../src/core/db/capabilities';
import { resolveUrl } from '../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../src/core/db/envAccess';
import { DbSession } from '../src/core/db/session';
import { buildReport } from '../src/core/report/buildReport';
import { startLocalPostgres } from '../scripts/localPostgres';

export interface WorkloadFigures {
  statements: number;
  sessions: number;
  analyzers: Record<string, { medianMs: number; findings: number }>;
  allThreeMedianMs: number;
  deltaMs: number;
  deltaEntries: number;
  rssBytes: number;
  heapUsedDeltaBytes: number;
}

export async function workloadBench(opts: { statements?: number; sessions?: number; line(label: string, value: string): void }): Promise<WorkloadFigures> {
  const nStatements = opts.statements ?? 5000;
  const nSessions = opts.sessions ?? 200;
  const server = await startLocalPostgres({ settings: { max_connections: nSessions + 50, 'pg_stat_statements.max': Math.max(10_000, nStatements * 2) } });
  const clients: pg.Client[] = [];
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('CREATE DATABASE workload');
    await admin.end();
    const url = server.urlFor('workload');
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => undefined);
    await c.connect();
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const t0 = performance.now();
    await c.query(`DO $$ BEGIN
      FOR i IN 0..49 LOOP
        EXECUTE format('CREATE TABLE w%s (id int PRIMARY KEY, a int, b text)', i);
        EXECUTE format('INSERT INTO w%s SELECT g, g %% 100, md5(g::text) FROM generate_series(1, 2000) g', i);
      END LOOP; END $$`);
    await c.query('ANALYZE');
    await c.query('SELECT pg_stat_statements_reset()');
    // Distinct normalised statements: constants and aliases fold away in the query id, so vary the shape:
    // table (50) × aggregate (5) × number of predicates (1..n). Run several times each for calls and time.
    await c.query(`DO $$ DECLARE r numeric; BEGIN
      FOR i IN 0..${nStatements - 1} LOOP
        FOR k IN 1..3 LOOP
          EXECUTE format('SELECT %s FROM w%s WHERE b LIKE %L%s', (ARRAY['count(*)', 'sum(a)', 'max(a)', 'min(id)', 'avg(a)'])[i / 50 % 5 + 1], i % 50, 'a%', repeat(' AND a > ' || k, i / 250 + 1)) INTO r;
        END LOOP;
      END LOOP; END $$`);
    const [distinct] = (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_statements')).rows;
    opts.line(`workload: ${distinct?.n ?? 0} pg_stat_statements entries generated`, `${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // 200 sessions: a blocker and 9 waiters, 20 active, 20 idle in transaction, the rest idle.
    const open = async (): Promise<pg.Client> => {
      const s = new pg.Client({ connectionString: url, application_name: `bench-app-${clients.length % 7}` });
      s.on('error', () => undefined);
      await s.connect();
      clients.push(s);
      return s;
    };
    const blocker = await open();
    await blocker.query('BEGIN; LOCK TABLE w0 IN ACCESS EXCLUSIVE MODE');
    for (let i = 0; i < 9; i++) void (await open()).query('SELECT count(*) FROM w0').catch(() => undefined);
    for (let i = 0; i < 20; i++) void (await open()).query('SELECT pg_sleep(120)').catch(() => undefined);
    for (let i = 0; i < 20; i++) await (await open()).query('BEGIN; SELECT 1');
    while (clients.length < nSessions) await open();
    opts.line(`workload: ${clients.length} sessions open`, '(1 blocker + 9 waiters, 20 active, 20 idle in transaction, rest idle)');

    const session = await DbSession.open(resolveUrl(url, nodeEnvAccess({}), 'bench'), { analysis: { statementTimeoutMs: 60_000, lockTimeoutMs: 1000 } });
    try {
      const caps = await session.readOnly((q) => probeCapabilities(q));
      const heapBefore = process.memoryUsage().heapUsed;
      const analyzers: WorkloadFigures['analyzers'] = {};
      const med = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
      for (const id of ['queries', 'connections', 'caching']) {
        const analyzer = ANALYZERS.find((a) => a.id === id);
        if (!analyzer) continue;
        const runs: number[] = [];
        let findings = 0;
        for (let i = 0; i < 5; i++) {
          const started = performance.now();
          const report = await buildReport(session, { analyzers: [analyzer], caps });
          runs.push(performance.now() - started);
          findings = report.sections.reduce((s, sec) => s + sec.findings.length, 0);
        }
        analyzers[id] = { medianMs: med(runs), findings };
        opts.line(`workload: ${id} analyzer (median of 5)`, `${med(runs).toFixed(0)} ms, ${findings} findings`);
      }
      const all: number[] = [];
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        await buildReport(session, { analyzers: ANALYZERS.filter((a) => ['queries', 'connections', 'caching'].includes(a.id)), caps });
        all.push(performance.now() - started);
      }
      const allThreeMedianMs = med(all);
      opts.line('workload: queries + connections + caching (median of 3)', `${allThreeMedianMs.toFixed(0)} ms`);

      // Two captures of every entry, with more calls in between, then the delta. The blocker lets go first
      // (the calls in between touch its table).
      await blocker.query('ROLLBACK');
      const capture = async (): Promise<StatementCapture> => {
        const rows = await session.readOnly((q) =>
          q.query<CapturedStatement>(`SELECT queryid::text AS queryid, dbid::int AS dbid, userid::int AS userid, query, calls::float8 AS calls,
                                             total_exec_time::float8 AS total_ms, rows::float8 AS rows, shared_blks_read::float8 AS shared_blks_read,
                                             temp_blks_written::float8 AS temp_blks_written FROM pg_stat_statements`),
        );
        const [info] = await session.readOnly((q) => q.query<{ reset: string }>('SELECT stats_reset::text AS reset FROM pg_stat_statements_info'));
        return { takenAt: new Date().toISOString(), statsReset: info?.reset ?? null, rows };
      };
      const first = await capture();
      await c.query(`DO $$ DECLARE r numeric; BEGIN
        FOR i IN 0..${nStatements - 1} BY 10 LOOP
          EXECUTE format('SELECT %s FROM w%s WHERE b LIKE %L%s', (ARRAY['count(*)', 'sum(a)', 'max(a)', 'min(id)', 'avg(a)'])[i / 50 % 5 + 1], i % 50, 'a%', repeat(' AND a > 1', i / 250 + 1)) INTO r;
        END LOOP; END $$`);
      await new Promise((r) => setTimeout(r, 20));
      const second = await capture();
      const started = performance.now();
      const delta = statementDeltas(first, second);
      const deltaMs = performance.now() - started;
      opts.line(`workload: snapshot delta of 2 × ${second.rows.length} entries`, `${deltaMs.toFixed(1)} ms, ${delta.deltas.length} ran in between`);
      const mem = process.memoryUsage();
      opts.line('workload: bench process RSS / heap growth', `${(mem.rss / 1024 / 1024).toFixed(0)} MB / ${((mem.heapUsed - heapBefore) / 1024 / 1024).toFixed(1)} MB`);
      await c.end();
      return {
        statements: distinct?.n ?? 0,
        sessions: clients.length,
        analyzers,
        allThreeMedianMs,
        deltaMs,
        deltaEntries: second.rows.length,
        rssBytes: mem.rss,
        heapUsedDeltaBytes: mem.heapUsed - heapBefore,
      };
    } finally {
      await session.close();
    }
  } finally {
    await Promise.all(clients.map((s) => s.end().catch(() => undefined)));
    await server.stop();
  }
}
