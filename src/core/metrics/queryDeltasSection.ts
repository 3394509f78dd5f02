// "What got slower since this morning": the report section comparing the top pg_stat_statements entries of two
// stored monitoring snapshots of one connection (an older baseline and the newest), through the pure
// comparison of src/core/analyzers/queries/statementDeltas.ts. Pure: snapshots in, report data out; only
// queryDeltasFromStore reads a store (never the local clock: every time is the server's, Snapshot.takenAtMs).
import {
  statementDeltas,
  type CapturedStatement,
  type StatementCapture,
  type StatementDelta,
} from '../analyzers/queries/statementDeltas';
import { toolStatementsMetric } from '../analyzers/queries/statements';
import { isToolStatement } from '../sql/toolStatements';
import type { ReportFinding, ReportSection, ReportTable } from '../report/model';
import type { Snapshot } from './snapshot';
import { HOUR_MS, type SnapshotStore } from './snapshotStore';

export const QUERY_DELTAS_SECTION_ID = 'query-deltas';
export const DEFAULT_SINCE_HOURS = 24;
/** How many slower statements become findings (the table lists them all). */
const MAX_FINDINGS = 10;
/** New statements listed as "new heavy" when they rank among this many by time spent in the interval ... */
const NEW_HEAVY_TOP = 10;
/** ... and took at least this share of the time the sampled statements spent in it. */
const NEW_HEAVY_SHARE = 0.05;
/** snapshot.ts keeps left(query, 200). */
const SNAPSHOT_QUERY_CHARS = 200;

export interface QueryDeltasOptions {
  /** Mean time per call must grow by at least this factor (default 1.5). */
  slowerFactor?: number;
  /** ... with at least this many calls in the interval (default 10). */
  minCalls?: number;
}

export interface BaselineChoice {
  /** The oldest snapshot at or after the window's start (or the given time); undefined when there is none besides the newest. */
  baseline?: Snapshot;
  newest?: Snapshot;
  /** How the baseline was chosen, for the section's text. */
  rule: string;
}

/**
 * A snapshot's statement sample as a statementDeltas capture. The sample lacks some fields statementDeltas
 * uses, so they are mapped from what exists:
 * - it is summed over users per queryid within the snapshot's database, so dbid is the database name and
 *   userid is '*' (matching stays by queryid);
 * - it has no rows / block counters: rows is 0 and the optional block fields are left out;
 * - the mean per call is derived by statementDeltas as total time / calls;
 * - it has no pg_stat_statements_info.stats_reset (Snapshot.statsReset is pg_stat_database's, which
 *   pg_stat_statements_reset() does not touch). A server-wide pg_stat_statements reset is inferred instead
 *   from the database's statement totals (metrics.statement_calls) going down: `after` then gets its own
 *   takenAt as statsReset (the reset happened at some point before it, after the baseline).
 */
export function snapshotCapture(s: Snapshot, pgssResetBefore = false): StatementCapture {
  // Snapshots of older versions still hold pgopt's own statements: never compare those.
  const rows: CapturedStatement[] = (s.statements ?? []).filter((x) => !isToolStatement(x.query)).map((x) => ({
    queryid: x.queryid,
    dbid: s.database,
    userid: '*',
    query: x.query,
    calls: x.calls,
    total_ms: x.totalMs,
    rows: 0,
  }));
  return { takenAt: s.takenAt, statsReset: pgssResetBefore ? s.takenAt : null, rows };
}

/** True when the database's pg_stat_statements totals went down between the snapshots: a reset in between. */
export function pgssResetBetween(baseline: Snapshot, newest: Snapshot): boolean {
  const a = baseline.metrics.statement_calls;
  const b = newest.metrics.statement_calls;
  const ta = baseline.metrics.statement_time_ms;
  const tb = newest.metrics.statement_time_ms;
  return (typeof a === 'number' && typeof b === 'number' && b < a) || (typeof ta === 'number' && typeof tb === 'number' && tb < ta);
}

/**
 * Picks the baseline in a store: the oldest snapshot at or after `atMs` when given, else the oldest within
 * `sinceHours` (default 24) before the newest snapshot. "Since this morning" is the default.
 */
export function chooseBaseline(store: SnapshotStore, connection: string, opts: { sinceHours?: number; atMs?: number } = {}): BaselineChoice {
  const [newest] = store.latest(connection, 1);
  const sinceHours = opts.sinceHours ?? DEFAULT_SINCE_HOURS;
  const rule = opts.atMs !== undefined ? `the first snapshot at or after ${utc(opts.atMs, true)}` : `the oldest snapshot of the last ${formatHours(sinceHours)}`;
  if (!newest) return { rule };
  const from = opts.atMs ?? newest.takenAtMs - sinceHours * HOUR_MS;
  const candidate = store.oldestSince(connection, from);
  const baseline = candidate && candidate.takenAtMs < newest.takenAtMs ? candidate : undefined;
  return { baseline, newest, rule };
}

export function queryDeltasFromStore(
  store: SnapshotStore,
  connection: string,
  opts: QueryDeltasOptions & { sinceHours?: number; atMs?: number } = {},
): ReportSection {
  const choice = chooseBaseline(store, connection, opts);
  return buildQueryDeltasSection(choice.baseline, choice.newest, { ...opts, rule: choice.rule });
}

/** The "What got slower" section from two snapshots of one connection. */
export function buildQueryDeltasSection(
  baseline: Snapshot | undefined,
  newest: Snapshot | undefined,
  opts: QueryDeltasOptions & { rule?: string } = {},
): ReportSection {
  const base: ReportSection = {
    id: QUERY_DELTAS_SECTION_ID,
    title: 'What got slower',
    status: 'ok',
    summary: '',
    metrics: [],
    findings: [],
    tables: [],
    unavailable: [],
    durationMs: 0,
  };
  const rule = opts.rule ?? 'the baseline snapshot';
  if (!newest || !baseline) {
    return {
      ...base,
      summary: newest
        ? `No snapshot to compare with: no snapshot older than the newest (${utc(newest.takenAtMs, true)}) matches the baseline rule (${rule}).`
        : 'No snapshot stored for this connection yet.',
      unavailable: [
        {
          what: 'What got slower',
          because: newest ? `no stored snapshot older than the newest matches ${rule}` : 'no snapshot has been stored for this connection',
          toEnable: 'keep at least two snapshots (pgopt.monitoring.intervalMinutes > 0, "Postgres Optimizer: Take Snapshot", or pgopt snapshot --store FILE from cron); with the CLI, widen the window with --since HOURS',
        },
      ],
    };
  }
  const [older, newer] = baseline.takenAtMs <= newest.takenAtMs ? [baseline, newest] : [newest, baseline];
  const ago = formatDuration(newer.takenAtMs - older.takenAtMs);
  const compared = `Compared with the snapshot of ${utc(older.takenAtMs, !sameDay(older.takenAtMs, newer.takenAtMs))}, ${ago} before the newest (${utc(newer.takenAtMs, !sameDay(older.takenAtMs, newer.takenAtMs))}); baseline: ${rule}.`;
  if (older.statements === null || newer.statements === null) {
    const why = newer.statementsUnavailable ?? older.statementsUnavailable ?? 'pg_stat_statements was not usable';
    return {
      ...base,
      summary: `${compared} A snapshot has no statement statistics.`,
      unavailable: [{ what: 'What got slower', because: why, toEnable: 'CREATE EXTENSION pg_stat_statements (with shared_preload_libraries = pg_stat_statements) in this database' }],
    };
  }
  const reset = pgssResetBetween(older, newer);
  const d = statementDeltas(snapshotCapture(older), snapshotCapture(newer, reset), { slowerFactor: opts.slowerFactor, minCalls: opts.minCalls });
  const slowerFactor = opts.slowerFactor ?? 1.5;
  const minCalls = opts.minCalls ?? 10;
  // statementDeltas leaves the per-call comparison out after a server-wide reset (there is no earlier entry to
  // subtract); the baseline's mean is still a fair yardstick for the mean since the reset, so compare here.
  const baseMean = new Map(older.statements.map((s) => [s.queryid, s.calls > 0 ? s.totalMs / s.calls : null]));
  const rows = d.deltas.map((x) => {
    if (x.basis !== 'server-reset' || x.queryid === null) return x;
    const before = baseMean.get(x.queryid) ?? null;
    return { ...x, beforeMeanMs: before, slowdown: before !== null && before > 0 ? x.meanMs / before : null };
  });
  const extra = (x: StatementDelta): number => (x.meanMs - (x.beforeMeanMs ?? 0)) * x.calls;
  const slower = rows.filter((x) => x.slowdown !== null && x.slowdown >= slowerFactor && x.calls >= minCalls).sort((a, b) => extra(b) - extra(a));
  const intervalMs = rows.reduce((s, x) => s + x.totalMs, 0);
  const newHeavy = rows.slice(0, NEW_HEAVY_TOP).filter((x) => x.basis === 'new' && x.totalMs >= NEW_HEAVY_SHARE * intervalMs);
  const entryResets = rows.filter((x) => x.basis === 'entry-reset').length;

  const findings: ReportFinding[] = slower.slice(0, MAX_FINDINGS).map((x) => ({
    id: 'query-deltas.slower',
    severity: 'warning',
    title: `${ratio(x.slowdown)} slower per call: ${shortQuery(x.query)}`,
    detail:
      `Mean ${ms(x.beforeMeanMs)} per call before, ${ms(x.meanMs)} in the interval over ${count(x.calls)} calls ` +
      `(${ms(x.totalMs)} in total, about ${ms(extra(x))} more than at the old speed). queryid ${x.queryid ?? '(none)'}.` +
      (x.basis === 'delta' ? '' : ' Its counters were reset in between: the interval figures are everything since that reset.'),
    action: 'Explain it now and compare with what you expect: a dropped or invalid index, a changed plan, grown data, stale statistics (ANALYZE) or new lock waits; pgopt advise suggests indexes.',
    ...sqlOf(x.query),
  }));
  if (reset || entryResets > 0) {
    findings.push({
      id: 'query-deltas.reset',
      severity: 'info',
      title: reset ? 'pg_stat_statements was reset between the snapshots' : `${entryResets} statement entr${entryResets === 1 ? 'y was' : 'ies were'} reset or evicted between the snapshots`,
      detail: reset
        ? 'The database totals of pg_stat_statements went down (pg_stat_statements_reset(), a restart or a crash). Interval figures are everything since that reset, compared with the baseline\'s mean per call.'
        : 'Their counters went down (a targeted reset, or eviction at pg_stat_statements.max and re-entry): their interval figures are everything since then.',
    });
  }
  for (const x of newHeavy) {
    findings.push({
      id: 'query-deltas.new-heavy',
      severity: 'info',
      title: `New among the heaviest: ${shortQuery(x.query)}`,
      detail: `Not among the baseline's ${older.statements.length} top statements; ${count(x.calls)} calls, ${ms(x.totalMs)} in total, ${ms(x.meanMs)} per call (its whole recorded history, which may predate the baseline if it was just below the top).`,
      ...sqlOf(x.query),
    });
  }

  const slowerTable: ReportTable = {
    id: 'slower',
    title: 'Statements slower per call than in the baseline',
    columns: [
      { key: 'query', label: 'Statement' },
      { key: 'before', label: 'Mean before' },
      { key: 'now', label: 'Mean in interval' },
      { key: 'slowdown', label: 'Slower by' },
      { key: 'calls', label: 'Calls in interval', numeric: true },
      { key: 'total', label: 'Time in interval' },
      { key: 'extra', label: 'Extra time' },
      { key: 'basis', label: 'Basis' },
    ],
    rows: slower.map((x) => ({
      query: x.query,
      before: ms(x.beforeMeanMs),
      now: ms(x.meanMs),
      slowdown: ratio(x.slowdown),
      calls: x.calls,
      total: ms(x.totalMs),
      extra: ms(extra(x)),
      basis: basisText(x.basis),
    })),
    emptyText: `No statement got ${ratio(slowerFactor)} slower per call with at least ${minCalls} calls in the interval.`,
  };
  const newTable: ReportTable = {
    id: 'new-heavy',
    title: `New statements among the ${NEW_HEAVY_TOP} heaviest in the interval (at least ${NEW_HEAVY_SHARE * 100} % of its time)`,
    columns: [
      { key: 'query', label: 'Statement' },
      { key: 'calls', label: 'Calls', numeric: true },
      { key: 'total', label: 'Total time' },
      { key: 'mean', label: 'Mean' },
    ],
    rows: newHeavy.map((x) => ({ query: x.query, calls: x.calls, total: ms(x.totalMs), mean: ms(x.meanMs) })),
    emptyText: 'No new statement among the heaviest.',
  };
  const parts = [`${slower.length} statement${slower.length === 1 ? '' : 's'} slower per call`, `${newHeavy.length} new heavy`];
  if (reset) parts.push('statistics reset in between');
  else if (entryResets) parts.push(`${entryResets} entry reset${entryResets === 1 ? '' : 's'}`);
  if (d.gone) parts.push(`${d.gone} left the top`);
  return {
    ...base,
    status: slower.length > 0 ? 'warning' : 'ok',
    summary: `${compared} ${parts.join(', ')}.`,
    metrics: [
      { id: 'interval_s', label: 'Interval', value: Math.round(d.periodS), display: ago },
      { id: 'statements_compared', label: 'Statements that ran', value: rows.length, display: count(rows.length) },
      { id: 'statement_time_ms', label: 'Time in top statements', value: Math.round(intervalMs), display: ms(intervalMs) },
      { id: 'slower', label: 'Slower per call', value: slower.length, display: String(slower.length), status: slower.length > 0 ? 'warning' : 'ok' },
      toolStatementsMetric(newer.toolStatementsLeftOut ?? (newer.statements ?? []).filter((x) => isToolStatement(x.query)).length),
    ],
    findings,
    tables: [slowerTable, newTable],
  };
}

/**
 * The finding's sql is there to Explain the statement (the report turns a finding's non-query sql into a
 * Create Migration button, which makes no sense for a DDL statement seen in pg_stat_statements). Snapshot
 * texts are cut to SNAPSHOT_QUERY_CHARS: a cut statement cannot be explained either, so it carries no sql.
 * The test mirrors isQueryStatement of src/shared/protocol.ts (core does not import the webview protocol).
 */
function sqlOf(query: string): { sql?: string } {
  const explainable = /^\s*(\(\s*)*(SELECT|WITH|INSERT|UPDATE|DELETE|MERGE|VALUES|TABLE)\b/i.test(query);
  return explainable && query.length < SNAPSHOT_QUERY_CHARS ? { sql: query } : {};
}

function basisText(b: StatementDelta['basis']): string {
  return b === 'delta' ? 'difference' : b === 'new' ? 'new' : b === 'entry-reset' ? 'since entry reset' : 'since statistics reset';
}

function shortQuery(q: string): string {
  const one = q.replace(/\s+/g, ' ').trim();
  return one.length > 80 ? `${one.slice(0, 77)}…` : one;
}

function ratio(v: number | null): string {
  return v === null ? '' : `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10}×`;
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function ms(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '';
  if (Math.abs(v) >= 60_000) return formatDuration(v);
  if (Math.abs(v) >= 1000) return `${(v / 1000).toFixed(2)} s`;
  if (Math.abs(v) >= 10) return `${v.toFixed(1)} ms`;
  return `${v.toFixed(3)} ms`;
}

export function formatDuration(deltaMs: number): string {
  const min = Math.round(Math.abs(deltaMs) / 60_000);
  if (min < 1) return `${Math.round(Math.abs(deltaMs) / 1000)} s`;
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  const m = min % 60;
  if (h < 48) return m ? `${h} h ${m} min` : `${h} h`;
  return `${Math.round(h / 24)} days`;
}

function formatHours(h: number): string {
  return h === 1 ? 'hour' : `${h} h`;
}

function sameDay(a: number, b: number): boolean {
  return new Date(a).toISOString().slice(0, 10) === new Date(b).toISOString().slice(0, 10);
}

/** Server time as UTC "08:05 UTC", with the date when asked. */
function utc(t: number, withDate: boolean): string {
  const iso = new Date(t).toISOString();
  return `${withDate ? `${iso.slice(0, 10)} ` : ''}${iso.slice(11, 16)} UTC`;
}
