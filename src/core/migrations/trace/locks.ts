// What a lock taken by a migration statement blocks: the Postgres table-lock conflict matrix ("Explicit
// Locking", table 13.2) turned into the concurrent operations a developer recognises. The prose for each
// mode comes from the linter's LOCK_BLOCKS so the editor hover and the trace say the same thing.
import { LOCK_BLOCKS } from '../../lint/locks';
import type { LockMode } from '../../lint/types';

export const LOCK_MODES: readonly LockMode[] = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
];

/** Concurrent work on a table, each with the table lock it needs. */
export type ConcurrentOp = 'SELECT' | 'SELECT FOR UPDATE' | 'INSERT/UPDATE/DELETE' | 'VACUUM/CREATE INDEX CONCURRENTLY' | 'CREATE INDEX' | 'DDL';

export const CONCURRENT_OPS: readonly { op: ConcurrentOp; needs: LockMode }[] = [
  { op: 'SELECT', needs: 'ACCESS SHARE' },
  { op: 'SELECT FOR UPDATE', needs: 'ROW SHARE' },
  { op: 'INSERT/UPDATE/DELETE', needs: 'ROW EXCLUSIVE' },
  { op: 'VACUUM/CREATE INDEX CONCURRENTLY', needs: 'SHARE UPDATE EXCLUSIVE' },
  { op: 'CREATE INDEX', needs: 'SHARE' },
  { op: 'DDL', needs: 'ACCESS EXCLUSIVE' },
];

// Index i lists the modes that conflict with LOCK_MODES[i].
const CONFLICTS: Record<LockMode, readonly LockMode[]> = {
  'ACCESS SHARE': ['ACCESS EXCLUSIVE'],
  'ROW SHARE': ['EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ROW EXCLUSIVE': ['SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE UPDATE EXCLUSIVE': ['SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  SHARE: ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE ROW EXCLUSIVE': ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  EXCLUSIVE: ['ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ACCESS EXCLUSIVE': LOCK_MODES,
};

export function lockConflicts(held: LockMode, wanted: LockMode): boolean {
  return CONFLICTS[held].includes(wanted);
}

/** The concurrent operations a held lock of this mode blocks, weakest first. */
export function blockedOps(mode: LockMode): ConcurrentOp[] {
  return CONCURRENT_OPS.filter((o) => lockConflicts(mode, o.needs)).map((o) => o.op);
}

export function lockStrength(mode: LockMode): number {
  return LOCK_MODES.indexOf(mode);
}

/** pg_locks spells modes like "AccessExclusiveLock"; the docs and the linter use "ACCESS EXCLUSIVE". */
export function lockModeFromPg(mode: string): LockMode | undefined {
  const words = mode.replace(/Lock$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
  return (LOCK_MODES as readonly string[]).includes(words) ? (words as LockMode) : undefined;
}

/** "blocks reads and writes", "blocks writes (reads continue)", … — the short form for one-line summaries. */
export function blocksSummary(mode: LockMode): string {
  const ops = blockedOps(mode);
  if (ops.includes('SELECT')) return 'blocks reads and writes';
  if (ops.includes('INSERT/UPDATE/DELETE')) return ops.includes('SELECT FOR UPDATE') ? 'blocks writes and SELECT FOR UPDATE (plain reads continue)' : 'blocks writes (reads continue)';
  if (ops.includes('VACUUM/CREATE INDEX CONCURRENTLY')) return 'blocks VACUUM, concurrent index builds and DDL (reads and writes continue)';
  if (ops.length) return `blocks ${ops.join(', ')}`;
  return 'blocks nothing but DDL';
}

export function lockProse(mode: LockMode): string {
  return LOCK_BLOCKS[mode];
}
