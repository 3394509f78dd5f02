// Plain-text summary of a snapshot (the CLI prints it; the status-bar tooltip reuses formatMetric).
import { formatBytes, formatCount, formatDuration } from '../format';
import type { ActiveAlert } from './alerts';
import type { IntervalValues } from './deltas';
import { METRIC_DEFS, type MetricDef } from './metricDefs';
import type { Snapshot } from './snapshot';

export function formatMetric(def: Pick<MetricDef, 'unit'>, value: number | null | undefined): string {
  if (value === null || value === undefined) return 'unknown';
  switch (def.unit) {
    case 'bytes':
      return formatBytes(value);
    case 'percent':
      return `${value.toFixed(value >= 99 && value < 100 ? 2 : 1)} %`;
    case 'seconds':
      return value < 10 && !Number.isInteger(value) ? `${value.toFixed(1)} s` : formatDuration(value);
    case 'ms':
      return `${formatCount(value)} ms`;
    case 'count':
      return formatCount(value);
  }
}

export function summarizeSnapshot(snap: Snapshot, interval: IntervalValues | undefined, active: readonly ActiveAlert[], bytes?: number): string {
  const lines: string[] = [];
  lines.push(`Snapshot of ${snap.database} at ${snap.takenAt} (server time) in ${snap.durationMs} ms${bytes === undefined ? '' : `, ${formatBytes(bytes)} stored`}`);
  const hasInterval = interval !== undefined && interval.fromMs !== interval.toMs;
  for (const def of METRIC_DEFS) {
    const value = snap.metrics[def.id];
    let line = `  ${def.label.padEnd(28)} ${formatMetric(def, value)}`;
    if (def.kind === 'counter' && hasInterval) {
      const d = interval.values[def.id];
      const reset = interval.resets.includes(def.id) ? ', counter reset' : '';
      if (d !== null && d !== undefined) line += `  (+${formatMetric(def, d)} in ${formatDuration((interval.toMs - interval.fromMs) / 1000)}${reset})`;
    }
    lines.push(line);
  }
  const states = Object.entries(snap.connectionsByState).map(([s, n]) => `${s} ${n}`).join(', ');
  lines.push(`  Connections by state         ${states || 'none'}`);
  if (snap.statements === null) lines.push(`  Statements: unavailable (${snap.statementsUnavailable ?? 'pg_stat_statements not usable'})`);
  else lines.push(`  Statements sampled           ${snap.statements.length}`);
  const top = snap.tables[0];
  if (top) lines.push(`  Largest table                ${top.schema}.${top.name} (${formatBytes(top.bytes)})`);
  lines.push(active.length === 0 ? 'Alerts: none' : `Alerts (${active.length}):`);
  for (const a of active) lines.push(`  [${a.rule.severity}] ${a.message}`);
  return lines.join('\n');
}
