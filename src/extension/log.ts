// The one log channel. Errors are written with their stack; secrets never reach it (URLs are redacted).
import * as vscode from 'vscode';
import { redactUrl } from '../core/redact';

// Both bundles (extension.js and extension-heavy.js) include this module: the channel lives on a global
// so they share one.
const KEY = Symbol.for('pgopt.logChannel');
type WithChannel = { [KEY]?: vscode.LogOutputChannel };

export function initLog(): vscode.LogOutputChannel {
  const g = globalThis as WithChannel;
  g[KEY] ??= vscode.window.createOutputChannel('Postgres Optimizer', { log: true });
  return g[KEY];
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
