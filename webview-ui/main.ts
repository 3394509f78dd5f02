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
import { formatDialect, postgresql } from 'sql-formatter';
import {
  chartGeometry,
  groupFindings,
  isAdminCall,
  isQueryStatement,
  isToWebview,
  requester,
  sectionStartsOpen,
  severityCounts,
  tableLayout,
  topFindings,
  type Cell,
  type FindingGroup,
  type Report,
  type ReportChart,
  type ReportFinding,
  type ReportSection,
  type ReportSubsection,
  type ReportTable,
  type Status,
  type REPORT_REQUESTS,
  type ToHost,
  type ToWebview,
} from '../src/shared/protocol';
import { TrendCharts } from './trendCharts';

interface VsCodeApi {
  postMessage(message: ToHost): void;
  setState(state: unknown): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const host = requester<typeof REPORT_REQUESTS>((m) => vscode.postMessage(m));
const root = document.getElementById('root') as HTMLElement;
const statusLine = document.getElementById('status') as HTMLElement;
const progress = document.getElementById('progress') as HTMLElement;
const filterBox = document.getElementById('filter') as (HTMLElement & { value: string }) | null;
const trendCharts = new TrendCharts();
/** Section id → open, for sections the user opened or closed against their default. */
const userOpen = new Map<string, boolean>();
let filterText = '';

/** Hides table rows and findings whose text does not contain the filter (case-insensitive). */
function applyFilter(): void {
  const q = filterText.trim().toLowerCase();
  let shown = 0;
  let total = 0;
  for (const item of root.querySelectorAll<HTMLElement>('tr.data-row, .finding, li.group-item')) {
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

const SVG_NS = 'http://www.w3.org/2000/svg';

/** A sparkline (inline SVG, built element by element: no markup strings). */
function sparkline(chart: ReportChart, width = 120, height = 28): SVGSVGElement {
  const g = chartGeometry(chart, width, height);
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${chart.label} trend`);
  for (const seg of g.segments) {
    const line = document.createElementNS(SVG_NS, 'polyline');
    line.setAttribute('points', seg);
    svg.append(line);
  }
  for (const d of g.dots) {
    const c = document.createElementNS(SVG_NS, 'circle');
    c.setAttribute('cx', d.x.toFixed(1));
    c.setAttribute('cy', d.y.toFixed(1));
    c.setAttribute('r', '1.8');
    svg.append(c);
  }
  return svg;
}

function formatSql(sql: string): string {
  try {
    return formatDialect(sql, { dialect: postgresql, keywordCase: 'upper', tabWidth: 2 });
  } catch {
    return sql; // not every statement text (normalized $n, truncated) formats; show it as it is
  }
}

/** Columns whose values are SQL statements are shown formatted in the row detail. */
function isSqlColumn(key: string): boolean {
  return key === 'query' || key === 'sql' || key === 'statement';
}

function renderTable(t: ReportTable, section: ReportSection): HTMLElement {
  const wrap = el('div', undefined, 'table-wrap');
  wrap.append(el('h4', t.title));
  if (t.rows.length === 0) {
    wrap.append(el('p', t.emptyText, 'muted'));
    return wrap;
  }
  const layout = tableLayout(t);
  const sqlKeys = t.columns.filter((c) => isSqlColumn(c.key)).map((c) => c.key);
  const hasDetail = layout.detail.length > 0 || sqlKeys.length > 0;
  const charts = new Map((section.charts ?? []).map((c) => [c.id, c]));
  const chartKey = t.id === 'trend-summary' && charts.size > 0 ? 'chart' : undefined;
  let rows = t.rows.map((r, i) => ({ r, i }));
  let sortKey: string | undefined;
  let asc = true;
  const table = el('table', undefined, 'grid');
  table.dataset.table = t.id;
  const thead = el('thead');
  const headRow = el('tr');
  const tbody = el('tbody');
  const fill = (): void => {
    const out: HTMLElement[] = [];
    for (const { r } of rows) {
      const tr = el('tr', undefined, 'data-row');
      if (hasDetail) {
        const td = el('td', undefined, 'expand');
        const b = el('button', '▸', 'expander');
        b.title = 'Show all columns and the full statement';
        b.setAttribute('aria-expanded', 'false');
        b.setAttribute('aria-label', 'Row details');
        b.addEventListener('click', () => {
          const open = b.getAttribute('aria-expanded') === 'true';
          b.setAttribute('aria-expanded', String(!open));
          b.textContent = open ? '▸' : '▾';
          const next = tr.nextElementSibling;
          if (open) {
            if (next?.classList.contains('detail-row')) next.remove();
            return;
          }
          const detailRow = el('tr', undefined, 'detail-row');
          const cell = el('td');
          cell.colSpan = layout.visible.length + 1 + (chartKey ? 1 : 0);
          const dl = el('dl', undefined, 'row-detail');
          for (const c of [...layout.detail, ...t.columns.filter((x) => sqlKeys.includes(x.key) && !layout.detail.includes(x))]) {
            const v = r[c.key] ?? null;
            if (v === null || v === '') continue;
            dl.append(el('dt', c.label));
            const dd = el('dd');
            // The row's whole statement (a `statement` key beside a shortened `query` column) when there is one.
            if (sqlKeys.includes(c.key)) dd.append(el('pre', formatSql(display(c.key === 'query' ? (r.statement ?? v) : v)), 'sql'));
            else dd.textContent = display(v);
            dl.append(dd);
          }
          cell.append(dl);
          detailRow.append(cell);
          tr.after(detailRow);
        });
        td.append(b);
        tr.append(td);
      }
      if (chartKey) {
        const td = el('td', undefined, 'spark');
        const chart = charts.get(display(r.chart ?? null));
        if (chart) td.append(sparkline(chart));
        tr.append(td);
      }
      for (const c of layout.visible) {
        const v = r[c.key] ?? null;
        const td = el('td', display(v), layout.rightAligned.has(c.key) ? 'num' : undefined);
        if (isSqlColumn(c.key)) {
          td.classList.add('sql-cell');
          td.title = display(v);
        }
        tr.append(td);
      }
      out.push(tr);
    }
    tbody.replaceChildren(...out);
  };
  if (hasDetail) headRow.append(el('th', '', 'expand'));
  if (chartKey) headRow.append(el('th', 'Trend'));
  for (const c of layout.visible) {
    const th = el('th', c.label, layout.rightAligned.has(c.key) ? 'num' : undefined);
    th.tabIndex = 0;
    th.title = 'Sort (Enter)';
    const sort = (): void => {
      asc = sortKey === c.key ? !asc : true;
      sortKey = c.key;
      rows = t.rows.map((r, i) => ({ r, i })).sort((a, b) => compare(a.r[c.key] ?? null, b.r[c.key] ?? null) * (asc ? 1 : -1));
      for (const other of headRow.children) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      fill();
      applyFilter();
    };
    th.addEventListener('click', sort);
    th.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') sort();
    });
    headRow.append(th);
  }
  thead.append(headRow);
  fill();
  table.append(thead, tbody);
  const scroller = el('div', undefined, 'grid-scroll');
  scroller.append(table);
  wrap.append(scroller);
  if (layout.detail.length > 0) wrap.append(el('p', `${layout.detail.length} more column${layout.detail.length === 1 ? '' : 's'} (${layout.detail.map((c) => c.label).join(', ')}) in each row's detail (▸).`, 'muted small'));
  return wrap;
}

function display(v: Cell): string {
  return v === null ? '' : String(v);
}

/** Sorts numbers (and numbers with units such as "12.5 ms" or "1,204") by value, other text naturally. */
function compare(a: Cell, b: Cell): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return display(a).localeCompare(display(b), undefined, { numeric: true });
}

function actionButtons(section: ReportSection, ref: { finding: ReportFinding; index: number }): HTMLElement[] {
  const sql = ref.finding.sql;
  if (!sql) return [];
  const copy0 = el('vscode-button', 'Copy SQL');
  copy0.setAttribute('secondary', '');
  copy0.addEventListener('click', () => vscode.postMessage({ type: 'copySql', sql }));
  // A finding with typed actions is a change to ship as a migration; otherwise its SQL decides.
  const typed = (ref.finding.actions?.length ?? 0) > 0;
  // An administration call (end a session, drop a slot…) is for the user to run by hand: copy only.
  if (!typed && isAdminCall(sql)) return [copy0];
  const query = !typed && isQueryStatement(sql);
  const act = el('vscode-button', query ? 'Explain' : 'Create Migration');
  act.dataset.action = query ? 'explain' : 'createMigration';
  act.addEventListener('click', () => {
    void host.request('findingAction', { action: query ? 'explain' : 'createMigration', sectionId: section.id, findingIndex: ref.index }).then((r) => {
      if (!r.ok && r.message) showStatus(r.message, 'error');
    });
  });
  const copy = el('vscode-button', 'Copy SQL');
  copy.setAttribute('secondary', '');
  copy.addEventListener('click', () => vscode.postMessage({ type: 'copySql', sql }));
  return [act, copy];
}

function renderFinding(section: ReportSection, ref: { finding: ReportFinding; index: number }): HTMLElement {
  const f = ref.finding;
  const div = el('div', undefined, `finding ${f.severity}`);
  div.id = `finding-${section.id}-${ref.index}`;
  const title = el('p');
  title.append(badge(f.severity), ' ', el('strong', f.title));
  div.append(title, el('p', f.detail));
  if (f.action) div.append(el('p', `→ ${f.action}`, 'action'));
  if (f.sql) {
    const details = el('details');
    details.append(el('summary', 'SQL'), el('pre', f.sql, 'sql'));
    div.append(details);
    const buttons = el('div', undefined, 'buttons');
    buttons.append(...actionButtons(section, ref));
    div.append(buttons);
  }
  return div;
}

/** Several findings of one check: one block, one line per object, the SQL of each behind its line. */
function renderGroup(section: ReportSection, g: FindingGroup): HTMLElement {
  const div = el('div', undefined, `finding group ${g.severity}`);
  div.id = `group-${section.id}-${g.id}`;
  const head = el('p');
  head.append(badge(g.severity), ' ', el('strong', g.title));
  div.append(head);
  const first = g.items[0]?.finding;
  if (first?.action) div.append(el('p', `→ ${first.action}`, 'action'));
  const list = el('ul', undefined, 'group-list');
  for (const ref of g.items) {
    const li = el('li', undefined, 'group-item');
    li.id = `finding-${section.id}-${ref.index}`;
    const d = el('details');
    const sum = el('summary');
    sum.append(el('strong', ref.finding.title), el('span', ` — ${ref.finding.detail}`, 'muted'));
    d.append(sum);
    if (ref.finding.sql) {
      d.append(el('pre', ref.finding.sql, 'sql'));
      const buttons = el('div', undefined, 'buttons');
      buttons.append(...actionButtons(section, ref));
      d.append(buttons);
    }
    li.append(d);
    list.append(li);
  }
  div.append(list);
  const sqls = g.items.map((r) => r.finding.sql).filter((x): x is string => !!x);
  if (sqls.length > 1) {
    const all = el('vscode-button', `Copy all ${sqls.length} statements`);
    all.setAttribute('secondary', '');
    all.addEventListener('click', () => vscode.postMessage({ type: 'copySql', sql: sqls.join('\n\n') }));
    div.append(all);
  }
  return div;
}

function countsText(s: ReportSection): string {
  const c = severityCounts(s);
  const parts: string[] = [];
  if (s.error) parts.push('analyzer failed');
  if (c.error - (s.error ? 1 : 0)) parts.push(`${c.error - (s.error ? 1 : 0)} error${c.error > 1 ? 's' : ''}`);
  if (c.warning) parts.push(`${c.warning} warning${c.warning > 1 ? 's' : ''}`);
  if (c.info) parts.push(`${c.info} info`);
  return parts.length ? parts.join(' · ') : 'all well';
}

/** Another section in brief (the PgBouncer pooler inside Connections): summary, key metrics, finding titles, a link to it. */
function renderSubsection(sub: ReportSubsection): HTMLElement {
  const box = el('div', undefined, `subsection ${sub.status}`);
  box.id = `subsection-${sub.id}`;
  const head = el('h3');
  head.append(el('span', sub.title), ' ', badge(sub.status));
  box.append(head, el('p', sub.summary, 'summary'));
  if (sub.error) box.append(el('p', `Analyzer failed: ${sub.error}`, 'finding error'));
  if (sub.metrics.length) box.append(metricsList(sub.metrics));
  if (sub.findings.length) {
    const ul = el('ul', undefined, 'subsection-findings');
    for (const f of sub.findings) {
      const li = el('li');
      li.append(badge(f.severity), ' ', el('span', f.title));
      ul.append(li);
    }
    box.append(ul);
  }
  const link = el('a', `Details in ${sub.title}`);
  link.href = '#';
  link.addEventListener('click', (ev) => {
    ev.preventDefault();
    openAndReveal(`section-${sub.sectionId}`);
  });
  const p = el('p');
  p.append(link);
  box.append(p);
  return box;
}

/** A section's (or subsection's) key metrics: label, value and its status badge; the label's help as a tooltip. */
function metricsList(metrics: ReportSection['metrics']): HTMLElement {
  const dl = el('dl', undefined, 'metrics');
  for (const m of metrics) {
    const dt = el('dt', m.label);
    if (m.help) dt.title = m.help;
    const dd = el('dd');
    dd.append(el('span', m.display), ' ', badge(m.status ?? 'ok'));
    dl.append(dt, dd);
  }
  return dl;
}

function renderSection(s: ReportSection): HTMLElement {
  const section = el('vscode-collapsible');
  section.setAttribute('heading', s.title);
  section.setAttribute('description', countsText(s));
  if (sectionStartsOpen(s)) section.setAttribute('open', '');
  section.id = `section-${s.id}`;
  section.dataset.status = s.status;
  const body = el('div', undefined, 'section-body');
  body.append(el('p', s.summary, 'summary'));
  if (s.error) body.append(el('p', `Analyzer failed: ${s.error}`, 'finding error'));
  if (s.metrics.length) body.append(metricsList(s.metrics));
  for (const g of groupFindings(s.findings)) {
    const only = g.items[0];
    body.append(g.items.length === 1 && only ? renderFinding(s, only) : renderGroup(s, g));
  }
  for (const u of s.unavailable) body.append(el('p', `${u.what} unavailable because ${u.because}; to enable: ${u.toEnable}`, 'unavailable'));
  for (const sub of s.subsections ?? []) body.append(renderSubsection(sub));
  for (const t of s.tables) body.append(renderTable(t, s));
  section.append(body);
  return section;
}

function openAndReveal(id: string): void {
  const target = document.getElementById(id);
  if (!target) return;
  const section = target.closest('vscode-collapsible') ?? (target.tagName.toLowerCase() === 'vscode-collapsible' ? target : null);
  section?.setAttribute('open', '');
  target.scrollIntoView({ block: 'start' });
  if (target.tagName.toLowerCase() !== 'vscode-collapsible') {
    target.classList.add('flash');
    setTimeout(() => target.classList.remove('flash'), 1200);
    target.querySelector('details')?.setAttribute('open', '');
  }
}

/** "What to do first": the top problems across sections, each with its one action. */
function renderFirst(report: Report): HTMLElement {
  const box = el('section', undefined, 'first');
  box.id = 'first';
  box.append(el('h2', 'What to do first'));
  const items = topFindings(report);
  if (items.length === 0) {
    box.append(el('p', 'Nothing to fix: every check that ran passed.', 'muted'));
    return box;
  }
  const ol = el('ol', undefined, 'first-list');
  for (const item of items) {
    const section = report.sections.find((x) => x.id === item.sectionId);
    const lead = item.group.items[0];
    if (!section || !lead) continue;
    const li = el('li', undefined, `first-item ${item.group.severity}`);
    const top = el('div', undefined, 'first-head');
    const link = el('a', item.group.title);
    link.href = '#';
    link.addEventListener('click', (ev) => {
      ev.preventDefault();
      openAndReveal(item.group.items.length > 1 ? `group-${item.sectionId}-${item.group.id}` : `finding-${item.sectionId}-${lead.index}`);
    });
    top.append(badge(item.group.severity), ' ', link, el('span', ` · ${item.sectionTitle}`, 'muted'));
    li.append(top);
    const detail = item.group.items.length > 1 ? item.group.items.slice(0, 3).map((r) => r.finding.title).join('; ') + (item.group.items.length > 3 ? '; …' : '') : lead.finding.detail;
    li.append(el('p', detail, 'first-detail'));
    if (lead.finding.action) li.append(el('p', `→ ${lead.finding.action}`, 'action'));
    if (item.group.items.length === 1) {
      const buttons = actionButtons(section, lead);
      if (buttons.length) {
        const wrap = el('span', undefined, 'buttons inline');
        wrap.append(...buttons);
        top.append(wrap);
      }
    }
    ol.append(li);
  }
  box.append(ol);
  const total = report.summary.errors + report.summary.warnings + report.summary.infos;
  if (total > items.length) box.append(el('p', `${items.length} of ${total} findings, worst first; the rest are in their sections below.`, 'muted small'));
  return box;
}

/** The sticky navigator: one entry per section with its severity counts; pending sections say so. */
function renderNav(report: Report, pending: string[]): HTMLElement {
  const nav = el('nav', undefined, 'section-nav');
  nav.id = 'section-nav';
  nav.setAttribute('aria-label', 'Sections');
  const first = el('a', 'First', 'nav-item');
  first.href = '#';
  first.addEventListener('click', (ev) => {
    ev.preventDefault();
    document.getElementById('first')?.scrollIntoView({ block: 'start' });
  });
  nav.append(first);
  for (const s of report.sections) {
    const a = el('a', undefined, `nav-item status-${s.status}`);
    a.href = '#';
    a.dataset.section = s.id;
    a.title = s.title;
    a.append(el('span', s.title));
    const c = severityCounts(s);
    for (const sev of ['error', 'warning', 'info'] as const) {
      if (c[sev] > 0) {
        const chip = el('span', String(c[sev]), `chip ${sev}`);
        chip.title = `${c[sev]} ${sev}`;
        a.append(chip);
      }
    }
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      openAndReveal(`section-${s.id}`);
    });
    nav.append(a);
  }
  for (const p of pending) nav.append(el('span', `${p} …`, 'nav-item pending'));
  return nav;
}

function renderReport(report: Report, pending: string[] = []): void {
  const head = el('header');
  const h1 = el('h1', report.title);
  h1.append(' ', badge(report.summary.status));
  head.append(
    h1,
    el('p', `${report.connection.name} — ${report.connection.target} — PostgreSQL ${report.connection.serverVersion} — ${new Date(report.generatedAt).toLocaleString()}`, 'muted'),
    el('p', `${report.summary.errors} error(s), ${report.summary.warnings} warning(s), ${report.summary.infos} info${pending.length ? ` so far — still running: ${pending.join(', ')}` : ''}`),
  );
  const caps = el('vscode-collapsible');
  caps.setAttribute('heading', 'Capabilities');
  caps.id = 'capabilities';
  const capList = el('ul', undefined, 'caps');
  for (const c of report.capabilities) {
    const li = el('li');
    li.append(el('strong', `${c.name}: `), el('span', c.detail));
    li.className = c.status;
    capList.append(li);
  }
  caps.append(capList);
  if (report.capabilities.some((c) => c.status !== 'ok')) caps.setAttribute('description', 'some unavailable');
  const placeholders = pending.map((p) => {
    const ph = el('vscode-collapsible');
    ph.setAttribute('heading', p);
    ph.setAttribute('description', 'running…');
    ph.className = 'pending';
    return ph;
  });
  // Sections the user opened or closed stay so when the report is re-rendered (each streamed section, a
  // refresh), even across renders where the section is not there yet.
  for (const c of root.querySelectorAll<HTMLElement>('vscode-collapsible[id^="section-"]')) {
    const open = c.hasAttribute('open');
    if (open === (c.dataset.defaultOpen === 'true')) userOpen.delete(c.id);
    else userOpen.set(c.id, open);
  }
  const scroll = window.scrollY;
  const sections = report.sections.map(renderSection);
  for (const s of sections) {
    s.dataset.defaultOpen = String(s.hasAttribute('open'));
    const was = userOpen.get(s.id);
    if (was === true) s.setAttribute('open', '');
    else if (was === false) s.removeAttribute('open');
  }
  root.replaceChildren(head, renderNav(report, pending), renderFirst(report), ...sections, ...placeholders, caps, renderTimings(report));
  const trendsSection = root.querySelector('#section-trends .section-body');
  if (trendsSection) trendsSection.append(trendCharts.element);
  if (pending.length) window.scrollTo(0, scroll);
  applyFilter();
  vscode.setState({ report });
}

/** The footer: each analyzer's time (report.timings; a report without them, e.g. a table page: its sections'). */
function renderTimings(report: Report): HTMLElement {
  const t = report.timings ?? report.sections.map((s) => ({ analyzer: s.id, title: s.title, ms: s.durationMs }));
  const ms = (n: number): string => (n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`);
  const total = t.reduce((n, x) => n + x.ms, 0);
  const footer = el('footer', t.length ? `Analyzer times: ${t.map((x) => `${x.title} ${ms(x.ms)}`).join(' · ')} — ${ms(total)} in all` : '', 'muted timings');
  footer.id = 'analyzer-timings';
  return footer;
}

function onMessage(msg: ToWebview): void {
  switch (msg.type) {
    case 'showReport':
      renderReport(msg.report, msg.pending ?? []);
      if (!msg.pending?.length) statusLine.textContent = '';
      break;
    case 'progress':
      progress.hidden = !msg.running;
      statusLine.textContent = msg.message;
      statusLine.className = '';
      break;
    case 'showTrends':
      trendCharts.show(msg.trends);
      break;
    case 'error':
      progress.hidden = true;
      showStatus(msg.message, 'error');
      break;
    case 'response':
      host.settle(msg);
      break;
  }
}

function showStatus(text: string, className = ''): void {
  statusLine.textContent = text;
  statusLine.className = className;
}

function exportReport(format: 'html' | 'json' | 'markdown'): void {
  void host.request('export', { format }).then((r) => {
    if (r.savedTo) showStatus(`Saved to ${r.savedTo}`);
  });
}

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  if (isToWebview(ev.data)) onMessage(ev.data);
});
document.getElementById('refresh')?.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
document.getElementById('export-html')?.addEventListener('click', () => exportReport('html'));
document.getElementById('export-json')?.addEventListener('click', () => exportReport('json'));
document.getElementById('export-markdown')?.addEventListener('click', () => exportReport('markdown'));
filterBox?.addEventListener('input', () => {
  filterText = filterBox.value;
  applyFilter();
});

const saved = vscode.getState() as { report?: Report } | undefined;
if (saved?.report) renderReport(saved.report);
vscode.postMessage({ type: 'ready' });
