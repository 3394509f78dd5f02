import type { ColumnDef, CreateForeignTableStmt, CreateStmt, CreateTableAsStmt, InsertStmt, IntoClause, SelectStmt, ViewStmt, MergeStmt, MergeWhenClause, Node, OnConflictClause, ResTarget, UpdateStmt } from '@pgsql/types';
import { as, forEachNodeOf, relLabel, relName } from '../ast';
import type { Rule } from '../types';

const NONE: Assignment[] = [];

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
  // Most lists have no repeated name: say so without building the groups.
  if (list.length < 2) return NONE;
  const seen = new Set<string>();
  for (const a of list) seen.add(a.name);
  if (seen.size === list.length) return NONE;
  const byName = new Map<string, Assignment[]>();
  for (const a of list) byName.set(a.name, [...(byName.get(a.name) ?? []), a]);
  const out: Assignment[] = [];
  for (const group of byName.values()) {
    if (group.length < 2 || group.every((a) => a.partial)) continue;
    out.push(...group.slice(1));
  }
  return out;
}

/**
 * The column name Postgres gives a select-list entry without an alias (FigureColname): `t.x` -> x,
 * `count(*)` -> count, `x::int` -> x, a constant or operator -> ?column?. Undefined when it cannot tell
 * (`*`, `t.*`): the caller then checks nothing.
 */
function figureColname(val: Node | undefined): string | undefined {
  const e = Object.entries(val ?? {})[0];
  if (!e) return '?column?';
  const [kind, n] = e as [string, Record<string, unknown>];
  switch (kind) {
    case 'ColumnRef': {
      const fields = (n.fields as Node[] | undefined) ?? [];
      const last = fields[fields.length - 1] as { String?: { sval?: string } } | undefined;
      return last?.String?.sval;
    }
    case 'A_Indirection': {
      const ind = (n.indirection as Node[] | undefined) ?? [];
      const last = ind[ind.length - 1] as { String?: { sval?: string }; A_Star?: unknown } | undefined;
      if (last?.A_Star) return undefined;
      return last?.String?.sval ?? figureColname(n.arg as Node);
    }
    case 'FuncCall': {
      const names = (n.funcname as { String?: { sval?: string } }[] | undefined) ?? [];
      return names[names.length - 1]?.String?.sval;
    }
    case 'TypeCast': {
      const inner = figureColname(n.arg as Node);
      if (inner !== '?column?') return inner;
      const names = ((n.typeName as { names?: { String?: { sval?: string } }[] } | undefined)?.names ?? []).map((s) => s.String?.sval);
      const t = names[names.length - 1];
      return t && names.length === 1 ? t : '?column?';
    }
    case 'CaseExpr':
      return 'case';
    case 'CoalesceExpr':
      return 'coalesce';
    case 'A_ArrayExpr':
      return 'array';
    case 'RowExpr':
      return 'row';
    default:
      return kind === 'A_Const' || kind === 'A_Expr' || kind === 'BoolExpr' || kind === 'NullTest' ? '?column?' : undefined;
  }
}

/** Output columns of a SELECT (its leftmost arm for UNION & co.), renamed by `aliases`; undefined when unknown. */
function outputColumns(select: SelectStmt | undefined, aliases: string[], fallbackLocation: number | undefined): Assignment[] | undefined {
  let s = select;
  while (s && s.op && s.op !== 'SETOP_NONE') s = s.larg;
  if (!s || (s.valuesLists?.length ?? 0) > 0) return undefined;
  const out: Assignment[] = [];
  const list = s.targetList ?? [];
  for (let i = 0; i < list.length; i++) {
    const r = as<ResTarget>(list[i], 'ResTarget');
    if (!r) return undefined;
    const name = aliases[i] ?? r.name ?? figureColname(r.val);
    if (name === undefined) return undefined;
    out.push({ name, partial: false, location: aliases[i] !== undefined ? fallbackLocation : r.location });
  }
  for (let i = list.length; i < aliases.length; i++) out.push({ name: aliases[i] as string, partial: false, location: fallbackLocation });
  return out;
}

const names = (list: readonly Node[] | undefined): string[] => (list ?? []).map((n) => as<{ sval?: string }>(n, 'String')?.sval ?? '');

/** The node kinds this rule looks at (anywhere in the statement's tree). */
const KINDS: ReadonlySet<string> = new Set(['UpdateStmt', 'InsertStmt', 'MergeStmt', 'ViewStmt', 'CreateTableAsStmt', 'SelectStmt', 'CreateStmt', 'CreateForeignTableStmt']);

/**
 * Whether the statement can hold a node this rule looks at: each of them needs one of these keywords in the text
 * (UPDATE, INSERT, MERGE, CREATE [VIEW | TABLE ...], SELECT ... INTO), matched as a substring so that no spelling
 * is missed (a column such as created_at only costs a walk). Most ALTER TABLEs have none: their tree is not walked.
 */
export function mayHoldAssignments(text: string): boolean {
  return ASSIGNING_WORDS.test(text);
}
const ASSIGNING_WORDS = /update|insert|merge|view|create|into/i;
/** The words of the nodes that can sit deeper than the statement's own node in the kinds below (see forEachAssigningNode). */
const NESTED_WORDS = /update|insert|merge|view|into/i;
/**
 * Statement kinds whose tree holds nothing below their own node that this rule acts on, unless the text has one of
 * NESTED_WORDS: below them are only expressions (a subquery is a SELECT: acted on only with INTO; a data-modifying
 * WITH needs UPDATE/INSERT/MERGE), never another CREATE TABLE (unlike CREATE SCHEMA, EXPLAIN or a BEGIN ATOMIC body).
 */
const OWN_NODE_ONLY: ReadonlySet<string> = new Set(['CreateStmt', 'CreateForeignTableStmt', 'IndexStmt', 'AlterTableStmt']);

/**
 * Calls `fn` on the nodes of KINDS the rule may act on, in walk order: none when the text rules them out
 * (mayHoldAssignments), only the statement's own node when its kind and text leave nothing else (a CREATE TABLE
 * is not walked), every one found in the tree otherwise.
 */
export function forEachAssigningNode(node: Node, text: string, kind: string, fn: (kind: string, node: Record<string, unknown>) => void): void {
  if (!mayHoldAssignments(text)) return;
  if (OWN_NODE_ONLY.has(kind) && !NESTED_WORDS.test(text)) {
    const own = as<Record<string, unknown>>(node, kind);
    if (own && KINDS.has(kind)) fn(kind, own);
    return;
  }
  forEachNodeOf(node, KINDS, fn);
}

/** The nodes of KINDS this rule acts on (a SELECT only with INTO), for the pre-check's test. */
export function assignmentNodeKinds(root: unknown): string[] {
  const out: string[] = [];
  forEachNodeOf(root, KINDS, (kind, n) => {
    if (kind !== 'SelectStmt' || (n as SelectStmt).intoClause) out.push(kind);
  });
  return out;
}

export const banDuplicateColumnAssignments: Rule = {
  meta: {
    id: 'ban-duplicate-column-assignments',
    title: 'Assign each column once',
    category: 'hygiene',
    defaultSeverity: 'warning',
    squawk: 'ban-duplicate-column-assignments',
    description: 'The same column assigned twice in one UPDATE ... SET, INSERT column list, ON CONFLICT DO UPDATE or MERGE, or defined twice in one CREATE TABLE / CREATE FOREIGN TABLE, or twice among the output columns of a CREATE VIEW, CREATE TABLE AS or SELECT INTO (`select 1, 2` names both columns ?column?).',
    why: 'Postgres rejects the whole statement ("multiple assignments to same column", "column specified more than once"), so the migration fails when it reaches it — typically a copy-paste slip in a backfill that was edited after review. Names are compared the way Postgres does: unquoted names case-folded and long names truncated to 63 bytes.',
    safe: 'Keep one assignment per column; combine the expressions if both were meant (e.g. with CASE or COALESCE).',
    examples: {
      bad: [
        { sql: "UPDATE users SET status = 'active', email = lower(email), status = 'verified';" },
        { sql: 'INSERT INTO users (id, email, id) VALUES (1, 2, 3);' },
        { sql: 'INSERT INTO counters (key, n) VALUES (1, 1) ON CONFLICT (key) DO UPDATE SET n = counters.n + 1, n = 0;' },
        { sql: 'UPDATE users SET (first_name, last_name) = (\'a\', \'b\'), first_name = \'c\';' },
        { sql: 'CREATE TABLE t (a int, b text, A bigint);', note: 'Unquoted names are case-folded: A is a.' },
        { sql: 'CREATE VIEW order_totals AS SELECT o.id, c.id, sum(l.amount) FROM orders o JOIN customers c ON c.id = o.customer_id JOIN lines l ON l.order_id = o.id GROUP BY 1, 2;', note: 'Both columns are called id.' },
      ],
      good: [
        { sql: "UPDATE users SET status = 'active', email = lower(email);" },
        { sql: 'UPDATE shapes SET position.x = 1, position.y = 2;', note: 'Different fields of one composite column.' },
        { sql: 'CREATE TABLE t (a int, "A" bigint);', note: 'A quoted name keeps its case: "A" is not a.' },
        { sql: 'CREATE VIEW order_totals (order_id, customer_id, total) AS SELECT o.id, c.id, sum(l.amount) FROM orders o JOIN customers c ON c.id = o.customer_id JOIN lines l ON l.order_id = o.id GROUP BY 1, 2;' },
      ],
    },
  },
  check(ctx) {
    // The message (and the table label in it) is built only when there is a duplicate.
    const report = (dups: Assignment[], where: string, pgError: string): void => {
      for (const d of dups) {
        ctx.report({
          message: `Column ${d.name} is ${where} more than once: Postgres rejects the statement (${pgError}).`,
          help: 'Keep one assignment per column.',
          ...(d.location !== undefined && d.location >= 0 ? { at: { location: d.location } } : {}),
        });
      }
    };
    forEachAssigningNode(ctx.stmt.node, ctx.stmt.text, ctx.stmt.kind, (kind, n) => {
      let dups: Assignment[];
      if (kind === 'UpdateStmt') {
        const u = n as UpdateStmt;
        if ((dups = duplicates(targets(u.targetList))).length) report(dups, `assigned in this UPDATE of ${relLabel(relName(u.relation))}`, '"multiple assignments to same column"');
      } else if (kind === 'InsertStmt') {
        const i = n as InsertStmt;
        if ((dups = duplicates(targets(i.cols))).length) report(dups, `listed in this INSERT into ${relLabel(relName(i.relation))}`, '"column specified more than once"');
        const oc: OnConflictClause | undefined = i.onConflictClause;
        if (oc) report(duplicates(targets(oc.targetList)), 'assigned in ON CONFLICT DO UPDATE', '"multiple assignments to same column"');
      } else if (kind === 'MergeStmt') {
        for (const w of (n as MergeStmt).mergeWhenClauses ?? []) {
          const c = as<MergeWhenClause>(w, 'MergeWhenClause');
          if (!c) continue;
          if (c.commandType === 'CMD_INSERT') report(duplicates(targets(c.targetList)), 'listed in this MERGE ... INSERT', '"column specified more than once"');
          else report(duplicates(targets(c.targetList)), 'assigned in this MERGE ... UPDATE', '"multiple assignments to same column"');
        }
      } else if (kind === 'ViewStmt') {
        const v = n as ViewStmt;
        const cols = outputColumns(as<SelectStmt>(v.query, 'SelectStmt'), names(v.aliases), v.view?.location);
        if (cols && (dups = duplicates(cols)).length) report(dups, `a column of view ${relLabel(relName(v.view))}`, '"column specified more than once"');
      } else if (kind === 'CreateTableAsStmt') {
        const c = n as CreateTableAsStmt;
        const into: IntoClause | undefined = c.into;
        const cols = outputColumns(as<SelectStmt>(c.query, 'SelectStmt'), names(into?.colNames), into?.rel?.location);
        if (cols && (dups = duplicates(cols)).length) report(dups, `a column of ${relLabel(relName(into?.rel))}`, '"column specified more than once"');
      } else if (kind === 'SelectStmt' && (n as SelectStmt).intoClause) {
        const s = n as SelectStmt;
        const cols = outputColumns(s, names(s.intoClause?.colNames), s.intoClause?.rel?.location);
        if (cols && (dups = duplicates(cols)).length) report(dups, `a column of ${relLabel(relName(s.intoClause?.rel))} (SELECT INTO)`, '"column specified more than once"');
      } else if (kind === 'CreateStmt' || kind === 'CreateForeignTableStmt') {
        const c = (kind === 'CreateStmt' ? n : (n as CreateForeignTableStmt).base ?? {}) as CreateStmt;
        const cols: Assignment[] = [];
        for (const e of c.tableElts ?? []) {
          const def = as<ColumnDef>(e, 'ColumnDef');
          if (def?.colname) cols.push({ name: def.colname, partial: false, location: def.location });
        }
        if ((dups = duplicates(cols)).length) report(dups, `defined in CREATE TABLE ${relLabel(relName(c.relation))}`, '"column specified more than once"');
      }
    });
  },
};
