// The lock trace: runs migration statements one by one inside ONE transaction that is always rolled back,
// and records for each statement its duration, the locks it newly holds (pg_locks of our own backend,
// before/after), rewrites (relfilenode changed), catalog changes (columns, indexes, constraints) and what
// each lock blocks. Runs wherever the caller connected: a scratch database or, with consent, the target.
import type pg from 'pg';
import type { Node } from '@pgsql/types';
import { cancelRunningQuery } from '../../db/connect';
import type { ConnectionSpec } from '../../db/connectionSpec';
import { lockStrength, statementLock } from '../../lint/locks';
import type { LockMode, ParsedStatement } from '../../lint/types';
import { loadParser, parseSql } from '../../sql/parser';
import { qualifiedName } from '../../sql/quote';
import { splitSql } from '../../sql/splitter';
import { beforeStatement, diffTable, statesAfter, tableStates, type Query, type TableState } from './catalog';
import { blockedOps, lockModeFromPg } from './locks';
import { changesSettings, planStatement, referencedRelations, statementKind } from './statements';
import {
  DEFAULT_TRACE_TIMEOUTS,
  type CatalogChange,
  type MigrationTrace,
  type Rewrite,
  type StatementTrace,
  type TraceMigration,
  type TraceResult,
  type TraceTimeouts,
  type TracedLock,
} from './types';

export interface TraceConnection {
  client: pg.Client;
  /** Used to send a protocol cancel when the AbortSignal fires. */
  spec: ConnectionSpec;
}

export interface TraceRunOptions {
  timeouts?: Partial<TraceTimeouts>;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** Recorded in the result; the orchestrator (runMigrationTrace) sets them. Default: target. */
  where?: TraceResult['where'];
  schemaSource?: TraceResult['schemaSource'];
}

interface LockRow {
  locktype: string;
  mode: string;
  relation: string | null;
  relname: string | null;
  relkind: string | null;
  nspname: string | null;
  object: string | null;
  key: string;
}

const LOCKS_SQL = `
SELECT l.locktype, l.mode, l.relation::int8::text AS relation,
       CASE WHEN c.oid IS NOT NULL THEN format('%I.%I', n.nspname, c.relname) END AS relname,
       c.relkind::text AS relkind, n.nspname,
       CASE WHEN l.locktype = 'object' THEN pg_describe_object(l.classid, l.objid, l.objsubid)
            WHEN l.locktype = 'advisory' THEN 'advisory ' || l.classid::text || '/' || l.objid::text END AS object,
       concat_ws('|', l.locktype, l.mode, l.database, l.relation, l.page, l.tuple, l.classid, l.objid, l.objsubid) AS key
  FROM pg_locks l
  LEFT JOIN pg_class c ON c.oid = l.relation
  LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE l.pid = pg_backend_pid() AND l.granted AND l.locktype NOT IN ('virtualxid', 'transactionid')`;

const RELKIND: Record<string, string> = {
  r: 'table',
  p: 'partitioned table',
  i: 'index',
  I: 'partitioned index',
  S: 'sequence',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
  t: 'toast',
  c: 'composite type',
};

/** Relation kinds whose locks stand between the migration and the application's queries. */
const BLOCKING_KINDS = new Set(['r', 'p', 'i', 'I', 'v', 'm', 'f']);

function isSystemLock(l: LockRow): boolean {
  if (l.nspname === 'pg_catalog' || l.nspname === 'information_schema' || l.nspname === 'pg_toast') return true;
  // Every statement that creates something takes ACCESS SHARE on its schema and types to stop a concurrent DROP: noise.
  return l.locktype === 'object' && l.mode === 'AccessShareLock';
}

async function lockSnapshot(q: Query): Promise<Map<string, LockRow>> {
  const rows = await q<LockRow>(LOCKS_SQL);
  return new Map(rows.filter((r) => !isSystemLock(r)).map((r) => [r.key, r]));
}

class TraceCancelled extends Error {}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Opaque statements may change tables they do not name: re-check every table this trace has written. */
const OPAQUE_KINDS = new Set(['DoStmt', 'SelectStmt', 'CallStmt', 'ExecuteStmt', 'CreateFunctionStmt']);

/**
 * Traces `migrations` (already ordered) on the connected database inside one transaction that is rolled
 * back whatever happens. Stops at the first failing statement (the migration would fail there too) and
 * reports it; later statements are listed as not reached. Never throws for SQL errors; throws only when
 * the connection itself fails before the transaction starts.
 */
export async function traceMigrations(conn: TraceConnection, migrations: readonly TraceMigration[], opts: TraceRunOptions = {}): Promise<TraceResult> {
  const t0 = performance.now();
  const timeouts: TraceTimeouts = { ...DEFAULT_TRACE_TIMEOUTS, ...opts.timeouts };
  const { client } = conn;
  // The bookkeeping queries are named (prepared once per connection): their plans touch only system catalogs,
  // which the migration's DDL does not invalidate, so they are not planned again for every statement.
  const names = new Map<string, string>();
  const q: Query = async <R extends object>(sql: string, params?: unknown[]): Promise<R[]> => {
    let name = names.get(sql);
    if (!name) names.set(sql, (name = `pgopt_trace_${names.size}`));
    return (await client.query<R>({ name, text: sql, values: params ?? [] })).rows;
  };
  await loadParser();
  const result: TraceResult = {
    schemaVersion: 1,
    where: opts.where ?? 'target',
    schemaSource: opts.schemaSource ?? 'target',
    limitations: [],
    serverVersion: '',
    migrations: [],
    tableSizes: [],
    rolledBack: false,
    totalMs: 0,
  };
  const applyTimeouts = async (): Promise<void> => {
    await client.query(`SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true)`, [
      `${timeouts.statementTimeoutMs}ms`,
      `${timeouts.lockTimeoutMs}ms`,
    ]);
  };
  const onAbort = (): void => {
    void cancelRunningQuery(client, conn.spec);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const checkAbort = (): void => {
    if (opts.signal?.aborted) throw new TraceCancelled();
  };

  let began = false;
  let stopped: 'failed' | 'cancelled' | undefined;
  try {
    checkAbort();
    await client.query('BEGIN');
    began = true;
    await applyTimeouts();
    const [info] = await q<{ xid: string; num: number; version: string }>(
      `SELECT (txid_current() % 4294967296)::text AS xid, current_setting('server_version_num')::int AS num, current_setting('server_version') AS version`,
    );
    const xid = info?.xid ?? '0';
    const versionNum = info?.num ?? 0;
    result.serverVersion = info?.version ?? '';
    let locks = await lockSnapshot(q);
    // Table states as of before the statement about to run; null = did not exist. Kept across statements.
    const cache = new Map<number, TableState | null>();
    const relNames = new Map<string, string>();

    for (const m of migrations) {
      const label = `${m.version}_${m.name}`;
      const mt: MigrationTrace = { version: m.version, name: m.name, statements: [], durationMs: 0 };
      result.migrations.push(mt);
      const { pieces } = splitSql(m.sql);
      const lockStmt = new Map<TracedLock, number>();
      for (const [index, piece] of pieces.entries()) {
        const st: StatementTrace = {
          migration: label,
          index,
          sql: piece.text,
          line: lineOf(m.sql, piece.start),
          kind: '',
          outcome: 'not-reached',
          notes: [],
          durationMs: 0,
          locks: [],
          rewrites: [],
          changes: [],
        };
        mt.statements.push(st);
        if (stopped) continue;
        if (opts.signal?.aborted) {
          stopped = 'cancelled';
          continue;
        }
        const traceOne = async (): Promise<void> => {
          const parsed = parseSql(piece.text);
          if (!parsed.ok) {
            st.outcome = 'failed';
            st.kind = 'syntax error';
            st.error = { message: parsed.message, position: parsed.cursor };
            stopped = 'failed';
            result.failed = { migration: label, index, message: `syntax error at line ${lineOf(m.sql, piece.start + parsed.cursor)}: ${parsed.message}` };
            return;
          }
          const node = parsed.stmts[0]?.node as Node | undefined;
          if (!node) {
            st.outcome = 'skipped';
            st.notes.push('empty statement');
            return;
          }
          st.kind = statementKind(node);
          const plan = planStatement(node, piece.text, versionNum);
          const docLock = statementLock({ node } as ParsedStatement);
          const docRel = docLock?.rel ? qualifiedName(docLock.rel.schema, docLock.rel.name) : undefined;
          if (plan.action === 'skip') {
            st.outcome = 'skipped';
            st.notes.push(plan.note);
            if (docLock && docRel) st.locks.push(documentedLock(docLock.mode, docRel));
            return;
          }
          if (plan.action === 'rewrite') {
            st.tracedAs = plan.sql;
            st.notes.push(plan.note);
          }
          opts.onProgress?.(`${label} #${index + 1}: ${st.kind}`);

          const refNames = referencedRelations(node);
          const { tables: refOids, maxOid, docOid } = await beforeStatement(q, refNames, docRel ?? null);
          const uncached = refOids.filter((o) => !cache.has(o));
          if (uncached.length) {
            const fresh = await tableStates(q, uncached);
            for (const o of uncached) cache.set(o, fresh.get(o) ?? null);
          }
          for (const [, l] of locks) if (l.relation && l.relname) relNames.set(l.relation, l.relname);
          for (const s of cache.values()) {
            if (!s) continue;
            relNames.set(String(s.oid), s.name);
            for (const i of s.indexes.values()) relNames.set(String(i.oid), i.qualified);
          }

          const before = locks;
          const start = performance.now();
          try {
            await client.query(plan.sql);
            st.durationMs = performance.now() - start;
            st.outcome = 'ok';
          } catch (e) {
            st.durationMs = performance.now() - start;
            st.outcome = 'failed';
            const err = e as { message?: string; code?: string; position?: string };
            const cancelled = err.code === '57014' && opts.signal?.aborted;
            const message =
              err.code === '57014' && !cancelled
                ? `statement_timeout (${timeouts.statementTimeoutMs} ms) reached: ${err.message}`
                : err.code === '55P03'
                  ? `lock_timeout (${timeouts.lockTimeoutMs} ms) reached: another session holds a conflicting lock (${err.message})`
                  : cancelled
                    ? 'cancelled'
                    : String(err.message ?? e);
            st.error = { message, ...(err.code ? { code: err.code } : {}), ...(err.position ? { position: Number(err.position) - 1 } : {}) };
            if (cancelled) {
              stopped = 'cancelled';
            } else {
              stopped = 'failed';
              result.failed = { migration: label, index, message: `line ${st.line}: ${message}` };
            }
            return;
          }
          if (changesSettings(node)) await applyTimeouts();
          locks = await lockSnapshot(q);

          // Locks: what is new since before the statement, strongest per relation.
          const fresh2 = [...locks.values()].filter((l) => !before.has(l.key));
          const byTarget = new Map<string, LockRow>();
          for (const l of fresh2) {
            const target = l.relation ? `rel:${l.relation}` : `${l.locktype}:${l.key}`;
            const prev = byTarget.get(target);
            const lm = lockModeFromPg(l.mode);
            const pm = prev ? lockModeFromPg(prev.mode) : undefined;
            if (!prev || (lm && pm && lockStrength(lm) > lockStrength(pm))) byTarget.set(target, l);
          }
          for (const l of byTarget.values()) {
            const mode = lockModeFromPg(l.mode) ?? l.mode;
            const isNew = l.relation !== null && Number(l.relation) > maxOid;
            if (plan.action === 'rewrite' && l.relation !== null && !isNew) continue; // replaced by the documented lock below
            const tl: TracedLock = { locktype: l.locktype, mode, source: 'observed', blocks: [], heldMs: 0 };
            if (l.relation !== null) {
              tl.relation = l.relname ?? relNames.get(l.relation) ?? `oid ${l.relation}`;
              const kind = l.relkind ?? undefined;
              if (kind) tl.relationKind = RELKIND[kind] ?? kind;
              // A relation this statement created is invisible to everyone else: its lock blocks nobody.
              if (!isNew && (kind === undefined || BLOCKING_KINDS.has(kind))) tl.blocks = lockModeFromPg(l.mode) ? blockedOps(mode as LockMode) : [];
            } else if (l.object) {
              tl.object = l.object;
            }
            if (isNew) continue;
            st.locks.push(tl);
          }
          if (docLock && docRel) {
            if (plan.action === 'rewrite') {
              st.locks.push(documentedLock(docLock.mode, relNames.get(docOid ?? '') ?? docRel));
            } else if (docOid !== null && !byTarget.has(`rel:${docOid}`)) {
              const held = [...before.values()].some((l) => l.relation === docOid && lockStrength(lockModeFromPg(l.mode) ?? 'ACCESS SHARE') >= lockStrength(docLock.mode));
              if (held) {
                st.locks.push({ ...documentedLock(docLock.mode, relNames.get(docOid) ?? docRel), source: 'already-held' });
                st.notes.push('an earlier statement of this trace already held this lock; in a separate migration transaction it is taken again');
              }
            }
          }
          for (const l of st.locks) lockStmt.set(l, index);

          // Catalog: named tables (before and after: a CREATE resolves only after), plus tables whose catalog rows this
          // transaction wrote that we have not seen yet (or all of them, after an opaque statement such as DO).
          const opaque = OPAQUE_KINDS.has(Object.keys(node)[0] ?? '');
          const cachedOids = [...cache.keys()];
          const afterStates = await statesAfter(q, refNames, refOids, xid, cachedOids, opaque);
          const ids = [...new Set([...refOids, ...afterStates.keys()])];
          const out: { changes: CatalogChange[]; rewrites: Rewrite[] } = { changes: [], rewrites: [] };
          for (const id of ids) {
            const a = afterStates.get(id);
            if (!cache.has(id) && a && id <= maxOid) {
              out.changes.push({ kind: 'table', change: 'changed', table: a.name, name: a.name, after: 'changed by this statement (its earlier state was not captured)' });
            } else {
              diffTable(cache.get(id) ?? undefined, a, out);
            }
            cache.set(id, a ?? null);
          }
          st.changes = out.changes;
          st.rewrites = out.rewrites;
        };
        try {
          await traceOne();
        } catch (e) {
          // A cancel that lands in our own bookkeeping queries rather than in the statement.
          if (!opts.signal?.aborted) throw e;
          stopped = 'cancelled';
        }
      }
      mt.durationMs = mt.statements.reduce((s, x) => s + x.durationMs, 0);
      // A lock is held from its statement until the migration's own transaction commits (the runner runs
      // each migration in one transaction), i.e. for the rest of the migration.
      for (const [l, idx] of lockStmt) l.heldMs = mt.statements.slice(idx).reduce((s, x) => s + x.durationMs, 0);
    }
    if (stopped === 'cancelled') result.cancelled = true;
  } catch (e) {
    if (e instanceof TraceCancelled || opts.signal?.aborted) {
      result.cancelled = true;
    } else {
      throw e;
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (began) {
      try {
        await client.query('ROLLBACK');
        result.rolledBack = true;
      } catch {
        result.rolledBack = false;
      }
    }
    result.totalMs = performance.now() - t0;
  }
  return result;
}

function documentedLock(mode: LockMode, relation: string): TracedLock {
  return { locktype: 'relation', mode, relation, source: 'documented', blocks: blockedOps(mode), heldMs: 0 };
}
