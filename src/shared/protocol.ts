// Every message between the extension host and the report webview. The webview imports only this file
// (and the plain report model). Direction is in each type's name: ToWebview = host -> webview,
// ToHost = webview -> host.
import type { Report } from '../core/report/model';
import type { Trends } from '../core/metrics/trends';

/** host -> webview: the report to show (sent after `ready`, and again on refresh). */
export interface ShowReportMessage {
  type: 'showReport';
  report: Report;
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

export type ToHost = ReadyMessage | RefreshMessage | CopySqlMessage | ExportMessage;

export function isToHost(value: unknown): value is ToHost {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; sql?: unknown; format?: unknown };
  switch (v.type) {
    case 'ready':
    case 'refresh':
      return true;
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
