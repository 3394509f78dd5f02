// The lock trace for people: text for `pgopt migrate trace`, JSON (the TraceResult itself), and a report
// section (src/core/report/model.ts) so the existing report webview and HTML export can show it.
import { formatBytes, formatCount, truncateSql } from '../../format';
import type { LockMode } from '../../lint/types';
import type { ReportFinding, ReportSection, ReportTable, Status } from '../../report/model';
import { LOCK_MODES } from '../../lint/locks';
import { blocksSummary } from './locks';
import type { CatalogChange, StatementTrace, TableSize, TraceResult, TracedLock } from './types';

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  return `${ms >= 10 ? ms.toFixed(0) : ms.toFixed(1)} ms`;
}

function sizeText(s: TableSize | undefined): string {
  if (!s) return '';
  const rows = s.rows < 0 ? 'never analyzed' : `${formatCount(s.rows)} rows`;
  return ` (${rows}, ${formatBytes(s.bytes)})`;
}

function isTableMode(mode: string): mode is LockMode {
  return (LOCK_MODES as readonly string[]).includes(mode);
}

/** "ACCESS EXCLUSIVE on public.users (1,200,000 rows, 340 MB) blocks reads and writes for 2.3 ms here". */
export function describeTracedLock(l: TracedLock, where: TraceResult['where']): string {
  const on = l.relation ? ` on ${l.relation}${l.relationKind && l.relationKind !== 'table' ? ` (${l.relationKind})` : ''}` : l.object ? ` on ${l.object}` : '';
  const blocks = isTableMode(l.mode) && l.blocks.length ? ` ${blocksSummary(l.mode)}` : '';
  const held = blocks ? ` for ${formatMs(l.heldMs)}${where === 'target' ? '' : ' on the scratch copy'}` : '';
  const src = l.source === 'already-held' ? ' [held since an earlier statement of this trace]' : l.source === 'documented' ? ' [documented lock; statement not run as written]' : '';
  return `${l.mode}${on}${sizeText(l.size)}${blocks}${held}${src}`;
}

function describeChange(c: CatalogChange): string {
  const sign = c.change === 'added' ? '+' : c.change === 'dropped' ? '-' : '~';
  const what = c.kind === 'table' ? `table ${c.name}` : `${c.kind} ${c.name} on ${c.table}`;
  if (c.change === 'changed') return `${sign} ${what}: ${c.before ?? '?'} -> ${c.after ?? '?'}`;
  const def = c.after ?? c.before;
  return `${sign} ${what}${def && c.kind !== 'table' ? `: ${def}` : ''}`;
}

const WHERE_TEXT: Record<TraceResult['where'], string> = {
  embedded: 'a throwaway embedded PostgreSQL',
  'scratch-url': 'a temporary database on the scratch server',
  target: 'the target, inside a transaction that was rolled back',
};

function statementHeadline(st: StatementTrace): string {
  const status = st.outcome === 'ok' ? formatMs(st.durationMs) : st.outcome.toUpperCase();
  return `#${st.index + 1} line ${st.line}  ${st.kind || '?'}  ${status}  ${truncateSql(st.sql, 90)}`;
}

export function renderTraceText(r: TraceResult): string {
  const out: string[] = [];
  out.push(`Migration lock trace — ran on ${WHERE_TEXT[r.where]} (PostgreSQL ${r.serverVersion || '?'}), schema: ${r.schemaSource}`);
  for (const l of r.limitations) out.push(`  note: ${l}`);
  for (const m of r.migrations) {
    out.push('');
    out.push(`== ${m.version} ${m.name} — ${m.statements.length} statement(s), ${formatMs(m.durationMs)}`);
    for (const st of m.statements) {
      if (st.outcome === 'not-reached') {
        out.push(`  #${st.index + 1} line ${st.line}  not reached`);
        continue;
      }
      out.push(`  ${statementHeadline(st)}`);
      if (st.tracedAs) out.push(`      traced as: ${truncateSql(st.tracedAs, 100)}`);
      if (st.error) out.push(`      ERROR${st.error.code ? ` ${st.error.code}` : ''}: ${st.error.message}`);
      for (const l of st.locks) out.push(`      lock    ${describeTracedLock(l, r.where)}`);
      for (const w of st.rewrites) out.push(`      REWRITE ${w.kind} ${w.relation}${sizeText(w.size)}`);
      for (const c of st.changes) out.push(`      change  ${describeChange(c)}`);
      for (const n of st.notes) out.push(`      note    ${n}`);
    }
  }
  out.push('');
  out.push(summaryLine(r));
  return out.join('\n');
}

export function renderTraceJson(r: TraceResult): string {
  return JSON.stringify(r, null, 2);
}

interface Counts {
  statements: number;
  failed: number;
  skipped: number;
  rewrites: number;
  exclusive: number;
}

function counts(r: TraceResult): Counts {
  const c: Counts = { statements: 0, failed: 0, skipped: 0, rewrites: 0, exclusive: 0 };
  for (const m of r.migrations) {
    for (const st of m.statements) {
      if (st.outcome === 'not-reached') continue;
      c.statements++;
      if (st.outcome === 'failed') c.failed++;
      if (st.outcome === 'skipped') c.skipped++;
      c.rewrites += st.rewrites.filter((w) => w.kind === 'table').length;
      c.exclusive += st.locks.filter((l) => l.blocks.includes('SELECT')).length;
    }
  }
  return c;
}

function summaryLine(r: TraceResult): string {
  const c = counts(r);
  const state = r.cancelled ? 'cancelled' : r.failed ? `FAILED at ${r.failed.migration} #${r.failed.index + 1}: ${r.failed.message}` : 'all statements ran';
  return `${c.statements} statement(s) traced: ${c.rewrites} table rewrite(s), ${c.exclusive} lock(s) that block reads, ${c.skipped} skipped; ${state}; ${r.rolledBack ? 'rolled back' : 'ROLLBACK FAILED'} (${formatMs(r.totalMs)})`;
}

/** The trace as a report section for the report webview / HTML export. */
export function traceReportSection(r: TraceResult): ReportSection {
  const c = counts(r);
  const findings: ReportFinding[] = [];
  const lockRows: ReportTable['rows'] = [];
  const stmtRows: ReportTable['rows'] = [];
  const changeRows: ReportTable['rows'] = [];
  for (const m of r.migrations) {
    for (const st of m.statements) {
      const at = `${st.migration} #${st.index + 1} (line ${st.line})`;
      stmtRows.push({
        migration: st.migration,
        n: st.index + 1,
        line: st.line,
        kind: st.kind,
        outcome: st.outcome,
        ms: st.outcome === 'ok' ? Number(st.durationMs.toFixed(2)) : null,
        locks: st.locks.map((l) => `${l.mode}${l.relation ? ` ${l.relation}` : ''}`).join('; '),
        rewrites: st.rewrites.map((w) => w.relation).join('; '),
        sql: truncateSql(st.sql, 120),
      });
      if (st.error) {
        findings.push({ id: 'trace.failed', severity: 'error', title: `${at} fails: ${st.error.message}`, detail: `The migration stops here; the trace was rolled back.`, sql: st.sql });
      }
      for (const w of st.rewrites) {
        if (w.kind !== 'table') continue;
        findings.push({
          id: 'trace.rewrite',
          severity: 'warning',
          title: `${at} rewrites ${w.relation}${sizeText(w.size)}`,
          detail: 'Every row is copied to a new file while ACCESS EXCLUSIVE blocks reads and writes; the time grows with the table size.',
          action: 'Split the change (add the column without a volatile default, backfill in batches, then set the default), or schedule a maintenance window.',
          sql: st.sql,
          object: { kind: 'table', name: w.relation },
        });
      }
      for (const l of st.locks) {
        lockRows.push({
          migration: st.migration,
          n: st.index + 1,
          mode: l.mode,
          relation: l.relation ?? l.object ?? '',
          rows: l.size ? l.size.rows : null,
          size: l.size ? formatBytes(l.size.bytes) : '',
          blocks: l.blocks.join(', '),
          heldMs: Number(l.heldMs.toFixed(2)),
          source: l.source,
        });
        if (l.blocks.includes('SELECT') && l.source !== 'already-held') {
          findings.push({
            id: 'trace.access-exclusive',
            severity: 'warning',
            title: `${at}: ${describeTracedLock(l, r.where)}`,
            detail: 'Queued behind this lock, every query on the table waits, and everything queued behind them too.',
            action: 'Keep lock_timeout short in the migration and retry, and keep the statement fast (no rewrite, no long validation under this lock).',
            ...(l.relation ? { object: { kind: 'table' as const, name: l.relation } } : {}),
          });
        }
      }
      for (const ch of st.changes) {
        changeRows.push({ migration: st.migration, n: st.index + 1, kind: ch.kind, change: ch.change, table: ch.table, name: ch.name, before: ch.before ?? '', after: ch.after ?? '' });
      }
      if (st.outcome === 'skipped') findings.push({ id: 'trace.skipped', severity: 'info', title: `${at} ${st.kind} was not run`, detail: st.notes.join('; ') });
      else if (st.tracedAs) findings.push({ id: 'trace.rewritten', severity: 'info', title: `${at} traced as its in-transaction equivalent`, detail: st.notes.join('; '), sql: st.tracedAs });
    }
  }
  for (const l of r.limitations) findings.push({ id: 'trace.limitation', severity: 'info', title: 'Limit of this trace', detail: l });
  const status: Status = c.failed > 0 || !r.rolledBack ? 'error' : findings.some((f) => f.severity === 'warning') ? 'warning' : findings.length ? 'info' : 'ok';
  return {
    id: 'migration-trace',
    title: 'Migration lock trace',
    status,
    summary: summaryLine(r),
    metrics: [
      { id: 'statements', label: 'Statements traced', value: c.statements, display: formatCount(c.statements) },
      { id: 'rewrites', label: 'Table rewrites', value: c.rewrites, display: formatCount(c.rewrites), status: c.rewrites ? 'warning' : 'ok' },
      { id: 'exclusive', label: 'Locks that block reads', value: c.exclusive, display: formatCount(c.exclusive), status: c.exclusive ? 'warning' : 'ok' },
      { id: 'failed', label: 'Failed statements', value: c.failed, display: formatCount(c.failed), status: c.failed ? 'error' : 'ok' },
      { id: 'where', label: 'Ran on', value: r.where, display: WHERE_TEXT[r.where] },
    ],
    findings,
    tables: [
      {
        id: 'trace-statements',
        title: 'Statements',
        columns: [
          { key: 'migration', label: 'Migration' },
          { key: 'n', label: '#', numeric: true },
          { key: 'line', label: 'Line', numeric: true },
          { key: 'kind', label: 'Kind' },
          { key: 'outcome', label: 'Outcome' },
          { key: 'ms', label: 'ms', numeric: true },
          { key: 'locks', label: 'Locks' },
          { key: 'rewrites', label: 'Rewrites' },
          { key: 'sql', label: 'SQL' },
        ],
        rows: stmtRows,
        emptyText: 'No statements.',
      },
      {
        id: 'trace-locks',
        title: 'Locks',
        columns: [
          { key: 'migration', label: 'Migration' },
          { key: 'n', label: '#', numeric: true },
          { key: 'mode', label: 'Mode' },
          { key: 'relation', label: 'On' },
          { key: 'rows', label: 'Rows (target)', numeric: true },
          { key: 'size', label: 'Size (target)' },
          { key: 'blocks', label: 'Blocks' },
          { key: 'heldMs', label: 'Held ms', numeric: true },
          { key: 'source', label: 'Source' },
        ],
        rows: lockRows,
        emptyText: 'No statement took a lock on an existing table.',
      },
      {
        id: 'trace-changes',
        title: 'Catalog changes',
        columns: [
          { key: 'migration', label: 'Migration' },
          { key: 'n', label: '#', numeric: true },
          { key: 'kind', label: 'Kind' },
          { key: 'change', label: 'Change' },
          { key: 'table', label: 'Table' },
          { key: 'name', label: 'Name' },
          { key: 'before', label: 'Before' },
          { key: 'after', label: 'After' },
        ],
        rows: changeRows,
        emptyText: 'No table, column, index or constraint changed.',
      },
    ],
    unavailable: [],
    durationMs: Math.round(r.totalMs),
  };
}
