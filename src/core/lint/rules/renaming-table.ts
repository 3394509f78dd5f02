import type { RenameStmt, ViewStmt } from '@pgsql/types';
import { as, relLabel, relName } from '../ast';
import { fileMemo } from '../summaries';
import type { FileState, LintFinding, Rule } from '../types';

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
  kinds: ['RenameStmt'],
  check(ctx) {
    const r = as<RenameStmt>(ctx.stmt.node, 'RenameStmt');
    if (!r || r.renameType !== 'OBJECT_TABLE') return;
    const rel = relName(r.relation);
    if (!rel || ctx.file.isNewTable(rel)) return;
    const old = rel.name.toLowerCase();
    // Unless a later statement of the section creates a view under the old name (summarize): held until the end.
    const finding = ctx.hold({
      message: `Renaming table ${relLabel(rel)} to ${r.newname ?? '?'}: every running query that uses the old name fails until all application servers are redeployed.`,
      help: `In the same transaction, create a view under the old name: CREATE VIEW ${rel.name} AS SELECT * FROM ${r.newname ?? 'new_name'}; drop it once no deployed code uses the old name.`,
    });
    renames(ctx.file).push({ old, section: ctx.stmt.section, finding });
  },
  summarizeKinds: ['ViewStmt'],
  summarize(ctx) {
    const list = renames(ctx.file);
    if (!list.length || ctx.stmt.kind !== 'ViewStmt') return;
    const name = as<ViewStmt>(ctx.stmt.node, 'ViewStmt')?.view?.relname?.toLowerCase();
    let kept = 0;
    for (const w of list) {
      const shim = w.section === ctx.stmt.section && w.finding.statementIndex !== ctx.stmt.index && name === w.old;
      if (!shim) list[kept++] = w;
    }
    list.length = kept;
  },
  finish(ctx) {
    for (const w of renames(ctx.file)) ctx.release(w.finding);
  },
};

function renames(file: FileState): { old: string; section: string | undefined; finding: LintFinding }[] {
  return fileMemo(file, 'renaming-table', () => [] as { old: string; section: string | undefined; finding: LintFinding }[]);
}
