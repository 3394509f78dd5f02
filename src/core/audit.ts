// One audit log for every write either host performs: migrations (the runner), Apply Now, cancel/terminate
// backend, reset statistics, and (when the setting asks for it) analysis runs. One JSON object per line:
// time, OS user, database role, connection (passwords redacted), action, SQL, outcome, duration.
// The CLI's file defaults to .pgopt/audit.jsonl; the editor's lives in its global storage.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { redactUrl } from './redact';

export type AuditAction =
  | 'create-tracking-table'
  | 'apply'
  | 'rollback'
  | 'drop-invalid-index'
  | 'record-failure'
  | 'apply-now'
  | 'cancel-backend'
  | 'terminate-backend'
  | 'reset-statistics'
  | 'scratch-whatif'
  | 'trace-on-target'
  | 'analysis';

export interface AuditRecord {
  /** ISO time the action started. */
  at: string;
  /** OS user and database role, e.g. "alice (db: app_owner)". */
  actor: string;
  /** OS user alone. */
  osUser?: string;
  /** Database role alone. */
  role?: string;
  /** Which host wrote it. */
  host?: 'cli' | 'editor';
  /** Connection description, passwords redacted. */
  connection: string;
  action: AuditAction;
  version?: string;
  name?: string;
  sql: string;
  result: 'ok' | 'failed' | 'cancelled';
  error?: string;
  durationMs: number;
}

export interface AuditSink {
  write(record: AuditRecord): void;
}

export function osUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** The actor/osUser/role fields of a record. */
export function auditActor(role: string | undefined): Pick<AuditRecord, 'actor' | 'osUser' | 'role'> {
  const os = osUserName();
  return { actor: `${os} (db: ${role ?? '?'})`, osUser: os, ...(role ? { role } : {}) };
}

/** Removes passwords from every field that could carry a connection string. */
export function redactRecord(record: AuditRecord): AuditRecord {
  return {
    ...record,
    connection: redactUrl(record.connection),
    sql: redactUrl(record.sql),
    ...(record.error !== undefined ? { error: redactUrl(record.error) } : {}),
  };
}

/** Appends one JSON object per line; creates the directory. Synchronous so a crash right after loses nothing. */
export class JsonlAuditSink implements AuditSink {
  constructor(readonly path: string) {}

  write(record: AuditRecord): void {
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, `${JSON.stringify(redactRecord(record))}\n`, { encoding: 'utf8', mode: 0o600 });
  }
}

/** Collects records in memory (tests, the editor's output channel adapter). */
export class MemoryAuditSink implements AuditSink {
  readonly records: AuditRecord[] = [];
  write(record: AuditRecord): void {
    this.records.push(redactRecord(record));
  }
}

/**
 * Runs one write and records it: outcome ok when `run` resolves to a truthy `ok` (or anything without `ok`), failed
 * when it throws or returns ok: false. An audit that cannot be written is thrown after the write (writes must not go
 * unrecorded silently).
 */
export async function audited<T>(
  sink: AuditSink | undefined,
  base: Omit<AuditRecord, 'at' | 'result' | 'durationMs' | 'error'>,
  run: () => Promise<T>,
  outcome: (r: T) => { ok: boolean; error?: string } = (r) => {
    const o = r as { ok?: boolean; message?: string };
    return typeof o?.ok === 'boolean' ? { ok: o.ok, ...(o.ok ? {} : { error: o.message ?? 'failed' }) } : { ok: true };
  },
): Promise<T> {
  const at = new Date().toISOString();
  const started = Date.now();
  let result: T;
  try {
    result = await run();
  } catch (e) {
    sink?.write({ ...base, at, result: ['AbortError', 'CancelledError'].includes((e as Error).name) ? 'cancelled' : 'failed', error: (e as Error).message, durationMs: Date.now() - started });
    throw e;
  }
  const o = outcome(result);
  sink?.write({ ...base, at, result: o.ok ? 'ok' : 'failed', ...(o.error ? { error: o.error } : {}), durationMs: Date.now() - started });
  return result;
}

export interface AuditProblem {
  line: number;
  message: string;
}

/** Parses a JSONL audit file's text; a bad line is reported, never fatal. `since` keeps records at or after it. */
export function parseAudit(text: string, since?: Date): { records: AuditRecord[]; problems: AuditProblem[] } {
  const records: AuditRecord[] = [];
  const problems: AuditProblem[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const r = JSON.parse(line) as AuditRecord;
      if (typeof r?.at !== 'string' || typeof r.action !== 'string') throw new Error('not an audit record');
      if (since && !(Date.parse(r.at) >= since.getTime())) return;
      records.push(r);
    } catch (e) {
      problems.push({ line: i + 1, message: (e as Error).message });
    }
  });
  return { records, problems };
}

export function readAuditFile(path: string, since?: Date): { records: AuditRecord[]; problems: AuditProblem[] } {
  return parseAudit(readFileSync(path, 'utf8'), since);
}

/**
 * A --since value: an ISO date/time, or a duration back from `now` such as 30m, 12h, 7d.
 * Returns undefined for anything else (the caller says so in one sentence).
 */
export function parseSince(value: string, now = new Date()): Date | undefined {
  const rel = /^(\d+(?:\.\d+)?)\s*(m|min|h|d|w)$/i.exec(value.trim());
  if (rel) {
    const n = Number(rel[1]);
    const unit = (rel[2] ?? 'h').toLowerCase();
    const ms = unit.startsWith('m') ? 60_000 : unit === 'h' ? 3_600_000 : unit === 'd' ? 86_400_000 : 7 * 86_400_000;
    return new Date(now.getTime() - n * ms);
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(value.trim())) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** One line per record: time, outcome, action, who, where, how long, then the SQL indented. */
export function renderAuditText(records: readonly AuditRecord[]): string {
  if (records.length === 0) return 'No audit records.\n';
  const out: string[] = [];
  for (const r of records) {
    const what = [r.action, r.version, r.name].filter(Boolean).join(' ');
    out.push(`${r.at}  ${r.result.padEnd(9)} ${what}  by ${r.actor} on ${r.connection} (${r.durationMs} ms)${r.error ? `: ${r.error}` : ''}`);
    const sql = r.sql.trim();
    if (sql) out.push(...sql.split('\n').slice(0, 6).map((l) => `    ${l}`), ...(sql.split('\n').length > 6 ? ['    …'] : []));
  }
  return `${out.join('\n')}\n`;
}
