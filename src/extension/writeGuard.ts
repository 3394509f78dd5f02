// The editor's side of the access policy and the audit log. Every write the editor performs (Apply Now,
// migrations apply/rollback, cancel/terminate backend, reset statistics) calls guardWrite() right before it
// runs — the core's checkWrite() decides — and records itself through editorAuditSink() in the one audit log
// (global storage audit.jsonl, the file the migrations already used).
import * as vscode from 'vscode';
import { auditActor, JsonlAuditSink, type AuditRecord, type AuditSink } from '../core/audit';
import { parseConnections } from '../core/config';
import { checkWrite, combinePolicies, parsePolicy, WRITE_ACTIONS, writesOffered, type AccessPolicy, type WriteAction } from '../core/policy';
import type { ActiveConnection } from './connectionManager';
import { log } from './log';
import { readSettings } from './typedSettings';
import { loadWorkspacePgoptFile } from './workspacePgoptFile';
import { userSetting } from './settings';

/**
 * The policy of a connection: pgopt.json "policy", the pgopt.json connection's own, the effective settings
 * entry's, and the user-level (global) settings entry's, combined to the strictest. A workspace can only add
 * restrictions; in an untrusted workspace pgopt.json is not read and the user settings decide.
 */
export async function policyOf(connectionName: string): Promise<AccessPolicy> {
  const policies: AccessPolicy[] = [];
  if (vscode.workspace.isTrusted) {
    const file = await loadWorkspacePgoptFile();
    policies.push(parsePolicy(file.policy).policy);
    const own = parseConnections(file.connections ?? [], 'pgopt.json connections').connections.find((c) => c.name === connectionName);
    if (own?.policy) policies.push(own.policy);
  }
  const setting = readSettings().connections.find((c) => c.name === connectionName);
  if (setting?.policy) policies.push(setting.policy);
  const user = parseConnections(userSetting('connections') ?? []).connections.find((c) => c.name === connectionName);
  if (user?.policy) policies.push(user.policy);
  return combinePolicies(...policies);
}

/** Context key that hides an action's menu entries when the policy refuses it, e.g. pgopt.deny.applyNow. */
export function denyContextKey(action: WriteAction): string {
  return `pgopt.deny.${action.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase())}`;
}

/** Sets the pgopt.deny.* context keys for the connection (hiding is a convenience; guardWrite is the guard). */
export async function refreshPolicyContext(connectionName: string | undefined): Promise<AccessPolicy> {
  const policy = connectionName ? await policyOf(connectionName) : {};
  for (const a of WRITE_ACTIONS) await vscode.commands.executeCommand('setContext', denyContextKey(a), !writesOffered(policy, a));
  return policy;
}

export interface GuardOptions {
  /** The database name typed in advance (tests, scripted use) for a production connection. */
  confirmDatabase?: string;
}

/** The options of a command that writes: skip its confirmation, and/or type the production database name in advance. */
export interface ConfirmOptions extends GuardOptions {
  /** Skip the confirmation dialog (tests, scripted use). */
  confirmed?: boolean;
}

/**
 * May `action` run on `active`? Shows the refusal (one sentence) and returns false when the policy refuses;
 * on a production connection asks to type the database name first.
 */
export async function guardWrite(active: ActiveConnection, action: WriteAction, opts: GuardOptions = {}): Promise<boolean> {
  const policy = await refreshPolicyContext(active.name);
  const database = active.caps.database;
  let confirmed = opts.confirmDatabase;
  if (policy.production && confirmed === undefined && !policy.readOnly && (!policy.allow || policy.allow.includes(action))) {
    confirmed = await vscode.window.showInputBox({
      title: `"${active.name}" is a production connection`,
      prompt: `Type the database name (${database}) to confirm this write`,
      placeHolder: database,
      ignoreFocusOut: true,
    });
    if (confirmed === undefined) return false;
  }
  const check = checkWrite(policy, action, { connection: active.name, database, ...(confirmed !== undefined ? { confirmedDatabase: confirmed } : {}) });
  if (check.ok) return true;
  log.warn(`policy: ${check.refusal}`);
  void vscode.window.showErrorMessage(`Postgres Optimizer: ${check.refusal}`);
  return false;
}

/** Writes audit records to the JSONL file (global storage) and the output channel. */
export class EditorAuditSink implements AuditSink {
  private readonly file: JsonlAuditSink;
  constructor(readonly path: string) {
    this.file = new JsonlAuditSink(path);
  }
  write(r: AuditRecord): void {
    log.info(`audit: ${r.action} ${r.version ?? ''} ${r.name ?? ''} ${r.result} in ${r.durationMs} ms on ${r.connection}${r.error ? ` — ${r.error}` : ''}`);
    try {
      this.file.write({ ...r, host: 'editor' });
    } catch (e) {
      log.error(`could not append to the audit log ${this.path}`, e);
    }
  }
}

export function auditFileOf(storage: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(storage, 'audit.jsonl');
}

export function editorAuditSink(storage: vscode.Uri): EditorAuditSink {
  return new EditorAuditSink(auditFileOf(storage).fsPath);
}

/** The common fields of an editor audit record for a connection. */
export function auditBase(active: ActiveConnection, action: AuditRecord['action'], sql: string): Omit<AuditRecord, 'at' | 'result' | 'durationMs' | 'error'> {
  return { ...auditActor(active.caps.currentUser), host: 'editor', connection: `${active.name} (${active.caps.database})`, action, sql };
}

/** "Show Audit Log": opens the JSONL file (read-only view of the editor's audit). */
export async function showAuditLog(storage: vscode.Uri): Promise<vscode.TextEditor | undefined> {
  const uri = auditFileOf(storage);
  const exists = await vscode.workspace.fs.stat(uri).then(
    () => true,
    () => false,
  );
  if (!exists) {
    void vscode.window.showInformationMessage('Postgres Optimizer: the audit log is empty: nothing has been written to a database from this editor yet.');
    return undefined;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(doc, { preview: true });
}
