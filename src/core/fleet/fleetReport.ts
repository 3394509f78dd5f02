// The fleet result: one entry per database (its report or why there is none), a summary, and the ranked
// table (worst first) that text and HTML show above the per-database reports. Pure data and rendering.
import { formatBytes, truncateSql } from '../format';
import type { Report } from '../report/model';
import { badge, escapeHtml, htmlDocument, renderReportBodyHtml } from '../report/renderHtml';
import type { FleetOutcome } from './runFleet';
import type { FleetTarget } from './fleetFile';
import { verdictRank, worstVerdict, type Verdict } from './verdict';

/** What the ranked table shows of one database's result. */
export interface FleetDigest {
  verdict: Verdict;
  errors: number;
  warnings: number;
  /** Most severe first; at most a few. */
  problems: string[];
  sizeBytes: number | null;
  slowest: string | null;
}

export interface FleetDatabase<R> {
  name: string;
  tags: string[];
  verdict: Verdict;
  report?: R;
  error?: string;
  timedOut?: boolean;
  durationMs: number;
}

export interface FleetSummary {
  databases: number;
  reached: number;
  failed: number;
  timedOut: number;
  byVerdict: Record<Verdict, number>;
  worst: Verdict;
  concurrency: number;
  targetTimeoutS: number;
  durationMs: number;
}

export interface FleetResult<R> {
  command: 'analyze' | 'snapshot' | 'advise';
  databases: FleetDatabase<R>[];
  summary: FleetSummary;
}

export interface FleetRow {
  rank: number;
  name: string;
  tags: string[];
  verdict: Verdict;
  problems: string[];
  sizeBytes: number | null;
  slowest: string | null;
  error?: string;
  /** Index into FleetResult.databases (the anchor of its report). */
  index: number;
}

export function buildFleetResult<R>(
  command: FleetResult<R>['command'],
  targets: readonly FleetTarget[],
  outcomes: readonly FleetOutcome<R>[],
  verdictOf: (report: R) => Verdict,
  meta: { concurrency: number; targetTimeoutS: number; durationMs: number },
): FleetResult<R> {
  const databases = targets.map((t, i): FleetDatabase<R> => {
    const o = outcomes[i] ?? { ok: false as const, error: 'not run', timedOut: false, durationMs: 0 };
    if (o.ok) return { name: t.name, tags: t.tags, verdict: verdictOf(o.value), report: o.value, durationMs: o.durationMs };
    // A database that could not be examined is an error: a cron job must notice it.
    return { name: t.name, tags: t.tags, verdict: 'error', error: o.error, ...(o.timedOut ? { timedOut: true } : {}), durationMs: o.durationMs };
  });
  const byVerdict: Record<Verdict, number> = { ok: 0, warning: 0, error: 0 };
  for (const d of databases) byVerdict[d.verdict]++;
  const failed = databases.filter((d) => d.error !== undefined).length;
  return {
    command,
    databases,
    summary: {
      databases: databases.length,
      reached: databases.length - failed,
      failed,
      timedOut: databases.filter((d) => d.timedOut).length,
      byVerdict,
      worst: worstVerdict(databases.map((d) => d.verdict)),
      ...meta,
    },
  };
}

/** Exit code of a fleet run: 2 when no target was reached, else 1 when the worst verdict is an error. */
export function fleetExitCode(result: FleetResult<unknown>): number {
  if (result.summary.reached === 0) return 2;
  return result.summary.worst === 'error' ? 1 : 0;
}

/** Worst first: verdict, then unreachable before reached, then more errors/warnings, then name. */
export function rankFleet<R>(result: FleetResult<R>, digestOf: (report: R) => FleetDigest): FleetRow[] {
  const rows = result.databases.map((d, index) => {
    const digest = d.report !== undefined ? digestOf(d.report) : undefined;
    return {
      row: {
        rank: 0,
        name: d.name,
        tags: d.tags,
        verdict: d.verdict,
        problems: digest ? digest.problems : [d.timedOut ? `timed out: ${d.error ?? ''}` : `not reached: ${d.error ?? ''}`],
        sizeBytes: digest?.sizeBytes ?? null,
        slowest: digest?.slowest ?? null,
        ...(d.error !== undefined ? { error: d.error } : {}),
        index,
      } satisfies FleetRow,
      failed: d.error !== undefined ? 1 : 0,
      errors: digest?.errors ?? 0,
      warnings: digest?.warnings ?? 0,
    };
  });
  rows.sort(
    (a, b) =>
      verdictRank(b.row.verdict) - verdictRank(a.row.verdict) ||
      b.failed - a.failed ||
      b.errors - a.errors ||
      b.warnings - a.warnings ||
      a.row.name.localeCompare(b.row.name),
  );
  return rows.map((r, i) => ({ ...r.row, rank: i + 1 }));
}

/** The digest of an analyze report: finding counts, top findings, database size, top statement. */
export function reportDigest(report: Report, verdict: Verdict): FleetDigest {
  const findings = report.sections.flatMap((s) => [
    ...(s.error ? [{ severity: 'error' as const, title: `${s.title}: analyzer failed (${s.error})` }] : []),
    ...s.findings,
  ]);
  const order = { error: 0, warning: 1, info: 2 } as const;
  const top = findings
    .filter((f) => f.severity !== 'info')
    .sort((a, b) => order[a.severity] - order[b.severity])
    .slice(0, 3)
    .map((f) => `[${f.severity}] ${f.title}`);
  const size = report.sections.find((s) => s.id === 'health')?.metrics.find((m) => m.id === 'database-size')?.value;
  const top1 = report.sections.find((s) => s.id === 'queries')?.tables.find((t) => t.id === 'statements')?.rows[0];
  return {
    verdict,
    errors: report.summary.errors,
    warnings: report.summary.warnings,
    problems: top,
    sizeBytes: typeof size === 'number' ? size : null,
    slowest: top1 ? `${String(top1.mean ?? '')} mean: ${truncateSql(String(top1.query ?? ''), 60)}` : null,
  };
}

function summaryLine(r: FleetResult<unknown>): string {
  const s = r.summary;
  return (
    `${s.databases} database${s.databases === 1 ? '' : 's'}: ${s.reached} reached, ${s.failed} failed${s.timedOut ? ` (${s.timedOut} timed out)` : ''}; ` +
    `${s.byVerdict.error} error, ${s.byVerdict.warning} warning, ${s.byVerdict.ok} ok — worst: ${s.worst} ` +
    `(${(s.durationMs / 1000).toFixed(1)} s, concurrency ${s.concurrency}, per-target timeout ${s.targetTimeoutS} s)`
  );
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** The ranked table, then each database's own text (from `textOf`) under a `### name` heading. */
export function renderFleetText<R>(result: FleetResult<R>, rows: FleetRow[], textOf: (report: R) => string): string {
  const out: string[] = [`== Fleet ${result.command} — ${summaryLine(result)}`, ''];
  const table = rows.map((r) => [
    String(r.rank),
    r.name,
    r.verdict,
    r.sizeBytes === null ? '—' : formatBytes(r.sizeBytes),
    r.slowest ?? '—',
    r.problems.length ? r.problems.join('; ') : 'no problems',
  ]);
  const head = ['#', 'Database', 'Verdict', 'Size', 'Slowest statement', 'Top problems'];
  const widths = head.map((h, c) => Math.min(c === 4 ? 50 : 40, Math.max(h.length, ...table.map((t) => (t[c] ?? '').length))));
  const line = (cells: string[]): string =>
    cells
      .map((v, c) => (c === cells.length - 1 ? v : pad(c === 4 && v.length > 50 ? `${v.slice(0, 49)}…` : v, widths[c] ?? 0)))
      .join('  ');
  out.push(line(head));
  for (const t of table) out.push(line(t));
  out.push('', 'Each database\'s report follows under "### <name>".');
  for (const r of rows) {
    const d = result.databases[r.index];
    if (!d) continue;
    out.push('', `### ${d.name} — ${d.verdict}${d.tags.length ? ` [${d.tags.join(', ')}]` : ''} (${(d.durationMs / 1000).toFixed(1)} s)`);
    out.push(d.report !== undefined ? textOf(d.report).trimEnd() : `Not examined: ${d.error ?? 'unknown error'}`);
  }
  return `${out.join('\n')}\n`;
}

/** One self-contained HTML file: the ranked table linking to an anchored report per database. */
export function renderFleetHtml(result: FleetResult<Report>, rows: FleetRow[]): string {
  const anchor = (i: number): string => `db-${i + 1}`;
  const parts: string[] = [];
  parts.push(`<h1>Postgres Optimizer fleet report ${badge(result.summary.worst)}</h1>`);
  parts.push(`<p class="meta">${escapeHtml(summaryLine(result))}</p>`);
  parts.push('<table><thead><tr><th class="num">#</th><th>Database</th><th>Verdict</th><th class="num">Size</th><th>Slowest statement</th><th>Top problems</th></tr></thead><tbody>');
  for (const r of rows) {
    parts.push(
      `<tr><td class="num">${r.rank}</td><td><a href="#${anchor(r.index)}">${escapeHtml(r.name)}</a>${r.tags.length ? ` <span class="meta">${escapeHtml(r.tags.join(', '))}</span>` : ''}</td>` +
        `<td>${badge(r.verdict)}</td><td class="num">${escapeHtml(r.sizeBytes === null ? '—' : formatBytes(r.sizeBytes))}</td>` +
        `<td>${escapeHtml(r.slowest ?? '—')}</td><td>${r.problems.length ? r.problems.map((p) => escapeHtml(p)).join('<br>') : 'no problems'}</td></tr>`,
    );
  }
  parts.push('</tbody></table>');
  for (const r of rows) {
    const d = result.databases[r.index];
    if (!d) continue;
    parts.push(`<article id="${anchor(r.index)}"><hr><p class="meta">${escapeHtml(d.name)}${d.tags.length ? ` — ${escapeHtml(d.tags.join(', '))}` : ''} — <a href="#">back to the fleet table</a></p>`);
    if (d.report) parts.push(renderReportBodyHtml(d.report, { anchorPrefix: `${anchor(r.index)}-`, heading: 'h2' }));
    else parts.push(`<h2>${escapeHtml(d.name)} ${badge('error')}</h2><p class="finding error">Not examined: ${escapeHtml(d.error ?? 'unknown error')}</p>`);
    parts.push('</article>');
  }
  return htmlDocument('Postgres Optimizer fleet report', parts.join('\n'));
}

/** The JSON shape: {"databases": [{name, tags, verdict, report | error}], "summary": {...}}. */
export function fleetJson(result: FleetResult<unknown>): string {
  return JSON.stringify({ command: result.command, databases: result.databases, summary: result.summary }, null, 2);
}
