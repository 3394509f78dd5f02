import type { IndexElem, IndexStmt } from '@pgsql/types';
import { alterTableOf, as, constraintOf, notNullProvenEarlier, relLabel, sameRel } from '../ast';
import type { Rule } from '../types';

export const primaryKeyUsingIndexSetsNotNull: Rule = {
  meta: {
    id: 'primary-key-using-index-sets-not-null',
    title: 'PRIMARY KEY USING INDEX may scan to set NOT NULL',
    category: 'locks',
    defaultSeverity: 'warning',
    lock: 'ACCESS EXCLUSIVE',
    description: 'ALTER TABLE ... ADD PRIMARY KEY USING INDEX on an existing table when the index columns are not known to be NOT NULL already (Eugene W14).',
    why: 'A primary key implies NOT NULL: if a key column is still nullable, Postgres silently runs SET NOT NULL on it, scanning the whole table while the ALTER TABLE holds its ACCESS EXCLUSIVE lock. Every read and write on the table is blocked for that scan, which defeats the point of building the index concurrently.',
    safe: 'Before adding the key, make each column NOT NULL the safe way: ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, then SET NOT NULL (Postgres 12+ skips the scan). Then ADD PRIMARY KEY USING INDEX is a brief catalog change.',
    examples: {
      bad: [
        { sql: 'ALTER TABLE authors ADD CONSTRAINT authors_pkey PRIMARY KEY USING INDEX authors_name_key;' },
        {
          sql: 'CREATE UNIQUE INDEX CONCURRENTLY authors_name_key ON authors (name);\nALTER TABLE authors ADD CONSTRAINT authors_pkey PRIMARY KEY USING INDEX authors_name_key;',
        },
      ],
      good: [
        {
          sql: "CREATE UNIQUE INDEX CONCURRENTLY authors_name_key ON authors (name);\nALTER TABLE authors ADD CONSTRAINT authors_name_not_null CHECK (name IS NOT NULL) NOT VALID;\nALTER TABLE authors VALIDATE CONSTRAINT authors_name_not_null;\nALTER TABLE authors ALTER COLUMN name SET NOT NULL;\nALTER TABLE authors ADD CONSTRAINT authors_pkey PRIMARY KEY USING INDEX authors_name_key;",
          note: 'The column is proven NOT NULL first (run the steps in separate transactions).',
        },
        {
          sql: 'ALTER TABLE authors DROP CONSTRAINT authors_pkey, ADD CONSTRAINT authors_pkey PRIMARY KEY USING INDEX authors_pkey_new;',
          note: 'Swapping in a rebuilt primary key index: the columns were already the key, so they are NOT NULL.',
        },
        { sql: 'CREATE TABLE authors (name text);\nCREATE UNIQUE INDEX authors_name_key ON authors (name);\nALTER TABLE authors ADD CONSTRAINT authors_pkey PRIMARY KEY USING INDEX authors_name_key;', note: 'A table created in the same file is empty.' },
      ],
    },
    differences: 'Not in squawk. Unlike Eugene, not flagged when the file proves the columns NOT NULL first, or when the same ALTER TABLE (or an earlier statement) drops the old primary key (index swap).',
  },
  check(ctx) {
    const at = alterTableOf(ctx.stmt.node);
    if (!at || !at.rel || ctx.file.isNewTable(at.rel)) return;
    const rel = at.rel;
    const table = relLabel(rel);
    const dropsPkey = (cmds: typeof at.cmds): boolean => cmds.some((c) => c.subtype === 'AT_DropConstraint' && /pkey$|_pk$/i.test(c.name ?? ''));
    if (dropsPkey(at.cmds)) return;
    // Cheap test first: only ADD PRIMARY KEY USING INDEX needs the look-back below (which is linear).
    if (!at.cmds.some((cmd) => cmd.subtype === 'AT_AddConstraint' && constraintOf(cmd.def)?.contype === 'CONSTR_PRIMARY' && !!constraintOf(cmd.def)?.indexname)) return;
    if (ctx.file.statements.slice(0, ctx.stmt.index).some((s) => {
      const prev = alterTableOf(s.node);
      return !!prev && sameRel(prev.rel, rel) && dropsPkey(prev.cmds);
    })) return;
    for (const cmd of at.cmds) {
      if (cmd.subtype !== 'AT_AddConstraint') continue;
      const c = constraintOf(cmd.def);
      if (c?.contype !== 'CONSTR_PRIMARY' || !c.indexname) continue;
      const want = c.indexname.toLowerCase();
      let cols: string[] | undefined;
      for (let i = ctx.stmt.index - 1; i >= 0 && !cols; i--) {
        const idx = as<IndexStmt>(ctx.file.statements[i]?.node, 'IndexStmt');
        if (idx?.idxname?.toLowerCase() === want) cols = (idx.indexParams ?? []).map((p) => as<IndexElem>(p, 'IndexElem')?.name ?? '?');
      }
      const useChecks = ctx.file.options.pgVersion >= 12;
      const unproven = cols ? cols.filter((col) => !notNullProvenEarlier(ctx.file.statements, ctx.stmt.index, rel, col, useChecks)) : undefined;
      if (unproven && unproven.length === 0) continue;
      const which = unproven ? unproven.join(', ') : `the columns of ${c.indexname}`;
      ctx.report({
        message: `ADD PRIMARY KEY USING INDEX ${c.indexname} sets ${which} NOT NULL: unless ${unproven?.length === 1 ? 'it already is' : 'they already are'}, Postgres scans all of ${table} under an ACCESS EXCLUSIVE lock, blocking every read and write on ${table}.`,
        help: 'Make the key columns NOT NULL first: CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, SET NOT NULL (no scan on Postgres 12+). Ignore this finding if they already are NOT NULL.',
        ...(c.location !== undefined ? { at: { location: c.location } } : {}),
      });
    }
  },
};
