// Status of each migration: applied, pending, drifted (edited after it was applied), failed, or missing
// (applied, but its file is gone). Read-only: runs through a QueryRunner (DbSession.readOnly in the
// editor and CLI) and never creates the tracking table.
import type { QueryRunner } from '../db/session';
import { flywayChecksum } from './checksum';
import { readTracking, type TrackingRead } from './trackingTable';
import { unifiedDiff } from './unifiedDiff';
import { compareVersions } from './versions';
import type { AppliedRow, DiscoveryProblem, Migration, MigrationState, MigrationStatus, StatusEntry, TrackingSource, TrackingTarget } from './types';
import { DEFAULT_TRACKING } from './types';

export interface StatusOptions {
  tracking?: TrackingTarget;
  /** Which table to read; 'auto' (default): pgopt's, else another tool's found in the same schema. */
  source?: TrackingSource | 'auto';
  problems?: DiscoveryProblem[];
}

export async function readStatus(q: QueryRunner, migrations: readonly Migration[], opts: StatusOptions = {}): Promise<MigrationStatus> {
  const read = await readTracking(q, opts.tracking ?? DEFAULT_TRACKING, opts.source ?? 'auto');
  return computeStatus(migrations, read, opts.problems ?? []);
}

function emptyCounts(): Record<MigrationState, number> {
  return { applied: 0, pending: 0, drifted: 0, failed: 0, missing: 0 };
}

/** Pure: files + rows -> status entries (in apply order; missing ones placed by version). */
export function computeStatus(migrations: readonly Migration[], read: TrackingRead, problems: DiscoveryProblem[] = []): MigrationStatus {
  const rows = new Map(read.rows.map((r) => [r.version, r]));
  const entries: StatusEntry[] = [];
  // golang-migrate records only the newest version: everything up to it counts as applied.
  const golangLatest = read.source === 'golang-migrate' ? read.rows[0] : undefined;
  let newestApplied: string | undefined;
  for (const r of read.rows) if (r.success && !r.version.startsWith('R__') && (!newestApplied || compareVersions(r.version, newestApplied) > 0)) newestApplied = r.version;

  for (const m of migrations) {
    let row = rows.get(m.version);
    if (!row && golangLatest && !m.repeatable && compareVersions(m.version, golangLatest.version) < 0) row = { ...golangLatest, version: m.version, success: true, dirty: false };
    rows.delete(m.version);
    entries.push(entryFor(m, row, read.source, newestApplied));
  }
  for (const r of rows.values()) {
    entries.push({
      version: r.version,
      name: r.name,
      state: 'missing',
      repeatable: r.version.startsWith('R__'),
      applied: r,
      detail: `recorded as ${r.success ? 'applied' : 'failed'}${r.appliedAt ? ` at ${r.appliedAt}` : ''}, but no migration file has version ${r.version}`,
    });
  }
  entries.sort((a, b) => (a.repeatable !== b.repeatable ? (a.repeatable ? 1 : -1) : compareVersions(a.version, b.version)));
  const counts = emptyCounts();
  for (const e of entries) counts[e.state]++;
  return { source: read.source, ...(read.table ? { table: read.table } : {}), readOnly: read.readOnly, entries, counts, problems };
}

function entryFor(m: Migration, row: AppliedRow | undefined, source: TrackingSource, newestApplied: string | undefined): StatusEntry {
  const base = { version: m.version, name: m.name, repeatable: m.repeatable, migration: m };
  if (!row) {
    const outOfOrder = !m.repeatable && newestApplied !== undefined && compareVersions(m.version, newestApplied) < 0;
    return { ...base, state: 'pending', ...(outOfOrder ? { outOfOrder, detail: `older than the newest applied version ${newestApplied}` } : {}) };
  }
  if (!row.success || row.dirty) {
    const log = row.log;
    const detail = row.dirty
      ? 'golang-migrate marks this version dirty: it failed half-way'
      : log?.failed
        ? `failed at statement ${log.failed.index + 1} of ${log.total}: ${log.failed.error}${log.mode === 'statements' ? ` (${log.completed} completed; a re-run resumes at statement ${log.completed + 1})` : ' (rolled back)'}`
        : log?.mode === 'statements'
          ? `interrupted after ${log.completed} of ${log.total} statements (a re-run resumes at statement ${log.completed + 1})`
          : 'recorded as failed';
    return { ...base, state: 'failed', applied: row, detail };
  }
  const current = source === 'flyway' ? `crc32:${flywayChecksum(m.upSql)}` : m.checksum;
  if (row.checksum !== undefined && row.checksum !== current) {
    if (m.repeatable) return { ...base, state: 'pending', applied: row, detail: 'repeatable migration changed since it was applied: it will be re-applied' };
    const diff = row.upSql !== undefined ? unifiedDiff(row.upSql, m.upSql, { from: `applied ${row.appliedAt ?? ''}`.trim(), to: m.upPath }) : undefined;
    return { ...base, state: 'drifted', applied: row, detail: `the file changed after it was applied (checksum ${short(row.checksum)} applied, ${short(current)} now)`, ...(diff ? { diff } : {}) };
  }
  return { ...base, state: 'applied', applied: row };
}

function short(c: string): string {
  return c.startsWith('crc32:') ? c : c.slice(0, 12);
}

