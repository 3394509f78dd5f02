import { relLabel } from '../ast';
import { describeSize, formatBytes, liveRelation, relationsCreated } from '../liveFacts';
import { LOCK_BLOCKS, statementLock } from '../locks';
import type { LintFinding, LintOptions, LockMode, ParsedStatement, Rule } from '../types';

/** Default of lint.liveEscalateBytes: lock/rewrite/scan findings on tables this large become errors. */
export const DEFAULT_LIVE_ESCALATE_BYTES = 1024 ** 3;

const WEAK: readonly LockMode[] = ['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE'];

export const liveTableSize: Rule = {
  meta: {
    id: 'live-table-size',
    title: 'Live table size on lock, rewrite and scan findings',
    category: 'live',
    defaultSeverity: 'info',
    needsConnection: true,
    description:
      "Adds the target table's live size, row estimate and write rate to every lock/rewrite/scan finding of the other rules, and raises those findings to errors when the table is at least lint.liveEscalateBytes (default 1 GB). On its own it reports a schema change that takes a lock stronger than ROW EXCLUSIVE on such a table when no other rule flagged it.",
    why: 'The same ALTER TABLE is instant on an empty table and an outage on a 200 GB one with thousands of writes per second: how long the lock is held, how long the rewrite or scan runs and how many queries pile up behind it all scale with the table. The catalogue rules cannot know that without the database.',
    safe: 'For large, busy tables use the online pattern each finding describes (CONCURRENTLY, NOT VALID + VALIDATE, batched backfills), set lock_timeout, and schedule the migration off-peak. Tune the threshold with lint.liveEscalateBytes in pgopt.json or the pgopt.lint.liveEscalateBytes setting.',
    examples: {
      bad: [
        {
          setup: 'CREATE TABLE events (id bigint, kind text);\nINSERT INTO events SELECT g, g::text FROM generate_series(1, 5000) g;\nANALYZE events;',
          sql: 'CREATE INDEX CONCURRENTLY events_kind_idx ON events (kind);',
          options: { liveEscalateBytes: 65536 },
          note: 'A large table (threshold lowered to 64 kB for the example): the safe statement still runs long.',
        },
      ],
      good: [
        {
          setup: 'CREATE TABLE events (id bigint, kind text);',
          sql: 'CREATE INDEX CONCURRENTLY events_kind_idx ON events (kind);',
          note: 'A small table below the threshold.',
        },
      ],
    },
  },
  check() {
    // Works on the other rules' findings: see afterFile.
  },
  afterFile(ctx) {
    const lockRules = new Set(ctx.rules.filter((r) => r.meta.category === 'locks').map((r) => r.meta.id));
    annotateLiveSizes(ctx.findings, ctx.statements, ctx.options, (id) => lockRules.has(id), ctx.report);
  },
};

/**
 * The rule's afterFile pass (the engine runs it only with options.live and this rule enabled): annotates lock-category findings with
 * the target table's live size and escalates them to error above the threshold; adds its own finding for
 * strong-lock statements on large tables that no other rule flagged.
 */
function annotateLiveSizes(
  findings: LintFinding[],
  statements: readonly ParsedStatement[],
  options: LintOptions,
  isLockRule: (ruleId: string) => boolean,
  report: (message: string, stmt: ParsedStatement) => void,
): void {
  const live = options.live;
  if (!live) return;
  const threshold = options.liveEscalateBytes ?? DEFAULT_LIVE_ESCALATE_BYTES;
  const byIndex = new Map<number, { stmt: ParsedStatement; lock: ReturnType<typeof statementLock>; annotated: boolean }>();
  const info = (stmt: ParsedStatement) => {
    let i = byIndex.get(stmt.index);
    if (!i) {
      i = { stmt, lock: statementLock(stmt), annotated: false };
      byIndex.set(stmt.index, i);
    }
    return i;
  };
  // Relations created (or renamed to) by each statement, computed once: a table made earlier in the same
  // section is not the live one.
  const createdBy = statements.map((s) => relationsCreated(s).map((r) => r.name));
  const newAt = (stmt: ParsedStatement, name: string): boolean => statements.some((s) => s.index < stmt.index && s.section === stmt.section && createdBy[s.index]?.includes(name));

  for (const f of findings) {
    if (f.statementIndex === undefined || !isLockRule(f.ruleId)) continue;
    const stmt = statements[f.statementIndex];
    if (!stmt) continue;
    const i = info(stmt);
    const rel = i.lock?.rel;
    if (!rel || newAt(stmt, rel.name)) continue;
    const t = liveRelation(live, rel);
    if (!t) continue;
    i.annotated = true;
    const big = t.totalBytes >= threshold;
    f.message = `${f.message} [${describeSize(t)}${big ? ` — at or above the ${formatBytes(threshold)} live-size threshold (lint.liveEscalateBytes)` : ''}]`;
    if (big) f.severity = 'error';
  }
  for (const stmt of statements) {
    const i = info(stmt);
    if (i.annotated || !i.lock?.rel || WEAK.includes(i.lock.mode)) continue;
    if (stmt.kind === 'DropStmt' || newAt(stmt, i.lock.rel.name)) continue;
    const t = liveRelation(live, i.lock.rel);
    if (!t || t.totalBytes < threshold) continue;
    report(`${i.lock.mode} on ${relLabel(i.lock.rel)} [${describeSize(t)}]: on a table this large the statement runs long, and while it holds the lock it blocks ${LOCK_BLOCKS[i.lock.mode]}.`, stmt);
  }
}
