// The report model: plain, serialisable data produced by analyzers and rendered by the webview, the CLI
// (text/JSON/HTML) and the demo. No functions, no classes, nothing host-specific. The webview imports
// this file too, so it must stay free of Node imports.

import type { FindingAction } from './actions';
import { verdictOf, type Verdict } from './verdict';
import type { IntegrityRule } from '../config';

export type Severity = 'error' | 'warning' | 'info';
export type Status = 'ok' | Severity;

/** Something an analyzer could not do, and how the user can make it possible. Never an empty section. */
export interface Unavailable {
  what: string;
  because: string;
  toEnable: string;
}

export interface Metric {
  id: string;
  label: string;
  /** Machine value (number when numeric), null when unknown. */
  value: number | string | null;
  /** Human display, e.g. "99.2 %", "1.4 GB". */
  display: string;
  status?: Status;
  help?: string;
}

export interface DbObjectRef {
  kind: 'table' | 'index' | 'sequence' | 'constraint' | 'database' | 'schema' | 'column';
  schema?: string;
  name: string;
  table?: string;
}

export interface ReportFinding {
  /** Stable id of the check that produced it, e.g. `health.invalid-index`. */
  id: string;
  severity: Severity;
  title: string;
  detail: string;
  /** What to do about it (text; SQL goes in `sql`). */
  action?: string;
  /** SQL to show (and copy); when `actions` is set it is their SQL. */
  sql?: string;
  /** The typed changes it proposes (see actions.ts): Create Migration, Apply Now and the CLI render these. */
  actions?: FindingAction[];
  object?: DbObjectRef;
  /** A column rule for pgopt.json "integrity.rules" the finding proposes (inferred validators: "Add as Rule"). */
  rule?: IntegrityRule;
}

export type Cell = string | number | boolean | null;

export interface ReportTable {
  id: string;
  title: string;
  columns: { key: string; label: string; numeric?: boolean }[];
  rows: Record<string, Cell>[];
  /** For tables whose rows are actionable: the typed actions of rows[i] (an empty list for a row without). */
  rowActions?: FindingAction[][];
  /** Shown when rows is empty, e.g. "No sequence is above 50 % of its range." */
  emptyText: string;
}

/** A time series for a small static chart (Trends): the HTML export draws it as inline SVG, the webview as a
 * sparkline. `points` are [epoch ms, value] pairs, oldest first; a null value is a gap. */
export interface ReportChart {
  id: string;
  label: string;
  /** count, bytes, percent, ms, seconds… (percent charts run 0–100). */
  unit: string;
  kind: 'counter' | 'gauge';
  points: [number, number | null][];
}

/**
 * Another section in brief, shown inside this one (the PgBouncer pooler inside Connections): its summary, key
 * metrics and finding titles, with a link to it. Not counted in any verdict: the findings stay in `sectionId`.
 */
export interface ReportSubsection {
  id: string;
  title: string;
  status: Status;
  summary: string;
  metrics: Metric[];
  /** Titles of the section's findings, most severe first (at most a few). */
  findings: { severity: Severity; title: string }[];
  /** The section that holds everything (findings, tables). */
  sectionId: string;
  /** That section's analyzer failed: why. */
  error?: string;
}

export interface ReportSection {
  id: string;
  title: string;
  status: Status;
  summary: string;
  metrics: Metric[];
  findings: ReportFinding[];
  tables: ReportTable[];
  unavailable: Unavailable[];
  durationMs: number;
  /** Small time-series charts (Trends only today). */
  charts?: ReportChart[];
  /** Other sections in brief (Connections: the pooler, when a pooler admin URL is configured). */
  subsections?: ReportSubsection[];
  /** Set when the analyzer failed; the rest of the report still renders. */
  error?: string;
}

export interface CapabilitySummary {
  name: string;
  status: 'ok' | 'unavailable';
  detail: string;
}

/** How long one analyzer took in this report (its section's `durationMs`), for the footer and `--format json`. */
export interface AnalyzerTiming {
  /** The analyzer's id (= its section id). */
  analyzer: string;
  title: string;
  ms: number;
}

export interface Report {
  schemaVersion: 1;
  title: string;
  generatedAt: string;
  tool: { name: 'pgopt'; version: string };
  connection: { name: string; target: string; serverVersion: string; database: string };
  capabilities: CapabilitySummary[];
  /** Set on a page about one table (pgopt analyze --table, "Analyze Table"): its sections are scoped to it. */
  table?: { schema: string; name: string };
  sections: ReportSection[];
  /** Each analyzer's time, in the order they ran (set by buildReport; absent on reports built elsewhere, e.g. a
   * table page: use `reportTimings`). */
  timings?: AnalyzerTiming[];
  /** `status` is the verdict of every finding (see verdict.ts): info findings alone leave it ok. */
  summary: { errors: number; warnings: number; infos: number; status: Verdict };
}

export function worstStatus(statuses: Iterable<Status>): Status {
  const order: Status[] = ['ok', 'info', 'warning', 'error'];
  let worst: Status = 'ok';
  for (const s of statuses) if (order.indexOf(s) > order.indexOf(worst)) worst = s;
  return worst;
}

/** Each analyzer's time: the report's own list, or its sections' durations when it has none. */
export function reportTimings(r: Pick<Report, 'sections' | 'timings'>): AnalyzerTiming[] {
  return r.timings ?? r.sections.map((s) => ({ analyzer: s.id, title: s.title, ms: s.durationMs }));
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The report footer: "Analyzer times: Health 120 ms · Indexes 1.4 s · … — 2.1 s in all". Empty without sections. */
export function timingsLine(r: Pick<Report, 'sections' | 'timings'>): string {
  const t = reportTimings(r);
  if (!t.length) return '';
  const total = t.reduce((n, x) => n + x.ms, 0);
  return `Analyzer times: ${t.map((x) => `${x.title} ${formatMs(x.ms)}`).join(' · ')} — ${formatMs(total)} in all`;
}

export function summarize(sections: ReportSection[]): Report['summary'] {
  const v = verdictOf(
    sections.flatMap((s) => s.findings),
    sections.filter((s) => s.error).length,
  );
  return { errors: v.errors, warnings: v.warnings, infos: v.infos, status: v.verdict };
}
