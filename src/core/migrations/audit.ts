// Audit trail of every write the migration runner does: who, when, which connection (password redacted),
// the SQL, the result and how long it took. A sink is anything with write(); the JSONL appender is what
// the CLI and the extension use.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { redactUrl } from '../redact';

export interface AuditRecord {
  /** ISO time the action started. */
  at: string;
  /** OS user and database role, e.g. "alice (db: app_owner)". */
  actor: string;
  /** Connection description, passwords redacted. */
  connection: string;
  action: 'create-tracking-table' | 'apply' | 'rollback' | 'drop-invalid-index' | 'record-failure';
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

/** Appends one JSON object per line; creates the directory. Synchronous so a crash right after loses nothing. */
export class JsonlAuditSink implements AuditSink {
  constructor(readonly path: string) {}

  write(record: AuditRecord): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const safe: AuditRecord = { ...record, connection: redactUrl(record.connection), ...(record.error !== undefined ? { error: redactUrl(record.error) } : {}) };
    appendFileSync(this.path, `${JSON.stringify(safe)}\n`, { encoding: 'utf8', mode: 0o600 });
  }
}

/** Collects records in memory (tests, the editor's output channel adapter). */
export class MemoryAuditSink implements AuditSink {
  readonly records: AuditRecord[] = [];
  write(record: AuditRecord): void {
    this.records.push(record);
  }
}
