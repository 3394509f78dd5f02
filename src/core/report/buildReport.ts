// Runs analyzers against a session and assembles the report model. An analyzer that fails becomes a
// section with an error; the others still render.
import type { Analyzer, AnalyzerContext } from '../analyzers/analyzer';
import type { PgoptFile } from '../config';
import { probeCapabilities, summarizeCapabilities, type Capabilities } from '../db/capabilities';
import { describeTarget } from '../db/connectionSpec';
import { CancelledError, type DbSession } from '../db/session';
import { dedupeFindings } from './dedupeFindings';
import { summarize, type Report, type ReportSection } from './model';
import { withPoolerInConnections } from './subsections';
import { TOOL_VERSION } from '../version';


export interface BuildReportOptions {
  analyzers: readonly Analyzer[];
  config?: PgoptFile;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** Called after each analyzer with the report so far and the titles of the analyzers still to run, so a
   * host can show sections as they finish (the report streams in). */
  onSection?: (partial: Report, pending: string[]) => void;
  /** Reuse an earlier probe. */
  caps?: Capabilities;
  /** Index advice from elsewhere than HypoPG in the read-only session (see AnalyzerContext.advise). */
  advise?: AnalyzerContext['advise'];
  /** Stored snapshots of this connection, oldest first (see AnalyzerContext.history). */
  history?: AnalyzerContext['history'];
  /** The connection's snapshot store, for the snapshot sections (see AnalyzerContext.snapshots). */
  snapshots?: AnalyzerContext['snapshots'];
  /** pgopt.json keys the host did not pass on (see AnalyzerContext.withheld). */
  withheld?: AnalyzerContext['withheld'];
  now?: () => Date;
}

export async function buildReport(session: DbSession, opts: BuildReportOptions): Promise<Report> {
  const signal = opts.signal;
  const caps = opts.caps ?? (await session.readOnly((q) => probeCapabilities(q), signal ? { signal } : {}));
  const sections: ReportSection[] = [];
  const head = (): Omit<Report, 'sections' | 'summary'> => ({
    schemaVersion: 1,
    title: `Postgres Optimizer report — ${caps.database}`,
    generatedAt: (opts.now?.() ?? new Date()).toISOString(),
    tool: { name: 'pgopt', version: TOOL_VERSION },
    connection: { name: session.spec.name, target: describeTarget(session.spec), serverVersion: caps.serverVersion, database: caps.database },
    capabilities: summarizeCapabilities(caps),
  });
  const streamed = (): void => {
    if (!opts.onSection) return;
    const pending = opts.analyzers.slice(sections.length).map((a) => a.title);
    const soFar = withPoolerInConnections(dedupeFindings([...sections]).sections);
    opts.onSection({ ...head(), sections: soFar, summary: summarize(soFar) }, pending);
  };
  const runOne = async (analyzer: Analyzer): Promise<ReportSection> => {
    const started = performance.now();
    try {
      const body = await analyzer.run({
        caps,
        config: opts.config ?? {},
        ...(signal ? { signal } : {}),
        // JIT off: the analyzers' catalog queries are planned at huge costs and compiling them costs more than it saves.
        readOnly: (fn) => session.readOnly(fn, { jit: false, ...(signal ? { signal } : {}) }),
        ...(opts.onProgress ? { progress: opts.onProgress } : {}),
        ...(opts.advise ? { advise: opts.advise } : {}),
        ...(opts.history ? { history: opts.history } : {}),
        ...(opts.snapshots ? { snapshots: opts.snapshots } : {}),
        ...(opts.withheld?.length ? { withheld: opts.withheld } : {}),
      });
      return { id: analyzer.id, title: analyzer.title, ...body, durationMs: Math.round(performance.now() - started) };
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      return {
        id: analyzer.id,
        title: analyzer.title,
        status: 'error',
        summary: 'This analyzer failed.',
        metrics: [],
        findings: [],
        tables: [],
        unavailable: [],
        durationMs: Math.round(performance.now() - started),
        error: (e as Error).message,
      };
    }
  };
  // Finished sections by position; they join `sections` (and stream) in order, so a section that overlaps
  // the next ones (Analyzer.overlaps: Connections' sampling window) holds back only the streaming.
  const done: (ReportSection | undefined)[] = [];
  const flush = (): void => {
    while (done[sections.length]) {
      sections.push(done[sections.length] as ReportSection);
      streamed();
    }
  };
  const overlapping: Promise<unknown>[] = [];
  for (const [i, analyzer] of opts.analyzers.entries()) {
    if (signal?.aborted) throw new CancelledError();
    opts.onProgress?.(`Running ${analyzer.title}… (${i + 1}/${opts.analyzers.length})`);
    if (analyzer.overlaps) {
      const p = runOne(analyzer).then((s) => {
        done[i] = s;
      });
      p.catch(() => undefined); // awaited below; a cancellation meanwhile is thrown by the loop
      overlapping.push(p);
      continue;
    }
    done[i] = await runOne(analyzer);
    flush();
  }
  await Promise.all(overlapping);
  flush();
  // One finding per object and problem: the more specific section owns it (dedupeFindings.ts).
  // The pooler, when its admin console is configured, also in brief inside Connections (subsections.ts).
  const deduped = withPoolerInConnections(dedupeFindings(sections).sections);
  const timings = sections.map((s) => ({ analyzer: s.id, title: s.title, ms: s.durationMs }));
  return { ...head(), sections: deduped, timings, summary: summarize(deduped) };
}
