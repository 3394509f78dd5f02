// What kind of SQL a finding carries, for the report webview (through protocol.ts) and the Analysis tree. Its own
// module without zod, so the activation bundle (the tree) does not load the protocol's schemas.

/**
 * A call of a server administration function (end a session, drop a replication slot, resume replay, reset
 * statistics…): SQL to run by hand after thinking, never offered as Explain (Explain ANALYZE would execute it)
 * nor as a migration.
 */
export function isAdminCall(sql: string): boolean {
  return /\bpg_(terminate_backend|cancel_backend|drop_replication_slot|wal_replay_(resume|pause)|reload_conf|rotate_logfile|stat_reset\w*|stat_statements_reset|qualstats_reset|switch_wal|promote|create_\w*replication_slot|advisory_unlock\w*)\s*\(/i.test(sql);
}

/** A finding's SQL is a statement to explain (query / DML), not a fix to ship as a migration. */
export function isQueryStatement(sql: string): boolean {
  return !isAdminCall(sql) && /^\s*(\(\s*)*(SELECT|WITH|INSERT|UPDATE|DELETE|MERGE|VALUES|TABLE)\b/i.test(sql);
}
