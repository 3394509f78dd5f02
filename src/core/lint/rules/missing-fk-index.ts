import { relLabel, sectionStatements } from '../ast';
import { fileMemo } from '../summaries';
import { describeSize, indexesCreated, leadingColumnsCover, liveRelation, newForeignKeys, relationsCreated, type FileIndex } from '../liveFacts';
import type { ParsedStatement, Rule } from '../types';

export const missingFkIndex: Rule = {
  meta: {
    id: 'missing-fk-index',
    title: 'Foreign key without an index on its columns',
    category: 'live',
    defaultSeverity: 'warning',
    needsConnection: true,
    description:
      'A new foreign key whose referencing columns are not the leading columns of any index: neither one that exists in the connected database nor one created in the same file.',
    why: 'Postgres indexes the referenced (parent) side only. Every DELETE or key UPDATE on the parent must find the referencing rows: without an index that is a sequential scan of the child table per parent row, under locks, and joins from parent to child scan too. On a large child table a bulk delete on the parent runs for hours.',
    safe: 'Create an index whose leading columns are the foreign key columns (CREATE INDEX CONCURRENTLY, in its own migration or after the constraint). An index created later in the same file counts too.',
    differences: 'Not in squawk (it has no catalog). Indexes created anywhere in the same file count, not only before the constraint: adding the index right after the foreign key is the usual pattern.',
    examples: {
      bad: [
        {
          setup: 'CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);',
          sql: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;',
        },
      ],
      good: [
        {
          setup: 'CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\nCREATE INDEX orders_customer_idx ON orders (customer_id, id);',
          sql: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;',
          note: 'An existing index leads with the foreign key column.',
        },
        {
          setup: 'CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);',
          sql: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\nCREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);',
        },
      ],
    },
  },
  check(ctx) {
    const live = ctx.file.options.live;
    if (!live) return;
    const fks = newForeignKeys(ctx.stmt);
    if (!fks.length) return;
    const fileIndexes = fileMemo(ctx.file, 'missing-fk-index:indexes', () => ctx.file.statements.flatMap((s) => indexesCreated(s)));
    for (const fk of fks) {
      const section = sectionStatements(ctx.file.statements, ctx.stmt);
      const createdHere = section.some((s: ParsedStatement) => s.index <= ctx.stmt.index && relationsCreated(s).some((r) => r.name === fk.rel.name));
      const t = createdHere ? undefined : liveRelation(live, fk.rel);
      if (!createdHere && !t) continue; // unknown table: unknown-object says so
      const inFile = fileIndexes.filter((i: FileIndex) => i.rel.name === fk.rel.name && !i.partial && section.some((s) => s.index === i.statementIndex));
      const covered =
        inFile.some((i) => leadingColumnsCover(i.columns, fk.columns)) ||
        (t?.indexes ?? []).some((i) => i.valid && !i.predicate && leadingColumnsCover(i.keys.map((k) => k.column), fk.columns));
      if (covered) continue;
      const cols = fk.columns.join(', ');
      ctx.report({
        ...(fk.location !== undefined ? { at: { location: fk.location } } : {}),
        message: `No index on ${relLabel(fk.rel)} (${cols}) for this foreign key${fk.refRel ? ` to ${relLabel(fk.refRel)}` : ''}${t ? ` (${describeSize(t)})` : ''}: deletes and key updates on the parent scan ${relLabel(fk.rel)}.`,
        help: `CREATE INDEX CONCURRENTLY ON ${relLabel(fk.rel)} (${cols});`,
      });
    }
  },
};
