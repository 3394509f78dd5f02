// What holds back cleanup: VACUUM may only remove rows deleted before the oldest snapshot anyone can still
// use (the xmin horizon). Whoever holds the oldest xmin — a long or idle-in-transaction session, a
// replication slot (physical or logical, active or not), a prepared transaction, a standby with
// hot_standby_feedback — keeps every dead row newer than it in every table. Each holder comes with its age in
// transactions and in time, and the SQL that would release it (text only: never run without asking).
import type { MaintenanceSettings } from '../../config';
import { formatCount, formatDuration, truncateSql } from '../../format';
import type { ReportFinding, Status } from '../../report/model';
import { quoteLiteral } from '../../sql/quote';
import type { QueryRunner } from '../../db/session';
import type { CheckResult, MaintenanceCheck } from './checkResult';

export type HolderKind = 'session' | 'prepared' | 'slot' | 'standby';

export interface HorizonHolder {
  kind: HolderKind;
  /** Session / standby: backend pid. */
  pid: number | null;
  /** Slot name, prepared transaction gid, standby application_name, or the session's user@database. */
  name: string;
  database: string | null;
  /** Age of the xmin it holds, in transactions. */
  xmin_age: number;
  /** How long it has held it, when Postgres tells (transaction start, prepare time); null for slots. */
  held_s: number | null;
  /** Session: state (active, idle in transaction...); slot: physical/logical; standby: replication state. */
  state: string | null;
  /** Slot: whether a consumer is connected now. */
  active: boolean | null;
  /** Session: the current or last statement; slot: the plugin; prepared: the owner. */
  detail: string | null;
  /** Slot: xmin from the logical catalog_xmin rather than xmin. */
  catalog: boolean;
}

export interface HorizonFacts {
  holders: HorizonHolder[];
  freezeMaxAge: number;
  /** This server's database, for "run ROLLBACK PREPARED in database X". */
  database: string;
}

function describeHolder(h: HorizonHolder): string {
  switch (h.kind) {
    case 'session':
      return `session ${h.pid} (${h.name}, ${h.state ?? 'unknown state'})`;
    case 'prepared':
      return `prepared transaction ${JSON.stringify(h.name)}${h.database ? ` in database ${h.database}` : ''}`;
    case 'slot':
      return `${h.active ? 'active' : 'inactive'} ${h.state ?? ''} replication slot ${JSON.stringify(h.name)}${h.catalog ? ' (catalog_xmin)' : ''}`.replace(/\s+/g, ' ');
    case 'standby':
      return `standby ${JSON.stringify(h.name)} (hot_standby_feedback, walsender ${h.pid})`;
  }
}

function holderAction(h: HorizonHolder, facts: HorizonFacts): Pick<ReportFinding, 'action' | 'sql'> {
  switch (h.kind) {
    case 'session':
      return {
        action:
          h.state?.startsWith('idle in transaction')
            ? 'The client opened a transaction and went quiet. Fix the client; end the session if it is abandoned (its open transaction is rolled back). Set idle_in_transaction_session_timeout as a safety net.'
            : 'A long transaction or query. Wait for it, or end it if it is a runaway (its transaction is rolled back).',
        sql: `SELECT pg_terminate_backend(${h.pid});`,
      };
    case 'prepared':
      return {
        action: `A two-phase transaction was prepared and never committed or rolled back; it survives restarts. If its coordinator is gone, roll it back${h.database && h.database !== facts.database ? ` — connected to database ${h.database}` : ''} (or COMMIT PREPARED if it must take effect).`,
        sql: `ROLLBACK PREPARED ${quoteLiteral(h.name)};`,
      };
    case 'slot':
      return h.active
        ? {
            action: h.detail?.startsWith('hot_standby_feedback')
              ? 'A long query on that standby holds this horizon through hot_standby_feedback. Find it in the standby\'s pg_stat_activity, or turn hot_standby_feedback off there (its queries may then be cancelled by replay conflicts).'
              : 'The slot is in use but its consumer is far behind: check the logical replication subscriber that reads it.',
          }
        : {
            action: 'Nobody reads this slot. If its standby or subscriber is gone for good, drop it (a new one can be created when the consumer returns; it then needs a fresh base backup or initial sync).',
            sql: `SELECT pg_drop_replication_slot(${quoteLiteral(h.name)});`,
          };
    case 'standby':
      return {
        action: 'A long query on the standby holds the primary\'s horizon through hot_standby_feedback. Find it in the standby\'s pg_stat_activity, or turn hot_standby_feedback off on the standby (its queries may then be cancelled by replay conflicts).',
      };
  }
}

export function assessHorizon(f: HorizonFacts, cfg: MaintenanceSettings): CheckResult {
  const holders = [...f.holders].sort((a, b) => b.xmin_age - a.xmin_age);
  const findings: ReportFinding[] = [];
  for (const h of holders) {
    const oldByTime = h.held_s !== null && h.held_s >= cfg.horizonSeconds;
    const oldByXids = h.xmin_age >= cfg.horizonXids;
    // An inactive slot is a finding of its own (maintenance.slot-inactive, which names the xmin it holds).
    if (h.kind === 'slot' && h.active === false) continue;
    if (!oldByTime && !oldByXids) continue;
    const severity: ReportFinding['severity'] = h.xmin_age >= f.freezeMaxAge / 2 ? 'error' : 'warning';
    const heldFor = h.held_s !== null ? ` for ${formatDuration(h.held_s)}` : '';
    findings.push({
      id: `maintenance.horizon-${h.kind}`,
      severity,
      title: `The ${describeHolder(h)}${h.kind === 'slot' && h.detail?.startsWith('hot_standby_feedback') ? ` (${h.detail})` : ''} holds back cleanup: xmin ${formatCount(h.xmin_age)} transactions old${heldFor}`,
      detail: `VACUUM cannot remove rows deleted or updated after this xmin ${(h.kind === 'session' || h.kind === 'prepared') && h.database ? `in database ${h.database} (and in the shared catalogs)` : 'in any database of the server'}, so dead rows and bloat accumulate everywhere while it is held; at ${formatCount(f.freezeMaxAge)} transactions (autovacuum_freeze_max_age) it also blocks freezing.${h.detail && h.kind !== 'slot' ? ` ${h.kind === 'session' ? 'Statement' : 'Owner'}: ${truncateSql(h.detail, 160)}.` : ''}`,
      ...holderAction(h, f),
      ...(h.kind === 'session' || h.kind === 'prepared' ? (h.database ? { object: { kind: 'database' as const, name: h.database } } : {}) : {}),
    });
  }
  const oldest = holders[0];
  const status: Status = findings.some((x) => x.severity === 'error') ? 'error' : findings.length ? 'warning' : 'ok';
  return {
    metrics: [
      {
        id: 'oldest-xmin',
        label: 'Oldest xmin (what VACUUM may not clean past)',
        value: oldest?.xmin_age ?? 0,
        display: oldest ? `${formatCount(oldest.xmin_age)} transactions (${describeHolder(oldest)})` : 'nothing holds an old snapshot',
        status,
      },
    ],
    findings,
    tables: [
      {
        id: 'xmin-holders',
        title: 'Who holds the xmin horizon (oldest first)',
        columns: [
          { key: 'holder', label: 'Holder' },
          { key: 'kind', label: 'Kind' },
          { key: 'age', label: 'Xmin age (transactions)', numeric: true },
          { key: 'held', label: 'Held for' },
          { key: 'detail', label: 'Detail' },
        ],
        rows: holders.slice(0, 30).map((h) => ({
          holder: describeHolder(h),
          kind: h.kind,
          age: h.xmin_age,
          held: h.held_s === null ? '' : formatDuration(h.held_s),
          detail: h.detail ? truncateSql(h.detail, 100) : '',
        })),
        emptyText: 'Nothing holds an old snapshot: VACUUM can remove every dead row.',
      },
    ],
  };
}

export async function fetchHorizonFacts(q: QueryRunner): Promise<HorizonFacts> {
  // Our own analysis transaction has an xmin too: pg_backend_pid() is excluded. Walsenders appear in
  // pg_stat_activity with the standby's feedback xmin; they are reported once, as standbys.
  const sessions = await q.query<HorizonHolder>(`
    SELECT 'session' AS kind, a.pid, coalesce(a.usename, '?') || '@' || coalesce(a.datname, '?') ||
             CASE WHEN coalesce(a.application_name, '') <> '' THEN ' ' || a.application_name ELSE '' END AS name,
           a.datname AS database, age(coalesce(a.backend_xmin, a.backend_xid))::float8 AS xmin_age,
           extract(epoch FROM now() - a.xact_start)::float8 AS held_s, a.state, NULL::boolean AS active,
           a.query AS detail, false AS catalog
      FROM pg_stat_activity a
     WHERE a.pid <> pg_backend_pid() AND coalesce(a.backend_xmin, a.backend_xid) IS NOT NULL
       AND a.backend_type NOT IN ('walsender', 'autovacuum worker')`);
  const prepared = await q.query<HorizonHolder>(`
    SELECT 'prepared' AS kind, NULL::int AS pid, gid AS name, database, age(transaction)::float8 AS xmin_age,
           extract(epoch FROM now() - prepared)::float8 AS held_s, 'prepared' AS state, NULL::boolean AS active,
           owner::text AS detail, false AS catalog
      FROM pg_prepared_xacts`);
  // A standby streaming through a slot reports its hot_standby_feedback xmin on the slot (and
  // pg_stat_replication.backend_xmin stays NULL): the slot's holder then names the standby.
  const slots = await q.query<HorizonHolder>(`
    SELECT 'slot' AS kind, s.active_pid AS pid, s.slot_name::text AS name, s.database::text AS database,
           greatest(age(s.xmin), age(s.catalog_xmin))::float8 AS xmin_age, NULL::float8 AS held_s, s.slot_type AS state,
           s.active,
           CASE WHEN s.slot_type = 'logical' THEN 'plugin ' || s.plugin
                WHEN r.pid IS NOT NULL AND s.xmin IS NOT NULL THEN 'hot_standby_feedback of standby ' || coalesce(nullif(r.application_name, ''), host(r.client_addr), 'unknown')
           END AS detail,
           s.xmin IS NULL AS catalog
      FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
     WHERE s.xmin IS NOT NULL OR s.catalog_xmin IS NOT NULL`);
  const standbys = await q.query<HorizonHolder>(`
    SELECT 'standby' AS kind, pid, coalesce(nullif(application_name, ''), host(client_addr), 'standby') AS name,
           NULL::text AS database, age(backend_xmin)::float8 AS xmin_age, NULL::float8 AS held_s, state,
           NULL::boolean AS active, NULL::text AS detail, false AS catalog
      FROM pg_stat_replication WHERE backend_xmin IS NOT NULL`);
  const [s] = await q.query<{ freeze: string; db: string }>(`SELECT current_setting('autovacuum_freeze_max_age') AS freeze, current_database() AS db`);
  return { holders: [...sessions, ...prepared, ...slots, ...standbys], freezeMaxAge: Number(s?.freeze ?? 200_000_000), database: s?.db ?? '' };
}

export const horizonCheck: MaintenanceCheck = {
  id: 'xmin-horizon',
  async run(q, ctx) {
    return assessHorizon(await fetchHorizonFacts(q), ctx.settings);
  },
};
