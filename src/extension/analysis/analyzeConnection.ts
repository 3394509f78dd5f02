// One analysis of the active connection, the same for the report panel and Run Analysis: the core report use
// case (runReport) with the workspace pgopt.json and, when monitoring keeps a store, its snapshot sections.
import { runReport } from '../../core/report/runReport';
import type { Report } from '../../core/report/model';
import type { ActiveConnection } from '../connectionManager';
import type { SnapshotMonitor } from '../monitoring/snapshotMonitor';
import type { SnapshotSource } from '../../core/analyzers/analyzer';
import { loadAnalysisConfig } from '../workspacePgoptFile';

export async function analyzeConnection(
  active: ActiveConnection,
  /** `snapshots`: the stored history already read by the caller (else read here from the monitor). */
  opts: { monitor: SnapshotMonitor | undefined; snapshots?: SnapshotSource | undefined; signal: AbortSignal; onProgress: (message: string) => void; onSection?: (partial: Report, pending: string[]) => void },
): Promise<Report> {
  const snapshots = 'snapshots' in opts ? opts.snapshots : await opts.monitor?.snapshotSource(active.name);
  const { config, withheld } = await loadAnalysisConfig();
  const report = await runReport(active.session, {
    caps: active.caps,
    config,
    withheld,
    signal: opts.signal,
    onProgress: opts.onProgress,
    ...(snapshots ? { snapshots } : {}),
    ...(opts.onSection ? { onSection: opts.onSection } : {}),
  });
  // The status-bar health item judges the same findings, so it cannot say "healthy" next to a warning badge.
  opts.monitor?.noteReport(active.name, report);
  return report;
}
