// The shared snapshot store in PostgreSQL (`--store postgres://…`, setting pgopt.monitoring.store): the
// history of a team in the `pgopt` schema of a database it chooses (pgStoreSchema.ts). Many writers at
// once — cron on several machines, several editors — each add in one transaction that holds a per-
// connection advisory lock, so the delta base is never read by two writers at once; a snapshot's uid
// (sha-256 of connection and body) makes a re-sent or re-imported snapshot a no-op, never a duplicate.
// Readers take one REPEATABLE READ READ ONLY transaction and get an in-memory view (the SnapshotStore
// read interface) that the report builders use as they use the local SQLite store: a consistent history
// even while writers add and compaction runs. Every statement goes through openClient, so it carries the
// /* pgopt */ marker and never shows up as the monitored database's workload.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { ConnectionSpec } from '../db/connectionSpec';
import { describeTarget } from '../db/connectionSpec';
import { evaluateAlerts, type AlertEvaluation, type AlertRule, type AlertState } from './alerts';
import { customMetricId, type CustomMetricId } from './customMetrics';
import { intervalValues } from './deltas';
import { METRIC_DEFS, type MetricId } from './metricDefs';
import { ensureStoreSchema, openStoreClient, PgStoreError } from './pgStoreSchema';
import type { Snapshot } from './snapshot';
import { customPoints, type AddResult, type CompactionResult, type RetentionSettings, type SeriesPoint, type SnapshotStore } from './snapshotStore';

export { PgStoreError } from './pgStoreSchema';

const COUNTERS = METRIC_DEFS.filter((d) => d.kind === 'counter').map((d) => d.id);

/** True when a --store value names a PostgreSQL store rather than a local file. */
export function isPgStoreUrl(store: string): boolean {
  return /^postgres(ql)?:\/\//i.test(store);
}

export interface PgAddResult extends AddResult {
  /** False when the same snapshot was already stored (nothing was added). */
  added: boolean;
  /** The alert rules evaluated against the stored episode state (present when rules were given). */
  alerts?: AlertEvaluation;
}

export interface ViewOptions {
  /** How many of the newest snapshots to load (default 12). */
  latest?: number;
  /** Also load the oldest snapshot at or after this instant, computed from the newest one's time. */
  baselineFrom?: (newestMs: number) => number;
}

export interface ImportResult {
  connections: number;
  snapshotsRead: number;
  snapshotsAdded: number;
  pointsAdded: number;
}

export interface OpenPgStoreOptions {
  connectTimeoutMs?: number;
  /** Writers create/upgrade the schema; readers (the default) only check it. */
  create?: boolean;
}

function snapshotUid(connection: string, body: string): string {
  return createHash('sha256').update(connection).update('\n').update(body).digest('hex');
}

type Row = Record<string, unknown>;

export class PgSnapshotStore {
  /** One client: transactions of concurrent callers (a fleet's targets) run one after the other. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly client: pg.Client,
    /** user@host:port/db of the store (no password), for messages. */
    readonly label: string,
  ) {}

  static async open(spec: ConnectionSpec, opts: OpenPgStoreOptions = {}): Promise<PgSnapshotStore> {
    const client = await openStoreClient(spec, opts.connectTimeoutMs);
    try {
      await ensureStoreSchema(client, spec, { create: opts.create ?? false, ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}) });
    } catch (e) {
      await client.end().catch(() => undefined);
      throw storeError(e, describeTarget(spec));
    }
    return new PgSnapshotStore(client, describeTarget(spec));
  }

  /**
   * Adds a snapshot of `connection` and its interval values against the newest stored one before it.
   * With `alertRules`, the rules are evaluated against the stored episode state and that state is saved
   * in the same transaction: a new CLI run or a reloaded window continues an open episode.
   */
  async add(connection: string, snapshot: Snapshot, opts: { alertRules?: readonly AlertRule[] } = {}): Promise<PgAddResult> {
    // The uid is of the snapshot as taken: sending it again (a retry, an import) adds nothing.
    const uid = snapshotUid(connection, JSON.stringify(snapshot));
    return this.transaction(async (q) => {
      await q(`SELECT pg_advisory_xact_lock(hashtextextended('pgopt store ' || $1, 0))`, [connection]);
      // Another snapshot of this connection in the same millisecond (concurrent writers): this one moves to the
      // next free millisecond, so each keeps its own points (a series has one point per millisecond).
      while ((await q(`SELECT 1 FROM pgopt.snapshots WHERE conn = $1 AND taken_ms = $2 AND uid <> $3 LIMIT 1`, [connection, snapshot.takenAtMs, uid])).length) {
        const ms = snapshot.takenAtMs + 1;
        snapshot = { ...snapshot, takenAtMs: ms, takenAt: new Date(ms).toISOString() };
      }
      const body = JSON.stringify(snapshot);
      const prevRow = (await q(`SELECT body FROM pgopt.snapshots WHERE conn = $1 AND taken_ms < $2 ORDER BY taken_ms DESC, id DESC LIMIT 1`, [connection, snapshot.takenAtMs]))[0];
      const prev = prevRow ? (prevRow.body as Snapshot) : undefined;
      const interval = intervalValues(prev, snapshot);
      const added = await this.insertSnapshot(q, connection, snapshot, uid, body);
      if (added) {
        const points: [string, number][] = Object.entries(interval.values).filter((e): e is [string, number] => typeof e[1] === 'number');
        points.push(...customPoints(snapshot));
        await insertPoints(q, connection, 0, points.map(([m, v]) => [m, snapshot.takenAtMs, v, 1]));
        await this.recordCustom(q, connection, snapshot);
      }
      let alerts: AlertEvaluation | undefined;
      if (opts.alertRules) alerts = await this.evaluateStoredAlerts(q, connection, snapshot, opts.alertRules);
      return { interval, bytes: Buffer.byteLength(body), added, ...(alerts ? { alerts } : {}) };
    });
  }

  /** Server-side retention and hourly rollups (pgopt.compact), one statement. */
  compact(retention: RetentionSettings, referenceMs?: number): Promise<CompactionResult> {
    return this.exclusive(() => this.compactNow(retention, referenceMs));
  }

  private async compactNow(retention: RetentionSettings, referenceMs?: number): Promise<CompactionResult> {
    let r;
    try {
      r = (
        await this.client.query<{ rolled_up: string; snapshots_deleted: string; rollups_deleted: string; reference_ms: string | null }>(
          `SELECT * FROM pgopt.compact($1, $2, $3::text[], $4::bigint)`,
          [retention.rawHours, retention.rollupDays, COUNTERS, referenceMs ?? null],
        )
      ).rows[0];
    } catch (e) {
      throw storeError(e, this.label);
    }
    return {
      rawPointsRolledUp: Number(r?.rolled_up ?? 0),
      rawSnapshotsDeleted: Number(r?.snapshots_deleted ?? 0),
      rollupsDeleted: Number(r?.rollups_deleted ?? 0),
      referenceMs: r?.reference_ms === null || r?.reference_ms === undefined ? null : Number(r.reference_ms),
    };
  }

  /** A consistent read-only view of one connection's history (one REPEATABLE READ transaction). */
  view(connection: string, opts: ViewOptions = {}): Promise<SnapshotStore> {
    return this.exclusive(() => this.readView(connection, opts));
  }

  private async readView(connection: string, opts: ViewOptions): Promise<SnapshotStore> {
    await this.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const q = this.client;
      const latest = (await q.query<{ body: Snapshot }>(`SELECT body FROM pgopt.snapshots WHERE conn = $1 ORDER BY taken_ms DESC, id DESC LIMIT $2`, [connection, opts.latest ?? 12])).rows.map(
        (r) => r.body,
      );
      const extra: Snapshot[] = [];
      const newest = latest[0];
      if (newest && opts.baselineFrom) {
        const from = opts.baselineFrom(newest.takenAtMs);
        const b = (await q.query<{ body: Snapshot }>(`SELECT body FROM pgopt.snapshots WHERE conn = $1 AND taken_ms >= $2 ORDER BY taken_ms, id LIMIT 1`, [connection, from])).rows[0];
        if (b) extra.push(b.body);
      }
      const points = (
        await q.query<{ metric: string; res: string; ts: string; value: number | null }>(`SELECT metric, res, ts, value FROM pgopt.points WHERE conn = $1 ORDER BY ts, res`, [connection])
      ).rows;
      const custom = (await q.query<{ name: string; unit: string | null }>(`SELECT name, unit FROM pgopt.custom_metrics WHERE conn = $1 ORDER BY name`, [connection])).rows;
      const connections = (await q.query<{ conn: string }>(`SELECT DISTINCT conn FROM pgopt.snapshots ORDER BY conn`)).rows.map((r) => r.conn);
      await q.query('COMMIT');
      return new HistoryView(connection, latest, extra, points, custom, connections);
    } catch (e) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw storeError(e, this.label);
    }
  }

  /** The stored alert episode state of `connection` (rule key → since/firing). */
  async alertState(connection: string): Promise<AlertState> {
    const rows = (await this.exclusive(() => this.client.query<{ rule_key: string; since_ms: string | null; firing: boolean }>(`SELECT rule_key, since_ms, firing FROM pgopt.alert_state WHERE conn = $1`, [connection]))).rows;
    return Object.fromEntries(rows.map((r) => [r.rule_key, { since: r.since_ms === null ? null : Number(r.since_ms), firing: r.firing }]));
  }

  /** Alert episodes of `connection`, oldest first (open ones have clearedMs null). */
  async alertEpisodes(connection: string): Promise<{ ruleKey: string; severity: string; message: string; startedMs: number; firedMs: number; clearedMs: number | null }[]> {
    const rows = (
      await this.exclusive(() =>
        this.client.query<{ rule_key: string; severity: string; message: string; started_ms: string; fired_ms: string; cleared_ms: string | null }>(
          `SELECT rule_key, severity, message, started_ms, fired_ms, cleared_ms FROM pgopt.alert_episodes WHERE conn = $1 ORDER BY id`,
          [connection],
        ),
      )
    ).rows;
    return rows.map((r) => ({ ruleKey: r.rule_key, severity: r.severity, message: r.message, startedMs: Number(r.started_ms), firedMs: Number(r.fired_ms), clearedMs: r.cleared_ms === null ? null : Number(r.cleared_ms) }));
  }

  /**
   * Copies a local store into this one in one transaction. Idempotent: a snapshot the shared store has
   * (or had, within rollup retention) is skipped with its points; rollups of an hour already present are kept.
   */
  async importFrom(local: SnapshotStore): Promise<ImportResult> {
    const result: ImportResult = { connections: 0, snapshotsRead: 0, snapshotsAdded: 0, pointsAdded: 0 };
    await this.transaction(async (q) => {
      for (const conn of local.connections()) {
        result.connections++;
        await q(`SELECT pg_advisory_xact_lock(hashtextextended('pgopt store ' || $1, 0))`, [conn]);
        const snaps = local.latest(conn, Number.MAX_SAFE_INTEGER).reverse();
        result.snapshotsRead += snaps.length;
        const newTimes = new Set<number>();
        for (const s of snaps) {
          const body = JSON.stringify(s);
          if (await this.insertSnapshot(q, conn, s, snapshotUid(conn, body), body)) {
            newTimes.add(s.takenAtMs);
            result.snapshotsAdded++;
            await this.recordCustom(q, conn, s);
          }
        }
        const ids: (MetricId | CustomMetricId)[] = [...METRIC_DEFS.map((d) => d.id), ...local.customMetrics(conn).map((m) => customMetricId(m.name))];
        const raw: [string, number, number | null, number][] = [];
        const rollups: [string, number, number | null, number][] = [];
        for (const id of ids) {
          for (const p of local.series(conn, id, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)) {
            // Raw points belong to a snapshot: only those of snapshots added now (never twice).
            if (p.resolutionMs === 0) {
              if (newTimes.has(p.ts)) raw.push([id, p.ts, p.value, 1]);
            } else rollups.push([id, p.ts, p.value, 1]);
          }
        }
        result.pointsAdded += await insertPoints(q, conn, 0, raw);
        result.pointsAdded += await insertPoints(q, conn, 3_600_000, rollups);
      }
    });
    return result;
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  private async insertSnapshot(q: Query, connection: string, snapshot: Snapshot, uid: string, body: string): Promise<boolean> {
    // The uid ledger outlives compaction (as long as rollups): a snapshot stored once is never stored again.
    const fresh = await q(`INSERT INTO pgopt.snapshot_uids (uid, conn, taken_ms) VALUES ($1, $2, $3) ON CONFLICT (uid) DO NOTHING RETURNING uid`, [uid, connection, snapshot.takenAtMs]);
    if (fresh.length === 0) return false;
    await q(`INSERT INTO pgopt.snapshots (conn, taken_ms, uid, body) VALUES ($1, $2, $3, $4::jsonb)`, [connection, snapshot.takenAtMs, uid, body]);
    return true;
  }

  private async recordCustom(q: Query, connection: string, snapshot: Snapshot): Promise<void> {
    for (const m of snapshot.custom ?? []) {
      await q(
        `INSERT INTO pgopt.custom_metrics (conn, name, unit, last_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (conn, name) DO UPDATE SET unit = EXCLUDED.unit, last_ms = EXCLUDED.last_ms WHERE pgopt.custom_metrics.last_ms <= EXCLUDED.last_ms`,
        [connection, m.name, m.unit ?? null, snapshot.takenAtMs],
      );
    }
  }

  private async evaluateStoredAlerts(q: Query, connection: string, snapshot: Snapshot, rules: readonly AlertRule[]): Promise<AlertEvaluation> {
    const rows = await q(`SELECT rule_key, since_ms, firing FROM pgopt.alert_state WHERE conn = $1`, [connection]);
    const previous: AlertState = Object.fromEntries(rows.map((r) => [String(r.rule_key), { since: r.since_ms === null ? null : Number(r.since_ms), firing: Boolean(r.firing) }]));
    const evaluation = evaluateAlerts(rules, snapshot.metrics, snapshot.takenAtMs, previous);
    for (const [key, st] of Object.entries(evaluation.state)) {
      await q(
        `INSERT INTO pgopt.alert_state (conn, rule_key, since_ms, firing, updated_ms) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (conn, rule_key) DO UPDATE SET since_ms = EXCLUDED.since_ms, firing = EXCLUDED.firing, updated_ms = EXCLUDED.updated_ms`,
        [connection, key, st.since, st.firing, snapshot.takenAtMs],
      );
    }
    for (const ev of evaluation.events) {
      if (ev.kind === 'fired') {
        await q(
          `INSERT INTO pgopt.alert_episodes (conn, rule_key, severity, message, started_ms, fired_ms, last_value) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (conn, rule_key) WHERE cleared_ms IS NULL DO NOTHING`,
          [connection, ev.ruleKey, ev.rule.severity, ev.message, evaluation.state[ev.ruleKey]?.since ?? ev.atMs, ev.atMs, ev.value],
        );
      } else {
        await q(`UPDATE pgopt.alert_episodes SET cleared_ms = $3, last_value = $4 WHERE conn = $1 AND rule_key = $2 AND cleared_ms IS NULL`, [connection, ev.ruleKey, ev.atMs, ev.value]);
      }
    }
    return evaluation;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private transaction<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    return this.exclusive(() => this.inTransaction(fn));
  }

  private async inTransaction<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    const q: Query = async (sql, params) => (await this.client.query(sql, params)).rows as Row[];
    try {
      await this.client.query('BEGIN');
    } catch (e) {
      throw storeError(e, this.label);
    }
    try {
      const out = await fn(q);
      await this.client.query('COMMIT');
      return out;
    } catch (e) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw storeError(e, this.label);
    }
  }
}

type Query = (sql: string, params?: unknown[]) => Promise<Row[]>;

async function insertPoints(q: Query, connection: string, res: number, points: readonly [string, number, number | null, number][]): Promise<number> {
  if (points.length === 0) return 0;
  const rows = await q(
    `INSERT INTO pgopt.points (conn, metric, res, ts, value, n)
     SELECT $1, u.metric, $2, u.ts, u.value, u.n FROM unnest($3::text[], $4::bigint[], $5::float8[], $6::int[]) AS u(metric, ts, value, n)
     ON CONFLICT (conn, metric, res, ts) DO NOTHING RETURNING 1`,
    [connection, res, points.map((p) => p[0]), points.map((p) => p[1]), points.map((p) => p[2]), points.map((p) => p[3])],
  );
  return rows.length;
}

/** A store error as one sentence naming the store (no stack, no password). */
function storeError(e: unknown, label: string): Error {
  if (e instanceof PgStoreError) return e;
  const err = e as { code?: string; message?: string };
  if (err.code === '42501') return new PgStoreError(`the snapshot store ${label} refused: ${err.message ?? 'permission denied'}; the role needs rights on schema pgopt`);
  return new PgStoreError(`the snapshot store ${label} failed: ${err.message ?? String(e)}`);
}

/** The read side of SnapshotStore over rows loaded in one transaction. */
class HistoryView implements SnapshotStore {
  private readonly newestFirst: Snapshot[];
  private readonly byMetric = new Map<string, SeriesPoint[]>();
  constructor(
    private readonly connection: string,
    latest: Snapshot[],
    extra: Snapshot[],
    points: { metric: string; res: string; ts: string; value: number | null }[],
    private readonly custom: { name: string; unit: string | null }[],
    private readonly conns: string[],
  ) {
    const seen = new Set<string>();
    this.newestFirst = [...latest, ...extra]
      .filter((s) => {
        const k = `${s.takenAtMs} ${s.takenAt}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      })
      .sort((a, b) => b.takenAtMs - a.takenAtMs);
    for (const p of points) {
      const list = this.byMetric.get(p.metric) ?? [];
      list.push({ ts: Number(p.ts), value: p.value === null ? null : Number(p.value), resolutionMs: Number(p.res) });
      this.byMetric.set(p.metric, list);
    }
  }

  add(): AddResult {
    throw new PgStoreError('a view of the shared store is read-only');
  }

  compact(): CompactionResult {
    throw new PgStoreError('a view of the shared store is read-only');
  }

  latest(connection: string, limit = 1): Snapshot[] {
    return connection === this.connection ? this.newestFirst.slice(0, limit) : [];
  }

  oldestSince(connection: string, fromMs: number): Snapshot | undefined {
    if (connection !== this.connection) return undefined;
    return [...this.newestFirst].reverse().find((s) => s.takenAtMs >= fromMs);
  }

  series(connection: string, metric: MetricId | CustomMetricId, fromMs: number, toMs: number): SeriesPoint[] {
    if (connection !== this.connection) return [];
    return (this.byMetric.get(metric) ?? []).filter((p) => p.ts >= fromMs && p.ts <= toMs);
  }

  customMetrics(connection: string): { name: string; unit?: string }[] {
    if (connection !== this.connection) return [];
    return this.custom.map((c) => (c.unit ? { name: c.name, unit: c.unit } : { name: c.name }));
  }

  connections(): string[] {
    return this.conns;
  }

  close(): void {
    // Nothing to release: the rows were read in one transaction that has ended.
  }
}

