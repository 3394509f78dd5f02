// One way to reach stored history for the hosts: a local SQLite file (the zero-setup default) or the shared
// store in PostgreSQL (a postgres:// URL). Writers add and compact; readers take a view (the SnapshotStore
// read interface the report builders use). Alert episodes persist in either store: a new CLI run or a
// reloaded window continues an open episode.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveUrl, ConnectionConfigError, type EnvAccess } from '../db/connectionSpec';
import type { AlertEvaluation, AlertRule } from './alerts';
import { isPgStoreUrl, PgSnapshotStore, PgStoreError, type ImportResult, type ViewOptions } from './pgSnapshotStore';
import type { Snapshot } from './snapshot';
import type { AddResult, CompactionResult, RetentionSettings, SnapshotStore } from './snapshotStore';
import { openSqliteSnapshotStore, SnapshotStoreError, type SqliteSnapshotStore } from './sqliteSnapshotStore';

export interface HistoryAddResult extends AddResult {
  alerts?: AlertEvaluation;
}

export interface HistoryStore {
  readonly kind: 'sqlite' | 'postgres';
  /** The file path, or user@host:port/db of the shared store (no password). */
  readonly label: string;
  add(connection: string, snapshot: Snapshot, opts?: { alertRules?: readonly AlertRule[] }): Promise<HistoryAddResult>;
  compact(retention: RetentionSettings): Promise<CompactionResult>;
  /** A read view of one connection's history; valid until close(), never closed by the caller. */
  view(connection: string, opts?: ViewOptions): Promise<SnapshotStore>;
  /** Copies a local store in (shared store only; idempotent). */
  importFrom(local: SnapshotStore): Promise<ImportResult>;
  close(): Promise<void>;
}

export class HistoryStoreError extends Error {}

export interface OpenHistoryOptions {
  /** Writers create the file / schema when missing; readers refuse a store that is not there. */
  create: boolean;
  access: EnvAccess;
  connectTimeoutMs?: number;
  /** The option or setting named in messages (--store, pgopt.monitoring.store). */
  source?: string;
}

/** Opens a file path or a postgres:// URL. Every failure is a HistoryStoreError with one sentence. */
export async function openHistoryStore(location: string, opts: OpenHistoryOptions): Promise<HistoryStore> {
  const source = opts.source ?? '--store';
  if (isPgStoreUrl(location)) {
    let spec;
    try {
      spec = resolveUrl(location, opts.access, 'snapshot store', source);
    } catch (e) {
      if (e instanceof ConnectionConfigError) throw new HistoryStoreError(e.message);
      throw e;
    }
    try {
      const pgStore = await PgSnapshotStore.open(spec, { create: opts.create, ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}) });
      return pgHistory(pgStore);
    } catch (e) {
      if (e instanceof PgStoreError) throw new HistoryStoreError(e.message);
      throw e;
    }
  }
  const file = resolve(location);
  // Reading never creates a store: a typo in the path is an error, not an empty history.
  if (!opts.create && !existsSync(file)) throw new HistoryStoreError(`snapshot store ${file} does not exist (pgopt snapshot --store FILE creates it)`);
  try {
    return sqliteHistory(openSqliteSnapshotStore(file), file);
  } catch (e) {
    if (e instanceof SnapshotStoreError) throw new HistoryStoreError(e.message);
    throw e;
  }
}

function pgHistory(store: PgSnapshotStore): HistoryStore {
  const wrap = async <T>(p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } catch (e) {
      if (e instanceof PgStoreError) throw new HistoryStoreError(e.message);
      throw e;
    }
  };
  return {
    kind: 'postgres',
    label: store.label,
    add: (c, s, o) => wrap(store.add(c, s, o)),
    compact: (r) => wrap(store.compact(r)),
    view: (c, o) => wrap(store.view(c, o)),
    importFrom: (l) => wrap(store.importFrom(l)),
    close: () => store.close(),
  };
}

function sqliteHistory(store: SqliteSnapshotStore, file: string): HistoryStore {
  return {
    kind: 'sqlite',
    label: file,
    add: (c, s, o) => Promise.resolve(store.add(c, s, o?.alertRules ? { alertRules: o.alertRules } : {})),
    compact: (r) => Promise.resolve(store.compact(r)),
    view: () => Promise.resolve(store),
    importFrom: () => Promise.reject(new HistoryStoreError('--import copies a local store into a shared one: give --store postgres://…')),
    close: () => {
      store.close();
      return Promise.resolve();
    },
  };
}
