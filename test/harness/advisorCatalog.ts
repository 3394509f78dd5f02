// Hand-built advisor catalogs for the advisor's unit tests: a table, an existing index, a catalog keyed the way
// loadAdvisorCatalog keys it, and a statement's shape against it.
import assert from 'node:assert/strict';
import type { AdvisorCatalog, CatalogTable, ExistingIndex } from '../../src/core/advisor/catalog';
import { analyzeStatement } from '../../src/core/advisor/extract';
import { parseSql } from '../../src/core/sql/parser';

/** A table of 1,000 rows without writes; every column `integer` unless `types` says otherwise. */
export function catalogTable(oid: number, schema: string, name: string, columns: string[], indexes: ExistingIndex[] = [], types: string[] = columns.map(() => 'integer')): CatalogTable {
  return { oid, schema, name, columns, types, rows: 1000, indexes, writes: { inserts: 0, updates: 0, hotUpdates: 0, deletes: 0 } };
}

/** A valid, non-unique btree index (`over` for predicate, validity, method, opclasses…). */
export function existingIndex(name: string, keys: string[], over: Partial<ExistingIndex> = {}): ExistingIndex {
  return { name, keys, unique: false, valid: true, am: 'btree', opclasses: [], include: [], ...over };
}

/** The tables under the keys loadAdvisorCatalog gives them; a table of schema public is the visible one. */
export function catalogOf(...tables: CatalogTable[]): AdvisorCatalog {
  const map = new Map<string, CatalogTable>();
  for (const t of tables) {
    map.set(`${t.schema}.${t.name}`.toLowerCase(), t);
    map.set(`=${t.schema}.${t.name}`, t);
    if (t.schema === 'public') {
      map.set(t.name.toLowerCase(), t);
      map.set(`=${t.name}`, t);
    }
  }
  return { tables: map };
}

/** The shape of one statement (its text must parse; call loadParser() first). */
export function statementShape(cat: AdvisorCatalog, sql: string): ReturnType<typeof analyzeStatement> {
  const p = parseSql(sql);
  assert.ok(p.ok, sql);
  return analyzeStatement(p.stmts[0]!.node, cat);
}
