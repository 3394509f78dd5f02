// "Analyze Table": a page about one table, from the Database tree (a table node) or the palette (a quick
// pick of the connection's tables). The page itself is built in the core (analyzers/table/tableReport.ts).
import * as vscode from 'vscode';
import type { TableRef } from '../../core/analyzers/table/tableReport';
import { listSchemas, listTables } from '../../core/schema/catalog';
import { ReportPanel, type ReportPanelHost } from '../webviews/reportPanel';

/** A Database-tree table node, a {schema, name} (tests, other commands) or nothing (quick pick). */
export type TableArg = { kind: 'table'; table: TableRef } | TableRef;

/** Checks the shape at run time too: command arguments come from menus, keybindings and other extensions. */
export function tableRefOf(arg: TableArg | undefined): TableRef | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const a = arg as { kind?: unknown; table?: unknown; schema?: unknown; name?: unknown };
  const t = a.kind === 'table' && a.table && typeof a.table === 'object' ? (a.table as { schema?: unknown; name?: unknown }) : a;
  return typeof t.schema === 'string' && typeof t.name === 'string' ? { schema: t.schema, name: t.name } : undefined;
}

export async function analyzeTableCommand(host: ReportPanelHost, arg?: TableArg): Promise<ReportPanel | undefined> {
  const active = host.manager.current;
  if (!active) return undefined;
  let table = tableRefOf(arg);
  if (!table) {
    const items = await active.session.readOnly(async (q) => {
      const out: (vscode.QuickPickItem & { ref: TableRef })[] = [];
      for (const s of await listSchemas(q)) {
        if (s.tables === 0) continue;
        for (const t of await listTables(q, s.name)) if (t.kind !== 'foreign table') out.push({ label: `${t.schema}.${t.name}`, description: t.kind, ref: { schema: t.schema, name: t.name } });
      }
      return out;
    });
    if (items.length === 0) {
      void vscode.window.showInformationMessage(`Postgres Optimizer: ${active.name} has no table to analyze.`);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Table to analyze', matchOnDescription: true });
    if (!pick) return undefined;
    table = pick.ref;
  }
  return ReportPanel.showTable(host, table);
}
