// The tool's footprint in pg_stat_statements (issue 12 item 2), measured, not asserted: a throwaway server
// with pg_stat_statements.track = all, HealthMate (small) whose application runs as its own role `app`, then
// three rounds of `pgopt snapshot` + `pgopt advise --format json` + `pgopt analyze --format json` (the CLI
// given by --cli, so an older build can be measured the same way) run as the superuser, with a little
// application workload between rounds. Entries of the superuser in the HealthMate database are the tool's
// (the application never runs as it), so the figures need no knowledge of the marker.
//   node out/bench/footprintBench.js [--cli dist/cli.js] [--json FILE]
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createHealthMate } from '../scripts/healthmate/generate';
import { runWorkload } from '../scripts/healthmate/workload';
import { startLocalPostgres } from '../scripts/localPostgres';

function run(cli: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [cli, ...args], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PGOPT_NO_COLOR: '1' } }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

export interface FootprintFigures {
  cli: string;
  trackedBefore: number;
  trackedAfter: number;
  toolEntries: number;
  toolInTop50ByTime: number;
  toolInTop50ByCalls: number;
  /** Application statements whose calls (summed over roles, as the advisor saw them) exceed the application's own. */
  inflated: { query: string; appCalls: number; allCalls: number }[];
  markedToolEntries: number;
  unmarkedToolEntries: string[];
  report: { topStatementsOfTool: number; topStatements: number; whatGotSlowerOfTool: number; adviceQueriesOfTool: number };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { cli: { type: 'string', default: 'dist/cli.js' }, json: { type: 'string' } } });
  const cli = resolve(values.cli as string);
  const log = (m: string): void => void process.stderr.write(`[footprint] ${m}\n`);
  const server = await startLocalPostgres({ flavor: 'debian' });
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-footprint-'));
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('CREATE DATABASE healthmate');
    await admin.query(`CREATE ROLE app LOGIN`);
    await admin.end();
    const dbUrl = server.urlFor('healthmate');
    const loader = new pg.Client({ connectionString: dbUrl });
    await loader.connect();
    for (const ext of ['pg_stat_statements', 'hypopg', 'pg_qualstats']) await loader.query(`CREATE EXTENSION IF NOT EXISTS ${ext}`);
    log('loading HealthMate (small)');
    await createHealthMate(loader, { scale: 'small' });
    await loader.query('GRANT ALL ON ALL TABLES IN SCHEMA public TO app; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO app');
    // The bench's own statements stay out of the figures.
    await loader.query(`SET pg_stat_statements.track = 'none'`);
    await loader.query('SELECT pg_stat_statements_reset()');
    const appUrl = server.urlFor('healthmate', 'app');
    const connect = async (): Promise<pg.Client> => {
      const c = new pg.Client({ connectionString: appUrl, application_name: 'healthmate-app' });
      await c.connect();
      return c;
    };
    log('application workload');
    await runWorkload(connect, { scale: 'small', iterations: 3000 });
    const count = async (): Promise<number> => Number((await loader.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_stat_statements')).rows[0]?.n);
    const trackedBefore = await count();
    const store = join(dir, 'snapshots.sqlite');
    for (let round = 1; round <= 3; round++) {
      log(`round ${round}: snapshot, advise, analyze`);
      const snap = await run(cli, ['snapshot', '--url', dbUrl, '--store', store, '--format', 'json']);
      if (snap.code > 1) throw new Error(`snapshot failed: ${snap.stderr}`);
      const adv = await run(cli, ['advise', '--url', dbUrl, '--format', 'json']);
      if (adv.code !== 0) throw new Error(`advise failed: ${adv.stderr}`);
      writeFileSync(join(dir, `advise-${round}.json`), adv.stdout);
      await runWorkload(connect, { scale: 'small', iterations: 500 });
      await run(cli, ['snapshot', '--url', dbUrl, '--store', store, '--format', 'json']);
      const an = await run(cli, ['analyze', '--url', dbUrl, '--format', 'json', '--store', store]);
      if (an.code > 1) throw new Error(`analyze failed: ${an.stderr}`);
      writeFileSync(join(dir, `analyze-${round}.json`), an.stdout);
    }
    const trackedAfter = await count();
    const db = `dbid = (SELECT oid FROM pg_database WHERE datname = 'healthmate')`;
    // Foreign-key checks run as the table owner (the superuser) but are the application's.
    const tool = `userid = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND query !~ '^SELECT 1 FROM ONLY|^SELECT \\$\\d+ FROM ONLY'`;
    const top = async (order: string): Promise<number> =>
      Number(
        (await loader.query<{ n: string }>(`SELECT count(*) FILTER (WHERE ${tool})::text AS n FROM (SELECT * FROM pg_stat_statements WHERE ${db} ORDER BY ${order} DESC LIMIT 50) s`)).rows[0]?.n,
      );
    const toolInTop50ByTime = await top('total_exec_time + total_plan_time');
    const toolInTop50ByCalls = await top('calls');
    const toolRows = (await loader.query<{ query: string }>(`SELECT query FROM pg_stat_statements WHERE ${db} AND ${tool}`)).rows;
    const marked = toolRows.filter((r) => /^\s*\/\*\s*pgopt\b/.test(r.query));
    const inflated = (
      await loader.query<{ query: string; app_calls: string; all_calls: string }>(
        `SELECT min(query) FILTER (WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = 'app')) AS query,
                sum(calls) FILTER (WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = 'app'))::text AS app_calls, sum(calls)::text AS all_calls
           FROM pg_stat_statements WHERE ${db} GROUP BY queryid
          HAVING bool_or(userid = (SELECT oid FROM pg_roles WHERE rolname = 'app')) AND bool_or(${tool})`,
      )
    ).rows.map((r) => ({ query: r.query.slice(0, 80), appCalls: Number(r.app_calls), allCalls: Number(r.all_calls) }));
    await loader.end();
    // What the reports of the last round show: pgopt's rows among the top statements, in What got slower, and
    // statements the advisor based its recommendations on that are not the application's.
    const analyze = JSON.parse(readFileSync(join(dir, 'analyze-3.json'), 'utf8')) as { sections: { id: string; findings: { id: string; title: string }[]; tables: { id: string; rows: Record<string, unknown>[] }[] }[] };
    const topRows = analyze.sections.find((x) => x.id === 'queries')?.tables.find((t) => t.id === 'statements')?.rows ?? [];
    const deltas = analyze.sections.find((x) => x.id === 'query-deltas');
    const ownText = /^\s*\/\*\s*pgopt|^\s*(explain|prepare|deallocate|do\s+\$pgopt|savepoint|release)|hypopg_|::float8 AS scanned/i;
    const advise = JSON.parse(readFileSync(join(dir, 'advise-3.json'), 'utf8')) as { recommendations: { queries: { sql: string }[] }[] };
    const report = {
      topStatementsOfTool: topRows.filter((r) => r.user !== 'app' && !/^SELECT \$\d+ FROM ONLY/.test(String(r.query))).length,
      topStatements: topRows.length,
      whatGotSlowerOfTool: [...(deltas?.findings ?? []).map((f) => f.title), ...(deltas?.tables ?? []).flatMap((t) => t.rows.map((r) => String(r.query)))].filter((t) => ownText.test(t.replace(/^.*?: /, ''))).length,
      adviceQueriesOfTool: advise.recommendations.flatMap((r) => r.queries).filter((q) => ownText.test(q.sql)).length,
    };
    const figures: FootprintFigures = {
      cli,
      trackedBefore,
      trackedAfter,
      toolEntries: toolRows.length,
      toolInTop50ByTime,
      toolInTop50ByCalls,
      inflated,
      markedToolEntries: marked.length,
      report,
      unmarkedToolEntries: toolRows.filter((r) => !/^\s*\/\*\s*pgopt\b/.test(r.query)).map((r) => r.query.replace(/\s+/g, ' ').slice(0, 100)),
    };
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
    if (values.json) writeFileSync(values.json, JSON.stringify(figures, null, 2));
    log(`outputs kept in ${dir}`);
  } finally {
    await server.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`footprint bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
