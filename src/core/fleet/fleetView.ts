// The editor's Fleet view as plain data: the configured connections (the pgopt.connections setting and the
// workspace pgopt.json "fleet" entries) merged into one list of targets, and each target's latest outcome
// turned into ranked rows — worst first, the order of the CLI's ranked table (rankFleet), with the same
// digest (verdict, top problems, size, slowest statement). Pure: the editor only turns rows into tree items.
import type { ConnectionSetting } from '../config';
import { formatBytes } from '../format';
import type { Report, Severity } from '../report/model';
import { parseFleet } from './fleetFile';
import { untrustedSentence } from '../project/workspaceTrust';
import { buildFleetResult, rankFleet, reportDigest } from './fleetReport';
import type { FleetOutcome } from './runFleet';
import { reportVerdict, type Verdict } from './verdict';

/** One database of the Fleet view: a connection setting, or a pgopt.json fleet entry made one. */
export interface FleetViewTarget {
  name: string;
  source: 'settings' | 'pgopt.json';
  tags: string[];
  /** What resolveConnection takes (a fleet entry becomes {name, url} or {name, service}). */
  setting: ConnectionSetting;
}

/**
 * The Fleet view's databases: every connection setting, then the pgopt.json fleet entries — those only in a
 * trusted workspace (a workspace file must not choose where the editor connects, with the user's
 * PGPASSWORD, before the user trusts it). A fleet entry with the name of a setting is skipped with a note.
 */
export function fleetViewTargets(
  settings: readonly ConnectionSetting[],
  pgoptFleet: unknown,
  opts: { trusted: boolean },
): { targets: FleetViewTarget[]; notes: string[] } {
  const targets: FleetViewTarget[] = settings.map((s) => ({ name: s.name, source: 'settings', tags: [], setting: s }));
  const notes: string[] = [];
  if (pgoptFleet === undefined || pgoptFleet === null) return { targets, notes };
  if (!opts.trusted) {
    notes.push(untrustedSentence('fleet', 'pgopt.connections'));
    return { targets, notes };
  }
  const { targets: entries, problems } = parseFleet(pgoptFleet, 'pgopt.json fleet');
  for (const p of problems) notes.push(`${p.path}: ${p.message}.`);
  for (const e of entries) {
    if (targets.some((t) => t.name === e.name)) {
      notes.push(`pgopt.json fleet entry "${e.name}" has the name of a connection setting; the setting is used.`);
      continue;
    }
    targets.push({ name: e.name, source: 'pgopt.json', tags: e.tags, setting: { name: e.name, ...(e.url !== undefined ? { url: e.url } : {}), ...(e.service !== undefined ? { service: e.service } : {}) } });
  }
  return { targets, notes };
}

/** What the view knows of one database: not analysed yet, being analysed (maybe with an earlier result), or its last result. */
export type FleetEntryState =
  | { kind: 'idle' }
  | { kind: 'running'; previous?: FleetResultState }
  | FleetResultState;
export type FleetResultState = { kind: 'done'; report: Report; durationMs: number } | { kind: 'failed'; error: string; timedOut: boolean; durationMs: number };

export interface FleetViewRow {
  name: string;
  source: FleetViewTarget['source'];
  tags: string[];
  /** 1 = worst; absent until the database has a result. */
  rank?: number;
  verdict?: Verdict;
  running: boolean;
  /** One line for the tree item's description. */
  description: string;
  /** Most severe first (at most three), each with its severity. */
  problems: { severity: Severity; title: string }[];
  sizeBytes: number | null;
  slowest: string | null;
  /** Why the database has no report: one sentence. */
  error?: string;
  errors: number;
  warnings: number;
  /** Set when there is a report to open. */
  hasReport: boolean;
}

/** An error message as one sentence: its first line, at most `max` characters, ending with a full stop. */
export function oneSentence(message: string, max = 220): string {
  let s = (message.split(/\r?\n/).find((l) => l.trim()) ?? 'unknown error').replace(/\s+/g, ' ').trim();
  if (s.length > max) s = `${s.slice(0, max - 1).trimEnd()}…`;
  else if (!/[.!?…]$/.test(s)) s += '.';
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function resultOf(state: FleetEntryState | undefined): FleetResultState | undefined {
  if (!state || state.kind === 'idle') return undefined;
  return state.kind === 'running' ? state.previous : state;
}

function parseProblem(p: string): { severity: Severity; title: string } {
  const m = /^\[(error|warning|info)\] ([\s\S]*)$/.exec(p);
  return m ? { severity: m[1] as Severity, title: m[2] ?? '' } : { severity: 'error', title: p };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The rows of the view: the databases with a result ranked worst first (verdict, unreachable before
 * reached, more errors, more warnings, name — rankFleet), then those without one in configured order.
 */
export function fleetViewRows(targets: readonly FleetViewTarget[], states: ReadonlyMap<string, FleetEntryState>): FleetViewRow[] {
  const withResult = targets.filter((t) => resultOf(states.get(t.name)));
  const outcomes = withResult.map((t): FleetOutcome<Report> => {
    const r = resultOf(states.get(t.name)) as FleetResultState;
    return r.kind === 'done' ? { ok: true, value: r.report, durationMs: r.durationMs } : { ok: false, error: r.error, timedOut: r.timedOut, durationMs: r.durationMs };
  });
  const result = buildFleetResult<Report>(
    'analyze',
    withResult.map((t) => ({ name: t.name, tags: t.tags })),
    outcomes,
    reportVerdict,
    { concurrency: 1, targetTimeoutS: 0, durationMs: 0 },
  );
  const ranked = rankFleet(result, (r) => reportDigest(r, reportVerdict(r)));
  const rows: FleetViewRow[] = ranked.map((r) => {
    const t = withResult[r.index] as FleetViewTarget;
    const d = result.databases[r.index];
    const running = states.get(t.name)?.kind === 'running';
    if (r.error !== undefined) {
      const error = oneSentence(r.error);
      return {
        name: t.name, source: t.source, tags: t.tags, rank: r.rank, verdict: r.verdict, running,
        description: `${d?.timedOut ? 'timed out' : 'not reached'}: ${error}`,
        problems: [], sizeBytes: null, slowest: null, error, errors: 0, warnings: 0, hasReport: false,
      };
    }
    const report = d?.report;
    const errors = report?.summary.errors ?? 0;
    const warnings = report?.summary.warnings ?? 0;
    const problems = r.problems.map(parseProblem);
    const counts = errors || warnings ? [errors ? plural(errors, 'error') : '', warnings ? plural(warnings, 'warning') : ''].filter(Boolean).join(', ') : 'no problems';
    const top = problems[0]?.title;
    return {
      name: t.name, source: t.source, tags: t.tags, rank: r.rank, verdict: r.verdict, running,
      description: [counts, r.sizeBytes !== null ? formatBytes(r.sizeBytes) : '', top ?? ''].filter(Boolean).join(' · '),
      problems, sizeBytes: r.sizeBytes, slowest: r.slowest, errors, warnings, hasReport: true,
    };
  });
  for (const t of targets) {
    if (resultOf(states.get(t.name))) continue;
    const running = states.get(t.name)?.kind === 'running';
    rows.push({
      name: t.name, source: t.source, tags: t.tags, running,
      description: running ? 'analyzing…' : 'not analyzed yet',
      problems: [], sizeBytes: null, slowest: null, errors: 0, warnings: 0, hasReport: false,
    });
  }
  return rows;
}

/**
 * The view's one-line summary, each database counted once, e.g. "1 error · 1 warning · 1 ok · 1 not reached"
 * for four (a database that was not reached or timed out is not also counted as an error).
 */
export function fleetViewSummary(rows: readonly FleetViewRow[]): string {
  const judged = rows.filter((r) => r.verdict !== undefined);
  if (judged.length === 0) return rows.length ? `${plural(rows.length, 'database')}, not analyzed yet` : '';
  const reached = judged.filter((r) => r.error === undefined);
  const by = (v: Verdict): number => reached.filter((r) => r.verdict === v).length;
  const failed = judged.length - reached.length;
  const parts = [by('error') ? `${by('error')} error` : '', by('warning') ? `${by('warning')} warning` : '', by('ok') ? `${by('ok')} ok` : '', failed ? `${failed} not reached` : ''];
  return parts.filter(Boolean).join(' · ');
}
