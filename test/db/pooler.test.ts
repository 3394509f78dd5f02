// The pooler section against a real PgBouncer (Debian's 1.18, started by the harness) in transaction mode
// with default_pool_size=2: six clients each running pg_sleep(1) twice through it make clients wait
// while the analyzer reads the admin console.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';
import { startPgBouncer, type TestPgBouncer } from '../harness/pgBouncer';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
let db: TestPostgres;
let bouncer: TestPgBouncer;
const tmp = mkdtempSync(join(tmpdir(), 'pgopt-pooler-'));

interface Section {
  id: string;
  status: string;
  summary: string;
  error?: string;
  metrics: { id: string; value: unknown }[];
  findings: { id: string; severity: string; title: string; detail: string; action?: string }[];
  tables: { id: string; rows: Record<string, unknown>[] }[];
  unavailable: { what: string; toEnable: string }[];
}

/** Runs the CLI without blocking the event loop (the load runs in this process meanwhile). */
function pgopt(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && k !== 'DATABASE_URL'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: tmp, env: clean });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function poolerSection(stdout: string): Section {
  const report = JSON.parse(stdout) as { sections: Section[] };
  const s = report.sections.find((x) => x.id === 'pooler');
  assert.ok(s, 'pooler section present');
  return s;
}

before(async () => {
  db = await startTestPostgres();
  bouncer = await startPgBouncer(db.server.port, { poolMode: 'transaction', defaultPoolSize: 2 });
});
after(async () => {
  await bouncer?.stop();
  await db?.stop();
});

test('without a pooler URL the section is unavailable and says how to enable it', async () => {
  const r = await pgopt(['analyze', '--url', db.url, '--sections', 'pooler', '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const s = poolerSection(r.stdout);
  assert.equal(s.unavailable.length, 1);
  assert.match(s.unavailable[0]?.toEnable ?? '', /"pooler": \{"url"[\s\S]*--pooler-url/);
  const bad = await pgopt(['analyze', '--url', db.url, '--sections', 'pooler', '--pooler-url', 'http://x']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--pooler-url must be a postgres:\/\/ URL/);
});

test('six clients on a pool of 2 (transaction mode): waiting clients, longest wait, pool-size advice, session state', async () => {
  // Session state in the workload, recorded by pg_stat_statements on the monitored database.
  await db.exec(`SET search_path = public; SELECT pg_advisory_lock(42); SELECT pg_advisory_unlock(42);`);
  // Session state held right now, on a direct connection: a session advisory lock and a LISTEN.
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock(7)');
  await holder.query('LISTEN jobs');
  const clients: pg.Client[] = [];
  for (let i = 0; i < 6; i++) {
    const c = new pg.Client({ connectionString: bouncer.urlFor('pgopt_test') });
    c.on('error', () => undefined);
    await c.connect();
    clients.push(c);
  }
  try {
    const load = Promise.all(clients.map(async (c) => {
      for (let i = 0; i < 3; i++) await c.query('SELECT pg_sleep(1)');
    }));
    // Let the queue form, then analyze while it drains (6 clients × 3 s of work on 2 servers: ~9 s).
    await new Promise((r) => setTimeout(r, 500));
    const r = await pgopt(['analyze', '--url', db.url, '--sections', 'connections,pooler', '--format', 'json', '--pooler-url', bouncer.adminUrl]);
    await load;
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    const s = poolerSection(r.stdout);
    assert.equal(s.error, undefined, s.error);
    const metric = (id: string): unknown => s.metrics.find((m) => m.id === id)?.value;
    assert.ok(Number(metric('pooler-waiting')) >= 1, `waiting clients: ${JSON.stringify(s.metrics)}`);
    assert.ok(Number(metric('pooler-maxwait')) > 0, 'a wait was measured');
    assert.equal(metric('pooler-mode'), 'transaction');
    assert.equal(metric('pooler-clients'), 6, 'the six application clients; the admin console connection is not counted');
    const waiting = s.findings.find((f) => f.id === 'pooler.clients-waiting');
    assert.ok(waiting, JSON.stringify(s.findings));
    assert.match(waiting.title, /waiting for a server connection in pool pgopt_test/);
    assert.match(waiting.action ?? '', /Raise the pool size of pgopt_test from 2 to [3-9]/);
    const pool = s.tables.find((t) => t.id === 'pooler-pools')?.rows.find((row) => row.database === 'pgopt_test');
    assert.equal(pool?.pool_size, 2);
    assert.ok(Number(pool?.recommended) > 2);
    const state = s.findings.find((f) => f.id === 'pooler.session-state');
    assert.ok(state, JSON.stringify(s.findings.map((f) => f.id)));
    assert.match(state.detail, /session settings \(SET without LOCAL\)/);
    assert.match(state.detail, /advisory locks/);
    assert.match(state.detail, /advisory locks held by sessions right now \(pg_locks\): 1 session/);
    assert.match(state.detail, /last statement was LISTEN \(pg_stat_activity\): 1 session/);
    assert.match(s.summary, /transaction pooling: .* waiting/);
    // One model decides the wait: the two metrics and the finding never disagree (no "ok" wait beside a warning).
    const status = (id: string): unknown => (s.metrics.find((m) => m.id === id) as { status?: string } | undefined)?.status;
    assert.notEqual(status('pooler-waiting'), 'ok');
    assert.equal(status('pooler-maxwait'), status('pooler-waiting'), JSON.stringify(s.metrics));
    assert.equal(waiting.severity, status('pooler-waiting'));
    // The same reading in brief inside Connections (issue #17: the pooler in view where connections are looked at).
    const connections = (JSON.parse(r.stdout) as { sections: (Section & { subsections?: { id: string; sectionId: string; summary: string; metrics: { id: string; value: unknown }[]; findings: { title: string }[] }[] })[] }).sections.find((x) => x.id === 'connections');
    const sub = connections?.subsections?.find((x) => x.id === 'pooler');
    assert.ok(sub, `a pooler subsection in Connections: ${JSON.stringify(connections?.subsections)}`);
    assert.equal(sub.sectionId, 'pooler');
    assert.equal(sub.summary, s.summary);
    assert.ok(Number(sub.metrics.find((m) => m.id === 'pooler-waiting')?.value) >= 1, JSON.stringify(sub.metrics));
    assert.ok(sub.findings.some((f) => /waiting for a server connection/.test(f.title)), JSON.stringify(sub.findings));
    assert.match(String(connections?.metrics.find((m) => m.id === 'pooler')?.value), /pgbouncer/);
  } finally {
    await Promise.all([...clients, holder].map((c) => c.end().catch(() => undefined)));
  }
});

test('an idle pooler: no waiting client, no waiting finding; pgopt.json pooler.url works like --pooler-url', async () => {
  const config = join(tmp, 'pgopt.json');
  writeFileSync(config, JSON.stringify({ pooler: { url: bouncer.adminUrl, samples: 2 } }));
  const r = await pgopt(['analyze', '--url', db.url, '--sections', 'pooler', '--format', 'json', '--config', config]);
  const s = poolerSection(r.stdout);
  assert.equal(s.error, undefined, s.error);
  assert.equal(s.metrics.find((m) => m.id === 'pooler-waiting')?.value, 0);
  assert.equal(s.findings.find((f) => f.id === 'pooler.clients-waiting'), undefined);
  // Text output: the pooler in brief inside Connections too.
  const text = await pgopt(['analyze', '--url', db.url, '--sections', 'connections,pooler', '--config', config]);
  const connectionsPart = text.stdout.slice(text.stdout.indexOf('== Connections and locks'), text.stdout.indexOf('== Connection pooler'));
  assert.match(connectionsPart, /-- Connection pooler \(PgBouncer\) \[(ok|warning)\] — PgBouncer .*no client waiting/);
  assert.match(connectionsPart, /Clients waiting for a server connection \(peak\)\s+0/);
});

test('without a pooler URL Connections has no pooler subsection', async () => {
  // An explicit config without "pooler" (the folder's pgopt.json of the test before has one).
  const config = join(tmp, 'no-pooler.json');
  writeFileSync(config, '{}');
  const r = await pgopt(['analyze', '--url', db.url, '--sections', 'connections,pooler', '--format', 'json', '--config', config]);
  const connections = (JSON.parse(r.stdout) as { sections: { id: string; subsections?: unknown[] }[] }).sections.find((x) => x.id === 'connections');
  assert.ok(connections);
  assert.equal(connections.subsections, undefined);
});

test('many idle connections with PgBouncer read: Connections phrases its advice against the pool mode, not "put a pooler in front"', async () => {
  // 24 direct, idle connections to the database: far more connections than active ones.
  const idle: pg.Client[] = [];
  try {
    for (let i = 0; i < 24; i++) {
      const c = new pg.Client({ connectionString: db.url });
      c.on('error', () => undefined);
      await c.connect();
      idle.push(c);
    }
    const advice = async (args: string[]): Promise<{ title: string; action?: string } | undefined> => {
      const r = await pgopt(['analyze', '--url', db.url, '--sections', 'connections,pooler', '--format', 'json', ...args]);
      assert.ok(r.status === 0 || r.status === 1, r.stderr);
      return (JSON.parse(r.stdout) as { sections: Section[] }).sections.find((x) => x.id === 'connections')?.findings.find((f) => f.id === 'connections.pool-mostly-idle');
    };
    const noPoolerConfig = join(tmp, 'no-pooler-advice.json');
    writeFileSync(noPoolerConfig, '{}');
    const without = await advice(['--config', noPoolerConfig]);
    assert.match(without?.title ?? '', /a transaction-mode pooler would need far fewer/);
    const withPooler = await advice(['--config', noPoolerConfig, '--pooler-url', bouncer.adminUrl]);
    assert.ok(withPooler, 'still advice: the idle connections bypass the pooler');
    assert.doesNotMatch(withPooler.title, /would need far fewer/);
    assert.match(withPooler.title, /although PgBouncer runs transaction pooling/);
    assert.match(withPooler.action ?? '', /Route those clients through PgBouncer/);
  } finally {
    await Promise.all(idle.map((c) => c.end().catch(() => undefined)));
  }
});
