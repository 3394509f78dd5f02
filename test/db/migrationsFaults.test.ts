// Fault injection on a dedicated server (so the shared one is never stopped): the runner's backend is
// killed (pg_terminate_backend) at 25 points spread over transactional and non-transactional migrations
// — 23 gates before statements plus 2 in the middle of a concurrent index build — and the server is
// stopped with `pg_ctl stop -m immediate` (then restarted) at the same 23 gates. After each fault: a transactional migration left
// nothing, the catalog equals a reference built from exactly what status says was applied, and a re-run
// finishes with the same catalog as an undisturbed run.
//
// Pausing at a known statement: each migration statement is preceded by
// `SELECT pg_advisory_xact_lock_shared(N)` (a gate). The test holds gate N exclusively, waits until the
// runner's backend is seen waiting on it in pg_stat_activity, then injects the fault.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { discoverMigrations } from '../../src/core/migrations/discovery';
import { applyMigrations, type RunResult } from '../../src/core/migrations/runner';
import { planStatements } from '../../src/core/migrations/statements';
import { readStatus } from '../../src/core/migrations/status';
import type { Migration, MigrationStatus } from '../../src/core/migrations/types';
import { loadParser } from '../../src/core/sql/parser';
import { debianPostgresAvailable, startLocalPostgres, type LocalPostgres } from '../../scripts/localPostgres';
import { catalogSnapshot, connector, withClient, writeMigrationDir } from '../harness/migrationFixtures';

let server: LocalPostgres | undefined;
let migrations: Migration[] = [];
/** ref[j][k]: catalog after migrations 0..j-1 and the first k statements of migration j. */
const ref: string[][][] = [];
let full: string[] = [];
let dbCount = 0;

let gate = 0;
const g = (): string => `SELECT pg_advisory_xact_lock_shared(${++gate});`;
const FILES: Record<string, string> = {
  '001_a.sql': `${g()}\nCREATE TABLE a (id int PRIMARY KEY);\n${g()}\nALTER TABLE a ADD COLUMN v text;\n${g()}\nCREATE INDEX a_v ON a (v);\n${g()}\nALTER TABLE a ADD CONSTRAINT a_v_chk CHECK (v <> '');\n`,
  '002_b.sql': `${g()}\nCREATE TABLE b (id int REFERENCES a);\n${g()}\nCREATE TYPE st AS ENUM ('x');\n${g()}\nALTER TABLE b ADD COLUMN s st;\n${g()}\nCREATE VIEW bv AS SELECT * FROM b;\n`,
  '003_c_concurrent.sql': `${g()}\nCREATE TABLE c (id int, w text);\n${g()}\nCREATE INDEX CONCURRENTLY c_w ON c (w);\n${g()}\nALTER TABLE c ADD COLUMN z int;\n${g()}\nCREATE INDEX CONCURRENTLY c_z ON c (z);\n${g()}\nCREATE TABLE c2 (id int);\n`,
  '004_d.sql': `${g()}\nCREATE TABLE d (id int);\n${g()}\nCREATE UNIQUE INDEX d_id ON d (id);\n${g()}\nALTER TABLE d ADD CONSTRAINT d_pos CHECK (id > 0);\n${g()}\nCOMMENT ON TABLE d IS 'd';\n`,
  '005_e.sql': `${g()}\nALTER TABLE a RENAME COLUMN v TO val;\n${g()}\nCREATE SEQUENCE s5;\n${g()}\nCREATE TABLE e (id int DEFAULT nextval('s5'));\n${g()}\nALTER TABLE e ADD CONSTRAINT e_pk PRIMARY KEY (id);\n`,
  '006_f_vacuum.sql': `${g()}\nVACUUM a;\n${g()}\nCREATE TABLE f (id int);\n${g()}\nCREATE INDEX CONCURRENTLY f_id ON f (id);\n`,
};
const GATES = gate;
const dir = writeMigrationDir(FILES, 'pgopt-faults-');

/** Where gate N sits: migration index and statement index of the gate itself. */
function gateAt(n: number): { j: number; k: number } {
  for (let j = 0; j < migrations.length; j++) {
    const idx = planStatements((migrations[j] as Migration).upSql).statements.findIndex((s) => s.sql === `SELECT pg_advisory_xact_lock_shared(${n})`);
    if (idx >= 0) return { j, k: idx };
  }
  throw new Error(`gate ${n} not found`);
}

async function newDb(): Promise<string> {
  const name = `fault_${++dbCount}`;
  await withClient((server as LocalPostgres).url, (c) => c.query(`CREATE DATABASE ${name}`));
  return (server as LocalPostgres).urlFor(name);
}

async function statusOf(url: string): Promise<MigrationStatus> {
  return withClient(url, (c) => readStatus({ query: async (sql, params) => (await c.query(sql, params)).rows }, migrations));
}

/** What status claims: j migrations applied in order, and k statements of the next one. */
function claimed(s: MigrationStatus): { j: number; k: number } {
  let j = 0;
  for (const e of s.entries) {
    if (e.state === 'applied') {
      j++;
      continue;
    }
    if (e.state === 'failed') return { j, k: e.applied?.log?.mode === 'statements' ? e.applied.log.completed : 0 };
    assert.equal(e.state, 'pending', `unexpected state ${e.state} for ${e.version}`);
    return { j, k: 0 };
  }
  return { j, k: 0 };
}

async function waitForBackend(url: string, where: string): Promise<number> {
  return withClient(url, async (c) => {
    for (let i = 0; i < 1000; i++) {
      const r = await c.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'fault-%' AND ${where} LIMIT 1`);
      if (r.rows[0]) return r.rows[0].pid;
      await new Promise((res) => setTimeout(res, 10));
    }
    throw new Error(`no runner backend matching ${where}`);
  });
}

function pgCtl(args: string[]): void {
  const s = server as LocalPostgres;
  const bin = '/usr/lib/postgresql/15/bin/pg_ctl';
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const [cmd, argv] = root ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd as string, argv as string[], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pg_ctl ${args.join(' ')}: ${r.stderr || r.stdout}`);
  void s;
}

function stopImmediate(): void {
  pgCtl(['-D', (server as LocalPostgres).dataDir, '-m', 'immediate', '-w', 'stop']);
}

function startAgain(): void {
  const dataDir = (server as LocalPostgres).dataDir;
  pgCtl(['-D', dataDir, '-l', join(dirname(dataDir), 'postgres.log'), '-w', '-t', '60', 'start']);
}

before(async () => {
  if (!debianPostgresAvailable()) return;
  await loadParser();
  // Commits must be durable for a crash test: the shared harness turns synchronous_commit off for speed,
  // which lets an immediate stop lose the last commits (schema and tracking row alike).
  server = await startLocalPostgres({ flavor: 'debian', settings: { synchronous_commit: 'on' } });
  migrations = discoverMigrations(dir).migrations;
  assert.equal(migrations.length, 6);
  // References: apply statement by statement with a plain client, snapshot after each.
  const url = await newDb();
  await withClient(url, async (c) => {
    for (const m of migrations) {
      const stmts = planStatements(m.upSql).statements;
      const snaps: string[][] = [await catalogSnapshot(url)];
      for (const s of stmts) {
        await c.query(s.sql);
        snaps.push(await catalogSnapshot(url));
      }
      ref.push(snaps);
    }
  });
  full = await catalogSnapshot(url);
  ref.push([full]);
});

after(async () => {
  await server?.stop();
});

async function runWithFault(inject: (url: string) => Promise<void>, opts: { expectInvalidIndex?: boolean } = {}): Promise<{ before: { j: number; k: number }; first: RunResult; s: MigrationStatus }> {
  const url = await newDb();
  let first: RunResult | undefined;
  const running = applyMigrations(migrations, { connect: connector(url, `fault-${dbCount}`), connectionLabel: 'test' }).then(
    (r) => (first = r),
    (e: Error) => (first = { direction: 'up', ok: false, done: [], failed: { version: '?', name: '?', error: e.message }, warnings: [] }),
  );
  await inject(url);
  await running;
  const r = first as RunResult;
  assert.equal(r.ok, false, 'the fault stopped the run');
  const s = await statusOf(url);
  const c = claimed(s);
  // Status tells the truth: the catalog is exactly the reference for what it claims (INVALID leftovers of
  // an interrupted concurrent build aside: status reports the build as not done, and a re-run drops them).
  const snap = await catalogSnapshot(url, { validIndexesOnly: true });
  assert.deepEqual(snap, (ref[c.j] as string[][])[c.k], `catalog vs status claim ${JSON.stringify(c)} (${s.entries.map((e) => `${e.version}:${e.state}`).join(' ')})`);
  const invalid = (await catalogSnapshot(url)).filter((l) => l.endsWith(' INVALID'));
  assert.equal(invalid.length > 0, !!opts.expectInvalidIndex, `INVALID indexes: ${invalid.join(', ')}`);
  // No partial transactional migration: a migration in a transaction is all or nothing.
  const m = migrations[c.j];
  if (m && planStatements(m.upSql).mode === 'transaction') assert.equal(c.k, 0);
  // The re-run finishes and reaches the undisturbed result.
  const again = await applyMigrations(migrations, { connect: connector(url, `fault-rerun-${dbCount}`), connectionLabel: 'test' });
  assert.ok(again.ok, JSON.stringify(again));
  assert.deepEqual(await catalogSnapshot(url), full);
  assert.deepEqual((await statusOf(url)).entries.map((e) => e.state), migrations.map(() => 'applied'));
  return { before: c, first: r, s };
}

/** Holds gate n, waits until the runner blocks on it, then fault(); releases the gate afterwards. */
function atGate(n: number, fault: (pid: number, url: string) => Promise<void> | void, controlUrl: () => string) {
  return async (url: string): Promise<void> => {
    const control = new pg.Client({ connectionString: controlUrl() === '' ? url : url });
    control.on('error', () => undefined);
    await control.connect();
    await control.query('SELECT pg_advisory_lock($1)', [n]);
    try {
      const pid = await waitForBackend(url, `wait_event = 'advisory' AND query LIKE '%pg_advisory_xact_lock_shared(${n})%'`);
      await fault(pid, url);
    } finally {
      await control.query('SELECT pg_advisory_unlock($1)', [n]).catch(() => undefined);
      await control.end().catch(() => undefined);
    }
  };
}

const terminate = async (pid: number, url: string): Promise<void> => {
  await withClient(url, (c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
};

test('pg_terminate_backend at every gate (23 points before statements): status tells the truth, the re-run completes', { skip: !debianPostgresAvailable() && 'needs the Debian postgresql-15 binaries' }, async () => {
  assert.ok(GATES >= 23);
  for (let n = 1; n <= GATES; n++) {
    const where = gateAt(n);
    const r = await runWithFault(atGate(n, terminate, () => ''));
    const m = migrations[where.j] as Migration;
    const nonTx = planStatements(m.upSql).mode === 'statements';
    // Killed while waiting at gate n (statement k of migration j): status claims exactly the work before it.
    assert.deepEqual(r.before, { j: where.j, k: nonTx ? where.k : 0 }, `gate ${n}`);
    assert.equal(r.s.entries[where.j]?.state, nonTx ? (where.k === 0 && r.s.entries[where.j]?.applied === undefined ? 'pending' : 'failed') : 'pending', `gate ${n}`);
  }
});

test('pg_terminate_backend in the middle of two concurrent index builds: INVALID index reported as not built, dropped and rebuilt on re-run', { skip: !debianPostgresAvailable() && 'needs the Debian postgresql-15 binaries' }, async () => {
  const ready: Record<string, string> = {
    c_w: `SELECT to_regclass('c') IS NOT NULL AS ok`,
    c_z: `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('c') AND attname = 'z') AS ok`,
  };
  for (const idx of ['c_w', 'c_z']) {
    const r = await runWithFault(async (url) => {
      // A transaction holding a snapshot makes the concurrent build wait in its last phase (after the
      // index entry exists, marked INVALID): kill it there. The snapshot is taken once the statement
      // before the build has run, so the earlier build (c_w for c_z) is not held up.
      await withClient(url, async (holder) => {
        for (let i = 0; i < 1000; i++) {
          if ((await holder.query(ready[idx] as string)).rows[0].ok) break;
          await new Promise((res) => setTimeout(res, 5));
        }
        await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        await holder.query('SELECT count(*) FROM pg_class');
        try {
          const pid = await waitForBackend(url, `query LIKE 'CREATE INDEX CONCURRENTLY ${idx}%' AND wait_event_type = 'Lock'`);
          await terminate(pid, url);
        } finally {
          await holder.query('ROLLBACK');
        }
      });
    }, { expectInvalidIndex: true });
    const entry = r.s.entries[2];
    assert.equal(entry?.state, 'failed');
    assert.match(entry?.detail ?? '', /interrupted after \d+ of \d+ statements/);
  }
});

test('pg_ctl stop -m immediate at every gate (23 points), then restart: status tells the truth, the re-run completes', { skip: !debianPostgresAvailable() && 'needs the Debian postgresql-15 binaries' }, async () => {
  for (let n = 1; n <= GATES; n++) {
    const where = gateAt(n);
    const r = await runWithFault(async (url) => {
      const control = new pg.Client({ connectionString: url });
      control.on('error', () => undefined);
      await control.connect();
      await control.query('SELECT pg_advisory_lock($1)', [n]);
      await waitForBackend(url, `wait_event = 'advisory' AND query LIKE '%pg_advisory_xact_lock_shared(${n})%'`);
      stopImmediate();
      await control.end().catch(() => undefined);
      startAgain();
    });
    const nonTx = planStatements((migrations[where.j] as Migration).upSql).mode === 'statements';
    assert.deepEqual(r.before, { j: where.j, k: nonTx ? where.k : 0 }, `gate ${n}`);
  }
});
