// Self-contained HTML rendering of the report model: one file, inline CSS, no script, no external
// resource, so it can be mailed or archived. Every database string goes through escapeHtml. Laid out like the
// editor's report (src/core/report/layout.ts): "What to do first", a section navigator with counts, sections
// where all is well collapsed (<details>), findings of one kind grouped, tables of at most 8 header cells
// with the other columns in a row's <details>, and Trends as static inline-SVG charts.
import { chartGeometry } from './chartGeometry';
import { groupFindings, sectionStartsOpen, severityCounts, tableLayout, topFindings, type FindingGroup } from './layout';
import { timingsLine, type Cell, type Report, type ReportChart, type ReportFinding, type ReportSection, type ReportSubsection, type ReportTable, type Status } from './model';

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export const REPORT_CSS = `
:root { color-scheme: light dark; --ok:#2e7d32; --info:#1565c0; --warning:#b26a00; --error:#c62828; --muted:#777; --border:#8884; --bg: Canvas; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto 2rem; max-width: 1100px; padding: 0 1rem; background: var(--bg); }
h1 { font-size: 1.5rem; margin: 1.2rem 0 .2rem; } h2 { font-size: 1.2rem; margin: 1.2rem 0 .5rem; } h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
.meta { color: var(--muted); }
.badge { display:inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .8rem; font-weight: 600; color: #fff; }
.badge.ok{background:var(--ok)} .badge.info{background:var(--info)} .badge.warning{background:var(--warning)} .badge.error{background:var(--error)}
nav { position: sticky; top: 0; background: var(--bg); padding: .4rem 0; border-bottom: 1px solid var(--border); display: flex; flex-wrap: wrap; gap: .2rem .7rem; z-index: 1; }
nav a { text-decoration: none; } nav .n { font-size: .75rem; padding: 0 .35rem; border-radius: .6rem; color: #fff; margin-left: .2rem; }
nav .n.error{background:var(--error)} nav .n.warning{background:var(--warning)} nav .n.info{background:var(--info)}
ol.first li { margin: .35rem 0; } ol.first p { margin: .1rem 0; }
details.section { border-top: 1px solid var(--border); padding: .2rem 0; } details.section > summary { cursor: pointer; font-size: 1.15rem; font-weight: 600; padding: .4rem 0; }
details.section > summary .meta { font-size: .9rem; font-weight: 400; }
section, details.section, .finding { scroll-margin-top: 3rem; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0 1rem; } th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid var(--border); vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.sql { font-family: ui-monospace, monospace; max-width: 32rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
dl.more { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: .2rem 0; } dl.more dt { color: var(--muted); } dl.more dd { margin: 0; }
.finding { border-left: 4px solid var(--border); padding: .3rem .7rem; margin: .5rem 0; }
.finding.error{border-color:var(--error)} .finding.warning{border-color:var(--warning)} .finding.info{border-color:var(--info)}
.finding p { margin: .2rem 0; } pre { background: #8881; border: 1px solid var(--border); padding: .5rem; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
.unavailable { color: var(--muted); font-style: italic; }
.subsection { border: 1px solid var(--border); border-radius: .3rem; padding: .2rem .8rem; margin: .6rem 0; } .subsection ul { margin: .2rem 0; padding-left: 1.2rem; }
.charts { display: flex; flex-wrap: wrap; gap: .8rem 1.2rem; } figure.chart { margin: 0; } figure.chart figcaption { font-weight: 600; font-size: .9rem; }
svg.chart polyline { fill: none; stroke: var(--info); stroke-width: 1.5; } svg.chart circle { fill: var(--info); } svg.chart line { stroke: var(--border); } svg.chart text { fill: var(--muted); font-size: 10px; }
`;

export function badge(s: Status): string {
  return `<span class="badge ${s}">${escapeHtml(s)}</span>`;
}

function cell(v: Cell): string {
  return escapeHtml(v === null ? '' : v);
}

/** A static line chart (inline SVG) of one series: axis labels for min/max and the time span, gaps as gaps. */
export function chartSvg(chart: ReportChart, width = 320, height = 110): string {
  const plotW = width - 48;
  const plotH = height - 22;
  const g = chartGeometry(chart, plotW, plotH);
  const fmt = (v: number): string => (chart.unit === 'percent' ? `${v} %` : Math.abs(v) >= 1e6 ? v.toExponential(1) : String(Math.round(v * 100) / 100));
  const time = (ms: number): string => new Date(ms).toISOString().slice(11, 16);
  const parts = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(chart.label)}">`,
    `<g transform="translate(44,2)">`,
    `<line x1="0" y1="${plotH}" x2="${plotW}" y2="${plotH}"/><line x1="0" y1="0" x2="0" y2="${plotH}"/>`,
    ...g.segments.map((s) => `<polyline points="${s}"/>`),
    ...g.dots.map((d) => `<circle cx="${d.x.toFixed(1)}" cy="${d.y.toFixed(1)}" r="2"/>`),
    `</g>`,
    `<text x="40" y="10" text-anchor="end">${escapeHtml(fmt(g.yMax))}</text>`,
    `<text x="40" y="${plotH + 2}" text-anchor="end">${escapeHtml(fmt(g.yMin))}</text>`,
    `<text x="44" y="${height - 4}">${escapeHtml(time(g.tMin))}</text>`,
    `<text x="${width - 4}" y="${height - 4}" text-anchor="end">${escapeHtml(time(g.tMax))} UTC</text>`,
    `</svg>`,
  ];
  return parts.join('');
}

function renderTable(t: ReportTable): string {
  if (t.rows.length === 0) return `<h3>${escapeHtml(t.title)}</h3><p class="meta">${escapeHtml(t.emptyText)}</p>`;
  const layout = tableLayout(t);
  const cls = (key: string): string => (layout.rightAligned.has(key) ? ' class="num"' : key === 'query' ? ' class="sql"' : '');
  const parts = [`<h3>${escapeHtml(t.title)}</h3>`, '<table><thead><tr>'];
  for (const c of layout.visible) parts.push(`<th${layout.rightAligned.has(c.key) ? ' class="num"' : ''}>${escapeHtml(c.label)}</th>`);
  if (layout.detail.length) parts.push('<th>More</th>');
  parts.push('</tr></thead><tbody>');
  for (const r of t.rows) {
    parts.push('<tr>');
    for (const c of layout.visible) {
      const v = r[c.key] ?? null;
      parts.push(`<td${cls(c.key)}${c.key === 'query' ? ` title="${cell(v)}"` : ''}>${cell(v)}</td>`);
    }
    if (layout.detail.length) {
      const items = layout.detail
        .filter((c) => r[c.key] !== null && r[c.key] !== undefined && r[c.key] !== '')
        .map((c) => `<dt>${escapeHtml(c.label)}</dt><dd>${cell(r[c.key] ?? null)}</dd>`);
      const query = t.columns.some((c) => c.key === 'query') ? `<pre>${cell(r.statement ?? r.query ?? null)}</pre>` : '';
      parts.push(`<td><details><summary>${items.length} more</summary><dl class="more">${items.join('')}</dl>${query}</details></td>`);
    }
    parts.push('</tr>');
  }
  parts.push('</tbody></table>');
  return parts.join('\n');
}

function renderFinding(s: ReportSection, f: ReportFinding, index: number, px = ''): string {
  const parts = [`<div class="finding ${f.severity}" id="${escapeHtml(px)}finding-${escapeHtml(s.id)}-${index}"><p>${badge(f.severity)} <strong>${escapeHtml(f.title)}</strong></p><p>${escapeHtml(f.detail)}</p>`];
  if (f.action) parts.push(`<p>→ ${escapeHtml(f.action)}</p>`);
  if (f.sql) parts.push(`<pre>${escapeHtml(f.sql)}</pre>`);
  parts.push('</div>');
  return parts.join('');
}

function renderGroup(s: ReportSection, g: FindingGroup, px = ''): string {
  const action = g.items[0]?.finding.action;
  const rows = g.items
    .map((r) => `<tr id="${escapeHtml(px)}finding-${escapeHtml(s.id)}-${r.index}"><td>${escapeHtml(r.finding.title)}</td><td>${escapeHtml(r.finding.detail)}</td><td>${r.finding.sql ? `<details><summary>SQL</summary><pre>${escapeHtml(r.finding.sql)}</pre></details>` : ''}</td></tr>`)
    .join('\n');
  return `<div class="finding ${g.severity}" id="${escapeHtml(px)}group-${escapeHtml(s.id)}-${escapeHtml(g.id)}"><p>${badge(g.severity)} <strong>${escapeHtml(g.title)}</strong></p>${action ? `<p>→ ${escapeHtml(action)}</p>` : ''}<table><thead><tr><th>Object</th><th>Detail</th><th>SQL</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function countsText(s: ReportSection): string {
  const c = severityCounts(s);
  const parts = (['error', 'warning', 'info'] as const).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k}`);
  return parts.length ? parts.join(' · ') : 'all well';
}

/** Another section in brief (the pooler inside Connections), linking to it. */
function renderSubsection(sub: ReportSubsection, px = ''): string {
  const parts = [`<div class="subsection" id="${escapeHtml(px)}subsection-${escapeHtml(sub.id)}"><h3>${escapeHtml(sub.title)} ${badge(sub.status)}</h3><p>${escapeHtml(sub.summary)}</p>`];
  if (sub.error) parts.push(`<p class="finding error">Analyzer failed: ${escapeHtml(sub.error)}</p>`);
  if (sub.metrics.length) {
    parts.push('<table class="metrics"><tbody>');
    for (const m of sub.metrics) parts.push(`<tr><th>${escapeHtml(m.label)}</th><td>${escapeHtml(m.display)}</td><td>${badge(m.status ?? 'ok')}</td></tr>`);
    parts.push('</tbody></table>');
  }
  if (sub.findings.length) parts.push(`<ul>${sub.findings.map((f) => `<li>${badge(f.severity)} ${escapeHtml(f.title)}</li>`).join('')}</ul>`);
  parts.push(`<p><a href="#${escapeHtml(px)}section-${escapeHtml(sub.sectionId)}">Details in ${escapeHtml(sub.title)}</a></p></div>`);
  return parts.join('\n');
}

function renderSection(s: ReportSection, px = ''): string {
  const parts: string[] = [];
  parts.push(`<details class="section" id="${escapeHtml(px)}section-${escapeHtml(s.id)}"${sectionStartsOpen(s) ? ' open' : ''}><summary>${escapeHtml(s.title)} ${badge(s.status)} <span class="meta">${escapeHtml(countsText(s))}</span></summary>`);
  parts.push(`<p>${escapeHtml(s.summary)}</p>`);
  if (s.error) parts.push(`<p class="finding error">Analyzer failed: ${escapeHtml(s.error)}</p>`);
  if (s.metrics.length) {
    parts.push('<table class="metrics"><tbody>');
    for (const m of s.metrics) {
      parts.push(`<tr><th>${escapeHtml(m.label)}</th><td>${escapeHtml(m.display)}</td><td>${badge(m.status ?? 'ok')}</td></tr>`);
    }
    parts.push('</tbody></table>');
  }
  for (const g of groupFindings(s.findings)) {
    const only = g.items[0];
    parts.push(g.items.length === 1 && only ? renderFinding(s, only.finding, only.index, px) : renderGroup(s, g, px));
  }
  for (const u of s.unavailable) {
    parts.push(`<p class="unavailable">${escapeHtml(u.what)} unavailable because ${escapeHtml(u.because)}; to enable: ${escapeHtml(u.toEnable)}</p>`);
  }
  for (const sub of s.subsections ?? []) parts.push(renderSubsection(sub, px));
  if (s.charts?.length) {
    parts.push('<div class="charts">');
    for (const c of s.charts) parts.push(`<figure class="chart"><figcaption>${escapeHtml(c.label)}${c.kind === 'counter' ? ' (per interval)' : ''}</figcaption>${chartSvg(c)}</figure>`);
    parts.push('</div>');
  }
  for (const t of s.tables) parts.push(renderTable(t));
  parts.push('</details>');
  return parts.join('\n');
}

function renderFirst(report: Report, px = ''): string {
  const items = topFindings(report);
  if (items.length === 0) return `<section id="${escapeHtml(px)}first"><h2>What to do first</h2><p class="meta">Nothing to fix: every check that ran passed.</p></section>`;
  const lis = items.map((item) => {
    const lead = item.group.items[0];
    const anchor = px + (item.group.items.length > 1 ? `group-${item.sectionId}-${item.group.id}` : `finding-${item.sectionId}-${lead?.index ?? 0}`);
    const detail = item.group.items.length > 1 ? item.group.items.slice(0, 3).map((r) => r.finding.title).join('; ') + (item.group.items.length > 3 ? '; …' : '') : (lead?.finding.detail ?? '');
    const action = lead?.finding.action ? `<p>→ ${escapeHtml(lead.finding.action)}</p>` : '';
    return `<li>${badge(item.group.severity)} <a href="#${escapeHtml(anchor)}"><strong>${escapeHtml(item.group.title)}</strong></a> <span class="meta">· ${escapeHtml(item.sectionTitle)}</span><p>${escapeHtml(detail)}</p>${action}</li>`;
  });
  return `<section id="${escapeHtml(px)}first"><h2>What to do first</h2><ol class="first">${lis.join('\n')}</ol></section>`;
}

function renderNav(report: Report, px = ''): string {
  const links = report.sections.map((s) => {
    const c = severityCounts(s);
    const chips = (['error', 'warning', 'info'] as const)
      .filter((k) => c[k] > 0)
      .map((k) => `<span class="n ${k}" title="${c[k]} ${k}">${c[k]}</span>`)
      .join('');
    return `<a href="#${escapeHtml(px)}section-${escapeHtml(s.id)}">${escapeHtml(s.title)}${chips}</a>`;
  });
  return `<nav aria-label="Sections"><a href="#${escapeHtml(px)}first">First</a>${links.join('')}<a href="#${escapeHtml(px)}capabilities">Capabilities</a></nav>`;
}

/**
 * The report's content without the document around it (title, meta, navigator, What to do first, sections,
 * capabilities), for pages that hold several reports (the fleet report): `anchorPrefix` keeps anchors unique.
 */
export function renderReportBodyHtml(report: Report, opts: { anchorPrefix?: string; heading?: 'h1' | 'h2' } = {}): string {
  const h = opts.heading ?? 'h1';
  const px = opts.anchorPrefix ?? '';
  const caps = report.capabilities
    .map((c) => `<tr><th>${escapeHtml(c.name)}</th><td>${badge(c.status === 'ok' ? 'ok' : 'warning')}</td><td>${escapeHtml(c.detail)}</td></tr>`)
    .join('\n');
  return `<${h}>${escapeHtml(report.title)} ${badge(report.summary.status)}</${h}>
<p class="meta">${escapeHtml(report.connection.name)} — ${escapeHtml(report.connection.target)} — PostgreSQL ${escapeHtml(report.connection.serverVersion)} — generated ${escapeHtml(report.generatedAt)} by pgopt ${escapeHtml(report.tool.version)}</p>
<p>${report.summary.errors} error(s), ${report.summary.warnings} warning(s), ${report.summary.infos} info.</p>
${renderNav(report, px)}
${renderFirst(report, px)}
${report.sections.map((s) => renderSection(s, px)).join('\n')}
<details class="section" id="${escapeHtml(px)}capabilities"><summary>Capabilities</summary><table><tbody>${caps}</tbody></table></details>
${timingsLine(report) ? `<footer class="meta timings">${escapeHtml(timingsLine(report))}</footer>` : ''}`;
}

/** A self-contained HTML document around `body` (inline CSS, no script, CSP allowing nothing else). */
export function htmlDocument(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${REPORT_CSS}</style></head>
<body>
${body}
</body></html>
`;
}

export function renderReportHtml(report: Report): string {
  return htmlDocument(report.title, renderReportBodyHtml(report));
}
