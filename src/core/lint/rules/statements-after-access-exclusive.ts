import type { ColumnDef, CreateStmt, IndexStmt, InsertStmt, Node, SelectStmt } from '@pgsql/types';
import { alterTableOf, as, columnConstraints, columnDefOf, constraintOf, relLabel, relName, sameRel, tablesReferenced } from '../ast';
import { statementLock } from '../locks';
import type { LockMode, RelName, Rule } from '../types';
import { article } from './require-lock-timeout';

const DML = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'CopyStmt']);

/** INSERT ... VALUES with no subquery: quick, reads no table. */
function plainInsert(node: Node): boolean {
  const ins = as<InsertStmt>(node, 'InsertStmt');
  const sel = as<SelectStmt>(ins?.selectStmt, 'SelectStmt');
  return !!sel?.valuesLists && tablesReferenced(sel).length === 0;
}

export const statementsAfterAccessExclusive: Rule = {
  meta: {
    id: 'statements-after-access-exclusive',
    title: 'Commit soon after taking an ACCESS EXCLUSIVE lock',
    category: 'locks',
    defaultSeverity: 'warning',
    description:
      'In a transaction that already holds an ACCESS EXCLUSIVE lock on a table (from ALTER TABLE, LOCK, ...), a later statement that reads or writes that table, builds an index on it, or waits for a lock on another existing table (Eugene E4).',
    why: 'Locks are held until the transaction ends. Once a statement has taken ACCESS EXCLUSIVE on a table, every later statement in the same transaction extends the time during which nobody can even SELECT from it: a backfill UPDATE, an index build, or simply waiting for a lock on a busy second table all turn a millisecond ALTER into minutes of outage.',
    safe: 'COMMIT right after the statement that takes the ACCESS EXCLUSIVE lock and run the rest in separate transactions (separate migrations if the runner wraps each file in one). Backfills belong in their own batched transactions.',
    examples: {
      bad: [
        {
          sql: "BEGIN;\nALTER TABLE authors ADD COLUMN email text;\nUPDATE authors SET email = lower(name) || '@example.com';\nCOMMIT;",
          note: 'The backfill runs while authors is locked against all access.',
        },
        { sql: 'ALTER TABLE authors ADD COLUMN email text;\nALTER TABLE books ADD COLUMN isbn text;', options: { assumeInTransaction: true }, note: 'Waiting for the lock on books while authors stays locked.' },
        { sql: 'BEGIN;\nALTER TABLE authors ADD COLUMN email text;\nCREATE INDEX authors_email_idx ON authors (email);\nCOMMIT;' },
        {
          sql: 'BEGIN;\nALTER TABLE books ADD COLUMN publisher_id bigint;\nALTER TABLE books ADD CONSTRAINT books_publisher_fk FOREIGN KEY (publisher_id) REFERENCES publishers (id) NOT VALID;\nCOMMIT;',
          note: 'The foreign key also locks publishers, and waits for it while books is locked.',
        },
      ],
      good: [
        { sql: 'BEGIN;\nALTER TABLE authors ADD COLUMN email text;\nCOMMIT;\nBEGIN;\nALTER TABLE books ADD COLUMN isbn text;\nCOMMIT;' },
        {
          sql: "BEGIN;\nSET LOCAL lock_timeout = '1s';\nALTER TABLE authors ADD COLUMN email text;\nALTER TABLE authors ALTER COLUMN email SET DEFAULT '';\nCOMMENT ON COLUMN authors.email IS 'contact address';\nINSERT INTO schema_migrations (version) VALUES ('20240101');\nCOMMIT;",
          note: 'More changes to the same table, comments and bookkeeping inserts add no wait.',
        },
        { sql: 'ALTER TABLE authors ADD COLUMN email text;\nALTER TABLE books ADD COLUMN isbn text;', note: 'Without a transaction each statement commits on its own.' },
        { sql: 'BEGIN;\nALTER TABLE authors RENAME TO authors_old;\nALTER TABLE authors_new RENAME TO authors;\nCOMMIT;', note: 'A deliberate atomic swap of tables.' },
      ],
    },
    differences:
      'Not in squawk. Narrower than Eugene E4: statements that are quick and take no lock on another table (more ALTERs of the same table, COMMENT, SET, GRANT, INSERT ... VALUES, renames, DROP) are not flagged; DML on other tables is not flagged.',
  },
  check(ctx) {
    const held = ctx.file.accessExclusiveHeld;
    if (!held || !ctx.file.inTransaction) return;
    const kind = ctx.stmt.kind;
    const h = relLabel(held);
    if (DML.has(kind)) {
      if (plainInsert(ctx.stmt.node)) return;
      if (!tablesReferenced(ctx.stmt.node).some((r) => sameRel(r, held))) return;
      ctx.report({
        message: `This statement uses ${h} while ${h} is ACCESS EXCLUSIVE-locked by an earlier statement of this transaction: every other read and write on ${h} stays blocked until it finishes and the transaction commits.`,
        help: 'COMMIT after the ALTER and run this in its own transaction (backfills in batches).',
      });
      return;
    }
    if (kind === 'RenameStmt' || kind === 'DropStmt') return;
    if (kind === 'IndexStmt') {
      const idx = as<IndexStmt>(ctx.stmt.node, 'IndexStmt');
      if (idx?.concurrent) return; // fails inside a transaction anyway: ban-concurrent-index-creation-in-transaction
      const rel = relName(idx?.relation);
      if (sameRel(rel, held)) {
        ctx.report({
          message: `CREATE INDEX on ${h} runs while ${h} is ACCESS EXCLUSIVE-locked by an earlier statement of this transaction: every read and write on ${h} stays blocked for the whole index build.`,
          help: 'COMMIT first, then build the index with CREATE INDEX CONCURRENTLY outside a transaction.',
        });
        return;
      }
    }
    // A lock on another existing table: the wait happens while `held` stays locked.
    let other: { rel: RelName; mode: LockMode } | undefined;
    const create = as<CreateStmt>(ctx.stmt.node, 'CreateStmt');
    if (create) {
      for (const e of create.tableElts ?? []) {
        const cons = [...columnConstraints(as<ColumnDef>(e, 'ColumnDef')), ...[constraintOf(e)].filter((c) => c !== undefined)];
        for (const c of cons) {
          const r = c.contype === 'CONSTR_FOREIGN' ? relName(c.pktable) : undefined;
          if (r && !sameRel(r, held) && !ctx.file.isNewTable(r)) other ??= { rel: r, mode: 'SHARE ROW EXCLUSIVE' };
        }
      }
    } else {
      const lock = statementLock(ctx.stmt);
      if (lock?.rel && lock.mode !== 'ROW EXCLUSIVE' && !sameRel(lock.rel, held) && !ctx.file.isNewTable(lock.rel)) other = { rel: lock.rel, mode: lock.mode };
      // ALTER TABLE <held> ADD ... REFERENCES <other>: locks the referenced table too.
      const at = alterTableOf(ctx.stmt.node);
      for (const cmd of at?.cmds ?? []) {
        const cons = cmd.subtype === 'AT_AddConstraint' ? [constraintOf(cmd.def)].filter((c) => c !== undefined) : columnConstraints(columnDefOf(cmd));
        for (const c of cons) {
          const r = c.contype === 'CONSTR_FOREIGN' ? relName(c.pktable) : undefined;
          if (r && !sameRel(r, held) && !ctx.file.isNewTable(r)) other ??= { rel: r, mode: 'SHARE ROW EXCLUSIVE' };
        }
      }
    }
    if (!other) return;
    const o = relLabel(other.rel);
    ctx.report({
      message: `This statement needs ${article(other.mode)} ${other.mode} lock on ${o} while ${h} is still ACCESS EXCLUSIVE-locked by an earlier statement of this transaction: while it waits for ${o} and runs, every read and write on ${h} stays blocked.`,
      help: `COMMIT after the statement that locked ${h} and change ${o} in its own transaction.`,
    });
  },
};
