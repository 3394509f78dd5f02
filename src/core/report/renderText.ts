// Plain-text rendering of the report model (CLI `--format text`, demo summary).
import { topFindings } from './layout';
import { timingsLine, type Report, type ReportSection, type ReportSubsection, type Status } from './model';

const MARK: Record<Status, string> = { ok: 'ok  ', info: 'info', warning: 'WARN', error: 'ERR ' };

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** Every line of a possibly multi-line text, each with the same indent (continuation lines keep it). */
function indented(prefix: string, text: string, rest = ' '.repeat(prefix.length)): string[] {
  return text.split(/\r?\n/).map((l, i) => `${i === 0 ? prefix : rest}${l}`);
}

/** A table cell on one line: newlines and runs of spaces (a statement's layout) folded. */
function oneLine(v: unknown, max = 80): string {
  const s = String(v ?? '').replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Another section in brief (the pooler inside Connections): its summary, key metrics and finding titles. */
function renderSubsectionText(sub: ReportSubsection): string[] {
  const lines = indented(`  -- ${sub.title} [${sub.status}] — `, sub.summary, '     ');
  if (sub.error) lines.push(...indented('     error: ', sub.error));
  const width = Math.max(0, ...sub.metrics.map((m) => m.label.length));
  for (const m of sub.metrics) lines.push(`     ${MARK[m.status ?? 'ok']} ${pad(m.label, width)}  ${m.display}`);
  for (const f of sub.findings) lines.push(...indented(`     ${MARK[f.severity]} `, f.title));
  lines.push(`     (details in the "${sub.title}" section)`);
  return lines;
}

export function renderSectionText(s: ReportSection, opts: { details?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(...indented(`== ${s.title} [${s.status}] — `, `${s.summary} (${s.durationMs} ms)`, '   '));
  if (s.error) lines.push(...indented('  error: ', s.error));
  const width = Math.max(0, ...s.metrics.map((m) => m.label.length));
  for (const m of s.metrics) lines.push(`  ${MARK[m.status ?? 'ok']} ${pad(m.label, width)}  ${m.display}`);
  for (const f of s.findings) {
    lines.push(...indented(`  ${MARK[f.severity]} `, f.title));
    if (opts.details !== false) {
      lines.push(...indented('       ', f.detail));
      if (f.action) lines.push(...indented('       → ', f.action));
      if (f.sql) for (const l of f.sql.split('\n')) lines.push(`         ${l}`);
    }
  }
  for (const u of s.unavailable) lines.push(...indented('  n/a  ', `${u.what} unavailable because ${u.because}; to enable: ${u.toEnable}`));
  for (const sub of s.subsections ?? []) lines.push(...renderSubsectionText(sub));
  if (opts.details !== false) {
    for (const t of s.tables) {
      if (t.rows.length === 0) continue;
      lines.push(`  -- ${t.title}`);
      const widths = t.columns.map((c) => Math.max(c.label.length, ...t.rows.map((r) => oneLine(r[c.key]).length)));
      lines.push('     ' + t.columns.map((c, i) => pad(c.label, widths[i] ?? 0)).join('  ').trimEnd());
      for (const r of t.rows.slice(0, 20)) lines.push('     ' + t.columns.map((c, i) => pad(oneLine(r[c.key]), widths[i] ?? 0)).join('  ').trimEnd());
      if (t.rows.length > 20) lines.push(`     … ${t.rows.length - 20} more rows`);
    }
  }
  return lines.join('\n');
}

export function renderReportText(report: Report, opts: { details?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`${report.title}`);
  out.push(`${report.connection.name}: ${report.connection.target} — PostgreSQL ${report.connection.serverVersion} — ${report.generatedAt}`);
  for (const c of report.capabilities) if (c.status !== 'ok') out.push(...indented('  n/a  ', `${c.name}: ${c.detail}`));
  out.push('');
  const first = topFindings(report);
  if (first.length) {
    out.push('What to do first:');
    first.forEach((item, i) => {
      const n = item.group.items.length;
      const lead = item.group.items[0]?.finding;
      out.push(...indented(`  ${String(i + 1).padStart(2)}. ${MARK[item.group.severity]} `, `${item.group.title} (${item.sectionTitle})`));
      if (n === 1 && lead?.action) out.push(...indented('           → ', lead.action));
    });
    out.push('');
  }
  for (const s of report.sections) {
    out.push(renderSectionText(s, opts));
    out.push('');
  }
  const sum = report.summary;
  out.push(`Summary: ${sum.errors} error(s), ${sum.warnings} warning(s), ${sum.infos} info — status ${sum.status}`);
  const timings = timingsLine(report);
  if (timings) out.push(timings);
  return out.join('\n');
}
