// The report webview. Talks to the host only through src/shared/protocol.ts. Every string from the
// database is put into the DOM with textContent (never innerHTML), so hostile names stay inert.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { Cell, Report, ReportSection, ReportTable, Status } from '../src/core/report/model';
import { isQueryStatement, isToWebview, type ToHost, type ToWebview } from '../src/shared/protocol';
import { TrendCharts } from './trendCharts';

interface VsCodeApi {
  postMessage(message: ToHost): void;
  setState(state: unknown): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root') as HTMLElement;
const statusLine = document.getElementById('status') as HTMLElement;
const progress = document.getElementById('progress') as HTMLElement;
const filterBox = document.getElementById('filter') as (HTMLElement & { value: string }) | null;
const trendCharts = new TrendCharts();
let filterText = '';

/** Hides table rows and findings whose text does not contain the filter (case-insensitive). */
function applyFilter(): void {
  const q = filterText.trim().toLowerCase();
  let shown = 0;
  let total = 0;
  for (const item of root.querySelectorAll<HTMLElement>('vscode-table-row, .finding')) {
    const match = q === '' || (item.textContent ?? '').toLowerCase().includes(q);
    item.hidden = !match;
    total++;
    if (match) shown++;
  }
  if (q) statusLine.textContent = `${shown} of ${total} rows and findings match "${filterText.trim()}"`;
  else if (statusLine.textContent?.includes(' match "')) statusLine.textContent = '';
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K];
function el(tag: string, text?: string, cls?: string): HTMLElement;
function el(tag: string, text?: string, cls?: string): HTMLElement {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function badge(status: Status): HTMLElement {
  const b = el('vscode-badge', status, `status-${status}`);
  b.setAttribute('variant', status === 'ok' ? 'default' : 'counter');
  return b;
}

function renderTable(t: ReportTable): HTMLElement {
  const wrap = el('div', undefined, 'table-wrap');
  wrap.append(el('h4', t.title));
  if (t.rows.length === 0) {
    wrap.append(el('p', t.emptyText, 'muted'));
    return wrap;
  }
  let rows = [...t.rows];
  let sortKey: string | undefined;
  let asc = true;
  const table = el('vscode-table');
  table.setAttribute('zebra', '');
  table.setAttribute('bordered-columns', '');
  table.setAttribute('responsive', '');
  const header = el('vscode-table-header');
  header.setAttribute('slot', 'header');
  const body = el('vscode-table-body');
  body.setAttribute('slot', 'body');
  const fill = (): void => {
    body.replaceChildren(
      ...rows.map((r) => {
        const tr = el('vscode-table-row');
        for (const c of t.columns) tr.append(el('vscode-table-cell', display(r[c.key] ?? null)));
        return tr;
      }),
    );
  };
  for (const c of t.columns) {
    const th = el('vscode-table-header-cell', c.label);
    th.tabIndex = 0;
    th.title = 'Sort (Enter)';
    th.setAttribute('role', 'columnheader');
    const sort = (): void => {
      asc = sortKey === c.key ? !asc : true;
      sortKey = c.key;
      rows = [...t.rows].sort((a, b) => compare(a[c.key] ?? null, b[c.key] ?? null) * (asc ? 1 : -1));
      for (const other of header.children) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      fill();
      applyFilter();
    };
    th.addEventListener('click', sort);
    th.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') sort();
    });
    header.append(th);
  }
  fill();
  table.append(header, body);
  wrap.append(table);
  return wrap;
}

function display(v: Cell): string {
  return v === null ? '' : String(v);
}

function compare(a: Cell, b: Cell): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return display(a).localeCompare(display(b), undefined, { numeric: true });
}

function renderSection(s: ReportSection): HTMLElement {
  const section = el('vscode-collapsible');
  section.setAttribute('heading', `${s.title} — ${s.summary}`);
  section.setAttribute('open', '');
  section.id = `section-${s.id}`;
  section.dataset.status = s.status;
  const body = el('div', undefined, 'section-body');
  if (s.error) body.append(el('p', `Analyzer failed: ${s.error}`, 'finding error'));
  if (s.metrics.length) {
    const dl = el('dl', undefined, 'metrics');
    for (const m of s.metrics) {
      const dt = el('dt', m.label);
      if (m.help) dt.title = m.help;
      const dd = el('dd');
      dd.append(el('span', m.display), ' ', badge(m.status ?? 'ok'));
      dl.append(dt, dd);
    }
    body.append(dl);
  }
  s.findings.forEach((f, index) => {
    const div = el('div', undefined, `finding ${f.severity}`);
    const title = el('p');
    title.append(el('strong', f.title), ' ', badge(f.severity));
    div.append(title, el('p', f.detail));
    if (f.action) div.append(el('p', `→ ${f.action}`));
    if (f.sql) {
      const sql = f.sql;
      div.append(el('pre', sql));
      const copy = el('vscode-button', 'Copy SQL');
      copy.setAttribute('secondary', '');
      copy.addEventListener('click', () => vscode.postMessage({ type: 'copySql', sql }));
      const query = isQueryStatement(sql);
      const act = el('vscode-button', query ? 'Explain' : 'Create Migration');
      act.setAttribute('secondary', '');
      act.dataset.action = query ? 'explain' : 'createMigration';
      act.addEventListener('click', () => vscode.postMessage({ type: 'findingAction', action: query ? 'explain' : 'createMigration', sectionId: s.id, findingIndex: index }));
      div.append(act, ' ', copy);
    }
    body.append(div);
  });
  for (const u of s.unavailable) body.append(el('p', `${u.what} unavailable because ${u.because}; to enable: ${u.toEnable}`, 'unavailable'));
  for (const t of s.tables) body.append(renderTable(t));
  section.append(body);
  return section;
}

function renderReport(report: Report): void {
  const head = el('header');
  const h1 = el('h1', report.title);
  h1.append(' ', badge(report.summary.status));
  head.append(
    h1,
    el('p', `${report.connection.name} — ${report.connection.target} — PostgreSQL ${report.connection.serverVersion} — ${new Date(report.generatedAt).toLocaleString()}`, 'muted'),
    el('p', `${report.summary.errors} error(s), ${report.summary.warnings} warning(s), ${report.summary.infos} info`),
  );
  const caps = el('vscode-collapsible');
  caps.setAttribute('heading', 'Capabilities');
  const capList = el('ul', undefined, 'caps');
  for (const c of report.capabilities) {
    const li = el('li');
    li.append(el('strong', `${c.name}: `), el('span', c.detail));
    li.className = c.status;
    capList.append(li);
  }
  caps.append(capList);
  if (report.capabilities.some((c) => c.status !== 'ok')) caps.setAttribute('open', '');
  root.replaceChildren(head, caps, ...report.sections.map(renderSection));
  const trendsSection = root.querySelector('#section-trends .section-body');
  if (trendsSection) trendsSection.prepend(trendCharts.element);
  applyFilter();
  vscode.setState({ report });
}

function onMessage(msg: ToWebview): void {
  switch (msg.type) {
    case 'showReport':
      renderReport(msg.report);
      statusLine.textContent = '';
      break;
    case 'progress':
      progress.hidden = !msg.running;
      statusLine.textContent = msg.message;
      break;
    case 'showTrends':
      trendCharts.show(msg.trends);
      break;
    case 'error':
      progress.hidden = true;
      statusLine.textContent = msg.message;
      statusLine.className = 'error';
      break;
  }
}

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  if (isToWebview(ev.data)) onMessage(ev.data);
});
document.getElementById('refresh')?.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
document.getElementById('export-html')?.addEventListener('click', () => vscode.postMessage({ type: 'export', format: 'html' }));
document.getElementById('export-json')?.addEventListener('click', () => vscode.postMessage({ type: 'export', format: 'json' }));
document.getElementById('export-markdown')?.addEventListener('click', () => vscode.postMessage({ type: 'export', format: 'markdown' }));
filterBox?.addEventListener('input', () => {
  filterText = filterBox.value;
  applyFilter();
});

const saved = vscode.getState() as { report?: Report } | undefined;
if (saved?.report) renderReport(saved.report);
vscode.postMessage({ type: 'ready' });
