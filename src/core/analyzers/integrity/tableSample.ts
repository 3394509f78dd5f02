// How a data check reads a table: the whole table when it is small, a TABLESAMPLE of about `sampleRows`
// rows when the planner's estimate (reltuples) is larger. Every result says which it was, so a count from
// a sample is never mistaken for an exact one.
import { formatCount } from '../../format';
import { qualifiedName, quoteIdent } from '../../sql/quote';

export type SampleMethod = 'system' | 'bernoulli';

export interface SamplePlan {
  sampled: boolean;
  /** Percentage of the table sampled (100 when not sampled). */
  percent: number;
  method: SampleMethod;
  /** The planner's row estimate the decision was made on. */
  estimatedRows: number;
}

/** A fixed seed: the same sample on every run, so two runs of the report agree. */
const SAMPLE_SEED = 20261128;

/** SYSTEM picks whole pages: below this many sampled pages its result is too lumpy (or empty). */
export const MIN_SYSTEM_SAMPLE_PAGES = 100;

export function planSample(estimatedRows: number, sampleRows: number, method: SampleMethod, pages?: number): SamplePlan {
  if (!(estimatedRows > sampleRows)) return { sampled: false, percent: 100, method, estimatedRows: Math.max(0, estimatedRows) };
  // TABLESAMPLE takes a percentage; keep enough precision for tiny fractions of huge tables.
  const percent = Number(Math.max(0.0001, Math.min(100, (sampleRows / estimatedRows) * 100)).toPrecision(3));
  const tooFewPages = method === 'system' && pages !== undefined && (pages * percent) / 100 < MIN_SYSTEM_SAMPLE_PAGES;
  return { sampled: true, percent, method: tooFewPages ? 'bernoulli' : method, estimatedRows };
}

/** `FROM` item for the table under `alias`, with the TABLESAMPLE clause when the plan samples. */
export function fromItem(schema: string, table: string, alias: string, plan: SamplePlan): string {
  const base = `${qualifiedName(schema, table)} AS ${quoteIdent(alias)}`;
  if (!plan.sampled) return base;
  return `${base} TABLESAMPLE ${plan.method.toUpperCase()} (${plan.percent}) REPEATABLE (${SAMPLE_SEED})`;
}

/** "exact, all 1,234 rows" or "estimate from a 1 % SYSTEM sample, 50,000 rows". */
export function describeScope(plan: SamplePlan, scannedRows: number): string {
  if (!plan.sampled) return `exact, all ${formatCount(scannedRows)} rows`;
  const pct = plan.percent >= 1 ? `${Number(plan.percent.toFixed(1))} %` : `${plan.percent} %`;
  return `estimate from a ${pct} ${plan.method.toUpperCase()} sample, ${formatCount(scannedRows)} rows of about ${formatCount(scaleToTable(scannedRows, plan))}`;
}

/** Scales a count found in the sample to the whole table (the count itself when not sampled). Uses the
 *  sampling rate, not reltuples, which is stale or unknown (-1) on a table that was never analyzed. */
export function scaleToTable(count: number, plan: SamplePlan): number {
  if (!plan.sampled) return count;
  return Math.round(count / (plan.percent / 100));
}

/** "12 rows" or "3 rows in the sample (≈ 300 in the table)". */
export function describeCount(count: number, plan: SamplePlan, noun = 'row'): string {
  const n = `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
  if (!plan.sampled) return n;
  return `${n} in the sample (≈ ${formatCount(scaleToTable(count, plan))} in the table)`;
}
