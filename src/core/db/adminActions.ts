// The few actions that change server state on purpose: cancel / terminate a backend and reset the
// pg_stat_statements statistics. Callers ask the user first (editor) and log what was done. None writes
// table data, so they run in the READ ONLY session with its timeouts; a missing privilege comes back as a
// message that says which privilege, not as a raw error.
import type { Capabilities } from './capabilities';
import { quoteIdent } from '../sql/quote';
import type { QueryRunner } from './session';

export type AdminOutcome = { ok: true; message: string } | { ok: false; message: string; reason: 'privilege' | 'gone' | 'unavailable' | 'error' | 'policy' };

export type BackendSignal = 'cancel' | 'terminate';

export async function signalBackend(q: QueryRunner, pid: number, signal: BackendSignal): Promise<AdminOutcome> {
  if (!Number.isInteger(pid) || pid <= 0) return { ok: false, reason: 'error', message: `${String(pid)} is not a backend process id.` };
  const fn = signal === 'cancel' ? 'pg_cancel_backend' : 'pg_terminate_backend';
  const [self] = await q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  if (self?.pid === pid) return { ok: false, reason: 'error', message: `Backend ${pid} is this extension's own session.` };
  try {
    const [r] = await q.query<{ done: boolean }>(`SELECT ${fn}($1) AS done`, [pid]);
    if (r?.done) {
      return { ok: true, message: signal === 'cancel' ? `Sent a cancel to backend ${pid}: its running statement stops; the session stays.` : `Terminated backend ${pid}: the session ended and its open transaction was rolled back.` };
    }
    return { ok: false, reason: 'gone', message: `Backend ${pid} is not running any more (or is not a PostgreSQL backend).` };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === '42501') {
      return {
        ok: false,
        reason: 'privilege',
        message: `Not permitted to ${signal} backend ${pid}: ${err.message ?? 'permission denied'}. A role may ${signal} only backends of roles it is a member of; pg_signal_backend (or a superuser) may signal any non-superuser backend.`,
      };
    }
    throw e;
  }
}

export async function resetStatementStats(q: QueryRunner, caps: Capabilities): Promise<AdminOutcome> {
  const pgss = caps.extensions.pg_stat_statements;
  if (!pgss.usable) {
    return { ok: false, reason: 'unavailable', message: `pg_stat_statements is not usable: ${pgss.unavailable?.because ?? 'unknown'}. To enable it: ${pgss.unavailable?.toEnable ?? 'see the docs'}.` };
  }
  const schema = quoteIdent(pgss.schema ?? 'public');
  // pg_stat_statements 1.11 (PostgreSQL 17) added minmax_only: the GRANT must name the installed signature.
  const [major = 0, minor = 0] = (pgss.version ?? '').split('.').map(Number);
  const signature = major > 1 || (major === 1 && minor >= 11) ? '(oid, oid, bigint, boolean)' : '(oid, oid, bigint)';
  try {
    await q.query(`SELECT ${schema}.pg_stat_statements_reset()`);
    return { ok: true, message: 'Query statistics (pg_stat_statements) were reset for the whole server.' };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === '42501') {
      return {
        ok: false,
        reason: 'privilege',
        message: `Not permitted to reset query statistics: ${err.message ?? 'permission denied'}. By default only superusers may call pg_stat_statements_reset(); an administrator can GRANT EXECUTE ON FUNCTION ${schema}.pg_stat_statements_reset${signature} TO ${quoteIdent(caps.currentUser)}.`,
      };
    }
    throw e;
  }
}
