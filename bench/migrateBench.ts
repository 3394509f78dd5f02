// Issue #7 benches. (1) Apply 1,000 small migrations with node-pg-migrate and with pgopt's runner, side by
// side on one throwaway server, target wall-time ratio pgopt / node-pg-migrate <= 1.0.
// `applyWithPgopt` defaults to the runner as `pgopt migrate up --yes` uses it. (2) The lock trace on 100 statements.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { resolveUrl } from '../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../src/core/db/envAccess';
import { openClient } from '../src/core/db/connect';
import { discoverMigrations } from '../src/core/migrations/discovery';
import { applyMigrations } from '../src/core/migrations/runner';
import { traceMigrations } from '../src/core/migrations/trace/trace';
import type { TraceMigration } from '../src/core/migrations/trace/types';
import { startLocalPostgres } from '../scripts/localPostgres';

export type ApplyWithPgopt = (dir: string, url: string) => Promise<void>;

/** pgopt's runner, as `pgopt migrate up --yes` runs it: discovery, status, one transaction per migration. */
export const applyWithPgoptRunner: ApplyWithPgopt = async (dir, url) => {
  const spec = resolveUrl(url, nodeEnvAccess({}), 'bench');
  const discovery = discoverMigrations(dir);
  if (discovery.problems.some((p) => p.severity === 'error')) throw new Error(discovery.problems.map((p) => p.message).join('; '));
  const r = await applyMigrations(discovery.migrations, { connect: () => openClient(spec), connectionLabel: 'bench', problems: discovery.problems });
  if (!r.ok) throw new Error(`runner failed: ${JSON.stringify(r.failed ?? r.blockers)}`);
};

/** Small migration number i (1-based): tables, columns, indexes and a little data, as real projects have. */
export function smallMigration(i: number): { up: string; down: string } {
  const t = `bench_t${Math.ceil(i / 4)}`;
  switch (i % 4) {
    case 1:
      return { up: `CREATE TABLE ${t} (id bigint PRIMARY KEY, name text NOT NULL);`, down: `DROP TABLE ${t};` };
    case 2:
      return { up: `ALTER TABLE ${t} ADD COLUMN created_at timestamptz DEFAULT now();`, down: `ALTER TABLE ${t} DROP COLUMN created_at;` };
    case 3:
      return { up: `CREATE INDEX ${t}_name ON ${t} (name);`, down: `DROP INDEX ${t}_name;` };
    default:
      return { up: `INSERT INTO ${t} (id, name) VALUES (1, 'a'), (2, 'b');`, down: `DELETE FROM ${t};` };
  }
}

/** Writes n migrations twice: golang-migrate files (pgopt reads them) and node-pg-migrate SQL files. */
export function writeMigrationDirs(n: number, root: string): { pgoptDir: string; npmDir: string } {
  const pgoptDir = join(root, 'pgopt');
  const npmDir = join(root, 'node-pg-migrate');
  mkdirSync(pgoptDir, { recursive: true });
  mkdirSync(npmDir, { recursive: true });
  for (let i = 1; i <= n; i++) {
    const { up, down } = smallMigration(i);
    const v = String(i).padStart(6, '0');
    writeFileSync(join(pgoptDir, `${v}_m${i}.up.sql`), `${up}\n`);
    writeFileSync(join(pgoptDir, `${v}_m${i}.down.sql`), `${down}\n`);
    writeFileSync(join(npmDir, `${v}_m${i}.sql`), `-- Up Migration\n${up}\n-- Down Migration\n${down}\n`);
  }
  return { pgoptDir, npmDir };
}

interface NodePgMigrate {
  runner(options: Record<string, unknown>): Promise<unknown[]>;
}

async function applyWithNodePgMigrate(dir: string, url: string, singleTransaction: boolean): Promise<number> {
  const { runner } = (await import('node-pg-migrate')) as unknown as NodePgMigrate;
  const done = await runner({ databaseUrl: url, dir, direction: 'up', migrationsTable: 'pgmigrations', count: Infinity, singleTransaction, log: () => undefined, checkOrder: true });
  return done.length;
}

async function countTables(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>(`SELECT count(*) AS n FROM pg_tables WHERE tablename LIKE 'bench_t%'`);
    return Number(r.rows[0]?.n);
  } finally {
    await c.end();
  }
}

type Line = (label: string, value: string) => void;

export async function migrateBench(opts: { line: Line; count?: number; applyWithPgopt?: ApplyWithPgopt; traceStatements?: number }): Promise<Record<string, unknown>> {
  const n = opts.count ?? 1000;
  const applyWithPgopt = opts.applyWithPgopt ?? applyWithPgoptRunner;
  const root = mkdtempSync(join(tmpdir(), 'pgopt-migrate-bench-'));
  const server = await startLocalPostgres();
  const results: Record<string, unknown> = { migrations: n };
  try {
    const { pgoptDir, npmDir } = writeMigrationDirs(n, root);
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    for (const db of ['bench_npm_single', 'bench_npm_each', 'bench_pgopt', 'bench_trace']) await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();

    const timeIt = async (fn: () => Promise<unknown>): Promise<number> => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    const npmSingle = await timeIt(() => applyWithNodePgMigrate(npmDir, server.urlFor('bench_npm_single'), true));
    const npmEach = await timeIt(() => applyWithNodePgMigrate(npmDir, server.urlFor('bench_npm_each'), false));
    const tablesNpm = await countTables(server.urlFor('bench_npm_each'));
    results.nodePgMigrate = { singleTransactionMs: npmSingle, transactionPerMigrationMs: npmEach, tables: tablesNpm };
    opts.line(`node-pg-migrate 9.0.0: ${n} migrations, one transaction`, `${(npmSingle / 1000).toFixed(2)} s`);
    opts.line(`node-pg-migrate 9.0.0: ${n} migrations, one transaction each`, `${(npmEach / 1000).toFixed(2)} s (${tablesNpm} tables)`);

    try {
      const ours = await timeIt(() => applyWithPgopt(pgoptDir, server.urlFor('bench_pgopt')));
      const tablesOurs = await countTables(server.urlFor('bench_pgopt'));
      if (tablesOurs !== tablesNpm) throw new Error(`pgopt created ${tablesOurs} tables, node-pg-migrate ${tablesNpm}`);
      const ratio = ours / npmEach;
      results.pgopt = { ms: ours, ratioVsTransactionPerMigration: ratio, ratioVsSingleTransaction: ours / npmSingle };
      opts.line(`pgopt migrate up: ${n} migrations, one transaction each`, `${(ours / 1000).toFixed(2)} s`);
      opts.line('ratio pgopt / node-pg-migrate (both one transaction each)', `${ratio.toFixed(2)} (target ≤ 1.0)`);
    } catch (e) {
      results.pgopt = { unavailable: (e as Error).message };
      opts.line('pgopt migrate up', `not measured: ${(e as Error).message}`);
    }

    results.trace = await traceBench(server.urlFor('bench_trace'), opts.traceStatements ?? 100, opts.line);
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
  return results;
}

/** Times the lock trace on `statements` statements (25 migrations of 4), on a database with those tables' data. */
async function traceBench(url: string, statements: number, line: Line): Promise<Record<string, unknown>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`CREATE TABLE users (id int PRIMARY KEY, email text, n int); INSERT INTO users SELECT g, 'u' || g, g FROM generate_series(1, 10000) g; ANALYZE users;`);
    const migrations: TraceMigration[] = [];
    for (let m = 0; m * 4 < statements; m++) {
      const t = `trace_t${m}`;
      migrations.push({
        version: String(m + 1),
        name: `m${m + 1}`,
        sql: [
          `CREATE TABLE ${t} (id bigint PRIMARY KEY, user_id int REFERENCES users (id), v text)`,
          `ALTER TABLE ${t} ADD COLUMN at timestamptz DEFAULT now()`,
          `CREATE INDEX ${t}_user ON ${t} (user_id)`,
          `ALTER TABLE users ADD COLUMN c${m} int`,
        ]
          .slice(0, Math.min(4, statements - m * 4))
          .join(';\n'),
      });
    }
    const spec = resolveUrl(url, nodeEnvAccess({}), 'bench');
    const runs: number[] = [];
    let traced = 0;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const r = await traceMigrations({ client: c, spec }, migrations);
      runs.push(performance.now() - t);
      if (r.failed) throw new Error(`trace bench failed: ${r.failed.message}`);
      traced = r.migrations.reduce((s, x) => s + x.statements.length, 0);
    }
    runs.sort((a, b) => a - b);
    const median = runs[1] ?? 0;
    line(`lock trace: ${traced} statements in one rolled-back transaction (median of 3)`, `${median.toFixed(0)} ms (${(median / traced).toFixed(1)} ms per statement)`);
    return { statements: traced, medianMs: median, perStatementMs: median / traced };
  } finally {
    await c.end();
  }
}
