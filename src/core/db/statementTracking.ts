// Turning pg_stat_statements off for the rest of the current transaction, where the role may. The marker
// (markedClient.ts) separates the tool's own statements, but not the statements the tool plans or runs on
// the user's behalf: with pg_stat_statements.track = all, the statement inside an EXPLAIN (or a PREPAREd
// one) is recorded under the user's statement's queryid, so every what-if plan added a call to it (6 real
// calls were counted as 143), and every distinct EXPLAIN text became a new entry. What-if, integrity and
// EXPLAIN work therefore first run `set_config('pg_stat_statements.track', 'none', true)` when allowed:
// pg_stat_statements.track is PGC_SUSET, so a superuser, or since PostgreSQL 15 a role granted SET on it
// (GRANT SET ON PARAMETER pg_stat_statements.track TO …). Never fails: without the right it reports why.
import type { QueryRunner } from './session';

export type TrackingPause =
  /** Tracking is off for the rest of this transaction. */
  | 'paused'
  /** pg_stat_statements is not loaded, or its track is already none: nothing to do. */
  | 'not-tracking'
  /** track is top (the default): nested statements are not recorded, the top-level ones carry the marker. */
  | 'top-level-only'
  /** track = all and the role may not change it: nested statements are recorded. */
  | 'not-allowed';

/**
 * In the caller's transaction (its effect ends with it). With track = top, nested statements are not
 * recorded anyway; the pause is still taken when allowed (fewer entries), and reported as top-level-only
 * when not.
 */
export async function pauseStatementTracking(q: QueryRunner, serverVersionNum: number): Promise<TrackingPause> {
  const allowed =
    serverVersionNum >= 150000
      ? `COALESCE((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user), false) OR has_parameter_privilege('pg_stat_statements.track', 'SET')`
      : `COALESCE((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user), false)`;
  // CASE evaluates in order: has_parameter_privilege only runs when the setting exists. Under a savepoint,
  // so that even an unforeseen refusal leaves the caller's transaction usable.
  await q.query('SAVEPOINT pgopt_track');
  try {
    // pg_qualstats samples the predicates of executed statements (the integrity scans): off too, where it may be.
    const [row] = await q.query<{ outcome: TrackingPause; qualstats: string | null }>(
      `SELECT CASE WHEN current_setting('pg_stat_statements.track', true) IS NULL OR current_setting('pg_stat_statements.track', true) = 'none' THEN 'not-tracking'
                   WHEN NOT (${allowed}) THEN CASE WHEN current_setting('pg_stat_statements.track', true) = 'all' THEN 'not-allowed' ELSE 'top-level-only' END
                   WHEN set_config('pg_stat_statements.track', 'none', true) = 'none' THEN 'paused'
                   ELSE 'not-allowed' END AS outcome,
              CASE WHEN current_setting('pg_qualstats.enabled', true) IS DISTINCT FROM 'on' THEN NULL
                   WHEN (SELECT context FROM pg_catalog.pg_settings WHERE name = 'pg_qualstats.enabled') = 'user'
                     OR COALESCE((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user), false)
                   THEN set_config('pg_qualstats.enabled', 'off', true) END AS qualstats`,
    );
    await q.query('RELEASE SAVEPOINT pgopt_track');
    return row?.outcome ?? 'not-allowed';
  } catch {
    await q.query('ROLLBACK TO SAVEPOINT pgopt_track');
    await q.query('RELEASE SAVEPOINT pgopt_track');
    return 'not-allowed';
  }
}

/** One sentence for a report or the advise output; undefined when there is nothing to say. */
export function describeTrackingPause(p: TrackingPause): string | undefined {
  if (p !== 'not-allowed') return undefined;
  return "pg_stat_statements.track = all and this role may not turn it off for pgopt's work, so the statements pgopt plans count its EXPLAINs as calls; a superuser can run GRANT SET ON PARAMETER pg_stat_statements.track TO this role (PostgreSQL 15+)";
}
