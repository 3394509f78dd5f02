// Add / Select / Disconnect. With an argument they run without prompts (used by tests and other
// commands); without one they ask.
import * as vscode from 'vscode';
import { connectionSettingSchema, parseConnections, type ConnectionSetting } from '../../core/config';
import type { ConnectionManager, ConnectResult } from '../connectionManager';
import { updateUserSetting, userSetting } from '../settings';

/** A connection to add without prompts (tests, other commands); validated against the settings schema all the same. */
export type AddConnectionArg = ConnectionSetting;

export async function addConnection(manager: ConnectionManager, arg?: AddConnectionArg): Promise<ConnectResult | undefined> {
  let setting: ConnectionSetting;
  let password: string | undefined;
  if (arg !== undefined) {
    const r = connectionSettingSchema.safeParse(arg);
    if (!r.success) {
      const message = `Add Connection: ${r.error.issues.map((i) => `${i.path.join('.') || 'connection'}: ${i.message}`).join('; ')}`;
      void vscode.window.showErrorMessage(`Postgres Optimizer: ${message}`);
      return { ok: false, message };
    }
    setting = r.data;
  } else {
    const url = await vscode.window.showInputBox({
      title: 'Add Connection (1/2)',
      prompt: 'Connection URL. A password in it is moved to secret storage, never saved in settings.',
      placeHolder: 'postgres://user@localhost:5432/database?sslmode=prefer',
      ignoreFocusOut: true,
      validateInput: (v) => validateUrl(v),
    });
    if (url === undefined) return undefined;
    const parsed = new URL(url.trim());
    password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
    parsed.password = '';
    const defaultName = `${decodeURIComponent(parsed.pathname.slice(1)) || 'postgres'}@${parsed.hostname}`;
    const name = await vscode.window.showInputBox({
      title: 'Add Connection (2/2)',
      prompt: 'A name for this connection',
      value: defaultName,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'A name is required'),
    });
    if (name === undefined) return undefined;
    setting = { name: name.trim(), url: parsed.toString() };
  }
  const existing = parseConnections(userSetting('connections') ?? []).connections.filter((c) => c.name !== setting.name);
  await updateUserSetting('connections', [...existing, setting]);
  return manager.connect(setting.name, { interactive: arg === undefined, ...(password !== undefined ? { password } : {}) });
}

export function validateUrl(v: string): string | undefined {
  const t = v.trim();
  if (!/^postgres(ql)?:\/\//.test(t)) return 'Must start with postgres:// or postgresql://';
  try {
    new URL(t);
    return undefined;
  } catch {
    return 'This is not a valid URL';
  }
}

/** The connection to open without a quick pick: its name, or an object that has one (a tree node, a setting). */
export type SelectConnectionArg = string | { name: string };

export async function selectConnection(manager: ConnectionManager, arg?: SelectConnectionArg): Promise<ConnectResult | undefined> {
  const argName = typeof arg === 'string' ? arg : typeof arg === 'object' && arg !== null && 'name' in arg ? String((arg as { name: unknown }).name) : undefined;
  if (argName !== undefined) return manager.connect(argName, { interactive: false });
  const available = await manager.available();
  const addItem = { label: '$(add) Add Connection…', description: '', name: undefined as string | undefined };
  const items = [
    ...available.map((c) => ({
      label: c.setting.name,
      description: c.setting.url ?? [c.setting.host, c.setting.database].filter(Boolean).join(' / '),
      detail: `from ${c.source}${manager.current?.name === c.setting.name ? ' — connected' : ''}`,
      name: c.setting.name as string | undefined,
    })),
    addItem,
  ];
  const pick = await vscode.window.showQuickPick(items, { title: 'Postgres Optimizer: Select Connection', placeHolder: 'Connect to…' });
  if (!pick) return undefined;
  if (pick.name === undefined) return addConnection(manager);
  return manager.connect(pick.name, { interactive: true });
}
