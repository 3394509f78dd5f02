// Vacuum and analyze: per table dead tuples, modifications since the last analyze, how far each table is
// from the thresholds autovacuum uses (global settings and per-table reloptions), freeze age, the vacuums
// running now and whether autovacuum_max_workers is saturated, and (from stored snapshots) tables whose
// dead tuples keep growing while autovacuum does not run on them.
import type { MaintenanceSettings } from '../../config';
import { formatCount, formatDuration, formatPercent } from '../../format';
import type { Snapshot } from '../../metrics/snapshot';
import type { ReportFinding, ReportTable, Status } from '../../report/model';
import { qualifiedName } from '../../sql/quote';
import type { QueryRunner } from '../../db/session';
import { plural, USER_SCHEMAS_FILTER, type CheckResult, type MaintenanceCheck } from './checkResult';

export interface VacuumTableRow {
  schema: string;
  table: string;
  live: number;
  dead: number;
  mod_since_analyze: number;
  /** PostgreSQL 13+: inserts since the last vacuum (the insert threshold). */
  ins_since_vacuum: number | null;
  /** pg_class.reltuples; -1 (14+) when never vacuumed or analyzed. */
  reltuples: number;
  last_vacuum_s: number | null;
  last_autovacuum_s: number | null;
  last_analyze_s: number | null;
  last_autoanalyze_s: number | null;
  autovacuum_count: number;
  autoanalyze_count: number;
  freeze_age: number;
  reloptions: string[] | null;
  /** A vacuum (manual or auto) is running on it now. */
  vacuuming: boolean;
}

export interface AutovacuumSettings {
  autovacuum: boolean;
  track_counts: boolean;
  vacuum_threshold: number;
  vacuum_scale_factor: number;
  analyze_threshold: number;
  analyze_scale_factor: number;
  /** null before PostgreSQL 13. */
  insert_threshold: number | null;
  insert_scale_factor: number | null;
  freeze_max_age: number;
  max_workers: number;
}

export interface RunningVacuumRow {
  pid: number;
  database: string;
  relation: string;
  phase: string;
  autovacuum: boolean;
  wraparound: boolean;
  heap_blks_total: number;
  heap_blks_scanned: number;
  running_s: number | null;
}

export interface VacuumFacts {
  tables: VacuumTableRow[];
  settings: AutovacuumSettings;
  running: RunningVacuumRow[];
  /** Autovacuum worker processes on the server now. */
  workersBusy: number;
}

/** The table's effective autovacuum parameters: reloptions over the server settings. */
export interface EffectiveAutovacuum {
  enabled: boolean;
  disabledBy?: 'server' | 'table';
  /** The table's own reloptions say autovacuum_enabled = false (whatever the server says). */
  tableDisabled: boolean;
  vacuumThreshold: number;
  vacuumScaleFactor: number;
  analyzeThreshold: number;
  analyzeScaleFactor: number;
  freezeMaxAge: number;
  /** Dead tuples at which autovacuum vacuums it. */
  vacuumTrigger: number;
  /** Changed rows at which autovacuum analyzes it. */
  analyzeTrigger: number;
  /** Whether the scale factors come from the table's own reloptions. */
  tableScaleFactor: boolean;
}

export function parseReloptions(opts: readonly string[] | null): Map<string, string> {
  const m = new Map<string, string>();
  for (const o of opts ?? []) {
    const i = o.indexOf('=');
    if (i > 0) m.set(o.slice(0, i).toLowerCase(), o.slice(i + 1));
  }
  return m;
}

function num(m: Map<string, string>, key: string): number | undefined {
  const v = m.get(key);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Mirrors relation_needs_vacanalyze() in autovacuum.c: reloptions win, reltuples < 0 counts as 0. */
export function effectiveAutovacuum(row: Pick<VacuumTableRow, 'reloptions' | 'reltuples'>, s: AutovacuumSettings): EffectiveAutovacuum {
  const r = parseReloptions(row.reloptions);
  const tableOff = r.get('autovacuum_enabled')?.toLowerCase();
  const tableDisabled = tableOff === 'false' || tableOff === 'off' || tableOff === '0';
  const serverOff = !s.autovacuum || !s.track_counts;
  const vacuumThreshold = num(r, 'autovacuum_vacuum_threshold') ?? s.vacuum_threshold;
  const relVacScale = num(r, 'autovacuum_vacuum_scale_factor');
  const vacuumScaleFactor = relVacScale ?? s.vacuum_scale_factor;
  const analyzeThreshold = num(r, 'autovacuum_analyze_threshold') ?? s.analyze_threshold;
  const relAnScale = num(r, 'autovacuum_analyze_scale_factor');
  const analyzeScaleFactor = relAnScale ?? s.analyze_scale_factor;
  const relFreeze = num(r, 'autovacuum_freeze_max_age');
  // A table may only lower autovacuum_freeze_max_age.
  const freezeMaxAge = relFreeze !== undefined ? Math.min(relFreeze, s.freeze_max_age) : s.freeze_max_age;
  const tuples = Math.max(0, row.reltuples);
  return {
    enabled: !serverOff && !tableDisabled,
    tableDisabled,
    ...(serverOff ? { disabledBy: 'server' as const } : tableDisabled ? { disabledBy: 'table' as const } : {}),
    vacuumThreshold,
    vacuumScaleFactor,
    analyzeThreshold,
    analyzeScaleFactor,
    freezeMaxAge,
    vacuumTrigger: vacuumThreshold + vacuumScaleFactor * tuples,
    analyzeTrigger: analyzeThreshold + analyzeScaleFactor * tuples,
    tableScaleFactor: relVacScale !== undefined,
  };
}

export function deadRatio(r: Pick<VacuumTableRow, 'live' | 'dead'>): number {
  const total = r.live + r.dead;
  return total > 0 ? r.dead / total : 0;
}

function ago(s: number | null): string {
  return s === null ? 'never' : `${formatDuration(s)} ago`;
}

function latest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** A table past its autoanalyze threshold whose last analyze is older than this is not being kept up with. */
export const STALE_ANALYZE_SECONDS = 3600;

/** Rows shown in the per-table table. */
export const VACUUM_TABLE_ROWS = 50;

export function assessVacuum(f: VacuumFacts, cfg: MaintenanceSettings): CheckResult {
  const findings: ReportFinding[] = [];
  const s = f.settings;
  if (!s.autovacuum || !s.track_counts) {
    findings.push({
      id: 'maintenance.autovacuum-off',
      severity: 'error',
      title: !s.track_counts ? 'track_counts is off: autovacuum cannot see which tables need work' : 'autovacuum is off for the whole server',
      detail: 'Dead rows are then removed only by manual VACUUM: tables and indexes bloat, statistics go stale, and only the anti-wraparound vacuums still run (they cannot be turned off).',
      action: 'Turn it back on (a reload is enough). Disable it per table only, and only for a reason.',
      sql: `ALTER SYSTEM SET ${!s.track_counts ? 'track_counts' : 'autovacuum'} = on;\nSELECT pg_reload_conf();`,
    });
  }
  const rows = f.tables.map((t) => ({ t, e: effectiveAutovacuum(t, s), ratio: deadRatio(t) }));
  for (const { t, e, ratio } of rows) {
    const name = qualifiedName(t.schema, t.table);
    const object = { kind: 'table' as const, schema: t.schema, name: t.table };
    const label = `${t.schema}.${t.table}`;
    const lastVac = latest(t.last_vacuum_s, t.last_autovacuum_s);
    if (t.dead >= cfg.minDeadTuples && ratio >= cfg.deadRatio) {
      const why = t.vacuuming
        ? 'A vacuum is running on it now.'
        : !e.enabled
          ? `Autovacuum is disabled ${e.disabledBy === 'server' ? 'on the server' : 'for this table (autovacuum_enabled = false)'}: nothing will clean it up.`
          : t.dead > e.vacuumTrigger
            ? `That is past autovacuum's threshold of ${formatCount(e.vacuumTrigger)} dead rows (${formatCount(e.vacuumThreshold)} + ${e.vacuumScaleFactor} × ${formatCount(Math.max(0, t.reltuples))}), yet autovacuum has not processed it: its workers are busy elsewhere, or something holds back the xmin horizon so the rows cannot be removed yet (see "What holds back cleanup").`
            : `Autovacuum waits for ${formatCount(e.vacuumTrigger)} dead rows (${formatCount(e.vacuumThreshold)} + ${e.vacuumScaleFactor} × ${formatCount(Math.max(0, t.reltuples))}) before it vacuums this table.`;
      findings.push({
        id: 'maintenance.dead-tuples',
        severity: ratio >= 0.5 && t.dead >= 10 * cfg.minDeadTuples ? 'error' : 'warning',
        title: `${label}: ${formatCount(t.dead)} dead rows (${formatPercent(ratio, 0)} of the table)`,
        detail: `Dead rows take space and slow scans until VACUUM removes them. Last vacuum: ${ago(lastVac)}, last autovacuum: ${ago(t.last_autovacuum_s)}. ${why}`,
        action: 'Vacuum it now (VACUUM does not block reads or writes); if it keeps happening, give the table its own autovacuum settings.',
        sql: `VACUUM (ANALYZE) ${name};`,
        object,
      });
    }
    if (e.tableDisabled) {
      findings.push({
        id: 'maintenance.autovacuum-disabled-table',
        severity: t.dead >= cfg.minDeadTuples ? 'warning' : 'info',
        title: `Autovacuum is disabled for ${label}`,
        detail: `Its reloptions say autovacuum_enabled = false, so only manual VACUUM removes its ${formatCount(t.dead)} dead rows and only manual ANALYZE refreshes its statistics (anti-wraparound vacuums still run).`,
        action: 'Re-enable it unless a batch job vacuums this table itself.',
        sql: `ALTER TABLE ${name} RESET (autovacuum_enabled);`,
        object,
      });
    }
    const analyzed = latest(t.last_analyze_s, t.last_autoanalyze_s);
    if (t.live >= cfg.minDeadTuples && analyzed === null) {
      findings.push({
        id: 'maintenance.never-analyzed',
        severity: 'warning',
        title: `${label} has never been analyzed (${formatCount(t.live)} rows)`,
        detail: 'Without statistics the planner guesses row counts and value distributions, which leads to bad join orders and wrong index choices.',
        action: 'Analyze it now.',
        sql: `ANALYZE ${name};`,
        actions: [{ kind: 'analyze', schema: t.schema, table: t.table }],
        object,
      });
    } else if (t.mod_since_analyze >= cfg.minDeadTuples && t.mod_since_analyze > e.analyzeTrigger && t.live > 0 && (!e.enabled || (analyzed ?? Infinity) >= STALE_ANALYZE_SECONDS)) {
      // With autovacuum on, a table just past the threshold is analyzed within a naptime: only a table that
      // stays past it (no analyze for an hour) or that autovacuum will never analyze is a finding.
      findings.push({
        id: 'maintenance.stale-statistics',
        severity: 'info',
        title: `${label}: ${formatCount(t.mod_since_analyze)} rows changed since the last analyze`,
        detail: `Past autoanalyze's threshold of ${formatCount(e.analyzeTrigger)} (${formatCount(e.analyzeThreshold)} + ${e.analyzeScaleFactor} × ${formatCount(Math.max(0, t.reltuples))}); last analyze ${ago(analyzed)}. Plans are made from the old statistics until it runs.`,
        action: 'Analyze it (cheap: it reads a sample).',
        sql: `ANALYZE ${name};`,
        actions: [{ kind: 'analyze', schema: t.schema, table: t.table }],
        object,
      });
    }
    if (t.reltuples >= cfg.largeTableRows && e.enabled && !e.tableScaleFactor && e.vacuumScaleFactor >= 0.1) {
      const waits = e.vacuumTrigger;
      findings.push({
        id: 'maintenance.autovacuum-scale-factor',
        severity: 'info',
        title: `${label}: autovacuum waits for ${formatCount(waits)} dead rows (${formatPercent(e.vacuumScaleFactor, 0)} of ${formatCount(t.reltuples)})`,
        detail: `With the server-wide autovacuum_vacuum_scale_factor a large table accumulates that much garbage before each vacuum, and each vacuum then has a lot to do. ${t.autovacuum_count} autovacuum run${t.autovacuum_count === 1 ? '' : 's'} since the statistics were reset; ${formatCount(t.dead)} dead rows now.`,
        action: 'Give the table its own, smaller scale factors (as a migration, so it is reviewed and kept).',
        sql: `ALTER TABLE ${name} SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.02);`,
        object,
      });
    }
    if (t.freeze_age >= e.freezeMaxAge) {
      const overdue = t.freeze_age >= e.freezeMaxAge * 1.25;
      findings.push({
        id: 'maintenance.freeze-age',
        severity: overdue ? 'warning' : 'info',
        title: `${label}: oldest unfrozen row is ${formatCount(t.freeze_age)} transactions old (autovacuum_freeze_max_age ${formatCount(e.freezeMaxAge)})`,
        detail: overdue
          ? 'The forced anti-wraparound autovacuum should have frozen it by now: it is being cancelled, blocked by the xmin horizon, or cannot keep up.'
          : 'An anti-wraparound autovacuum of this table is due (it reads the whole table and cannot be skipped).',
        action: 'Freeze it yourself at a quiet time, so the forced vacuum does not come at a busy one.',
        sql: `VACUUM (FREEZE, ANALYZE) ${name};`,
        object,
      });
    }
  }
  if (f.workersBusy >= s.max_workers && s.max_workers > 0) {
    findings.push({
      id: 'maintenance.autovacuum-workers-saturated',
      severity: 'warning',
      title: `All ${s.max_workers} autovacuum workers are busy`,
      detail: `Other tables wait until a worker is free. Running now: ${f.running.map((r) => `${r.relation} (${r.phase}${r.wraparound ? ', to prevent wraparound' : ''})`).join(', ') || 'unknown'}.`,
      action: 'If it stays that way, raise autovacuum_max_workers (restart) and autovacuum_vacuum_cost_limit (reload), or give the biggest tables their own settings.',
      sql: `ALTER SYSTEM SET autovacuum_vacuum_cost_limit = 1000;\nSELECT pg_reload_conf();`,
    });
  }
  const sorted = [...rows].sort((a, b) => b.t.dead - a.t.dead || b.t.mod_since_analyze - a.t.mod_since_analyze);
  const totalDead = f.tables.reduce((a, t) => a + t.dead, 0);
  const worstFreeze = rows.reduce((m, r) => Math.max(m, r.t.freeze_age / r.e.freezeMaxAge), 0);
  const tables: ReportTable[] = [
    {
      id: 'vacuum-tables',
      title: `Vacuum and analyze (top ${VACUUM_TABLE_ROWS} tables by dead rows)`,
      columns: [
        { key: 'table', label: 'Table' },
        { key: 'live', label: 'Live rows', numeric: true },
        { key: 'dead', label: 'Dead rows', numeric: true },
        { key: 'dead_pct', label: 'Dead %' },
        { key: 'to_vacuum', label: 'Of autovacuum threshold' },
        { key: 'mod', label: 'Changed since analyze', numeric: true },
        { key: 'to_analyze', label: 'Of autoanalyze threshold' },
        { key: 'last_vacuum', label: 'Last (auto)vacuum' },
        { key: 'last_analyze', label: 'Last (auto)analyze' },
        { key: 'freeze', label: 'Freeze age (of max)' },
      ],
      rows: sorted.slice(0, VACUUM_TABLE_ROWS).map(({ t, e, ratio }) => ({
        table: `${t.schema}.${t.table}`,
        live: t.live,
        dead: t.dead,
        dead_pct: formatPercent(ratio, 1),
        to_vacuum: e.enabled ? formatPercent(e.vacuumTrigger > 0 ? t.dead / e.vacuumTrigger : 0, 0) : 'autovacuum off',
        mod: t.mod_since_analyze,
        to_analyze: e.enabled ? formatPercent(e.analyzeTrigger > 0 ? t.mod_since_analyze / e.analyzeTrigger : 0, 0) : 'autovacuum off',
        last_vacuum: t.vacuuming ? 'running now' : ago(latest(t.last_vacuum_s, t.last_autovacuum_s)),
        last_analyze: ago(latest(t.last_analyze_s, t.last_autoanalyze_s)),
        freeze: `${formatCount(t.freeze_age)} (${formatPercent(t.freeze_age / e.freezeMaxAge, 0)})`,
      })),
      emptyText: 'No user tables.',
    },
    {
      id: 'vacuum-running',
      title: `Vacuums running now (${f.workersBusy} of ${s.max_workers} autovacuum workers busy)`,
      columns: [
        { key: 'pid', label: 'PID', numeric: true },
        { key: 'relation', label: 'Relation' },
        { key: 'kind', label: 'Kind' },
        { key: 'phase', label: 'Phase' },
        { key: 'progress', label: 'Heap scanned' },
        { key: 'running', label: 'Running for' },
      ],
      rows: f.running.map((r) => ({
        pid: r.pid,
        relation: r.database ? `${r.database}: ${r.relation}` : r.relation,
        kind: r.autovacuum ? (r.wraparound ? 'autovacuum (to prevent wraparound)' : 'autovacuum') : 'manual VACUUM',
        phase: r.phase,
        progress: r.heap_blks_total > 0 ? formatPercent(r.heap_blks_scanned / r.heap_blks_total, 0) : '',
        running: formatDuration(r.running_s),
      })),
      emptyText: 'No vacuum is running.',
    },
  ];
  const deadStatus: Status = findings.some((x) => x.id === 'maintenance.dead-tuples' && x.severity === 'error') ? 'error' : findings.some((x) => x.id === 'maintenance.dead-tuples') ? 'warning' : 'ok';
  return {
    metrics: [
      { id: 'dead-tuples', label: 'Dead rows (all tables)', value: totalDead, display: formatCount(totalDead), status: deadStatus, help: 'Sum of pg_stat_user_tables.n_dead_tup in this database.' },
      {
        id: 'autovacuum-workers',
        label: 'Autovacuum workers busy',
        value: f.workersBusy,
        display: `${f.workersBusy} / ${s.max_workers}`,
        status: f.workersBusy >= s.max_workers && s.max_workers > 0 ? 'warning' : 'ok',
      },
      { id: 'freeze-age-worst', label: 'Worst table freeze age', value: worstFreeze, display: `${formatPercent(worstFreeze, 0)} of autovacuum_freeze_max_age`, status: worstFreeze >= 1.25 ? 'warning' : 'ok' },
    ],
    findings,
    tables,
  };
}

/**
 * Tables autovacuum keeps failing to keep up with: across the stored snapshots (oldest first) the table's
 * dead rows grew at every step, by at least minDeadTuples overall, and autovacuum never ran on it (its
 * autovacuum count did not change). Needs three snapshots that carry per-table vacuum figures.
 */
export function assessDeadTupleGrowth(history: readonly Snapshot[], cfg: MaintenanceSettings, minSnapshots = 3): CheckResult {
  const withVacuum = history.filter((s) => Array.isArray(s.vacuum));
  if (withVacuum.length < minSnapshots) return {};
  const recent = withVacuum.slice(-Math.max(minSnapshots, 6));
  const first = recent[0];
  const last = recent.at(-1);
  if (!first || !last) return {};
  const findings: ReportFinding[] = [];
  for (const t of last.vacuum ?? []) {
    const series = recent.map((s) => s.vacuum?.find((x) => x.schema === t.schema && x.name === t.name));
    if (series.some((x) => x === undefined)) continue;
    const points = series as NonNullable<(typeof series)[number]>[];
    const growing = points.every((p, i) => i === 0 || p.dead > (points[i - 1]?.dead ?? Infinity));
    const grew = t.dead - (points[0]?.dead ?? t.dead);
    const autovacuumRan = points.some((p) => p.autovacuumCount !== points[0]?.autovacuumCount);
    if (!growing || autovacuumRan || grew < cfg.minDeadTuples) continue;
    const hours = (last.takenAtMs - first.takenAtMs) / 3_600_000;
    findings.push({
      id: 'maintenance.autovacuum-not-keeping-up',
      severity: 'warning',
      title: `${t.schema}.${t.name}: dead rows grew in each of the last ${plural(points.length, 'snapshot')} (${formatCount(points[0]?.dead)} → ${formatCount(t.dead)}) without an autovacuum`,
      detail: `Over ${hours >= 1 ? `${hours.toFixed(1)} h` : `${Math.round(hours * 60)} min`} of stored snapshots autovacuum did not run on this table once while its garbage kept growing.`,
      action: 'Vacuum it now, then lower its autovacuum thresholds (a migration) or find what keeps autovacuum away (workers busy, lock conflicts, autovacuum disabled).',
      sql: `VACUUM (ANALYZE) ${qualifiedName(t.schema, t.name)};`,
      object: { kind: 'table', schema: t.schema, name: t.name },
    });
  }
  return { findings };
}

interface SettingsRow {
  autovacuum: string;
  track_counts: string;
  vacuum_threshold: string;
  vacuum_scale_factor: string;
  analyze_threshold: string;
  analyze_scale_factor: string;
  insert_threshold: string | null;
  insert_scale_factor: string | null;
  freeze_max_age: string;
  max_workers: string;
}

export async function fetchVacuumFacts(q: QueryRunner, serverVersionNum: number): Promise<VacuumFacts> {
  const ins = serverVersionNum >= 130000 ? 's.n_ins_since_vacuum::float8' : 'NULL::float8';
  const tables = await q.query<VacuumTableRow>(`
    WITH t AS (
      SELECT s.relid, s.schemaname AS schema, s.relname AS "table",
             s.n_live_tup::float8 AS live, s.n_dead_tup::float8 AS dead,
             s.n_mod_since_analyze::float8 AS mod_since_analyze, ${ins} AS ins_since_vacuum,
             c.reltuples::float8 AS reltuples,
             extract(epoch FROM now() - s.last_vacuum)::float8 AS last_vacuum_s,
             extract(epoch FROM now() - s.last_autovacuum)::float8 AS last_autovacuum_s,
             extract(epoch FROM now() - s.last_analyze)::float8 AS last_analyze_s,
             extract(epoch FROM now() - s.last_autoanalyze)::float8 AS last_autoanalyze_s,
             s.autovacuum_count::float8 AS autovacuum_count, s.autoanalyze_count::float8 AS autoanalyze_count,
             age(c.relfrozenxid)::float8 AS freeze_age, c.reloptions AS reloptions,
             EXISTS (SELECT 1 FROM pg_stat_progress_vacuum p WHERE p.relid = s.relid) AS vacuuming,
             row_number() OVER (ORDER BY s.n_dead_tup DESC) AS by_dead,
             row_number() OVER (ORDER BY s.n_mod_since_analyze DESC) AS by_mod,
             row_number() OVER (ORDER BY age(c.relfrozenxid) DESC) AS by_age,
             row_number() OVER (ORDER BY c.reltuples DESC) AS by_size
        FROM pg_stat_user_tables s
        JOIN pg_class c ON c.oid = s.relid
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'm', 't') AND ${USER_SCHEMAS_FILTER})
    SELECT schema, "table", live, dead, mod_since_analyze, ins_since_vacuum, reltuples, last_vacuum_s, last_autovacuum_s,
           last_analyze_s, last_autoanalyze_s, autovacuum_count, autoanalyze_count, freeze_age, reloptions, vacuuming
      FROM t WHERE by_dead <= 500 OR by_mod <= 200 OR by_age <= 100 OR by_size <= 100
     ORDER BY dead DESC, schema, "table"`);
  const v13 = serverVersionNum >= 130000;
  const [s] = await q.query<SettingsRow>(`
    SELECT current_setting('autovacuum') AS autovacuum, current_setting('track_counts') AS track_counts,
           current_setting('autovacuum_vacuum_threshold') AS vacuum_threshold,
           current_setting('autovacuum_vacuum_scale_factor') AS vacuum_scale_factor,
           current_setting('autovacuum_analyze_threshold') AS analyze_threshold,
           current_setting('autovacuum_analyze_scale_factor') AS analyze_scale_factor,
           ${v13 ? "current_setting('autovacuum_vacuum_insert_threshold')" : 'NULL'} AS insert_threshold,
           ${v13 ? "current_setting('autovacuum_vacuum_insert_scale_factor')" : 'NULL'} AS insert_scale_factor,
           current_setting('autovacuum_freeze_max_age') AS freeze_max_age,
           current_setting('autovacuum_max_workers') AS max_workers`);
  if (!s) throw new Error('could not read the autovacuum settings');
  const running = await q.query<RunningVacuumRow>(`
    SELECT p.pid, p.datname AS database,
           CASE WHEN p.datname = current_database() THEN p.relid::regclass::text ELSE 'relation ' || p.relid END AS relation,
           p.phase, a.backend_type = 'autovacuum worker' AS autovacuum,
           coalesce(a.query LIKE '%to prevent wraparound%', false) AS wraparound,
           p.heap_blks_total::float8 AS heap_blks_total, p.heap_blks_scanned::float8 AS heap_blks_scanned,
           extract(epoch FROM now() - a.xact_start)::float8 AS running_s
      FROM pg_stat_progress_vacuum p LEFT JOIN pg_stat_activity a ON a.pid = p.pid
     ORDER BY running_s DESC NULLS LAST`);
  const [w] = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`);
  const on = (v: string): boolean => v === 'on' || v === 'true';
  return {
    tables,
    settings: {
      autovacuum: on(s.autovacuum),
      track_counts: on(s.track_counts),
      vacuum_threshold: Number(s.vacuum_threshold),
      vacuum_scale_factor: Number(s.vacuum_scale_factor),
      analyze_threshold: Number(s.analyze_threshold),
      analyze_scale_factor: Number(s.analyze_scale_factor),
      insert_threshold: s.insert_threshold === null ? null : Number(s.insert_threshold),
      insert_scale_factor: s.insert_scale_factor === null ? null : Number(s.insert_scale_factor),
      freeze_max_age: Number(s.freeze_max_age),
      max_workers: Number(s.max_workers),
    },
    running,
    workersBusy: w?.n ?? 0,
  };
}

export const vacuumCheck: MaintenanceCheck = {
  id: 'vacuum',
  async run(q, ctx) {
    const facts = await fetchVacuumFacts(q, ctx.caps.serverVersionNum);
    const base = assessVacuum(facts, ctx.settings);
    const growth = assessDeadTupleGrowth(ctx.history, ctx.settings);
    return { ...base, findings: [...(base.findings ?? []), ...(growth.findings ?? [])] };
  },
};
