import type { RenameStmt, ViewStmt } from '@pgsql/types';
import { as, relLabel, relName } from '../ast';
import type { Rule } from '../types';

export const renamingTable: Rule = {
  meta: {
    id: 'renaming-table',
    title: 'Renaming a table breaks code that uses the old name',
    category: 'breaking',
    defaultSeverity: 'warning',
    squawk: 'renaming-table',
    lock: 'ACCESS EXCLUSIVE',
    description: 'ALTER TABLE ... RENAME TO of a table that already exists.',
    why: 'The rename is instant, but application servers still running the previous release keep querying the old name and fail with "relation does not exist" until every one of them is redeployed; an application rollback breaks the other way.',
    safe: 'Rename and, in the same transaction, create a view with the old name (`CREATE VIEW old AS SELECT * FROM new`): simple views are updatable, so old code keeps reading and writing. Drop the view once no deployed code uses the old name.',
    examples: {
      bad: [{ sql: 'ALTER TABLE customer RENAME TO customers;' }],
      good: [
        {
          sql: 'BEGIN;\nALTER TABLE customer RENAME TO customers;\nCREATE VIEW customer AS SELECT * FROM customers;\nCOMMIT;',
          note: 'A view under the old name keeps old code working (simple views are updatable).',
        },
        { sql: 'CREATE TABLE tmp_users (id bigint);\nALTER TABLE tmp_users RENAME TO users_v2;', note: 'A table created in the same migration has no users yet.' },
      ],
    },
    differences: 'Not reported for tables created in the same file or migration set, nor when the same file creates a view with the old name after the rename.',
  },
  check(ctx) {
    const r = as<RenameStmt>(ctx.stmt.node, 'RenameStmt');
    if (!r || r.renameType !== 'OBJECT_TABLE') return;
    const rel = relName(r.relation);
    if (!rel || ctx.file.isNewTable(rel)) return;
    const old = rel.name.toLowerCase();
    const shim = ctx.file.statements.some((s) => {
      if (s.index <= ctx.stmt.index || s.section !== ctx.stmt.section) return false;
      const v = as<ViewStmt>(s.node, 'ViewStmt');
      return v?.view?.relname?.toLowerCase() === old;
    });
    if (shim) return;
    ctx.report({
      message: `Renaming table ${relLabel(rel)} to ${r.newname ?? '?'}: every running query that uses the old name fails until all application servers are redeployed.`,
      help: `In the same transaction, create a view under the old name: CREATE VIEW ${rel.name} AS SELECT * FROM ${r.newname ?? 'new_name'}; drop it once no deployed code uses the old name.`,
    });
  },
};
