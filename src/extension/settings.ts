// Every read of the pgopt.* VS Code settings goes through here (the one module that calls
// vscode.workspace.getConfiguration). Raw values only, so the activation bundle can import it without the
// settings schema (zod); typedSettings.ts validates the connection settings and core/project the lint
// fallback. pgopt.json is read by the project model (projectModel.ts), never here.
import * as vscode from 'vscode';

/** Keys whose change means the open connection should be re-made. */
export const RECONNECT_KEYS = ['pgopt.connections', 'pgopt.analysis', 'pgopt.connectTimeoutSeconds'];

/** The effective value of `pgopt.<key>` (defaults included) for the scope (a folder or a file in it). */
export function pgoptSetting<T = unknown>(key: string, scope?: vscode.Uri): T | undefined {
  return vscode.workspace.getConfiguration('pgopt', scope).get<T>(key);
}

/** Only a value the user set (folder, workspace or user level), never the default. */
export function explicitSetting<T = unknown>(key: string, scope?: vscode.Uri): T | undefined {
  const i = vscode.workspace.getConfiguration('pgopt', scope).inspect<T>(key);
  return i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
}

/** The user-level value (settings.json of the user, not the workspace): connections saved by the editor. */
export function userSetting<T = unknown>(key: string): T | undefined {
  return vscode.workspace.getConfiguration('pgopt').inspect<T>(key)?.globalValue;
}

export function updateUserSetting(key: string, value: unknown): Thenable<void> {
  return vscode.workspace.getConfiguration('pgopt').update(key, value, vscode.ConfigurationTarget.Global);
}

/** pgopt.lint.* as written (for the project model, used when pgopt.json has no "lint" section). */
export function hostLintSettings(scope?: vscode.Uri): { raw: Record<string, unknown>; prefix: string } {
  const raw: Record<string, unknown> = {};
  for (const key of ['pgVersion', 'assumeInTransaction', 'rules', 'migrations', 'exclude', 'liveEscalateBytes']) {
    const v = pgoptSetting(`lint.${key}`, scope);
    if (v !== undefined) raw[key] = v;
  }
  return { raw, prefix: 'pgopt.lint' };
}

/** Editor-only lint settings (not in pgopt.json: CI has no editor). */
export function editorLintSettings(scope?: vscode.Uri): { enable: boolean; debounceMs: number } {
  const debounce = Number(pgoptSetting('lint.debounceMs', scope) ?? 150);
  return { enable: pgoptSetting('lint.enable', scope) !== false, debounceMs: Number.isFinite(debounce) && debounce >= 0 ? debounce : 150 };
}
