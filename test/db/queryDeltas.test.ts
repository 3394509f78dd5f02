// "What got slower" against a real server: two real snapshots around a workload whose lookup loses its index
// in between; the stored pair lists that statement as slower per call, in core and through pgopt analyze --store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { probeCapabilities, type Capabilities } from '../../src/core/db/capabilities';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { queryDeltasFromStore } from '../../src/core/metrics/queryDeltasSection';
import { collectSnapshot } from '../../src/core/metrics/snapshot';
import { openSqliteSnapshotStore } from '../../src/core/metrics/sqliteSnapshotStore';
import type { Report } from '../../src/core/report/model';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
// A hostile table name: it must come back as data in the statement text, never break anything.
const HOSTILE = `look "up" <b>`;
const LOOKUP = `SELECT pad FROM ${pg.escapeIdentifier(HOSTILE)} WHERE k = $1`;
let db: TestPostgres;
let session: DbSession;
let caps: Capabilities;
const tmp = mkdtempSync(join(tmpdir(), 'pgopt-deltas-'));

before(async () => {
  db = await startTestPostgres();
  await db.exec(`
    CREATE TABLE ${pg.escapeIdentifier(HOSTILE)} (k int, pad text);
    INSERT INTO ${pg.escapeIdentifier(HOSTILE)} SELECT g, repeat('x', 100) FROM generate_series(1, 300000) g;
    CREATE INDEX lookup_k ON ${pg.escapeIdentifier(HOSTILE)} (k);
    ANALYZE ${pg.escapeIdentifier(HOSTILE)};
  `);
  session = await DbSession.open(resolveUrl(db.url, nodeEnvAccess({}), 'deltas-test'));
  caps = await session.readOnly((q) => probeCapabilities(q));
});

after(async () => {
  await session?.close();
  await db?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function lookups(n: number): Promise<void> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    for (let i = 0; i < n; i++) await c.query(LOOKUP, [1 + ((i * 7919) % 300000)]);
  } finally {
    await c.end();
  }
}

test('an index dropped between two real snapshots: the lookup is listed as slower per call', async (t) => {
  // A clean slate so the lookup is among the snapshot's top statements from the start.
  await db.exec('SELECT pg_stat_statements_reset()');
  await lookups(40);
  const store = openSqliteSnapshotStore(join(tmp, 'core.sqlite'));
  t.after(() => store.close());
  store.add('test', await collectSnapshot(session, { caps }));
  await db.exec('DROP INDEX lookup_k');
  await lookups(40);
  store.add('test', await collectSnapshot(session, { caps }));

  const s = queryDeltasFromStore(store, 'test');
  assert.equal(s.id, 'query-deltas');
  assert.equal(s.status, 'warning', s.summary);
  assert.match(s.summary, /^Compared with the snapshot of \d\d:\d\d UTC, \d+ s before the newest/);
  const slower = s.tables.find((x) => x.id === 'slower');
  const row = slower?.rows.find((r) => String(r.query).includes(`WHERE k = $1`));
  assert.ok(row, JSON.stringify(slower?.rows));
  assert.equal(row.calls, 40);
  assert.equal(row.basis, 'difference');
  assert.ok(String(row.query).includes(pg.escapeIdentifier(HOSTILE)), 'the hostile name is kept verbatim');
  const factor = Number(String(row.slowdown).replace('×', ''));
  assert.ok(factor >= 3, `a seq scan of 300,000 rows against an index lookup: ${row.slowdown}`);
  t.diagnostic(`lookup ${row.before} → ${row.now} per call (${row.slowdown}); ${s.summary}`);
  const finding = s.findings.find((f) => f.id === 'query-deltas.slower');
  assert.ok(finding?.sql?.includes('WHERE k = $1'));
  await db.exec(`CREATE INDEX lookup_k ON ${pg.escapeIdentifier(HOSTILE)} (k)`);
});

test('pgopt analyze --store: two cron snapshots around the slowdown give a "What got slower" section', async () => {
  const file = join(tmp, 'cli.sqlite');
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmp, timeout: 60_000 });
  await db.exec('SELECT pg_stat_statements_reset()');
  await lookups(30);
  const first = run(['snapshot', '--url', db.url, '--store', file]);
  assert.equal(first.status, 0, first.stderr);
  await db.exec('DROP INDEX lookup_k');
  await lookups(30);
  const second = run(['snapshot', '--url', db.url, '--store', file]);
  assert.equal(second.status, 0, second.stderr);

  const analyze = (args: string[]) => run(['analyze', '--url', db.url, '--sections', 'health', '--store', file, ...args]);
  const json = analyze(['--format', 'json', '--since', '2']);
  assert.equal(json.status, 0, json.stderr);
  const report = JSON.parse(json.stdout) as Report;
  assert.ok(report.sections.some((x) => x.id === 'trends'), 'the Trends section stays');
  const s = report.sections.find((x) => x.id === 'query-deltas');
  assert.ok(s, report.sections.map((x) => x.id).join(','));
  const row = s.tables.find((x) => x.id === 'slower')?.rows.find((r) => String(r.query).includes('WHERE k = $1'));
  assert.ok(row, JSON.stringify(s.tables));
  assert.equal(row.calls, 30);
  assert.ok(report.summary.warnings >= 1, 'its findings count in the summary');

  const md = analyze(['--format', 'markdown']);
  if (process.env.PGOPT_SHOW_DELTAS) process.stderr.write(md.stdout.slice(md.stdout.indexOf('## What got slower')));
  assert.match(md.stdout, /## What got slower — warning/);
  const html = analyze(['--format', 'html']);
  assert.match(html.stdout, /<details class="section" id="section-query-deltas"/);
  assert.doesNotMatch(html.stdout, /<b>/, 'the hostile name is escaped');

  // A baseline time after every snapshot: nothing to compare with, said plainly.
  const late = analyze(['--format', 'json', '--baseline', '2999-01-01T00:00Z']);
  assert.equal(late.status, 0, late.stderr);
  const lateSection = (JSON.parse(late.stdout) as Report).sections.find((x) => x.id === 'query-deltas');
  assert.equal(lateSection?.unavailable.length, 1);
  // Bad options are a clean exit 2 before connecting.
  for (const bad of [['--since', '0'], ['--since', 'soon'], ['--baseline', 'this morning'], ['--since', '2', '--baseline', '2026-01-01']]) {
    const r = analyze(bad);
    assert.equal(r.status, 2, `${bad.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /--since|--baseline/);
  }
  const noStore = run(['analyze', '--url', db.url, '--since', '3']);
  assert.equal(noStore.status, 2);
  assert.match(noStore.stderr, /give --store FILE/);

  // The snapshot sections are sections like the others: --sections names them (and then only what it names runs) ...
  const only = run(['analyze', '--url', db.url, '--store', file, '--sections', 'query-deltas', '--format', 'json', '--since', '2']);
  assert.equal(only.status, 0, only.stderr);
  assert.deepEqual((JSON.parse(only.stdout) as Report).sections.map((x) => x.id), ['query-deltas']);
  // ... and they read stored snapshots: without --store that is a clean exit 2.
  const trendsNoStore = run(['analyze', '--url', db.url, '--sections', 'health,trends']);
  assert.equal(trendsNoStore.status, 2);
  assert.match(trendsNoStore.stderr, /trends read stored snapshots: give --store FILE/);
});
