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

export const ANALYZERS: readonly Analyzer[] = [healthAnalyzer, maintenanceAnalyzer, indexesAnalyzer, queriesAnalyzer, connectionsAnalyzer, poolerAnalyzer, cachingAnalyzer, constraintsAnalyzer, integrityAnalyzer];

export function selectAnalyzers(ids: readonly string[] | undefined): { analyzers: Analyzer[]; unknown: string[] } {
  if (!ids || ids.length === 0) return { analyzers: [...ANALYZERS], unknown: [] };
  const unknown = ids.filter((id) => !ANALYZERS.some((a) => a.id === id));
  return { analyzers: ANALYZERS.filter((a) => ids.includes(a.id)), unknown };
}
