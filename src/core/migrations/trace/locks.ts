// What a lock taken by a migration statement blocks: the Postgres table-lock conflict matrix (the one
// LOCK_MODE_TABLE in lint/locks.ts) turned into the concurrent operations a developer recognises. The prose
// for each mode comes from the same table so the editor hover and the trace say the same thing.
import { LOCK_BLOCKS, LOCK_MODES, lockConflicts } from '../../lint/locks';
import type { LockMode } from '../../lint/types';

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

/** The concurrent operations a held lock of this mode blocks, weakest first. */
export function blockedOps(mode: LockMode): ConcurrentOp[] {
  return CONCURRENT_OPS.filter((o) => lockConflicts(mode, o.needs)).map((o) => o.op);
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
