// Alert episodes with the local SQLite store (the zero-setup default), as with the shared one
// (sharedStore.test.ts): real `pgopt snapshot --store FILE` processes against a real server; the second run
// continues the episode the first one started, a later run that sees the condition gone closes it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Snapshot } from '../../src/core/metrics/snapshot';
import { openSqliteSnapshotStore } from '../../src/core/metrics/sqliteSnapshotStore';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
let db: TestPostgres;
const tmp = mkdtempSync(join(tmpdir(), 'pgopt-local-alerts-'));

before(async () => {
  db = await startTestPostgres();
});
after(async () => {
  await db?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function snapshot(dir: string, store: string): { snapshot: Snapshot; alerts: { sinceMs: number; message: string }[]; verdict: string } {
  const r = spawnSync(process.execPath, [CLI, 'snapshot', '--url', db.url, '--store', store, '--name', 'alerting', '--format', 'json'], { encoding: 'utf8', timeout: 120_000, cwd: dir, env: { ...process.env, PGOPT_DEBUG: '' } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { snapshot: Snapshot; alerts: { sinceMs: number; message: string }[]; verdict: string };
}

function rule(dir: string, threshold: number): void {
  writeFileSync(join(dir, 'pgopt.json'), JSON.stringify({ monitoring: { alerts: [{ metric: 'connections', op: '>=', threshold, forSeconds: 1, severity: 'warning', message: 'many connections' }] } }));
}

test('local store: an alert episode continues across CLI runs (forSeconds counts from the first run) and is closed once', async () => {
  const dir = mkdtempSync(join(tmp, 'run-'));
  const store = join(dir, 'history.sqlite');
  // Five idle sessions hold the condition (client backends ≥ threshold); closing them ends it.
  const holders = await Promise.all(
    Array.from({ length: 5 }, async () => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      return c;
    }),
  );
  const probe = snapshot(dir, join(dir, 'probe.sqlite')).snapshot.metrics.connections ?? 0;
  rule(dir, probe - 2);
  const first = snapshot(dir, store);
  const t1 = first.snapshot.takenAtMs;
  assert.deepEqual(first.alerts, [], 'not yet: the condition must hold for 1 s');
  await new Promise((r) => setTimeout(r, 1200));
  // A fresh evaluation (the state of one run only) would start the wait again here; the stored state fires it.
  const second = snapshot(dir, store);
  assert.equal(second.alerts.length, 1, JSON.stringify(second.alerts));
  assert.equal(second.alerts[0]?.sinceMs, t1);
  assert.equal(second.verdict, 'warning');
  assert.equal(snapshot(dir, store).alerts[0]?.sinceMs, t1, 'still the same episode');
  // The sessions are gone: the condition no longer holds and the run closes the episode.
  await Promise.all(holders.map((c) => c.end()));
  await db.exec(`DO $$ BEGIN FOR i IN 1..50 LOOP EXIT WHEN (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') <= ${probe - 5}; PERFORM pg_sleep(0.1); END LOOP; END $$`);
  assert.deepEqual(snapshot(dir, store).alerts, []);
  const file = openSqliteSnapshotStore(store);
  try {
    const episodes = file.alertEpisodes('alerting');
    assert.equal(episodes.length, 1, 'one episode, not one per run');
    assert.equal(episodes[0]?.startedMs, t1);
    assert.ok(episodes[0]?.clearedMs !== null && (episodes[0]?.clearedMs ?? 0) > t1, 'closed by the last run');
  } finally {
    file.close();
  }
});
