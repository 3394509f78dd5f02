import type { AlterDomainStmt } from '@pgsql/types';
import { alterTableOf, as, lastName, relLabel } from '../ast';
import type { Rule } from '../types';

export const banDropNotNull: Rule = {
  meta: {
    id: 'ban-drop-not-null',
    title: 'Dropping NOT NULL breaks code that relies on it',
    category: 'breaking',
    defaultSeverity: 'warning',
    squawk: 'ban-drop-not-null',
    lock: 'ACCESS EXCLUSIVE',
    description: 'ALTER TABLE ... ALTER COLUMN ... DROP NOT NULL on an existing table, or ALTER DOMAIN ... DROP NOT NULL.',
    why: 'Code written against the column assumes it is never NULL: application models with non-optional fields, reports, PL/pgSQL functions and other services reading the table. Once NULLs start arriving, those readers crash or silently mis-compute, and the failure shows up far from the migration.',
    safe: 'Make every reader handle NULL first and deploy that; only then drop the constraint. If the goal is "no value", consider an explicit marker value instead of NULL.',
    examples: {
      bad: [{ sql: 'ALTER TABLE orders ALTER COLUMN shipped_at DROP NOT NULL;' }, { sql: 'ALTER DOMAIN email_address DROP NOT NULL;' }],
      good: [
        { sql: 'ALTER TABLE orders ALTER COLUMN shipped_at SET DEFAULT now();' },
        { sql: 'CREATE TABLE drafts (id bigint, title text NOT NULL);\nALTER TABLE drafts ALTER COLUMN title DROP NOT NULL;', note: 'A table created in the same migration has no readers yet.' },
      ],
    },
    differences: 'Not reported for tables created in the same file or migration set. Also covers ALTER DOMAIN ... DROP NOT NULL.',
  },
  kinds: ['AlterDomainStmt', 'AlterTableStmt'],
  check(ctx) {
    const dom = as<AlterDomainStmt>(ctx.stmt.node, 'AlterDomainStmt');
    if (dom) {
      if (dom.subtype === 'N') {
        ctx.report({
          message: `Dropping NOT NULL from domain ${lastName(dom.typeName) ?? '?'} lets NULLs into every column of that type; code that relies on them never being NULL breaks.`,
          help: 'Make every reader handle NULL and deploy first, then drop the constraint.',
        });
      }
      return;
    }
    const at = alterTableOf(ctx.stmt.node);
    if (!at || ctx.file.isNewTable(at.rel)) return;
    for (const cmd of at.cmds) {
      if (cmd.subtype !== 'AT_DropNotNull') continue;
      ctx.report({
        message: `Dropping NOT NULL on ${relLabel(at.rel)}.${cmd.name ?? '?'}: code that assumes the column is never NULL (models, reports, functions) breaks when NULLs arrive.`,
        help: 'Make every reader handle NULL and deploy first, then drop the constraint.',
      });
    }
  },
};
