// Candidate indexes for a workload: per statement and table, single-column, multi-column (up to 3:
// equality first, then range, then sort), expression (`lower(email)`) and partial (constant predicates).
// A candidate that an existing valid btree index already covers (same leading keys, same or no predicate)
// is dropped before any what-if work.
import { generatedName, MAX_IDENTIFIER_BYTES } from '../sql/generatedName';
import { actionsSql, type CreateIndexAction } from '../report/actions';
import { qualifiedName, quoteIdent } from '../sql/quote';
import { columnKey, type CatalogTable } from './catalog';
import type { ConstantPredicate, IndexKey, StatementShape } from './extract';

export type CandidateKind = 'single' | 'multi' | 'expression' | 'partial' | 'covering' | 'gin';

export interface Candidate {
  /** Unique: table oid + keys + predicate. */
  id: string;
  table: CatalogTable;
  keys: IndexKey[];
  predicate?: ConstantPredicate[];
  /** Non-key columns carried for index-only scans (btree INCLUDE). */
  include?: IndexKey[];
  method: 'btree' | 'gin';
  /** Operator class of the (single) key, when not the default (`jsonb_path_ops`). */
  opclass?: string;
  kind: CandidateKind;
  /** Statement ids that produced it. */
  statements: Set<string>;
}

export const MAX_INDEX_COLUMNS = 3;
/** A covering candidate carries at most this many INCLUDE columns (more is rarely worth the size). */
export const MAX_INCLUDE_COLUMNS = 3;

export function predicateSql(p: readonly ConstantPredicate[] | undefined): string | undefined {
  return p && p.length ? p.map((c) => c.sql).join(' AND ') : undefined;
}

function predicateKey(p: readonly ConstantPredicate[] | undefined): string | undefined {
  return p && p.length ? p.map((c) => c.key).sort().join('&') : undefined;
}

function indexBody(c: Candidate, table: CatalogTable = c.table, only = false): string {
  const where = predicateSql(c.predicate);
  const keys = c.keys.map((k) => `${k.sql}${c.opclass ? ` ${c.opclass}` : ''}${k.desc ? ' DESC' : ''}`).join(', ');
  const include = c.include?.length ? ` INCLUDE (${c.include.map((k) => k.sql).join(', ')})` : '';
  return `${only ? 'ONLY ' : ''}${qualifiedName(table.schema, table.name)}${c.method === 'gin' ? ' USING gin' : ''} (${keys})${include}${where ? ` WHERE ${where}` : ''}`;
}

/** `CREATE INDEX ON t (...)` as given to hypopg_create_index (and to the scratch engine). */
export function hypoDdl(c: Candidate): string {
  return `CREATE INDEX ON ${indexBody(c)}`;
}

export function indexName(c: Candidate, table: CatalogTable = c.table): string {
  const parts = [table.name, ...c.keys.map((k) => `${(k.key === columnKey(k.column) ? k.column : k.key).replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+$/, '')}${k.desc ? '_desc' : ''}`)];
  if (c.include?.length) parts.push('incl');
  if (c.method === 'gin') parts.push('gin');
  if (c.predicate?.length) parts.push('partial');
  // The candidate id (keys, method, predicate) makes two candidates whose readable parts agree differ.
  const name = `${parts.join('_')}_idx`;
  // Any relation of the schema already has the readable name — a valid index of this table (a partial one, say,
  // that does not cover this candidate), another table's index, a table, a sequence: take the id-suffixed name,
  // so the migration's rebuild of a failed leftover (DROP INDEX CONCURRENTLY IF EXISTS schema.name, actions.ts)
  // can never reach the user's object. Only an INVALID index of this table (a failed build of ours) keeps it.
  const leftover = table.indexes.some((i) => !i.valid && i.name === name);
  const taken = table.indexes.some((i) => i.valid && i.name === name) || (!leftover && !!table.schemaRelations?.has(name));
  return Buffer.byteLength(name) <= MAX_IDENTIFIER_BYTES && !taken ? name : generatedName([...parts, c.id, 'idx'], table.schemaRelations);
}

/** The partitions of a partitioned table, depth first, each with its direct parent. */
function partitionTree(t: CatalogTable): { table: CatalogTable; parent: CatalogTable }[] {
  const out: { table: CatalogTable; parent: CatalogTable }[] = [];
  for (const p of t.partitions ?? []) out.push({ table: p, parent: t }, ...partitionTree(p));
  return out;
}

/**
 * The statements a user runs: concurrent, idempotent, every identifier quoted. A partitioned table cannot
 * be indexed concurrently (`cannot create index on partitioned table … concurrently`), so for one the safe
 * pattern: the parent's index ON ONLY (created invalid, instantly, no lock on the partitions' data), each
 * leaf partition's index CONCURRENTLY, then each attached to its parent's index — the parent's becomes
 * valid once every partition has one. Sub-partitioned partitions get ON ONLY + ATTACH like the parent.
 */
export function createIndexSql(c: Candidate): string {
  return actionsSql([createIndexAction(c)]);
}

/** The typed action behind createIndexSql: what Create Migration and `pgopt advise --emit-migration` write. */
export function createIndexAction(c: Candidate): CreateIndexAction {
  const where = predicateSql(c.predicate);
  return {
    kind: 'createIndex',
    schema: c.table.schema,
    table: c.table.name,
    name: indexName(c),
    keys: c.keys.map((k) => ({ expression: k.sql, ...(c.opclass ? { opclass: c.opclass } : {}), ...(k.desc ? { desc: true } : {}) })),
    ...(c.include?.length ? { include: c.include.map((k) => k.column) } : {}),
    ...(where ? { where } : {}),
    ...(c.method !== 'btree' ? { method: c.method } : {}),
    ...(c.table.relkind === 'p'
      ? {
          partitions: partitionTree(c.table).map(({ table, parent }) => ({
            schema: table.schema,
            table: table.name,
            name: indexName(c, table),
            parentSchema: parent.schema,
            parentIndex: indexName(c, parent),
            partitioned: table.relkind === 'p',
          })),
        }
      : {}),
  };
}

/** An existing valid GIN index on the column whose operator class serves these operators. */
export function ginCoveredByExisting(table: CatalogTable, key: string, opclass: string | undefined): string | undefined {
  for (const ix of table.indexes) {
    if (!ix.valid || ix.am !== 'gin' || ix.keys[0] !== key) continue;
    // jsonb_ops serves everything jsonb_path_ops does; jsonb_path_ops serves only @>.
    const have = ix.opclasses[0];
    if (opclass === 'jsonb_path_ops' || have !== 'jsonb_path_ops') return ix.name;
  }
  return undefined;
}

/** True when an existing valid btree index starts with these keys and has the same predicate (or none). */
export function coveredByExisting(
  table: CatalogTable,
  keys: readonly IndexKey[],
  predicate: readonly ConstantPredicate[] | undefined,
  include: readonly IndexKey[] = [],
): string | undefined {
  const want = keys.map((k) => k.key);
  const pk = predicateKey(predicate);
  // Directions matter only relative to each other (a btree scans both ways): (a DESC, b) = (a, b DESC) backwards.
  const dirs = keys.map((k) => !!k.desc);
  for (const ix of table.indexes) {
    if (!ix.valid || ix.am !== 'btree') continue;
    if (ix.keys.length < want.length) continue;
    if (!want.every((k, i) => ix.keys[i] === k)) continue;
    const have = want.map((_, i) => !!ix.desc?.[i]);
    if (!have.every((d, i) => d === dirs[i]) && !have.every((d, i) => d !== dirs[i])) continue;
    // A covering candidate is covered only when the index also carries its INCLUDE columns (as keys or included).
    if (!include.every((k) => ix.keys.includes(k.key) || (ix.include ?? []).includes(k.key))) continue;
    if (ix.predicate === undefined) return ix.name;
    if (pk !== undefined && ix.predicate === pk) return ix.name;
  }
  return undefined;
}

function uniqKeys(keys: IndexKey[]): IndexKey[] {
  const out: IndexKey[] = [];
  for (const k of keys) if (!out.some((x) => x.key === k.key)) out.push(k);
  return out;
}

export function generateCandidates(shapes: ReadonlyMap<string, StatementShape>): { candidates: Candidate[]; suppressed: { id: string; by: string }[] } {
  const byId = new Map<string, Candidate>();
  const suppressed = new Map<string, string>();
  const add = (stmtId: string, table: CatalogTable, keys: IndexKey[], predicate: ConstantPredicate[] | undefined, include: IndexKey[] = []): void => {
    keys = uniqKeys(keys).slice(0, MAX_INDEX_COLUMNS);
    if (keys.length === 0) return;
    include = uniqKeys(include).filter((k) => !keys.some((x) => x.key === k.key));
    const pk = predicateKey(predicate);
    const inc = include.length ? ` INCLUDE ${include.map((k) => k.key).join(',')}` : '';
    // Only relative directions matter: all-DESC is the ascending index scanned backwards.
    if (keys.every((k) => k.desc)) keys = keys.map(({ desc: _d, ...k }) => k);
    const id = `${table.oid}:${keys.map((k) => `${k.key}${k.desc ? ' DESC' : ''}`).join(',')}${inc}${pk ? ` WHERE ${pk}` : ''}`;
    const existing = byId.get(id);
    if (existing) {
      existing.statements.add(stmtId);
      return;
    }
    if (suppressed.has(id)) return;
    const by = coveredByExisting(table, keys, predicate, include);
    if (by) {
      suppressed.set(id, by);
      return;
    }
    const kind: CandidateKind = include.length
      ? 'covering'
      : predicate?.length
        ? 'partial'
        : keys.some((k) => k.key !== columnKey(k.column))
          ? 'expression'
          : keys.length > 1
            ? 'multi'
            : 'single';
    byId.set(id, { id, table, keys, ...(predicate?.length ? { predicate } : {}), ...(include.length ? { include } : {}), method: 'btree', kind, statements: new Set([stmtId]) });
  };
  const addGin = (stmtId: string, table: CatalogTable, key: IndexKey, opclass: string | undefined): void => {
    const id = `${table.oid}:gin:${key.key}${opclass ? ` ${opclass}` : ''}`;
    const existing = byId.get(id);
    if (existing) {
      existing.statements.add(stmtId);
      return;
    }
    if (suppressed.has(id)) return;
    const by = ginCoveredByExisting(table, key.key, opclass);
    if (by) {
      suppressed.set(id, by);
      return;
    }
    byId.set(id, { id, table, keys: [{ key: key.key, sql: key.sql, column: key.column }], method: 'gin', ...(opclass ? { opclass } : {}), kind: 'gin', statements: new Set([stmtId]) });
  };
  for (const [stmtId, shape] of shapes) {
    for (const use of shape.uses.values()) {
      const t = use.table;
      const constCols = new Set(use.constants.map((c) => c.column));
      const eqNoConst = use.eq.filter((k) => !constCols.has(k.column));
      const lead = uniqKeys([...eqNoConst, ...use.join]);
      const shapesHere: IndexKey[][] = [];
      // Only relative directions matter: an all-DESC ORDER BY is served by the ascending index scanned backwards.
      const sort = use.sort.every((k) => k.desc) ? use.sort.map(({ desc: _d, ...k }) => k) : use.sort;
      for (const k of [...use.eq, ...use.join, ...use.range]) shapesHere.push([k]);
      if (sort[0]) shapesHere.push([sort[0]]);
      // A multi-column ORDER BY (… LIMIT) is served without a sort only by the index on all its columns, in its directions.
      if (sort.length > 1) shapesHere.push(sort);
      if (use.group[0]) shapesHere.push([use.group[0]]);
      if (lead.length) {
        shapesHere.push(lead);
        if (use.range[0]) shapesHere.push([...lead, use.range[0]]);
        if (sort.length) shapesHere.push([...lead, ...sort]);
        if (use.group.length) shapesHere.push([...lead, ...use.group]);
        // Every equality column in front of the others (the order of equality columns decides which
        // other queries can use the index as a prefix).
        if (lead.length > 1) for (const first of lead) shapesHere.push([first, ...lead.filter((k) => k !== first)]);
        // And each equality column alone before the range or the sort order: other statements that filter on
        // it alone share that index (TPC-H: `o_orderstatus = … ORDER BY o_totalprice` in two templates).
        if (lead.length > 1)
          for (const first of lead) {
            if (use.range[0]) shapesHere.push([first, use.range[0]]);
            if (sort.length) shapesHere.push([first, ...sort]);
          }
      }
      for (const keys of shapesHere) add(stmtId, t, keys, undefined);
      // Covering: when the statement reads few other columns of the table, the same keys plus those as
      // INCLUDE columns allow an index-only scan.
      // One per statement and table, on its widest filter shape (equality + join columns, then a range),
      // so the candidate count stays about linear in the workload.
      const widest = lead.length ? (use.range[0] ? [...lead, use.range[0]] : lead) : use.range[0] ? [use.range[0]] : use.eq[0] ? [use.eq[0]] : undefined;
      if (!use.star && widest) {
        for (const keys of [widest]) {
          const extra = use.refs.filter((col) => !keys.some((k) => k.column === col && k.key === columnKey(col)));
          if (extra.length >= 1 && extra.length <= MAX_INCLUDE_COLUMNS && keys.every((k) => k.key === columnKey(k.column))) {
            add(stmtId, t, keys, undefined, extra.map((col) => ({ key: columnKey(col), sql: quoteIdent(col), column: col })));
          }
        }
      }
      // GIN for containment: jsonb_path_ops when only @> is used on a jsonb column (smaller, faster).
      for (const ck of use.contains) addGin(stmtId, t, ck, ck.jsonb ? (ck.ops.every((o) => o === '@>') ? 'jsonb_path_ops' : undefined) : undefined);
      if (use.constants.length) {
        for (const keys of shapesHere) {
          const rest = keys.filter((k) => !constCols.has(k.column));
          if (rest.length) add(stmtId, t, rest, use.constants);
        }
      }
    }
  }
  return { candidates: [...byId.values()], suppressed: [...suppressed].map(([id, by]) => ({ id, by })) };
}
