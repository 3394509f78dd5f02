// Self-contained HTML rendering of the report model: one file, inline CSS, no script, no external
// resource, so it can be mailed or archived. Every database string goes through escapeHtml.
import type { Cell, Report, ReportSection, Status } from './model';

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export const REPORT_CSS = `
:root { color-scheme: light dark; --ok:#2e7d32; --info:#1565c0; --warning:#b26a00; --error:#c62828; --muted:#777; --border:#8884; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; } h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
.meta { color: var(--muted); }
.badge { display:inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .8rem; font-weight: 600; color: #fff; }
.badge.ok{background:var(--ok)} .badge.info{background:var(--info)} .badge.warning{background:var(--warning)} .badge.error{background:var(--error)}
table { border-collapse: collapse; width: 100%; margin: .3rem 0 1rem; } th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid var(--border); vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.finding { border-left: 4px solid var(--border); padding: .3rem .7rem; margin: .5rem 0; }
.finding.error{border-color:var(--error)} .finding.warning{border-color:var(--warning)} .finding.info{border-color:var(--info)}
.finding p { margin: .2rem 0; } pre { background: #8881; padding: .5rem; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
.unavailable { color: var(--muted); font-style: italic; }
`;

export function badge(s: Status): string {
  return `<span class="badge ${s}">${escapeHtml(s)}</span>`;
}

function cell(v: Cell): string {
  return escapeHtml(v === null ? '' : v);
}

function renderSection(s: ReportSection, anchorPrefix = ''): string {
  const parts: string[] = [];
  parts.push(`<section id="${escapeHtml(anchorPrefix)}section-${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)} ${badge(s.status)}</h2>`);
  parts.push(`<p>${escapeHtml(s.summary)}</p>`);
  if (s.error) parts.push(`<p class="finding error">Analyzer failed: ${escapeHtml(s.error)}</p>`);
  if (s.metrics.length) {
    parts.push('<table class="metrics"><tbody>');
    for (const m of s.metrics) {
      parts.push(`<tr><th>${escapeHtml(m.label)}</th><td>${escapeHtml(m.display)}</td><td>${badge(m.status ?? 'ok')}</td></tr>`);
    }
    parts.push('</tbody></table>');
  }
  for (const f of s.findings) {
    parts.push(`<div class="finding ${f.severity}"><p><strong>${escapeHtml(f.title)}</strong> ${badge(f.severity)}</p><p>${escapeHtml(f.detail)}</p>`);
    if (f.action) parts.push(`<p>→ ${escapeHtml(f.action)}</p>`);
    if (f.sql) parts.push(`<pre>${escapeHtml(f.sql)}</pre>`);
    parts.push('</div>');
  }
  for (const u of s.unavailable) {
    parts.push(`<p class="unavailable">${escapeHtml(u.what)} unavailable because ${escapeHtml(u.because)}; to enable: ${escapeHtml(u.toEnable)}</p>`);
  }
  for (const t of s.tables) {
    parts.push(`<h3>${escapeHtml(t.title)}</h3>`);
    if (t.rows.length === 0) {
      parts.push(`<p class="meta">${escapeHtml(t.emptyText)}</p>`);
      continue;
    }
    parts.push('<table><thead><tr>');
    for (const c of t.columns) parts.push(`<th${c.numeric ? ' class="num"' : ''}>${escapeHtml(c.label)}</th>`);
    parts.push('</tr></thead><tbody>');
    for (const r of t.rows) {
      parts.push('<tr>');
      for (const c of t.columns) parts.push(`<td${c.numeric ? ' class="num"' : ''}>${cell(r[c.key] ?? null)}</td>`);
      parts.push('</tr>');
    }
    parts.push('</tbody></table>');
  }
  parts.push('</section>');
  return parts.join('\n');
}

/**
 * The report's content without the document around it (title, meta, capabilities, sections), for pages
 * that hold several reports (the fleet report): `anchorPrefix` keeps the section anchors unique.
 */
export function renderReportBodyHtml(report: Report, opts: { anchorPrefix?: string; heading?: 'h1' | 'h2' } = {}): string {
  const h = opts.heading ?? 'h1';
  const caps = report.capabilities
    .map((c) => `<tr><th>${escapeHtml(c.name)}</th><td>${badge(c.status === 'ok' ? 'ok' : 'warning')}</td><td>${escapeHtml(c.detail)}</td></tr>`)
    .join('\n');
  return `<${h}>${escapeHtml(report.title)} ${badge(report.summary.status)}</${h}>
<p class="meta">${escapeHtml(report.connection.name)} — ${escapeHtml(report.connection.target)} — PostgreSQL ${escapeHtml(report.connection.serverVersion)} — generated ${escapeHtml(report.generatedAt)} by pgopt ${escapeHtml(report.tool.version)}</p>
<p>${report.summary.errors} error(s), ${report.summary.warnings} warning(s), ${report.summary.infos} info.</p>
<h2>Capabilities</h2><table><tbody>${caps}</tbody></table>
${report.sections.map((s) => renderSection(s, opts.anchorPrefix)).join('\n')}`;
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
