// Side-by-side: apply 1,000 small migrations with pgopt's runner and with node-pg-migrate (npm), each in its
// own process on a fresh database of the same throwaway server, alternating the order over 3 rounds;
// prints wall times and the median ratio (target ≤ 1.0). node-pg-migrate is not a dependency of this
// project: install it anywhere (`npm install node-pg-migrate@9.0.0 pg` in DIR) and pass
// PGOPT_BENCH_NODE_PG_MIGRATE=DIR. Without it, only pgopt's time is printed.
//   node out/bench/migrationBench.js [N]
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { discoverMigrations } from '../src/core/migrations/discovery';
import { applyMigrations } from '../src/core/migrations/runner';
import { startLocalPostgres } from '../scripts/localPostgres';
import { withClient, writeMigrationDir } from '../test/harness/migrationFixtures';

const NPM_SCRIPT = `
import { pathToFileURL } from 'node:url';
const [dir, url, migrations] = process.argv.slice(2);
const { runner } = await import(pathToFileURL(dir + '/node_modules/node-pg-migrate/dist/bundle/index.js').href);
const t0 = Date.now();
const r = await runner({ databaseUrl: url, dir: migrations, direction: 'up', migrationsTable: 'pgmigrations', count: Infinity, singleTransaction: false, log: () => {} });
console.log(JSON.stringify({ ms: Date.now() - t0, n: r.length }));
`;

async function pgoptChild(url: string, dir: string): Promise<void> {
  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    return c;
  };
  const t0 = Date.now();
  const d = discoverMigrations(dir);
  const r = await applyMigrations(d.migrations, { connect, connectionLabel: 'bench' });
  process.stdout.write(`${JSON.stringify({ ms: Date.now() - t0, n: r.done.length })}\n`);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return pgoptChild(process.argv[3] as string, process.argv[4] as string);
  const n = Number(process.argv[2] ?? 1000);
  const npmDir = process.env.PGOPT_BENCH_NODE_PG_MIGRATE;
  const haveNpm = !!npmDir && existsSync(join(npmDir, 'node_modules', 'node-pg-migrate'));
  const server = await startLocalPostgres({});
  try {
    const files: Record<string, string> = {};
    for (let i = 1; i <= n; i++) files[`${String(i).padStart(5, '0')}_m${i}.sql`] = `-- Up Migration\nCREATE TABLE t${i} (id int PRIMARY KEY, v text);\nINSERT INTO t${i} VALUES (1, 'x');\n`;
    const dir = writeMigrationDir(files, 'pgopt-bench-mig-');
    const script = join(dir, '..', `npm-runner-${process.pid}.mjs`);
    writeFileSync(script, NPM_SCRIPT);
    const wall: Record<string, number[]> = { pgopt: [], 'node-pg-migrate': [] };
    for (let round = 0; round < 3; round++) {
      const order = round % 2 ? ['node-pg-migrate', 'pgopt'] : ['pgopt', 'node-pg-migrate'];
      for (const who of order) {
        if (who === 'node-pg-migrate' && !haveNpm) continue;
        const db = `bench_${who.replace(/-/g, '_')}_${round}`;
        await withClient(server.url, (c) => c.query(`CREATE DATABASE ${db}`));
        const t0 = Date.now();
        const r = who === 'pgopt'
          ? spawnSync(process.execPath, [__filename, '--child', server.urlFor(db), dir], { encoding: 'utf8' })
          : spawnSync(process.execPath, [script, npmDir as string, server.urlFor(db), dir], { encoding: 'utf8', cwd: npmDir });
        const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { n?: number };
        if (out.n !== n) throw new Error(`${who} applied ${out.n} of ${n}: ${r.stderr}`);
        (wall[who] as number[]).push(Date.now() - t0);
      }
    }
    const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] as number;
    const result = { migrations: n, wallMs: wall, ...(haveNpm ? { medianRatio: Math.round((median(wall.pgopt as number[]) / median(wall['node-pg-migrate'] as number[])) * 100) / 100 } : {}) };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await server.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
