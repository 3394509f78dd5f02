// Server errors a user can cause or meet, as sentences that say what to do: a missing privilege (SQLSTATE 42501)
// names the privilege and the GRANT; a lost connection (server restarted, backend terminated, network reset)
// says so instead of the driver's "Connection terminated unexpectedly" and a stack.
import { quoteIdent } from '../sql/quote';

interface PgLikeError {
  code?: unknown;
  message?: unknown;
}

const LOST_SQLSTATES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001']);
const LOST_ERRNOS = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT']);

/** True for an error that means the connection is gone (not a statement that failed on a live connection). */
export function isConnectionLost(err: unknown): boolean {
  const e = (err ?? {}) as PgLikeError;
  const code = typeof e.code === 'string' ? e.code : '';
  if (LOST_SQLSTATES.has(code) || LOST_ERRNOS.has(code)) return true;
  return /Connection terminated|connection\b.*\bwas lost|Client has encountered a connection error|terminating connection due to|server closed the connection/i.test(String(e.message ?? ''));
}

/** "the connection to HOST:PORT was lost (why)" with the driver's words as the reason. */
export function connectionLostSentence(err: unknown, where: string): string {
  const msg = String((err as PgLikeError)?.message ?? err).split('\n')[0]?.trim() ?? '';
  const why = /administrator command/i.test(msg)
    ? 'the server ended the session: it was restarted or shut down, or the backend was terminated'
    : /Connection terminated unexpectedly|ECONNRESET|server closed/i.test(msg)
      ? 'the server closed it: it was restarted or stopped, or the network dropped it'
      : msg;
  return `the connection to ${where} was lost (${why})`;
}

function objectName(raw: string): string {
  return raw.replace(/^"(.*)"$/, '$1');
}

/**
 * A 42501 "permission denied" / "must be owner" as one sentence naming the privilege the role needs and the
 * GRANT that gives it; undefined for any other error. `sql` (the statement that failed) tells CREATE from use.
 */
export function explainPrivilegeError(err: unknown, role: string, sql?: string): string | undefined {
  const e = (err ?? {}) as PgLikeError;
  const msg = String(e.message ?? '');
  if (e.code !== '42501' && !/permission denied|must be owner/i.test(msg)) return undefined;
  const r = quoteIdent(role);
  const creates = /^\s*(CREATE|ALTER\s+TABLE\s+\S+\s+RENAME|SELECT\s+\*\s+INTO)/i.test(sql ?? '') || sql === undefined;
  let m: RegExpExecArray | null;
  if ((m = /permission denied for schema (\S+)/i.exec(msg))) {
    const s = objectName(m[1] ?? '');
    return creates
      ? `role "${role}" may not create objects in schema ${s} (needs CREATE on schema ${s}): GRANT CREATE ON SCHEMA ${quoteIdent(s)} TO ${r}, or run as a role that may`
      : `role "${role}" may not use schema ${s} (needs USAGE on schema ${s}): GRANT USAGE ON SCHEMA ${quoteIdent(s)} TO ${r}`;
  }
  if ((m = /permission denied for (table|relation|view|sequence) (\S+)/i.exec(msg))) {
    const kind = (m[1] ?? 'table').toLowerCase() === 'relation' ? 'table' : (m[1] ?? 'table').toLowerCase();
    const t = objectName(m[2] ?? '');
    const privs = kind === 'sequence' ? 'USAGE, SELECT and UPDATE' : 'SELECT, INSERT, UPDATE and DELETE';
    return `role "${role}" may not read or change ${kind} ${t} (needs ${privs} on it): GRANT ${privs.replace(' and ', ', ')} ON ${kind === 'sequence' ? 'SEQUENCE ' : ''}${quoteIdent(t)} TO ${r}, or run as its owner`;
  }
  if ((m = /must be owner of (\w+(?: \w+)?) (\S+)/i.exec(msg))) {
    return `role "${role}" is not the owner of ${m[1]} ${objectName(m[2] ?? '')}, and only its owner (or a member of the owning role) may alter or drop it: run as the owner`;
  }
  if ((m = /permission denied (?:for|to create) database (\S+)/i.exec(msg)) || /permission denied to create database/i.test(msg)) {
    const d = m?.[1] ? objectName(m[1]) : undefined;
    return d
      ? `role "${role}" may not create objects in database ${d} (needs CREATE on database ${d}): GRANT CREATE ON DATABASE ${quoteIdent(d)} TO ${r}`
      : `role "${role}" may not create databases (needs CREATEDB): ALTER ROLE ${r} CREATEDB, or use a role that has it`;
  }
  return `role "${role}" lacks a privilege this needs (${msg.split('\n')[0]}): grant it, or run as a role that has it`;
}
