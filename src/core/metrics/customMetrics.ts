// Custom metrics: numbers the user records with a snapshot (`pgopt snapshot --metric name=value[:unit]`),
// e.g. the p95 latency a load test measured or the app's queue length. They travel in the snapshot body
// (Snapshot.custom) and become gauge points `custom:NAME` in the store, so Trends charts them next to the
// built-in metrics. Names are validated: they are keys in the store and labels in reports.
import type { MetricUnit } from './metricDefs';

export interface CustomMetric {
  name: string;
  value: number;
  /** Free text such as "ms" or "req/s"; absent when none was given. */
  unit?: string;
}

export const CUSTOM_PREFIX = 'custom:';
export type CustomMetricId = `custom:${string}`;

const NAME = /^[a-z][a-z0-9_.]{0,62}$/;
const UNIT = /^[A-Za-z%/_.µ]{1,16}$/;
const KNOWN_UNITS: ReadonlySet<string> = new Set<MetricUnit>(['count', 'bytes', 'percent', 'seconds', 'ms']);

export class CustomMetricError extends Error {}

/** Parses one `name=value[:unit]`; throws CustomMetricError with one sentence on bad input. */
export function parseCustomMetric(text: string): CustomMetric {
  const eq = text.indexOf('=');
  const show = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  if (eq <= 0) throw new CustomMetricError(`--metric must be name=value[:unit] (e.g. p95_ms=120:ms), not ${show}`);
  const name = text.slice(0, eq);
  const rest = text.slice(eq + 1);
  const colon = rest.indexOf(':');
  const valueText = (colon >= 0 ? rest.slice(0, colon) : rest).trim();
  const unit = colon >= 0 ? rest.slice(colon + 1).trim() : undefined;
  if (!NAME.test(name)) {
    throw new CustomMetricError(`--metric name ${JSON.stringify(name.slice(0, 80))} is not valid: use lower-case letters, digits, _ and . (starting with a letter, at most 63 characters)`);
  }
  const value = valueText === '' ? NaN : Number(valueText);
  if (!Number.isFinite(value)) throw new CustomMetricError(`--metric ${name}: ${JSON.stringify(valueText.slice(0, 40))} is not a finite number`);
  if (unit !== undefined && !UNIT.test(unit)) throw new CustomMetricError(`--metric ${name}: unit ${JSON.stringify(unit.slice(0, 40))} is not valid: at most 16 letters, %, / or _`);
  return { name, value, ...(unit ? { unit } : {}) };
}

/** Parses every --metric; the same name twice is refused (which one would be meant?). */
export function parseCustomMetrics(texts: readonly string[]): CustomMetric[] {
  const out: CustomMetric[] = [];
  for (const t of texts) {
    const m = parseCustomMetric(t);
    if (out.some((o) => o.name === m.name)) throw new CustomMetricError(`--metric ${m.name} is given twice`);
    out.push(m);
  }
  return out;
}

export function customMetricId(name: string): CustomMetricId {
  return `${CUSTOM_PREFIX}${name}`;
}

export function isCustomMetricId(id: string): id is CustomMetricId {
  return id.startsWith(CUSTOM_PREFIX);
}

/** How a custom metric is charted: a unit pgopt knows formats as such, any other is shown in the label. */
export function customSeriesLook(name: string, unit: string | undefined): { label: string; unit: MetricUnit } {
  if (unit && KNOWN_UNITS.has(unit)) return { label: name, unit: unit as MetricUnit };
  return { label: unit ? `${name} (${unit})` : name, unit: 'count' };
}
