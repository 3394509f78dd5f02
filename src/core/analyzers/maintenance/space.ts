// Space: estimated table and index bloat (bloat.ts), the largest relations with their TOAST and index
// share and their growth across stored snapshots, WAL retained by each replication slot, and temp files
// per database.
import type { MaintenanceSettings } from '../../config';
import { formatBytes, formatCount, formatPercent } from '../../format';
import type { Snapshot } from '../../metrics/snapshot';
import type { ReportFinding, ReportTable, Status } from '../../report/model';
import { qualifiedName, quoteLiteral } from '../../sql/quote';
import type { QueryRunner } from '../../db/session';
import { estimateBtreeBloat, estimateTableBloat, fetchBtreeStats, fetchLayout, fetchTableStats, type IndexStatsRow, type LayoutConstants, type TableStatsRow } from './bloat';
import { USER_SCHEMAS_FILTER, type CheckResult, type MaintenanceCheck } from './checkResult';

// ---------------------------------------------------------------- bloat
export interface BloatFacts {
  layout: LayoutConstants;
  tables: TableStatsRow[];
  indexes: IndexStatsRow[];
  serverVersionNum: number;
}

export function assessBloat(f: BloatFacts, cfg: MaintenanceSettings): CheckResult {
  const findings: ReportFinding[] = [];
  const rows: { kind: string; name: string; table: string; est: ReturnType<typeof estimateTableBloat> }[] = [];
  for (const t of f.tables) {
    const est = estimateTableBloat(t, f.layout);
    rows.push({ kind: 'table', name: `${t.schema}.${t.table}`, table: '', est });
    if (est.reliable && est.ratio >= cfg.bloatRatio && est.wastedBytes >= cfg.bloatMinBytes) {
      findings.push({
        id: 'maintenance.table-bloat',
        severity: est.ratio >= 0.6 ? 'warning' : 'info',
        title: `${t.schema}.${t.table}: about ${formatBytes(est.wastedBytes)} wasted (${formatPercent(est.ratio, 0)} of ${formatBytes(est.actualBytes)}, estimated)`,
        detail: `From the statistics, its ${formatCount(t.reltuples)} live rows need about ${formatCount(est.expectedPages)} pages at fillfactor ${t.fillfactor}; it has ${formatCount(est.actualPages)}. VACUUM makes that space reusable for new rows but does not give it back; scans still read it.`,
        action: 'If the table will not grow back into the space, rewrite it online with pg_repack (pg_repack --table), or with VACUUM FULL in a maintenance window (it takes an ACCESS EXCLUSIVE lock for the whole rewrite). Measure first with pgstattuple if it is installed.',
        object: { kind: 'table', schema: t.schema, name: t.table },
      });
    }
  }
  for (const i of f.indexes) {
    const est = estimateBtreeBloat(i, f.layout);
    rows.push({ kind: 'index', name: `${i.schema}.${i.index}`, table: `${i.schema}.${i.table}`, est });
    if (est.reliable && est.ratio >= cfg.bloatRatio && est.wastedBytes >= cfg.bloatMinBytes) {
      findings.push({
        id: 'maintenance.index-bloat',
        severity: est.ratio >= 0.6 ? 'warning' : 'info',
        title: `Index ${i.schema}.${i.index}: about ${formatBytes(est.wastedBytes)} wasted (${formatPercent(est.ratio, 0)} of ${formatBytes(est.actualBytes)}, estimated)`,
        detail: `Its ${formatCount(i.reltuples)} entries need about ${formatCount(est.expectedPages)} pages at fillfactor ${i.fillfactor}; it has ${formatCount(est.actualPages)}. A bloated index costs cache and I/O on every scan that uses it.`,
        action: f.serverVersionNum >= 120000 ? 'Rebuild it without blocking writes.' : 'Build a replacement concurrently, then drop the old one.',
        ...(f.serverVersionNum >= 120000 ? { sql: `REINDEX INDEX CONCURRENTLY ${qualifiedName(i.schema, i.index)};` } : {}),
        object: { kind: 'index', schema: i.schema, name: i.index, table: i.table },
      });
    }
  }
  const wasted = rows.filter((r) => r.est.reliable).reduce((a, r) => a + r.est.wastedBytes, 0);
  const listed = rows.filter((r) => r.est.wastedBytes > 0 || !r.est.reliable).sort((a, b) => b.est.wastedBytes - a.est.wastedBytes).slice(0, 30);
  return {
    metrics: [{ id: 'bloat-estimated', label: 'Estimated bloat (tables + btree indexes)', value: wasted, display: formatBytes(wasted), status: findings.some((x) => x.severity === 'warning') ? 'warning' : findings.length ? 'info' : 'ok', help: 'Statistics-based estimate (no extension): pages the relations have minus pages their live rows need.' }],
    findings,
    tables: [
      {
        id: 'bloat',
        title: 'Estimated bloat (largest first; statistics-based, ±10–20 %)',
        columns: [
          { key: 'relation', label: 'Relation' },
          { key: 'kind', label: 'Kind' },
          { key: 'size', label: 'Size' },
          { key: 'wasted', label: 'Wasted (est.)' },
          { key: 'ratio', label: 'Wasted %' },
          { key: 'note', label: 'Note' },
        ],
        rows: listed.map((r) => ({
          relation: r.name,
          kind: r.kind === 'index' ? `index on ${r.table}` : 'table',
          size: formatBytes(r.est.actualBytes),
          wasted: r.est.reliable ? formatBytes(r.est.wastedBytes) : '',
          ratio: r.est.reliable ? formatPercent(r.est.ratio, 0) : '',
          note: r.est.reason ?? '',
        })),
        emptyText: 'No table or btree index is larger than its live rows need.',
      },
    ],
  };
}

// ---------------------------------------------------------------- largest relations, TOAST, growth
export interface RelationSizeRow {
  schema: string;
  name: string;
  total: number;
  heap: number;
  toast: number;
  indexes: number;
  rows: number;
}

/** Growth of each relation between the oldest stored snapshot that lists it and now. */
export function relationGrowth(rows: readonly RelationSizeRow[], history: readonly Snapshot[], nowMs: number): Map<string, { bytes: number; sinceMs: number }> {
  const out = new Map<string, { bytes: number; sinceMs: number }>();
  for (const r of rows) {
    for (const s of history) {
      const past = s.tables.find((t) => t.schema === r.schema && t.name === r.name);
      if (past && s.takenAtMs < nowMs) {
        out.set(`${r.schema}.${r.name}`, { bytes: r.total - past.bytes, sinceMs: s.takenAtMs });
        break;
      }
    }
  }
  return out;
}

function since(ms: number, nowMs: number): string {
  const h = (nowMs - ms) / 3_600_000;
  return h >= 48 ? `${Math.round(h / 24)} d` : h >= 1 ? `${h.toFixed(1)} h` : `${Math.max(1, Math.round(h * 60))} min`;
}

export function assessLargestRelations(rows: readonly RelationSizeRow[], history: readonly Snapshot[], nowMs: number): CheckResult {
  const growth = relationGrowth(rows, history, nowMs);
  const toast = rows.reduce((a, r) => a + r.toast, 0);
  return {
    metrics: [{ id: 'toast-size', label: 'TOAST (largest tables)', value: toast, display: formatBytes(toast), help: 'Out-of-line storage of large values (text, jsonb, bytea) of the largest tables.' }],
    tables: [
      {
        id: 'largest-relations',
        title: history.length ? 'Largest tables (growth since the oldest stored snapshot)' : 'Largest tables (growth: needs stored snapshots)',
        columns: [
          { key: 'table', label: 'Table' },
          { key: 'total', label: 'Total' },
          { key: 'heap', label: 'Table' },
          { key: 'toast', label: 'TOAST' },
          { key: 'indexes', label: 'Indexes' },
          { key: 'rows', label: 'Rows (est.)', numeric: true },
          { key: 'growth', label: 'Growth' },
        ],
        rows: rows.map((r) => {
          const g = growth.get(`${r.schema}.${r.name}`);
          return {
            table: `${r.schema}.${r.name}`,
            total: formatBytes(r.total),
            heap: formatBytes(r.heap),
            toast: r.toast > 0 ? formatBytes(r.toast) : '',
            indexes: formatBytes(r.indexes),
            rows: Math.max(0, r.rows),
            growth: g ? `${g.bytes >= 0 ? '+' : '−'}${formatBytes(Math.abs(g.bytes))} in ${since(g.sinceMs, nowMs)}` : '',
          };
        }),
        emptyText: 'No user tables.',
      },
    ],
  };
}

// ---------------------------------------------------------------- WAL retained by slots
export interface SlotRow {
  name: string;
  type: string;
  database: string | null;
  active: boolean;
  temporary: boolean;
  /** 13+: reserved, extended, unreserved, lost; null before 13 or when restart_lsn is null. */
  wal_status: string | null;
  /** 13+: bytes that can still be written before the slot loses WAL (max_slot_wal_keep_size); null when unlimited. */
  safe_wal_size: number | null;
  retained_bytes: number | null;
  xmin_age: number | null;
}

export interface SlotFacts {
  slots: SlotRow[];
  maxSlotWalKeepSize: string | null;
  maxWalSize: string;
}

export function assessSlots(f: SlotFacts, cfg: MaintenanceSettings): CheckResult {
  const findings: ReportFinding[] = [];
  for (const s of f.slots) {
    const drop = `SELECT pg_drop_replication_slot(${quoteLiteral(s.name)});`;
    const retained = s.retained_bytes === null ? 'no WAL' : formatBytes(s.retained_bytes);
    const xmin = s.xmin_age !== null ? ` It also holds the xmin horizon back by ${formatCount(s.xmin_age)} transactions, so VACUUM cannot remove newer dead rows.` : '';
    if (s.wal_status === 'lost' || s.wal_status === 'unreserved') {
      findings.push({
        id: 'maintenance.slot-lost',
        severity: 'error',
        title: `Replication slot ${s.name} ${s.wal_status === 'lost' ? 'has lost' : 'is about to lose'} the WAL its consumer needs`,
        detail: `wal_status is ${s.wal_status}: it fell behind by more than max_slot_wal_keep_size (${f.maxSlotWalKeepSize ?? 'unknown'}). ${s.wal_status === 'lost' ? 'Its standby or subscriber cannot resume from it any more.' : 'The WAL will be removed at the next checkpoint.'}`,
        action: 'Rebuild the standby (new base backup) or re-sync the subscriber, and drop the slot if nothing will use it.',
        sql: drop,
      });
    } else if (!s.active && !s.temporary) {
      findings.push({
        id: 'maintenance.slot-inactive',
        severity: (s.retained_bytes ?? 0) >= cfg.slotRetainedBytes || s.xmin_age !== null ? 'error' : 'warning',
        title: `Inactive ${s.type} replication slot ${s.name} retains ${retained}`,
        detail: `No standby or subscriber is connected to it, so the server keeps every WAL segment since its restart_lsn and the retained WAL grows with every write until the disk fills${f.maxSlotWalKeepSize === '-1' ? ' (max_slot_wal_keep_size = -1: no limit)' : ''}.${xmin}`,
        action: 'If its consumer is gone for good, drop the slot. If it is only down, bring it back soon, or set max_slot_wal_keep_size so a dead slot cannot fill the disk.',
        sql: drop,
      });
    } else if ((s.retained_bytes ?? 0) >= cfg.slotRetainedBytes) {
      findings.push({
        id: 'maintenance.slot-retained-wal',
        severity: 'warning',
        title: `Replication slot ${s.name} retains ${retained} of WAL`,
        detail: `Its consumer is connected but far behind (wal_status ${s.wal_status ?? 'unknown'}; max_wal_size ${f.maxWalSize}).${xmin}`,
        action: 'Check the standby or subscriber reading it: network, disk, replay conflicts, a stuck apply worker.',
      });
    }
  }
  const maxRetained = f.slots.reduce((m, s) => Math.max(m, s.retained_bytes ?? 0), 0);
  const status: Status = findings.some((x) => x.severity === 'error') ? 'error' : findings.length ? 'warning' : 'ok';
  return {
    metrics: [{ id: 'wal-retained', label: 'WAL retained by slots (largest)', value: maxRetained, display: f.slots.length ? formatBytes(maxRetained) : 'no replication slots', status }],
    findings,
    tables: [
      {
        id: 'replication-slots',
        title: 'Replication slots and the WAL each retains',
        columns: [
          { key: 'slot', label: 'Slot' },
          { key: 'type', label: 'Type' },
          { key: 'active', label: 'Active' },
          { key: 'wal_status', label: 'wal_status' },
          { key: 'retained', label: 'WAL retained' },
          { key: 'safe', label: 'Safe WAL size' },
          { key: 'xmin', label: 'Xmin age', numeric: true },
        ],
        rows: f.slots.map((s) => ({
          slot: s.name,
          type: `${s.type}${s.database ? ` (${s.database})` : ''}${s.temporary ? ', temporary' : ''}`,
          active: s.active,
          wal_status: s.wal_status ?? '',
          retained: s.retained_bytes === null ? '' : formatBytes(s.retained_bytes),
          safe: s.safe_wal_size === null ? 'unlimited' : formatBytes(s.safe_wal_size),
          xmin: s.xmin_age,
        })),
        emptyText: 'No replication slots.',
      },
    ],
  };
}

// ---------------------------------------------------------------- temp files
export interface TempFilesRow {
  database: string;
  temp_files: number;
  temp_bytes: number;
  stats_reset_s: number | null;
}

export function assessTempFiles(rows: readonly TempFilesRow[], currentDatabase: string): CheckResult {
  const mine = rows.find((r) => r.database === currentDatabase);
  return {
    metrics: [{ id: 'temp-files', label: 'Temp files (this database, since stats reset)', value: mine?.temp_bytes ?? 0, display: mine ? `${formatCount(mine.temp_files)} files, ${formatBytes(mine.temp_bytes)}` : 'unknown' }],
    tables: [
      {
        id: 'temp-files',
        title: 'Temp files per database (sorts and hashes that spilled to disk, since the statistics reset)',
        columns: [
          { key: 'database', label: 'Database' },
          { key: 'files', label: 'Temp files', numeric: true },
          { key: 'bytes', label: 'Temp bytes' },
        ],
        rows: rows.filter((r) => r.temp_files > 0).map((r) => ({ database: r.database, files: r.temp_files, bytes: formatBytes(r.temp_bytes) })),
        emptyText: 'No database wrote temp files.',
      },
    ],
  };
}

// ---------------------------------------------------------------- fetches
export async function fetchLargestRelations(q: QueryRunner, limit = 20): Promise<RelationSizeRow[]> {
  return q.query<RelationSizeRow>(
    `WITH cand AS MATERIALIZED (
       SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm') AND ${USER_SCHEMAS_FILTER}
        ORDER BY c.relpages::bigint + coalesce((SELECT t.relpages FROM pg_class t WHERE t.oid = c.reltoastrelid), 0) DESC
        LIMIT $1 * 3)
     SELECT n.nspname AS schema, c.relname AS name, pg_total_relation_size(c.oid)::float8 AS total,
            pg_relation_size(c.oid)::float8 AS heap,
            CASE WHEN c.reltoastrelid <> 0 THEN pg_total_relation_size(c.reltoastrelid) ELSE 0 END::float8 AS toast,
            pg_indexes_size(c.oid)::float8 AS indexes, c.reltuples::float8 AS rows
       FROM cand JOIN pg_class c ON c.oid = cand.oid JOIN pg_namespace n ON n.oid = c.relnamespace
      ORDER BY total DESC, 1, 2 LIMIT $1`,
    [limit],
  );
}

export async function fetchSlots(q: QueryRunner, serverVersionNum: number): Promise<SlotFacts> {
  const v13 = serverVersionNum >= 130000;
  const slots = await q.query<SlotRow>(`
    SELECT slot_name::text AS name, slot_type AS type, database::text AS database, active, temporary,
           ${v13 ? 'wal_status' : 'NULL::text'} AS wal_status, ${v13 ? 'safe_wal_size::float8' : 'NULL::float8'} AS safe_wal_size,
           pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())
                                ELSE pg_current_wal_lsn() END, restart_lsn)::float8 AS retained_bytes,
           nullif(greatest(coalesce(age(xmin), 0), coalesce(age(catalog_xmin), 0)), 0)::float8 AS xmin_age
      FROM pg_replication_slots ORDER BY retained_bytes DESC NULLS LAST, 1`);
  const [s] = await q.query<{ keep: string | null; max_wal: string }>(
    `SELECT ${v13 ? "current_setting('max_slot_wal_keep_size')" : 'NULL'} AS keep, current_setting('max_wal_size') AS max_wal`,
  );
  return { slots, maxSlotWalKeepSize: s?.keep ?? null, maxWalSize: s?.max_wal ?? 'unknown' };
}

export async function fetchTempFiles(q: QueryRunner): Promise<TempFilesRow[]> {
  return q.query<TempFilesRow>(`
    SELECT datname AS database, temp_files::float8 AS temp_files, temp_bytes::float8 AS temp_bytes,
           extract(epoch FROM now() - stats_reset)::float8 AS stats_reset_s
      FROM pg_stat_database WHERE datname IS NOT NULL ORDER BY temp_bytes DESC, datname`);
}

export const bloatCheck: MaintenanceCheck = {
  id: 'bloat',
  async run(q, ctx) {
    const layout = await fetchLayout(q);
    return assessBloat({ layout, tables: await fetchTableStats(q), indexes: await fetchBtreeStats(q), serverVersionNum: ctx.caps.serverVersionNum }, ctx.settings);
  },
};

export const largestRelationsCheck: MaintenanceCheck = {
  id: 'largest-relations',
  async run(q, ctx) {
    const [now] = await q.query<{ ms: number }>(`SELECT floor(extract(epoch FROM now()) * 1000)::float8 AS ms`);
    return assessLargestRelations(await fetchLargestRelations(q), ctx.history, now?.ms ?? Date.now());
  },
};

export const slotsCheck: MaintenanceCheck = {
  id: 'replication-slots',
  async run(q, ctx) {
    return assessSlots(await fetchSlots(q, ctx.caps.serverVersionNum), ctx.settings);
  },
};

export const tempFilesCheck: MaintenanceCheck = {
  id: 'temp-files',
  async run(q, ctx) {
    return assessTempFiles(await fetchTempFiles(q), ctx.caps.database);
  },
};
