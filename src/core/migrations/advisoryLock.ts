// One runner at a time: pg_try_advisory_lock on a dedicated session that stays idle (never inside a
// transaction) while migrations run on another session. An idle session holds no snapshot, so CREATE
// INDEX CONCURRENTLY — which waits for every transaction that holds an older snapshot — never waits for
// our own lock holder (the deadlock golang-migrate and others are known for when the lock holder is in a
// transaction, or the migration session itself holds the lock inside one).
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { TrackingTarget } from './types';

/** 64-bit key from the tracking table's name: runners sharing a table exclude each other, others don't. */
export function migrationLockKey(t: TrackingTarget): bigint {
  const h = createHash('sha256').update(`pgopt-migrate:${t.schema}.${t.table}`, 'utf8').digest();
  return BigInt.asIntN(64, h.readBigUInt64BE(0));
}

export interface LockHolder {
  pid: number;
  applicationName: string;
  clientAddr: string | null;
  user: string | null;
  backendStart: string | null;
  state: string | null;
}

export class MigrationLockError extends Error {
  constructor(
    readonly holder: LockHolder | undefined,
    readonly key: bigint,
  ) {
    super(
      holder
        ? `another migration runner holds the lock (advisory key ${key}): ${describeHolder(holder)}. Wait for it to finish, or end that session (SELECT pg_terminate_backend(${holder.pid})) if it is stuck.`
        : `another migration runner holds the lock (advisory key ${key}), and its session is not visible to this role (pg_stat_activity needs pg_read_all_stats to show other roles' sessions).`,
    );
    this.name = 'MigrationLockError';
  }
}

export function describeHolder(h: LockHolder): string {
  const parts = [`pid ${h.pid}`, `application_name "${h.applicationName}"`];
  if (h.user) parts.push(`user ${h.user}`);
  parts.push(`client ${h.clientAddr ?? 'local socket'}`);
  if (h.backendStart) parts.push(`connected since ${h.backendStart}`);
  if (h.state) parts.push(`state ${h.state}`);
  return parts.join(', ');
}

/** Tries once (never waits). On failure, says who holds it. The client must not be in a transaction. */
export async function tryAcquireMigrationLock(client: pg.Client, t: TrackingTarget): Promise<void> {
  const key = migrationLockKey(t);
  const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key.toString()]);
  if (r.rows[0]?.ok) return;
  throw new MigrationLockError(await lockHolder(client, key), key);
}

export async function lockHolder(client: pg.Client, key: bigint): Promise<LockHolder | undefined> {
  // A bigint advisory key is stored as classid = high 32 bits, objid = low 32 bits, objsubid = 1.
  const u = BigInt.asUintN(64, key);
  const r = await client.query<{ pid: number; application_name: string; client_addr: string | null; usename: string | null; backend_start: Date | null; state: string | null }>(
    `SELECT l.pid, a.application_name, host(a.client_addr) AS client_addr, a.usename, a.backend_start, a.state
       FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
        AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 1 LIMIT 1`,
    [(u >> 32n).toString(), (u & 0xffffffffn).toString()],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    pid: row.pid,
    applicationName: row.application_name ?? '',
    clientAddr: row.client_addr,
    user: row.usename,
    backendStart: row.backend_start ? row.backend_start.toISOString() : null,
    state: row.state,
  };
}

export async function releaseMigrationLock(client: pg.Client, t: TrackingTarget): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1::bigint)', [migrationLockKey(t).toString()]);
}
