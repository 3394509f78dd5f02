// The snapshot store on SQLite compiled to WebAssembly (node-sqlite3-wasm): no native module, so it runs in
// VS Code's extension host and plain Node alike, and it writes the database file directly through a Node
// fs VFS (SQLite's own journal keeps each write atomic) instead of keeping everything in memory and
// rewriting the whole file as sql.js would. The module and its .wasm are required on first open only.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Database as SqliteDatabase } from 'node-sqlite3-wasm';
import type { CustomMetricId } from './customMetrics';
import { evaluateAlerts, type AlertEvaluation, type AlertRule, type AlertState } from './alerts';
import { intervalValues } from './deltas';
import { METRIC_DEFS, metricDef, type MetricId } from './metricDefs';
import type { Snapshot } from './snapshot';
import { customMetricList, customPoints, HOUR_MS, type AddResult, type CompactionResult, type RetentionSettings, type SeriesPoint, type SnapshotStore } from './snapshotStore';

type SqliteModule = typeof import('node-sqlite3-wasm');

function loadSqlite(): SqliteModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('node-sqlite3-wasm') as SqliteModule;
}

const SCHEMA_VERSION = '1';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conn TEXT NOT NULL,
  taken_ms INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_conn_ts ON snapshots (conn, taken_ms);
CREATE TABLE IF NOT EXISTS points (
  conn TEXT NOT NULL,
  metric TEXT NOT NULL,
  res INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  value REAL,
  n INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (conn, metric, res, ts)
) WITHOUT ROWID;
-- Alert episodes across runs (added in schema 1, created when missing: older files gain them on open). The
-- per-rule state (since/firing) and the episodes, as in the shared store (pgStoreSchema.ts): a new
-- \`pgopt snapshot\` run continues an open episode instead of starting a new one.
CREATE TABLE IF NOT EXISTS alert_state (
  conn TEXT NOT NULL,
  rule_key TEXT NOT NULL,
  since_ms INTEGER,
  firing INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (conn, rule_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alert_episodes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conn TEXT NOT NULL,
  rule_key TEXT NOT NULL,
  severity TEXT NOT NULL,
  message TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  fired_ms INTEGER NOT NULL,
  cleared_ms INTEGER,
  last_value REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS alert_episodes_open ON alert_episodes (conn, rule_key) WHERE cleared_ms IS NULL;
`;

export class SnapshotStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotStoreError';
  }
}

/** Opens (creating if needed) the store file. A file that is not a pgopt store is refused, never overwritten. */
export function openSqliteSnapshotStore(file: string): SqliteSnapshotStore {
  mkdirSync(dirname(file), { recursive: true });
  const { Database } = loadSqlite();
  let db: SqliteDatabase;
  try {
    db = new Database(file);
  } catch (e) {
    throw new SnapshotStoreError(`cannot open the snapshot store ${file}: ${(e as Error).message}`);
  }
  try {
    db.exec('PRAGMA journal_mode = DELETE; PRAGMA synchronous = NORMAL;');
    const tables = db.all(`SELECT name FROM sqlite_master WHERE type = 'table'`).map((r) => String(r.name));
    if (tables.length > 0 && !tables.includes('meta')) {
      throw new SnapshotStoreError(`${file} is an SQLite database but not a pgopt snapshot store; refusing to change it`);
    }
    db.exec(SCHEMA);
    const version = db.get(`SELECT value FROM meta WHERE key = 'schema'`);
    if (!version) db.run(`INSERT INTO meta (key, value) VALUES ('schema', ?)`, [SCHEMA_VERSION]);
    else if (String(version.value) !== SCHEMA_VERSION) {
      throw new SnapshotStoreError(`${file} has snapshot store schema ${String(version.value)}; this pgopt reads ${SCHEMA_VERSION}`);
    }
  } catch (e) {
    db.close();
    if (e instanceof SnapshotStoreError) throw e;
    throw new SnapshotStoreError(`cannot open the snapshot store ${file}: ${(e as Error).message}`);
  }
  return new SqliteSnapshotStore(db);
}

/** The store file inside a directory (the extension's globalStorageUri). */
export function snapshotStorePath(dir: string): string {
  return join(dir, 'snapshots.sqlite');
}

/** One alert episode of a connection (open while clearedMs is null). */
export interface StoredAlertEpisode {
  ruleKey: string;
  severity: string;
  message: string;
  startedMs: number;
  firedMs: number;
  clearedMs: number | null;
}

export class SqliteSnapshotStore implements SnapshotStore {
  constructor(private readonly db: SqliteDatabase) {}

  /**
   * Stores a snapshot; with `alertRules`, evaluates them against the stored episode state of the connection and
   * saves the new state and episodes in the same transaction, so the next run (another `pgopt snapshot`)
   * continues an open episode rather than starting one.
   */
  add(connection: string, snapshot: Snapshot, opts: { alertRules?: readonly AlertRule[] } = {}): AddResult & { alerts?: AlertEvaluation } {
    // The delta base is the snapshot stored last (by insertion), not the one with the greatest time: after
    // a server clock step back, the counters still continue from the last sample taken.
    const prevRow = this.db.get(`SELECT body FROM snapshots WHERE conn = ? ORDER BY id DESC LIMIT 1`, [connection]);
    const prev = prevRow ? (JSON.parse(String(prevRow.body)) as Snapshot) : undefined;
    const interval = intervalValues(prev, snapshot);
    const body = JSON.stringify(snapshot);
    let alerts: AlertEvaluation | undefined;
    this.transaction(() => {
      if (opts.alertRules) alerts = this.evaluateStoredAlerts(connection, snapshot, opts.alertRules);
      this.db.run(`INSERT INTO snapshots (conn, taken_ms, body) VALUES (?, ?, ?)`, [connection, snapshot.takenAtMs, body]);
      const stmt = this.db.prepare(`INSERT OR REPLACE INTO points (conn, metric, res, ts, value, n) VALUES (?, ?, 0, ?, ?, 1)`);
      try {
        for (const [metric, value] of Object.entries(interval.values)) {
          if (value === null || value === undefined) continue;
          stmt.run([connection, metric, snapshot.takenAtMs, value]);
        }
        for (const [metric, value] of customPoints(snapshot)) stmt.run([connection, metric, snapshot.takenAtMs, value]);
      } finally {
        stmt.finalize();
      }
    });
    return { interval, bytes: Buffer.byteLength(body), ...(alerts ? { alerts } : {}) };
  }

  /** The stored alert state of `connection` (rule key → since/firing). */
  alertState(connection: string): AlertState {
    return Object.fromEntries(
      this.db.all(`SELECT rule_key, since_ms, firing FROM alert_state WHERE conn = ?`, [connection]).map((r) => [String(r.rule_key), { since: r.since_ms === null ? null : Number(r.since_ms), firing: Number(r.firing) === 1 }]),
    );
  }

  /** Alert episodes of `connection`, oldest first (open ones have clearedMs null). */
  alertEpisodes(connection: string): StoredAlertEpisode[] {
    return this.db
      .all(`SELECT rule_key, severity, message, started_ms, fired_ms, cleared_ms FROM alert_episodes WHERE conn = ? ORDER BY id`, [connection])
      .map((r) => ({
        ruleKey: String(r.rule_key),
        severity: String(r.severity),
        message: String(r.message),
        startedMs: Number(r.started_ms),
        firedMs: Number(r.fired_ms),
        clearedMs: r.cleared_ms === null ? null : Number(r.cleared_ms),
      }));
  }

  private evaluateStoredAlerts(connection: string, snapshot: Snapshot, rules: readonly AlertRule[]): AlertEvaluation {
    const evaluation = evaluateAlerts(rules, snapshot.metrics, snapshot.takenAtMs, this.alertState(connection));
    for (const [key, st] of Object.entries(evaluation.state)) {
      this.db.run(
        `INSERT INTO alert_state (conn, rule_key, since_ms, firing, updated_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (conn, rule_key) DO UPDATE SET since_ms = excluded.since_ms, firing = excluded.firing, updated_ms = excluded.updated_ms`,
        [connection, key, st.since, st.firing ? 1 : 0, snapshot.takenAtMs],
      );
    }
    for (const ev of evaluation.events) {
      if (ev.kind === 'fired') {
        this.db.run(`INSERT OR IGNORE INTO alert_episodes (conn, rule_key, severity, message, started_ms, fired_ms, last_value) VALUES (?, ?, ?, ?, ?, ?, ?)`, [
          connection,
          ev.ruleKey,
          ev.rule.severity,
          ev.message,
          evaluation.state[ev.ruleKey]?.since ?? ev.atMs,
          ev.atMs,
          ev.value,
        ]);
      } else {
        this.db.run(`UPDATE alert_episodes SET cleared_ms = ?, last_value = ? WHERE conn = ? AND rule_key = ? AND cleared_ms IS NULL`, [ev.atMs, ev.value, connection, ev.ruleKey]);
      }
    }
    return evaluation;
  }

  latest(connection: string, limit = 1): Snapshot[] {
    return this.db
      .all(`SELECT body FROM snapshots WHERE conn = ? ORDER BY taken_ms DESC, id DESC LIMIT ?`, [connection, limit])
      .map((r) => JSON.parse(String(r.body)) as Snapshot);
  }

  oldestSince(connection: string, fromMs: number): Snapshot | undefined {
    const r = this.db.get(`SELECT body FROM snapshots WHERE conn = ? AND taken_ms >= ? ORDER BY taken_ms, id LIMIT 1`, [connection, fromMs]);
    return r ? (JSON.parse(String(r.body)) as Snapshot) : undefined;
  }

  series(connection: string, metric: MetricId | CustomMetricId, fromMs: number, toMs: number): SeriesPoint[] {
    return this.db
      .all(`SELECT ts, value, res FROM points WHERE conn = ? AND metric = ? AND ts BETWEEN ? AND ? ORDER BY ts, res`, [connection, metric, fromMs, toMs])
      .map((r) => ({ ts: Number(r.ts), value: r.value === null ? null : Number(r.value), resolutionMs: Number(r.res) }));
  }

  customMetrics(connection: string): { name: string; unit?: string }[] {
    const ids = this.db.all(`SELECT DISTINCT metric FROM points WHERE conn = ? AND metric LIKE 'custom:%' ORDER BY metric`, [connection]).map((r) => String(r.metric));
    return ids.length ? customMetricList(ids, this.latest(connection, 50)) : [];
  }

  connections(): string[] {
    return this.db.all(`SELECT DISTINCT conn FROM snapshots ORDER BY conn`).map((r) => String(r.conn));
  }

  compact(retention: RetentionSettings, referenceMs?: number): CompactionResult {
    const ref = referenceMs ?? this.newestMs();
    if (ref === null) return { rawPointsRolledUp: 0, rawSnapshotsDeleted: 0, rollupsDeleted: 0, referenceMs: null };
    const rawCutoff = ref - retention.rawHours * HOUR_MS;
    const rollupCutoff = ref - retention.rollupDays * 24 * HOUR_MS;
    let rolled = 0;
    let snapsDeleted = 0;
    let rollupsDeleted = 0;
    this.transaction(() => {
      const groups = this.db.all(
        `SELECT conn, metric, (ts / ${HOUR_MS}) * ${HOUR_MS} AS bucket, sum(value) AS total, count(value) AS n
           FROM points WHERE res = 0 AND ts < ? GROUP BY conn, metric, bucket`,
        [rawCutoff],
      ) as { conn: string; metric: string; bucket: number; total: number | null; n: number }[];
      const existing = this.db.prepare(`SELECT value, n FROM points WHERE conn = ? AND metric = ? AND res = ${HOUR_MS} AND ts = ?`);
      const upsert = this.db.prepare(`INSERT OR REPLACE INTO points (conn, metric, res, ts, value, n) VALUES (?, ?, ${HOUR_MS}, ?, ?, ?)`);
      try {
        for (const g of groups) {
          const n = Number(g.n);
          if (n === 0) continue;
          const total = Number(g.total);
          const counter = metricDef(String(g.metric))?.kind === 'counter';
          const old = existing.get([g.conn, g.metric, g.bucket]);
          const oldN = old ? Number(old.n) : 0;
          const oldValue = old && old.value !== null ? Number(old.value) : 0;
          // Counters: the hour's total change; gauges: the mean of the samples (weighted when merging).
          const value = counter ? oldValue + total : (oldValue * oldN + total) / (oldN + n);
          upsert.run([g.conn, g.metric, g.bucket, value, oldN + n]);
          rolled += n;
        }
      } finally {
        existing.finalize();
        upsert.finalize();
      }
      this.db.run(`DELETE FROM points WHERE res = 0 AND ts < ?`, [rawCutoff]);
      // Keep each connection's newest snapshot whatever its age: it is the base of the next delta.
      snapsDeleted = this.db.run(
        `DELETE FROM snapshots WHERE taken_ms < ? AND id NOT IN (SELECT max(id) FROM snapshots GROUP BY conn)`,
        [rawCutoff],
      ).changes;
      rollupsDeleted = this.db.run(`DELETE FROM points WHERE res = ${HOUR_MS} AND ts < ?`, [rollupCutoff]).changes;
    });
    return { rawPointsRolledUp: rolled, rawSnapshotsDeleted: snapsDeleted, rollupsDeleted, referenceMs: ref };
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  private newestMs(): number | null {
    const r = this.db.get(`SELECT max(taken_ms) AS m FROM snapshots`);
    return r && r.m !== null ? Number(r.m) : null;
  }

  private transaction(fn: () => void): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      fn();
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }
}

/** Every metric id the store may hold (for listing trends). */
export const STORED_METRICS: readonly MetricId[] = METRIC_DEFS.map((d) => d.id);
