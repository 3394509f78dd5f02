// The one log channel. Errors are written with their stack; secrets never reach it (URLs are redacted).
import * as vscode from 'vscode';
import { redactUrl } from '../core/redact';

// Both bundles (extension.js and extension-heavy.js) include this module. Activation creates the channel;
// the extension context (ctx.ts) hands it to the heavy bundle's copy when it loads it (heavy.ts attachLog),
// so both write to the one channel without a global.
let channel: vscode.LogOutputChannel | undefined;

export function initLog(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('Postgres Optimizer', { log: true });
  return channel;
}

/** Makes this copy of the module write to a channel created by the other bundle. */
export function attachLog(existing: vscode.LogOutputChannel): void {
  channel = existing;
}

export const log = {
  info(message: string): void {
    initLog().info(redactUrl(message));
  },
  warn(message: string): void {
    initLog().warn(redactUrl(message));
  },
  error(message: string, err?: unknown): void {
    const detail = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : err !== undefined ? String(err) : '';
    initLog().error(redactUrl(detail ? `${message}: ${detail}` : message));
  },
  show(): void {
    initLog().show(true);
  },
};
