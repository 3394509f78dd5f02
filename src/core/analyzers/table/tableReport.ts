// One page about one table: the report model (same `sections` shape as the full report) scoped to it.
// Reuses the maintenance section's bloat estimate and autovacuum thresholds, the index health checks, the
// advisor (includeTables scoped to this table) and the constraints / integrity analyzers (findings filtered
// to this table). Read-only like every analyzer.
import type { Node } from '@pgsql/types';
import { runAdvisor } from '../../advisor/advisor';
import { loadPgssWorkload } from '../../advisor/workload';
import type { PgoptFile } from '../../config';
import { parseMaintenanceSettings } from '../../config';
import { probeCapabilities, summarizeCapabilities, type Capabilities } from '../../db/capabilities';
import { describeTarget } from '../../db/connectionSpec';
import { CancelledError, type DbSession, type QueryRunner } from '../../db/session';
import { formatBytes, formatCount, formatDuration, formatPercent, truncateSql } from '../../format';
import type { Snapshot } from '../../metrics/snapshot';
import { summarize, worstStatus, type Metric, type Report, type ReportFinding, type ReportSection, type ReportTable, type Unavailable } from '../../report/model';
import { loadParser, parseSql } from '../../sql/parser';
import { qualifiedName } from '../../sql/quote';
import { TOOL_VERSION } from '../../version';
import type { Analyzer, AnalyzerContext, SectionBody } from '../analyzer';
import { constraintsAnalyzer } from '../constraints/constraintsAnalyzer';
import { assessIndexHealth, fetchIndexHealth } from '../indexes/indexHealth';
import { advisorFindings, advisorTables } from '../indexes/indexesAnalyzer';
import { integrityAnalyzer } from '../integrity/integrityAnalyzer';
import { estimateBtreeBloat, estimateTableBloat, fetchBtreeStats, fetchLayout, fetchTableStats } from '../maintenance/bloat';
import { deadRatio, effectiveAutovacuum, fetchVacuumFacts } from '../maintenance/vacuum';

export interface TableRef {
  schema: string;
  name: string;
}

/** The table named does not exist (or is not a table): one sentence for the user, exit 2 in the CLI. */
export class TableNotFoundError extends Error {}

/** `schema.name`, `name` (schema public) or `"My Schema"."My Table"`: split on the first dot outside quotes. */
export function parseTableArg(text: string): TableRef | undefined {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      if (quoted && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else {
        quoted = !quoted;
      }
    } else if (ch === '.' && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quoted) return undefined;
  parts.push(cur);
  if (parts.length === 1 && parts[0]) return { schema: 'public', name: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { schema: parts[0], name: parts[1] };
  return undefined;
}

export interface TableReportOptions {
  table: TableRef;
  config?: PgoptFile;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  caps?: Capabilities;
  /** Stored snapshots of this connection, oldest first: growth of the table and its indexes. */
  history?: readonly Snapshot[];
  now?: () => Date;
}

/** pg_stat_statements rows read to find the statements touching the table. */
export const TABLE_WORKLOAD_TOP = 500;

interface TableFacts {
  oid: number;
  relkind: string;
  total_bytes: number;
  table_bytes: number;
  index_bytes: number;
  toast_bytes: number;
  reltuples: number;
  seq_scan: number | null;
  seq_tup_read: number | null;
  idx_scan: number | null;
  idx_tup_fetch: number | null;
  n_tup_ins: number | null;
  n_tup_upd: number | null;
  n_tup_hot_upd: number | null;
  n_tup_del: number | null;
}

async function fetchTableFacts(q: QueryRunner, t: TableRef): Promise<TableFacts | undefined> {
  const [r] = await q.query<TableFacts>(
    `SELECT c.oid::int8::float8 AS oid, c.relkind::text AS relkind,
            pg_total_relation_size(c.oid)::float8 AS total_bytes, pg_relation_size(c.oid)::float8 AS table_bytes,
            pg_indexes_size(c.oid)::float8 AS index_bytes,
            coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0)::float8 AS toast_bytes,
            c.reltuples::float8 AS reltuples,
            s.seq_scan::float8 AS seq_scan, s.seq_tup_read::float8 AS seq_tup_read, s.idx_scan::float8 AS idx_scan,
            s.idx_tup_fetch::float8 AS idx_tup_fetch, s.n_tup_ins::float8 AS n_tup_ins, s.n_tup_upd::float8 AS n_tup_upd,
            s.n_tup_hot_upd::float8 AS n_tup_hot_upd, s.n_tup_del::float8 AS n_tup_del
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'm')`,
    [t.schema, t.name],
  );
  return r;
}

function section(id: string, title: string, started: number, body: SectionBody): ReportSection {
  return { id, title, ...body, durationMs: Math.round(performance.now() - started) };
}

function bodyOf(metrics: Metric[], findings: ReportFinding[], tables: ReportTable[], unavailable: Unavailable[], summary: string): SectionBody {
  const status = worstStatus(findings.map((f) => f.severity));
  return { status, summary, metrics, findings, tables, unavailable };
}

function ago(s: number | null): string {
  return s === null ? 'never' : `${formatDuration(s)} ago`;
}

function minNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** Whether a finding (or its object) is about this table. */
export function findingTouches(f: ReportFinding, t: TableRef): boolean {
  const o = f.object;
  if (!o) return false;
  if (o.schema !== undefined && o.schema !== t.schema) return false;
  if (o.kind === 'table') return o.name === t.name;
  return o.table === t.name || o.table === `${t.schema}.${t.name}`;
}

/** Rows of an analyzer's table that are about this table (a `table` cell naming it, qualified or with a `schema` cell). */
function rowTouches(row: Record<string, unknown>, t: TableRef): boolean {
  const full = `${t.schema}.${t.name}`;
  const hasSchema = typeof row.schema === 'string';
  for (const [k, v] of Object.entries(row)) {
    if (typeof v !== 'string') continue;
    if (v === full || v === qualifiedName(t.schema, t.name)) return true;
    // Column-level rows (integrity checks): `schema.table.column`.
    if (k === 'object' && v.startsWith(`${full}.`) && !v.slice(full.length + 1).includes('.')) return true;
    if ((k === 'table' || k === 'relation') && v === t.name && (!hasSchema || row.schema === t.schema)) return true;
  }
  return false;
}

function scopeSection(s: ReportSection, t: TableRef): ReportSection {
  const findings = s.findings.filter((f) => findingTouches(f, t));
  const tables = s.tables
    .map((tb) => ({ ...tb, rows: tb.rows.filter((r) => rowTouches(r, t)) }))
    .filter((tb) => tb.rows.length > 0);
  const status = s.error ? 'error' : worstStatus(findings.map((f) => f.severity));
  return {
    ...s,
    status,
    summary: s.error ? s.summary : findings.length ? `${findings.length} finding${findings.length === 1 ? '' : 's'} on this table.` : 'Nothing found on this table.',
    // The analyzer's metrics are database-wide: left out of a page about one table.
    metrics: [],
    findings,
    tables,
  };
}

/** Tables a statement reads or writes (RangeVar nodes; unqualified names carry no schema). CTE names are left out. */
export function statementTables(sql: string): { schema?: string; name: string }[] | undefined {
  const parsed = parseSql(sql);
  if (!parsed.ok) return undefined;
  const out: { schema?: string; name: string }[] = [];
  const ctes = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (!v || typeof v !== 'object') return;
    // A RangeVar appears wrapped ({RangeVar: {…}}) in FROM lists and bare in typed fields (UpdateStmt.relation…).
    const rv = v as { relname?: unknown; schemaname?: unknown };
    if (typeof rv.relname === 'string') out.push({ ...(typeof rv.schemaname === 'string' && rv.schemaname ? { schema: rv.schemaname } : {}), name: rv.relname });
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'CommonTableExpr' && x && typeof x === 'object') {
        const name = (x as { ctename?: string }).ctename;
        if (name) ctes.add(name);
      }
      walk(x);
    }
  };
  for (const s of parsed.stmts) walk(s.node as Node);
  return out.filter((r) => r.schema !== undefined || !ctes.has(r.name));
}

function touches(sql: string, t: TableRef, searchPath: readonly string[]): boolean {
  const rels = statementTables(sql);
  if (!rels) return false;
  return rels.some((r) => r.name === t.name && (r.schema === undefined ? searchPath.includes(t.schema) : r.schema === t.schema));
}

async function overviewSection(q: QueryRunner, t: TableRef, f: TableFacts, caps: Capabilities, config: PgoptFile, history: readonly Snapshot[] | undefined): Promise<SectionBody> {
  const { settings: cfg } = parseMaintenanceSettings(config.maintenance);
  const metrics: Metric[] = [];
  const findings: ReportFinding[] = [];
  const tables: ReportTable[] = [];
  const unavailable: Unavailable[] = [];
  const label = `${t.schema}.${t.name}`;
  const object = { kind: 'table' as const, schema: t.schema, name: t.name };
  metrics.push(
    { id: 'total-size', label: 'Total size (table + indexes + TOAST)', value: f.total_bytes, display: formatBytes(f.total_bytes) },
    { id: 'table-size', label: 'Table size', value: f.table_bytes, display: formatBytes(f.table_bytes) },
    { id: 'index-size', label: 'Indexes size', value: f.index_bytes, display: formatBytes(f.index_bytes) },
    { id: 'toast-size', label: 'TOAST size', value: f.toast_bytes, display: formatBytes(f.toast_bytes) },
    { id: 'rows-estimate', label: 'Rows (estimate)', value: Math.max(0, f.reltuples), display: f.reltuples < 0 ? 'unknown (never analyzed)' : formatCount(f.reltuples) },
  );
  // Growth from stored snapshots.
  const sizes = (history ?? []).map((s) => ({ at: s.takenAtMs, bytes: s.tables.find((x) => x.schema === t.schema && x.name === t.name)?.bytes })).filter((x): x is { at: number; bytes: number } => x.bytes !== undefined);
  if (sizes.length >= 2) {
    const first = sizes[0]!;
    const last = sizes[sizes.length - 1]!;
    const hours = (last.at - first.at) / 3_600_000;
    metrics.push({ id: 'growth', label: 'Growth (stored snapshots)', value: last.bytes - first.bytes, display: `${last.bytes >= first.bytes ? '+' : '−'}${formatBytes(Math.abs(last.bytes - first.bytes))} over ${formatDuration(hours * 3600)} (${sizes.length} snapshots)` });
    tables.push({
      id: 'growth',
      title: 'Size in stored snapshots',
      columns: [{ key: 'at', label: 'Snapshot' }, { key: 'bytes', label: 'Size', numeric: true }],
      rows: sizes.map((s) => ({ at: new Date(s.at).toISOString(), bytes: formatBytes(s.bytes) })),
      emptyText: '',
    });
  } else {
    unavailable.push({
      what: 'Growth of this table',
      because: history === undefined ? 'no snapshot store is at hand' : `the stored snapshots list this table ${sizes.length === 1 ? 'once' : 'not at all'} (they keep the largest relations only)`,
      toEnable: 'take snapshots over time (pgopt snapshot --store FILE, or the editor\'s monitor) and give --store FILE',
    });
  }
  // Scans.
  if (f.seq_scan !== null) {
    const scans = f.seq_scan + (f.idx_scan ?? 0);
    metrics.push(
      { id: 'seq-scans', label: 'Sequential scans', value: f.seq_scan, display: `${formatCount(f.seq_scan)} (${formatCount(f.seq_tup_read)} rows read)` },
      { id: 'idx-scans', label: 'Index scans', value: f.idx_scan ?? 0, display: `${formatCount(f.idx_scan ?? 0)} (${formatCount(f.idx_tup_fetch ?? 0)} rows fetched)` },
      { id: 'seq-scan-share', label: 'Share of scans that are sequential', value: scans > 0 ? f.seq_scan / scans : null, display: scans > 0 ? formatPercent(f.seq_scan / scans, 0) : 'no scans yet' },
    );
    const upd = f.n_tup_upd ?? 0;
    metrics.push({
      id: 'hot-ratio',
      label: 'HOT updates',
      value: upd > 0 ? (f.n_tup_hot_upd ?? 0) / upd : null,
      display: upd > 0 ? `${formatPercent((f.n_tup_hot_upd ?? 0) / upd, 0)} of ${formatCount(upd)} updates` : 'no updates yet',
      help: 'Heap-only tuple updates change no indexed column and fit on the same page: no index entries to write. A low share on an update-heavy table suggests a lower fillfactor or fewer indexed columns.',
    });
    metrics.push({ id: 'writes', label: 'Rows inserted / updated / deleted', value: (f.n_tup_ins ?? 0) + upd + (f.n_tup_del ?? 0), display: `${formatCount(f.n_tup_ins ?? 0)} / ${formatCount(upd)} / ${formatCount(f.n_tup_del ?? 0)}` });
    const rows = Math.max(0, f.reltuples);
    if (f.seq_scan >= 50 && rows >= 10_000 && scans > 0 && f.seq_scan / scans >= 0.5) {
      findings.push({
        id: 'table.seq-scans',
        severity: 'warning',
        title: `${label}: ${formatPercent(f.seq_scan / scans, 0)} of its ${formatCount(scans)} scans are sequential`,
        detail: `It has about ${formatCount(rows)} rows, and ${formatCount(f.seq_tup_read)} rows were read by sequential scans. The workload statements below show which queries scan it; the advice section which index would serve them.`,
        object,
      });
    }
  } else {
    unavailable.push({ what: 'Scan and update counters', because: 'pg_stat_user_tables has no row for it', toEnable: 'a regular table of this database (statistics are collected with track_counts = on)' });
  }
  // Dead tuples and vacuum / analyze ages against the autovacuum thresholds (maintenance's logic).
  const vf = await fetchVacuumFacts(q, caps.serverVersionNum);
  const v = vf.tables.find((x) => x.schema === t.schema && x.table === t.name);
  if (v) {
    const e = effectiveAutovacuum(v, vf.settings);
    const ratio = deadRatio(v);
    metrics.push(
      { id: 'dead-tuples', label: 'Dead rows', value: v.dead, display: `${formatCount(v.dead)} (${formatPercent(ratio, 1)})`, status: v.dead > e.vacuumTrigger ? 'warning' : 'ok' },
      { id: 'vacuum-threshold', label: 'Autovacuum vacuums it at', value: e.vacuumTrigger, display: e.enabled ? `${formatCount(e.vacuumTrigger)} dead rows (${formatCount(e.vacuumThreshold)} + ${e.vacuumScaleFactor} × ${formatCount(Math.max(0, v.reltuples))})` : `never: autovacuum is disabled ${e.disabledBy === 'server' ? 'on the server' : 'for this table'}` },
      { id: 'mod-since-analyze', label: 'Rows changed since the last analyze', value: v.mod_since_analyze, display: formatCount(v.mod_since_analyze) },
      { id: 'analyze-threshold', label: 'Autovacuum analyzes it at', value: e.analyzeTrigger, display: `${formatCount(e.analyzeTrigger)} changed rows (${formatCount(e.analyzeThreshold)} + ${e.analyzeScaleFactor} × ${formatCount(Math.max(0, v.reltuples))})` },
      { id: 'last-vacuum', label: 'Last vacuum (manual / auto)', value: minNull(v.last_vacuum_s, v.last_autovacuum_s), display: `${ago(v.last_vacuum_s)} / ${ago(v.last_autovacuum_s)}` },
      { id: 'last-analyze', label: 'Last analyze (manual / auto)', value: minNull(v.last_analyze_s, v.last_autoanalyze_s), display: `${ago(v.last_analyze_s)} / ${ago(v.last_autoanalyze_s)}` },
      { id: 'freeze-age', label: 'Transaction ID age (freeze)', value: v.freeze_age, display: `${formatCount(v.freeze_age)} of ${formatCount(e.freezeMaxAge)} (autovacuum_freeze_max_age)` },
    );
    if (v.dead >= cfg.minDeadTuples && ratio >= cfg.deadRatio) {
      findings.push({
        id: 'maintenance.dead-tuples',
        severity: ratio >= 0.5 && v.dead >= 10 * cfg.minDeadTuples ? 'error' : 'warning',
        title: `${label}: ${formatCount(v.dead)} dead rows (${formatPercent(ratio, 0)} of the table)`,
        detail: e.enabled
          ? v.dead > e.vacuumTrigger
            ? `That is past autovacuum's threshold of ${formatCount(e.vacuumTrigger)} dead rows, yet autovacuum has not processed it yet (workers busy elsewhere, its naptime, or a held-back xmin horizon).`
            : `Autovacuum waits for ${formatCount(e.vacuumTrigger)} dead rows before it vacuums this table.`
          : 'Autovacuum is disabled for it: only a manual VACUUM removes them.',
        action: 'Vacuum it now (VACUUM does not block reads or writes).',
        sql: `VACUUM (ANALYZE) ${qualifiedName(t.schema, t.name)};`,
        object,
      });
    }
  }
  // Bloat (maintenance's statistics-based estimate).
  const layout = await fetchLayout(q);
  const tstats = (await fetchTableStats(q)).find((x) => x.schema === t.schema && x.table === t.name);
  const bloatRows: Record<string, string | number>[] = [];
  if (tstats) {
    const b = estimateTableBloat(tstats, layout);
    metrics.push({ id: 'table-bloat', label: 'Estimated table bloat', value: b.reliable ? b.wastedBytes : null, display: b.reliable ? `${formatBytes(b.wastedBytes)} (${formatPercent(b.ratio, 0)})` : `not estimated: ${b.reason}` });
    bloatRows.push({ relation: t.name, kind: 'table', size: formatBytes(b.actualBytes), wasted: b.reliable ? formatBytes(b.wastedBytes) : `— (${b.reason})`, ratio: b.reliable ? formatPercent(b.ratio, 0) : '—' });
  } else {
    metrics.push({ id: 'table-bloat', label: 'Estimated table bloat', value: null, display: 'not estimated (empty, or not among the largest relations)' });
  }
  for (const ix of (await fetchBtreeStats(q)).filter((x) => x.schema === t.schema && x.table === t.name)) {
    const b = estimateBtreeBloat(ix, layout);
    bloatRows.push({ relation: ix.index, kind: 'btree index', size: formatBytes(b.actualBytes), wasted: b.reliable ? formatBytes(b.wastedBytes) : `— (${b.reason})`, ratio: b.reliable ? formatPercent(b.ratio, 0) : '—' });
  }
  tables.push({
    id: 'bloat',
    title: 'Estimated bloat (statistics-based, see the maintenance section)',
    columns: [{ key: 'relation', label: 'Relation' }, { key: 'kind', label: 'Kind' }, { key: 'size', label: 'Size', numeric: true }, { key: 'wasted', label: 'Wasted', numeric: true }, { key: 'ratio', label: 'Share', numeric: true }],
    rows: bloatRows,
    emptyText: 'No estimate: the table is empty or has no statistics yet (ANALYZE it).',
  });
  const summary = `${formatBytes(f.total_bytes)}; ${f.seq_scan === null ? 'no scan counters' : `${formatCount(f.seq_scan)} sequential and ${formatCount(f.idx_scan ?? 0)} index scans`}; ${v ? `${formatCount(v.dead)} dead rows` : 'no vacuum counters'}.`;
  return bodyOf(metrics, findings, tables, unavailable, summary);
}

async function indexesSection(q: QueryRunner, t: TableRef, caps: Capabilities): Promise<SectionBody> {
  // This table's indexes and foreign keys only, each index with its exact size and definition.
  const d = await fetchIndexHealth(q, { table: t });
  const mine = d.indexes.filter((i) => i.schema === t.schema && i.table === t.name);
  const findings = assessIndexHealth({ ...d, indexes: d.indexes.filter((i) => i.schema === t.schema && i.table === t.name), foreignKeys: d.foreignKeys.filter((k) => k.schema === t.schema && k.table === t.name) }, caps.serverVersionNum).map(({ sizeBytes: _s, ...f }) => f as ReportFinding);
  const rows = mine.map((i) => ({
    index: i.index,
    definition: i.definition,
    scans: i.scans,
    size: formatBytes(i.size),
    role: i.primary ? 'primary key' : i.unique ? 'unique' : i.constraint ? 'constraint' : '',
    findings: findings.filter((f) => f.object?.name === i.index).map((f) => f.title).join('; '),
  }));
  const tables: ReportTable[] = [
    {
      id: 'indexes',
      title: 'Indexes',
      columns: [{ key: 'index', label: 'Index' }, { key: 'definition', label: 'Definition' }, { key: 'scans', label: 'Scans', numeric: true }, { key: 'size', label: 'Size', numeric: true }, { key: 'role', label: 'Role' }, { key: 'findings', label: 'Findings' }],
      rows,
      emptyText: 'This table has no index.',
    },
  ];
  const metrics: Metric[] = [
    { id: 'index-count', label: 'Indexes', value: mine.length, display: String(mine.length) },
    { id: 'stats-age', label: 'Usage counted since', value: d.statsAgeS, display: d.statsAgeS === null ? 'the cluster was created' : `${formatDuration(d.statsAgeS)} (statistics reset ${d.statsSince})` },
  ];
  return bodyOf(metrics, findings, tables, [], `${mine.length} index${mine.length === 1 ? '' : 'es'}, ${findings.length} finding${findings.length === 1 ? '' : 's'}.`);
}

async function workloadSection(q: QueryRunner, t: TableRef, caps: Capabilities): Promise<SectionBody> {
  const pgss = caps.extensions.pg_stat_statements;
  if (!pgss.usable) return { status: 'ok', summary: 'pg_stat_statements is not usable.', metrics: [], findings: [], tables: [], unavailable: [pgss.unavailable ?? { what: 'Statements touching this table', because: 'pg_stat_statements is not usable', toEnable: 'CREATE EXTENSION pg_stat_statements' }] };
  await loadParser();
  const [sp] = await q.query<{ schemas: string[] }>(`SELECT current_schemas(false) AS schemas`);
  const w = await loadPgssWorkload(q, TABLE_WORKLOAD_TOP, caps.serverVersionNum, pgss.schema ?? 'public');
  const mine = w.statements.filter((s) => touches(s.original, t, sp?.schemas ?? ['public']));
  const total = mine.reduce((a, s) => a + s.totalTimeMs, 0);
  const all = w.statements.reduce((a, s) => a + s.totalTimeMs, 0);
  const rows = mine
    .sort((a, b) => b.totalTimeMs - a.totalTimeMs)
    .map((s) => ({
      query: truncateSql(s.original, 200),
      calls: s.calls,
      total_ms: Math.round(s.totalTimeMs * 10) / 10,
      mean_ms: s.calls > 0 ? Math.round((s.totalTimeMs / s.calls) * 100) / 100 : null,
      share: total > 0 ? formatPercent(s.totalTimeMs / total, 1) : '—',
    }));
  const metrics: Metric[] = [
    { id: 'statements', label: 'Statements touching it', value: mine.length, display: String(mine.length) },
    { id: 'time', label: 'Their total time', value: total, display: `${formatCount(Math.round(total))} ms (${all > 0 ? formatPercent(total / all, 1) : '—'} of the workload's time)` },
  ];
  return bodyOf(
    metrics,
    [],
    [
      {
        id: 'statements',
        title: 'Workload statements that read or write it (share = of the time of these statements)',
        columns: [{ key: 'query', label: 'Statement' }, { key: 'calls', label: 'Calls', numeric: true }, { key: 'total_ms', label: 'Total ms', numeric: true }, { key: 'mean_ms', label: 'Mean ms', numeric: true }, { key: 'share', label: 'Share', numeric: true }],
        rows,
        emptyText: 'No statement in pg_stat_statements touches this table.',
      },
    ],
    [],
    `${mine.length} statement${mine.length === 1 ? '' : 's'} touch it (${formatCount(Math.round(total))} ms in total).`,
  );
}

async function adviceSection(q: QueryRunner, t: TableRef, caps: Capabilities, signal: AbortSignal | undefined): Promise<SectionBody> {
  const pgss = caps.extensions.pg_stat_statements;
  if (!pgss.usable) return { status: 'ok', summary: 'pg_stat_statements is not usable.', metrics: [], findings: [], tables: [], unavailable: [pgss.unavailable ?? { what: 'Index advice', because: 'pg_stat_statements is not usable', toEnable: 'CREATE EXTENSION pg_stat_statements' }] };
  // includeTables patterns use `*` as a wildcard: a name containing one is matched by the exact filter below.
  const r = await runAdvisor(q, caps, { includeTables: [`${t.schema}.${t.name}`], ...(signal ? { signal } : {}) });
  const recommendations = r.recommendations.filter((x) => x.schema === t.schema && x.table === t.name);
  const scoped = { ...r, recommendations };
  const unavailable: Unavailable[] = [];
  if (!r.verified) {
    const h = caps.extensions.hypopg.unavailable;
    unavailable.push({ what: 'Verified index recommendations (what-if costs with HypoPG)', because: `${h?.because ?? 'HypoPG is not usable'}, so the recommendations below are heuristic only`, toEnable: h?.toEnable ?? 'install HypoPG and run CREATE EXTENSION hypopg' });
  }
  const metrics: Metric[] = [{ id: 'index-recommendations', label: 'Index recommendations on this table', value: recommendations.length, display: String(recommendations.length) }];
  return bodyOf(metrics, advisorFindings(scoped), advisorTables(scoped), unavailable, recommendations.length ? `${recommendations.length} index recommendation${recommendations.length === 1 ? '' : 's'} for the statements on this table.` : 'No index would pay for itself on this table.');
}

export async function buildTableReport(session: DbSession, opts: TableReportOptions): Promise<Report> {
  const { signal, table: t } = opts;
  const ro = <T>(fn: (q: QueryRunner) => Promise<T>): Promise<T> => session.readOnly(fn, signal ? { signal } : {});
  const caps = opts.caps ?? (await ro((q) => probeCapabilities(q)));
  const config = opts.config ?? {};
  const facts = await ro((q) => fetchTableFacts(q, t));
  if (!facts) throw new TableNotFoundError(`table ${qualifiedName(t.schema, t.name)} does not exist in database ${caps.database} (or is not a table)`);
  const sections: ReportSection[] = [];
  const run = async (id: string, title: string, fn: () => Promise<SectionBody>): Promise<void> => {
    if (signal?.aborted) throw new CancelledError();
    opts.onProgress?.(`Running ${title}…`);
    const started = performance.now();
    try {
      sections.push(section(id, title, started, await fn()));
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      sections.push({ id, title, status: 'error', summary: 'This part failed.', metrics: [], findings: [], tables: [], unavailable: [], durationMs: Math.round(performance.now() - started), error: (e as Error).message });
    }
  };
  await run('table', 'Size, scans and vacuum', () => ro((q) => overviewSection(q, t, facts, caps, config, opts.history)));
  await run('indexes', 'Indexes', () => ro((q) => indexesSection(q, t, caps)));
  await run('workload', 'Workload statements', () => ro((q) => workloadSection(q, t, caps)));
  await run('advice', 'Index recommendations', () => ro((q) => adviceSection(q, t, caps, signal)));
  const ctx: AnalyzerContext = { caps, config, ...(signal ? { signal } : {}), readOnly: ro, ...(opts.onProgress ? { progress: opts.onProgress } : {}) };
  // The schema-wide integrity checks look at the table's schema only (its findings are filtered to the table).
  const integrity = (config.integrity ?? {}) as { schemas?: string[] };
  const integrityCtx: AnalyzerContext = integrity.schemas && !integrity.schemas.includes(t.schema) ? ctx : { ...ctx, config: { ...config, integrity: { ...integrity, schemas: [t.schema] } } as PgoptFile };
  const scopedAnalyzers: Analyzer[] = [constraintsAnalyzer, integrityAnalyzer];
  for (const a of scopedAnalyzers) {
    const started = performance.now();
    await run(a.id, a.title, async () => {
      const s = scopeSection(section(a.id, a.title, started, await a.run(a === integrityAnalyzer ? integrityCtx : ctx)), t);
      const { id: _i, title: _t, durationMs: _d, ...body } = s;
      return body;
    });
  }
  return {
    schemaVersion: 1,
    title: `Table ${t.schema}.${t.name} — ${caps.database}`,
    generatedAt: (opts.now?.() ?? new Date()).toISOString(),
    tool: { name: 'pgopt', version: TOOL_VERSION },
    connection: { name: session.spec.name, target: describeTarget(session.spec), serverVersion: caps.serverVersion, database: caps.database },
    capabilities: summarizeCapabilities(caps),
    table: { schema: t.schema, name: t.name },
    sections,
    summary: summarize(sections),
  };
}
