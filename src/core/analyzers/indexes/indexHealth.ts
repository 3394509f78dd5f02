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

export async function fetchIndexHealth(q: QueryRunner): Promise<IndexHealthData> {
  const indexes = await q.query<IndexRow & { size: string; scans: string }>(`
    SELECT n.nspname AS schema, t.relname AS table, c.relname AS index,
           pg_relation_size(c.oid)::text AS size, COALESCE(s.idx_scan, 0)::text AS scans,
           i.indisunique AS unique, i.indisprimary AS primary,
           EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid) AS constraint,
           i.indisvalid AS valid,
           EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = c.oid) AS building,
           am.amname AS am,
           ARRAY(SELECT pg_get_indexdef(c.oid, k, true) FROM generate_series(1, i.indnkeyatts) k ORDER BY k) AS keys,
           ARRAY(SELECT pg_get_indexdef(c.oid, k, true) FROM generate_series(i.indnkeyatts + 1, i.indnatts) k ORDER BY k) AS include,
           pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
           pg_get_indexdef(c.oid) AS definition,
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
      LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = c.oid
      LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0] AND i.indkey[0] <> 0
      LEFT JOIN pg_stats st ON st.schemaname = n.nspname AND st.tablename = t.relname AND st.attname = a.attname
     WHERE n.nspname NOT IN ${SYSTEM_SCHEMAS} AND n.nspname !~ '^pg_temp'
     ORDER BY n.nspname, t.relname, c.relname`);
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
     WHERE k.contype = 'f' AND n.nspname NOT IN ${SYSTEM_SCHEMAS}
     ORDER BY 1, 2, 3`);
  const [age] = await q.query<{ age_s: number | null; since: string | null }>(`
    SELECT extract(epoch FROM now() - stats_reset)::float8 AS age_s, stats_reset::text AS since
      FROM pg_stat_database WHERE datname = current_database()`);
  return {
    indexes: indexes.map((r) => ({ ...r, size: Number(r.size), scans: Number(r.scans) })),
    foreignKeys: foreignKeys.map((r) => ({ ...r, tableSize: Number(r.tableSize) })),
    statsAgeS: age?.age_s ?? null,
    statsSince: age?.since ?? null,
  };
}

/** Statistics younger than this are too young to call an index unused with confidence. */
export const UNUSED_MIN_STATS_AGE_S = 7 * 86400;
export const LOW_SELECTIVITY_MIN_ROWS = 10_000;

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
  const out: IndexHealthFinding[] = [];
  const statsAge = d.statsAgeS === null ? 'since the statistics were created (never reset)' : `in the ${formatDuration(d.statsAgeS)} since the statistics reset (${d.statsSince})`;
  const youngStats = d.statsAgeS !== null && d.statsAgeS < UNUSED_MIN_STATS_AGE_S;

  // Invalid (not the ones being built right now).
  for (const r of d.indexes) {
    if (r.valid || r.building) continue;
    out.push({
      id: 'indexes.invalid',
      severity: 'warning',
      title: `Invalid index ${r.schema}.${r.index} on ${r.table}`,
      detail: `A failed CREATE INDEX CONCURRENTLY or REINDEX left it INVALID: the planner never uses it, but writes still maintain it (${formatBytes(r.size)}). ${r.definition}`,
      action: 'Rebuild it, or drop it if it is not needed.',
      // REINDEX CONCURRENTLY (12+) has no typed action: it rebuilds in place. Before 12: drop it (an INVALID index has nothing to re-create).
      ...(serverVersionNum >= 120000 ? { sql: `REINDEX INDEX CONCURRENTLY ${qualifiedName(r.schema, r.index)};` } : drop(r, false)),
      object: ref(r),
      sizeBytes: r.size,
    });
  }
  const valid = d.indexes.filter((r) => r.valid);
  const protectedIdx = (r: IndexRow): boolean => r.unique || r.primary || r.constraint;

  // Duplicate (same keys, include, predicate, method) and redundant (key prefix of another btree).
  const flagged = new Set<string>();
  const byTable = new Map<string, IndexRow[]>();
  for (const r of valid) {
    const k = `${r.schema}.${r.table}`;
    byTable.set(k, [...(byTable.get(k) ?? []), r]);
  }
  for (const list of byTable.values()) {
    for (const a of list) {
      for (const b of list) {
        if (a === b || flagged.has(a.index) || a.am !== b.am || (a.predicate ?? '') !== (b.predicate ?? '')) continue;
        const ak = a.keys.map(norm);
        const bk = b.keys.map(norm);
        const same = ak.length === bk.length && ak.every((x, i) => x === bk[i]) && a.include.map(norm).join() === b.include.map(norm).join();
        if (same) {
          // Keep the protected one, else the one with more scans, else the first by name; flag the other.
          const keepB = protectedIdx(b) && !protectedIdx(a) ? true : protectedIdx(a) && !protectedIdx(b) ? false : b.scans !== a.scans ? b.scans > a.scans : b.index < a.index;
          if (!keepB || protectedIdx(a)) continue;
          flagged.add(a.index);
          out.push({
            id: 'indexes.duplicate',
            severity: 'warning',
            title: `Duplicate index ${a.schema}.${a.index} (same as ${b.index})`,
            detail: `${a.index} and ${b.index} on ${a.table} have the same definition (${a.keys.join(', ')}${a.predicate ? ` WHERE ${a.predicate}` : ''}). Every write maintains both; queries use one. ${formatBytes(a.size)} to reclaim.`,
            action: `Drop ${a.index}; ${b.index} serves the same queries.`,
            ...drop(a),
            object: ref(a),
            sizeBytes: a.size,
          });
        } else if (a.am === 'btree' && ak.length < bk.length && ak.every((x, i) => x === bk[i]) && !protectedIdx(a) && a.include.length === 0) {
          flagged.add(a.index);
          out.push({
            id: 'indexes.redundant',
            severity: 'info',
            title: `Redundant index ${a.schema}.${a.index} (a prefix of ${b.index})`,
            detail: `${b.index} (${b.keys.join(', ')}) starts with every key of ${a.index} (${a.keys.join(', ')}), so it serves the same lookups. ${formatBytes(a.size)}, ${formatCount(a.scans)} scans ${statsAge}.`,
            action: `Drop ${a.index} after checking that ${b.index} is not much larger per lookup (a wide composite index is slower to scan than a narrow one).`,
            ...drop(a),
            object: ref(a),
            sizeBytes: a.size,
          });
        }
      }
    }
  }

  // Unused. An index younger than the observation window has not had its chance yet: "too new to judge"
  // (no DROP offered). Its age is known only with track_commit_timestamp; without it the detail says so.
  for (const r of valid) {
    if (r.scans > 0 || protectedIdx(r) || flagged.has(r.index)) continue;
    flagged.add(r.index);
    const age = r.createdAgeS ?? null;
    if (age !== null && age < UNUSED_MIN_STATS_AGE_S && (d.statsAgeS === null || age < d.statsAgeS + 60)) {
      out.push({
        id: 'indexes.too-new',
        severity: 'info',
        title: `Index ${r.schema}.${r.index} on ${r.table} is too new to judge (created ${formatDuration(age)} ago)`,
        detail: `0 index scans since it was created ${formatDuration(age)} ago (${formatBytes(r.size)}). An index needs at least ${formatDuration(UNUSED_MIN_STATS_AGE_S)} of normal traffic (a full business cycle) before 0 scans mean it is unused.`,
        action: 'Look again later.',
        object: ref(r),
        sizeBytes: r.size,
      });
      continue;
    }
    const window = age !== null && (d.statsAgeS === null || age < d.statsAgeS) ? `in the ${formatDuration(age)} since it was created` : statsAge;
    const ageUnknown = age === null ? ' If it was created recently, 0 scans mean nothing yet: its creation time is unknown (it is known only with track_commit_timestamp = on).' : '';
    out.push({
      id: 'indexes.unused',
      severity: youngStats ? 'info' : 'warning',
      title: `Unused index ${r.schema}.${r.index} on ${r.table} (${formatBytes(r.size)})`,
      detail: `0 index scans ${window}; every insert and indexed update still maintains it. ${youngStats ? 'The statistics are recent: wait for a full business cycle (month-end jobs, reports) before dropping it. ' : ''}Check replicas too: their scans are not counted here.${ageUnknown}`,
      action: 'Drop it if no replica and no periodic job uses it.',
      ...drop(r),
      object: ref(r),
      sizeBytes: r.size,
    });
  }

  // Low selectivity: the leading column has few distinct values on a big table.
  for (const r of valid) {
    // Single-key only: later keys of a composite index can make it selective again.
    if (r.am !== 'btree' || r.unique || r.predicate || r.keys.length !== 1 || r.tableRows < LOW_SELECTIVITY_MIN_ROWS || flagged.has(r.index)) continue;
    const nd = r.leadingNDistinct;
    const distinct = nd === null ? null : nd < 0 ? -nd * r.tableRows : nd;
    const lowDistinct = distinct !== null && distinct > 0 && distinct <= 10;
    const skewed = (r.leadingTopFreq ?? 0) >= 0.5;
    if (!lowDistinct && !skewed) continue;
    out.push({
      id: 'indexes.low-selectivity',
      severity: 'info',
      title: `Low-selectivity index ${r.schema}.${r.index} on ${r.table}`,
      detail: `Its leading key ${r.keys[0]} has ${distinct !== null ? `about ${formatCount(Math.round(distinct))} distinct values` : 'few distinct values'}${r.leadingTopFreq !== null ? ` (the most common one is in ${Math.round(r.leadingTopFreq * 100)} % of rows)` : ''} over ${formatCount(Math.round(r.tableRows))} rows, so most lookups read a large part of the table anyway. ${formatBytes(r.size)}, ${formatCount(r.scans)} scans.`,
      action: 'Drop it, or replace it with a partial index on the rare values (WHERE col = rare_value), or put a more selective column first.',
      ...drop(r),
      object: ref(r),
      sizeBytes: r.size,
    });
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
    out.push({
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
    });
  }
  return out;
}
