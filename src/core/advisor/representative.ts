// Representative parameters for skewed columns. A `$n` statement is costed with its generic plan, which
// estimates `col = $n` as an average value (about 1 / n_distinct of the rows). When the column is skewed —
// HealthMate's health_data.data_type: heart_rate 30 % of the rows, respiratory_rate 3 % — that average hides
// what an index does for the rare values: the generic plan stays a sequential scan with or without it,
// while the application's own executions (custom plans: the driver sends the values) use the index for a
// rare value. Measured on HealthMate: the research view filtering data_type stayed at 78–81 ms with every
// recommendation built, while a data_type index cut a rare type from 112 to 65 ms.
//
// So, for a statement whose generic plan compares a base-table column with a parameter (`alias.col = $n`
// in a scan's Filter / Index Cond, read from EXPLAIN VERBOSE, so views and joins resolve to the base
// column) and whose column's pg_stats are skewed (the most common value at least SKEW_RATIO times as
// frequent as the rarest one known, the chosen values too, and the most common of them in at least 1 % of the
// rows), the statement is replaced, for costing, by REPRESENTATIVE_VALUES
// variants with the parameter bound to a literal value: the values at the middle of each equal-weight slice
// of the values' distribution, where a value's weight is half its share of the rows (values asked for in
// proportion to their rows) and half 1 / n_distinct (every value asked for equally often). Each variant
// carries its weight's share of the statement's calls, so the workload's total is the expectation over
// the values instead of the generic plan's average. The rest of the advisor is unchanged: variants are
// statements like the others (the planner uses the literal's statistics; other parameters stay generic).
// The report merges them back into their statement (mergeVariantImpacts).
import type { QueryRunner } from '../db/session';
import { NEGLIGIBLE_SHARE } from './pool';
import type { AdvisorOptions, Planned, QueryImpact, Recommendation, RepresentativeStatement } from './types';
import type { GenericPlanner } from './whatif';

/** A column is skewed when its most common value is at least this many times as frequent as its rarest known value. */
export const SKEW_RATIO = 3;
/**
 * The most common representative must be at least this share of the rows: below it every value selects too few
 * rows for the plan to change with the value (a per-user lookup on a user_id whose busiest user has 0.2 % of the
 * rows), and the variants would only multiply the what-if work.
 */
export const MIN_COMMON_SHARE = 0.01;
/** Variants per skewed statement (equal-weight slices of the values' distribution). */
export const REPRESENTATIVE_VALUES = 3;
/** Separator between a statement's id and its variant number. */
const VARIANT = '#value';

interface ColumnRef {
  schema: string;
  table: string;
  column: string;
  param: number;
}

interface ColumnStats {
  nullFrac: number;
  distinct: number;
  mcv: string[];
  mcf: number[];
  histogram: string[];
}

/** Conditions of a scan node in EXPLAIN VERBOSE that may compare a column with a parameter. */
const COND_KEYS = ['Filter', 'Index Cond', 'Recheck Cond'];
const IDENT = `(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;

function unquote(id: string): string {
  return id.startsWith('"') ? id.slice(1, -1).replace(/""/g, '"') : id;
}

/** `alias.col = $n` (and `$n = alias.col`, casts allowed) in a condition: the columns and parameters. */
export function paramEqualities(cond: string, alias: string): { column: string; param: number }[] {
  const a = alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const qa = `(?:${a}|"${a.replace(/"/g, '""')}")`;
  const col = `\\(*${qa}\\.(${IDENT})\\)*(?:::[A-Za-z_ ]+(?:\\[\\])?\\)*)?`;
  const param = `\\$(\\d+)(?:::[A-Za-z_ ]+(?:\\[\\])?)?`;
  const out: { column: string; param: number }[] = [];
  for (const m of cond.matchAll(new RegExp(`${col}\\s*=\\s*${param}(?![\\d])`, 'g'))) out.push({ column: unquote(m[1]!), param: Number(m[2]) });
  for (const m of cond.matchAll(new RegExp(`\\$(\\d+)(?:::[A-Za-z_ ]+)?\\)*\\s*=\\s*${col}`, 'g'))) out.push({ column: unquote(m[2]!), param: Number(m[1]) });
  return out;
}

/** Every (base column, parameter) equality in the scans of a plan (EXPLAIN (VERBOSE, FORMAT JSON) output). */
export function columnParamRefs(planJson: unknown): ColumnRef[] {
  const arr = typeof planJson === 'string' ? (JSON.parse(planJson) as unknown) : planJson;
  const root = Array.isArray(arr) ? (arr[0] as { Plan?: unknown } | undefined)?.Plan : undefined;
  const out: ColumnRef[] = [];
  const stack: unknown[] = root ? [root] : [];
  while (stack.length) {
    const n = stack.pop() as Record<string, unknown>;
    const rel = n['Relation Name'];
    const schema = n.Schema;
    const alias = n.Alias;
    if (typeof rel === 'string' && typeof schema === 'string' && typeof alias === 'string') {
      for (const k of COND_KEYS) {
        const cond = n[k];
        if (typeof cond !== 'string' || !cond.includes('$')) continue;
        for (const e of paramEqualities(cond, alias)) out.push({ schema, table: rel, column: e.column, param: e.param });
      }
    }
    for (const c of (n.Plans as unknown[] | undefined) ?? []) stack.push(c);
  }
  return out;
}

/**
 * The representative values of a column (REPRESENTATIVE_VALUES slices of equal weight), or undefined when
 * the column is not skewed or its statistics do not name values. Pure: from pg_stats' fields.
 */
export function representativeValues(st: ColumnStats, slices = REPRESENTATIVE_VALUES): { value: string; weight: number }[] | undefined {
  const { mcv, mcf } = st;
  if (!mcv.length || mcv.length !== mcf.length || st.distinct < 2) return undefined;
  const nonNull = Math.max(1e-9, 1 - st.nullFrac);
  const restDistinct = Math.max(0, Math.round(st.distinct) - mcv.length);
  const restFreq = Math.max(0, nonNull - mcf.reduce((a, b) => a + b, 0));
  // Values with their row share; the values outside the MCV list as one group at their average frequency,
  // represented by the middle histogram bound (a value that exists and is not a common one).
  const groups: { value: string; freq: number; count: number }[] = mcv.map((v, i) => ({ value: v, freq: mcf[i]!, count: 1 }));
  const mid = st.histogram[Math.floor(st.histogram.length / 2)];
  if (restDistinct > 0 && restFreq > 0 && mid !== undefined) groups.push({ value: mid, freq: restFreq / restDistinct, count: restDistinct });
  groups.sort((a, b) => b.freq - a.freq);
  const rarest = groups[groups.length - 1]!.freq;
  if (groups.length < 2 || rarest <= 0 || groups[0]!.freq / rarest < SKEW_RATIO) return undefined;
  const distinct = groups.reduce((a, g) => a + g.count, 0);
  const weightOf = (g: { freq: number; count: number }): number => g.count * (0.5 * (g.freq / nonNull) + 0.5 / distinct);
  const total = groups.reduce((a, g) => a + weightOf(g), 0);
  const picked = new Map<string, number>();
  const freqs: number[] = [];
  let cum = 0;
  let gi = 0;
  for (let s = 0; s < slices; s++) {
    const target = (total * (s + 0.5)) / slices;
    while (gi < groups.length - 1 && cum + weightOf(groups[gi]!) < target) cum += weightOf(groups[gi++]!);
    const v = groups[gi]!.value;
    picked.set(v, (picked.get(v) ?? 0) + 1 / slices);
    freqs.push(groups[gi]!.freq / nonNull);
  }
  // The representatives themselves must be skewed, and the common one select enough rows to matter.
  if (picked.size < 2 || Math.max(...freqs) < MIN_COMMON_SHARE || Math.max(...freqs) / Math.min(...freqs) < SKEW_RATIO) return undefined;
  return [...picked].map(([value, weight]) => ({ value, weight }));
}

/** `$n` bound to a literal, the parameters after it renumbered (outside string literals, quoted names and comments). */
export function bindParam(sql: string, n: number, literal: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === ch && sql[j + 1] !== ch)) j += sql[j] === ch ? 2 : 1;
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const j = sql.indexOf('\n', i);
      out += sql.slice(i, j < 0 ? sql.length : j);
      i = j < 0 ? sql.length : j;
    } else if (ch === '$' && /\d/.test(sql[i + 1] ?? '') && !/[A-Za-z0-9_$]/.test(sql[i - 1] ?? '')) {
      let j = i + 1;
      while (/\d/.test(sql[j] ?? '')) j++;
      const k = Number(sql.slice(i + 1, j));
      out += k === n ? literal : k > n ? `$${k - 1}` : `$${k}`;
      i = j;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

function literalOf(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

async function loadStats(q: QueryRunner, cols: ColumnRef[]): Promise<Map<string, ColumnStats>> {
  const key = (s: string, t: string, c: string): string => `${s}\u0000${t}\u0000${c}`;
  const uniq = [...new Map(cols.map((c) => [key(c.schema, c.table, c.column), c])).values()];
  const out = new Map<string, ColumnStats>();
  if (!uniq.length) return out;
  // anyarray -> text -> text[]: the values as the column's output function writes them (a literal of each).
  const rows = await q.query<{ s: string; t: string; c: string; null_frac: number; n_distinct: number; reltuples: number; mcv: string[] | null; mcf: number[] | null; hist: string[] | null }>(
    `SELECT st.schemaname AS s, st.tablename AS t, st.attname AS c, st.null_frac, st.n_distinct, greatest(cl.reltuples, 0)::float8 AS reltuples,
            st.most_common_vals::text::text[] AS mcv, st.most_common_freqs::float8[] AS mcf, st.histogram_bounds::text::text[] AS hist
       FROM pg_stats st
       JOIN pg_namespace n ON n.nspname = st.schemaname
       JOIN pg_class cl ON cl.relnamespace = n.oid AND cl.relname = st.tablename
      WHERE (st.schemaname, st.tablename, st.attname) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))
      ORDER BY st.inherited`,
    [uniq.map((c) => c.schema), uniq.map((c) => c.table), uniq.map((c) => c.column)],
  );
  for (const r of rows) {
    const k = key(r.s, r.t, r.c);
    if (out.has(k)) continue;
    const distinct = r.n_distinct >= 0 ? r.n_distinct : -r.n_distinct * r.reltuples;
    out.set(k, { nullFrac: Number(r.null_frac), distinct, mcv: r.mcv ?? [], mcf: (r.mcf ?? []).map(Number), histogram: r.hist ?? [] });
  }
  return out;
}

export interface RepresentativeResult {
  planned: Planned[];
  representative: RepresentativeStatement[];
  totalBefore: number;
}

/**
 * Replaces each parameterised statement over a skewed column by its weighted variants (planned, with their
 * baseline). One EXPLAIN (VERBOSE) per candidate statement (a `$n` compared with `=`, not negligible), one
 * pg_stats read, and one plan per variant.
 */
export async function representativeVariants(q: QueryRunner, planner: GenericPlanner, planned: Planned[], totalBefore: number, opts: AdvisorOptions, check: () => void): Promise<RepresentativeResult> {
  const negligibleAbs = (opts.negligibleShare ?? NEGLIGIBLE_SHARE) * totalBefore;
  const eqParam = /=\s*\$\d|\$\d+(?:::[\w ]+)?\s*=/;
  const refs = new Map<Planned, ColumnRef[]>();
  for (const p of planned) {
    if (p.shape.paramCount === 0 || p.stmt.calls * p.baseline < negligibleAbs || !eqParam.test(p.stmt.sql)) continue;
    check();
    try {
      const found = columnParamRefs(await planner.explainJson(p.stmt.sql, p.shape.paramCount, ['VERBOSE']));
      if (found.length) refs.set(p, found);
    } catch {
      // Planned already; a VERBOSE failure only means no variants.
    }
  }
  const stats = await loadStats(
    q,
    [...refs.values()].flat(),
  ).catch(() => new Map<string, ColumnStats>());
  const representative: RepresentativeStatement[] = [];
  const out: Planned[] = [];
  for (const p of planned) {
    const found = refs.get(p);
    let best: { ref: ColumnRef; values: { value: string; weight: number }[] } | undefined;
    for (const ref of found ?? []) {
      const st = stats.get(`${ref.schema}\u0000${ref.table}\u0000${ref.column}`);
      const values = st ? representativeValues(st) : undefined;
      if (values && !best) best = { ref, values };
    }
    if (!best) {
      out.push(p);
      continue;
    }
    check();
    const variants: Planned[] = [];
    for (const [k, v] of best.values.entries()) {
      const sql = bindParam(p.stmt.sql, best.ref.param, literalOf(v.value));
      const paramCount = p.shape.paramCount - 1;
      const plan = await planner.plan(sql, paramCount);
      if (!plan.ok) break;
      variants.push({ stmt: { ...p.stmt, id: `${p.stmt.id}${VARIANT}${k + 1}`, sql, calls: p.stmt.calls * v.weight, rows: p.stmt.rows * v.weight, totalTimeMs: p.stmt.totalTimeMs * v.weight }, shape: { ...p.shape, paramCount }, baseline: plan.cost, baselinePlan: plan });
    }
    if (variants.length !== best.values.length) {
      out.push(p);
      continue;
    }
    out.push(...variants);
    representative.push({
      id: p.stmt.id,
      sql: p.stmt.original,
      column: `${best.ref.schema}.${best.ref.table}.${best.ref.column}`,
      param: best.ref.param,
      variants: best.values.map((v, i) => ({ value: v.value, weight: v.weight, cost: variants[i]!.baseline })),
      genericCost: p.baseline,
    });
  }
  if (representative.length) opts.progress?.(`advisor: ${representative.length} statements over skewed columns costed with representative values`);
  return { planned: out, representative, totalBefore: out.reduce((a, p) => a + p.stmt.calls * p.baseline, 0) };
}

/** The statement id a variant belongs to. */
export function baseStatementId(id: string): string {
  const i = id.lastIndexOf(VARIANT);
  return i < 0 ? id : id.slice(0, i);
}

/**
 * A recommendation's per-statement impacts with each statement's variants merged back: one entry per
 * statement, over all its variants (calls summed, costs calls-weighted), whichever variants the index helped.
 */
export function mergeVariantImpacts(recs: Recommendation[], planned: Planned[], current: Map<string, number>): void {
  const variantsOf = new Map<string, Planned[]>();
  for (const p of planned) {
    const id = baseStatementId(p.stmt.id);
    if (id !== p.stmt.id) variantsOf.set(id, [...(variantsOf.get(id) ?? []), p]);
  }
  for (const rec of recs) {
    const by = new Map<string, QueryImpact>();
    for (const qi of rec.queries) {
      const id = baseStatementId(qi.id);
      const vs = variantsOf.get(id);
      if (!vs) by.set(qi.id, qi);
      else if (!by.has(id)) {
        const calls = vs.reduce((a, p) => a + p.stmt.calls, 0);
        const avg = (f: (p: Planned) => number): number => (calls > 0 ? vs.reduce((a, p) => a + p.stmt.calls * f(p), 0) / calls : 0);
        by.set(id, { id, sql: qi.sql, calls, before: avg((p) => p.baseline), after: avg((p) => current.get(p.stmt.id) ?? p.baseline) });
      }
    }
    rec.queries = [...by.values()].sort((a, b) => b.calls * (b.before - b.after) - a.calls * (a.before - a.after));
  }
}
