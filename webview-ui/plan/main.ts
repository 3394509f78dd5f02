// The plan view webview: one plan, or two side by side (before/after a hypothetical index). Talks to the
// host only through the plan messages of src/shared/protocol.ts. Every string from the database goes into
// the DOM with textContent, never innerHTML. The tree is a flat list of rows in plan order (parents
// before children, so a subtree is a contiguous range): deep plans do not nest hundreds of elements, and
// collapsing hides a range.
import { isToPlanWebview, type NodeDelta, type PlanAnalysis, type PlanNode, type PlanSide, type ShowComparisonMessage, type ShowPlanMessage, type ToPlanHost, type ToPlanWebview } from '../../src/shared/protocol';
import { el, fmtCount, fmtMs, fmtPct } from './dom';

interface VsCodeApi {
  postMessage(message: ToPlanHost): void;
  setState(state: unknown): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root') as HTMLElement;
const statusLine = document.getElementById('status') as HTMLElement;
const progress = document.getElementById('progress') as HTMLElement;

type ViewKind = 'tree' | 'text' | 'json';

/** Renders one plan side: summary, findings, the tree (or text / JSON) and a details pane. `deltas` (a
 * comparison) says per node what the other side made of it. */
function renderSide(side: PlanSide, container: HTMLElement, compact: boolean, deltas?: Compared): void {
  const a = side.analysis;
  const head = el('div', undefined, 'side-head');
  head.append(el('h2', side.title));
  const toggles = el('div', undefined, 'view-toggle');
  toggles.setAttribute('role', 'tablist');
  const body = el('div', undefined, 'side-body');
  const views: Record<ViewKind, () => HTMLElement> = {
    tree: () => renderTreeWithDetails(a, compact, deltas),
    text: () => el('pre', side.text, 'plan-text'),
    json: () => el('pre', side.rawJson, 'plan-json'),
  };
  let current: ViewKind = 'tree';
  const buttons = new Map<ViewKind, HTMLButtonElement>();
  const show = (kind: ViewKind): void => {
    current = kind;
    for (const [k, b] of buttons) b.setAttribute('aria-selected', String(k === kind));
    body.replaceChildren(views[kind]());
  };
  for (const [kind, label] of [['tree', 'Tree'], ['text', 'Text'], ['json', 'Raw JSON']] as const) {
    const b = el('button', label, 'tab');
    b.setAttribute('role', 'tab');
    b.addEventListener('click', () => show(kind));
    buttons.set(kind, b);
    toggles.append(b);
  }
  const copy = el('button', 'Copy', 'tab');
  copy.title = 'Copy the plan as shown (text or JSON)';
  copy.addEventListener('click', () => vscode.postMessage({ type: 'planCopy', text: current === 'json' ? side.rawJson : side.text }));
  toggles.append(copy);
  head.append(toggles);
  // A finding link selects its node in the tree (switching back to the tree view first).
  const selectNode = (id: number): void => {
    if (current !== 'tree') show('tree');
    body.querySelector('.tree-wrap')?.dispatchEvent(new CustomEvent('select-node', { detail: id }));
  };
  container.append(head, summary(a), findings(a, selectNode), body);
  show('tree');
}

function summary(a: PlanAnalysis): HTMLElement {
  const dl = el('dl', undefined, 'summary');
  const add = (k: string, v: string): void => {
    dl.append(el('dt', k), el('dd', v));
  };
  add('Total cost', fmtCount(a.totalCost));
  add('Nodes', String(a.nodes.length));
  if (a.planningMs !== undefined) add('Planning', fmtMs(a.planningMs));
  if (a.executionMs !== undefined) add('Execution', fmtMs(a.executionMs));
  if (a.analyzed) add('Misestimates', `${a.misestimateCounts[1000]} ≥1000×, ${a.misestimateCounts[100]} ≥100×, ${a.misestimateCounts[10]} ≥10×`);
  const settings = Object.entries(a.settings);
  if (settings.length) add('Settings', settings.map(([k, v]) => `${k}=${v}`).join(', '));
  for (const t of a.triggers) add(`Trigger ${t.name}`, `${fmtMs(t.timeMs)}, ${t.calls} calls`);
  return dl;
}

function findings(a: PlanAnalysis, selectNode: (id: number) => void): HTMLElement {
  const ul = el('ul', undefined, 'findings');
  for (const f of a.findings.slice(0, 12)) {
    const li = el('li', undefined, `finding ${f.severity}`);
    const link = el('button', f.message, 'link');
    link.addEventListener('click', () => selectNode(f.nodeId));
    li.append(link);
    ul.append(li);
  }
  if (a.findings.length > 12) ul.append(el('li', `… and ${a.findings.length - 12} more`, 'muted'));
  return ul;
}

/** One side of a comparison: its node deltas, and whether it is the after side. */
interface Compared {
  deltas: NodeDelta[];
  isAfter: boolean;
}

function renderTreeWithDetails(a: PlanAnalysis, compact: boolean, compared?: Compared): HTMLElement {
  const wrap = el('div', undefined, compact ? 'tree-wrap compact' : 'tree-wrap');
  const tree = el('div', undefined, 'tree');
  tree.setAttribute('role', 'tree');
  const details = el('aside', undefined, 'details');
  details.append(el('p', 'Select a node to see its details.', 'muted'));
  const rows: HTMLElement[] = [];
  const subtreeEnd: number[] = new Array<number>(a.nodes.length);
  // Preorder: a node's subtree ends where the next node at its depth or above starts.
  for (let i = a.nodes.length - 1; i >= 0; i--) {
    const n = a.nodes[i] as PlanNode;
    const last = n.children.length ? (n.children[n.children.length - 1] as number) : undefined;
    subtreeEnd[i] = last === undefined ? i + 1 : (subtreeEnd[last] as number);
  }
  const collapsed = new Set<number>();
  let selected: number | undefined;

  const applyVisibility = (): void => {
    let hideUntil = -1;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as HTMLElement;
      row.hidden = i < hideUntil;
      if (!row.hidden && collapsed.has(i)) hideUntil = subtreeEnd[i] as number;
    }
  };
  const select = (id: number, focus = true): void => {
    if (selected !== undefined) rows[selected]?.classList.remove('selected');
    selected = id;
    // Reveal: expand every collapsed ancestor.
    let p = a.nodes[id]?.parentId;
    let changed = false;
    while (p !== undefined) {
      if (collapsed.delete(p)) {
        rows[p]?.setAttribute('aria-expanded', 'true');
        changed = true;
      }
      p = a.nodes[p]?.parentId;
    }
    if (changed) applyVisibility();
    const row = rows[id];
    row?.classList.add('selected');
    if (focus) row?.focus();
    row?.scrollIntoView({ block: 'nearest' });
    details.replaceChildren(renderDetails(a.nodes[id] as PlanNode, a.analyzed, compared));
  };
  const toggle = (id: number): void => {
    if (!(a.nodes[id] as PlanNode).children.length) return;
    if (collapsed.has(id)) collapsed.delete(id);
    else collapsed.add(id);
    rows[id]?.setAttribute('aria-expanded', String(!collapsed.has(id)));
    applyVisibility();
  };

  const frag = document.createDocumentFragment();
  for (const n of a.nodes) {
    const row = renderRow(n, a.analyzed, compared);
    row.addEventListener('click', (e) => {
      if ((e.target as HTMLElement).classList.contains('twisty')) toggle(n.id);
      select(n.id, false);
    });
    rows.push(row);
    frag.append(row);
  }
  tree.append(frag);
  tree.addEventListener('keydown', (e) => {
    if (selected === undefined) return;
    const visible = rows.filter((r) => !r.hidden);
    const at = visible.indexOf(rows[selected] as HTMLElement);
    const n = a.nodes[selected] as PlanNode;
    if (e.key === 'ArrowDown' && at + 1 < visible.length) select(Number(visible[at + 1]?.dataset.id));
    else if (e.key === 'ArrowUp' && at > 0) select(Number(visible[at - 1]?.dataset.id));
    else if (e.key === 'ArrowLeft') {
      if (n.children.length && !collapsed.has(n.id)) toggle(n.id);
      else if (n.parentId !== undefined) select(n.parentId);
    } else if (e.key === 'ArrowRight' && collapsed.has(n.id)) toggle(n.id);
    else if (e.key === 'Enter' || e.key === ' ') toggle(n.id);
    else return;
    e.preventDefault();
  });
  wrap.addEventListener('select-node', (e) => select((e as CustomEvent<number>).detail));
  wrap.append(tree, details);
  return wrap;
}

function renderRow(n: PlanNode, analyzed: boolean, compared?: Compared): HTMLElement {
  const row = el('div', undefined, 'node');
  row.dataset.id = String(n.id);
  row.tabIndex = -1;
  row.setAttribute('role', 'treeitem');
  row.setAttribute('aria-level', String(n.depth + 1));
  if (n.children.length) row.setAttribute('aria-expanded', 'true');
  row.style.paddingLeft = `${Math.min(n.depth, 60) * 12 + 4}px`;
  row.append(el('span', n.children.length ? '▾' : '', 'twisty'));
  const main = el('span', undefined, 'node-main');
  if (n.subplanName) main.append(el('span', `${n.subplanName} `, 'muted'));
  else if (n.parentRelationship === 'InitPlan' || n.parentRelationship === 'SubPlan') main.append(el('span', `${n.parentRelationship} `, 'muted'));
  main.append(el('span', n.label, 'label'));
  row.append(main);
  const meta = el('span', undefined, 'node-meta');
  meta.append(bar(n.costShare, 'cost', `cost ${fmtCount(n.exclusiveCost)} own (${fmtPct(n.costShare)})`));
  if (analyzed) meta.append(bar(n.timeShare ?? 0, 'time', n.neverExecuted ? 'never executed' : `${fmtMs(n.exclusiveMs ?? 0)} own (${fmtPct(n.timeShare ?? 0)})`));
  const rows = analyzed && !n.neverExecuted ? `${fmtCount(n.actualRows ?? 0)} of ${fmtCount(n.planRows)} rows${(n.loops ?? 1) > 1 ? ` × ${fmtCount(n.loops ?? 1)}` : ''}` : `${fmtCount(n.planRows)} rows`;
  meta.append(el('span', rows, 'rows'));
  if (n.neverExecuted) meta.append(el('span', 'never executed', 'badge muted-badge'));
  if (n.misestimate) {
    const b = el('span', `${n.misestimate.direction === 'under' ? '▲' : '▼'} ${fmtCount(Math.round(n.misestimate.factor))}×`, `badge mis-${n.misestimate.bucket}`);
    b.title = `Row estimate off by ${n.misestimate.bucket}× or more (${n.misestimate.direction}estimated)`;
    meta.append(b);
  }
  if (n.spills.length) {
    const b = el('span', 'spill', 'badge warn');
    b.title = n.spills.join('\n');
    meta.append(b);
  }
  const removed = n.rowsRemovedByFilter ?? 0;
  if (removed > 0) {
    const b = el('span', `−${fmtCount(removed)} filtered`, 'badge');
    b.title = 'Rows Removed by Filter (per loop)';
    meta.append(b);
  }
  if ((n.heapFetches ?? 0) > 0) meta.append(el('span', `${fmtCount(n.heapFetches ?? 0)} heap fetches`, 'badge warn'));
  const d = compared?.deltas[n.id];
  if (d) meta.append(deltaBadge(d, compared?.isAfter ?? true));
  row.append(meta);
  return row;
}

/** "1,791 → 870 (−51 %)", "new", "gone", "same": always read as before → after. */
function deltaText(d: NodeDelta, isAfter: boolean): string {
  if (d.change === 'new') return 'new with the index';
  if (d.change === 'gone') return 'gone with the index';
  const timed = d.ms !== undefined && d.otherMs !== undefined;
  const [b, a] = timed ? (isAfter ? [d.otherMs, d.ms] : [d.ms, d.otherMs]) : isAfter ? [d.otherCost, d.cost] : [d.cost, d.otherCost];
  const fmt = (v: number | undefined): string => (timed ? fmtMs(v ?? 0) : fmtCount(v ?? 0));
  if (d.change === 'same') return `same (${timed ? '' : 'cost '}${fmt(a)})`;
  const pct = b ? ((a ?? 0) - b) / b : 0;
  return `${timed ? '' : 'cost '}${fmt(b)} → ${fmt(a)} (${pct <= 0 ? '−' : '+'}${fmtPct(Math.abs(pct))})`;
}

function deltaBadge(d: NodeDelta, isAfter: boolean): HTMLElement {
  const text = deltaText(d, isAfter);
  const b = el('span', d.change === 'same' ? '=' : d.change === 'new' ? 'new' : d.change === 'gone' ? 'gone' : text.replace(/^cost /, ''), `badge delta delta-${d.change}`);
  b.title = `Before → after the index (inclusive ${d.ms !== undefined && d.otherMs !== undefined ? 'time' : 'cost'}): ${text}`;
  return b;
}

function bar(share: number, kind: 'cost' | 'time', title: string): HTMLElement {
  const outer = el('span', undefined, `bar bar-${kind}`);
  outer.title = title;
  const inner = el('span', undefined, 'fill');
  inner.style.width = `${Math.max(0, Math.min(1, share)) * 100}%`;
  outer.append(inner);
  return outer;
}

/** EXPLAIN's property names in words a reader knows; anything not listed is shown in sentence case. */
const DETAIL_LABELS: Record<string, string> = {
  'Parallel Aware': 'Runs in parallel',
  'Async Capable': 'Can run asynchronously',
  'Plan Width': 'Estimated row width (bytes)',
  'Relation Name': 'Table',
  'Index Name': 'Index',
  'Index Cond': 'Index condition',
  'Recheck Cond': 'Recheck condition',
  'Hash Cond': 'Hash condition',
  'Merge Cond': 'Merge condition',
  'Join Filter': 'Join filter',
  'Inner Unique': 'Inner side is unique',
  'Parent Relationship': 'Role under its parent',
  'Scan Direction': 'Scan direction',
  'Sort Key': 'Sort key',
  'Presorted Key': 'Already sorted by',
  'Sort Method': 'Sort method',
  'Sort Space Used': 'Sort memory or disk used (kB)',
  'Sort Space Type': 'Sort used',
  'Group Key': 'Group by',
  'Hash Buckets': 'Hash buckets',
  'Original Hash Buckets': 'Hash buckets planned',
  'Hash Batches': 'Hash batches',
  'Original Hash Batches': 'Hash batches planned',
  'Peak Memory Usage': 'Peak memory (kB)',
  'Workers Planned': 'Parallel workers planned',
  'Workers Launched': 'Parallel workers launched',
  'Partial Mode': 'Partial aggregation',
  'Subplan Name': 'Subplan',
  'CTE Name': 'CTE',
  'Function Name': 'Function',
  'Exact Heap Blocks': 'Exact heap blocks',
  'Lossy Heap Blocks': 'Lossy heap blocks (work_mem too small)',
  'Output': 'Output columns',
  'Single Copy': 'Single copy',
  'Cache Key': 'Memoize key',
  'Cache Hits': 'Memoize hits',
  'Cache Misses': 'Memoize misses',
  'Cache Evictions': 'Memoize evictions',
};

function detailLabel(key: string): string {
  return DETAIL_LABELS[key] ?? key.charAt(0) + key.slice(1).toLowerCase();
}

function detailValue(v: string): string {
  return v === 'true' ? 'yes' : v === 'false' ? 'no' : v;
}

function renderDetails(n: PlanNode, analyzed: boolean, compared?: Compared): HTMLElement {
  const box = el('div');
  box.append(el('h3', n.label));
  const dl = el('dl', undefined, 'node-details');
  const add = (k: string, v: string | number | undefined): void => {
    if (v === undefined || v === '') return;
    dl.append(el('dt', k), el('dd', typeof v === 'number' ? fmtCount(v) : v));
  };
  add('Cost', `${n.startupCost.toFixed(2)} .. ${n.totalCost.toFixed(2)} (own ${fmtCount(n.exclusiveCost)}, ${fmtPct(n.costShare)})`);
  const d = compared?.deltas[n.id];
  if (d) add('Before → after', deltaText(d, compared?.isAfter ?? true));
  add('Planned rows', n.planRows);
  if (analyzed) {
    add('Actual rows', n.neverExecuted ? 'never executed' : `${fmtCount(n.actualRows ?? 0)} per loop × ${fmtCount(n.loops ?? 0)} loops`);
    add('Time', n.inclusiveMs === undefined ? undefined : `${fmtMs(n.inclusiveMs)} incl., ${fmtMs(n.exclusiveMs ?? 0)} own (${fmtPct(n.timeShare ?? 0)})`);
  }
  if (n.misestimate) add('Misestimate', `${fmtCount(Math.round(n.misestimate.factor))}× ${n.misestimate.direction}estimated`);
  add('Rows removed by filter', n.rowsRemovedByFilter);
  add('Rows removed by join filter', n.rowsRemovedByJoinFilter);
  add('Rows removed by index recheck', n.rowsRemovedByIndexRecheck);
  add('Heap fetches', n.heapFetches);
  for (const s of n.spills) add('Spill', s);
  if (n.buffers) {
    const b = n.buffers;
    add('Buffers', `shared hit ${fmtCount(b.sharedHit)}, read ${fmtCount(b.sharedRead)}, dirtied ${fmtCount(b.sharedDirtied)}, written ${fmtCount(b.sharedWritten)}${b.tempRead || b.tempWritten ? `; temp read ${fmtCount(b.tempRead)}, written ${fmtCount(b.tempWritten)}` : ''}${b.localHit || b.localRead ? `; local hit ${fmtCount(b.localHit)}, read ${fmtCount(b.localRead)}` : ''}`);
  }
  for (const [k, v] of n.details) add(detailLabel(k), detailValue(v));
  box.append(dl);
  return box;
}

function header(m: ShowPlanMessage | ShowComparisonMessage): HTMLElement {
  const h = el('section', undefined, 'query');
  const modeText: Record<string, string> = {
    plan: 'EXPLAIN (estimated plan)',
    generic: 'EXPLAIN, generic plan',
    analyze: 'EXPLAIN ANALYZE (executed, read-only)',
    'analyze-rolled-back': 'EXPLAIN ANALYZE (executed, rolled back)',
  };
  h.append(el('h1', m.type === 'showPlan' ? (modeText[m.mode] ?? m.mode) : 'Before / after a hypothetical index'));
  h.append(el('p', `on ${m.connection}`, 'muted'));
  const sql = el('pre', m.sql, 'sql');
  h.append(sql);
  for (const note of m.notes) h.append(el('p', note, 'note'));
  return h;
}

function show(m: ShowPlanMessage | ShowComparisonMessage): number {
  const started = performance.now();
  const page = el('div');
  page.append(header(m));
  let nodes: number;
  if (m.type === 'showPlan') {
    const side = el('section', undefined, 'side');
    renderSide(m.plan, side, false);
    page.append(side);
    nodes = m.plan.analysis.nodes.length;
  } else {
    const change = el('div', undefined, `cost-change ${m.costChange < 0 ? 'better' : 'worse'}`);
    change.append(el('strong', `Cost ${fmtCount(m.costBefore)} → ${fmtCount(m.costAfter)} (${m.costChange <= 0 ? '−' : '+'}${fmtPct(Math.abs(m.costChange))})`));
    change.append(el('span', m.indexUsed ? ' — the plan uses the index' : ' — the plan does not use the index', 'muted'));
    const ddl = el('div', undefined, 'ddl');
    ddl.append(el('code', m.indexDdl));
    ddl.append(el('span', ` ${m.source === 'advisor' ? 'recommended by the advisor' : 'typed'}, estimated size ${fmtCount(Math.round(m.sizeBytes / 1024))} kB `, 'muted'));
    const copy = el('button', 'Copy DDL', 'tab');
    copy.addEventListener('click', () => vscode.postMessage({ type: 'planCopy', text: `${m.indexDdl};` }));
    ddl.append(copy);
    const cols = el('div', undefined, 'columns');
    for (const [s, deltas, isAfter] of [[m.before, m.diff.before, false], [m.after, m.diff.after, true]] as const) {
      const side = el('section', undefined, 'side');
      renderSide(s, side, true, { deltas, isAfter });
      cols.append(side);
    }
    page.append(change, ddl, cols);
    nodes = m.before.analysis.nodes.length + m.after.analysis.nodes.length;
  }
  root.replaceChildren(page);
  // Force layout, so the figure includes it.
  void root.offsetHeight;
  const ms = performance.now() - started;
  vscode.postMessage({ type: 'planRendered', nodes, ms });
  return ms;
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (!isToPlanWebview(event.data)) return;
  const m: ToPlanWebview = event.data;
  switch (m.type) {
    case 'showPlan':
    case 'showComparison':
      statusLine.textContent = '';
      statusLine.className = '';
      progress.hidden = true;
      show(m);
      vscode.setState(m);
      break;
    case 'planProgress':
      progress.hidden = !m.running;
      statusLine.textContent = m.message;
      statusLine.className = '';
      break;
    case 'planError':
      progress.hidden = true;
      statusLine.textContent = m.message;
      statusLine.className = 'error';
      if (!root.querySelector('.side')) root.replaceChildren(el('p', m.message, 'error-text'));
      break;
  }
});

// A panel restored after a reload shows its last plan until the host sends a new one.
const saved = vscode.getState();
if (isToPlanWebview(saved) && (saved.type === 'showPlan' || saved.type === 'showComparison')) show(saved);
vscode.postMessage({ type: 'planReady' });
