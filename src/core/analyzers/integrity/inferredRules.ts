// Column rules inferred without pgopt.json: candidates come from a column's name and type, and are kept
// only when a bounded sample of its values (TABLESAMPLE + LIMIT, server-side, in the analyzer's read-only
// session) looks like the rule in most rows. The rule is then checked like a configured one (columnRules.ts)
// and its violations are reported as inferred, with a confidence, and as a rule the user can add to
// pgopt.json.
//
// False positives matter more than recall: a rule is reported only when at least `minShare` (default 95 %)
// of the column's sampled non-null values satisfy it — measured on the inference sample where the profile
// can (formats, enumerations, scales) and always again on the rows checked — and only when the column has
// at least MIN_VALUES non-null values in the sample.
import type { IntegrityRule } from '../../config';
import type { QueryRunner } from '../../db/session';
import { quoteIdent, quoteLiteral } from '../../sql/quote';
import { FORMAT_PATTERNS } from './columnRules';
import type { ColumnFacts, TableFacts } from './inferredChecks';
import { fromItem, planSample, type SampleMethod } from './tableSample';

/** Rows read per table to infer rules (a TABLESAMPLE of about this many rows, capped by LIMIT). */
export const INFER_SAMPLE_ROWS = 10_000;
/** A column needs this many non-null sampled values before anything is inferred from them. */
export const MIN_VALUES = 50;
/** Default share of sampled non-null values that must satisfy a rule before its violations are reported. */
export const DEFAULT_MIN_SHARE = 0.95;
/** Enumerations: at most this many distinct values in the sample. */
const MAX_ENUM_VALUES = 30;
/** Per-group ranges need this many values in the group. */
const MIN_GROUP_VALUES = 100;

export type Confidence = 'high' | 'medium' | 'low';

export interface InferredRule {
  rule: IntegrityRule;
  /** What kind of evidence produced it: 'format', 'past date', 'birth date', 'percentage', 'fraction', 'age', 'scale', 'enumeration', 'observed range'. */
  kind: string;
  confidence: Confidence;
  /** Why: the name hint and the share of sampled values that fit, in words. */
  evidence: string;
  /** Whether the column's name suggested the rule. */
  nameHint: boolean;
}

// ---- names -----------------------------------------------------------------------------------------

/** `dateOfBirth`, `date_of_birth`, `DOB` -> ['date', 'of', 'birth'] / ['dob']. */
export function nameTokens(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const has = (tokens: string[], words: readonly string[]): boolean => tokens.some((t) => words.includes(t));

const HINTS = {
  email: ['email', 'mail', 'emailaddress'],
  phone: ['phone', 'mobile', 'tel', 'telephone', 'fax', 'msisdn', 'cell', 'cellphone', 'phonenumber'],
  url: ['url', 'uri', 'link', 'website', 'homepage', 'href', 'site', 'webpage'],
  uuid: ['uuid', 'guid'],
  quantity: ['dose', 'dosage', 'quantity', 'qty', 'amount', 'size', 'volume', 'strength', 'weight', 'height', 'length', 'distance', 'duration', 'capacity', 'serving'],
  percent: ['percent', 'pct', 'percentage', 'progress', 'completion', 'completeness'],
  fraction: ['confidence', 'probability', 'prob', 'likelihood', 'fraction', 'certainty'],
  scale: ['rating', 'score', 'level', 'grade', 'stars', 'star', 'effectiveness', 'satisfaction', 'pain', 'severity', 'priority', 'intensity', 'mood', 'difficulty', 'nps'],
  birth: ['birth', 'dob', 'born', 'birthday', 'birthdate'],
  past: ['created', 'updated', 'modified', 'inserted', 'logged', 'recorded', 'measured', 'taken', 'triggered', 'sent', 'received', 'registered', 'joined', 'signup', 'signed', 'login', 'last', 'seen', 'occurred', 'happened', 'submitted', 'completed', 'timestamp', 'ts', 'observed', 'reported', 'paid', 'deleted', 'archived'],
  future: ['next', 'due', 'deadline', 'expires', 'expiry', 'expiration', 'until', 'scheduled', 'planned', 'end', 'ends', 'valid', 'remind', 'reminder', 'start', 'starts', 'begin', 'appointment', 'target'],
  enumeration: ['status', 'state', 'type', 'kind', 'category', 'role', 'severity', 'level', 'priority', 'frequency', 'freq', 'gender', 'sex', 'unit', 'units', 'source', 'channel', 'mode', 'tier', 'plan', 'stage', 'phase', 'class', 'grade', 'currency', 'country', 'lang', 'language', 'method', 'platform', 'device', 'format', 'feedback', 'vote', 'reaction', 'sentiment', 'outcome'],
  freeText: ['note', 'notes', 'message', 'comment', 'comments', 'description', 'desc', 'text', 'body', 'title', 'name', 'address', 'response', 'reason', 'summary', 'content', 'remark', 'remarks', 'bio'],
  discriminator: ['type', 'kind', 'metric', 'category', 'measure', 'measurement', 'sensor', 'parameter', 'variable', 'indicator'],
  value: ['value', 'val', 'reading', 'measurement', 'result', 'amount', 'quantity'],
} as const;

const NUMERIC_TYPES = new Set([20, 21, 23, 700, 701, 1700]);
const INTEGER_TYPES = new Set([20, 21, 23]);
const DATE_TYPES = new Set([1082, 1114, 1184]);

/** Keys and references are never validated by format: their rules are the constraints' job. */
function isKeyLike(c: ColumnFacts, t: TableFacts): boolean {
  return c.inForeignKey || t.key.includes(c.column) || /^id$|_id$|Id$/.test(c.column);
}

// ---- the profile: one bounded pass per table -------------------------------------------------------

export interface ColumnProfile {
  column: string;
  typeOid: number;
  typeCategory: string;
  /** Non-null values in the sample. */
  nonNull: number;
  distinct: number;
  /** Text: values matching each built-in format. */
  formats?: Record<keyof typeof FORMAT_PATTERNS, number>;
  /** Numbers: quantiles of the sample (1 %, 25 %, 75 %, 99 %), min, max, whole-number values. */
  q01?: number;
  q25?: number;
  q75?: number;
  q99?: number;
  integral?: number;
  /** Dates: values at or before now(), and within the last 120 years. */
  past?: number;
  plausibleAge?: number;
  /** Value -> count, for columns with few distinct values (enumerations and integer scales). */
  values?: Map<string, number>;
}

export interface GroupProfile {
  value: string;
  by: string;
  group: string;
  nonNull: number;
  q01: number;
  q25: number;
  q75: number;
  q99: number;
}

export interface TableProfile {
  schema: string;
  table: string;
  sampled: number;
  columns: ColumnProfile[];
  groups: GroupProfile[];
}

/** The columns worth profiling: text, numbers and dates that are not keys or references. */
export function profiledColumns(t: TableFacts): ColumnFacts[] {
  return t.columns.filter((c) => !isKeyLike(c, t) && (c.typeCategory === 'S' || NUMERIC_TYPES.has(c.typeOid) || DATE_TYPES.has(c.typeOid)));
}

/** Reads the table's inference sample (about INFER_SAMPLE_ROWS rows, server-side) and profiles its columns. */
export async function profileTable(q: QueryRunner, t: TableFacts, method: SampleMethod): Promise<TableProfile> {
  const cols = profiledColumns(t);
  const plan = planSample(t.estimatedRows, INFER_SAMPLE_ROWS, method, t.pages);
  const sample = (list: string): string => `(SELECT ${list} FROM ${fromItem(t.schema, t.table, 'r', plan)} LIMIT ${INFER_SAMPLE_ROWS})`;
  const out: TableProfile = { schema: t.schema, table: t.table, sampled: 0, columns: [], groups: [] };
  if (!cols.length) return out;
  const alias = cols.map((c, i) => `"r".${quoteIdent(c.column)} AS c${i}`).join(', ');
  const patterns = Object.entries(FORMAT_PATTERNS);
  const params = patterns.map(([, p]) => p);
  const aggs = cols.map((c, i) => {
    const v = `s.c${i}`;
    const parts = [`count(${v})::float8 AS nn${i}`, `count(DISTINCT ${v})::float8 AS d${i}`];
    if (c.typeCategory === 'S') patterns.forEach((_p, k) => parts.push(`count(*) FILTER (WHERE ${v}::text ~ $${k + 1})::float8 AS f${i}_${k}`));
    else if (NUMERIC_TYPES.has(c.typeOid)) {
      parts.push(`percentile_cont(ARRAY[0.01, 0.25, 0.75, 0.99]) WITHIN GROUP (ORDER BY ${v}::float8) AS q${i}`);
      parts.push(`count(*) FILTER (WHERE ${v}::float8 = trunc(${v}::float8))::float8 AS int${i}`);
    } else {
      parts.push(`count(*) FILTER (WHERE ${v} <= now())::float8 AS past${i}`);
      parts.push(`count(*) FILTER (WHERE ${v} <= now() AND ${v} > now() - interval '120 years')::float8 AS age${i}`);
    }
    return parts.join(', ');
  });
  const [row] = await q.query<Record<string, unknown>>(`SELECT count(*)::float8 AS n, ${aggs.join(',\n       ')} FROM ${sample(alias)} s`, params);
  out.sampled = Number(row?.n ?? 0);
  for (const [i, c] of cols.entries()) {
    const p: ColumnProfile = { column: c.column, typeOid: c.typeOid, typeCategory: c.typeCategory, nonNull: Number(row?.[`nn${i}`] ?? 0), distinct: Number(row?.[`d${i}`] ?? 0) };
    if (c.typeCategory === 'S') p.formats = Object.fromEntries(patterns.map(([name], k) => [name, Number(row?.[`f${i}_${k}`] ?? 0)])) as ColumnProfile['formats'];
    else if (NUMERIC_TYPES.has(c.typeOid)) {
      const qs = (row?.[`q${i}`] as (number | null)[] | null) ?? [];
      [p.q01, p.q25, p.q75, p.q99] = [qs[0] ?? NaN, qs[1] ?? NaN, qs[2] ?? NaN, qs[3] ?? NaN].map(Number);
      p.integral = Number(row?.[`int${i}`] ?? 0);
    } else {
      p.past = Number(row?.[`past${i}`] ?? 0);
      p.plausibleAge = Number(row?.[`age${i}`] ?? 0);
    }
    out.columns.push(p);
  }

  // Value counts of the columns with few distinct values: enumerations and integer scales.
  const few = out.columns.filter((p) => p.nonNull >= MIN_VALUES && p.distinct <= MAX_ENUM_VALUES && (p.typeCategory === 'S' || (p.integral === p.nonNull && INTEGER_TYPES.has(p.typeOid))));
  if (few.length) {
    const idx = few.map((p) => cols.findIndex((c) => c.column === p.column));
    const rows = await q.query<{ i: number; val: string; n: number }>(
      `SELECT v.i, v.val, count(*)::float8 AS n
         FROM ${sample(alias)} s
         CROSS JOIN LATERAL (VALUES ${idx.map((i) => `(${i}, s.c${i}::text)`).join(', ')}) AS v(i, val)
        WHERE v.val IS NOT NULL
        GROUP BY 1, 2`,
    );
    for (const i of idx) out.columns[i]!.values = new Map();
    for (const r of rows) out.columns[Number(r.i)]!.values?.set(r.val, Number(r.n));
  }

  // Measurements of several kinds in one column (value by data_type): quantiles per kind.
  const discriminators = out.columns.filter((p) => p.typeCategory === 'S' && p.distinct >= 2 && p.distinct <= MAX_ENUM_VALUES && p.nonNull >= MIN_VALUES && has(nameTokens(p.column), HINTS.discriminator));
  const measures = out.columns.filter((p) => NUMERIC_TYPES.has(p.typeOid) && p.nonNull >= MIN_VALUES && has(nameTokens(p.column), HINTS.value));
  for (const d of discriminators) {
    for (const m of measures) {
      const rows = await q.query<{ g: string; nn: number; q: number[] }>(
        `SELECT s.g, count(*)::float8 AS nn, percentile_cont(ARRAY[0.01, 0.25, 0.75, 0.99]) WITHIN GROUP (ORDER BY s.v) AS q
           FROM ${sample(`"r".${quoteIdent(d.column)}::text AS g, "r".${quoteIdent(m.column)}::float8 AS v`)} s
          WHERE s.g IS NOT NULL AND s.v IS NOT NULL
          GROUP BY s.g
          ORDER BY s.g`,
      );
      for (const r of rows) {
        const [q01, q25, q75, q99] = (r.q ?? []).map(Number);
        out.groups.push({ value: m.column, by: d.column, group: r.g, nonNull: Number(r.nn), q01: q01 ?? NaN, q25: q25 ?? NaN, q75: q75 ?? NaN, q99: q99 ?? NaN });
      }
    }
  }
  return out;
}

// ---- deciding: pure, from the profile --------------------------------------------------------------

const pct = (x: number): string => `${(Math.floor(x * 1000) / 10).toFixed(1)} %`;

function confidenceOf(nameHint: boolean, share: number, minShare: number): Confidence {
  if (nameHint && share >= 0.98) return 'high';
  if (nameHint || share >= Math.max(0.99, minShare)) return 'medium';
  return 'low';
}

/** `v` rounded outward to two significant digits (139.2 -> 140 up, 8.7 -> 8.7 down). */
export function niceBound(v: number, dir: 'down' | 'up'): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const mag = 10 ** (Math.floor(Math.log10(Math.abs(v))) - 1);
  const r = (dir === 'up' ? Math.ceil(v / mag - 1e-9) : Math.floor(v / mag + 1e-9)) * mag;
  return Number(r.toPrecision(12));
}

/**
 * The scale of a rating column from its value counts: the top is the smallest of 1, 3, 4, 5, 6, 7, 10, 100
 * at or above the 99th percentile, the bottom 1 when the values start at 1 or above, else 0. Null when the
 * values are negative, run past 100, or fall outside the scale in more than 5 distinct values (a long tail
 * is data, not typos).
 */
export function inferScale(values: Map<string, number>): [number, number] | null {
  const entries = [...values.entries()].map(([k, n]) => [Number(k), n] as const).filter(([k]) => Number.isFinite(k)).sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (!total) return null;
  const quantile = (p: number): number => {
    let acc = 0;
    for (const [k, n] of entries) {
      acc += n;
      if (acc >= p * total) return k;
    }
    return entries[entries.length - 1]![0];
  };
  const lo = quantile(0.01);
  const hi = quantile(0.99);
  if (lo < 0) return null;
  const top = [1, 3, 4, 5, 6, 7, 10, 100].find((s) => s >= hi);
  if (top === undefined) return null;
  const bottom = lo >= 1 ? 1 : 0;
  const outside = entries.filter(([k]) => k < bottom || k > top).length;
  return outside <= 5 ? [bottom, top] : null;
}

/**
 * An enumeration's vocabulary: the frequent values, when the rest are rare and clearly apart (the least
 * frequent kept value at least 5 times as common as the most frequent rare one, each rare value under
 * 0.5 % of the rows). All values when none is rare. Null when no such split exists.
 */
export function inferVocabulary(values: Map<string, number>, minShare: number): { vocabulary: string[]; rare: string[] } | null {
  const sorted = [...values.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const total = sorted.reduce((s, [, n]) => s + n, 0);
  if (sorted.length < 2 || !total) return null;
  // Only values under 0.5 % can be rare; among those places, the widest gap between neighbours.
  const firstRare = sorted.findIndex(([, n]) => n / total < 0.005);
  let split = sorted.length;
  let best = 0;
  for (let i = Math.max(2, firstRare); firstRare >= 0 && i < sorted.length; i++) {
    const ratio = sorted[i - 1]![1] / sorted[i]![1];
    if (ratio > best) {
      best = ratio;
      split = i;
    }
  }
  if (best < 5) split = sorted.length;
  const vocab = sorted.slice(0, split);
  const rare = sorted.slice(split);
  const rareRows = rare.reduce((s, [, n]) => s + n, 0);
  if (vocab.length < 2 || vocab[vocab.length - 1]![1] < 10) return null;
  if (rareRows / total > 1 - minShare) return null;
  return { vocabulary: vocab.map(([v]) => v), rare: rare.map(([v]) => v) };
}

/** Rare values that are the same as a vocabulary value once case and spaces are ignored ('MILD', 'moderate '). */
function variantsOf(rare: string[], vocabulary: string[]): string[] {
  const norm = (s: string): string => s.toLowerCase().replace(/[\s_-]+/g, '');
  const known = new Set(vocabulary.map(norm));
  return rare.filter((r) => known.has(norm(r)));
}

/**
 * The rules a table's profile supports, at most one per column (one per column and group for measurements
 * by kind). Pure: decided from the profile and the column names only.
 */
export function inferRules(t: TableFacts, profile: TableProfile, minShare: number): InferredRule[] {
  const out: InferredRule[] = [];
  const base = { ...(t.schema !== 'public' ? { schema: t.schema } : {}), table: t.table };
  const facts = new Map(t.columns.map((c) => [c.column, c]));
  const grouped = new Set(profile.groups.map((g) => g.value));
  for (const p of profile.columns) {
    if (p.nonNull < MIN_VALUES) continue;
    const c = facts.get(p.column);
    if (!c) continue;
    const tokens = nameTokens(p.column);
    const rule = { ...base, column: p.column };
    const fits = (n: number): number => n / p.nonNull;
    const push = (r: Omit<InferredRule, 'confidence'> & { share: number }): void => {
      const { share, ...rest } = r;
      out.push({ ...rest, confidence: confidenceOf(r.nameHint, share, minShare) });
    };
    if (p.typeCategory === 'S' && p.formats) {
      // Formats: the name hints at it and most values fit, or (without a hint) nearly all do.
      const formats: Array<[keyof typeof FORMAT_PATTERNS, readonly string[], boolean]> = [
        ['email', HINTS.email, false],
        ['uuid', HINTS.uuid, false],
        ['url', HINTS.url, false],
        ['phone', HINTS.phone, true],
        ['quantity-with-unit', HINTS.quantity, false],
      ];
      let done = false;
      for (const [format, hint, hintRequired] of formats) {
        const nameHint = has(tokens, hint);
        const share = fits(p.formats[format]);
        if (share < minShare || (!nameHint && (hintRequired || share < Math.max(0.99, minShare)))) continue;
        push({ rule: { ...rule, format }, kind: 'format', nameHint, share, evidence: `${nameHint ? `the name "${p.column}" and ` : ''}${pct(share)} of ${p.nonNull} sampled values match format ${format}` });
        done = true;
        break;
      }
      if (done || has(tokens, HINTS.freeText) || c.uniqueAlone || !p.values) continue;
      const nameHint = has(tokens, HINTS.enumeration);
      const v = inferVocabulary(p.values, minShare);
      if (!v) continue;
      const variants = variantsOf(v.rare, v.vocabulary);
      // Without a name hint, only an enumeration whose rare values are spelling variants of its own.
      if (!nameHint && variants.length === 0) continue;
      const share = fits(v.vocabulary.reduce((s, x) => s + (p.values?.get(x) ?? 0), 0));
      out.push({
        rule: { ...rule, oneOf: [...v.vocabulary].sort() },
        kind: 'enumeration',
        nameHint,
        confidence: variants.length ? 'high' : 'medium',
        evidence: `${nameHint ? `the name "${p.column}" and ` : ''}${pct(share)} of ${p.nonNull} sampled values are one of ${v.vocabulary.length} frequent values${v.rare.length ? `; rare ones: ${v.rare.slice(0, 5).map((x) => JSON.stringify(x)).join(', ')}${v.rare.length > 5 ? ', …' : ''}${variants.length ? ` (${variants.length} differ from a frequent value only by case or spacing)` : ''}` : ''}`,
      });
      continue;
    }
    if (NUMERIC_TYPES.has(p.typeOid)) {
      if (grouped.has(p.column)) continue;
      const range = (lo: number, hi: number, kind: string, nameHint: boolean): void => {
        out.push({ rule: { ...rule, range: [lo, hi] }, kind, nameHint, confidence: 'medium', evidence: `the name "${p.column}" and the sampled values (1st–99th percentile ${fmt(p.q01)}–${fmt(p.q99)}) suggest [${lo}, ${hi}]` });
      };
      // The quartiles place the bulk; the share inside the range is gated on the checked rows.
      const bulkIn = (lo: number, hi: number): boolean => (p.q25 ?? NaN) >= lo && (p.q75 ?? NaN) <= hi;
      if (has(tokens, HINTS.fraction) && bulkIn(0, 1)) range(0, 1, 'fraction', true);
      else if (has(tokens, HINTS.percent) && bulkIn(0, 100)) {
        if (bulkIn(0, 1) && (p.q99 ?? 2) <= 1 && !has(tokens, ['progress'])) range(0, 1, 'fraction', true);
        else range(0, 100, 'percentage', true);
      } else if (tokens.includes('age') && bulkIn(0, 120)) {
        out.push({ rule: { ...rule, format: 'plausible-age' }, kind: 'age', nameHint: true, confidence: 'medium', evidence: `the name "${p.column}" and sampled values ${fmt(p.q01)}–${fmt(p.q99)} (1st–99th percentile) suggest an age in years` });
      } else if (has(tokens, [...HINTS.scale, ...HINTS.enumeration]) && p.values && p.integral === p.nonNull) {
        const scale = has(tokens, HINTS.scale) ? inferScale(p.values) : null;
        if (scale) {
          const inside = [...p.values].reduce((s, [k, n]) => s + (Number(k) >= scale[0] && Number(k) <= scale[1] ? n : 0), 0);
          if (fits(inside) >= minShare) push({ rule: { ...rule, range: scale }, kind: 'scale', nameHint: true, share: fits(inside), evidence: `the name "${p.column}" and ${pct(fits(inside))} of ${p.nonNull} sampled values on the scale ${scale[0]}–${scale[1]}` });
          continue;
        }
        const v = inferVocabulary(p.values, minShare);
        if (v && v.vocabulary.length <= 5 && v.rare.length) {
          const share = fits(v.vocabulary.reduce((s, x) => s + (p.values?.get(x) ?? 0), 0));
          out.push({ rule: { ...rule, oneOf: v.vocabulary.map(Number).sort((a, b) => a - b) }, kind: 'enumeration', nameHint: true, confidence: 'medium', evidence: `the name "${p.column}" and ${pct(share)} of ${p.nonNull} sampled values are one of ${v.vocabulary.length} frequent values; rare ones: ${v.rare.slice(0, 5).join(', ')}` });
        }
      }
      continue;
    }
    if (DATE_TYPES.has(p.typeOid)) {
      if (has(tokens, HINTS.birth) && fits(p.plausibleAge ?? 0) >= minShare) {
        push({ rule: { ...rule, format: 'plausible-age' }, kind: 'birth date', nameHint: true, share: fits(p.plausibleAge ?? 0), evidence: `the name "${p.column}" and ${pct(fits(p.plausibleAge ?? 0))} of ${p.nonNull} sampled dates in the past 120 years` });
      } else if (has(tokens, HINTS.past) && !has(tokens, HINTS.future) && fits(p.past ?? 0) >= minShare) {
        push({ rule: { ...rule, format: 'date-past' }, kind: 'past date', nameHint: true, share: fits(p.past ?? 0), evidence: `the name "${p.column}" and ${pct(fits(p.past ?? 0))} of ${p.nonNull} sampled values not in the future` });
      }
    }
  }
  // Measurements of several kinds in one column: per kind, the range its own values span, widened to
  // Tukey's far-out fences (3 interquartile ranges beyond the quartiles), never below 0 when the kind's
  // values are not negative.
  for (const g of profile.groups) {
    if (g.nonNull < MIN_GROUP_VALUES) continue;
    const iqr = g.q75 - g.q25;
    if (!(iqr > 0)) continue;
    let lo = niceBound(g.q25 - 3 * iqr, 'down');
    const hi = niceBound(g.q75 + 3 * iqr, 'up');
    if (g.q01 >= 0) lo = Math.max(0, lo);
    out.push({
      rule: { ...base, column: g.value, range: [lo, hi], where: `${quoteIdent(g.by)} = ${quoteLiteral(g.group)}` },
      kind: 'observed range',
      nameHint: false,
      confidence: 'low',
      evidence: `the ${g.nonNull} sampled values where ${g.by} = '${g.group}' have quartiles ${fmt(g.q25)}–${fmt(g.q75)}; the range is 3 interquartile ranges beyond them${g.q01 >= 0 ? ', not below 0' : ''}`,
    });
  }
  return out;
}

const fmt = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '?' : String(Number(x.toPrecision(6))));

/** Short words for a table row and a finding title: "format email", "range [0, 100] where ...". */
export function describeInferred(r: InferredRule): string {
  return `${r.kind}, confidence ${r.confidence}`;
}
