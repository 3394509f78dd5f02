// One analysis of the active connection, the same for the report panel and Run Analysis: every analyzer
// with the workspace pgopt.json, then (when asked) the Trends section, then "What got slower" from the
// snapshot store — its findings count in the summary.
import { ANALYZERS } from '../../core/analyzers/registry';
import type { Trends } from '../../core/metrics/trends';
import { buildTrendsSection } from '../../core/metrics/trendsSection';
import { buildReport } from '../../core/report/buildReport';
import { summarize, type Report } from '../../core/report/model';
import type { ActiveConnection } from '../connectionManager';
import type { SnapshotMonitor } from '../monitoring/snapshotMonitor';
import { loadWorkspacePgoptFile } from '../workspacePgoptFile';

export async function analyzeConnection(
  active: ActiveConnection,
  opts: { monitor: SnapshotMonitor | undefined; signal: AbortSignal; onProgress: (message: string) => void; trends?: Trends[]; onSection?: (partial: Report, pending: string[]) => void },
): Promise<Report> {
  const history = (await opts.monitor?.history(active.name)) ?? [];
  const report = await buildReport(active.session, {
    analyzers: ANALYZERS,
    caps: active.caps,
    config: await loadWorkspacePgoptFile(),
    signal: opts.signal,
    onProgress: opts.onProgress,
    history,
    ...(opts.onSection ? { onSection: opts.onSection } : {}),
  });
  if (opts.trends) report.sections.push(buildTrendsSection(opts.trends));
  const deltas = await opts.monitor?.queryDeltas(active.name);
  if (deltas) report.sections.push(deltas);
  report.summary = summarize(report.sections);
  // The status-bar health item judges the same findings, so it cannot say "healthy" next to a warning badge.
  opts.monitor?.noteReport(active.name, report);
  return report;
}
