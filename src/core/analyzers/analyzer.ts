// The contract every analyzer follows: read-only units of work in, one report section out.
import type { AdvisorResult } from '../advisor/advisor';
import type { PgoptFile } from '../config';
import type { WithheldSetting } from '../project/workspaceTrust';
import type { Capabilities } from '../db/capabilities';
import { privilegeUnavailable } from '../db/capabilities';
import { CancelledError, type QueryRunner } from '../db/session';
import type { Snapshot } from '../metrics/snapshot';
import type { SnapshotStore } from '../metrics/snapshotStore';
import { worstStatus, type Metric, type ReportFinding, type ReportSection, type ReportTable, type Status, type Unavailable } from '../report/model';

export interface AnalyzerContext {
  caps: Capabilities;
  config: PgoptFile;
  signal?: AbortSignal;
  /** Runs fn in its own READ ONLY, time-bounded transaction that is rolled back afterwards. */
  readOnly<T>(fn: (q: QueryRunner) => Promise<T>): Promise<T>;
  /** Progress text for long analyzers. */
  progress?(message: string): void;
  /**
   * Where index advice comes from when not the default (runAdvisor with HypoPG in a read-only session):
   * e.g. the demo's scratch what-if engine on its throwaway database (`runScratchAdvisor`).
   */
  advise?(): Promise<AdvisorResult>;
  /** Stored snapshots of this connection, oldest first, when a snapshot store is at hand (growth across snapshots). */
  history?: readonly Snapshot[];
  /** The snapshot store itself, for the sections built from stored snapshots (Trends, What got slower). */
  snapshots?: SnapshotSource;
  /** pgopt.json keys the host did not pass on (an untrusted workspace's hosts): an analyzer that would have used
   * one says why it is not there (src/core/project/workspaceTrust.ts). */
  withheld?: readonly WithheldSetting[];
}

/** Where a connection's stored snapshots are: the extension's monitoring store or `pgopt analyze --store FILE`. */
export interface SnapshotSource {
  store: SnapshotStore;
  /** The connection's key in the store. */
  connection: string;
  /** "What got slower": the baseline is the oldest snapshot of the last sinceHours (default 24) ... */
  sinceHours?: number;
  /** ... or the first one at or after this server time. */
  atMs?: number;
}

export type SectionBody = Omit<ReportSection, 'id' | 'title' | 'durationMs'>;

export interface Analyzer {
  /** Section id used by `--sections` and the report. */
  id: string;
  title: string;
  description: string;
  /** `snapshots`: built from stored snapshots (ctx.snapshots), so it runs only when a store is at hand. */
  needs?: 'snapshots';
  /**
   * Mostly waiting (a sampling window between short read-only units): the report starts it and goes on with
   * the next sections, whose units interleave with its own on the one session; its section keeps its place.
   */
  overlaps?: true;
  run(ctx: AnalyzerContext): Promise<SectionBody>;
}

import type { Check, CheckResult } from './check';
export type { Check, CheckResult } from './check';

export interface ChecksOutcome extends Required<CheckResult> {
  /** Worst of the findings' severities and the metrics' statuses. */
  status: Status;
  /** Findings above info. */
  problems: number;
}

/**
 * Runs each check in its own read-only unit so one timeout or missing privilege does not hide the rest: a failed
 * check becomes one "unavailable" line naming it (cancellation still stops everything), and a role without
 * pg_monitor is said once up front.
 */
export async function runChecks<C>(ctx: AnalyzerContext, section: { id: string; title: string }, checks: readonly Check<C>[], checkCtx: C): Promise<ChecksOutcome> {
  const metrics: Metric[] = [];
  const findings: ReportFinding[] = [];
  const tables: ReportTable[] = [];
  const unavailable: Unavailable[] = [];
  const priv = privilegeUnavailable(ctx.caps);
  if (priv) unavailable.push(priv);
  for (const check of checks) {
    ctx.progress?.(`${section.id}: ${check.id}`);
    try {
      const r = await ctx.readOnly((q) => check.run(q, checkCtx));
      metrics.push(...(r.metrics ?? []));
      findings.push(...(r.findings ?? []));
      tables.push(...(r.tables ?? []));
      unavailable.push(...(r.unavailable ?? []));
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      unavailable.push({
        what: `${section.title} check "${check.id}"`,
        because: `it failed: ${(e as Error).message}`,
        toEnable: 'the error names what failed; a role with pg_monitor can read every statistics view',
      });
    }
  }
  const status = worstStatus([...findings.map((f) => f.severity), ...metrics.map((m) => m.status ?? 'ok')]);
  const problems = findings.filter((f) => f.severity !== 'info').length;
  return { metrics, findings, tables, unavailable, status, problems };
}
