// The text of `pgopt advise` (one database, and each target of `pgopt advise --fleet`) and its JSON shape.
// Its own module so that fleetCommand.ts and adviseCommand.ts (which hands --fleet over to it) do not import
// each other.
import type { AdvisorResult } from '../core/advisor/advisor';
import type { IndexHealthFinding } from '../core/analyzers/indexes/indexHealth';
import { describeTrackingPause } from '../core/db/statementTracking';
import { formatBytes, formatCount, formatPercent, truncateSql } from '../core/format';

export interface AdviseOutput {
  recommendations: (AdvisorResult['recommendations'][number] & { benefitPercent: number })[];
  health: Omit<IndexHealthFinding, never>[];
  workload: Omit<AdvisorResult, 'recommendations'>;
}

export function renderAdviseText(r: AdvisorResult, health: IndexHealthFinding[]): string {
  const lines: string[] = [];
  const source = r.source === 'file' ? 'workload file' : r.source === 'server log' || r.source === 'pg_stat_activity sample' ? r.source : `${r.source}${r.statsSince ? ` (pg_stat_statements since ${r.statsSince})` : ''}`;
  lines.push(`== Index recommendations — ${source}`);
  if (r.qualstats) lines.push(`pg_qualstats: ${r.qualstats.predicates} predicates, ${r.qualstats.statementsAdded} statements added to the workload (${r.qualstats.statementsDuplicate} already in pg_stat_statements)`);
  if (r.qualstatsError) lines.push(`pg_qualstats could not be read: ${r.qualstatsError}`);
  lines.push(`${r.statementsAnalyzed} statements planned, ${r.skipped.length} skipped, ${r.candidates} candidates, ${r.explains} EXPLAINs${r.whatIfConnections ? ` over ${r.whatIfConnections} connections` : ''}, ${(r.durationMs / 1000).toFixed(1)} s`);
  if (r.toolStatementsLeftOut) lines.push(`${r.toolStatementsLeftOut} pg_stat_statements entries of pgopt itself left out of the workload`);
  const trackingNote = r.statementTracking ? describeTrackingPause(r.statementTracking) : undefined;
  if (trackingNote) lines.push(`Note: ${trackingNote}`);
  if (r.negligible)
    lines.push(
      `${r.negligible.statements} statements below ${r.negligible.threshold !== undefined ? `${formatPercent(r.negligible.threshold, 2)} of the workload's cost each` : 'a negligible share of the workload'} (together ${formatPercent(r.negligible.share, 2)}) were not re-planned for candidates (--negligible-pct)`,
    );
  if (r.excludedCandidates) lines.push(`${r.excludedCandidates} candidates left out by --include / --exclude`);
  if (r.belowMinSavings) lines.push(`${r.belowMinSavings} candidates saved less than --min-savings-pct of the statements they serve`);
  if (!r.verified) lines.push(`UNVERIFIED (heuristic only): ${r.unverifiedReason ?? ''}`);
  else
    lines.push(
      `Workload cost (calls × planner cost): ${formatCount(Math.round(r.totalCostBefore))} → ${formatCount(Math.round(r.totalCostAfter))} (−${formatPercent(r.totalCostBefore > 0 ? 1 - r.totalCostAfter / r.totalCostBefore : 0, 1)})`,
    );
  lines.push('');
  if (r.recommendations.length === 0) lines.push('No index would pay for itself on this workload.');
  for (const rec of r.recommendations) {
    lines.push(`[${rec.priority}${rec.verified ? '' : ', unverified'}] ${rec.sql}`);
    lines.push(
      `  ${rec.verified ? `removes ${formatPercent(rec.benefitShare, 1)} of the workload cost, ~${formatBytes(rec.sizeBytes ?? 0)}` : 'not verified'}; write overhead: ${formatCount(Math.round(rec.writeRows))} rows written`,
    );
    if (rec.unverifiedReason) lines.push(`  unverified: ${rec.unverifiedReason}`);
    for (const q of rec.queries.slice(0, 5)) lines.push(`  ${formatCount(q.calls)} calls, cost ${q.before.toFixed(0)} → ${q.after.toFixed(0)}: ${truncateSql(q.sql, 100)}`);
  }
  if (r.dropped?.length) {
    lines.push('', 'Chosen, then left out (each recommendation must be worth its place with the others in place):');
    for (const d of r.dropped) lines.push(`  ${d.schema}.${d.table} (${d.columns.join(', ')}): ${d.reason}`);
  }
  // Only the statements whose representative values cost differently from the generic plan (the others change
  // nothing; --format json lists them all).
  const telling = (r.representative ?? []).filter((s) => s.variants.some((v) => Math.abs(v.cost - s.genericCost) > 0.01 * Math.max(1, s.genericCost)));
  if (telling.length) {
    lines.push('', 'Costed with representative values of a skewed column (not one generic plan):');
    for (const s of telling.slice(0, 10))
      lines.push(`  ${s.column} = $${s.param}: ${s.variants.map((v) => `${truncateSql(v.value, 30)} ×${formatPercent(v.weight, 0)} cost ${v.cost.toFixed(0)}`).join(', ')} (generic ${s.genericCost.toFixed(0)}) — ${truncateSql(s.sql, 60)}`);
  }
  if (r.skipped.length) {
    lines.push('', 'Skipped statements:');
    for (const s of r.skipped.slice(0, 30)) lines.push(`  ${truncateSql(s.sql, 80)} — ${s.reason}`);
    if (r.skipped.length > 30) lines.push(`  … ${r.skipped.length - 30} more (--format json lists them all)`);
  }
  lines.push('', '== Index health');
  if (health.length === 0) lines.push('No unused, duplicate, invalid or missing foreign-key indexes.');
  for (const f of health) {
    lines.push(`[${f.severity}] ${f.title}`);
    if (f.sql) lines.push(`  ${f.sql}`);
  }
  return `${lines.join('\n')}\n`;
}
