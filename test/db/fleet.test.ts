// pgopt analyze|snapshot --fleet against real servers: two databases on the harness server, a closed port
// and a server that accepts TCP and never answers; exit codes from the worst verdict.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/localPostgres';
import pg from 'pg';
import { runFleet } from '../../src/core/fleet/runFleet';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
let db: TestPostgres;
let urlB: string;
let closedPort: number;
const tmp = mkdtempSync(join(tmpdir(), 'pgopt-fleet-'));

function pgopt(args: string[]) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && k !== 'DATABASE_URL'));
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp, env: clean, timeout: 120_000 });
}

function fleetFile(name: string, fleet: unknown[]): string {
  const f = join(tmp, name);
  writeFileSync(f, JSON.stringify({ fleet }));
  return f;
}

interface FleetJson {
  databases: { name: string; tags: string[]; verdict: string; report?: { summary: { errors: number }; connection: { database: string } }; error?: string; timedOut?: boolean }[];
  summary: { databases: number; reached: number; failed: number; timedOut: number; worst: string };
}

before(async () => {
  db = await startTestPostgres();
  urlB = await db.createDatabase('fleet_b');
  closedPort = await freePort();
});
after(async () => {
  await db?.stop();
});

test('3-database fleet, one unreachable: 2 reports + 1 error, ranked worst first, exit code from the worst verdict', () => {
  const f = fleetFile('three.json', [
    { name: 'main', url: db.url, tags: ['eu', 'primary'] },
    { name: 'b', url: urlB },
    { name: 'down', url: `postgres://postgres@127.0.0.1:${closedPort}/x?sslmode=disable` },
  ]);
  const r = pgopt(['analyze', '--fleet', f, '--format', 'json', '--sections', 'health']);
  assert.equal(r.status, 1, r.stderr);
  const out = JSON.parse(r.stdout) as FleetJson;
  assert.deepEqual(out.databases.map((d) => [d.name, d.report !== undefined, d.error !== undefined]), [['main', true, false], ['b', true, false], ['down', false, true]]);
  assert.deepEqual(out.databases[0]?.tags, ['eu', 'primary']);
  assert.equal(out.databases[1]?.report?.connection.database, 'fleet_b');
  assert.match(out.databases[2]?.error ?? '', /connection refused/);
  assert.equal(out.databases[2]?.verdict, 'error');
  assert.deepEqual([out.summary.databases, out.summary.reached, out.summary.failed, out.summary.worst], [3, 2, 1, 'error']);

  // The two reachable ones alone: their worst verdict decides (no error -> 0) ...
  const two = fleetFile('two.json', [{ name: 'main', url: db.url }, { name: 'b', url: urlB }]);
  const ok = pgopt(['analyze', '--fleet', two, '--sections', 'health']);
  assert.equal(ok.status, 0, ok.stderr + ok.stdout);
  assert.match(ok.stdout, /^== Fleet analyze — 2 databases: 2 reached, 0 failed/);
});

test('an error-severity finding in one database: exit 1, that database ranked first in text and HTML (escaped, anchored)', async () => {
  await db.exec(`CREATE TABLE t (id serial); SELECT setval('t_id_seq', 2100000000);`, 'fleet_b');
  try {
    const f = fleetFile('rank.json', [{ name: 'main', url: db.url }, { name: 'b<script>', url: urlB }]);
    const text = pgopt(['analyze', '--fleet', f, '--sections', 'health']);
    assert.equal(text.status, 1, text.stderr);
    const table = text.stdout.split('\n').slice(2, 5);
    assert.match(table[1] ?? '', /^1\s+b<script>\s+error\s+.*sequence/i, table.join('\n'));
    assert.match(table[2] ?? '', /^2\s+main\s+(ok|warning)/);
    assert.match(text.stdout, /### b<script> — error/);
    const out = join(tmp, 'fleet.html');
    const html = pgopt(['analyze', '--fleet', f, '--sections', 'health', '--format', 'html', '--out', out]);
    assert.equal(html.status, 1, html.stderr);
    const page = readFileSync(out, 'utf8');
    assert.ok(!page.includes('<script>'), 'database names are escaped');
    assert.match(page, /<a href="#db-2">b&lt;script&gt;<\/a>/);
    assert.match(page, /<article id="db-2">[\s\S]*id="db-2-section-health"/);
    assert.ok(page.indexOf('href="#db-2"') < page.indexOf('href="#db-1"'), 'the error database is listed first');
  } finally {
    await db.exec(`DROP TABLE t`, 'fleet_b');
  }
});

test('per-target timeout fires on a server that never answers; the others still report; nothing reached -> exit 2', async () => {
  const sockets: Socket[] = [];
  const silent: Server = createServer((s) => sockets.push(s));
  const port = await freePort();
  await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r));
  try {
    const f = fleetFile('silent.json', [
      { name: 'silent', url: `postgres://u@127.0.0.1:${port}/db?sslmode=disable` },
      { name: 'main', url: db.url },
    ]);
    const started = Date.now();
    const r = pgopt(['analyze', '--fleet', f, '--format', 'json', '--sections', 'health', '--target-timeout', '2', '--connect-timeout', '60']);
    const out = JSON.parse(r.stdout) as FleetJson;
    assert.equal(r.status, 1, r.stderr);
    const s = out.databases.find((d) => d.name === 'silent');
    assert.equal(s?.timedOut, true, JSON.stringify(s));
    assert.match(s?.error ?? '', /no result within 2 s/);
    assert.ok(out.databases.find((d) => d.name === 'main')?.report);
    assert.ok(Date.now() - started < 50_000, 'the 60 s connect timeout did not hold the run');

    const none = fleetFile('none.json', [
      { name: 'silent', url: `postgres://u@127.0.0.1:${port}/db?sslmode=disable` },
      { name: 'down', url: `postgres://postgres@127.0.0.1:${closedPort}/x?sslmode=disable` },
    ]);
    const n = pgopt(['analyze', '--fleet', none, '--target-timeout', '1']);
    assert.equal(n.status, 2, n.stderr);
    assert.match(n.stdout, /2 databases: 0 reached, 2 failed \(1 timed out\)/);
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test('snapshot --fleet --store: every reachable database stored under its name; bad fleet file is exit 2 with the entry named', () => {
  const store = join(tmp, 'fleet.sqlite');
  const f = fleetFile('snap.json', [
    { name: 'main', url: db.url },
    { name: 'b', url: urlB },
    { name: 'down', url: `postgres://postgres@127.0.0.1:${closedPort}/x?sslmode=disable` },
  ]);
  const r = pgopt(['snapshot', '--fleet', f, '--store', store, '--format', 'json', '--concurrency', '2']);
  assert.equal(r.status, 1, r.stderr);
  const out = JSON.parse(r.stdout) as FleetJson;
  assert.deepEqual(out.databases.map((d) => [d.name, d.error === undefined]), [['main', true], ['b', true], ['down', false]]);
  // The store now answers for both names: analyze --store reads each database's history back.
  for (const [name, url] of [['main', db.url], ['b', urlB]] as const) {
    const a = pgopt(['analyze', '--url', url, '--sections', 'health', '--store', store, '--name', name, '--format', 'json']);
    assert.equal(a.status, 0, a.stderr);
    const rep = JSON.parse(a.stdout) as { sections: { id: string; summary: string }[] };
    const trends = rep.sections.find((s) => s.id === 'trends');
    assert.ok(trends && !/no snapshot/i.test(trends.summary), `${name}: ${trends?.summary}`);
  }
  const bad = fleetFile('bad.json', [{ name: 'x', url: 'mysql://nope' }]);
  const b = pgopt(['analyze', '--fleet', bad]);
  assert.equal(b.status, 2);
  assert.match(b.stderr, /fleet\[0\]\.url: must start with postgres:\/\//);
  assert.equal(pgopt(['analyze', '--fleet', join(tmp, 'missing.json')]).stderr.trim(), `pgopt: fleet file ${join(tmp, 'missing.json')} does not exist`);
  const zero = pgopt(['analyze', '--fleet', f, '--concurrency', '0']);
  assert.equal(zero.status, 2);
  assert.equal(zero.stderr.trim(), 'pgopt: --concurrency must be a positive whole number, not "0"');
  assert.match(pgopt(['snapshot', '--fleet', f, '--format', 'html']).stderr, /--format must be one of text, json/);
});

test('concurrency is bounded against a real server: at most N connections at once, a new one only after one finished', async () => {
  const events: string[] = [];
  let inFlight = 0;
  let peak = 0;
  let serverPeak = 0;
  const outcomes = await runFleet(
    [0, 1, 2, 3, 4, 5],
    async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      events.push(`start ${i}`);
      const c = new pg.Client({ connectionString: db.url, application_name: 'fleet-bound' });
      await c.connect();
      try {
        await c.query('SELECT pg_sleep(0.3)');
        const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'fleet-bound'`);
        serverPeak = Math.max(serverPeak, r.rows[0]?.n ?? 0);
      } finally {
        await c.end();
        inFlight--;
        events.push(`end ${i}`);
      }
      return i;
    },
    { concurrency: 2, timeoutMs: 30_000 },
  );
  assert.deepEqual(outcomes.map((o) => o.ok && o.value), [0, 1, 2, 3, 4, 5]);
  assert.equal(peak, 2, events.join(', '));
  assert.ok(serverPeak >= 1 && serverPeak <= 2, `the server saw ${serverPeak} fleet connections at once`);
  for (const i of [2, 3, 4, 5]) {
    const before = events.slice(0, events.indexOf(`start ${i}`));
    assert.ok(before.filter((e) => e.startsWith('end')).length >= i - 1, `start ${i} waited for a free slot: ${events.join(', ')}`);
  }
});

test('advise --fleet: recommendations per database, the unreachable one an error; --url with --fleet is one sentence', async () => {
  await db.exec(`CREATE TABLE adv (id int, k int); INSERT INTO adv SELECT g, g % 5000 FROM generate_series(1, 50000) g; ANALYZE adv;`, 'fleet_b');
  const c = new pg.Client({ connectionString: urlB });
  await c.connect();
  for (let i = 0; i < 500; i++) await c.query('SELECT * FROM adv WHERE k = $1', [i]);
  await c.end();
  try {
    const f = fleetFile('advise.json', [
      { name: 'b', url: urlB },
      { name: 'down', url: `postgres://postgres@127.0.0.1:${closedPort}/x?sslmode=disable` },
    ]);
    const r = pgopt(['advise', '--fleet', f, '--format', 'json']);
    assert.equal(r.status, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { databases: { name: string; verdict: string; report?: { recommendations: { sql: string }[] }; error?: string }[] };
    const b = out.databases.find((d) => d.name === 'b');
    assert.ok(b?.report?.recommendations.some((rec) => /ON "public"\."adv" \("k"\)/.test(rec.sql)), JSON.stringify(b?.report?.recommendations.map((x) => x.sql)));
    assert.equal(b?.verdict, 'warning');
    assert.match(out.databases.find((d) => d.name === 'down')?.error ?? '', /connection refused/);
    const text = pgopt(['advise', '--fleet', f]);
    assert.match(text.stdout, /^1\s+down\s+error/m);
    assert.match(text.stdout, /### b — warning[\s\S]*== Index recommendations/);
    const both = pgopt(['analyze', '--fleet', f, '--url', db.url]);
    assert.equal(both.status, 2);
    assert.match(both.stderr, /^pgopt: --url cannot be combined with --fleet/);
  } finally {
    await db.exec('DROP TABLE adv', 'fleet_b');
  }
});
