// Every analyzer, in report order. A new analyzer is added here (and to the demo, which runs them all).
import type { Analyzer } from './analyzer';
import { cachingAnalyzer } from './caching/cachingAnalyzer';
import { connectionsAnalyzer } from './connections/connectionsAnalyzer';
import { constraintsAnalyzer } from './constraints/constraintsAnalyzer';
import { healthAnalyzer } from './health/healthAnalyzer';
import { indexesAnalyzer } from './indexes/indexesAnalyzer';
import { integrityAnalyzer } from './integrity/integrityAnalyzer';
import { maintenanceAnalyzer } from './maintenance/maintenanceAnalyzer';
import { poolerAnalyzer } from './pooler/poolerAnalyzer';
import { queriesAnalyzer } from './queries/queriesAnalyzer';
import { queryDeltasAnalyzer, trendsAnalyzer } from './snapshots/snapshotAnalyzers';

export const ANALYZERS: readonly Analyzer[] = [healthAnalyzer, maintenanceAnalyzer, indexesAnalyzer, queriesAnalyzer, connectionsAnalyzer, poolerAnalyzer, cachingAnalyzer, constraintsAnalyzer, integrityAnalyzer];

/** The sections built from stored snapshots, after the others: they run when a snapshot store is at hand. */
export const SNAPSHOT_ANALYZERS: readonly Analyzer[] = [trendsAnalyzer, queryDeltasAnalyzer];

/** Every section a report can hold, in report order. */
export const REPORT_ANALYZERS: readonly Analyzer[] = [...ANALYZERS, ...SNAPSHOT_ANALYZERS];

export interface SectionSelection {
  analyzers: Analyzer[];
  /** Ids that name no section. */
  unknown: string[];
  /** Ids of snapshot sections asked for without a snapshot store. */
  needSnapshots: string[];
}

/**
 * The sections of a report: the given ids (default: every database section), plus the snapshot sections when a
 * store is at hand and the ids name none of them (a store asks for its sections, as `pgopt analyze --store` does).
 */
export function selectAnalyzers(ids: readonly string[] | undefined, opts: { snapshots?: boolean } = {}): SectionSelection {
  const snapshots = opts.snapshots ? SNAPSHOT_ANALYZERS : [];
  if (!ids || ids.length === 0) return { analyzers: [...ANALYZERS, ...snapshots], unknown: [], needSnapshots: [] };
  const unknown = ids.filter((id) => !REPORT_ANALYZERS.some((a) => a.id === id));
  const needSnapshots = opts.snapshots ? [] : ids.filter((id) => SNAPSHOT_ANALYZERS.some((a) => a.id === id));
  const named = REPORT_ANALYZERS.filter((a) => ids.includes(a.id) && (a.needs !== 'snapshots' || opts.snapshots));
  const namesSnapshotSection = named.some((a) => a.needs === 'snapshots');
  return { analyzers: namesSnapshotSection ? named : [...named, ...snapshots], unknown, needSnapshots };
}
