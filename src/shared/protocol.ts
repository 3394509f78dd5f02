// Every message between the extension host and its webviews (the report, the plan view). The webviews import
// only this file: the plain report model, its layout helpers and the chart geometry are re-exported below.
// Direction is in each type's name: ToWebview = host -> webview, ToHost = webview -> host.
//
// Each direction is ONE declaration (a table: message type -> its fields as a zod/mini schema); the message
// types and the guards that check what arrives are derived from it, never written per message. A webview
// request that the host answers carries its result type (vscode-eslint's shared customMessages: RequestType<P, R>):
// the webview's `request(…)` resolves to it, the host's reply must be of it.
import * as z from 'zod/mini';
import type { Report } from '../core/report/model';
import type { Trends } from '../core/metrics/trends';

export type { Cell, Report, ReportChart, ReportFinding, ReportSection, ReportSubsection, ReportTable, Severity, Status } from '../core/report/model';
export { groupFindings, sectionStartsOpen, severityCounts, tableLayout, topFindings, type FindingGroup, type PriorityItem } from '../core/report/layout';
export { chartGeometry } from '../core/report/chartGeometry';
export { isAdminCall, isQueryStatement } from './sqlKinds';

// ---------------------------------------------------------------------------------------------------
// The declaration machinery, shared by both webviews.

/** A webview -> host message: its fields (checked on arrival) and the type of the host's answer. */
export interface RequestType<P, R> {
  readonly params: z.ZodMiniType<P>;
  /** Never set: carries the result type (R = void: the host answers nothing). */
  readonly result?: R;
}

/** `request<R>()(schema)`: a request whose fields are `schema` and whose answer is R. */
export function request<R = void>(): <P>(params: z.ZodMiniType<P>) => RequestType<P, R> {
  return (params) => ({ params });
}

/** A host -> webview message: its fields. The host is trusted, so big payloads (a report) are checked for shape only. */
export type NotificationType<P> = RequestType<P, void>;
export const notification = request<void>();

type Declaration = Record<string, RequestType<any, unknown>>; // eslint-disable-line @typescript-eslint/no-explicit-any
type ParamsOf<T> = T extends RequestType<infer P, unknown> ? P : never;

/** The messages of a declaration: `{ type, ...fields }`, plus `id` when the sender awaits an answer. */
export type MessageOf<D extends Declaration> = { [K in keyof D & string]: { type: K; id?: number } & ParamsOf<D[K]> }[keyof D & string];
export type ResultOf<D extends Declaration, K extends keyof D> = D[K] extends RequestType<unknown, infer R> ? R : never;

/** The one guard: a known `type`, an integer `id` if any, and fields that match the declared schema. */
function guardOf<D extends Declaration>(declaration: D): (value: unknown) => value is MessageOf<D> {
  return (value: unknown): value is MessageOf<D> => {
    if (typeof value !== 'object' || value === null) return false;
    const { type, id, ...fields } = value as { type?: unknown; id?: unknown };
    if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(declaration, type)) return false;
    if (id !== undefined && !Number.isSafeInteger(id)) return false;
    return declaration[type]!.params.safeParse(fields).success;
  };
}

/**
 * The sender's side of requests: `request(type, fields)` posts the message with a fresh id and resolves with the
 * answer, typed by the declaration; `settle` takes each `response` message. The host answers the requests whose
 * result is not void (export, findingAction); post the others as plain messages.
 */
export function requester<D extends Declaration>(post: (message: MessageOf<D>) => void) {
  let next = 1;
  const waiting = new Map<number, (result: unknown) => void>();
  return {
    request<K extends keyof D & string>(type: K, fields: ParamsOf<D[K]>): Promise<ResultOf<D, K>> {
      const id = next++;
      return new Promise((resolve) => {
        waiting.set(id, resolve as (result: unknown) => void);
        post({ ...fields, type, id } as MessageOf<D>);
      });
    },
    settle(answer: { requestId: number; result: unknown }): void {
      waiting.get(answer.requestId)?.(answer.result);
      waiting.delete(answer.requestId);
    },
  };
}

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null;
/** A message with no fields besides its type. */
const noFields = z.custom<object>(isObject);

/** The host's answer to a request that carried an `id`. */
const response = notification(z.object({ requestId: z.int(), result: z.unknown() }));

// ---------------------------------------------------------------------------------------------------
// The report webview (webview-ui/main.ts, src/extension/webviews/reportPanel.ts).

/** What the host answers when the webview asks to export the report: the file written, or nothing (cancelled). */
export interface ExportResult {
  savedTo?: string;
}

/** What the host answers to a finding's button: whether it did it, and if not, why. */
export interface FindingActionResult {
  ok: boolean;
  message?: string;
}

export const REPORT_REQUESTS = {
  /** The page has loaded and its listener is installed; the host may now post. */
  ready: request()(noFields),
  /** Run the analyzers again. */
  refresh: request()(noFields),
  /** Copy SQL from a finding to the clipboard. */
  copySql: request()(z.object({ sql: z.string() })),
  /** Save the report as a self-contained HTML, JSON or Markdown file. */
  export: request<ExportResult>()(z.object({ format: z.enum(['html', 'json', 'markdown']) })),
  /**
   * Act on a finding of the report on screen: write its SQL fix as a migration file, or explain the query it is
   * about. The host looks the finding up in its own copy of the report (no write action comes from the webview).
   */
  findingAction: request<FindingActionResult>()(
    z.object({ action: z.enum(['createMigration', 'explain']), sectionId: z.string(), findingIndex: z.int().check(z.nonnegative()) }),
  ),
};

export const REPORT_NOTIFICATIONS = {
  /** The report to show (sent after `ready`, and again on refresh). While the analyzers still run, `pending`
   * names the sections still to come (the report streams in, one section at a time). */
  showReport: notification(z.object({ report: z.custom<Report>(isObject), pending: z.optional(z.array(z.string())) })),
  /** Analysis is running (with a progress text) or finished. */
  progress: notification(z.object({ running: z.boolean(), message: z.string() })),
  /** Analysis failed; the previous report (if any) stays on screen. */
  error: notification(z.object({ message: z.string() })),
  /** Stored snapshot trends of the connection, one entry per range (1 h, 24 h, 7 d, 30 d), for the charts. */
  showTrends: notification(z.object({ trends: z.custom<Trends[]>(Array.isArray) })),
  /** The answer to a request that carried an id. */
  response,
};

export type ToHost = MessageOf<typeof REPORT_REQUESTS>;
export type ToWebview = MessageOf<typeof REPORT_NOTIFICATIONS>;
export type ReportRequest = keyof typeof REPORT_REQUESTS;
export type ReportResult<K extends ReportRequest> = ResultOf<typeof REPORT_REQUESTS, K>;
export type ShowReportMessage = Extract<ToWebview, { type: 'showReport' }>;
export type ProgressMessage = Extract<ToWebview, { type: 'progress' }>;
export type ErrorMessage = Extract<ToWebview, { type: 'error' }>;
export type ShowTrendsMessage = Extract<ToWebview, { type: 'showTrends' }>;
export type ResponseMessage = Extract<ToWebview, { type: 'response' }>;
export type FindingActionMessage = Extract<ToHost, { type: 'findingAction' }>;

export const isToHost = guardOf(REPORT_REQUESTS);
export const isToWebview = guardOf(REPORT_NOTIFICATIONS);


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

export const PLAN_REQUESTS = {
  /** Loaded, listener installed. */
  planReady: request()(noFields),
  /** Copy text (the plan's JSON or text, the index DDL) to the clipboard. */
  planCopy: request()(z.object({ text: z.string() })),
  /** Render timing of the last message, for the log and benchmarks. */
  planRendered: request()(z.object({ nodes: z.number(), ms: z.number() })),
};

/** The plan messages' fields are typed above (ShowPlanMessage …); from the trusted host only their shape is checked. */
const planMessage = <M extends { type: string }>() => notification(z.custom<Omit<M, 'type'>>(isObject));

export const PLAN_NOTIFICATIONS = {
  showPlan: planMessage<ShowPlanMessage>(),
  showComparison: planMessage<ShowComparisonMessage>(),
  planProgress: notification(z.object({ running: z.boolean(), message: z.string() })),
  planError: notification(z.object({ message: z.string() })),
};

export type ToPlanHost = MessageOf<typeof PLAN_REQUESTS>;
export const isToPlanHost = guardOf(PLAN_REQUESTS);
export const isToPlanWebview = guardOf(PLAN_NOTIFICATIONS);
