// Markdown rendering of the report model (CLI `--format markdown`, the report's "Export Markdown"), for
// pull requests, wikis and tickets. Database strings are escaped so a hostile name cannot inject markup,
// links or HTML: Markdown special characters get a backslash, `<`/`>`/`&` become entities.
import { timingsLine, type Cell, type Report, type ReportSection } from './model';

const MD_SPECIAL = /[\\`*_{}[\]()#+\-.!|~]/g;

export function escapeMarkdown(value: unknown): string {
  return String(value ?? '')
    .replace(MD_SPECIAL, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, ' ');
}

/** A fenced block whose fence is longer than any backtick run inside, so SQL cannot close it early. */
function fenced(text: string, lang: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

function cell(v: Cell): string {
  return escapeMarkdown(v === null ? '' : v);
}

function renderSection(s: ReportSection): string {
  const out: string[] = [];
  out.push(`## ${escapeMarkdown(s.title)} — ${s.status}`, '', escapeMarkdown(s.summary), '');
  if (s.error) out.push(`**Analyzer failed:** ${escapeMarkdown(s.error)}`, '');
  if (s.metrics.length) {
    out.push('| Metric | Value | Status |', '| --- | --- | --- |');
    for (const m of s.metrics) out.push(`| ${escapeMarkdown(m.label)} | ${escapeMarkdown(m.display)} | ${m.status ?? 'ok'} |`);
    out.push('');
  }
  for (const f of s.findings) {
    out.push(`- **${f.severity}** ${escapeMarkdown(f.title)}: ${escapeMarkdown(f.detail)}`);
    if (f.action) out.push(`  - → ${escapeMarkdown(f.action)}`);
    if (f.sql) out.push('', fenced(f.sql, 'sql').replace(/^/gm, '    '), '');
  }
  if (s.findings.length) out.push('');
  for (const u of s.unavailable) out.push(`> ${escapeMarkdown(u.what)} unavailable because ${escapeMarkdown(u.because)}; to enable: ${escapeMarkdown(u.toEnable)}`, '');
  // Another section in brief (the pooler inside Connections).
  for (const sub of s.subsections ?? []) {
    out.push(`### ${escapeMarkdown(sub.title)} — ${sub.status}`, '', escapeMarkdown(sub.summary), '');
    if (sub.error) out.push(`**Analyzer failed:** ${escapeMarkdown(sub.error)}`, '');
    if (sub.metrics.length) {
      out.push('| Metric | Value | Status |', '| --- | --- | --- |');
      for (const m of sub.metrics) out.push(`| ${escapeMarkdown(m.label)} | ${escapeMarkdown(m.display)} | ${m.status ?? 'ok'} |`);
      out.push('');
    }
    for (const f of sub.findings) out.push(`- **${f.severity}** ${escapeMarkdown(f.title)}`);
    out.push(`${sub.findings.length ? '\n' : ''}Details in the section ${escapeMarkdown(sub.title)}.`, '');
  }
  for (const t of s.tables) {
    out.push(`### ${escapeMarkdown(t.title)}`, '');
    if (t.rows.length === 0) {
      out.push(`_${escapeMarkdown(t.emptyText)}_`, '');
      continue;
    }
    out.push(`| ${t.columns.map((c) => escapeMarkdown(c.label)).join(' | ')} |`);
    out.push(`| ${t.columns.map((c) => (c.numeric ? '---:' : '---')).join(' | ')} |`);
    for (const r of t.rows) out.push(`| ${t.columns.map((c) => cell(r[c.key] ?? null)).join(' | ')} |`);
    out.push('');
  }
  return out.join('\n');
}

export function renderReportMarkdown(report: Report): string {
  const out: string[] = [];
  out.push(`# ${escapeMarkdown(report.title)} — ${report.summary.status}`, '');
  out.push(
    `${escapeMarkdown(report.connection.name)} — ${escapeMarkdown(report.connection.target)} — PostgreSQL ${escapeMarkdown(report.connection.serverVersion)} — generated ${escapeMarkdown(report.generatedAt)} by pgopt ${escapeMarkdown(report.tool.version)}`,
    '',
    `${report.summary.errors} error(s), ${report.summary.warnings} warning(s), ${report.summary.infos} info.`,
    '',
    '## Capabilities',
    '',
    '| Capability | Status | Detail |',
    '| --- | --- | --- |',
  );
  for (const c of report.capabilities) out.push(`| ${escapeMarkdown(c.name)} | ${c.status} | ${escapeMarkdown(c.detail)} |`);
  out.push('');
  for (const s of report.sections) out.push(renderSection(s));
  const timings = timingsLine(report);
  if (timings) out.push('', `_${escapeMarkdown(timings)}_`);
  return `${out.join('\n').trimEnd()}\n`;
}
