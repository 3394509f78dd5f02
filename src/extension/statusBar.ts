// Status bar item: the connection's name and server version; click to switch.
import * as vscode from 'vscode';
import type { ConnectionManager } from './connectionManager';
import { pgoptSetting } from './settings';

export function createConnectionStatusItem(manager: ConnectionManager): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('pgopt.connection', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Postgres Optimizer connection';
  item.command = 'pgopt.selectConnection';
  const update = (): void => {
    const a = manager.current;
    if (a) {
      item.text = `$(database) ${a.name} · PG ${a.caps.serverVersion.split(' ')[0]}`;
      item.tooltip = `Postgres Optimizer: connected to ${a.session.spec.user}@${a.session.spec.host}:${a.session.spec.port}/${a.caps.database} as ${a.caps.currentUser}. Click to switch.`;
      // A production connection (policy.production in its settings entry) stands out: warning colours.
      const production = isProductionSetting(a.name);
      item.backgroundColor = production ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      if (production) {
        item.text = `$(warning) ${item.text.replace('$(database) ', '')} · production`;
        item.tooltip += ' Production connection: every write asks to type the database name.';
      }
    } else {
      item.backgroundColor = undefined;
      item.text = '$(database) Postgres: not connected';
      item.tooltip = manager.lastError ? `Last error: ${manager.lastError}. Click to connect.` : 'Click to connect to a database.';
    }
  };
  update();
  item.show();
  const sub = manager.onDidChange(update);
  const cfg = vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('pgopt.connections') && update());
  return vscode.Disposable.from(item, sub, cfg);
}

/** Read raw (the status bar lives in the light bundle): does the connection's settings entry say production? */
function isProductionSetting(name: string): boolean {
  const list = pgoptSetting('connections');
  if (!Array.isArray(list)) return false;
  return list.some((c: unknown) => {
    const o = c as { name?: unknown; policy?: { production?: unknown } } | null;
    return o?.name === name && o.policy?.production === true;
  });
}
