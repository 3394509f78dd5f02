// Candidate indexes for a workload: per statement and table, single-column, multi-column (up to 3:
// equality first, then range, then sort), expression (`lower(email)`) and partial (constant predicates).
// A candidate that an existing valid btree index already covers (same leading keys, same or no predicate)
// is dropped before any what-if work.
import { qualifiedName, quoteIdent } from '../sql/quote';
import type { CatalogTable } from './catalog';
import type { ConstantPredicate, IndexKey, StatementShape } from './extract';

export type CandidateKind = 'single' | 'multi' | 'expression' | 'partial';

export interface Candidate {
  /** Unique: table oid + keys + predicate. */
  id: string;
  table: CatalogTable;
  keys: IndexKey[];
  predicate?: ConstantPredicate[];
  kind: CandidateKind;
  /** Statement ids that produced it. */
  statements: Set<string>;
}

export const MAX_INDEX_COLUMNS = 3;

export function predicateSql(p: readonly ConstantPredicate[] | undefined): string | undefined {
  return p && p.length ? p.map((c) => c.sql).join(' AND ') : undefined;
}

function predicateKey(p: readonly ConstantPredicate[] | undefined): string | undefined {
  return p && p.length ? p.map((c) => c.key).sort().join('&') : undefined;
}

/** `CREATE INDEX ON t (...)` as given to hypopg_create_index. */
export function hypoDdl(c: Candidate): string {
  const where = predicateSql(c.predicate);
  return `CREATE INDEX ON ${qualifiedName(c.table.schema, c.table.name)} USING btree (${c.keys.map((k) => k.sql).join(', ')})${where ? ` WHERE ${where}` : ''}`;
}

export function indexName(c: Candidate): string {
  const parts = [c.table.name, ...c.keys.map((k) => k.key.replace(/[^a-z0-9_]+/g, '_').replace(/_+$/, ''))];
  if (c.predicate?.length) parts.push('partial');
  let name = `${parts.join('_')}_idx`;
  if (Buffer.byteLength(name) > 63) name = `${name.slice(0, 54)}_${shortHash(c.id)}`;
  return name;
}

function shortHash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The statement a user runs: concurrent, idempotent, every identifier quoted. */
export function createIndexSql(c: Candidate): string {
  const where = predicateSql(c.predicate);
  return `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(indexName(c))} ON ${qualifiedName(c.table.schema, c.table.name)} (${c.keys
    .map((k) => k.sql)
    .join(', ')})${where ? ` WHERE ${where}` : ''};`;
}

/** True when an existing valid btree index starts with these keys and has the same predicate (or none). */
export function coveredByExisting(table: CatalogTable, keys: readonly IndexKey[], predicate: readonly ConstantPredicate[] | undefined): string | undefined {
  const want = keys.map((k) => k.key);
  const pk = predicateKey(predicate);
  for (const ix of table.indexes) {
    if (!ix.valid || ix.am !== 'btree') continue;
    if (ix.keys.length < want.length) continue;
    if (!want.every((k, i) => ix.keys[i] === k)) continue;
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
  const add = (stmtId: string, table: CatalogTable, keys: IndexKey[], predicate: ConstantPredicate[] | undefined): void => {
    keys = uniqKeys(keys).slice(0, MAX_INDEX_COLUMNS);
    if (keys.length === 0) return;
    const pk = predicateKey(predicate);
    const id = `${table.oid}:${keys.map((k) => k.key).join(',')}${pk ? ` WHERE ${pk}` : ''}`;
    const existing = byId.get(id);
    if (existing) {
      existing.statements.add(stmtId);
      return;
    }
    if (suppressed.has(id)) return;
    const by = coveredByExisting(table, keys, predicate);
    if (by) {
      suppressed.set(id, by);
      return;
    }
    const kind: CandidateKind = predicate?.length ? 'partial' : keys.some((k) => k.key !== k.column.toLowerCase()) ? 'expression' : keys.length > 1 ? 'multi' : 'single';
    byId.set(id, { id, table, keys, ...(predicate?.length ? { predicate } : {}), kind, statements: new Set([stmtId]) });
  };
  for (const [stmtId, shape] of shapes) {
    for (const use of shape.uses.values()) {
      const t = use.table;
      const constCols = new Set(use.constants.map((c) => c.column));
      const eqNoConst = use.eq.filter((k) => !constCols.has(k.column));
      const lead = uniqKeys([...eqNoConst, ...use.join]);
      const shapesHere: IndexKey[][] = [];
      for (const k of [...use.eq, ...use.join, ...use.range]) shapesHere.push([k]);
      if (use.sort[0]) shapesHere.push([use.sort[0]]);
      if (use.group[0]) shapesHere.push([use.group[0]]);
      if (lead.length) {
        shapesHere.push(lead);
        if (use.range[0]) shapesHere.push([...lead, use.range[0]]);
        if (use.sort.length) shapesHere.push([...lead, ...use.sort]);
        if (use.group.length) shapesHere.push([...lead, ...use.group]);
        // Every equality column in front of the others (the order of equality columns decides which
        // other queries can use the index as a prefix).
        if (lead.length > 1) for (const first of lead) shapesHere.push([first, ...lead.filter((k) => k !== first)]);
      }
      for (const keys of shapesHere) add(stmtId, t, keys, undefined);
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
