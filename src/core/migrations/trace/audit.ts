// A migration trace on the target is a write under the access policy (action trace-on-target): its statements
// run and take their locks on the target, inside one transaction that is always rolled back. Both hosts record it
// in the audit log with these fields and this outcome.
import type { TraceMigration, TraceResult } from './types';

/** What a trace on the target ran, for its audit record: the migrations' SQL, inside a transaction rolled back. */
export function traceAuditFields(migrations: TraceMigration[]): { version?: string; name?: string; sql: string } {
  const one = migrations.length === 1 ? migrations[0] : undefined;
  return {
    ...(one ? { version: one.version, name: one.name } : {}),
    sql: [`-- migration trace, in one transaction that is rolled back: ${migrations.map((m) => `${m.version} ${m.name}`).join(', ')}`, ...migrations.map((m) => m.sql.trim())].join('\n'),
  };
}

/** A trace is a failed write only when it was cancelled or its transaction was not rolled back (a failing statement is its finding). */
export function traceOutcome(r: TraceResult): { ok: boolean; error?: string } {
  if (!r.rolledBack) return { ok: false, error: 'the trace transaction could not be rolled back' };
  if (r.cancelled) return { ok: false, error: 'cancelled' };
  return { ok: true };
}
