// Every message between the extension host and the report webview. The webview imports only this file: the
// plain report model, its layout helpers and the chart geometry are re-exported below. Direction is in each type's name: ToWebview = host -> webview,
// ToHost = webview -> host.
import type { Report } from '../core/report/model';
import type { Trends } from '../core/metrics/trends';

export type { Cell, Report, ReportChart, ReportFinding, ReportSection, ReportTable, Severity, Status } from '../core/report/model';
export { groupFindings, sectionStartsOpen, severityCounts, tableLayout, topFindings, type FindingGroup, type PriorityItem } from '../core/report/layout';
export { chartGeometry } from '../core/report/chartGeometry';

/** host -> webview: the report to show (sent after `ready`, and again on refresh). While the analyzers still
 * run, `pending` names the sections still to come (the report streams in, one section at a time). */
export interface ShowReportMessage {
  type: 'showReport';
  report: Report;
  pending?: string[];
}

/** host -> webview: analysis is running (with a progress text) or finished. */
export interface ProgressMessage {
  type: 'progress';
  running: boolean;
  message: string;
}

/** host -> webview: analysis failed; the previous report (if any) stays on screen. */
export interface ErrorMessage {
  type: 'error';
  message: string;
}

export type ToWebview = ShowReportMessage | ProgressMessage | ErrorMessage | ShowTrendsMessage;

/** webview -> host: the page has loaded and its listener is installed; the host may now post. */
export interface ReadyMessage {
  type: 'ready';
}

/** webview -> host: run the analyzers again. */
export interface RefreshMessage {
  type: 'refresh';
}

/** webview -> host: copy SQL from a finding to the clipboard. */
export interface CopySqlMessage {
  type: 'copySql';
  sql: string;
}

/** webview -> host: save the report as a self-contained HTML, JSON or Markdown file. */
export interface ExportMessage {
  type: 'export';
  format: 'html' | 'json' | 'markdown';
}

/**
 * webview -> host: act on a finding of the report on screen: write its SQL fix as a migration file, or
 * explain the query it is about. The host looks the finding up in its own copy of the report.
 */
export interface FindingActionMessage {
  type: 'findingAction';
  action: 'createMigration' | 'explain';
  sectionId: string;
  findingIndex: number;
}

export type ToHost = ReadyMessage | RefreshMessage | CopySqlMessage | ExportMessage | FindingActionMessage;

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

export function isToHost(value: unknown): value is ToHost {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; sql?: unknown; format?: unknown; action?: unknown; sectionId?: unknown; findingIndex?: unknown };
  switch (v.type) {
    case 'ready':
    case 'refresh':
      return true;
    case 'findingAction':
      return (v.action === 'createMigration' || v.action === 'explain') && typeof v.sectionId === 'string' && Number.isInteger(v.findingIndex) && (v.findingIndex as number) >= 0;
    case 'copySql':
      return typeof v.sql === 'string';
    case 'export':
      return v.format === 'html' || v.format === 'json' || v.format === 'markdown';
    default:
      return false;
  }
}

export function isToWebview(value: unknown): value is ToWebview {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown };
  return v.type === 'showReport' || v.type === 'progress' || v.type === 'error' || v.type === 'showTrends';
}

/** host -> webview: stored snapshot trends of the connection, one entry per range (1 h, 24 h, 7 d, 30 d), for the charts. */
export interface ShowTrendsMessage {
  type: 'showTrends';
  trends: Trends[];
}

// ---------------------------------------------------------------------------------------------------
// The plan view (webview-ui/plan, src/extension/webviews/planPanel.ts): its own panel and messages.
// ToPlanWebview = host -> plan webview, ToPlanHost = plan webview -> host.
import type { PlanAnalysis } from '../core/explain/planAnalysis';

/** The plan model the plan view renders (plain data), re-exported so the webview reaches src/ only through this file. */
export type { PlanAnalysis, PlanNode } from '../core/explain/planAnalysis';
import type { PlanDiff } from '../core/explain/planDiff';
export type { NodeDelta, PlanDiff } from '../core/explain/planDiff';

/** One plan as the view shows it: the analysis, the server's JSON (pretty-printed) and a text rendering. */
export interface PlanSide {
  title: string;
  analysis: PlanAnalysis;
  rawJson: string;
  text: string;
}

/** host -> plan webview: one plan. */
export interface ShowPlanMessage {
  type: 'showPlan';
  sql: string;
  /** 'plan' | 'generic' | 'analyze' | 'analyze-rolled-back' */
  mode: string;
  connection: string;
  notes: string[];
  durationMs: number;
  plan: PlanSide;
}

/** host -> plan webview: before/after a hypothetical index, side by side. */
export interface ShowComparisonMessage {
  type: 'showComparison';
  sql: string;
  connection: string;
  indexDdl: string;
  source: 'user' | 'advisor';
  sizeBytes: number;
  costBefore: number;
  costAfter: number;
  /** (after - before) / before */
  costChange: number;
  indexUsed: boolean;
  notes: string[];
  before: PlanSide;
  after: PlanSide;
  /** Each node paired with its counterpart on the other side: cost (and time) before → after, or new / gone. */
  diff: PlanDiff;
}

/** host -> plan webview: a plan is being made (or not any more). */
export interface PlanProgressMessage {
  type: 'planProgress';
  running: boolean;
  message: string;
}

/** host -> plan webview: explaining failed; the message says why. */
export interface PlanErrorMessage {
  type: 'planError';
  message: string;
}

export type ToPlanWebview = ShowPlanMessage | ShowComparisonMessage | PlanProgressMessage | PlanErrorMessage;

/** plan webview -> host: loaded, listener installed. */
export interface PlanReadyMessage {
  type: 'planReady';
}

/** plan webview -> host: copy text (the plan's JSON or text, the index DDL) to the clipboard. */
export interface PlanCopyMessage {
  type: 'planCopy';
  text: string;
}

/** plan webview -> host: render timing of the last message, for the log and benchmarks. */
export interface PlanRenderedMessage {
  type: 'planRendered';
  nodes: number;
  ms: number;
}

export type ToPlanHost = PlanReadyMessage | PlanCopyMessage | PlanRenderedMessage;

export function isToPlanHost(value: unknown): value is ToPlanHost {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; text?: unknown; nodes?: unknown; ms?: unknown };
  switch (v.type) {
    case 'planReady':
      return true;
    case 'planCopy':
      return typeof v.text === 'string';
    case 'planRendered':
      return typeof v.nodes === 'number' && typeof v.ms === 'number';
    default:
      return false;
  }
}

export function isToPlanWebview(value: unknown): value is ToPlanWebview {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown };
  return v.type === 'showPlan' || v.type === 'showComparison' || v.type === 'planProgress' || v.type === 'planError';
}
