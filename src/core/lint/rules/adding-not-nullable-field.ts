import { alterTableOf, constraintOf, notNullCheckColumn, relLabel } from '../ast';
import { droppedInFile, fileMemo, notNullProvenEarlier, recordNotNullEvidence } from '../summaries';
import { appendNotValidFix } from './constraint-missing-not-valid';
import type { FileState, LintFinding, RelName, ReportOptions, Rule, RuleContext } from '../types';

export const addingNotNullableField: Rule = {
  meta: {
    id: 'adding-not-nullable-field',
    title: 'SET NOT NULL scans the table under an exclusive lock',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'adding-not-nullable-field',
    lock: 'ACCESS EXCLUSIVE',
    description: 'ALTER TABLE ... ALTER COLUMN ... SET NOT NULL (or, on Postgres 18, ADD CONSTRAINT ... NOT NULL col without NOT VALID) on an existing table, unless a validated CHECK (col IS NOT NULL) already proves it (Postgres 12+).',
    why: 'SET NOT NULL takes an ACCESS EXCLUSIVE lock and scans the whole table to prove there are no NULLs: every read and write on the table is blocked for the length of the scan.',
    safe: 'On Postgres 18+: ADD CONSTRAINT c_not_null NOT NULL col NOT VALID, then VALIDATE CONSTRAINT c_not_null in a later transaction. On Postgres 12+: ADD CONSTRAINT c_not_null CHECK (col IS NOT NULL) NOT VALID; in a later transaction VALIDATE CONSTRAINT c_not_null (scans without blocking reads or writes); then SET NOT NULL, which sees the validated check and skips the scan; then drop the helper constraint.',
    examples: {
      bad: [
        { sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;' },
        {
          sql: 'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
          note: 'The check is not validated yet, so SET NOT NULL still scans.',
        },
        {
          sql: 'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
          options: { pgVersion: 11 },
          note: 'Before Postgres 12, SET NOT NULL always scans.',
        },
        { sql: 'ALTER TABLE users ADD CONSTRAINT users_email_not_null NOT NULL email;', options: { pgVersion: 18 }, note: 'Postgres 18 NOT NULL constraint, validated immediately.' },
      ],
      good: [
        {
          sql: 'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE users DROP CONSTRAINT users_email_not_null;',
          note: 'The helper CHECK was added NOT VALID by an earlier migration and is validated here first.',
        },
        {
          sql: 'ALTER TABLE users ADD CONSTRAINT email_present CHECK (email IS NOT NULL) NOT VALID;\nCOMMIT;\nALTER TABLE users VALIDATE CONSTRAINT email_present;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
        },
        { sql: 'CREATE TABLE accounts (id bigint, email text);\nALTER TABLE accounts ALTER COLUMN email SET NOT NULL;', note: 'A table created in the same file has no rows to scan.' },
        {
          sql: 'ALTER TABLE users ADD CONSTRAINT users_email_not_null NOT NULL email NOT VALID;\nCOMMIT;\nALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;',
          options: { pgVersion: 18 },
          note: 'Postgres 18: a NOT NULL constraint can be added NOT VALID and validated without blocking.',
        },
      ],
    },
    differences:
      'Flags on every Postgres version, like current squawk. A VALIDATE CONSTRAINT of a constraint added in an earlier migration counts as proof when its name is <column>_not_null or <table>_<column>_not_null, or when the same file drops it afterwards (the validate / SET NOT NULL / drop pattern).',
  },
  kinds: ['AlterTableStmt'],
  check(ctx) {
    const at = alterTableOf(ctx.stmt.node);
    if (!at || !at.rel || ctx.file.isNewTable(at.rel)) return;
    const table = relLabel(at.rel);
    // SET NOT NULL carries no parser location: point at the k-th "SET NOT NULL" of the text.
    const spots = [...ctx.stmt.text.matchAll(/\bSET\s+NOT\s+NULL\b/gi)];
    let k = 0;
    for (const cmd of at.cmds) {
      const nn = cmd.subtype === 'AT_AddConstraint' ? constraintOf(cmd.def) : undefined;
      if (nn?.contype === 'CONSTR_NOTNULL' && !nn.skip_validation) {
        // Postgres 18: ALTER TABLE ... ADD CONSTRAINT name NOT NULL col, validated immediately.
        const col = notNullCheckColumn(nn) ?? '?';
        const proven = notNullProvenEarlier(ctx.file, at.rel, col);
        if (proven === true) continue;
        const fix = appendNotValidFix(ctx, at.cmds.length);
        reportUnless(ctx, proven, at.rel, {
          message: `Adding NOT NULL constraint ${nn.conname ?? ''}${nn.conname ? ' ' : ''}on ${table}.${col} scans the whole table under an ACCESS EXCLUSIVE lock: every read and write on ${table} is blocked until the scan ends.`,
          help: 'Add it NOT VALID, then VALIDATE CONSTRAINT in a separate transaction (scans without blocking reads or writes).',
          ...(nn.location !== undefined ? { at: { location: nn.location } } : {}),
          ...(fix ? { fix } : {}),
        });
        continue;
      }
      if (cmd.subtype !== 'AT_SetNotNull' || !cmd.name) continue;
      const spot = spots[k++];
      const proven = notNullProvenEarlier(ctx.file, at.rel, cmd.name, ctx.file.options.pgVersion >= 12);
      if (proven === true) continue;
      reportUnless(ctx, proven, at.rel, {
        message: `SET NOT NULL on ${table}.${cmd.name} scans the whole table under an ACCESS EXCLUSIVE lock: every read and write on ${table} is blocked until the scan ends.`,
        help:
          ctx.file.options.pgVersion >= 18
            ? `First ADD CONSTRAINT ${cmd.name}_not_null NOT NULL ${cmd.name} NOT VALID, then VALIDATE CONSTRAINT ${cmd.name}_not_null in a separate transaction (no blocking scan); SET NOT NULL is then unnecessary.`
            : ctx.file.options.pgVersion >= 12
            ? `First ADD CONSTRAINT ${cmd.name}_not_null CHECK (${cmd.name} IS NOT NULL) NOT VALID, VALIDATE it in a separate transaction, then SET NOT NULL (no scan) and drop the check.`
            : 'Before Postgres 12 there is no scan-free way: prefer a validated CHECK (col IS NOT NULL) constraint instead of NOT NULL.',
        ...(spot?.index !== undefined ? { at: { start: spot.index, end: spot.index + spot[0].length } } : {}),
      });
    }
  },
  summarizeKinds: ['AlterTableStmt'],
  summarize: recordNotNullEvidence,
  finish(ctx) {
    for (const h of pending(ctx.file)) if (!droppedInFile(ctx.file, h.rel, h.ifDropped)) ctx.release(h.finding);
  },
};

interface Pending {
  rel: RelName;
  ifDropped: string[];
  finding: LintFinding;
}

function pending(file: FileState): Pending[] {
  return fileMemo(file, 'adding-not-nullable-field', () => [] as Pending[]);
}

/** Reports, or (the proof hinges on a later DROP CONSTRAINT) holds the finding until finish. */
function reportUnless(ctx: RuleContext, proven: false | { ifDropped: string[] }, rel: RelName, r: ReportOptions): void {
  if (proven === false) ctx.report(r);
  else pending(ctx.file).push({ rel, ifDropped: proven.ifDropped, finding: ctx.hold(r) });
}
