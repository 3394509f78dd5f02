import type { AlterTableCmd } from '@pgsql/types';
import { alterTableOf, constraintOf, relKey, relLabel } from '../ast';
import { droppedInFile, fileMemo, indexCreatedEarlier, notNullProvenEarlier, recordIndex, recordNotNullEvidence } from '../summaries';
import type { FileState, LintFinding, RelName, ReportOptions, Rule } from '../types';

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
  kinds: ['AlterTableStmt'],
  check(ctx) {
    const at = alterTableOf(ctx.stmt.node);
    if (!at || !at.rel || ctx.file.isNewTable(at.rel)) return;
    const rel = at.rel;
    const table = relLabel(rel);
    if (dropsPkey(at.cmds)) return;
    // Cheap test first: only ADD PRIMARY KEY USING INDEX needs the look-back below.
    if (!at.cmds.some((cmd) => cmd.subtype === 'AT_AddConstraint' && constraintOf(cmd.def)?.contype === 'CONSTR_PRIMARY' && !!constraintOf(cmd.def)?.indexname)) return;
    if (pkeyDropped(ctx.file).has(relKey(rel))) return;
    for (const cmd of at.cmds) {
      if (cmd.subtype !== 'AT_AddConstraint') continue;
      const c = constraintOf(cmd.def);
      if (c?.contype !== 'CONSTR_PRIMARY' || !c.indexname) continue;
      const indexname = c.indexname;
      const cols = indexCreatedEarlier(ctx.file, indexname)?.columns;
      const useChecks = ctx.file.options.pgVersion >= 12;
      const proofs = cols?.map((col) => ({ col, proven: notNullProvenEarlier(ctx.file, rel, col, useChecks) }));
      const r = (unproven: string[] | undefined): ReportOptions => {
        const which = unproven ? unproven.join(', ') : `the columns of ${indexname}`;
        return {
          message: `ADD PRIMARY KEY USING INDEX ${indexname} sets ${which} NOT NULL: unless ${unproven?.length === 1 ? 'it already is' : 'they already are'}, Postgres scans all of ${table} under an ACCESS EXCLUSIVE lock, blocking every read and write on ${table}.`,
          help: 'Make the key columns NOT NULL first: CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, SET NOT NULL (no scan on Postgres 12+). Ignore this finding if they already are NOT NULL.',
          ...(c.location !== undefined ? { at: { location: c.location } } : {}),
        };
      };
      if (proofs?.some((p) => typeof p.proven === 'object')) {
        // A proof hinges on a later DROP CONSTRAINT: decided at finish.
        const finding = ctx.hold(r(undefined));
        pending(ctx.file).push({ rel, proofs, finding, message: (unproven) => r(unproven).message });
        continue;
      }
      const unproven = proofs ? proofs.filter((p) => p.proven !== true).map((p) => p.col) : undefined;
      if (unproven && unproven.length === 0) continue;
      ctx.report(r(unproven));
    }
  },
  // recordIndex looks at CREATE INDEX, the rest at ALTER TABLE.
  summarizeKinds: ['IndexStmt', 'AlterTableStmt'],
  summarize(ctx) {
    recordIndex(ctx);
    recordNotNullEvidence(ctx);
    const at = ctx.stmt.kind === 'AlterTableStmt' ? alterTableOf(ctx.stmt.node) : undefined;
    if (at?.rel && dropsPkey(at.cmds)) pkeyDropped(ctx.file).add(relKey(at.rel));
  },
  finish(ctx) {
    for (const h of pending(ctx.file)) {
      const unproven = h.proofs.filter((p) => p.proven === false || (typeof p.proven === 'object' && !droppedInFile(ctx.file, h.rel, p.proven.ifDropped))).map((p) => p.col);
      if (unproven.length === 0) continue;
      ctx.release({ ...h.finding, message: h.message(unproven) });
    }
  },
};

const dropsPkey = (cmds: readonly AlterTableCmd[]): boolean => cmds.some((c) => c.subtype === 'AT_DropConstraint' && /pkey$|_pk$/i.test(c.name ?? ''));

/** Tables whose primary key an earlier ALTER TABLE of the file dropped. */
function pkeyDropped(file: FileState): Set<string> {
  return fileMemo(file, 'primary-key-using-index-sets-not-null', () => new Set<string>());
}

interface Pending {
  rel: RelName;
  proofs: { col: string; proven: ReturnType<typeof notNullProvenEarlier> }[];
  finding: LintFinding;
  message: (unproven: string[]) => string;
}

function pending(file: FileState): Pending[] {
  return fileMemo(file, 'primary-key-using-index-sets-not-null:pending', () => [] as Pending[]);
}
