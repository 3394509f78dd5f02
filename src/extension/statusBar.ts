// Status bar item: the connection's name and server version; click to switch.
import * as vscode from 'vscode';
import type { ConnectionManager } from './connectionManager';

export function createConnectionStatusItem(manager: ConnectionManager): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('pgopt.connection', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Postgres Optimizer connection';
  item.command = 'pgopt.selectConnection';
  const update = (): void => {
    const a = manager.current;
    if (a) {
      item.text = `$(database) ${a.name} · PG ${a.caps.serverVersion.split(' ')[0]}`;
      item.tooltip = `Postgres Optimizer: connected to ${a.session.spec.user}@${a.session.spec.host}:${a.session.spec.port}/${a.caps.database} as ${a.caps.currentUser}. Click to switch.`;
    } else {
      item.text = '$(database) Postgres: not connected';
      item.tooltip = manager.lastError ? `Last error: ${manager.lastError}. Click to connect.` : 'Click to connect to a database.';
    }
  };
  update();
  item.show();
  const sub = manager.onDidChange(update);
  return vscode.Disposable.from(item, sub);
}
