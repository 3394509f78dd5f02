import type { ColumnDef, CreateStmt, VariableSetStmt } from '@pgsql/types';
import { as, columnConstraints, constraintOf, relLabel, relName } from '../ast';
import { fileMemo } from '../summaries';
import { LOCK_BLOCKS, statementLock } from '../locks';
import type { LockMode, ParsedStatement, RelName, Rule, RuleContext } from '../types';

/** Locks that block ordinary reads or writes while they are held or queued. */
const BLOCKING: ReadonlySet<LockMode> = new Set<LockMode>(['SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE']);

export interface TimeoutTarget {
  mode: LockMode;
  /** What the message names: "orders", "every table", ... */
  label: string;
}

/**
 * The blocking lock this statement takes on a table that already exists, if any. CREATE TABLE with
 * a FOREIGN KEY counts for the referenced table (SHARE ROW EXCLUSIVE). Concurrent operations and
 * plain DML take weaker locks and are not targets.
 */
export function timeoutTarget(ctx: RuleContext): TimeoutTarget | undefined {
  const create = as<CreateStmt>(ctx.stmt.node, 'CreateStmt');
  if (create) {
    const refs: RelName[] = [];
    for (const e of create.tableElts ?? []) {
      const cons = [...columnConstraints(as<ColumnDef>(e, 'ColumnDef')), ...[constraintOf(e)].filter((c) => c !== undefined)];
      for (const c of cons) {
        const r = c.contype === 'CONSTR_FOREIGN' ? relName(c.pktable) : undefined;
        if (r && !ctx.file.isNewTable(r)) refs.push(r);
      }
    }
    return refs.length ? { mode: 'SHARE ROW EXCLUSIVE', label: [...new Set(refs.map((r) => relLabel(r)))].join(', ') } : undefined;
  }
  const lock = statementLock(ctx.stmt);
  // LOCK TABLE is a lock request by definition; COMMENT ON and VACUUM wait behind autovacuum and any schema
  // change of the table (SHARE UPDATE EXCLUSIVE), and while they wait later schema changes queue behind them.
  const waits = ctx.stmt.kind === 'LockStmt' || ctx.stmt.kind === 'CommentStmt' || ctx.stmt.kind === 'VacuumStmt';
  if (!lock || !(BLOCKING.has(lock.mode) || waits)) return undefined;
  if (lock.rel && ctx.file.isNewTable(lock.rel)) return undefined;
  return { mode: lock.mode, label: lock.rel ? relLabel(lock.rel) : 'the table' };
}

function setsSetting(s: ParsedStatement, name: string): boolean {
  const v = s.kind === 'VariableSetStmt' ? as<VariableSetStmt>(s.node, 'VariableSetStmt') : undefined;
  return !!v && (v.kind === 'VAR_RESET_ALL' || v.name?.toLowerCase() === name);
}

/** Per rule and run: whether a target went unprotected since the last SET/RESET of the setting (in this section). */
interface Stretch {
  reported: boolean;
  /** null until the first statement (no section is null): then set to its section, as a change of section would. */
  section: string | undefined | null;
}

/** A new stretch (one factory for every call: an arrow per call allocated a closure on every statement). */
function newStretch(): Stretch {
  return { reported: false, section: null };
}

/**
 * Reports once per stretch of unprotected statements: a statement is reported only when no earlier
 * statement since the last SET/RESET of the setting (and since its section began) was already an unprotected
 * target. `key` names the rule's state; its summarize step calls endStretch.
 */
export function firstUnprotected(key: string, ctx: RuleContext, protectedNow: boolean): TimeoutTarget | undefined {
  const st = fileMemo<Stretch>(ctx.file, key, newStretch);
  if (st.section !== ctx.stmt.section) {
    st.section = ctx.stmt.section;
    st.reported = false;
  }
  // Only the stretch's first target is reported: once one was, the statement's lock is not worked out at all
  // (timeoutTarget was most of this rule's cost on a cold run).
  if (protectedNow || st.reported) return undefined;
  const target = timeoutTarget(ctx);
  if (!target) return undefined;
  st.reported = true;
  return target;
}

/** Summarize step: a SET/RESET of the setting starts a new stretch. */
export function endStretch(key: string, ctx: RuleContext, setting: string): void {
  if (!setsSetting(ctx.stmt, setting)) return;
  const st = fileMemo<Stretch>(ctx.file, key, newStretch);
  st.reported = false;
}

export const requireLockTimeout: Rule = {
  meta: {
    id: 'require-lock-timeout',
    title: 'Set lock_timeout before taking locks',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'require-lock-timeout',
    aliases: ['require-timeout-settings'],
    description:
      'A statement that takes a lock blocking reads or writes on an existing table (ALTER TABLE, CREATE INDEX, DROP, TRUNCATE, LOCK, CREATE TABLE ... REFERENCES an existing table...) with no `SET lock_timeout` earlier in the file. Reported once, at the first such statement.',
    why: 'A lock request waits behind every transaction already using the table, and while it waits every new query on the table queues behind it, even plain SELECTs when the request is ACCESS EXCLUSIVE. One long-running query or idle-in-transaction session turns an instant ALTER TABLE into an outage lasting as long as that query.',
    safe: "Start the migration with SET lock_timeout = '1s' (or SET LOCAL inside the transaction): the statement gives up quickly instead of stalling traffic, and the migration is retried later.",
    examples: {
      bad: [
        { sql: 'ALTER TABLE orders ADD COLUMN note text;', range: 'ALTER TABLE orders ADD COLUMN note text', fixed: 'SET lock_timeout = \'1s\';\nALTER TABLE orders ADD COLUMN note text;' },
        { sql: "SET statement_timeout = '5s';\nCREATE INDEX orders_user_idx ON orders (user_id);" },
        { sql: 'CREATE TABLE invoices (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id));', note: 'The foreign key locks the existing orders table (SHARE ROW EXCLUSIVE).' },
        { sql: "SET lock_timeout = '1s';\nALTER TABLE orders ADD COLUMN note text;\nRESET lock_timeout;\nALTER TABLE orders ADD COLUMN memo text;", note: 'RESET turns the timeout off again.' },
        { sql: "COMMENT ON COLUMN orders.note IS 'free text from the customer';", note: 'COMMENT ON waits behind autovacuum and any schema change of orders (SHARE UPDATE EXCLUSIVE).' },
      ],
      good: [
        { sql: "SET lock_timeout = '1s';\nALTER TABLE orders ADD COLUMN note text;" },
        { sql: "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;" },
        { sql: 'CREATE TABLE invoices (id bigint PRIMARY KEY, total numeric);\nCREATE INDEX invoices_total_idx ON invoices (total);', note: 'Tables created in the same file: nobody else is waiting on them.' },
        { sql: 'CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);', note: 'Concurrent builds take SHARE UPDATE EXCLUSIVE, which does not block reads or writes.' },
        { sql: "UPDATE orders SET status = 'paid' WHERE id = 1;", note: 'Plain DML takes row locks only.' },
      ],
    },
    differences:
      'Only statements that take a read- or write-blocking lock on a table that already exists are considered, plus LOCK TABLE (any mode), COMMENT ON and VACUUM, which queue behind autovacuum and schema changes. squawk considers every DDL statement, including CREATE TABLE and CREATE INDEX CONCURRENTLY; not flagged here: statements on tables created earlier in the same file (nobody else can hold a lock on them — squawk\'s `CREATE TABLE users ...; ALTER TABLE users ...` case), and CREATE TYPE ... AS ENUM, which takes no lock on any existing object (nothing to wait for). The fix inserts the SET right before the flagged statement rather than at the top of the file. Also ignorable and configurable as require-timeout-settings.',
  },
  check(ctx) {
    const t = firstUnprotected('require-lock-timeout', ctx, ctx.file.lockTimeoutSet);
    if (!t) return;
    ctx.report({
      message: `No lock_timeout before this statement: it waits for ${article(t.mode)} ${t.mode} lock on ${t.label} for as long as any running query holds the table, and meanwhile new queries on ${t.label} that need ${queueWords(t.mode)} queue behind it.`,
      help: `SET lock_timeout = '1s' before it (the lock blocks ${LOCK_BLOCKS[t.mode]}) and retry the migration if it times out.`,
      fix: { title: "Insert SET lock_timeout = '1s'", edits: [{ start: ctx.stmt.start, end: ctx.stmt.start, newText: "SET lock_timeout = '1s';\n" }] },
    });
  },
};

/** "an ACCESS EXCLUSIVE", "a SHARE". */
export function article(mode: LockMode): string {
  return /^[AEIOU]/.test(mode) ? 'an' : 'a';
}

/** Short "what queues" wording for messages. */
function queueWords(mode: LockMode): string {
  if (mode === 'ACCESS EXCLUSIVE') return 'any access (even SELECT)';
  if (mode === 'EXCLUSIVE') return 'anything but SELECT';
  if (BLOCKING.has(mode)) return 'to write';
  return `a lock it conflicts with (it blocks ${LOCK_BLOCKS[mode]})`;
}
