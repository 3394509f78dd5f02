import type { A_Const, AlterEnumStmt } from '@pgsql/types';
import { as, beginsTransaction, endsTransaction, lastName, walk } from '../ast';
import { fileMemo } from '../summaries';
import type { FileState, LintFinding, Rule } from '../types';

/** An ADD VALUE waiting for a later statement of its transaction that uses the value. */
interface Watch {
  value: string;
  type: string;
  section: string | undefined;
  /** Its finding, message filled in once the use is found. */
  finding: LintFinding;
}

function watches(file: FileState): Watch[] {
  return fileMemo(file, 'adding-enum-value-in-transaction', () => [] as Watch[]);
}

function message(w: Watch, usedIn: string): string {
  const used = usedIn.trim().replace(/\s+/g, ' ');
  return `'${w.value}' is added to ${w.type} in this transaction and used before it commits (in \`${used.length > 60 ? `${used.slice(0, 57)}...` : used}\`): Postgres rejects that with "unsafe use of new value '${w.value}' of enum type ${w.type}", failing the migration.`;
}

export const addingEnumValueInTransaction: Rule = {
  meta: {
    id: 'adding-enum-value-in-transaction',
    title: 'A new enum value cannot be used before its transaction commits',
    category: 'hygiene',
    defaultSeverity: 'error',
    description:
      "ALTER TYPE ... ADD VALUE inside a transaction (an explicit BEGIN, or assumeInTransaction) followed, in the same transaction, by a statement that uses the new value (`'value'` as a literal: a DEFAULT, a cast, an INSERT/UPDATE, a CHECK). Before Postgres 12, ADD VALUE inside a transaction at all.",
    why: 'Postgres refuses to use an enum value added by a transaction that has not committed yet: the later statement fails with "unsafe use of new value ... of enum type", and with it the whole migration — typically a migration that adds a status and backfills or defaults it in one go (Eugene W13: enum changes need care). Before Postgres 12, ALTER TYPE ... ADD VALUE cannot run inside a transaction block at all.',
    safe: 'Add the value in its own migration (or commit right after the ALTER TYPE), and use it in the next one. On Postgres < 12, run ADD VALUE outside a transaction (most runners have a per-migration switch to disable the transaction).',
    examples: {
      bad: [
        {
          sql: "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded' AFTER 'paid';\nUPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;\nCOMMIT;",
        },
        {
          sql: "ALTER TYPE order_status ADD VALUE 'draft' BEFORE 'paid';\nALTER TABLE orders ALTER COLUMN status SET DEFAULT 'draft';",
          options: { assumeInTransaction: true },
          note: 'The runner wraps the file in one transaction.',
        },
        { sql: "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded' AFTER 'paid';\nCOMMIT;", options: { pgVersion: 11 }, note: 'Before Postgres 12 it cannot run in a transaction block at all.' },
      ],
      good: [
        { sql: "BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded' AFTER 'paid';\nCOMMIT;\nUPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;", note: 'Used after the COMMIT.' },
        { sql: "ALTER TYPE order_status ADD VALUE 'draft' BEFORE 'paid';\nALTER TABLE orders ALTER COLUMN status SET DEFAULT 'draft';", note: 'Without a transaction each statement commits on its own.' },
        { sql: "BEGIN;\nCREATE TYPE mood AS ENUM ('sad', 'happy');\nCREATE TABLE people (name text, current_mood mood DEFAULT 'happy');\nCOMMIT;", note: 'Values of CREATE TYPE itself are usable at once.' },
      ],
    },
  },
  kinds: ['AlterEnumStmt'],
  check(ctx) {
    const e = as<AlterEnumStmt>(ctx.stmt.node, 'AlterEnumStmt');
    if (!e?.newVal || e.oldVal || !ctx.file.inTransaction) return;
    const type = lastName(e.typeName) ?? '?';
    if (ctx.file.options.pgVersion < 12) {
      ctx.report({
        message: `ALTER TYPE ${type} ADD VALUE cannot run inside a transaction block before Postgres 12: the migration fails here.`,
        help: 'Run it in a migration without a transaction (or upgrade to Postgres 12+).',
      });
      return;
    }
    // Known once a later statement of the same transaction uses the value (summarize): held until then.
    const finding = ctx.hold({ message: '', help: 'Commit after the ALTER TYPE (or move it to its own migration) and use the new value in the next one.' });
    watches(ctx.file).push({ value: e.newVal, type, section: ctx.stmt.section, finding });
  },
  summarize(ctx) {
    // Each waiting ADD VALUE: is this statement the first later one of its transaction to use the value?
    const list = watches(ctx.file);
    if (!list.length) return;
    const s = ctx.stmt;
    const txOver = endsTransaction(s.node) || beginsTransaction(s.node);
    let literals: Set<string> | undefined;
    let kept = 0;
    for (const w of list) {
      if (w.finding.statementIndex === s.index) {
        list[kept++] = w; // its own statement: later ones decide
        continue;
      }
      if (w.section !== s.section || txOver) continue; // the transaction ended without using it
      if (!literals) {
        literals = new Set();
        for (const [kind, n] of walk(s.node)) {
          const v = kind === 'A_Const' ? (n as A_Const).sval?.sval : undefined;
          if (v !== undefined) literals.add(v);
        }
      }
      if (literals.has(w.value)) ctx.release({ ...w.finding, message: message(w, s.text) });
      else list[kept++] = w;
    }
    list.length = kept;
  },
};
