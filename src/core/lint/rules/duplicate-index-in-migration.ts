import type { IndexElem, IndexStmt } from '@pgsql/types';
import { as, relLabel, relName, strings } from '../ast';
import { liveRelation, relationsCreated } from '../liveFacts';
import type { LiveIndex } from '../liveTypes';
import type { Rule } from '../types';

interface NewKey {
  column: string;
  opclass: string | undefined;
}

/** Plain-column keys of the new index, or undefined when it has expressions, collations or orderings we do not compare. */
function newKeys(idx: IndexStmt): NewKey[] | undefined {
  const out: NewKey[] = [];
  for (const p of idx.indexParams ?? []) {
    const e = as<IndexElem>(p, 'IndexElem');
    if (!e?.name || e.expr || e.collation?.length || e.opclassopts?.length) return undefined;
    if ((e.ordering && e.ordering !== 'SORTBY_DEFAULT') || (e.nulls_ordering && e.nulls_ordering !== 'SORTBY_NULLS_DEFAULT')) return undefined;
    const oc = strings(e.opclass);
    out.push({ column: e.name, opclass: oc[oc.length - 1] });
  }
  return out;
}

function keyMatches(k: NewKey, live: LiveIndex['keys'][number] | undefined): boolean {
  if (!live?.column || live.column !== k.column) return false;
  return k.opclass ? live.opclass === k.opclass : live.defaultOpclass;
}

export const duplicateIndexInMigration: Rule = {
  meta: {
    id: 'duplicate-index-in-migration',
    title: 'Index that duplicates an existing one',
    category: 'live',
    defaultSeverity: 'warning',
    needsConnection: true,
    description:
      'CREATE INDEX whose key columns (same order, operator classes, method, no predicate) equal an existing index on the live table, or are a leading prefix of one.',
    why: 'A redundant index costs a full build (a scan of the table, and a SHARE lock without CONCURRENTLY), then slows every write and takes disk and cache forever, while the planner can already use the existing index for the same lookups.',
    safe: 'Drop the statement, or, if the new index replaces the old one (different options, fixing bloat), create it concurrently and drop the old one concurrently afterwards. A UNIQUE index over an existing non-unique one is not a duplicate: it adds a constraint.',
    examples: {
      bad: [
        { setup: 'CREATE TABLE orders (id bigint, customer_id bigint, created_at timestamptz);\nCREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at);', sql: 'CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);' },
        { setup: 'CREATE TABLE orders (id bigint, customer_id bigint);\nCREATE INDEX orders_customer_idx ON orders (customer_id);', sql: 'CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders USING btree (customer_id);' },
      ],
      good: [
        { setup: 'CREATE TABLE orders (id bigint, customer_id bigint, created_at timestamptz);\nCREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at);', sql: 'CREATE INDEX CONCURRENTLY orders_created_idx ON orders (created_at);', note: 'Not a leading prefix.' },
        { setup: 'CREATE TABLE orders (id bigint, customer_id bigint);\nCREATE INDEX orders_customer_idx ON orders (customer_id) WHERE id > 0;', sql: 'CREATE INDEX CONCURRENTLY orders_customer_all_idx ON orders (customer_id);', note: 'The existing index is partial.' },
        { setup: 'CREATE TABLE orders (id bigint, code text);\nCREATE INDEX orders_code_idx ON orders (code);', sql: 'CREATE UNIQUE INDEX CONCURRENTLY orders_code_key ON orders (code);', note: 'A unique index adds a constraint.' },
      ],
    },
  },
  kinds: ['IndexStmt'],
  check(ctx) {
    const live = ctx.file.options.live;
    const idx = as<IndexStmt>(ctx.stmt.node, 'IndexStmt');
    if (!live || !idx || idx.whereClause || idx.indexIncludingParams?.length) return;
    const rel = relName(idx.relation);
    if (!rel) return;
    // A table (re)created earlier in the file is not the live one.
    if (ctx.file.statements.some((s) => s.index < ctx.stmt.index && s.section === ctx.stmt.section && relationsCreated(s).some((r) => r.name === rel.name))) return;
    const t = liveRelation(live, rel);
    const keys = newKeys(idx);
    if (!t || !keys?.length) return;
    const method = (idx.accessMethod ?? 'btree').toLowerCase();
    for (const li of t.indexes) {
      if (!li.valid || li.predicate || li.method !== method || li.keys.length < keys.length) continue;
      if (!keys.every((k, i) => keyMatches(k, li.keys[i]))) continue;
      const exact = li.keys.length === keys.length;
      // A unique index is only redundant next to a unique index on exactly the same columns.
      if (idx.unique && !(exact && li.unique)) continue;
      // A prefix of a multicolumn index is only redundant for btree (other methods do not use prefixes as well).
      if (!exact && method !== 'btree') continue;
      ctx.report({
        message: exact
          ? `Index ${idx.idxname ?? '(unnamed)'} duplicates ${li.schema}.${li.name} on ${relLabel(rel)} in database ${live.database}: ${li.definition}`
          : `Index ${idx.idxname ?? '(unnamed)'} on ${relLabel(rel)} (${keys.map((k) => k.column).join(', ')}) is a leading prefix of ${li.schema}.${li.name} in database ${live.database}, which serves the same lookups: ${li.definition}`,
        help: 'Drop this statement, or replace the old index deliberately (create the new one concurrently, then DROP INDEX CONCURRENTLY the old one).',
      });
      return;
    }
  },
};
