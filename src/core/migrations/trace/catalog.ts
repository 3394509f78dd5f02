// Catalog snapshots for the lock trace, scoped to the tables a statement touches: relfilenodes (a changed
// one means the table or index was rewritten), columns, indexes and constraints, and the diff between two
// snapshots. Every query passes names and oids as parameters.
import type { CatalogChange, Rewrite } from './types';

export type Query = <R extends object>(sql: string, params?: unknown[]) => Promise<R[]>;

export interface IndexState {
  oid: number;
  /** Schema-qualified, quoted where needed. */
  qualified: string;
  filenode: number;
  def: string;
  valid: boolean;
}

export interface TableState {
  oid: number;
  /** format('%I.%I', schema, name): unambiguous and valid regclass input. */
  name: string;
  relkind: string;
  filenode: number;
  toastFilenode: number;
  columns: Map<string, string>;
  indexes: Map<string, IndexState>;
  constraints: Map<string, string>;
}

interface StateRow {
  oid: string;
  name: string;
  relkind: string;
  filenode: string;
  toast_filenode: string;
  cols: { n: string; d: string }[];
  idx: { n: string; q: string; o: number; f: number; d: string; v: boolean }[];
  cons: { n: string; d: string; v: boolean }[];
}

const STATE_COLUMNS = `
SELECT c.oid::int8 AS oid, format('%I.%I', n.nspname, c.relname) AS name, c.relkind::text AS relkind,
       c.relfilenode::int8 AS filenode, COALESCE(t.relfilenode, 0)::int8 AS toast_filenode,
       (SELECT COALESCE(json_agg(json_build_object('n', a.attname,
                 'd', format_type(a.atttypid, a.atttypmod)
                      || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
                      || COALESCE(CASE WHEN a.attgenerated = 's' THEN ' GENERATED ALWAYS AS ' ELSE ' DEFAULT ' END
                                  || pg_get_expr(d.adbin, d.adrelid), ''))
               ORDER BY a.attnum), '[]')
          FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS cols,
       (SELECT COALESCE(json_agg(json_build_object('n', ic.relname, 'q', format('%I.%I', n.nspname, ic.relname), 'o', ic.oid::int8, 'f', ic.relfilenode::int8,
                 'd', pg_get_indexdef(i.indexrelid), 'v', i.indisvalid)), '[]')
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid) AS idx,
       (SELECT COALESCE(json_agg(json_build_object('n', co.conname, 'd', pg_get_constraintdef(co.oid), 'v', co.convalidated)), '[]')
          FROM pg_constraint co WHERE co.conrelid = c.oid) AS cons
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class t ON t.oid = c.reltoastrelid`;

const STATE_SQL = `${STATE_COLUMNS}
 WHERE c.oid = ANY($1::oid[]) AND c.relkind <> 't'`;

const RESOLVE_SQL = (param: string): string => `
  SELECT COALESCE(i.indrelid, c.oid)
    FROM unnest(${param}::text[]) AS r(name)
    JOIN pg_class c ON c.oid = to_regclass(r.name)
    LEFT JOIN pg_index i ON i.indexrelid = c.oid
   WHERE c.relkind IN ('r', 'p', 'm', 'f', 'i', 'I')`;

const WRITTEN_SQL = (xidParam: string): string => `
  SELECT COALESCE(i.indrelid, c.oid)
    FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid
   WHERE c.xmin::text = ${xidParam} AND c.relkind IN ('r', 'p', 'm', 'f', 'i', 'I')
  UNION ALL SELECT conrelid FROM pg_constraint WHERE xmin::text = ${xidParam} AND conrelid <> 0`;

/**
 * After a statement, in one round trip: the states of the tables it named (resolved again: a CREATE resolves
 * only now), of those it had resolved before, and of tables whose catalog rows this transaction wrote that
 * are not known yet (all of them when recheckWritten, after an opaque statement such as DO).
 */
export async function statesAfter(q: Query, names: string[], knownBefore: number[], xid: string, cached: number[], recheckWritten: boolean): Promise<Map<number, TableState>> {
  const rows = await q<StateRow>(
    `${STATE_COLUMNS}
      WHERE c.relkind <> 't' AND (c.oid = ANY($2::oid[]) OR c.oid IN (${RESOLVE_SQL('$1')})
         OR (c.oid IN (${WRITTEN_SQL('$3')}) AND ($5 OR NOT c.oid = ANY($4::oid[]))))`,
    [names, knownBefore, xid, cached, recheckWritten],
  );
  return toStates(rows);
}

/** Before a statement, in one round trip: the tables it names, the highest pg_class oid, and the oid of its documented lock's relation. */
export async function beforeStatement(q: Query, names: string[], docRel: string | null): Promise<{ tables: number[]; maxOid: number; docOid: string | null }> {
  const [r] = await q<{ tables: string[]; max_oid: string; doc_oid: string | null }>(
    `SELECT ARRAY(SELECT DISTINCT x::int8 FROM (${RESOLVE_SQL('$1')}) s(x)) AS tables,
            (SELECT max(oid) FROM pg_class)::int8 AS max_oid, to_regclass($2)::oid::int8::text AS doc_oid`,
    [names, docRel],
  );
  return { tables: (r?.tables ?? []).map(Number), maxOid: Number(r?.max_oid ?? 0), docOid: r?.doc_oid ?? null };
}

export async function tableStates(q: Query, oids: number[]): Promise<Map<number, TableState>> {
  if (!oids.length) return new Map();
  return toStates(await q<StateRow>(STATE_SQL, [oids]));
}

function toStates(rows: StateRow[]): Map<number, TableState> {
  const out = new Map<number, TableState>();
  for (const r of rows) {
    out.set(Number(r.oid), {
      oid: Number(r.oid),
      name: r.name,
      relkind: r.relkind,
      filenode: Number(r.filenode),
      toastFilenode: Number(r.toast_filenode),
      columns: new Map(r.cols.map((c) => [c.n, c.d])),
      indexes: new Map(r.idx.map((i) => [i.n, { oid: Number(i.o), qualified: i.q, filenode: Number(i.f), def: i.d, valid: i.v }])),
      constraints: new Map(r.cons.map((c) => [c.n, c.v ? c.d : `${c.d} (NOT VALID)`])),
    });
  }
  return out;
}

function diffMap(kind: CatalogChange['kind'], table: string, before: Map<string, string>, after: Map<string, string>, out: CatalogChange[]): void {
  for (const [name, a] of after) {
    const b = before.get(name);
    if (b === undefined) out.push({ kind, change: 'added', table, name, after: a });
    else if (b !== a) out.push({ kind, change: 'changed', table, name, before: b, after: a });
  }
  for (const [name, b] of before) if (!after.has(name)) out.push({ kind, change: 'dropped', table, name, before: b });
}

function indexDescriptions(t: TableState): Map<string, string> {
  return new Map([...t.indexes].map(([n, i]) => [n, i.valid ? i.def : `${i.def} (INVALID)`]));
}

/** Catalog changes and rewrites of one table between two snapshots (undefined = did not exist). */
export function diffTable(before: TableState | undefined, after: TableState | undefined, out: { changes: CatalogChange[]; rewrites: Rewrite[] }): void {
  if (!before && !after) return;
  if (!before && after) {
    out.changes.push({ kind: 'table', change: 'added', table: after.name, name: after.name });
    for (const [name, def] of indexDescriptions(after)) out.changes.push({ kind: 'index', change: 'added', table: after.name, name, after: def });
    for (const [name, def] of after.constraints) out.changes.push({ kind: 'constraint', change: 'added', table: after.name, name, after: def });
    return;
  }
  if (before && !after) {
    out.changes.push({ kind: 'table', change: 'dropped', table: before.name, name: before.name });
    return;
  }
  const b = before as TableState;
  const a = after as TableState;
  if (b.name !== a.name) out.changes.push({ kind: 'table', change: 'changed', table: a.name, name: a.name, before: b.name, after: a.name });
  if (b.filenode !== a.filenode && a.filenode !== 0) out.rewrites.push({ relation: a.name, kind: 'table' });
  else if (b.toastFilenode !== 0 && a.toastFilenode !== 0 && b.toastFilenode !== a.toastFilenode) out.rewrites.push({ relation: a.name, kind: 'toast' });
  diffMap('column', a.name, b.columns, a.columns, out.changes);
  diffMap('index', a.name, indexDescriptions(b), indexDescriptions(a), out.changes);
  diffMap('constraint', a.name, b.constraints, a.constraints, out.changes);
  for (const [name, ia] of a.indexes) {
    const ib = b.indexes.get(name);
    // Same index rebuilt (ALTER COLUMN TYPE, REINDEX): same name and definition, new storage.
    if (ib && ib.filenode !== ia.filenode && ib.def === ia.def) out.rewrites.push({ relation: ia.qualified, kind: 'index' });
  }
}
