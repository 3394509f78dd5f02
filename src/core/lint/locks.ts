// Which table lock a statement takes, and what that lock blocks. Drives the engine's file state
// (statements-after-access-exclusive, timeouts) and the editor hover. Modes follow the Postgres docs
// ("Explicit Locking" and each ALTER TABLE subcommand's documented lock level).
import type { AlterTableCmd, AlterTableStmt, Constraint, DropStmt, IndexStmt, LockStmt, RangeVar, ReindexStmt, VacuumStmt } from '@pgsql/types';
import { as, optionEnabled, relName, strings, unwrap, walk } from './ast';
import type { LockMode, ParsedStatement, RelName } from './types';

export interface StatementLock {
  mode: LockMode;
  rel: RelName | undefined;
}

/**
 * The one table of Postgres table-lock modes, weakest first ("Explicit Locking", table 13.2): which modes each
 * conflicts with, and what it blocks in words a developer recognises. The linter (hover, rule messages) and the
 * migration trace (conflict matrix, strength, summaries) both read it.
 */
export const LOCK_MODE_TABLE: readonly { mode: LockMode; conflicts: readonly LockMode[]; blocks: string }[] = [
  { mode: 'ACCESS SHARE', conflicts: ['ACCESS EXCLUSIVE'], blocks: 'only ACCESS EXCLUSIVE operations (DROP, most ALTER TABLE, VACUUM FULL)' },
  { mode: 'ROW SHARE', conflicts: ['EXCLUSIVE', 'ACCESS EXCLUSIVE'], blocks: 'EXCLUSIVE and ACCESS EXCLUSIVE operations' },
  {
    mode: 'ROW EXCLUSIVE',
    conflicts: ['SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
    blocks: 'CREATE INDEX (non-concurrent), and SHARE or stronger locks',
  },
  {
    mode: 'SHARE UPDATE EXCLUSIVE',
    conflicts: ['SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
    blocks: 'other schema changes, VACUUM, ANALYZE and concurrent index builds on the table; reads and writes continue',
  },
  {
    mode: 'SHARE',
    conflicts: ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
    blocks: 'INSERT, UPDATE and DELETE (reads continue)',
  },
  {
    mode: 'SHARE ROW EXCLUSIVE',
    conflicts: ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
    blocks: 'INSERT, UPDATE, DELETE and other schema changes (reads continue)',
  },
  {
    mode: 'EXCLUSIVE',
    conflicts: ['ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
    blocks: 'everything except plain SELECT',
  },
  {
    mode: 'ACCESS EXCLUSIVE',
    conflicts: ['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
    blocks: 'everything, including SELECT',
  },
];

/** The modes weakest first. */
export const LOCK_MODES: readonly LockMode[] = LOCK_MODE_TABLE.map((m) => m.mode);

export function lockStrength(mode: LockMode): number {
  return LOCK_MODES.indexOf(mode);
}

export function strongest(a: LockMode, b: LockMode): LockMode {
  return lockStrength(a) >= lockStrength(b) ? a : b;
}

export function lockConflicts(held: LockMode, wanted: LockMode): boolean {
  return LOCK_MODE_TABLE[lockStrength(held)]!.conflicts.includes(wanted);
}

/** What concurrent work a lock mode blocks, in words a developer recognises. */
export const LOCK_BLOCKS = Object.fromEntries(LOCK_MODE_TABLE.map((m) => [m.mode, m.blocks])) as Record<LockMode, string>;

/** ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE. */
const ALTER_LOCKS: Record<string, LockMode> = {
  AT_ValidateConstraint: 'SHARE UPDATE EXCLUSIVE',
  AT_SetStatistics: 'SHARE UPDATE EXCLUSIVE',
  AT_ClusterOn: 'SHARE UPDATE EXCLUSIVE',
  AT_DropCluster: 'SHARE UPDATE EXCLUSIVE',
  AT_SetOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_ResetOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_AttachPartition: 'SHARE UPDATE EXCLUSIVE',
  AT_DetachPartitionFinalize: 'SHARE UPDATE EXCLUSIVE',
  AT_EnableTrig: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableAlwaysTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableReplicaTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableTrigAll: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrigAll: 'SHARE ROW EXCLUSIVE',
  AT_EnableTrigUser: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrigUser: 'SHARE ROW EXCLUSIVE',
};

function alterCmdLock(cmd: AlterTableCmd): LockMode {
  const sub = String(cmd.subtype ?? '');
  if (sub === 'AT_DetachPartition') {
    return (cmd.def && as<{ concurrent?: boolean }>(cmd.def, 'PartitionCmd')?.concurrent) ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
  }
  if (sub === 'AT_AddConstraint') {
    const c = as<Constraint>(cmd.def, 'Constraint');
    if (c?.contype === 'CONSTR_FOREIGN') return 'SHARE ROW EXCLUSIVE';
  }
  return ALTER_LOCKS[sub] ?? 'ACCESS EXCLUSIVE';
}

function dropRel(d: DropStmt): RelName | undefined {
  const first = d.objects?.[0];
  const list = as<{ items?: unknown[] }>(first, 'List')?.items;
  const names = (list ?? []).map((n) => as<{ sval?: string }>(n as never, 'String')?.sval).filter((s): s is string => !!s);
  const name = names[names.length - 1];
  if (!name) return undefined;
  return names.length > 1 ? { schema: names[names.length - 2] as string, name } : { name };
}

/** statementLock's answers by statement node (several rules and the engine ask about the same statement). */
const lockOf = new WeakMap<object, StatementLock | null>();

/**
 * The table-level lock a statement takes, or undefined for statements that lock no existing table. A function
 * of the statement's node alone, computed once per node; the answer is shared (read it, do not change it).
 */
export function statementLock(stmt: ParsedStatement): StatementLock | undefined {
  const node = stmt.node as unknown;
  if (!node || typeof node !== 'object') return lockUncached(stmt);
  const known = lockOf.get(node);
  if (known !== undefined) return known ?? undefined;
  const lock = lockUncached(stmt);
  lockOf.set(node, lock ?? null);
  return lock;
}

function lockUncached(stmt: ParsedStatement): StatementLock | undefined {
  const u = unwrap(stmt.node);
  if (!u) return undefined;
  const [kind, s] = u;
  switch (kind) {
    case 'AlterTableStmt': {
      const a = s as AlterTableStmt;
      if (a.objtype && a.objtype !== 'OBJECT_TABLE' && a.objtype !== 'OBJECT_MATVIEW' && a.objtype !== 'OBJECT_FOREIGN_TABLE') {
        return a.objtype === 'OBJECT_INDEX' ? { mode: 'ACCESS EXCLUSIVE', rel: relName(a.relation) } : undefined;
      }
      let mode: LockMode = 'ACCESS SHARE';
      for (const c of a.cmds ?? []) {
        const cmd = as<AlterTableCmd>(c, 'AlterTableCmd');
        if (cmd) mode = strongest(mode, alterCmdLock(cmd));
      }
      return { mode, rel: relName(a.relation) };
    }
    case 'IndexStmt': {
      const i = s as IndexStmt;
      return { mode: i.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE', rel: relName(i.relation) };
    }
    case 'DropStmt': {
      const d = s as DropStmt;
      if (d.removeType === 'OBJECT_INDEX') return { mode: d.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', rel: dropRel(d) };
      if (d.removeType === 'OBJECT_TABLE' || d.removeType === 'OBJECT_MATVIEW' || d.removeType === 'OBJECT_VIEW') {
        return { mode: 'ACCESS EXCLUSIVE', rel: dropRel(d) };
      }
      return undefined;
    }
    case 'RenameStmt': {
      const r = s as { renameType?: string; relation?: RangeVar };
      return r.relation ? { mode: 'ACCESS EXCLUSIVE', rel: relName(r.relation) } : undefined;
    }
    case 'TruncateStmt': {
      const t = s as { relations?: unknown[] };
      return { mode: 'ACCESS EXCLUSIVE', rel: relName(as<RangeVar>(t.relations?.[0] as never, 'RangeVar')) };
    }
    case 'VacuumStmt': {
      const v = s as VacuumStmt;
      const full = optionEnabled(v.options, 'full');
      const rel = as<{ relation?: RangeVar }>(v.rels?.[0], 'VacuumRelation')?.relation;
      return { mode: full ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE', rel: relName(rel) };
    }
    case 'ClusterStmt':
      return { mode: 'ACCESS EXCLUSIVE', rel: relName((s as { relation?: RangeVar }).relation) };
    case 'ReindexStmt': {
      const r = s as ReindexStmt;
      const concurrent = optionEnabled(r.params, 'concurrently');
      return { mode: concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', rel: relName(r.relation) };
    }
    case 'LockStmt': {
      const l = s as LockStmt;
      const mode = LOCK_MODES[(l.mode ?? 8) - 1] ?? 'ACCESS EXCLUSIVE';
      return { mode, rel: relName(as<RangeVar>(l.relations?.[0], 'RangeVar')) };
    }
    case 'RefreshMatViewStmt': {
      const r = s as { concurrent?: boolean; relation?: RangeVar };
      return { mode: r.concurrent ? 'EXCLUSIVE' : 'ACCESS EXCLUSIVE', rel: relName(r.relation) };
    }
    case 'CreateStmt': {
      // A new table with a foreign key locks the referenced table (SHARE ROW EXCLUSIVE) to add the trigger.
      for (const [k, c] of walk((s as { tableElts?: unknown }).tableElts)) {
        if (k !== 'Constraint' || (c as Constraint).contype !== 'CONSTR_FOREIGN') continue;
        const pk = relName((c as Constraint).pktable);
        if (pk) return { mode: 'SHARE ROW EXCLUSIVE', rel: pk };
      }
      return undefined;
    }
    case 'CommentStmt': {
      // COMMENT ON TABLE/COLUMN/... of a relation takes SHARE UPDATE EXCLUSIVE on it.
      const c = s as { objtype?: string; object?: unknown };
      const names = strings(as<{ items?: import('@pgsql/types').Node[] }>(c.object as never, 'List')?.items);
      const parts = c.objtype === 'OBJECT_COLUMN' ? names.slice(0, -1) : ['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE'].includes(c.objtype ?? '') ? names : [];
      const name = parts[parts.length - 1];
      if (!name) return undefined;
      return { mode: 'SHARE UPDATE EXCLUSIVE', rel: parts.length > 1 ? { schema: parts[parts.length - 2] as string, name } : { name } };
    }
    case 'CreateTrigStmt':
      return { mode: 'SHARE ROW EXCLUSIVE', rel: relName((s as { relation?: RangeVar }).relation) };
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'InsertStmt':
    case 'MergeStmt':
      return { mode: 'ROW EXCLUSIVE', rel: relName((s as { relation?: RangeVar }).relation) };
    default:
      return undefined;
  }
}

/** One-sentence description for hovers: "ACCESS EXCLUSIVE on orders: blocks everything, including SELECT". */
export function describeLock(lock: StatementLock): string {
  const on = lock.rel ? ` on ${lock.rel.schema ? `${lock.rel.schema}.` : ''}${lock.rel.name}` : '';
  return `Takes ${lock.mode}${on}: blocks ${LOCK_BLOCKS[lock.mode]}.`;
}
