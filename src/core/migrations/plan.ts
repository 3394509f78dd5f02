// What an up or down run would do, decided from a status alone (pure). The CLI prints this without
// --yes, the editor shows it in its confirmation, and the runner refuses to start while it has blockers.
import { generateDown } from './downGeneration';
import { compareVersions } from './versions';
import type { Migration, MigrationStatus } from './types';

export type UpTarget = { kind: 'all' } | { kind: 'to'; version: string } | { kind: 'one'; version: string };
export type DownTarget = { kind: 'last'; steps?: number } | { kind: 'to'; version: string };

export interface UpStep {
  migration: Migration;
  /** Statement index a re-run resumes at (a migration interrupted outside a transaction). */
  resumeAt: number;
  /** Failed before (in a transaction: nothing of it stayed) and is retried. */
  retry: boolean;
  /** The previous run stopped without recording an error (killed, server down): the statement at
   * resumeAt may have completed without being recorded. */
  interrupted: boolean;
}

export interface DownStep {
  version: string;
  name: string;
  sql: string;
  /** True when the down SQL was generated from the up SQL (no down file/section). */
  generated: boolean;
  /** The migration record's up SQL was used because the file changed or is gone. */
  fromAppliedSql: boolean;
}

export interface Plan<S> {
  steps: S[];
  /** Reasons the run must not start; empty when it may. */
  blockers: string[];
  warnings: string[];
}

export interface PlanOptions {
  /** Apply pending migrations older than the newest applied one (default: refuse). */
  allowOutOfOrder?: boolean;
  /** Apply even though an applied migration's file changed (default: refuse). */
  allowDrift?: boolean;
}

function foreignBlocker(status: MigrationStatus): string | undefined {
  if (!status.readOnly) return undefined;
  return `this database is tracked by ${status.source} (${status.table}); pgopt only reads another tool's table and does not take it over. Keep using ${status.source} to apply, or configure a pgopt tracking table on a database that is not managed by it.`;
}

export function planUp(status: MigrationStatus, target: UpTarget = { kind: 'all' }, opts: PlanOptions = {}): Plan<UpStep> {
  const blockers: string[] = [];
  const warnings: string[] = [];
  const foreign = foreignBlocker(status);
  if (foreign) blockers.push(foreign);
  for (const p of status.problems) (p.severity === 'error' ? blockers : warnings).push(p.message);
  for (const e of status.entries) {
    if (e.state === 'drifted' && !opts.allowDrift) blockers.push(`${e.version} ${e.name}: ${e.detail ?? 'drifted'}. Restore the file as it was applied, or pass allow-drift.`);
    if (e.state === 'missing') warnings.push(`${e.version}: ${e.detail ?? 'file missing'}`);
  }
  const candidates = status.entries.filter(
    (e) => e.migration && (e.state === 'pending' || e.state === 'failed') && !(e.applied?.dirty),
  );
  let chosen = candidates;
  if (target.kind === 'to') {
    if (!status.entries.some((e) => e.migration && compareVersions(e.version, target.version) === 0)) blockers.push(`no migration has version ${target.version}`);
    chosen = candidates.filter((e) => !e.repeatable && compareVersions(e.version, target.version) <= 0);
  } else if (target.kind === 'one') {
    const e = status.entries.find((x) => compareVersions(x.version, target.version) === 0 || x.version === target.version);
    if (!e?.migration) blockers.push(`no migration has version ${target.version}`);
    else if (e.state !== 'pending' && e.state !== 'failed') blockers.push(`${e.version} is ${e.state}, not pending`);
    chosen = candidates.filter((x) => x === e);
  }
  const steps: UpStep[] = [];
  for (const e of chosen) {
    const m = e.migration as Migration;
    if (e.outOfOrder && !opts.allowOutOfOrder) {
      blockers.push(`${e.version} ${e.name} is pending but older than the newest applied migration (${e.detail ?? ''}); pass allow-out-of-order to apply it anyway`);
      continue;
    }
    let resumeAt = 0;
    const log = e.applied?.log;
    if (e.state === 'failed' && log?.mode === 'statements' && log.completed > 0) {
      if (e.applied?.checksum !== m.checksum) {
        blockers.push(`${e.version} ${e.name} stopped after ${log.completed} of ${log.total} statements outside a transaction, and its file changed since: pgopt cannot tell which statements already ran. Restore the file, or finish the change by hand and fix the row in the tracking table.`);
        continue;
      }
      resumeAt = log.completed;
    }
    steps.push({ migration: m, resumeAt, retry: e.state === 'failed', interrupted: e.state === 'failed' && !!log && !log.failed });
  }
  return { steps, blockers, warnings };
}

export function planDown(status: MigrationStatus, target: DownTarget = { kind: 'last' }): Plan<DownStep> {
  const blockers: string[] = [];
  const warnings: string[] = [];
  const foreign = foreignBlocker(status);
  if (foreign) blockers.push(foreign);
  const done = status.entries
    .filter((e) => !e.repeatable && e.applied && (e.state === 'applied' || e.state === 'drifted' || e.state === 'missing' || e.state === 'failed'))
    .sort((a, b) => compareVersions(b.version, a.version));
  let chosen = done;
  if (target.kind === 'last') chosen = done.slice(0, Math.max(1, target.steps ?? 1));
  else {
    if (!status.entries.some((e) => compareVersions(e.version, target.version) === 0) && target.version !== '0') blockers.push(`no migration has version ${target.version}`);
    chosen = done.filter((e) => compareVersions(e.version, target.version) > 0);
  }
  const steps: DownStep[] = [];
  for (const e of chosen) {
    if (e.state === 'failed') {
      blockers.push(`${e.version} ${e.name} failed (${e.detail ?? ''}): re-run up to finish it before rolling back`);
      continue;
    }
    const m = e.migration;
    if (m?.downSql !== undefined && m.downSql.trim() !== '') {
      if (e.state === 'drifted') warnings.push(`${e.version}: the file changed after it was applied; its down SQL may not match what was applied`);
      steps.push({ version: e.version, name: e.name, sql: m.downSql, generated: false, fromAppliedSql: false });
      continue;
    }
    const fromApplied = e.state !== 'applied' || !m;
    const up = fromApplied ? e.applied?.upSql : m.upSql;
    if (up === undefined) {
      blockers.push(`${e.version}: no down SQL and the applied SQL is not recorded, so none can be generated`);
      continue;
    }
    const gen = generateDown(up);
    if (!gen.ok) {
      blockers.push(`${e.version} ${e.name}: no down SQL, and it cannot be generated: ${gen.refusals.map((r) => `statement ${r.index + 1} (${oneLine(r.sql)}): ${r.reason}`).join('; ')}`);
      continue;
    }
    steps.push({ version: e.version, name: e.name, sql: gen.sql, generated: true, fromAppliedSql: fromApplied });
  }
  if (done.length === 0 && blockers.length === 0) warnings.push('nothing is applied: nothing to roll back');
  return { steps, blockers, warnings };
}

function oneLine(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}
