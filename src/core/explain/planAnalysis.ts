// Pure analysis of an EXPLAIN (FORMAT JSON) document: a flat node tree (parents before children) with
// per-node exclusive time and cost and their share of the whole, row misestimates in 10× / 100× / 1000×
// buckets, rows removed by filters, spills to disk, heap fetches and buffers, plus headline findings
// (the slowest node, the biggest misestimate, spills...). Plain data, serialisable to the plan webview.

export type MisestimateBucket = 10 | 100 | 1000;

export interface Misestimate {
  /** max(estimated, actual) / min(estimated, actual), both per loop and at least 1. */
  factor: number;
  /** under = the planner expected fewer rows than came. */
  direction: 'under' | 'over';
  bucket: MisestimateBucket;
}

export interface NodeBuffers {
  sharedHit: number;
  sharedRead: number;
  sharedDirtied: number;
  sharedWritten: number;
  localHit: number;
  localRead: number;
  tempRead: number;
  tempWritten: number;
}

export interface PlanNode {
  id: number;
  parentId: number | undefined;
  depth: number;
  children: number[];
  nodeType: string;
  /** One line: "Index Scan using orders_pkey on public.orders o". */
  label: string;
  /** "InitPlan", "SubPlan", "Inner", "Outer", "Member"... */
  parentRelationship: string | undefined;
  subplanName: string | undefined;
  startupCost: number;
  totalCost: number;
  /** Total Cost minus the children's Total Cost (never below 0). */
  exclusiveCost: number;
  /** exclusiveCost / the sum of all exclusive costs, 0..1. */
  costShare: number;
  planRows: number;
  /** ANALYZE only: rows per loop, loops, and times in ms (inclusive = over all loops, divided by the parallel workers). */
  actualRows: number | undefined;
  loops: number | undefined;
  inclusiveMs: number | undefined;
  exclusiveMs: number | undefined;
  /** exclusiveMs / the sum of all exclusive times, 0..1. */
  timeShare: number | undefined;
  neverExecuted: boolean;
  misestimate: Misestimate | undefined;
  rowsRemovedByFilter: number | undefined;
  rowsRemovedByJoinFilter: number | undefined;
  rowsRemovedByIndexRecheck: number | undefined;
  heapFetches: number | undefined;
  /** Human-readable spill descriptions ("Hash Batches: 8 (memory limit hit)", "Sort Method: external merge, Disk: 2048 kB"). */
  spills: string[];
  buffers: NodeBuffers | undefined;
  /** Every other property of the node as EXPLAIN gave it (arrays joined), for the details pane. */
  details: [string, string][];
}

export interface PlanFinding {
  kind: 'slowest' | 'costliest' | 'misestimate' | 'spill' | 'filter' | 'heapFetches';
  nodeId: number;
  severity: 'warning' | 'info';
  message: string;
}

export interface PlanAnalysis {
  nodes: PlanNode[];
  analyzed: boolean;
  totalCost: number;
  planningMs: number | undefined;
  executionMs: number | undefined;
  /** Settings that differ from the defaults (EXPLAIN SETTINGS). */
  settings: Record<string, string>;
  /** Trigger times (ANALYZE), e.g. of foreign keys. */
  triggers: { name: string; relation: string; timeMs: number; calls: number }[];
  findings: PlanFinding[];
  slowestNodeId: number | undefined;
  biggestMisestimateNodeId: number | undefined;
  misestimateCounts: Record<MisestimateBucket, number>;
}

type Raw = Record<string, unknown>;

const SHOWN_ELSEWHERE = new Set([
  'Plans',
  'Node Type',
  'Startup Cost',
  'Total Cost',
  'Plan Rows',
  'Actual Rows',
  'Actual Loops',
  'Actual Startup Time',
  'Actual Total Time',
  'Parent Relationship',
  'Subplan Name',
]);

/** Accepts what the driver returns for EXPLAIN (FORMAT JSON): the parsed array, or its text. */
export function analyzePlan(doc: unknown): PlanAnalysis {
  const arr = typeof doc === 'string' ? (JSON.parse(doc) as unknown) : doc;
  const top = (Array.isArray(arr) ? arr[0] : arr) as Raw | undefined;
  const root = top?.Plan as Raw | undefined;
  if (!top || !root || typeof root !== 'object') throw new Error('This is not an EXPLAIN (FORMAT JSON) result: no "Plan" in it.');
  const analyzed = typeof root['Actual Loops'] === 'number';
  const nodes: PlanNode[] = [];
  const rootCost = num(root['Total Cost']);

  // Iterative walk (a 500-node plan can be deep). Parents are pushed before their children.
  const stack: { raw: Raw; parentId: number | undefined; depth: number; workers: number }[] = [{ raw: root, parentId: undefined, depth: 0, workers: 0 }];
  const raws: Raw[] = [];
  while (stack.length) {
    const { raw, parentId, depth, workers } = stack.pop() as (typeof stack)[0];
    const id = nodes.length;
    const node = makeNode(raw, id, parentId, depth, workers);
    nodes.push(node);
    raws.push(raw);
    if (parentId !== undefined) (nodes[parentId] as PlanNode).children.push(id);
    const launched = typeof raw['Workers Launched'] === 'number' ? (raw['Workers Launched'] as number) : undefined;
    const childWorkers = launched !== undefined ? launched : workers;
    const kids = Array.isArray(raw.Plans) ? (raw.Plans as Raw[]) : [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ raw: kids[i] as Raw, parentId: id, depth: depth + 1, workers: childWorkers });
  }

  // Exclusive cost and time need the children.
  for (const n of nodes) {
    const kids = n.children.map((c) => nodes[c] as PlanNode);
    n.exclusiveCost = Math.max(0, n.totalCost - kids.reduce((s, k) => s + k.totalCost, 0));
    if (analyzed && n.inclusiveMs !== undefined) {
      // InitPlans run once for the parent but report their own time; they are children here too, so
      // subtracting them is right. CTE scans double-count the CTE body: clamp at 0.
      n.exclusiveMs = Math.max(0, n.inclusiveMs - kids.reduce((s, k) => s + (k.inclusiveMs ?? 0), 0));
    }
  }
  // Shares are of the sum of exclusive costs, not of the root's cost: under a Limit the children's costs
  // are larger than the root's (the Limit reads only part of their output).
  const costSum = nodes.reduce((s, n) => s + n.exclusiveCost, 0);
  for (const n of nodes) n.costShare = costSum > 0 ? n.exclusiveCost / costSum : 0;
  const totalExclusive = nodes.reduce((s, n) => s + (n.exclusiveMs ?? 0), 0);
  if (analyzed) for (const n of nodes) n.timeShare = totalExclusive > 0 ? (n.exclusiveMs ?? 0) / totalExclusive : 0;

  const findings: PlanFinding[] = [];
  let slowest: PlanNode | undefined;
  let worstMis: PlanNode | undefined;
  const misestimateCounts: Record<MisestimateBucket, number> = { 10: 0, 100: 0, 1000: 0 };
  for (const n of nodes) {
    if (analyzed) {
      if (!slowest || (n.exclusiveMs ?? 0) > (slowest.exclusiveMs ?? 0)) slowest = n;
    } else if (!slowest || n.exclusiveCost > slowest.exclusiveCost) slowest = n;
    if (n.misestimate) {
      misestimateCounts[n.misestimate.bucket]++;
      if (!worstMis || n.misestimate.factor > (worstMis.misestimate as Misestimate).factor) worstMis = n;
    }
  }
  if (slowest) {
    findings.push(
      analyzed
        ? { kind: 'slowest', nodeId: slowest.id, severity: (slowest.timeShare ?? 0) >= 0.5 ? 'warning' : 'info', message: `Slowest node: ${slowest.label} — ${fmtMs(slowest.exclusiveMs ?? 0)} of its own (${pct(slowest.timeShare ?? 0)} of the time).` }
        : { kind: 'costliest', nodeId: slowest.id, severity: 'info', message: `Most expensive node: ${slowest.label} — cost ${fmtNum(slowest.exclusiveCost)} of its own (${pct(slowest.costShare)} of the plan's cost; total ${fmtNum(rootCost)}).` },
    );
  }
  if (worstMis?.misestimate) {
    const m = worstMis.misestimate;
    findings.push({
      kind: 'misestimate',
      nodeId: worstMis.id,
      severity: m.bucket >= 100 ? 'warning' : 'info',
      message: `Biggest row misestimate: ${worstMis.label} — planned ${fmtNum(worstMis.planRows)} rows, got ${fmtNum(worstMis.actualRows ?? 0)} per loop (${m.direction === 'under' ? 'under' : 'over'}estimated ${fmtNum(Math.round(m.factor))}×). Stale or missing statistics (ANALYZE the table, raise its statistics target, or add extended statistics for correlated columns).`,
    });
  }
  for (const n of nodes) {
    for (const s of n.spills) findings.push({ kind: 'spill', nodeId: n.id, severity: 'warning', message: `${n.label} spilled to disk: ${s}. More work_mem for this query would keep it in memory.` });
    const removed = (n.rowsRemovedByFilter ?? 0) * (n.loops ?? 1);
    const kept = (n.actualRows ?? 0) * (n.loops ?? 1);
    if (removed >= 1000 && removed >= 10 * Math.max(kept, 1)) {
      findings.push({ kind: 'filter', nodeId: n.id, severity: 'warning', message: `${n.label} read ${fmtNum(removed + kept)} rows and its filter threw away ${fmtNum(removed)} (${pct(removed / (removed + kept))}): an index on the filtered columns could read only the rows it keeps.` });
    }
    if ((n.heapFetches ?? 0) > 0 && n.nodeType === 'Index Only Scan') {
      findings.push({ kind: 'heapFetches', nodeId: n.id, severity: (n.heapFetches ?? 0) >= 1000 ? 'warning' : 'info', message: `${n.label} had ${fmtNum(n.heapFetches ?? 0)} heap fetches: the visibility map is not up to date (VACUUM the table to make index-only scans index-only).` });
    }
  }

  return {
    nodes,
    analyzed,
    totalCost: rootCost,
    planningMs: optNum(top['Planning Time']),
    executionMs: optNum(top['Execution Time']),
    settings: stringRecord(top.Settings),
    triggers: (Array.isArray(top.Triggers) ? (top.Triggers as Raw[]) : []).map((t) => ({
      name: String(t['Trigger Name'] ?? '?'),
      relation: String(t.Relation ?? ''),
      timeMs: num(t.Time),
      calls: num(t.Calls),
    })),
    findings,
    slowestNodeId: slowest?.id,
    biggestMisestimateNodeId: worstMis?.id,
    misestimateCounts,
  };
}

function makeNode(raw: Raw, id: number, parentId: number | undefined, depth: number, workers: number): PlanNode {
  const nodeType = String(raw['Node Type'] ?? '?');
  const loops = optNum(raw['Actual Loops']);
  const actualRows = optNum(raw['Actual Rows']);
  const perLoopMs = optNum(raw['Actual Total Time']);
  const neverExecuted = loops === 0;
  // Under Gather, loops count the workers and the leader, and each loop's time overlaps the others.
  const inclusiveMs = perLoopMs === undefined || loops === undefined ? undefined : (perLoopMs * loops) / (workers > 0 ? Math.min(loops, workers + 1) : 1);
  const planRows = num(raw['Plan Rows']);
  let misestimate: Misestimate | undefined;
  if (actualRows !== undefined && !neverExecuted) {
    const est = Math.max(planRows, 1);
    const act = Math.max(actualRows, 1);
    const factor = Math.max(est, act) / Math.min(est, act);
    const bucket: MisestimateBucket | undefined = factor >= 1000 ? 1000 : factor >= 100 ? 100 : factor >= 10 ? 10 : undefined;
    if (bucket) misestimate = { factor, direction: act > est ? 'under' : 'over', bucket };
  }
  return {
    id,
    parentId,
    depth,
    children: [],
    nodeType,
    label: nodeLabel(raw, nodeType),
    parentRelationship: optStr(raw['Parent Relationship']),
    subplanName: optStr(raw['Subplan Name']),
    startupCost: num(raw['Startup Cost']),
    totalCost: num(raw['Total Cost']),
    exclusiveCost: 0,
    costShare: 0,
    planRows,
    actualRows,
    loops,
    inclusiveMs,
    exclusiveMs: undefined,
    timeShare: undefined,
    neverExecuted,
    misestimate,
    rowsRemovedByFilter: optNum(raw['Rows Removed by Filter']),
    rowsRemovedByJoinFilter: optNum(raw['Rows Removed by Join Filter']),
    rowsRemovedByIndexRecheck: optNum(raw['Rows Removed by Index Recheck']),
    heapFetches: optNum(raw['Heap Fetches']),
    spills: spillsOf(raw, nodeType),
    buffers: buffersOf(raw),
    details: Object.entries(raw)
      .filter(([k]) => !SHOWN_ELSEWHERE.has(k))
      .map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)]),
  };
}

function nodeLabel(raw: Raw, nodeType: string): string {
  let label = nodeType;
  const strategy = optStr(raw.Strategy);
  if (nodeType === 'Aggregate' && strategy && strategy !== 'Plain') label = `${strategy === 'Hashed' ? 'Hash' : strategy === 'Sorted' ? 'Group' : strategy} Aggregate`;
  if (nodeType === 'ModifyTable' && optStr(raw.Operation)) label = String(raw.Operation);
  const join = optStr(raw['Join Type']);
  if (join && join !== 'Inner') label += ` ${join}${/Join$/.test(nodeType) ? '' : ' Join'}`;
  if (raw['Scan Direction'] === 'Backward') label += ' Backward';
  const index = optStr(raw['Index Name']);
  if (index) label += ` using ${index}`;
  const rel = optStr(raw['Relation Name']);
  if (rel) {
    const schema = optStr(raw.Schema);
    const alias = optStr(raw.Alias);
    label += ` on ${schema ? `${schema}.` : ''}${rel}${alias && alias !== rel ? ` ${alias}` : ''}`;
  } else if (optStr(raw['CTE Name'])) label += ` on ${String(raw['CTE Name'])}`;
  else if (optStr(raw['Function Name'])) label += ` on ${String(raw['Function Name'])}`;
  return label;
}

function spillsOf(raw: Raw, nodeType: string): string[] {
  const out: string[] = [];
  const batches = optNum(raw['Hash Batches']);
  if (batches !== undefined && batches > 1) {
    const orig = optNum(raw['Original Hash Batches']);
    out.push(`Hash Batches: ${batches}${orig !== undefined && orig !== batches ? ` (planned ${orig})` : ''}, Peak Memory ${fmtNum(num(raw['Peak Memory Usage']))} kB`);
  }
  const sortMethod = optStr(raw['Sort Method']);
  if (sortMethod && /external/i.test(sortMethod)) out.push(`Sort Method: ${sortMethod}, Disk: ${fmtNum(num(raw['Sort Space Used']))} kB`);
  const aggBatches = optNum(raw['HashAgg Batches']);
  if (aggBatches !== undefined && aggBatches > 1) out.push(`HashAgg Batches: ${aggBatches}, Disk Usage: ${fmtNum(num(raw['Disk Usage']))} kB`);
  const tempRead = num(raw['Temp Read Blocks']);
  const tempWritten = num(raw['Temp Written Blocks']);
  // Temp blocks are counted in every ancestor as well: report them on the node that wrote them only.
  if ((tempRead > 0 || tempWritten > 0) && out.length === 0 && childTempBlocks(raw) < tempRead + tempWritten && nodeType !== 'Gather' && nodeType !== 'Gather Merge') {
    out.push(`temp blocks read ${fmtNum(tempRead)}, written ${fmtNum(tempWritten)} (${fmtNum(((tempRead + tempWritten) * 8192) / 1024)} kB)`);
  }
  return out;
}

function childTempBlocks(raw: Raw): number {
  const kids = Array.isArray(raw.Plans) ? (raw.Plans as Raw[]) : [];
  return kids.reduce((s, k) => s + num(k['Temp Read Blocks']) + num(k['Temp Written Blocks']), 0);
}

function buffersOf(raw: Raw): NodeBuffers | undefined {
  if (!('Shared Hit Blocks' in raw)) return undefined;
  return {
    sharedHit: num(raw['Shared Hit Blocks']),
    sharedRead: num(raw['Shared Read Blocks']),
    sharedDirtied: num(raw['Shared Dirtied Blocks']),
    sharedWritten: num(raw['Shared Written Blocks']),
    localHit: num(raw['Local Hit Blocks']),
    localRead: num(raw['Local Read Blocks']),
    tempRead: num(raw['Temp Read Blocks']),
    tempWritten: num(raw['Temp Written Blocks']),
  };
}

function stringRecord(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v as Raw).map(([k, x]) => [k, String(x)]));
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
function optNum(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
function optStr(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`;
}
const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export function fmtNum(n: number): string {
  return Math.abs(n) >= 100 || Number.isInteger(n) ? INTEGER.format(Math.round(n)) : n.toFixed(2);
}
function pct(x: number): string {
  return `${(x * 100).toFixed(x >= 0.1 ? 0 : 1)}%`;
}

/** A text rendering close to EXPLAIN's own, built from the analysis (so ANALYZE never runs twice). */
export function planToText(a: PlanAnalysis): string {
  const lines: string[] = [];
  const visit = (id: number): void => {
    const n = a.nodes[id] as PlanNode;
    const indent = n.depth === 0 ? '' : `${'      '.repeat(n.depth - 1)}  ->  `;
    const sub = n.subplanName ? `${'      '.repeat(Math.max(0, n.depth - 1))}  ${n.subplanName}\n` : '';
    let line = `${n.label}  (cost=${n.startupCost.toFixed(2)}..${n.totalCost.toFixed(2)} rows=${n.planRows})`;
    if (a.analyzed) line += n.neverExecuted ? ' (never executed)' : ` (actual time=${(n.inclusiveMs !== undefined && n.loops ? n.inclusiveMs / n.loops : 0).toFixed(3)} rows=${n.actualRows ?? 0} loops=${n.loops ?? 0})`;
    lines.push(`${sub}${indent}${line}`);
    const pad = `${'      '.repeat(n.depth)}${n.depth === 0 ? '  ' : '      '}`;
    for (const [k, v] of n.details) if (/^(Filter|Index Cond|Hash Cond|Join Filter|Recheck Cond|Sort Key|Group Key|Merge Cond|Output)$/.test(k)) lines.push(`${pad}${k}: ${v}`);
    if (n.rowsRemovedByFilter !== undefined) lines.push(`${pad}Rows Removed by Filter: ${n.rowsRemovedByFilter}`);
    for (const s of n.spills) lines.push(`${pad}${s}`);
    if (n.heapFetches !== undefined) lines.push(`${pad}Heap Fetches: ${n.heapFetches}`);
    if (n.buffers) lines.push(`${pad}Buffers: shared hit=${n.buffers.sharedHit} read=${n.buffers.sharedRead}${n.buffers.tempRead || n.buffers.tempWritten ? ` temp read=${n.buffers.tempRead} written=${n.buffers.tempWritten}` : ''}`);
    for (const c of n.children) visit(c);
  };
  if (a.nodes.length) visit(0);
  if (a.planningMs !== undefined) lines.push(`Planning Time: ${a.planningMs.toFixed(3)} ms`);
  for (const t of a.triggers) lines.push(`Trigger ${t.name}: time=${t.timeMs.toFixed(3)} calls=${t.calls}`);
  if (a.executionMs !== undefined) lines.push(`Execution Time: ${a.executionMs.toFixed(3)} ms`);
  return lines.join('\n');
}
