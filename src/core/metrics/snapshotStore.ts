// Where snapshots live between sessions. The interface is small so the extension (globalStorageUri), the
// CLI (--store FILE) and tests share one implementation (sqliteSnapshotStore.ts) and any other could
// replace it. Time is always the server's (Snapshot.takenAtMs): the store never reads the local clock, so
// a local clock change can neither reorder the history nor make compaction drop fresh samples.
import { customMetricId, type CustomMetricId } from './customMetrics';
import type { IntervalValues } from './deltas';
import type { MetricId } from './metricDefs';
import type { Snapshot } from './snapshot';

export interface RetentionSettings {
  /** Raw snapshots and per-snapshot points are kept this long ... */
  rawHours: number;
  /** ... then folded into hourly rollups kept this long. */
  rollupDays: number;
}

export const DEFAULT_RETENTION: RetentionSettings = { rawHours: 48, rollupDays: 30 };
export const HOUR_MS = 3_600_000;

export interface SeriesPoint {
  ts: number;
  value: number | null;
  /** 0 for a raw snapshot interval, HOUR_MS for an hourly rollup. */
  resolutionMs: number;
}

export interface CompactionResult {
  rawPointsRolledUp: number;
  rawSnapshotsDeleted: number;
  rollupsDeleted: number;
  /** The instant retention was measured from (the newest stored snapshot's server time). */
  referenceMs: number | null;
}

export interface AddResult {
  interval: IntervalValues;
  /** Bytes of the stored snapshot body. */
  bytes: number;
}

export interface SnapshotStore {
  /** Stores a snapshot of `connection` and its interval values against the previously stored one. */
  add(connection: string, snapshot: Snapshot): AddResult;
  /** The newest `limit` snapshots (by server time), newest first. */
  latest(connection: string, limit?: number): Snapshot[];
  /** The oldest stored snapshot taken at or after `fromMs` (server time), if any. */
  oldestSince(connection: string, fromMs: number): Snapshot | undefined;
  /** One metric over [fromMs, toMs], oldest first; raw points and hourly rollups mixed. */
  series(connection: string, metric: MetricId | CustomMetricId, fromMs: number, toMs: number): SeriesPoint[];
  /** The custom metrics stored for `connection` (pgopt snapshot --metric), by name, with their newest unit. */
  customMetrics(connection: string): { name: string; unit?: string }[];
  connections(): string[];
  /** Folds raw points older than rawHours into hourly rollups and drops what is past retention. */
  compact(retention: RetentionSettings, referenceMs?: number): CompactionResult;
  close(): void;
}

/** The points a snapshot adds besides its interval values: one gauge point per custom metric. */
export function customPoints(snapshot: Snapshot): [CustomMetricId, number][] {
  return (snapshot.custom ?? []).map((m) => [customMetricId(m.name), m.value]);
}

/** Names from `custom:NAME` point ids, units from the newest snapshot that recorded each. */
export function customMetricList(ids: readonly string[], newestFirst: readonly Snapshot[]): { name: string; unit?: string }[] {
  return ids.map((id) => {
    const name = id.slice('custom:'.length);
    const unit = newestFirst.flatMap((s) => s.custom ?? []).find((m) => m.name === name)?.unit;
    return unit ? { name, unit } : { name };
  });
}
