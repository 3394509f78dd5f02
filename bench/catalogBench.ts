// The large-catalog figures (issue #17 part 4): a generated database with N tables and 3N indexes, and the
// full report on it (every database section, as the demo and `pgopt analyze` run them), with each
// analyzer's share. Used by `npm run bench -- --only scale` (run.ts); runs on its own against a database you
// keep between runs, which is how the slow analyzers were found:
//   node out/bench/catalogBench.js --url postgres://…/scale [--build 10000] [--runs 3]
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ANALYZERS } from '../src/core/analyzers/registry';
import { resolveUrl } from '../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../src/core/db/envAccess';
import { DbSession } from '../src/core/db/session';
import { reportTimings } from '../src/core/report/model';
import { runReport } from '../src/core/report/runReport';

/** N tables with `indexesPerTable` indexes each (the primary key included), one of them with rows, analysed.
 * pg_stat_statements is created, as on most production databases, so the workload sections have their view. */
export async function buildScaleDatabase(url: string, tables: number, indexesPerTable: number): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const t0 = performance.now();
  try {
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').catch(() => undefined);
    // Batches keep each transaction's lock table small.
    const batch = 500;
    for (let start = 0; start < tables; start += batch) {
      await c.query(`DO $$ BEGIN
        FOR i IN ${start}..${Math.min(tables, start + batch) - 1} LOOP
          EXECUTE format('CREATE TABLE t%s (id serial PRIMARY KEY, a int, b text, c timestamptz DEFAULT now(), d numeric)', i);
          ${Array.from({ length: indexesPerTable - 1 }, (_, k) => `EXECUTE format('CREATE INDEX t%s_i${k} ON t%s (${['a', 'b', 'c', 'd'][k % 4]})', i, i);`).join('\n')}
        END LOOP; END $$`);
    }
    await c.query('INSERT INTO t0 (a, b) SELECT g, md5(g::text) FROM generate_series(1, 10000) g');
    await c.query('ANALYZE');
  } finally {
    await c.end();
  }
  return performance.now() - t0;
}

export interface FullReportFigures {
  runs: number;
  medianMs: number;
  minMs: number;
  /** CPU time of this (client) process per report, median: the JS side of the report. */
  clientCpuMedianMs: number;
  /** CPU time of the PostgreSQL server per report (all its processes), median; null when not on this machine. */
  serverCpuMedianMs: number | null;
  /** Median time of each analyzer (the report's own timings). */
  analyzers: { analyzer: string; medianMs: number }[];
  sections: number;
  findings: number;
  /** The server's load average when the runs started (1, 5, 15 min). */
  loadavg: number[];
}

/** CPU seconds (user + system) of a PostgreSQL server on this machine: the postmaster, its reaped children and
 * its live ones (backends, autovacuum…). Load-independent, unlike wall time; null when /proc cannot tell. */
function serverCpuMs(postmaster: number): number | null {
  const ticks = 100; // USER_HZ on Linux
  const stat = (pid: number | string): string[] | undefined => {
    try {
      const t = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return t.slice(t.lastIndexOf(')') + 2).split(' ');
    } catch {
      return undefined;
    }
  };
  // Fields after the name: state ppid … utime(11) stime(12) cutime(13) cstime(14), 0-based from state.
  const own = stat(postmaster);
  if (!own) return null;
  let t = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const f = stat(pid);
    if (f && Number(f[1]) === postmaster) t += Number(f[11]) + Number(f[12]);
  }
  return (t / ticks) * 1000;
}

async function postmasterPid(session: DbSession): Promise<number | null> {
  const [row] = await session.readOnly((q) => q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'));
  try {
    const t = readFileSync(`/proc/${row?.pid}/stat`, 'utf8');
    return Number(t.slice(t.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null; // the server is on another machine
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export async function fullReportFigures(session: DbSession, runs: number): Promise<FullReportFigures> {
  const { loadavg } = await import('node:os');
  const load = loadavg().map((x) => Math.round(x * 100) / 100);
  const walls: number[] = [];
  const cpus: number[] = [];
  const serverCpus: number[] = [];
  const postmaster = await postmasterPid(session);
  const per = new Map<string, number[]>();
  let sections = 0;
  let findings = 0;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const s0 = postmaster ? serverCpuMs(postmaster) : null;
    const t = performance.now();
    const report = await runReport(session, { analyzers: ANALYZERS });
    walls.push(performance.now() - t);
    const s1 = postmaster ? serverCpuMs(postmaster) : null;
    if (s0 !== null && s1 !== null) serverCpus.push(s1 - s0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
    for (const s of reportTimings(report)) per.set(s.analyzer, [...(per.get(s.analyzer) ?? []), s.ms]);
    sections = report.sections.length;
    findings = report.sections.reduce((n, s) => n + s.findings.length, 0);
  }
  return {
    runs,
    medianMs: median(walls),
    minMs: Math.min(...walls),
    clientCpuMedianMs: median(cpus),
    serverCpuMedianMs: serverCpus.length ? median(serverCpus) : null,
    analyzers: [...per].map(([analyzer, ms]) => ({ analyzer, medianMs: median(ms) })),
    sections,
    findings,
    loadavg: load,
  };
}

export function printFullReport(f: FullReportFigures, line: (label: string, value: string) => void, target = 3000): void {
  line(`full report, every analyzer (median of ${f.runs})`, `${f.medianMs.toFixed(0)} ms (min ${f.minMs.toFixed(0)} ms; target ≤ ${target} ms; load ${f.loadavg.join(' ')})`);
  line('  CPU per report (median): client / server', `${f.clientCpuMedianMs.toFixed(0)} ms / ${f.serverCpuMedianMs === null ? '?' : `${f.serverCpuMedianMs.toFixed(0)} ms`}`);
  line('  sections / findings', `${f.sections} / ${f.findings}`);
  for (const a of f.analyzers) line(`  ${a.analyzer}`, `${a.medianMs.toFixed(0)} ms`);
}

/**
 * The same bench before the large-catalog work (commit dfa01c2), measured side by side with the first "after"
 * on one database (10,000 tables / 30,000 indexes, pg_stat_statements, no workload), 2 shared cores.
 * Wall time follows the machine's load; CPU time barely does, so compare CPU.
 */
export const FULL_REPORT_BEFORE = {
  commit: 'dfa01c2',
  wallMedianMs: 59816,
  loadavg: [19.07, 15.86, 13.03],
  clientCpuMedianMs: 1544,
  serverCpuMedianMs: 7910,
  findings: 20010,
  slowest: { indexes: 31831, maintenance: 7667, integrity: 7216, health: 5561, constraints: 3793, caching: 3728 },
};

export function printFullReportBefore(line: (label: string, value: string) => void): void {
  const b = FULL_REPORT_BEFORE;
  line(`  before (${b.commit}, same database)`, `${b.wallMedianMs} ms wall at load ${b.loadavg.join(' ')}; CPU client / server ${b.clientCpuMedianMs} / ${b.serverCpuMedianMs} ms; ${b.findings} findings`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { url: { type: 'string' }, build: { type: 'string' }, 'indexes-per-table': { type: 'string', default: '3' }, runs: { type: 'string', default: '3' } } });
  if (!values.url) {
    process.stderr.write('catalog bench: give --url postgres://… of the database to report on (--build N creates N tables in it first)\n');
    process.exitCode = 2;
    return;
  }
  const line = (l: string, v: string): void => void process.stdout.write(`${l.padEnd(52)} ${v}\n`);
  if (values.build) {
    const ms = await buildScaleDatabase(values.url, Number(values.build), Number(values['indexes-per-table']));
    line(`built ${values.build} tables`, `${(ms / 1000).toFixed(1)} s`);
  }
  const session = await DbSession.open(resolveUrl(values.url, nodeEnvAccess({}), 'bench'), { analysis: { statementTimeoutMs: 60_000, lockTimeoutMs: 1000 } });
  try {
    printFullReport(await fullReportFigures(session, Number(values.runs)), line);
    printFullReportBefore(line);
  } finally {
    await session.close();
  }
}

// Bundled into run.js too (where require.main is run.js): only the catalogBench.js entry runs main.
if (require.main === module && /catalogBench\.js$/.test(process.argv[1] ?? '')) {
  main().catch((e: unknown) => {
    process.stderr.write(`catalog bench failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
