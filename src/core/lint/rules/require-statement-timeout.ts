import type { Rule } from '../types';
import { article, endStretch, firstUnprotected } from './require-lock-timeout';


export const requireStatementTimeout: Rule = {
  meta: {
    id: 'require-statement-timeout',
    title: 'Set statement_timeout before slow locking statements',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'require-statement-timeout',
    aliases: ['require-timeout-settings'],
    description:
      'A statement that holds a lock blocking reads or writes on an existing table while it works (a rewrite, scan or index build can take minutes) with no `SET statement_timeout` earlier in the file. Reported once, at the first such statement.',
    why: 'Everything the statement does happens while it holds its lock: a rewrite or index build that takes ten minutes on production data blocks the table for ten minutes. Without a statement_timeout nothing stops it when it runs far longer than it did in testing.',
    safe: "Start the migration with SET statement_timeout = '5s' (or a budget that fits the operation): a statement that runs longer is cancelled and its lock released, and you can switch to an online approach.",
    examples: {
      bad: [
        { sql: 'ALTER TABLE orders ALTER COLUMN id TYPE bigint;', range: 'ALTER TABLE orders ALTER COLUMN id TYPE bigint', fixed: 'SET statement_timeout = \'5s\';\nALTER TABLE orders ALTER COLUMN id TYPE bigint;' },
        { sql: "SET lock_timeout = '1s';\nCREATE INDEX orders_user_idx ON orders (user_id);" },
      ],
      good: [
        { sql: "SET statement_timeout = '5s';\nALTER TABLE orders ALTER COLUMN id TYPE bigint;" },
        { sql: 'CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);', note: 'A concurrent build does not block reads or writes while it runs.' },
        { sql: 'CREATE TABLE invoices (id bigint);\nALTER TABLE invoices ADD COLUMN total numeric;', note: 'A table created in the same file.' },
      ],
    },
    differences:
      'Only statements that take a read- or write-blocking lock on a table that already exists are considered, plus LOCK TABLE (any mode), COMMENT ON and VACUUM (squawk: every DDL statement). Not flagged: statements on tables created earlier in the same file, and CREATE TYPE ... AS ENUM (no lock on an existing object, nothing that can run long). The fix inserts the SET right before the flagged statement rather than at the top of the file. Also ignorable and configurable as require-timeout-settings.',
  },
  check(ctx) {
    const t = firstUnprotected('require-statement-timeout', ctx, ctx.file.statementTimeoutSet);
    if (!t) return;
    ctx.report({
      message: `No statement_timeout before this statement: it holds ${article(t.mode)} ${t.mode} lock on ${t.label} for as long as it runs, with nothing to cancel it if it runs long.`,
      help: "SET statement_timeout = '5s' (or a budget that fits) before it.",
      fix: { title: "Insert SET statement_timeout = '5s'", edits: [{ start: ctx.stmt.start, end: ctx.stmt.start, newText: "SET statement_timeout = '5s';\n" }] },
    });
  },
  // Only a SET/RESET ends a stretch (endStretch).
  summarizeKinds: ['VariableSetStmt'],
  summarize(ctx) {
    endStretch('require-statement-timeout', ctx, 'statement_timeout');
  },
};
