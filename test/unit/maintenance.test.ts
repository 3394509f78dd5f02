import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAINTENANCE, parseMaintenanceSettings } from '../../src/core/config';
import { estimateBtreeBloat, estimateTableBloat, type IndexStatsRow, type TableStatsRow } from '../../src/core/analyzers/maintenance/bloat';
import { assessHorizon, type HorizonHolder } from '../../src/core/analyzers/maintenance/horizon';
import { assessReplication, type StandbyRow } from '../../src/core/analyzers/maintenance/replication';
import { assessSettings, type SettingsFacts } from '../../src/core/analyzers/maintenance/settingsReview';
import { assessBloat, assessSlots, relationGrowth, type SlotRow } from '../../src/core/analyzers/maintenance/space';
import { assessDeadTupleGrowth, assessVacuum, effectiveAutovacuum, type AutovacuumSettings, type VacuumTableRow } from '../../src/core/analyzers/maintenance/vacuum';
import type { Snapshot } from '../../src/core/metrics/snapshot';

const cfg = DEFAULT_MAINTENANCE;
const AV: AutovacuumSettings = {
  autovacuum: true,
  track_counts: true,
  vacuum_threshold: 50,
  vacuum_scale_factor: 0.2,
  analyze_threshold: 50,
  analyze_scale_factor: 0.1,
  insert_threshold: 1000,
  insert_scale_factor: 0.2,
  freeze_max_age: 200_000_000,
  max_workers: 3,
};

function table(over: Partial<VacuumTableRow>): VacuumTableRow {
  return {
    schema: 'public',
    table: 't',
    live: 100_000,
    dead: 0,
    mod_since_analyze: 0,
    ins_since_vacuum: 0,
    reltuples: 100_000,
    last_vacuum_s: null,
    last_autovacuum_s: 3600,
    last_analyze_s: null,
    last_autoanalyze_s: 3600,
    autovacuum_count: 1,
    autoanalyze_count: 1,
    freeze_age: 1000,
    reloptions: null,
    vacuuming: false,
    ...over,
  };
}

test('effective autovacuum thresholds: reloptions win, reltuples -1 counts as 0, freeze age can only go down', () => {
  const e = effectiveAutovacuum({ reloptions: ['autovacuum_vacuum_scale_factor=0.01', 'autovacuum_vacuum_threshold=1000', 'autovacuum_freeze_max_age=500000000'], reltuples: 1_000_000 }, AV);
  assert.equal(e.vacuumTrigger, 1000 + 0.01 * 1_000_000);
  assert.equal(e.analyzeTrigger, 50 + 0.1 * 1_000_000);
  assert.equal(e.freezeMaxAge, 200_000_000, 'a table cannot raise autovacuum_freeze_max_age');
  assert.equal(e.tableScaleFactor, true);
  assert.equal(effectiveAutovacuum({ reloptions: null, reltuples: -1 }, AV).vacuumTrigger, 50);
  const off = effectiveAutovacuum({ reloptions: ['autovacuum_enabled=false'], reltuples: 10 }, { ...AV, autovacuum: false });
  assert.deepEqual([off.enabled, off.disabledBy, off.tableDisabled], [false, 'server', true]);
});

test('vacuum: dead rows past the threshold and ratio are findings with VACUUM (ANALYZE) on the quoted name', () => {
  const r = assessVacuum(
    {
      tables: [
        table({ table: 'Hot "t"', live: 60_000, dead: 40_000 }),
        table({ table: 'small', live: 100, dead: 900 }),
        table({ table: 'fine', live: 100_000, dead: 10_000 }),
      ],
      settings: AV,
      running: [],
      workersBusy: 0,
    },
    cfg,
  );
  const dead = r.findings?.filter((f) => f.id === 'maintenance.dead-tuples') ?? [];
  assert.deepEqual(dead.map((f) => f.object?.name), ['Hot "t"'], 'small has too few dead rows, fine too low a ratio');
  assert.equal(dead[0]?.sql, 'VACUUM (ANALYZE) "public"."Hot ""t""";');
  assert.equal(dead[0]?.severity, 'warning', '40 % is a warning');
  assert.match(dead[0]?.detail ?? '', /past autovacuum's threshold of 20,050 dead rows/);
  const worse = assessVacuum({ tables: [table({ live: 40_000, dead: 60_000 })], settings: AV, running: [], workersBusy: 0 }, cfg);
  assert.equal(worse.findings?.[0]?.severity, 'error', '60 % and 10× the minimum is an error');
  assert.equal(r.metrics?.find((m) => m.id === 'dead-tuples')?.value, 50_900);
});

test('vacuum: never analyzed, stale statistics, large tables on the default scale factor, freeze age, saturated workers', () => {
  const r = assessVacuum(
    {
      tables: [
        table({ table: 'fresh', last_analyze_s: null, last_autoanalyze_s: null, live: 5000, reltuples: -1 }),
        table({ table: 'stale', mod_since_analyze: 20_000 }),
        table({ table: 'big', reltuples: 5_000_000, live: 5_000_000 }),
        table({ table: 'big_tuned', reltuples: 5_000_000, live: 5_000_000, reloptions: ['autovacuum_vacuum_scale_factor=0.01'] }),
        table({ table: 'old', freeze_age: 260_000_000 }),
      ],
      settings: AV,
      running: [{ pid: 1, database: 'db', relation: 'public.big', phase: 'scanning heap', autovacuum: true, wraparound: false, heap_blks_total: 100, heap_blks_scanned: 50, running_s: 10 }],
      workersBusy: 3,
    },
    cfg,
  );
  const by = (id: string): string[] => (r.findings ?? []).filter((f) => f.id === id).map((f) => f.object?.name ?? '');
  assert.deepEqual(by('maintenance.never-analyzed'), ['fresh']);
  assert.deepEqual(by('maintenance.stale-statistics'), ['stale']);
  assert.deepEqual(by('maintenance.autovacuum-scale-factor'), ['big']);
  assert.match(r.findings?.find((f) => f.id === 'maintenance.autovacuum-scale-factor')?.sql ?? '', /^ALTER TABLE "public"\."big" SET \(autovacuum_vacuum_scale_factor = 0\.01/);
  const freeze = r.findings?.find((f) => f.id === 'maintenance.freeze-age');
  assert.deepEqual([freeze?.object?.name, freeze?.severity, freeze?.sql], ['old', 'warning', 'VACUUM (FREEZE, ANALYZE) "public"."old";']);
  const sat = r.findings?.find((f) => f.id === 'maintenance.autovacuum-workers-saturated');
  assert.match(sat?.detail ?? '', /public\.big \(scanning heap\)/);
  assert.equal(r.tables?.find((t) => t.id === 'vacuum-running')?.rows[0]?.progress, '50 %');
  const quiet = assessVacuum({ tables: [table({})], settings: AV, running: [], workersBusy: 2 }, cfg);
  assert.deepEqual(quiet.findings, []);
});

function snap(ms: number, vacuum: Snapshot['vacuum'], tables: Snapshot['tables'] = []): Snapshot {
  return {
    schemaVersion: 1,
    takenAt: new Date(ms).toISOString(),
    takenAtMs: ms,
    database: 'db',
    serverVersionNum: 150000,
    statsReset: null,
    inRecovery: false,
    maxConnections: 100,
    dbSizeEstimated: false,
    metrics: {},
    connectionsByState: {},
    statements: null,
    tables,
    indexes: [],
    replicas: [],
    ...(vacuum ? { vacuum } : {}),
    durationMs: 1,
  };
}

test('dead rows growing across snapshots without an autovacuum; not when autovacuum ran or with too few snapshots', () => {
  const v = (dead: number, autovacuumCount = 4) => [{ schema: 'public', name: 'hot', dead, live: 1000, autovacuumCount }];
  const grow = assessDeadTupleGrowth([snap(0, v(100)), snap(3_600_000, v(5000)), snap(7_200_000, v(9000))], cfg);
  assert.equal(grow.findings?.length, 1);
  assert.match(grow.findings?.[0]?.title ?? '', /100 → 9,000/);
  assert.match(grow.findings?.[0]?.detail ?? '', /2\.0 h/);
  assert.equal(assessDeadTupleGrowth([snap(0, v(100)), snap(1, v(5000, 5)), snap(2, v(9000, 5))], cfg).findings?.length, 0, 'autovacuum ran in between');
  assert.equal(assessDeadTupleGrowth([snap(0, v(100)), snap(1, v(9000)), snap(2, v(5000))], cfg).findings?.length, 0, 'not growing at every step');
  assert.deepEqual(assessDeadTupleGrowth([snap(0, v(100)), snap(1, v(9000))], cfg), {}, 'two snapshots are not a trend');
  assert.deepEqual(assessDeadTupleGrowth([snap(0, undefined), snap(1, undefined), snap(2, undefined)], cfg), {}, 'old snapshots without vacuum figures');
});

function holder(over: Partial<HorizonHolder>): HorizonHolder {
  return { kind: 'session', pid: 42, name: 'app@db', database: 'db', xmin_age: 10, held_s: 10, state: 'idle in transaction', active: null, detail: 'SELECT 1', catalog: false, ...over };
}

test('xmin horizon: holders past the time or age thresholds are findings with the SQL that releases them', () => {
  const r = assessHorizon(
    {
      holders: [
        holder({ pid: 7, held_s: 3600 }),
        holder({ pid: 8, held_s: 5 }),
        holder({ kind: 'prepared', pid: null, name: "it's", held_s: 900, state: 'prepared', detail: 'owner' }),
        holder({ kind: 'slot', pid: null, name: 'gone', active: false, held_s: null, xmin_age: 150_000_000, state: 'logical' }),
        holder({ kind: 'standby', pid: 9, name: 'replica1', held_s: null, xmin_age: 2_000_000, database: null }),
      ],
      freezeMaxAge: 200_000_000,
      database: 'db',
    },
    cfg,
  );
  const sql = Object.fromEntries((r.findings ?? []).map((f) => [f.id, f.sql]));
  assert.deepEqual(Object.keys(sql).sort(), ['maintenance.horizon-prepared', 'maintenance.horizon-session', 'maintenance.horizon-standby']);
  assert.equal(sql['maintenance.horizon-session'], 'SELECT pg_terminate_backend(7);');
  assert.equal(sql['maintenance.horizon-prepared'], `ROLLBACK PREPARED 'it''s';`);
  assert.equal(sql['maintenance.horizon-standby'], undefined, 'fixed on the standby, not here');
  assert.equal(r.metrics?.[0]?.value, 150_000_000, 'the oldest holder is the inactive slot (reported by the slot check)');
  assert.equal(r.tables?.[0]?.rows.length, 5);
  const urgent = assessHorizon({ holders: [holder({ xmin_age: 120_000_000 })], freezeMaxAge: 200_000_000, database: 'db' }, cfg);
  assert.equal(urgent.findings?.[0]?.severity, 'error', 'past half of autovacuum_freeze_max_age');
});

const LAYOUT = { blockSize: 8192, maxAlign: 8 };

test('table bloat estimate: tuple size from statistics, fillfactor, TOAST; unreliable without statistics', () => {
  // 3 int-ish columns of 4 bytes, no nulls: 24 B header + 16 B data (12 aligned to 8) + 4 B line pointer = 44 B,
  // 185 per page; 18,500 rows need 100 pages.
  const row: TableStatsRow = { schema: 's', table: 't', reltuples: 18_500, heap_pages: 400, toast_pages: 0, toast_tuples: 0, fillfactor: 100, columns: 3, columns_with_stats: 3, max_null_frac: 0, data_width: 12, has_name_column: false };
  const e = estimateTableBloat(row, LAYOUT);
  assert.deepEqual([e.expectedPages, e.actualPages, e.wastedBytes, e.ratio, e.reliable], [100, 400, 300 * 8192, 0.75, true]);
  assert.equal(estimateTableBloat({ ...row, fillfactor: 50 }, LAYOUT).expectedPages, 202, 'half-full pages by design are not bloat (92 rows a page)');
  assert.equal(estimateTableBloat({ ...row, toast_tuples: 40, toast_pages: 10 }, LAYOUT).expectedPages, 110);
  assert.equal(estimateTableBloat({ ...row, heap_pages: 90 }, LAYOUT).wastedBytes, 0, 'never negative');
  const partial = estimateTableBloat({ ...row, columns_with_stats: 2 }, LAYOUT);
  assert.equal(partial.reliable, false);
  assert.match(partial.reason ?? '', /ANALYZE/);
});

test('btree bloat estimate: 20 B per int4 entry, 90 % fillfactor, plus the metapage', () => {
  const row: IndexStatsRow = { schema: 's', table: 't', index: 'i', reltuples: 36_600, pages: 201, fillfactor: 90, columns: 1, columns_with_stats: 1, max_null_frac: 0, data_width: 4, has_name_column: false };
  const e = estimateBtreeBloat(row, LAYOUT);
  // (8192 − 24 − 16) × 0.9 / 20 = 366.8 → 366 per page → 100 leaf pages + metapage.
  assert.deepEqual([e.expectedPages, e.ratio], [101, 100 / 201]);
  assert.equal(estimateBtreeBloat({ ...row, max_null_frac: 0.1 }, LAYOUT).expectedPages, 1 + Math.ceil(36_600 / Math.floor((8152 * 0.9) / 28)), 'a null bitmap widens the header');
});

test('bloat findings only when reliable and above both thresholds; REINDEX CONCURRENTLY from PG 12', () => {
  const t: TableStatsRow = { schema: 's', table: 'bloated', reltuples: 18_500, heap_pages: 4000, toast_pages: 0, toast_tuples: 0, fillfactor: 100, columns: 3, columns_with_stats: 3, max_null_frac: 0, data_width: 12, has_name_column: false };
  const i: IndexStatsRow = { schema: 's', table: 'bloated', index: 'bloated_pkey', reltuples: 36_600, pages: 2010, fillfactor: 90, columns: 1, columns_with_stats: 1, max_null_frac: 0, data_width: 4, has_name_column: false };
  const r = assessBloat({ layout: LAYOUT, tables: [t, { ...t, table: 'nostats', columns_with_stats: 0 }], indexes: [i], serverVersionNum: 150000 }, cfg);
  assert.deepEqual(r.findings?.map((f) => [f.id, f.object?.name, f.severity]), [
    ['maintenance.table-bloat', 'bloated', 'warning'],
    ['maintenance.index-bloat', 'bloated_pkey', 'warning'],
  ]);
  assert.equal(r.findings?.[0]?.sql, undefined, 'no one-click rewrite of a table');
  assert.equal(r.findings?.[1]?.sql, 'REINDEX INDEX CONCURRENTLY "s"."bloated_pkey";');
  assert.equal(assessBloat({ layout: LAYOUT, tables: [t], indexes: [i], serverVersionNum: 110000 }, cfg).findings?.[1]?.sql, undefined);
  assert.deepEqual(assessBloat({ layout: LAYOUT, tables: [t], indexes: [], serverVersionNum: 150000 }, { ...cfg, bloatMinBytes: 1024 ** 3 }).findings, []);
  assert.ok(r.tables?.[0]?.rows.some((row) => row.relation === 's.nostats' && String(row.note).includes('no statistics')));
});

function slot(over: Partial<SlotRow>): SlotRow {
  return { name: 'x', type: 'physical', database: null, active: true, temporary: false, wal_status: 'reserved', safe_wal_size: null, retained_bytes: 1000, xmin_age: null, ...over };
}

test('slots: inactive, lost and far behind, each with what to do; the largest retention is the metric', () => {
  const r = assessSlots(
    {
      slots: [
        slot({ name: "old'one", active: false, retained_bytes: 5 * 1024 ** 3 }),
        slot({ name: 'dead', active: false, wal_status: 'lost', retained_bytes: null }),
        slot({ name: 'slow', retained_bytes: 2 * 1024 ** 3, wal_status: 'extended' }),
        slot({ name: 'ok' }),
        slot({ name: 'idle', active: false, retained_bytes: 1000 }),
      ],
      maxSlotWalKeepSize: '-1',
      maxWalSize: '1GB',
    },
    cfg,
  );
  assert.deepEqual(r.findings?.map((f) => [f.id, f.severity]), [
    ['maintenance.slot-inactive', 'error'],
    ['maintenance.slot-lost', 'error'],
    ['maintenance.slot-retained-wal', 'warning'],
    ['maintenance.slot-inactive', 'warning'],
  ]);
  assert.equal(r.findings?.[0]?.sql, `SELECT pg_drop_replication_slot('old''one');`);
  assert.match(r.findings?.[0]?.detail ?? '', /no limit/);
  assert.equal(r.findings?.[2]?.sql, undefined, 'an active slot is not dropped');
  assert.equal(r.metrics?.[0]?.value, 5 * 1024 ** 3);
});

test('relation growth: against the oldest stored snapshot listing the table', () => {
  const g = relationGrowth(
    [{ schema: 'public', name: 'a', total: 3000, heap: 0, toast: 0, indexes: 0, rows: 0 }],
    [snap(1000, undefined, [{ schema: 'public', name: 'b', bytes: 1 }]), snap(2000, undefined, [{ schema: 'public', name: 'a', bytes: 1000 }]), snap(3000, undefined, [{ schema: 'public', name: 'a', bytes: 2500 }])],
    10_000,
  );
  assert.deepEqual(g.get('public.a'), { bytes: 2000, sinceMs: 2000 });
});

function standby(over: Partial<StandbyRow>): StandbyRow {
  return { pid: 1, name: 'r1', client: '10.0.0.2', state: 'streaming', sync_state: 'async', sent_lag_bytes: 0, write_lag_bytes: 0, flush_lag_bytes: 0, replay_lag_bytes: 0, write_lag_s: 0, flush_lag_s: 0, replay_lag_s: 0, feedback_xmin: false, reply_age_s: 1, ...over };
}

test('replication on a primary: not streaming and lagging standbys', () => {
  const r = assessReplication({ role: 'primary', standbys: [standby({ name: 'catching', state: 'catchup' }), standby({ name: 'slow', replay_lag_s: 300, replay_lag_bytes: 5e6 }), standby({})] }, cfg);
  assert.deepEqual(r.findings?.map((f) => f.id), ['maintenance.standby-not-streaming', 'maintenance.standby-lag']);
  assert.equal(r.metrics?.find((m) => m.id === 'replication-lag')?.value, 300);
  assert.equal(assessReplication({ role: 'primary', standbys: [] }, cfg).tables?.[0]?.emptyText, 'No standby is connected to this server.');
});

test('replication on a standby: receiver down, paused replay (with its SQL), lag only when WAL waits for replay, conflicts', () => {
  const base = { receiver: { status: 'streaming', sender: 'p:5432', slot: null, last_msg_age_s: 1 }, receive_replay_bytes: 0, replay_age_s: 3600, replay_paused: false, hot_standby_feedback: false, conflicts: { tablespace: 0, lock: 0, snapshot: 0, bufferpin: 0, deadlock: 0 } };
  assert.deepEqual(assessReplication({ role: 'standby', standby: base }, cfg).findings, [], 'an idle primary is not lag');
  const r = assessReplication(
    { role: 'standby', standby: { ...base, receiver: null, receive_replay_bytes: 1e6, replay_paused: true, conflicts: { ...base.conflicts, snapshot: 3 } } },
    cfg,
  );
  assert.deepEqual(r.findings?.map((f) => f.id), ['maintenance.standby-receiver', 'maintenance.standby-replay-paused', 'maintenance.standby-replay-lag', 'maintenance.standby-conflicts']);
  assert.equal(r.findings?.[1]?.sql, 'SELECT pg_wal_replay_resume();');
  assert.match(r.findings?.[3]?.action ?? '', /Turn hot_standby_feedback on/);
});

const SETTINGS: SettingsFacts = {
  checkpointsTimed: 100,
  checkpointsRequested: 5,
  statsResetS: 86400,
  maxWalSizeMb: 1024,
  checkpointTimeoutS: 300,
  workMemKb: 4096,
  sharedBuffersBytes: 128 * 1024 ** 2,
  effectiveCacheSizeBytes: 4 * 1024 ** 3,
  randomPageCost: 4,
  trackIoTiming: true,
  tempFiles: 0,
  tempBytes: 0,
  blksHit: 990,
  blksRead: 10,
  pgss: { max: 5000, entries: 1200, dealloc: 0 },
  spills: [],
};

test('settings review: silent without evidence; each finding names its evidence', () => {
  assert.deepEqual(assessSettings(SETTINGS, cfg).findings, []);
  assert.equal(assessSettings(SETTINGS, cfg).tables?.[0]?.rows.length, 7);
  const r = assessSettings(
    { ...SETTINGS, checkpointsRequested: 80, tempFiles: 40, tempBytes: 400 * 1024 ** 2, trackIoTiming: false, pgss: { max: 5000, entries: 5000, dealloc: 17 }, spills: [{ query: 'SELECT * FROM t ORDER BY x', calls: 3, tempBytes: 300 * 1024 ** 2 }] },
    { ...cfg, storage: 'ssd' },
  );
  const sql = Object.fromEntries((r.findings ?? []).map((f) => [f.id, f.sql]));
  assert.equal(sql['maintenance.settings-max-wal-size'], `ALTER SYSTEM SET max_wal_size = '2048MB';\nSELECT pg_reload_conf();`);
  assert.equal(sql['maintenance.settings-work-mem'], `ALTER SYSTEM SET work_mem = '32MB';\nSELECT pg_reload_conf();`, 'mean spill 10 MB → twice, rounded up to a power of two');
  assert.equal(sql['maintenance.settings-pgss-max'], 'ALTER SYSTEM SET pg_stat_statements.max = 10000;');
  assert.ok('maintenance.settings-track-io-timing' in sql);
  assert.ok('maintenance.settings-random-page-cost' in sql, 'storage says SSD');
  assert.match(r.findings?.find((f) => f.id === 'maintenance.settings-work-mem')?.detail ?? '', /SELECT \* FROM t ORDER BY x/);
  assert.ok(!assessSettings({ ...SETTINGS, randomPageCost: 1.1 }, { ...cfg, storage: 'ssd' }).findings?.length);
});

test('pgopt.json maintenance settings: defaults, overrides, and a clear problem for a bad value', () => {
  assert.deepEqual(parseMaintenanceSettings(undefined).settings, DEFAULT_MAINTENANCE);
  assert.equal(parseMaintenanceSettings({ storage: 'ssd', deadRatio: 0.1 }).settings.deadRatio, 0.1);
  const bad = parseMaintenanceSettings({ storage: 'nvme' });
  assert.equal(bad.settings.storage, 'unknown');
  assert.equal(bad.problems[0]?.path, 'pgopt.json maintenance.storage');
});
