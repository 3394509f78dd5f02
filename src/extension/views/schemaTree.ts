// The "Database" tree: connection -> schemas -> tables -> Columns / Indexes / Constraints. Lazy, one
// catalog query per expanded level (core/schema/catalog.ts).
import * as vscode from 'vscode';
import { formatBytes, formatCount } from '../../core/format';
import {
  listColumns,
  listConstraints,
  listIndexes,
  listSchemas,
  listTables,
  type SchemaInfo,
  type TableInfo,
} from '../../core/schema/catalog';
import type { ConnectionManager } from '../connectionManager';
import { log } from '../log';

export type SchemaNode =
  | { kind: 'connection'; name: string; version: string; database: string }
  | { kind: 'schema'; schema: SchemaInfo }
  | { kind: 'table'; table: TableInfo }
  | { kind: 'folder'; folder: 'columns' | 'indexes' | 'constraints'; table: TableInfo }
  | { kind: 'leaf'; label: string; description: string; tooltip: string; icon: string; contextValue: string; constraint?: ConstraintRef }
  | { kind: 'message'; label: string; tooltip: string; error: boolean };

/** Which constraint a Constraints leaf is, for its context-menu commands (Validate). */
export interface ConstraintRef {
  schema: string;
  table: string;
  name: string;
}

export class SchemaTreeProvider implements vscode.TreeDataProvider<SchemaNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<SchemaNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly manager: ConnectionManager) {
    this.sub = manager.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  getTreeItem(node: SchemaNode): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    switch (node.kind) {
      case 'connection': {
        const item = new vscode.TreeItem(node.name, C.Expanded);
        item.description = `${node.database} · PostgreSQL ${node.version}`;
        item.iconPath = new vscode.ThemeIcon('database');
        item.contextValue = 'pgopt.connection';
        return item;
      }
      case 'schema': {
        const item = new vscode.TreeItem(node.schema.name, node.schema.tables > 0 ? C.Collapsed : C.None);
        item.description = `${formatCount(node.schema.tables)} tables · ${formatBytes(node.schema.totalBytes)}`;
        item.iconPath = new vscode.ThemeIcon('symbol-namespace');
        item.contextValue = 'pgopt.schema';
        item.id = `schema:${node.schema.name}`;
        return item;
      }
      case 'table': {
        const t = node.table;
        const item = new vscode.TreeItem(t.name, C.Collapsed);
        item.description = `${t.rowEstimate === null ? 'never analyzed' : `~${formatCount(t.rowEstimate)} rows`} · ${t.sizeIsEstimate ? '~' : ''}${formatBytes(t.totalBytes)}`;
        item.tooltip = new vscode.MarkdownString().appendText(`${t.kind} ${t.schema}.${t.name}\nRows (estimate): ${t.rowEstimate === null ? 'unknown — run ANALYZE' : formatCount(t.rowEstimate)}\nTotal size (heap + indexes + TOAST): ${formatBytes(t.totalBytes)}${t.sizeIsEstimate ? ' (estimate from the catalog, current as of the last VACUUM/ANALYZE)' : ''}`);
        item.iconPath = new vscode.ThemeIcon(t.kind === 'materialized view' ? 'symbol-interface' : 'table');
        item.contextValue = 'pgopt.table';
        item.id = `table:${t.oid}`;
        return item;
      }
      case 'folder': {
        const labels = { columns: 'Columns', indexes: 'Indexes', constraints: 'Constraints' } as const;
        const icons = { columns: 'symbol-field', indexes: 'list-tree', constraints: 'lock' } as const;
        const item = new vscode.TreeItem(labels[node.folder], C.Collapsed);
        item.iconPath = new vscode.ThemeIcon(icons[node.folder]);
        item.id = `${node.folder}:${node.table.oid}`;
        return item;
      }
      case 'leaf': {
        const item = new vscode.TreeItem(node.label, C.None);
        item.description = node.description;
        item.tooltip = node.tooltip;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.contextValue = node.contextValue;
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.label, C.None);
        item.tooltip = node.tooltip;
        item.iconPath = new vscode.ThemeIcon(node.error ? 'error' : 'info');
        return item;
      }
    }
  }

  async getChildren(node?: SchemaNode): Promise<SchemaNode[]> {
    const active = this.manager.current;
    if (!active) return [];
    const q = <T>(fn: Parameters<typeof active.session.readOnly<T>>[0]): Promise<T> => active.session.readOnly(fn);
    try {
      if (!node) return [{ kind: 'connection', name: active.name, version: active.caps.serverVersion, database: active.caps.database }];
      switch (node.kind) {
        case 'connection': {
          const schemas = await q(listSchemas);
          return schemas.length ? schemas.map((schema) => ({ kind: 'schema', schema })) : [msg('No user schemas visible to this role.')];
        }
        case 'schema': {
          const tables = await q((r) => listTables(r, node.schema.name));
          return tables.length ? tables.map((table) => ({ kind: 'table', table })) : [msg('No tables.')];
        }
        case 'table':
          return (['columns', 'indexes', 'constraints'] as const).map((folder) => ({ kind: 'folder', folder, table: node.table }));
        case 'folder':
          return await this.folderChildren(node.folder, node.table, q);
        default:
          return [];
      }
    } catch (e) {
      log.error('loading the database tree failed', e);
      return [{ kind: 'message', label: `Could not load: ${(e as Error).message}`, tooltip: String((e as Error).message), error: true }];
    }
  }

  private async folderChildren(
    folder: 'columns' | 'indexes' | 'constraints',
    table: TableInfo,
    q: <T>(fn: (r: import('../../core/db/session').QueryRunner) => Promise<T>) => Promise<T>,
  ): Promise<SchemaNode[]> {
    if (folder === 'columns') {
      const cols = await q((r) => listColumns(r, table.oid));
      return cols.map((c) => ({
        kind: 'leaf',
        label: c.name,
        description: `${c.type}${c.nullable ? '' : ' NOT NULL'}${c.identity ? ` ${c.identity}` : c.generated ? ` ${c.generated}` : c.default ? ` DEFAULT ${c.default}` : ''}`,
        tooltip: `${c.name} ${c.type}\nNullable: ${c.nullable ? 'yes' : 'no'}${c.default ? `\nDefault: ${c.default}` : ''}${c.identity ? `\n${c.identity}` : ''}${c.generated ? `\n${c.generated}` : ''}`,
        icon: 'symbol-field',
        contextValue: 'pgopt.column',
      }));
    }
    if (folder === 'indexes') {
      const idx = await q((r) => listIndexes(r, table.oid));
      if (!idx.length) return [msg('No indexes.')];
      return idx.map((i) => ({
        kind: 'leaf',
        label: i.name,
        description: `${formatBytes(i.bytes)} · ${i.scans === null ? 'no stats' : `${formatCount(i.scans)} scans`}${i.valid ? '' : ' · INVALID'}`,
        tooltip: `${i.definition}\nSize: ${formatBytes(i.bytes)}\nScans: ${i.scans ?? 'unknown'}\nValid: ${i.valid ? 'yes' : 'NO — the planner ignores it'}`,
        icon: i.valid ? (i.primary ? 'key' : 'list-tree') : 'warning',
        contextValue: i.valid ? 'pgopt.index' : 'pgopt.index.invalid',
      }));
    }
    const cons = await q((r) => listConstraints(r, table.oid));
    if (!cons.length) return [msg('No constraints.')];
    return cons.map((c) => ({
      kind: 'leaf',
      label: c.name,
      description: `${c.kind}${c.validated ? '' : ' · NOT VALID'}`,
      tooltip: `${c.kind} ${c.name}\n${c.definition}${c.validated ? '' : '\nNOT VALID: existing rows were never checked. Right-click → Validate Constraint… for a dry run and the migration.'}`,
      icon: c.validated ? (c.kind === 'primary key' ? 'key' : c.kind === 'foreign key' ? 'references' : 'lock') : 'warning',
      contextValue: c.validated ? 'pgopt.constraint' : 'pgopt.constraint.notValid',
      constraint: { schema: table.schema, table: table.name, name: c.name },
    }));
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}

function msg(label: string): SchemaNode {
  return { kind: 'message', label, tooltip: label, error: false };
}
