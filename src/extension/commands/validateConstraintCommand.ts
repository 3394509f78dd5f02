// "Validate Constraint…" on a NOT VALID constraint in the Database tree: a read-only dry run, then the
// VALIDATE CONSTRAINT migration opened in a new SQL editor. Nothing is run against the database besides
// the dry run; the user saves the migration where their migrations live.
import * as vscode from 'vscode';
import { validateMigrationText } from '../../core/analyzers/constraints/constraintInventory';
import { parseIntegritySettings } from '../../core/config';
import type { ConnectionManager } from '../connectionManager';
import type { ConstraintRef } from '../views/schemaTree';
import { loadWorkspacePgoptFile } from '../workspacePgoptFile';

/** A NOT VALID constraint of the Database tree (its leaf node carries the reference). */
export type ConstraintArg = { constraint?: ConstraintRef };

/** Checks the shape at run time too: command arguments come from menus, keybindings and other extensions. */
function constraintOf(node: ConstraintArg | undefined): ConstraintRef | undefined {
  const c = (node as { constraint?: Partial<ConstraintRef> } | undefined)?.constraint;
  return c && typeof c.schema === 'string' && typeof c.table === 'string' && typeof c.name === 'string' ? { schema: c.schema, table: c.table, name: c.name } : undefined;
}

export async function validateConstraint(manager: ConnectionManager, node?: ConstraintArg): Promise<vscode.TextDocument | undefined> {
  const ref = constraintOf(node);
  if (!ref) throw new Error('Choose a NOT VALID constraint in the Database tree (right-click → Validate Constraint…).');
  const active = manager.current;
  if (!active) throw new Error('Not connected. Use "Postgres Optimizer: Select Connection" first.');
  const { settings } = parseIntegritySettings((await loadWorkspacePgoptFile()).integrity);
  const text = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Dry-run validation of ${ref.name}`, cancellable: true },
    async (_progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      try {
        return await active.session.readOnly((q) => validateMigrationText(q, ref, { sampleRows: settings.sampleRows, method: settings.sampleMethod }), {
          signal: controller.signal,
          ...(settings.statementTimeoutMs !== undefined ? { statementTimeoutMs: settings.statementTimeoutMs } : {}),
        });
      } finally {
        sub.dispose();
      }
    },
  );
  const doc = await vscode.workspace.openTextDocument({ language: 'sql', content: text });
  await vscode.window.showTextDocument(doc);
  return doc;
}
