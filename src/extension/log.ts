// The one log channel. Errors are written with their stack; secrets never reach it (URLs are redacted).
import * as vscode from 'vscode';
import { redactUrl } from '../core/db/connectionSpec';

let channel: vscode.LogOutputChannel | undefined;

export function initLog(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('Postgres Optimizer', { log: true });
  return channel;
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
