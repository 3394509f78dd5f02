// Workload sources beyond pg_stat_statements and workload files: the server's log (stderr, csvlog and
// jsonlog, with log_min_duration_statement: `duration: 1.234 ms  statement: …` and `duration: … ms
// execute <name>: …` lines) and a live sample of pg_stat_activity. Each gives WorkloadStatements (calls =
// times seen, total time from the logged durations), deduplicated by fingerprint like the other sources.
import type { QueryRunner } from '../db/session';
import { dedupeStatements, makeStatement, type WorkloadStatement } from './workload';

export type LogFormat = 'stderr' | 'csvlog' | 'jsonlog';

/** The format of a log file's text, from its first non-empty line. */
export function detectLogFormat(text: string): LogFormat {
  const first = text.split('\n').find((l) => l.trim()) ?? '';
  if (first.trimStart().startsWith('{')) return 'jsonlog';
  // csvlog lines start with the timestamp, then a comma-separated user name, database, pid, "host:port"…
  if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \S+,/.test(first)) return 'csvlog';
  return 'stderr';
}

const DURATION_RE = /^duration: ([0-9.]+) ms\s+(?:statement|execute [^:]*|execute fetch from [^:]*|bind [^:]*|parse [^:]*): ([\s\S]*)$/;

export interface LogEntry {
  durationMs: number;
  sql: string;
  /** `parse` / `bind` lines are not executions (log_min_duration_statement logs those phases too). */
  phase: 'statement' | 'execute' | 'parse' | 'bind';
}

/** One message (the text after `LOG:  ` / csv `message` / json `message`) to an entry, when it is a duration line with a statement. */
export function parseDurationMessage(message: string): LogEntry | undefined {
  const m = DURATION_RE.exec(message.trim());
  if (!m) return undefined;
  const kind = /^duration: [0-9.]+ ms\s+(\w+)/.exec(message.trim())?.[1] ?? 'statement';
  return { durationMs: Number(m[1]), sql: m[2]!.trim(), phase: kind === 'execute' ? 'execute' : kind === 'parse' ? 'parse' : kind === 'bind' ? 'bind' : 'statement' };
}

/** Splits CSV text into records (RFC 4180: quoted fields may hold commas, doubled quotes and newlines). */
export function csvRecords(text: string): string[][] {
  const out: string[][] = [];
  let rec: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      rec.push(field);
      field = '';
    } else if (c === '\n') {
      rec.push(field);
      out.push(rec);
      rec = [];
      field = '';
    } else if (c !== '\r') field += c;
    i++;
  }
  if (field || rec.length) {
    rec.push(field);
    out.push(rec);
  }
  return out;
}

/** csvlog column of the message (0-based): log_time, user, db, pid, host, session_id, line, tag, start, vxid, xid, severity, sqlstate, message. */
const CSV_MESSAGE = 13;
const CSV_SEVERITY = 11;

function logMessages(text: string, format: LogFormat): string[] {
  if (format === 'jsonlog') {
    const out: string[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const o = JSON.parse(line) as { message?: unknown; error_severity?: unknown };
        if (typeof o.message === 'string' && (o.error_severity === undefined || o.error_severity === 'LOG')) out.push(o.message);
      } catch {
        // a truncated last line: ignored
      }
    }
    return out;
  }
  if (format === 'csvlog') return csvRecords(text).filter((r) => r[CSV_SEVERITY] === 'LOG' && r[CSV_MESSAGE] !== undefined).map((r) => r[CSV_MESSAGE]!);
  // stderr: `<prefix>LOG:  message`, continuation lines of a multi-line statement start with a tab.
  const out: string[] = [];
  let cur: string | undefined;
  for (const line of text.split('\n')) {
    const m = /(?:^|\s)LOG:\s\s(.*)$/.exec(line);
    if (m) {
      if (cur !== undefined) out.push(cur);
      cur = m[1]!;
    } else if (cur !== undefined && line.startsWith('\t')) cur += `\n${line.slice(1)}`;
    else if (cur !== undefined) {
      out.push(cur);
      cur = undefined;
    }
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

export interface LogWorkload {
  statements: WorkloadStatement[];
  format: LogFormat;
  /** Duration lines read (executions). */
  entries: number;
}

/** The workload in a server log written with log_min_duration_statement (or log_statement + log_duration on one line). */
export function parseServerLog(text: string, format: LogFormat = detectLogFormat(text)): LogWorkload {
  const stmts: WorkloadStatement[] = [];
  let entries = 0;
  for (const msg of logMessages(text, format)) {
    const e = parseDurationMessage(msg);
    if (!e || e.phase === 'parse' || e.phase === 'bind') continue;
    entries++;
    stmts.push(makeStatement(e.sql, 1, 1, e.durationMs, 'log', stmts.length));
  }
  return { statements: dedupeStatements(stmts), format, entries };
}

export interface ActivitySample {
  statements: WorkloadStatement[];
  samples: number;
  /** Active statements seen, summed over samples. */
  seen: number;
}

/**
 * Samples pg_stat_activity every `intervalMs` for `durationMs`: the text of every active client statement of
 * this database (not this session's, not pgopt's own). A statement seen in n samples gets n calls: the
 * weight of what is running, as a top-like view would show it. pg_stat_clear_snapshot() before each sample,
 * since the view is otherwise frozen for the whole transaction.
 */
export async function sampleActivity(q: QueryRunner, durationMs: number, intervalMs = 100, signal?: AbortSignal): Promise<ActivitySample> {
  const stmts: WorkloadStatement[] = [];
  let samples = 0;
  const end = Date.now() + durationMs;
  do {
    if (signal?.aborted) break;
    await q.query('SELECT pg_stat_clear_snapshot()');
    const rows = await q.query<{ query: string }>(
      `SELECT query FROM pg_stat_activity
        WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
          AND datname = current_database() AND coalesce(application_name, '') NOT LIKE 'pgopt%' AND query <> ''`,
    );
    samples++;
    for (const r of rows) stmts.push(makeStatement(r.query, 1, 1, intervalMs, 'activity', stmts.length));
    if (Date.now() + intervalMs > end) break;
    await new Promise((res) => setTimeout(res, intervalMs));
  } while (Date.now() < end);
  return { statements: dedupeStatements(stmts), samples, seen: stmts.length };
}
