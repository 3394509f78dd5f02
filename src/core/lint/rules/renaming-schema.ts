import type { CreateSchemaStmt, RenameStmt } from '@pgsql/types';
import { as } from '../ast';
import { fileMemo } from '../summaries';
import type { FileState, Rule } from '../types';

export const renamingSchema: Rule = {
  meta: {
    id: 'renaming-schema',
    title: 'Renaming a schema breaks code that uses the old name',
    category: 'breaking',
    defaultSeverity: 'warning',
    description: 'ALTER SCHEMA ... RENAME TO of a schema that already exists.',
    why: 'Every query, search_path setting, grant script and connection string that names the old schema stops working at once: qualified names fail with "relation does not exist" and an unqualified name may silently resolve to a different table further down the search_path. Functions whose bodies name the schema are not updated by Postgres.',
    safe: 'Create the new schema and move objects to it (ALTER TABLE ... SET SCHEMA) while code is switched over, or keep the old name reachable (views in the old schema) until no deployed code uses it.',
    examples: {
      bad: [{ sql: 'ALTER SCHEMA billing RENAME TO invoicing;' }],
      good: [
        { sql: 'CREATE SCHEMA staging_v2;\nALTER SCHEMA staging_v2 RENAME TO staging;', note: 'A schema created in the same file has no users yet.' },
        { sql: 'ALTER SCHEMA billing OWNER TO billing_owner;' },
      ],
    },
    differences: 'Not a squawk rule (strong_migrations has it).',
  },
  kinds: ['RenameStmt'],
  check(ctx) {
    const r = as<RenameStmt>(ctx.stmt.node, 'RenameStmt');
    if (!r || r.renameType !== 'OBJECT_SCHEMA' || !r.subname) return;
    const old = r.subname.toLowerCase();
    const createdHere = schemasCreated(ctx.file).has(old);
    if (createdHere) return;
    ctx.report({
      message: `Renaming schema ${r.subname} to ${r.newname ?? '?'}: every query, search_path and function body that names ${r.subname} breaks at once.`,
      help: 'Move objects to a new schema while code is switched over, or keep the old name reachable until no deployed code uses it.',
    });
  },
  summarizeKinds: ['CreateSchemaStmt'],
  summarize(ctx) {
    const name = ctx.stmt.kind === 'CreateSchemaStmt' ? as<CreateSchemaStmt>(ctx.stmt.node, 'CreateSchemaStmt')?.schemaname?.toLowerCase() : undefined;
    if (name !== undefined) schemasCreated(ctx.file).add(name);
  },
};

/** Schemas created by earlier statements of the file. */
function schemasCreated(file: FileState): Set<string> {
  return fileMemo(file, 'renaming-schema', () => new Set<string>());
}
