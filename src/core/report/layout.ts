// How a report is laid out for people, shared by the webview and the HTML export (pure, no Node imports):
// the "What to do first" list (the top findings across sections, ranked by impact, one entry per kind of
// problem), findings of one kind grouped into one block, per-section severity counts for the navigator, and
// wide tables cut to at most MAX_COLUMNS header cells with the rest in a row detail.
import type { Cell, Report, ReportFinding, ReportSection, ReportTable, Severity } from './model';

export const MAX_COLUMNS = 8;
/** Findings of one id in one section are grouped from this many on. */
export const GROUP_FROM = 3;

const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export interface FindingRef {
  finding: ReportFinding;
  /** Index in its section's findings (what the host's finding actions take). */
  index: number;
}

/** One block in a section: a single finding, or several of the same id (same check, different objects). */
export interface FindingGroup {
  id: string;
  severity: Severity;
  /** The finding's title, or for a group "<what> (N)". */
  title: string;
  items: FindingRef[];
}

/** Group headings for the checks that most often repeat; any other id is humanized from its last part. */
const GROUP_TITLES: Record<string, string> = {
  'indexes.recommendation': 'Recommended indexes',
  'indexes.recommendation-unverified': 'Recommended indexes (unverified)',
  'indexes.fk-without-index': 'Foreign keys without an index',
  'indexes.unused': 'Unused indexes',
  'indexes.duplicate': 'Duplicate indexes',
  'indexes.redundant': 'Redundant indexes',
  'integrity.rule-violation': 'Column rule violations',
  'integrity.not-null-candidate': 'NOT NULL candidates',
  'integrity.unique-candidate': 'UNIQUE candidates',
  'integrity.fk-candidate': 'Foreign key candidates',
  'integrity.orphaned-rows': 'Orphaned rows',
  'integrity.rule-holds': 'Constraints the data already satisfies',
  'maintenance.dead-tuples': 'Tables with many dead rows',
  'maintenance.table-bloat': 'Bloated tables',
  'maintenance.index-bloat': 'Bloated indexes',
  'maintenance.stale-statistics': 'Stale statistics',
  'queries.slow': 'Slow statements',
  'queries.temp-spill': 'Statements spilling to temp files',
  'query-deltas.slower': 'Statements that got slower',
  'query-deltas.new-heavy': 'New among the heaviest statements',
  'connections.idle-in-transaction': 'Sessions idle in transaction',
};
const ACRONYMS = new Set(['fk', 'id', 'sql', 'gin', 'wal', 'xid', 'pk', 'hot']);

/** "integrity.rule-violation" → "Column rule violations"; unknown ids: "maintenance.slot-lost" → "Slot lost". */
export function humanizeId(id: string): string {
  const known = GROUP_TITLES[id];
  if (known) return known;
  const last = id.split('.').pop() ?? id;
  const words = last.split(/[-_]+/).filter(Boolean).map((w) => (ACRONYMS.has(w) ? w.toUpperCase() : w)).join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Groups a section's findings by id (order of first appearance; the worst severity of the group leads). */
export function groupFindings(findings: readonly ReportFinding[], minGroup = GROUP_FROM): FindingGroup[] {
  const byId = new Map<string, FindingRef[]>();
  findings.forEach((finding, index) => {
    const list = byId.get(finding.id) ?? [];
    list.push({ finding, index });
    byId.set(finding.id, list);
  });
  const out: FindingGroup[] = [];
  for (const [id, items] of byId) {
    if (items.length >= minGroup) {
      const severity = items.reduce<Severity>((w, r) => (SEVERITY_RANK[r.finding.severity] > SEVERITY_RANK[w] ? r.finding.severity : w), 'info');
      out.push({ id, severity, title: `${humanizeId(id)} (${items.length})`, items });
    } else {
      for (const r of items) out.push({ id, severity: r.finding.severity, title: r.finding.title, items: [r] });
    }
  }
  return out.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
}

export interface PriorityItem {
  sectionId: string;
  sectionTitle: string;
  group: FindingGroup;
}

/**
 * The first screen: the top `limit` problems across all sections, ranked by severity, then by how many objects
 * share the problem, then by section order. Info-level findings come only when nothing worse fills the list.
 */
export function topFindings(report: Pick<Report, 'sections'>, limit = 10): PriorityItem[] {
  const all: (PriorityItem & { order: number })[] = [];
  report.sections.forEach((s, order) => {
    for (const group of groupFindings(s.findings)) all.push({ sectionId: s.id, sectionTitle: s.title, group, order });
  });
  return all
    .sort(
      (a, b) =>
        SEVERITY_RANK[b.group.severity] - SEVERITY_RANK[a.group.severity] ||
        b.group.items.length - a.group.items.length ||
        a.order - b.order,
    )
    .slice(0, limit)
    .map(({ order: _order, ...item }) => item);
}

export function severityCounts(section: Pick<ReportSection, 'findings' | 'error'>): Record<Severity, number> {
  const c: Record<Severity, number> = { error: section.error ? 1 : 0, warning: 0, info: 0 };
  for (const f of section.findings) c[f.severity]++;
  return c;
}

/** A section where all is well (nothing above info, no failure) starts collapsed. */
export function sectionStartsOpen(section: Pick<ReportSection, 'findings' | 'error'>): boolean {
  const c = severityCounts(section);
  return c.error + c.warning > 0;
}

const NUMERIC_WITH_UNIT = /^[-+−]?[\d.,\s]*\d(\s?(%|ms|s|min|h|d|B|kB|KB|MB|GB|TB|x|×|rows|calls))?$/;

/** A value that reads as a number (with an optional unit), e.g. 1,204, 12.5 ms, 99.1 %, 3.4 GB. */
export function looksNumeric(v: Cell): boolean {
  if (typeof v === 'number') return true;
  return typeof v === 'string' && v.trim() !== '' && NUMERIC_WITH_UNIT.test(v.trim());
}

export interface TableLayout {
  visible: ReportTable['columns'];
  /** Columns shown only in a row's detail (empty when the table fits). */
  detail: ReportTable['columns'];
  /** Column keys whose cells are right-aligned (declared numeric, or every value reads as a number). */
  rightAligned: Set<string>;
}

/** At most MAX_COLUMNS header cells: when a table is wider, the first MAX_COLUMNS − 1 plus a "More" column. */
export function tableLayout(t: Pick<ReportTable, 'columns' | 'rows'>, max = MAX_COLUMNS): TableLayout {
  const fits = t.columns.length <= max;
  const visible = fits ? t.columns : t.columns.slice(0, max - 1);
  const detail = fits ? [] : t.columns.slice(max - 1);
  const rightAligned = new Set<string>();
  for (const c of t.columns) {
    const values = t.rows.map((r) => r[c.key] ?? null).filter((v) => v !== null && v !== '');
    if (c.numeric || (values.length > 0 && values.every(looksNumeric))) rightAligned.add(c.key);
  }
  return { visible, detail, rightAligned };
}
