import type { CreateStmt, CreateTableAsStmt, DropStmt, Node, RangeVar } from '@pgsql/types';
import { alterTableOf, as, strings, unwrap } from '../ast';
import type { Rule } from '../types';

export const requireTableSchema: Rule = {
  meta: {
    id: 'require-table-schema',
    title: 'Schema-qualify table names (opt-in)',
    category: 'hygiene',
    defaultSeverity: 'warning',
    defaultOff: true,
    squawk: 'require-table-schema',
    description: 'CREATE TABLE, CREATE TABLE AS, ALTER TABLE or DROP TABLE with a table name that is not schema-qualified (temporary tables excepted). Off by default: enable it for projects that use several schemas.',
    why: 'An unqualified name resolves through the session\'s search_path, which differs between the migration runner, psql sessions and environments (a role-specific search_path, "$user" schemas). The same migration can then create the table in another schema, or alter or drop a different table of the same name.',
    safe: 'Write schema.table everywhere in migrations (e.g. public.orders).',
    examples: {
      bad: [
        { sql: 'CREATE TABLE orders (id bigint);' },
        { sql: 'ALTER TABLE orders ADD COLUMN note text;' },
        { sql: 'DROP TABLE IF EXISTS orders;' },
        { sql: 'CREATE TABLE order_totals AS SELECT 1 AS total;' },
      ],
      good: [
        { sql: 'CREATE TABLE public.orders (id bigint);\nALTER TABLE public.orders ADD COLUMN note text;\nDROP TABLE public.orders;' },
        { sql: 'CREATE TEMP TABLE scratch (id bigint);', note: 'Temporary tables live in their own schema.' },
      ],
    },
  },
  check(ctx) {
    const report = (what: string, name: string, rv?: RangeVar): void => {
      ctx.report({
        message: `${what} ${name} is not schema-qualified: it resolves through search_path, which differs between sessions and environments.`,
        help: `Write the schema: e.g. public.${name}.`,
        ...(rv?.location !== undefined && rv.location >= 0 ? { at: { location: rv.location } } : {}),
      });
    };
    const u = unwrap(ctx.stmt.node);
    if (!u) return;
    const node: Node = ctx.stmt.node;
    switch (u[0]) {
      case 'CreateStmt': {
        const rv = as<CreateStmt>(node, 'CreateStmt')?.relation;
        if (rv?.relname && !rv.schemaname && rv.relpersistence !== 't') report('Table', rv.relname, rv);
        return;
      }
      case 'CreateTableAsStmt': {
        const c = as<CreateTableAsStmt>(node, 'CreateTableAsStmt');
        const rv = c?.into?.rel;
        if (c?.objtype === 'OBJECT_TABLE' && rv?.relname && !rv.schemaname && rv.relpersistence !== 't') report('Table', rv.relname, rv);
        return;
      }
      case 'AlterTableStmt': {
        const at = alterTableOf(node);
        const rv = at?.stmt.relation;
        if (rv?.relname && !rv.schemaname) report('Table', rv.relname, rv);
        return;
      }
      case 'DropStmt': {
        const d = as<DropStmt>(node, 'DropStmt');
        if (d?.removeType !== 'OBJECT_TABLE') return;
        for (const o of d.objects ?? []) {
          const names = strings(as<{ items?: Node[] }>(o, 'List')?.items);
          if (names.length === 1 && names[0]) report('Table', names[0]);
        }
        return;
      }
      default:
        return;
    }
  },
};
