// Replication: on a primary, each standby's state and write/flush/replay lag (pg_stat_replication); on a
// standby, its WAL receiver, replay lag and the recovery-conflict counters (queries cancelled by replay).
// Slots and the WAL they retain are in space.ts.
import type { MaintenanceSettings } from '../../config';
import { formatBytes, formatCount, formatDuration } from '../../format';
import type { Metric, ReportFinding, ReportTable } from '../../report/model';
import type { QueryRunner } from '../../db/session';
import type { CheckResult, MaintenanceCheck } from './checkResult';

export interface StandbyRow {
  pid: number;
  name: string;
  client: string | null;
  state: string | null;
  sync_state: string | null;
  sent_lag_bytes: number | null;
  write_lag_bytes: number | null;
  flush_lag_bytes: number | null;
  replay_lag_bytes: number | null;
  write_lag_s: number | null;
  flush_lag_s: number | null;
  replay_lag_s: number | null;
  feedback_xmin: boolean;
  reply_age_s: number | null;
}

export interface StandbySideFacts {
  receiver: { status: string; sender: string | null; slot: string | null; last_msg_age_s: number | null } | null;
  receive_replay_bytes: number | null;
  /** now() − pg_last_xact_replay_timestamp(); meaningless when the primary is idle (receive = replay). */
  replay_age_s: number | null;
  replay_paused: boolean;
  hot_standby_feedback: boolean;
  conflicts: { tablespace: number; lock: number; snapshot: number; bufferpin: number; deadlock: number } | null;
}

export type ReplicationFacts = { role: 'primary'; standbys: StandbyRow[] } | { role: 'standby'; standby: StandbySideFacts };

const lagCell = (bytes: number | null, s: number | null): string => `${bytes === null ? '—' : formatBytes(bytes)}${s === null ? '' : ` / ${formatDuration(s)}`}`;

export function assessReplication(f: ReplicationFacts, cfg: MaintenanceSettings): CheckResult {
  const findings: ReportFinding[] = [];
  const metrics: Metric[] = [];
  const tables: ReportTable[] = [];
  if (f.role === 'primary') {
    for (const s of f.standbys) {
      if (s.state !== 'streaming') {
        findings.push({
          id: 'maintenance.standby-not-streaming',
          severity: 'warning',
          title: `Standby ${s.name} is ${s.state ?? 'in an unknown state'}, not streaming`,
          detail: `${s.state === 'catchup' ? 'It is catching up after a disconnect or a restart.' : s.state === 'backup' ? 'A base backup is being taken over this connection.' : 'It is connected but not yet replicating.'} Replay lag ${lagCell(s.replay_lag_bytes, s.replay_lag_s)}.`,
          action: 'Watch it catch up; if it does not, check the standby\'s log.',
        });
      } else if ((s.replay_lag_s ?? 0) >= cfg.replicationLagSeconds || (s.replay_lag_bytes ?? 0) >= cfg.slotRetainedBytes) {
        findings.push({
          id: 'maintenance.standby-lag',
          severity: 'warning',
          title: `Standby ${s.name} is ${lagCell(s.replay_lag_bytes, s.replay_lag_s)} behind (replay)`,
          detail: `Write lag ${lagCell(s.write_lag_bytes, s.write_lag_s)}, flush lag ${lagCell(s.flush_lag_bytes, s.flush_lag_s)}. Reads on the standby return old data${s.sync_state === 'sync' ? ', and as a synchronous standby it slows every commit here' : ''}.`,
          action: 'If write/flush lag is small but replay lag large, the standby replays slowly or waits on its own queries (max_standby_streaming_delay); if write lag is large, look at the network or the standby\'s disk.',
        });
      }
    }
    const worst = f.standbys.reduce<number | null>((m, s) => (s.replay_lag_s === null ? m : Math.max(m ?? 0, s.replay_lag_s)), null);
    metrics.push({ id: 'replication-role', label: 'Replication role', value: 'primary', display: f.standbys.length ? `primary with ${f.standbys.length} standby${f.standbys.length > 1 ? 's' : ''}` : 'primary, no standby connected' });
    if (f.standbys.length) metrics.push({ id: 'replication-lag', label: 'Largest replay lag', value: worst, display: worst === null ? 'unknown' : formatDuration(worst), status: findings.length ? 'warning' : 'ok' });
    tables.push({
      id: 'standbys',
      title: 'Standbys (pg_stat_replication): lag in bytes / time',
      columns: [
        { key: 'standby', label: 'Standby' },
        { key: 'state', label: 'State' },
        { key: 'sync', label: 'Sync' },
        { key: 'sent', label: 'Not yet sent' },
        { key: 'write', label: 'Write lag' },
        { key: 'flush', label: 'Flush lag' },
        { key: 'replay', label: 'Replay lag' },
        { key: 'feedback', label: 'hot_standby_feedback' },
      ],
      rows: f.standbys.map((s) => ({
        standby: `${s.name}${s.client ? ` (${s.client})` : ''}`,
        state: s.state,
        sync: s.sync_state,
        sent: s.sent_lag_bytes === null ? '' : formatBytes(s.sent_lag_bytes),
        write: lagCell(s.write_lag_bytes, s.write_lag_s),
        flush: lagCell(s.flush_lag_bytes, s.flush_lag_s),
        replay: lagCell(s.replay_lag_bytes, s.replay_lag_s),
        feedback: s.feedback_xmin ? 'on (holds an xmin)' : '',
      })),
      emptyText: 'No standby is connected to this server.',
    });
    return { metrics, findings, tables };
  }
  const s = f.standby;
  const behind = (s.receive_replay_bytes ?? 0) > 0;
  const lagS = behind ? s.replay_age_s : 0;
  if (!s.receiver || s.receiver.status !== 'streaming') {
    findings.push({
      id: 'maintenance.standby-receiver',
      severity: 'warning',
      title: s.receiver ? `This standby's WAL receiver is ${s.receiver.status}` : 'This standby has no WAL receiver: it is not streaming from a primary',
      detail: 'It replays only what reaches it by other means (restore_command from an archive), so it falls behind.',
      action: 'Check primary_conninfo and the primary\'s pg_hba.conf / replication slot, and the standby\'s log.',
    });
  }
  if (s.replay_paused) {
    findings.push({
      id: 'maintenance.standby-replay-paused',
      severity: 'warning',
      title: 'WAL replay is paused on this standby',
      detail: 'Someone ran pg_wal_replay_pause(): WAL is received but not applied, so the standby falls further behind and the primary keeps the WAL.',
      action: 'Resume replay when whatever needed the pause is done.',
      sql: 'SELECT pg_wal_replay_resume();',
    });
  }
  if (lagS !== null && lagS >= cfg.replicationLagSeconds) {
    findings.push({
      id: 'maintenance.standby-replay-lag',
      severity: 'warning',
      title: `This standby replays ${formatDuration(lagS)} behind what it has received`,
      detail: `${formatBytes(s.receive_replay_bytes)} received but not yet replayed. Long queries here delay replay up to max_standby_streaming_delay, or replay itself is slow.`,
      action: 'Look for long queries on this standby and at its I/O.',
    });
  }
  const c = s.conflicts;
  const totalConflicts = c ? c.tablespace + c.lock + c.snapshot + c.bufferpin + c.deadlock : 0;
  if (c && totalConflicts > 0) {
    findings.push({
      id: 'maintenance.standby-conflicts',
      severity: 'info',
      title: `${formatCount(totalConflicts)} queries on this standby were cancelled by replay conflicts`,
      detail: `Snapshot ${c.snapshot}, lock ${c.lock}, buffer pin ${c.bufferpin}, deadlock ${c.deadlock}, tablespace ${c.tablespace} (pg_stat_database_conflicts, this database). hot_standby_feedback is ${s.hot_standby_feedback ? 'on' : 'off'}.`,
      action: s.hot_standby_feedback
        ? 'Snapshot conflicts remain possible with feedback on (e.g. after a disconnect); lock conflicts come from the primary\'s ACCESS EXCLUSIVE locks (DDL, VACUUM truncating a table).'
        : 'Turn hot_standby_feedback on (the primary then keeps rows these queries need, at the cost of some bloat there) or raise max_standby_streaming_delay.',
    });
  }
  metrics.push({ id: 'replication-role', label: 'Replication role', value: 'standby', display: `standby${s.receiver ? ` of ${s.receiver.sender ?? 'a primary'} (${s.receiver.status})` : ', not streaming'}` });
  metrics.push({ id: 'replication-lag', label: 'Replay lag', value: lagS, display: lagS === null ? 'unknown' : `${formatDuration(lagS)} (${formatBytes(s.receive_replay_bytes)} received, not replayed)`, status: findings.some((x) => x.id === 'maintenance.standby-replay-lag') ? 'warning' : 'ok' });
  tables.push({
    id: 'standby-status',
    title: 'This standby',
    columns: [
      { key: 'what', label: '' },
      { key: 'value', label: 'Value' },
    ],
    rows: [
      { what: 'WAL receiver', value: s.receiver ? `${s.receiver.status} from ${s.receiver.sender ?? 'unknown'}${s.receiver.slot ? ` (slot ${s.receiver.slot})` : ''}` : 'none' },
      { what: 'Last message from the primary', value: s.receiver?.last_msg_age_s == null ? 'unknown' : `${formatDuration(s.receiver.last_msg_age_s)} ago` },
      { what: 'Received, not replayed', value: formatBytes(s.receive_replay_bytes) },
      { what: 'Last replayed transaction', value: s.replay_age_s === null ? 'none yet' : `${formatDuration(s.replay_age_s)} ago` },
      { what: 'Replay paused', value: s.replay_paused },
      { what: 'hot_standby_feedback', value: s.hot_standby_feedback },
      { what: 'Recovery conflicts (this database)', value: c ? totalConflicts : 'unknown' },
    ],
    emptyText: '',
  });
  return { metrics, findings, tables };
}

export async function fetchReplicationFacts(q: QueryRunner, serverVersionNum = 150000): Promise<ReplicationFacts> {
  const [r] = await q.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
  if (!r?.standby) {
    const standbys = await q.query<StandbyRow>(`
      SELECT pid, coalesce(nullif(application_name, ''), 'walreceiver') AS name, host(client_addr) AS client, state, sync_state,
             pg_wal_lsn_diff(pg_current_wal_lsn(), sent_lsn)::float8 AS sent_lag_bytes,
             pg_wal_lsn_diff(pg_current_wal_lsn(), write_lsn)::float8 AS write_lag_bytes,
             pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn)::float8 AS flush_lag_bytes,
             pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS replay_lag_bytes,
             extract(epoch FROM write_lag)::float8 AS write_lag_s, extract(epoch FROM flush_lag)::float8 AS flush_lag_s,
             extract(epoch FROM replay_lag)::float8 AS replay_lag_s,
             -- Through a slot, the feedback xmin is kept on the slot and backend_xmin stays NULL.
             backend_xmin IS NOT NULL OR EXISTS (SELECT 1 FROM pg_replication_slots s WHERE s.active_pid = r.pid AND s.xmin IS NOT NULL) AS feedback_xmin,
             ${serverVersionNum >= 120000 ? 'extract(epoch FROM now() - reply_time)::float8' : 'NULL::float8'} AS reply_age_s
        FROM pg_stat_replication r ORDER BY replay_lag DESC NULLS LAST, name`);
    return { role: 'primary', standbys };
  }
  const [receiver] = await q.query<{ status: string; sender: string | null; slot: string | null; last_msg_age_s: number | null }>(`
    SELECT status, sender_host || ':' || sender_port AS sender, slot_name AS slot,
           extract(epoch FROM now() - last_msg_receipt_time)::float8 AS last_msg_age_s
      FROM pg_stat_wal_receiver`);
  const [st] = await q.query<{ receive_replay_bytes: number | null; replay_age_s: number | null; paused: boolean; feedback: string }>(`
    SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8 AS receive_replay_bytes,
           extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS replay_age_s,
           pg_is_wal_replay_paused() AS paused, current_setting('hot_standby_feedback') AS feedback`);
  const [c] = await q.query<{ tablespace: number; lock: number; snapshot: number; bufferpin: number; deadlock: number }>(`
    SELECT confl_tablespace::float8 AS tablespace, confl_lock::float8 AS lock, confl_snapshot::float8 AS snapshot,
           confl_bufferpin::float8 AS bufferpin, confl_deadlock::float8 AS deadlock
      FROM pg_stat_database_conflicts WHERE datname = current_database()`);
  return {
    role: 'standby',
    standby: {
      receiver: receiver ?? null,
      receive_replay_bytes: st?.receive_replay_bytes ?? null,
      replay_age_s: st?.replay_age_s ?? null,
      replay_paused: st?.paused ?? false,
      hot_standby_feedback: st?.feedback === 'on',
      conflicts: c ?? null,
    },
  };
}

export const replicationCheck: MaintenanceCheck = {
  id: 'replication',
  async run(q, ctx) {
    return assessReplication(await fetchReplicationFacts(q, ctx.caps.serverVersionNum), ctx.settings);
  },
};
