import type { RangeVar } from '@pgsql/types';
import { alterTableOf, forEachNodeOf, relLabel, relKey } from '../ast';
import { fileMemo } from '../summaries';
import { statementLock } from '../locks';
import type { FileState, ParsedStatement, RelName, Rule } from '../types';

/** Subcommands that must stay in their own statement (weaker lock on purpose, or grammar). */
const ALONE = new Set(['AT_ValidateConstraint', 'AT_AttachPartition', 'AT_DetachPartition', 'AT_DetachPartitionFinalize']);

/** Statements that may sit between two ALTER TABLEs without preventing the merge, if they do not touch the table. */
const NEUTRAL_KINDS = new Set(['VariableSetStmt', 'CommentStmt', 'AlterTableStmt', 'IndexStmt', 'CreateStmt']);

const RANGE_VAR: ReadonlySet<string> = new Set(['RangeVar']);

/** Closes what the statement touches: every open table it names (a RangeVar anywhere) but `own`. */
function closeTouched(open: Map<string, AlterSummary>, s: ParsedStatement, own: string | undefined): void {
  forEachNodeOf(s.node, RANGE_VAR, (_kind, n) => {
    const name = (n as RangeVar).relname;
    if (!name) return;
    const k = name.toLowerCase();
    if (k !== own) open.delete(k);
  });
}

/** What the merge test needs of an earlier ALTER TABLE (its tree is gone by the time a later one is checked). */
interface AlterSummary {
  index: number;
  rel: RelName;
  /** It has a subcommand that must stay alone (ALONE). */
  alone: boolean;
  setsNotNull: boolean;
  dropsConstraint: boolean;
  missingOk: boolean;
  inh: boolean;
  lock: string | undefined;
}

/**
 * Per table, the previous ALTER TABLE on it when only neutral statements that do not touch that table lie in
 * between (same section), kept up to date statement by statement (summarize).
 */
interface CombineState {
  open: Map<string, AlterSummary>;
  section: string | undefined;
}

function combineState(file: FileState): CombineState {
  return fileMemo(file, 'combine-alter-table', () => ({ open: new Map<string, AlterSummary>(), section: undefined }));
}

function summarize(at: NonNullable<ReturnType<typeof alterTableOf>>, stmt: ParsedStatement, rel: RelName): AlterSummary {
  return {
    index: stmt.index,
    rel,
    alone: at.cmds.some((c) => ALONE.has(String(c.subtype ?? ''))),
    setsNotNull: at.cmds.some((c) => c.subtype === 'AT_SetNotNull'),
    dropsConstraint: at.cmds.some((c) => c.subtype === 'AT_DropConstraint'),
    missingOk: !!at.stmt.missing_ok,
    inh: at.stmt.relation?.inh ?? false,
    lock: statementLock(stmt)?.mode,
  };
}

/** Same name, and the same schema when both statements name one (an unqualified name may be either). */
function sameTable(a: RelName, b: RelName): boolean {
  if (relKey(a) !== relKey(b)) return false;
  return !a.schema || !b.schema || a.schema.toLowerCase() === b.schema.toLowerCase();
}

export const combineAlterTable: Rule = {
  meta: {
    id: 'combine-alter-table',
    title: 'Combine consecutive ALTER TABLEs on the same table',
    category: 'hygiene',
    defaultSeverity: 'info',
    lock: 'ACCESS EXCLUSIVE',
    description: 'An ALTER TABLE on an existing table right after another ALTER TABLE on the same table (only SETs or statements on other tables in between) that could be one statement.',
    why: 'Each ALTER TABLE queues for its lock separately — behind every running query on the table, while blocking everything that arrives after it — and each rewrite or validation scan (ALTER COLUMN TYPE, SET NOT NULL, ADD COLUMN with a volatile default) reads the whole table again. One statement with comma-separated actions takes the lock once and does at most one rewrite and one scan.',
    safe: 'Write the actions as one statement: `ALTER TABLE orders ADD COLUMN a text, ADD COLUMN b text;`. Keep apart on purpose: VALIDATE CONSTRAINT (it runs under a weaker lock), partition ATTACH/DETACH, and the DROP CONSTRAINT of a CHECK that a SET NOT NULL relies on (in one statement the constraint is dropped first and SET NOT NULL scans the table).',
    examples: {
      bad: [
        { sql: 'ALTER TABLE orders ADD COLUMN gift_note text;\nALTER TABLE orders ADD COLUMN gift_wrap boolean;' },
        { sql: "ALTER TABLE orders ALTER COLUMN total TYPE numeric(14,2);\nSET lock_timeout = '2s';\nALTER TABLE orders ALTER COLUMN tax TYPE numeric(14,2);", note: 'Two full rewrites where one would do.' },
      ],
      good: [
        { sql: 'ALTER TABLE orders ADD COLUMN gift_note text, ADD COLUMN gift_wrap boolean;' },
        { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;', note: 'VALIDATE is kept apart on purpose.' },
        {
          sql: 'ALTER TABLE orders ADD CONSTRAINT total_nn CHECK (total IS NOT NULL) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT total_nn;\nALTER TABLE orders ALTER COLUMN total SET NOT NULL;\nALTER TABLE orders DROP CONSTRAINT total_nn;',
          note: 'SET NOT NULL needs the validated CHECK; dropping it in the same statement would scan.',
        },
        { sql: 'ALTER TABLE orders ADD COLUMN region text;\nUPDATE orders SET region = \'eu\';\nALTER TABLE orders ALTER COLUMN region SET NOT NULL;', note: 'A backfill in between.' },
        { sql: 'CREATE TABLE carts (id bigint);\nALTER TABLE carts ADD COLUMN note text;\nALTER TABLE carts ADD COLUMN total numeric;', note: 'A new table: nobody waits for its locks.' },
        { sql: 'ALTER TABLE orders ADD COLUMN note text;\nALTER TABLE customers ADD COLUMN note text;' },
        { sql: 'ALTER TABLE sales.users ADD COLUMN note text;\nALTER TABLE audit.users ADD COLUMN note text;', note: 'Same name, different schemas: different tables.' },
      ],
    },
    differences: 'Not a squawk rule (Eugene W12). Reported only when nothing in between touches the table and both statements take the same lock mode, so merging never makes a statement hold a stronger lock.',
  },
  kinds: ['AlterTableStmt'],
  check(ctx) {
    const cur = alterTableOf(ctx.stmt.node);
    if (!cur?.rel || ctx.file.isNewTable(cur.rel)) return;
    const st = combineState(ctx.file);
    // A new section starts with nothing open.
    const prev = st.section === ctx.stmt.section ? st.open.get(relKey(cur.rel)) : undefined;
    // The key is the bare name: a.users and b.users are different tables.
    if (!prev || !sameTable(prev.rel, cur.rel)) return;
    const now = summarize(cur, ctx.stmt, cur.rel);
    if (prev.alone || now.alone) return;
    if ((prev.setsNotNull && now.dropsConstraint) || (prev.dropsConstraint && now.setsNotNull)) return;
    if (prev.missingOk !== now.missingOk || prev.inh !== now.inh) return;
    const lockA = prev.lock;
    const lockB = now.lock;
    if (!lockA || lockA !== lockB) return;
    const loc = cur.stmt.relation?.location;
    ctx.report({
      message: `${
        prev.index === ctx.stmt.index - 1
          ? `Another ALTER TABLE on ${relLabel(cur.rel)} right after the previous ALTER TABLE on ${relLabel(prev.rel)}`
          : `Another ALTER TABLE on ${relLabel(cur.rel)}, ${ctx.stmt.index - prev.index} statements after the previous ALTER TABLE on ${relLabel(prev.rel)} (nothing in between touches it)`
      }: as one statement it would take the ${lockB} lock once and scan or rewrite the table at most once.`,
      help: `Merge the actions into the previous statement, separated by commas: ALTER TABLE ${relLabel(cur.rel)} <action>, <action>;`,
      ...(loc !== undefined && loc >= 0 ? { at: { location: loc } } : {}),
    });
  },
  summarize(ctx) {
    const st = combineState(ctx.file);
    const s = ctx.stmt;
    if (s.section !== st.section) {
      st.open = new Map();
      st.section = s.section;
    }
    if (!NEUTRAL_KINDS.has(s.kind)) {
      if (st.open.size) st.open = new Map();
      return;
    }
    const at = s.kind === 'AlterTableStmt' ? alterTableOf(s.node) : undefined;
    const own = at?.rel ? relKey(at.rel) : undefined;
    // Nothing open: no table to close, so the statement's tree need not be walked.
    if (st.open.size) closeTouched(st.open, s, own);
    if (at?.rel && own !== undefined) st.open.set(own, summarize(at, s, at.rel));
  },
};
