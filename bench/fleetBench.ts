// npm run bench -- --only fleet: `pgopt analyze --fleet` over N small databases in one cluster (default 50)
// with --concurrency 8, as a real CLI process: wall time and peak RSS (GNU time's "Maximum resident set
// size"; without /usr/bin/time, only the wall time). Each database has pg_stat_statements, a few tables
// with rows and indexes, and a little workload, so every section has something to read.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startLocalPostgres } from '../scripts/localPostgres';

export interface FleetBenchResult {
  databases: number;
  concurrency: number;
  wallS: number;
  peakRssMb: number | null;
  reached: number;
  failed: number;
  exitCode: number | null;
}

export async function fleetBench(opts: { root: string; line(label: string, value: string): void; databases?: number; concurrency?: number }): Promise<FleetBenchResult> {
  const n = opts.databases ?? 50;
  const concurrency = opts.concurrency ?? 8;
  const server = await startLocalPostgres({ settings: { max_connections: 200 } });
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-fleetbench-'));
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    const fleet: { name: string; url: string; tags: string[] }[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const name = `fleet_${String(i).padStart(2, '0')}`;
        await admin.query(`CREATE DATABASE ${name}`);
        const c = new pg.Client({ connectionString: server.urlFor(name) });
        await c.connect();
        try {
          await c.query(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
            CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id), total numeric(10,2), status text);
            CREATE INDEX ON customers (email);
            INSERT INTO customers (email) SELECT 'c' || g || '@example.com' FROM generate_series(1, 2000) g;
            INSERT INTO orders (customer_id, total, status) SELECT 1 + g % 2000, g % 500, CASE WHEN g % 7 = 0 THEN 'open' ELSE 'done' END FROM generate_series(1, 10000) g;
            ANALYZE;`);
          for (let k = 0; k < 20; k++) await c.query(`SELECT count(*) FROM orders WHERE customer_id = $1 AND status = 'open'`, [k + 1]);
        } finally {
          await c.end();
        }
        fleet.push({ name, url: server.urlFor(name, 'postgres', '?sslmode=disable'), tags: [i % 2 ? 'odd' : 'even'] });
      }
    } finally {
      await admin.end();
    }
    const file = join(dir, 'fleet.json');
    writeFileSync(file, JSON.stringify({ fleet }));
    const cli = join(opts.root, 'dist', 'cli.js');
    const args = [cli, 'analyze', '--fleet', file, '--concurrency', String(concurrency), '--format', 'json', '--out', join(dir, 'fleet-report.json')];
    const gnuTime = existsSync('/usr/bin/time');
    const started = performance.now();
    const r = gnuTime
      ? spawnSync('/usr/bin/time', ['-v', process.execPath, ...args], { encoding: 'utf8', cwd: dir, maxBuffer: 256 * 1024 * 1024 })
      : spawnSync(process.execPath, args, { encoding: 'utf8', cwd: dir, maxBuffer: 256 * 1024 * 1024 });
    const wallS = (performance.now() - started) / 1000;
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '');
    const report = JSON.parse(execFileSync('cat', [join(dir, 'fleet-report.json')], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })) as { summary: { reached: number; failed: number } };
    const result: FleetBenchResult = {
      databases: n,
      concurrency,
      wallS: Math.round(wallS * 10) / 10,
      peakRssMb: rss ? Math.round(Number(rss[1]) / 1024) : null,
      reached: report.summary.reached,
      failed: report.summary.failed,
      exitCode: r.status,
    };
    opts.line(`fleet analyze: ${n} databases, --concurrency ${concurrency}`, `${result.wallS} s wall, peak RSS ${result.peakRssMb ?? '?'} MB, ${result.reached} reached, ${result.failed} failed, exit ${r.status}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
}
