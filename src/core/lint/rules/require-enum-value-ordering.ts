import type { AlterEnumStmt, CreateEnumStmt } from '@pgsql/types';
import { as, lastName } from '../ast';
import { fileMemo } from '../summaries';
import type { FileState, Rule } from '../types';

export const requireEnumValueOrdering: Rule = {
  meta: {
    id: 'require-enum-value-ordering',
    title: 'Say where a new enum value goes',
    category: 'breaking',
    defaultSeverity: 'warning',
    squawk: 'require-enum-value-ordering',
    description: 'ALTER TYPE ... ADD VALUE without BEFORE or AFTER on an enum that already exists.',
    why: 'Without BEFORE/AFTER the value is appended after all existing values. Enums compare by position, so queries such as `status < \'approved\'`, ORDER BY status, and range partitions or CHECK constraints on the enum silently change meaning when the new value lands in the wrong place.',
    safe: "State the position explicitly: `ADD VALUE 'pending_review' BEFORE 'approved'`, or `AFTER 'rejected'` when the end really is the right place.",
    examples: {
      bad: [{ sql: "ALTER TYPE order_status ADD VALUE 'pending_review';" }, { sql: "ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'pending_review';" }],
      good: [
        { sql: "ALTER TYPE order_status ADD VALUE 'pending_review' BEFORE 'approved';" },
        { sql: "ALTER TYPE order_status ADD VALUE 'archived' AFTER 'rejected';" },
        { sql: "ALTER TYPE order_status RENAME VALUE 'cancelled' TO 'canceled';" },
        { sql: "CREATE TYPE mood AS ENUM ('sad', 'ok');\nALTER TYPE mood ADD VALUE 'happy';", note: 'An enum created in the same file has no data or queries depending on its order yet.' },
      ],
    },
    differences: 'Not reported for enums created earlier in the same file. No quick fix: the right neighbour value is a product decision (squawk inserts a placeholder that fails at run time).',
  },
  kinds: ['AlterEnumStmt'],
  check(ctx) {
    const e = as<AlterEnumStmt>(ctx.stmt.node, 'AlterEnumStmt');
    if (!e || !e.newVal || e.oldVal || e.newValNeighbor) return;
    const type = lastName(e.typeName);
    // Type names created by earlier statements (recorded by summarize).
    const created = createdBefore(ctx.file);
    // An undefined type (a nameless ALTER) counts as created when any earlier statement created no named enum.
    const createdHere = type === undefined ? created.names.has(undefined) || ctx.stmt.index > created.named : created.names.has(type);
    if (createdHere) return;
    const lit = /\bADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?('(?:[^']|'')*')/i.exec(ctx.stmt.text);
    const litStart = lit ? lit.index + lit[0].length - (lit[1]?.length ?? 0) : undefined;
    ctx.report({
      message: `ADD VALUE '${e.newVal}' to ${type ?? '?'} without BEFORE/AFTER appends it after every existing value; comparisons and ORDER BY on the enum use that position.`,
      help: `Say where it goes: ADD VALUE '${e.newVal}' BEFORE '<existing value>' (or AFTER the current last value if the end is intended).`,
      ...(lit && litStart !== undefined ? { at: { start: litStart, end: litStart + (lit[1]?.length ?? 0) } } : {}),
    });
  },
  summarizeKinds: ['CreateEnumStmt'],
  summarize(ctx) {
    const e = as<CreateEnumStmt>(ctx.stmt.node, 'CreateEnumStmt');
    if (!e) return;
    const name = lastName(e.typeName);
    const created = createdBefore(ctx.file);
    created.names.add(name);
    if (name !== undefined) created.named++;
  },
};

/** Enum types created by earlier statements, and how many of those statements named one (see check). */
interface CreatedEnums {
  names: Set<string | undefined>;
  named: number;
}

function createdBefore(file: FileState): CreatedEnums {
  return fileMemo(file, 'require-enum-value-ordering', () => ({ names: new Set<string | undefined>(), named: 0 }));
}
