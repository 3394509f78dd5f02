// A short, evidence-based settings review: a setting is questioned only when the server's own statistics
// say it hurts — checkpoints requested by WAL volume (max_wal_size), temp spills (work_mem), replaced
// pg_stat_statements entries (pg_stat_statements.max), track_io_timing off, random_page_cost on SSD storage
// (only when pgopt.json says the storage is SSD: Postgres cannot tell). shared_buffers and
// effective_cache_size against the cache-hit figures are the Caching section's findings; the review lists
// them with the evidence and points there.
import type { MaintenanceSettings } from '../../config';
import type { Capabilities } from '../../db/capabilities';
import type { QueryRunner } from '../../db/session';
import { formatBytes, formatCount, formatPercent, truncateSql } from '../../format';
import type { Cell, ReportFinding } from '../../report/model';
import { pgssRelation } from '../queries/statements';
import type { CheckResult, MaintenanceCheck } from './checkResult';

export interface SettingsFacts {
  checkpointsTimed: number;
  checkpointsRequested: number;
  statsResetS: number | null;
  maxWalSizeMb: number;
  checkpointTimeoutS: number;
  workMemKb: number;
  sharedBuffersBytes: number;
  effectiveCacheSizeBytes: number;
  randomPageCost: number;
  trackIoTiming: boolean;
  tempFiles: number;
  tempBytes: number;
  blksHit: number;
  blksRead: number;
  /** null when pg_stat_statements is not usable. */
  pgss: { max: number; entries: number; dealloc: number | null } | null;
  /** Statements that wrote the most temp blocks (pg_stat_statements), for the work_mem evidence. */
  spills: { query: string; calls: number; tempBytes: number }[];
}

/** Temp spills worth a work_mem look: this many files, or this many bytes, since the statistics reset. */
export const TEMP_FILES_MIN = 10;
export const TEMP_BYTES_MIN = 64 * 1024 * 1024;

function nextPow2Mb(bytes: number): number {
  let mb = 4;
  while (mb * 1024 * 1024 < bytes && mb < 1024) mb *= 2;
  return mb;
}

export function assessSettings(f: SettingsFacts, cfg: MaintenanceSettings): CheckResult {
  const findings: ReportFinding[] = [];
  const rows: Record<string, Cell>[] = [];
  const row = (setting: string, value: string, evidence: string, verdict: string): void => {
    rows.push({ setting, value, evidence, verdict });
  };

  const cps = f.checkpointsTimed + f.checkpointsRequested;
  const reqShare = cps > 0 ? f.checkpointsRequested / cps : 0;
  const walTooSmall = f.checkpointsRequested >= 10 && reqShare >= 0.3;
  row('max_wal_size', `${formatCount(f.maxWalSizeMb)} MB`, `${formatCount(f.checkpointsRequested)} of ${formatCount(cps)} checkpoints requested by WAL volume (the rest by checkpoint_timeout ${f.checkpointTimeoutS} s)`, walTooSmall ? 'too small' : 'ok');
  if (walTooSmall) {
    const target = Math.max(2048, f.maxWalSizeMb * 2);
    findings.push({
      id: 'maintenance.settings-max-wal-size',
      severity: 'warning',
      title: `${formatPercent(reqShare, 0)} of checkpoints were forced by WAL volume: max_wal_size (${formatCount(f.maxWalSizeMb)} MB) is too small`,
      detail: `${formatCount(f.checkpointsRequested)} requested vs ${formatCount(f.checkpointsTimed)} timed checkpoints since the statistics reset. Each early checkpoint flushes dirty buffers in a burst and, with full_page_writes, makes the following writes log whole pages again.`,
      action: 'Raise max_wal_size so that checkpoints are driven by checkpoint_timeout (a reload is enough); mind the disk space pg_wal may then use.',
      sql: `ALTER SYSTEM SET max_wal_size = '${target}MB';\nSELECT pg_reload_conf();`,
    });
  }

  const spilled = f.tempFiles >= TEMP_FILES_MIN || f.tempBytes >= TEMP_BYTES_MIN;
  const meanSpill = f.tempFiles > 0 ? f.tempBytes / f.tempFiles : 0;
  row('work_mem', formatBytes(f.workMemKb * 1024), `${formatCount(f.tempFiles)} temp files, ${formatBytes(f.tempBytes)} in this database${f.tempFiles ? ` (mean ${formatBytes(meanSpill)})` : ''}`, spilled ? 'sorts/hashes spill' : 'ok');
  if (spilled) {
    const target = nextPow2Mb(meanSpill * 2);
    const top = f.spills.slice(0, 3).map((s) => `${truncateSql(s.query, 80)} (${formatBytes(s.tempBytes)} over ${formatCount(s.calls)} calls)`);
    findings.push({
      id: 'maintenance.settings-work-mem',
      severity: 'info',
      title: `Sorts and hashes spilled ${formatBytes(f.tempBytes)} to ${formatCount(f.tempFiles)} temp files (work_mem ${formatBytes(f.workMemKb * 1024)})`,
      detail: `A spill happens when an operation needs more than work_mem; the mean temp file here is ${formatBytes(meanSpill)}.${top.length ? ` Biggest spillers: ${top.join('; ')}.` : ''} work_mem is per sort/hash node per query, so a global raise multiplies across connections.`,
      action: target * 1024 > f.workMemKb
        ? `Raise work_mem for the queries that spill (SET work_mem in their session or ALTER ROLE … SET work_mem) rather than globally; if memory allows, a modest global raise to ${target} MB.`
        : 'The spills are bigger than any sensible work_mem: reduce the rows those queries sort or hash (an index matching the ORDER BY, a narrower GROUP BY).',
      ...(target * 1024 > f.workMemKb ? { sql: `ALTER SYSTEM SET work_mem = '${target}MB';\nSELECT pg_reload_conf();` } : {}),
    });
  }

  const blocks = f.blksHit + f.blksRead;
  const hit = blocks > 0 ? f.blksHit / blocks : null;
  row('shared_buffers', formatBytes(f.sharedBuffersBytes), `cache hit ratio ${hit === null ? 'unknown' : formatPercent(hit, 2)} in this database`, hit !== null && blocks >= 1000 && hit < 0.99 ? 'see the Caching section' : 'ok');
  row('effective_cache_size', formatBytes(f.effectiveCacheSizeBytes), `${(f.effectiveCacheSizeBytes / Math.max(1, f.sharedBuffersBytes)).toFixed(1)} × shared_buffers`, f.effectiveCacheSizeBytes < f.sharedBuffersBytes ? 'see the Caching section' : 'ok');

  const ssd = cfg.storage === 'ssd';
  const rpcHigh = ssd && f.randomPageCost >= 2;
  row('random_page_cost', String(f.randomPageCost), ssd ? 'storage is SSD (pgopt.json maintenance.storage)' : 'storage unknown (set maintenance.storage in pgopt.json)', rpcHigh ? 'too high for SSD' : ssd ? 'ok' : 'not judged');
  if (rpcHigh) {
    findings.push({
      id: 'maintenance.settings-random-page-cost',
      severity: 'info',
      title: `random_page_cost is ${f.randomPageCost} on SSD storage`,
      detail: 'The default 4 models spinning disks, where a random read costs four sequential ones; on SSD the difference is small, so the planner undervalues index scans.',
      action: 'Lower it to about 1.1 (a reload is enough), then compare the plans of your slow queries.',
      sql: `ALTER SYSTEM SET random_page_cost = 1.1;\nSELECT pg_reload_conf();`,
    });
  }

  row('track_io_timing', f.trackIoTiming ? 'on' : 'off', f.trackIoTiming ? 'I/O time is measured' : 'no I/O time in pg_stat_statements or EXPLAIN (BUFFERS)', f.trackIoTiming ? 'ok' : 'turn on');
  if (!f.trackIoTiming) {
    findings.push({
      id: 'maintenance.settings-track-io-timing',
      severity: 'info',
      title: 'track_io_timing is off',
      detail: 'Without it, pg_stat_statements and EXPLAIN (ANALYZE, BUFFERS) cannot say how much time queries spend reading from disk, which is the first thing to know about a slow query. On most hardware its cost is negligible (check with pg_test_timing).',
      action: 'Turn it on (a reload is enough).',
      sql: `ALTER SYSTEM SET track_io_timing = on;\nSELECT pg_reload_conf();`,
    });
  }

  if (f.pgss) {
    const dealloc = f.pgss.dealloc;
    const full = dealloc !== null && dealloc > 0;
    row('pg_stat_statements.max', formatCount(f.pgss.max), `${formatCount(f.pgss.entries)} distinct statements tracked${dealloc === null ? '' : `, ${formatCount(dealloc)} evictions (dealloc) since reset`}`, full ? 'too small' : 'ok');
    if (full) {
      findings.push({
        id: 'maintenance.settings-pgss-max',
        severity: 'warning',
        title: `pg_stat_statements evicted entries ${formatCount(dealloc)} times: pg_stat_statements.max (${formatCount(f.pgss.max)}) is too small`,
        detail: `It tracks ${formatCount(f.pgss.entries)} distinct statements and had to drop the least used ones; their statistics restart from zero, so workload analysis and index advice miss statements.`,
        action: 'Raise it (takes effect after a restart), or find what generates so many distinct statements (literals instead of parameters, IN lists of varying length).',
        sql: `ALTER SYSTEM SET pg_stat_statements.max = ${Math.max(10000, f.pgss.max * 2)};`,
      });
    }
  }
  return {
    findings,
    tables: [
      {
        id: 'settings-review',
        title: 'Settings review (judged only on evidence from the statistics)',
        columns: [
          { key: 'setting', label: 'Setting' },
          { key: 'value', label: 'Value' },
          { key: 'evidence', label: 'Evidence' },
          { key: 'verdict', label: 'Verdict' },
        ],
        rows,
        emptyText: '',
      },
    ],
  };
}

interface SettingsRow {
  timed: number;
  requested: number;
  reset_s: number | null;
  max_wal_mb: number;
  cp_timeout_s: number;
  work_mem_kb: number;
  shared_buffers: number;
  ecs: number;
  rpc: number;
  io_timing: string;
  temp_files: number;
  temp_bytes: number;
  blks_hit: number;
  blks_read: number;
  pgss_max: string | null;
}

export async function fetchSettingsFacts(q: QueryRunner, caps: Capabilities): Promise<SettingsFacts> {
  const v17 = caps.serverVersionNum >= 170000;
  const cp = v17
    ? `(SELECT num_timed FROM pg_stat_checkpointer)::float8 AS timed, (SELECT num_requested FROM pg_stat_checkpointer)::float8 AS requested,
       extract(epoch FROM now() - (SELECT stats_reset FROM pg_stat_checkpointer))::float8 AS reset_s`
    : `(SELECT checkpoints_timed FROM pg_stat_bgwriter)::float8 AS timed, (SELECT checkpoints_req FROM pg_stat_bgwriter)::float8 AS requested,
       extract(epoch FROM now() - (SELECT stats_reset FROM pg_stat_bgwriter))::float8 AS reset_s`;
  // Sizes from pg_settings (value × unit), so they do not depend on how the setting was written.
  const [r] = await q.query<SettingsRow>(`
    WITH s AS (SELECT name, setting::float8 AS v, unit FROM pg_settings
                WHERE name IN ('max_wal_size', 'checkpoint_timeout', 'work_mem', 'shared_buffers', 'effective_cache_size', 'random_page_cost')),
         b AS (SELECT CASE unit WHEN '8kB' THEN v * 8192 WHEN 'kB' THEN v * 1024 WHEN 'MB' THEN v * 1048576 ELSE v END AS bytes, v, name FROM s)
    SELECT ${cp},
           (SELECT bytes / 1048576 FROM b WHERE name = 'max_wal_size') AS max_wal_mb,
           (SELECT v FROM b WHERE name = 'checkpoint_timeout') AS cp_timeout_s,
           (SELECT bytes / 1024 FROM b WHERE name = 'work_mem') AS work_mem_kb,
           (SELECT bytes FROM b WHERE name = 'shared_buffers') AS shared_buffers,
           (SELECT bytes FROM b WHERE name = 'effective_cache_size') AS ecs,
           (SELECT v FROM b WHERE name = 'random_page_cost') AS rpc,
           current_setting('track_io_timing') AS io_timing,
           d.temp_files::float8 AS temp_files, d.temp_bytes::float8 AS temp_bytes,
           d.blks_hit::float8 AS blks_hit, d.blks_read::float8 AS blks_read,
           current_setting('pg_stat_statements.max', true) AS pgss_max
      FROM pg_stat_database d WHERE d.datname = current_database()`);
  if (!r) throw new Error('pg_stat_database has no row for this database');
  let pgss: SettingsFacts['pgss'] = null;
  let spills: SettingsFacts['spills'] = [];
  if (caps.extensions.pg_stat_statements.usable) {
    const rel = pgssRelation(caps);
    const [n] = await q.query<{ n: number }>(`SELECT count(*)::float8 AS n FROM ${rel}`);
    let dealloc: number | null = null;
    // pg_stat_statements 1.9+ (PostgreSQL 14+) counts evictions in pg_stat_statements_info.
    const info = pgssRelation(caps, 'pg_stat_statements_info');
    const [has] = await q.query<{ ok: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS ok`, [info]);
    if (has?.ok) {
      const [i] = await q.query<{ dealloc: number }>(`SELECT dealloc::float8 AS dealloc FROM ${info}`);
      dealloc = i?.dealloc ?? null;
    }
    pgss = { max: Number(r.pgss_max ?? 5000), entries: n?.n ?? 0, dealloc };
    const bs = await q.query<{ bs: number }>(`SELECT current_setting('block_size')::float8 AS bs`);
    spills = (
      await q.query<{ query: string; calls: number; temp_blks: number }>(`
        SELECT s.query, s.calls::float8 AS calls, s.temp_blks_written::float8 AS temp_blks
          FROM ${rel} s WHERE s.temp_blks_written > 0
           AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         ORDER BY s.temp_blks_written DESC LIMIT 5`)
    ).map((x) => ({ query: x.query, calls: x.calls, tempBytes: x.temp_blks * (bs[0]?.bs ?? 8192) }));
  }
  return {
    checkpointsTimed: r.timed,
    checkpointsRequested: r.requested,
    statsResetS: r.reset_s,
    maxWalSizeMb: r.max_wal_mb,
    checkpointTimeoutS: r.cp_timeout_s,
    workMemKb: r.work_mem_kb,
    sharedBuffersBytes: r.shared_buffers,
    effectiveCacheSizeBytes: r.ecs,
    randomPageCost: r.rpc,
    trackIoTiming: r.io_timing === 'on',
    tempFiles: r.temp_files,
    tempBytes: r.temp_bytes,
    blksHit: r.blks_hit,
    blksRead: r.blks_read,
    pgss,
    spills,
  };
}

export const settingsCheck: MaintenanceCheck = {
  id: 'settings',
  async run(q, ctx) {
    return assessSettings(await fetchSettingsFacts(q, ctx.caps), ctx.settings);
  },
};
