// The whole report for a list of sections: the one use case behind `pgopt analyze`, the editor's report panel
// and Run Analysis. It picks the sections (the snapshot ones when a store is at hand), hands the analyzers the
// stored history, runs them through buildReport (streaming each finished section through onSection) and
// returns the finished report: hosts adapt its input and output, they neither add sections nor re-summarize.
import type { Analyzer, SnapshotSource } from '../analyzers/analyzer';
import { selectAnalyzers } from '../analyzers/registry';
import type { DbSession } from '../db/session';
import type { Snapshot } from '../metrics/snapshot';
import { buildReport, type BuildReportOptions } from './buildReport';
import type { Report } from './model';

/** Snapshots handed to the analyzers (the newest ones): enough to see a trend, cheap to read. */
export const HISTORY_SNAPSHOTS = 12;

/** The newest stored snapshots of a connection, oldest first (maintenance growth checks, the table page). */
export function storedHistory(s: SnapshotSource, limit = HISTORY_SNAPSHOTS): Snapshot[] {
  return s.store.latest(s.connection, limit).reverse();
}

export interface RunReportOptions extends Omit<BuildReportOptions, 'analyzers' | 'history' | 'snapshots'> {
  /** The sections to run (selectAnalyzers); default: every database section, plus Trends and What got slower
   * when `snapshots` is given. */
  analyzers?: readonly Analyzer[];
  /** The connection's snapshot store, when there is one. */
  snapshots?: SnapshotSource;
}

export async function runReport(session: DbSession, opts: RunReportOptions): Promise<Report> {
  const { snapshots, analyzers, ...rest } = opts;
  return buildReport(session, {
    ...rest,
    analyzers: analyzers ?? selectAnalyzers(undefined, { snapshots: snapshots !== undefined }).analyzers,
    ...(snapshots ? { snapshots, history: storedHistory(snapshots) } : {}),
  });
}
