// Index health: unused, duplicate / redundant, invalid, foreign keys without an index, low selectivity.
// One catalog query per kind (fetch*) and pure assessments (assess*) so the rules are testable without a
// server. Every finding carries the index size and the SQL of the suggested action.
import { formatBytes, formatCount, formatDuration } from '../../format';
import type { QueryRunner } from '../../db/session';
import type { ReportFinding, Severity } from '../../report/model';
import { generatedName } from '../../sql/generatedName';
import { qualifiedName } from '../../sql/quote';
import { actionsSql, type CreateIndexAction, type DropIndexAction, type FindingAction } from '../../report/actions';

const SYSTEM_SCHEMAS = `('pg_catalog', 'information_schema', 'pg_toast')`;

export interface IndexRow {
  schema: string;
  table: string;
  index: string;
  size: number;
  scans: number;
  unique: boolean;
  primary: boolean;
  /** Backs a PK/UNIQUE/EXCLUDE constraint (or is referenced by a foreign key). */
  constraint: boolean;
  valid: boolean;
  building: boolean;
  am: string;
  /** Key columns / expressions, deparsed. */
  keys: string[];
  /** INCLUDE columns. */
  include: string[];
  predicate: string | null;
  definition: string;
  /** `size` is pg_class.relpages × block size (as of the last VACUUM / ANALYZE / CREATE INDEX), not measured. */
  sizeEstimated?: boolean;
  tableRows: number;
  /** Distinct values of the leading key column (pg_stats: negative = fraction of rows), null when unknown or an expression. */
  leadingNDistinct: number | null;
  /** Frequency of the most common value of the leading column. */
  leadingTopFreq: number | null;
  /**
   * Seconds since the index's catalog entry was committed (CREATE INDEX, REINDEX CONCURRENTLY): known only
   * with track_commit_timestamp = on (pg_xact_commit_timestamp of pg_class.xmin); null otherwise.
   */
  createdAgeS?: number | null;
}

export interface ForeignKeyRow {
  schema: string;
  table: string;
  constraint: string;
  columns: string[];
  referenced: string;
  tableRows: number;
  tableSize: number;
  /** Key column lists of the table's valid indexes. */
  indexKeys: string[][];
}

export interface IndexHealthData {
  indexes: IndexRow[];
  foreignKeys: ForeignKeyRow[];
  /** Seconds since the database's statistics were reset (null = never reset: since cluster creation). */
  statsAgeS: number | null;
  statsSince: string | null;
}

export interface IndexHealthFinding extends ReportFinding {
  sizeBytes: number;
}

export interface FetchIndexHealthOptions {
  /**
   * Exact size and definition for at most this many findings of each kind (the largest by estimated size);
   * the others keep the relpages estimate (`sizeEstimated`) and no definition. Default: every finding.
   * The report lists `REPORT_FINDINGS_PER_KIND` of each kind, so it asks for no more.
   */
  detailPerKind?: number;
  /** One table's indexes and foreign keys only (the table page), each index with its exact size and definition.
   * Every check looks within one table, so its findings are the database-wide ones of that table. */
  table?: { schema: string; name: string };
}

/** Plain-column keys by name (quote_ident, as pg_get_indexdef prints them), expressions deparsed. */
const indexColumns = (from: string, to: string): string => `
  ARRAY(SELECT CASE WHEN i.indkey[k - 1] <> 0
                    THEN (SELECT quote_ident(a.attname) FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1])
                    ELSE pg_get_indexdef(c.oid, k, true) END
          FROM generate_series(${from}, ${to}) k ORDER BY k)`;

/**
 * One set-based catalog read for every index, cheap per row: sizes from pg_class.relpages (marked estimated),
 * scans from pg_stat_get_numscans, the leading column's statistics only where the low-selectivity check can
 * use them. Then, for the indexes that have a finding (at most `detailPerKind` of each kind), one more query
 * for their exact size and definition — never pg_relation_size / pg_get_indexdef over every index (on 30,000
 * indexes that alone took 4 s).
 */
export async function fetchIndexHealth(q: QueryRunner, opts: FetchIndexHealthOptions = {}): Promise<IndexHealthData> {
  const onTable = opts.table ? ' AND n.nspname = $1 AND t.relname = $2' : '';
  const tableParams = opts.table ? [opts.table.schema, opts.table.name] : [];
  const rows = await q.query<IndexRow & { oid: string }>(`
    SELECT c.oid::text AS oid, n.nspname AS schema, t.relname AS table, c.relname AS index,
           c.relpages::float8 * current_setting('block_size')::float8 AS size, pg_stat_get_numscans(c.oid)::float8 AS scans,
           i.indisunique AS unique, i.indisprimary AS primary,
           EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid) AS constraint,
           i.indisvalid AS valid,
           EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = c.oid) AS building,
           am.amname AS am,
           ${indexColumns('1', 'i.indnkeyatts')} AS keys,
           ${indexColumns('i.indnkeyatts + 1', 'i.indnatts')} AS include,
           pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
           greatest(t.reltuples, 0)::float8 AS "tableRows",
           st.n_distinct::float8 AS "leadingNDistinct",
           st.most_common_freqs[1]::float8 AS "leadingTopFreq",
           CASE WHEN current_setting('track_commit_timestamp') = 'on'
                THEN extract(epoch FROM now() - pg_xact_commit_timestamp(c.xmin))::float8 END AS "createdAgeS"
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_class t ON t.oid = i.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      JOIN pg_am am ON am.oid = c.relam
      -- The leading column's statistics: read only where the low-selectivity check looks (one plain key, a big table).
      LEFT JOIN LATERAL (
        SELECT s.n_distinct, s.most_common_freqs
          FROM pg_attribute a JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = t.relname AND s.attname = a.attname
         WHERE i.indnkeyatts = 1 AND i.indkey[0] <> 0 AND t.reltuples >= ${LOW_SELECTIVITY_MIN_ROWS}
           AND a.attrelid = t.oid AND a.attnum = i.indkey[0]) st ON true
     WHERE n.nspname NOT IN ${SYSTEM_SCHEMAS} AND n.nspname !~ '^pg_temp'${onTable}
     ORDER BY n.nspname, t.relname, c.relname`, tableParams);
  const foreignKeys = await q.query<ForeignKeyRow & { tableSize: string }>(`
    SELECT n.nspname AS schema, t.relname AS table, k.conname AS constraint,
           ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.ord) AS columns,
           k.confrelid::regclass::text AS referenced,
           greatest(t.reltuples, 0)::float8 AS "tableRows",
           pg_relation_size(t.oid)::text AS "tableSize",
           COALESCE((SELECT json_agg(ARRAY(SELECT pg_get_indexdef(i.indexrelid, x, true) FROM generate_series(1, i.indnkeyatts) x ORDER BY x))
                       FROM pg_index i WHERE i.indrelid = k.conrelid AND i.indisvalid AND i.indpred IS NULL), '[]'::json) AS "indexKeys"
      FROM pg_constraint k
      JOIN pg_class t ON t.oid = k.conrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE k.contype = 'f' AND n.nspname NOT IN ${SYSTEM_SCHEMAS}${onTable}
     ORDER BY 1, 2, 3`, tableParams);
  const [age] = await q.query<{ age_s: number | null; since: string | null }>(`
    SELECT extract(epoch FROM now() - stats_reset)::float8 AS age_s, stats_reset::text AS since
      FROM pg_stat_database WHERE datname = current_database()`);
  const d: IndexHealthData = {
    // Field by field in the query's order (an object rest / spread per row cost more than the rest of the mapping).
    indexes: rows.map((r) => ({
      schema: r.schema,
      table: r.table,
      index: r.index,
      size: r.size,
      scans: r.scans,
      unique: r.unique,
      primary: r.primary,
      constraint: r.constraint,
      valid: r.valid,
      building: r.building,
      am: r.am,
      keys: r.keys,
      include: r.include,
      predicate: r.predicate,
      tableRows: r.tableRows,
      leadingNDistinct: r.leadingNDistinct,
      leadingTopFreq: r.leadingTopFreq,
      createdAgeS: r.createdAgeS,
      definition: '',
      sizeEstimated: true,
    })),
    foreignKeys: foreignKeys.map((r) => ({ ...r, tableSize: Number(r.tableSize) })),
    statsAgeS: age?.age_s ?? null,
    statsSince: age?.since ?? null,
  };
  // The indexes whose findings will be shown get their exact size and definition.
  const oidOf = new Map(rows.map((r, i) => [d.indexes[i] as IndexRow, r.oid]));
  // Keyed by the row strings themselves (their hashes are cached; a concatenated key would be hashed anew).
  const byName = new Map<string, Map<string, IndexRow>>();
  for (const r of d.indexes) {
    const inSchema = byName.get(r.schema);
    if (inSchema) inSchema.set(r.index, r);
    else byName.set(r.schema, new Map([[r.index, r]]));
  }
  const shown = opts.table ? [] : assessIndexHealthBounded(d, 150000, opts.detailPerKind ?? Number.POSITIVE_INFINITY).findings;
  const oids = opts.table ? rows.map((r) => r.oid) : [...new Set(shown.map((f) => (f.object?.kind === 'index' ? byName.get(f.object.schema ?? '')?.get(f.object.name) : undefined)).filter((r): r is IndexRow => !!r))].map((r) => oidOf.get(r) as string);
  if (oids.length) {
    const detail = await q.query<{ oid: string; size: string; definition: string }>(
      `SELECT c.oid::text AS oid, pg_relation_size(c.oid)::text AS size, pg_get_indexdef(c.oid) AS definition FROM pg_class c WHERE c.oid = ANY($1::oid[])`,
      [oids],
    );
    const rowOf = new Map([...oidOf].map(([r, oid]) => [oid, r]));
    for (const x of detail) {
      const r = rowOf.get(x.oid);
      if (!r) continue;
      r.size = Number(x.size);
      r.definition = x.definition;
      delete r.sizeEstimated;
    }
  }
  return d;
}

/** Findings of one kind the report lists; the rest are counted in one summary finding (and in the metrics). */
export const REPORT_FINDINGS_PER_KIND = 100;

interface PendingFinding {
  id: string;
  sizeBytes: number;
  make(): IndexHealthFinding;
}

/** At most `perKind` of each id built (the largest, kept in check order), and one summary per id that had more. */
function boundPending(pending: PendingFinding[], perKind: number): IndexHealthAssessment {
  const byId = new Map<string, PendingFinding[]>();
  for (const p of pending) {
    const list = byId.get(p.id);
    if (list) list.push(p);
    else byId.set(p.id, [p]);
  }
  const counts = Object.fromEntries([...byId].map(([id, list]) => [id, list.length]));
  const dropped = new Set<PendingFinding>();
  const summaries: IndexHealthFinding[] = [];
  for (const [id, list] of byId) {
    if (list.length <= perKind) continue;
    const rest = [...list].sort((a, b) => b.sizeBytes - a.sizeBytes).slice(perKind);
    for (const p of rest) dropped.add(p);
    const bytes = rest.reduce((n, p) => n + p.sizeBytes, 0);
    // The largest unlisted one's severity (one kind has one severity, except foreign keys: by table size).
    const severity = rest[0]!.make().severity;
    summaries.push({
      id: `${id}-more`,
      severity,
      title: `${formatCount(rest.length)} more ${KIND_LABEL[id] ?? id.replace(/^indexes\./, '')} findings (about ${formatBytes(bytes)})`,
      detail: `The report lists the ${formatCount(perKind)} largest of ${formatCount(list.length)}; the other ${formatCount(rest.length)} are counted here and in the section's metrics. \`pgopt advise --format json\` lists every one.`,
      sizeBytes: bytes,
    });
  }
  return { findings: [...pending.filter((p) => !dropped.has(p)).map((p) => p.make()), ...summaries], counts };
}

const KIND_LABEL: Record<string, string> = {
  'indexes.unused': 'unused index',
  'indexes.too-new': 'too-new-to-judge index',
  'indexes.duplicate': 'duplicate index',
  'indexes.redundant': 'redundant index',
  'indexes.invalid': 'invalid index',
  'indexes.low-selectivity': 'low-selectivity index',
  'indexes.fk-without-index': 'foreign key without an index',
};

/** Statistics younger than this are too young to call an index unused with confidence. */
export const UNUSED_MIN_STATS_AGE_S = 7 * 86400;
export const LOW_SELECTIVITY_MIN_ROWS = 10_000;

/** Its size for a sentence; an estimate from relpages says so. */
function sizeText(r: IndexRow): string {
  return `${r.sizeEstimated ? '≈ ' : ''}${formatBytes(r.size)}`;
}

const norm = (k: string): string => k.replace(/"/g, '').replace(/\s+/g, '').toLowerCase();

function dropAction(r: IndexRow, recreate = true): DropIndexAction {
  return { kind: 'dropIndex', schema: r.schema, name: r.index, table: r.table, ...(recreate ? { definition: r.definition } : {}) };
}

/** A DROP of the index as a typed action (its down re-creates it) and its SQL. */
function drop(r: IndexRow, recreate = true): { sql: string; actions: FindingAction[] } {
  const a = dropAction(r, recreate);
  return { sql: actionsSql([a]), actions: [a] };
}

function ref(r: IndexRow): ReportFinding['object'] {
  return { kind: 'index', schema: r.schema, name: r.index, table: r.table };
}

export function assessIndexHealth(d: IndexHealthData, serverVersionNum = 150000): IndexHealthFinding[] {
  return assessIndexHealthBounded(d, serverVersionNum, Number.POSITIVE_INFINITY).findings;
}

export interface IndexHealthAssessment {
  /** At most `perKind` findings of each kind (the largest), in check order, then one summary finding per kind
   * that had more (`<id>-more`: how many, their total size). */
  findings: IndexHealthFinding[];
  /** Every finding counted by kind, the unlisted ones included. */
  counts: Record<string, number>;
}

/**
 * The checks, with at most `perKind` findings of each kind built: a large catalog can have thousands of one
 * kind (20,000 unused indexes on the 10,000-table bench database), and building each finding's text and SQL is
 * the cost. Below the limit it is exactly assessIndexHealth.
 */
export function assessIndexHealthBounded(d: IndexHealthData, serverVersionNum: number, perKind: number): IndexHealthAssessment {
  const pending: PendingFinding[] = [];
  const add = (id: string, sizeBytes: number, make: () => IndexHealthFinding): void => void pending.push({ id, sizeBytes, make });
  const statsAge = d.statsAgeS === null ? 'since the statistics were created (never reset)' : `in the ${formatDuration(d.statsAgeS)} since the statistics reset (${d.statsSince})`;
  const youngStats = d.statsAgeS !== null && d.statsAgeS < UNUSED_MIN_STATS_AGE_S;

  // Invalid (not the ones being built right now).
  for (const r of d.indexes) {
    if (r.valid || r.building) continue;
    add('indexes.invalid', r.size, () => ({
      id: 'indexes.invalid',
      severity: 'warning',
      title: `Invalid index ${r.schema}.${r.index} on ${r.table}`,
      detail: `A failed CREATE INDEX CONCURRENTLY or REINDEX left it INVALID: the planner never uses it, but writes still maintain it (${sizeText(r)}). ${r.definition}`,
      action: 'Rebuild it, or drop it if it is not needed.',
      // REINDEX CONCURRENTLY (12+) has no typed action: it rebuilds in place. Before 12: drop it (an INVALID index has nothing to re-create).
      ...(serverVersionNum >= 120000 ? { sql: `REINDEX INDEX CONCURRENTLY ${qualifiedName(r.schema, r.index)};` } : drop(r, false)),
      object: ref(r),
      sizeBytes: r.size,
    }));
  }
  const valid = d.indexes.filter((r) => r.valid);
  const protectedIdx = (r: IndexRow): boolean => r.unique || r.primary || r.constraint;

  // Duplicate (same keys, include, predicate, method) and redundant (key prefix of another btree).
  // By row, not by name: index names are unique per schema only (and a row needs no string hashing).
  const flagged = new Set<IndexRow>();
  // Schema, then table (the names' own strings as keys: their hashes are cached, a composite key is hashed anew).
  const bySchema = new Map<string, Map<string, IndexRow[]>>();
  const byTable: IndexRow[][] = [];
  for (const r of valid) {
    let inSchema = bySchema.get(r.schema);
    if (!inSchema) bySchema.set(r.schema, (inSchema = new Map()));
    const list = inSchema.get(r.table);
    if (list) list.push(r);
    else {
      const l = [r];
      inSchema.set(r.table, l);
      byTable.push(l);
    }
  }
  // Per table, each pair once: keys normalised once per index (not per pair).
  const keysOf = new Map<IndexRow, { keys: string[]; include: string }>();
  const normalised = (r: IndexRow): { keys: string[]; include: string } => {
    let n = keysOf.get(r);
    if (!n) keysOf.set(r, (n = { keys: r.keys.map(norm), include: r.include.map(norm).join() }));
    return n;
  };
  for (const list of byTable) {
    if (list.length < 2) continue;
    for (const a of list) {
      for (const b of list) {
        if (a === b || flagged.has(a) || a.am !== b.am || (a.predicate ?? '') !== (b.predicate ?? '')) continue;
        const ak = normalised(a).keys;
        const bk = normalised(b).keys;
        const same = ak.length === bk.length && ak.every((x, i) => x === bk[i]) && normalised(a).include === normalised(b).include;
        if (same) {
          // Keep the protected one, else the one with more scans, else the first by name; flag the other.
          const keepB = protectedIdx(b) && !protectedIdx(a) ? true : protectedIdx(a) && !protectedIdx(b) ? false : b.scans !== a.scans ? b.scans > a.scans : b.index < a.index;
          if (!keepB || protectedIdx(a)) continue;
          flagged.add(a);
          add('indexes.duplicate', a.size, () => ({
            id: 'indexes.duplicate',
            severity: 'warning',
            title: `Duplicate index ${a.schema}.${a.index} (same as ${b.index})`,
            detail: `${a.index} and ${b.index} on ${a.table} have the same definition (${a.keys.join(', ')}${a.predicate ? ` WHERE ${a.predicate}` : ''}). Every write maintains both; queries use one. ${sizeText(a)} to reclaim.`,
            action: `Drop ${a.index}; ${b.index} serves the same queries.`,
            ...drop(a),
            object: ref(a),
            sizeBytes: a.size,
          }));
        } else if (a.am === 'btree' && ak.length < bk.length && ak.every((x, i) => x === bk[i]) && !protectedIdx(a) && a.include.length === 0) {
          flagged.add(a);
          add('indexes.redundant', a.size, () => ({
            id: 'indexes.redundant',
            severity: 'info',
            title: `Redundant index ${a.schema}.${a.index} (a prefix of ${b.index})`,
            detail: `${b.index} (${b.keys.join(', ')}) starts with every key of ${a.index} (${a.keys.join(', ')}), so it serves the same lookups. ${sizeText(a)}, ${formatCount(a.scans)} scans ${statsAge}.`,
            action: `Drop ${a.index} after checking that ${b.index} is not much larger per lookup (a wide composite index is slower to scan than a narrow one).`,
            ...drop(a),
            object: ref(a),
            sizeBytes: a.size,
          }));
        }
      }
    }
  }

  // Unused. An index younger than the observation window has not had its chance yet: "too new to judge"
  // (no DROP offered). Its age is known only with track_commit_timestamp; without it the detail says so.
  for (const r of valid) {
    if (r.scans > 0 || protectedIdx(r) || flagged.has(r)) continue;
    flagged.add(r);
    const age = r.createdAgeS ?? null;
    if (age !== null && age < UNUSED_MIN_STATS_AGE_S && (d.statsAgeS === null || age < d.statsAgeS + 60)) {
      add('indexes.too-new', r.size, () => ({
        id: 'indexes.too-new',
        severity: 'info',
        title: `Index ${r.schema}.${r.index} on ${r.table} is too new to judge (created ${formatDuration(age)} ago)`,
        detail: `0 index scans since it was created ${formatDuration(age)} ago (${sizeText(r)}). An index needs at least ${formatDuration(UNUSED_MIN_STATS_AGE_S)} of normal traffic (a full business cycle) before 0 scans mean it is unused.`,
        action: 'Look again later.',
        object: ref(r),
        sizeBytes: r.size,
      }));
      continue;
    }
    const window = age !== null && (d.statsAgeS === null || age < d.statsAgeS) ? `in the ${formatDuration(age)} since it was created` : statsAge;
    const ageUnknown = age === null ? ' If it was created recently, 0 scans mean nothing yet: its creation time is unknown (it is known only with track_commit_timestamp = on).' : '';
    add('indexes.unused', r.size, () => ({
      id: 'indexes.unused',
      severity: youngStats ? 'info' : 'warning',
      title: `Unused index ${r.schema}.${r.index} on ${r.table} (${sizeText(r)})`,
      detail: `0 index scans ${window}; every insert and indexed update still maintains it. ${youngStats ? 'The statistics are recent: wait for a full business cycle (month-end jobs, reports) before dropping it. ' : ''}Check replicas too: their scans are not counted here.${ageUnknown}`,
      action: 'Drop it if no replica and no periodic job uses it.',
      ...drop(r),
      object: ref(r),
      sizeBytes: r.size,
    }));
  }

  // Low selectivity: the leading column has few distinct values on a big table.
  for (const r of valid) {
    // Single-key only: later keys of a composite index can make it selective again.
    if (r.am !== 'btree' || r.unique || r.predicate || r.keys.length !== 1 || r.tableRows < LOW_SELECTIVITY_MIN_ROWS || flagged.has(r)) continue;
    const nd = r.leadingNDistinct;
    const distinct = nd === null ? null : nd < 0 ? -nd * r.tableRows : nd;
    const lowDistinct = distinct !== null && distinct > 0 && distinct <= 10;
    const skewed = (r.leadingTopFreq ?? 0) >= 0.5;
    if (!lowDistinct && !skewed) continue;
    add('indexes.low-selectivity', r.size, () => ({
      id: 'indexes.low-selectivity',
      severity: 'info',
      title: `Low-selectivity index ${r.schema}.${r.index} on ${r.table}`,
      detail: `Its leading key ${r.keys[0]} has ${distinct !== null ? `about ${formatCount(Math.round(distinct))} distinct values` : 'few distinct values'}${r.leadingTopFreq !== null ? ` (the most common one is in ${Math.round(r.leadingTopFreq * 100)} % of rows)` : ''} over ${formatCount(Math.round(r.tableRows))} rows, so most lookups read a large part of the table anyway. ${sizeText(r)}, ${formatCount(r.scans)} scans.`,
      action: 'Drop it, or replace it with a partial index on the rare values (WHERE col = rare_value), or put a more selective column first.',
      ...drop(r),
      object: ref(r),
      sizeBytes: r.size,
    }));
  }

  // Foreign keys without an index whose leading columns are the FK columns (in any order).
  for (const fk of d.foreignKeys) {
    const cols = fk.columns.map((c) => c.toLowerCase());
    const covered = fk.indexKeys.some((keys) => {
      const lead = keys.slice(0, cols.length).map(norm);
      return lead.length === cols.length && cols.every((c) => lead.includes(c));
    });
    if (covered) continue;
    const name = generatedName([fk.table, ...fk.columns, 'idx']);
    const severity: Severity = fk.tableRows >= LOW_SELECTIVITY_MIN_ROWS ? 'warning' : 'info';
    add('indexes.fk-without-index', 0, () => ({
      id: 'indexes.fk-without-index',
      severity,
      title: `Foreign key ${fk.constraint} on ${fk.schema}.${fk.table} (${fk.columns.join(', ')}) has no index`,
      detail: `Every DELETE or key UPDATE on ${fk.referenced} scans ${fk.table} (${formatCount(Math.round(fk.tableRows))} rows, ${formatBytes(fk.tableSize)}) to check for referencing rows, and joins on ${fk.columns.join(', ')} cannot use an index.`,
      action: `Create an index on ${fk.table} (${fk.columns.join(', ')}).`,
      ...((): { sql: string; actions: FindingAction[] } => {
        const a: CreateIndexAction = { kind: 'createIndex', schema: fk.schema, table: fk.table, name, keys: fk.columns.map((column) => ({ column })) };
        return { sql: actionsSql([a]), actions: [a] };
      })(),
      object: { kind: 'constraint', schema: fk.schema, name: fk.constraint, table: fk.table },
      sizeBytes: 0,
    }));
  }
  return boundPending(pending, perKind);
}
