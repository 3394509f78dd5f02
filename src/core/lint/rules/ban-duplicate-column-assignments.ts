import type { ColumnDef, CreateStmt, InsertStmt, MergeStmt, MergeWhenClause, Node, OnConflictClause, ResTarget, UpdateStmt } from '@pgsql/types';
import { as, relLabel, relName, walk } from '../ast';
import type { Rule } from '../types';

interface Assignment {
  name: string;
  partial: boolean;
  location: number | undefined;
}

function targets(list: readonly Node[] | undefined): Assignment[] {
  const out: Assignment[] = [];
  for (const n of list ?? []) {
    const r = as<ResTarget>(n, 'ResTarget');
    if (r?.name) out.push({ name: r.name, partial: (r.indirection?.length ?? 0) > 0, location: r.location });
  }
  return out;
}

/** Second and later assignments of a column that is assigned whole at least once. */
function duplicates(list: Assignment[]): Assignment[] {
  const byName = new Map<string, Assignment[]>();
  for (const a of list) byName.set(a.name, [...(byName.get(a.name) ?? []), a]);
  const out: Assignment[] = [];
  for (const group of byName.values()) {
    if (group.length < 2 || group.every((a) => a.partial)) continue;
    out.push(...group.slice(1));
  }
  return out;
}

export const banDuplicateColumnAssignments: Rule = {
  meta: {
    id: 'ban-duplicate-column-assignments',
    title: 'Assign each column once',
    category: 'hygiene',
    defaultSeverity: 'warning',
    squawk: 'ban-duplicate-column-assignments',
    description: 'The same column assigned twice in one UPDATE ... SET, INSERT column list, ON CONFLICT DO UPDATE or MERGE, or defined twice in one CREATE TABLE.',
    why: 'Postgres rejects the whole statement ("multiple assignments to same column", "column specified more than once"), so the migration fails when it reaches it — typically a copy-paste slip in a backfill that was edited after review. Names are compared the way Postgres does: unquoted names case-folded and long names truncated to 63 bytes.',
    safe: 'Keep one assignment per column; combine the expressions if both were meant (e.g. with CASE or COALESCE).',
    examples: {
      bad: [
        { sql: "UPDATE users SET status = 'active', email = lower(email), status = 'verified';" },
        { sql: 'INSERT INTO users (id, email, id) VALUES (1, 2, 3);' },
        { sql: 'INSERT INTO counters (key, n) VALUES (1, 1) ON CONFLICT (key) DO UPDATE SET n = counters.n + 1, n = 0;' },
        { sql: 'UPDATE users SET (first_name, last_name) = (\'a\', \'b\'), first_name = \'c\';' },
        { sql: 'CREATE TABLE t (a int, b text, A bigint);', note: 'Unquoted names are case-folded: A is a.' },
      ],
      good: [
        { sql: "UPDATE users SET status = 'active', email = lower(email);" },
        { sql: 'UPDATE shapes SET position.x = 1, position.y = 2;', note: 'Different fields of one composite column.' },
        { sql: 'CREATE TABLE t (a int, "A" bigint);', note: 'A quoted name keeps its case: "A" is not a.' },
      ],
    },
  },
  check(ctx) {
    const report = (dups: Assignment[], where: string, pgError: string): void => {
      for (const d of dups) {
        ctx.report({
          message: `Column ${d.name} is ${where} more than once: Postgres rejects the statement (${pgError}).`,
          help: 'Keep one assignment per column.',
          ...(d.location !== undefined && d.location >= 0 ? { at: { location: d.location } } : {}),
        });
      }
    };
    for (const [kind, n] of walk(ctx.stmt.node)) {
      if (kind === 'UpdateStmt') {
        const u = n as UpdateStmt;
        report(duplicates(targets(u.targetList)), `assigned in this UPDATE of ${relLabel(relName(u.relation))}`, '"multiple assignments to same column"');
      } else if (kind === 'InsertStmt') {
        const i = n as InsertStmt;
        report(duplicates(targets(i.cols)), `listed in this INSERT into ${relLabel(relName(i.relation))}`, '"column specified more than once"');
        const oc: OnConflictClause | undefined = i.onConflictClause;
        if (oc) report(duplicates(targets(oc.targetList)), 'assigned in ON CONFLICT DO UPDATE', '"multiple assignments to same column"');
      } else if (kind === 'MergeStmt') {
        for (const w of (n as MergeStmt).mergeWhenClauses ?? []) {
          const c = as<MergeWhenClause>(w, 'MergeWhenClause');
          if (!c) continue;
          if (c.commandType === 'CMD_INSERT') report(duplicates(targets(c.targetList)), 'listed in this MERGE ... INSERT', '"column specified more than once"');
          else report(duplicates(targets(c.targetList)), 'assigned in this MERGE ... UPDATE', '"multiple assignments to same column"');
        }
      } else if (kind === 'CreateStmt') {
        const c = n as CreateStmt;
        const cols: Assignment[] = [];
        for (const e of c.tableElts ?? []) {
          const def = as<ColumnDef>(e, 'ColumnDef');
          if (def?.colname) cols.push({ name: def.colname, partial: false, location: def.location });
        }
        report(duplicates(cols), `defined in CREATE TABLE ${relLabel(relName(c.relation))}`, '"column specified more than once"');
      }
    }
  },
};
