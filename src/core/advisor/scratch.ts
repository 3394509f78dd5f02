// The advisor with the scratch what-if engine, on its own connection: BEGIN (writable), bounded
// timeouts, runAdvisor building real indexes, then ROLLBACK — always, also on error or cancel. Only for a
// demo/scratch database or with the user's explicit consent (`pgopt advise --scratch-whatif`): building
// real indexes costs time and holds a SHARE lock on each table while the transaction lasts.
import { probeCapabilities } from '../db/capabilities';
import { cancelRunningQuery, openClient, type ConnectOptions } from '../db/connect';
import type { ConnectionSpec } from '../db/connectionSpec';
import type { QueryRunner } from '../db/session';
import { runAdvisor, type AdvisorOptions, type AdvisorResult } from './advisor';

export interface ScratchAdvisorOptions extends Omit<AdvisorOptions, 'scratchConsent'> {
  /** Per statement (each real CREATE INDEX is one). Default 5 min. */
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
  connect?: ConnectOptions;
}

export async function runScratchAdvisor(spec: ConnectionSpec, opts: ScratchAdvisorOptions = {}): Promise<AdvisorResult> {
  const client = await openClient(spec, opts.connect ?? {});
  const q: QueryRunner = { query: async <R extends object>(sql: string, params?: unknown[]): Promise<R[]> => (await client.query<R>(sql, params)).rows };
  const onAbort = (): void => {
    void cancelRunningQuery(client, spec);
  };
  try {
    await client.query('BEGIN');
    try {
      await client.query(`SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true), set_config('application_name', 'pgopt scratch what-if', true)`, [
        `${opts.statementTimeoutMs ?? 300_000}ms`,
        `${opts.lockTimeoutMs ?? 2_000}ms`,
      ]);
      // runAdvisor keeps its CREATE INDEX / EXPLAIN statements out of pg_stat_statements where the role may
      // (db/statementTracking.ts); every statement carries the /* pgopt */ marker anyway.
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const caps = await probeCapabilities(q);
      return await runAdvisor(q, caps, { ...opts, scratchConsent: true });
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      await client.query('ROLLBACK').catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
