// The "Analysis" tree: the last report's sections (Health, Indexes, Queries, Connections, Caching, and
// whatever analyzers are registered) -> findings (with their SQL and actions), tables (rows), and what
// was unavailable and how to enable it. Fed by AnalysisResults; never queries the database itself.
import * as vscode from 'vscode';
import type { Cell, ReportFinding, ReportSection, ReportTable, Status, Unavailable } from '../../core/report/model';
import { isAdminCall, isQueryStatement } from '../../shared/sqlKinds';
import type { AnalysisResults } from '../analysis/analysisResults';

export type AnalysisNode =
  | { kind: 'section'; section: ReportSection }
  | { kind: 'finding'; section: ReportSection; finding: ReportFinding; index: number }
  | { kind: 'table'; section: ReportSection; table: ReportTable }
  | { kind: 'row'; section: ReportSection; table: ReportTable; row: Record<string, Cell>; index: number }
  | { kind: 'unavailable'; section: ReportSection; item: Unavailable }
  | { kind: 'message'; label: string; tooltip: string; icon: string };

/** Shown per table before "… N more" so a 5,000-row table does not flood the tree. */
export const MAX_TREE_ROWS = 200;

const STATUS_ICON: Record<Status, [string, string]> = {
  ok: ['pass', 'testing.iconPassed'],
  info: ['info', 'problemsInfoIcon.foreground'],
  warning: ['warning', 'problemsWarningIcon.foreground'],
  error: ['error', 'problemsErrorIcon.foreground'],
};

/** Statements the "Apply Now" action may run: index builds/drops and constraint validation, nothing else. */
const APPLICABLE = /^\s*(CREATE\s+(UNIQUE\s+)?INDEX|DROP\s+INDEX|REINDEX|ALTER\s+TABLE\s+[^;]*\s+VALIDATE\s+CONSTRAINT|ANALYZE|VACUUM)\b/i;

export function isApplicableSql(sql: string): boolean {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean)
    .every((s) => APPLICABLE.test(s));
}

export class AnalysisTreeProvider implements vscode.TreeDataProvider<AnalysisNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<AnalysisNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly results: AnalysisResults) {
    this.sub = results.onDidChange(() => this.emitter.fire(undefined));
  }

  getTreeItem(node: AnalysisNode): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    switch (node.kind) {
      case 'section': {
        const s = node.section;
        const count = s.findings.length + s.unavailable.length + s.tables.length;
        const item = new vscode.TreeItem(s.title, count > 0 ? (s.status === 'error' || s.status === 'warning' ? C.Expanded : C.Collapsed) : C.None);
        item.description = s.error ? `failed: ${s.error}` : s.summary;
        item.tooltip = new vscode.MarkdownString().appendText(`${s.title}: ${s.error ? `failed — ${s.error}` : s.summary}\n${s.findings.length} findings · ${s.durationMs} ms`);
        const [icon, color] = STATUS_ICON[s.error ? 'error' : s.status];
        item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
        item.id = `section:${s.id}`;
        item.contextValue = 'pgopt.analysisSection';
        return item;
      }
      case 'finding': {
        const f = node.finding;
        const item = new vscode.TreeItem(f.title, C.None);
        item.description = f.object ? objectLabel(f.object) : undefined;
        const md = new vscode.MarkdownString();
        md.appendMarkdown(`**${escapeMd(f.title)}** (${f.severity}, \`${f.id}\`)\n\n`);
        md.appendText(f.detail);
        if (f.action) md.appendMarkdown('\n\n**What to do:** ').appendText(f.action);
        if (f.sql) md.appendCodeblock(f.sql, 'sql');
        item.tooltip = md;
        const [icon, color] = STATUS_ICON[f.severity];
        item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
        item.id = `finding:${node.section.id}:${node.index}:${f.id}`;
        const typed = (f.actions?.length ?? 0) > 0;
        const query = !typed && f.sql !== undefined && isQueryStatement(f.sql);
        // An administration call (pg_terminate_backend, pg_drop_replication_slot…) is only copied: no Explain, no migration.
        const admin = !typed && f.sql !== undefined && isAdminCall(f.sql);
        // Typed actions are migrations and may be applied; untyped SQL only when it is one of the known safe statements.
        const fix = typed || (f.sql !== undefined && !query && !admin);
        const apply = typed || (f.sql !== undefined && !admin && isApplicableSql(f.sql));
        item.contextValue = ['pgopt.finding', f.sql || typed ? 'sql' : '', fix ? 'fix' : '', query ? 'query' : '', apply ? 'apply' : '', f.rule ? 'rule' : ''].filter(Boolean).join(' ');
        return item;
      }
      case 'table': {
        const t = node.table;
        const item = new vscode.TreeItem(t.title, t.rows.length > 0 ? C.Collapsed : C.None);
        item.description = t.rows.length > 0 ? `${t.rows.length}` : t.emptyText;
        item.iconPath = new vscode.ThemeIcon('table');
        item.id = `table:${node.section.id}:${t.id}`;
        return item;
      }
      case 'row': {
        const { label, description } = rowLabel(node.table, node.row);
        const item = new vscode.TreeItem(label, C.None);
        item.description = description;
        item.tooltip = new vscode.MarkdownString().appendText(node.table.columns.map((c) => `${c.label}: ${cellText(node.row[c.key])}`).join('\n'));
        item.iconPath = new vscode.ThemeIcon('circle-small');
        item.id = `row:${node.section.id}:${node.table.id}:${node.index}`;
        const typed = (node.table.rowActions?.[node.index]?.length ?? 0) > 0;
        const query = typed ? undefined : rowQuery(node.table, node.row);
        item.contextValue = ['pgopt.analysisRow', typed || query ? 'sql' : '', typed ? 'fix apply' : '', query && isQueryStatement(query) && !query.endsWith('…') ? 'query' : ''].filter(Boolean).join(' ');
        return item;
      }
      case 'unavailable': {
        const item = new vscode.TreeItem(`${node.item.what} unavailable`, C.None);
        item.description = node.item.because;
        item.tooltip = new vscode.MarkdownString().appendText(`${node.item.what} is unavailable because ${node.item.because}.\nTo enable: ${node.item.toEnable}`);
        item.iconPath = new vscode.ThemeIcon('circle-slash');
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.label, C.None);
        item.tooltip = node.tooltip;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        return item;
      }
    }
  }

  getChildren(node?: AnalysisNode): AnalysisNode[] {
    const report = this.results.last;
    if (!report) return [];
    if (!node) return report.sections.map((section) => ({ kind: 'section', section }));
    if (node.kind === 'section') {
      const s = node.section;
      return [
        ...s.findings.map((finding, index): AnalysisNode => ({ kind: 'finding', section: s, finding, index })),
        ...s.unavailable.map((item): AnalysisNode => ({ kind: 'unavailable', section: s, item })),
        ...s.tables.map((table): AnalysisNode => ({ kind: 'table', section: s, table })),
      ];
    }
    if (node.kind === 'table') {
      const rows = node.table.rows.slice(0, MAX_TREE_ROWS).map((row, index): AnalysisNode => ({ kind: 'row', section: node.section, table: node.table, row, index }));
      if (node.table.rows.length > MAX_TREE_ROWS)
        rows.push({ kind: 'message', label: `… ${node.table.rows.length - MAX_TREE_ROWS} more in the report`, tooltip: 'Open the report to see, sort and filter every row.', icon: 'ellipsis' });
      return rows;
    }
    return [];
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}

function objectLabel(o: NonNullable<ReportFinding['object']>): string {
  return [o.schema, o.table, o.name].filter(Boolean).join('.');
}

function cellText(c: Cell | undefined): string {
  return c === null || c === undefined ? '' : String(c);
}

/** A row's label: its first text column (statement, object, name...); the description: the next two values. */
export function rowLabel(table: ReportTable, row: Record<string, Cell>): { label: string; description: string } {
  const textCol = table.columns.find((c) => !c.numeric && typeof row[c.key] === 'string' && String(row[c.key]).length > 0) ?? table.columns[0];
  const label = textCol ? cellText(row[textCol.key]).replace(/\s+/g, ' ').slice(0, 160) : '';
  const rest = table.columns
    .filter((c) => c !== textCol && cellText(row[c.key]) !== '')
    .slice(0, 2)
    .map((c) => `${c.label} ${cellText(row[c.key])}`);
  return { label: label || '(empty)', description: rest.join(' · ') };
}

/** The statement a row is about (Copy SQL, Explain): its table's `query` or `statement` column (statement tables). */
export function rowQuery(table: ReportTable, row: Record<string, Cell>): string | undefined {
  for (const key of ['query', 'statement']) {
    if (!table.columns.some((c) => c.key === key)) continue;
    const v = row[key];
    if (typeof v === 'string' && v.trim()) return v;
  }
  return undefined;
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
