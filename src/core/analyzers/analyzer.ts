// The contract every analyzer follows: read-only units of work in, one report section out.
import type { AdvisorResult } from '../advisor/advisor';
import type { PgoptFile } from '../config';
import type { Capabilities } from '../db/capabilities';
import type { QueryRunner } from '../db/session';
import type { Snapshot } from '../metrics/snapshot';
import type { ReportSection } from '../report/model';

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
}

export type SectionBody = Omit<ReportSection, 'id' | 'title' | 'durationMs'>;

export interface Analyzer {
  /** Section id used by `--sections` and the report. */
  id: string;
  title: string;
  description: string;
  run(ctx: AnalyzerContext): Promise<SectionBody>;
}
