// The plan view in headless Chromium: dist/plan-webview.js and media/plan.css in a page with a stand-in for
// acquireVsCodeApi, fed a generated plan (500 nodes by default, and a before/after of two). Measures what
// the webview itself reports (build + layout of the DOM), the wall time until the page is idle again
// (a setTimeout(0) after the message: the main thread was free), and collapsing / selecting a node.
import { analyzePlan } from '../src/core/explain/planAnalysis';
import { diffPlans } from '../src/core/explain/planDiff';
import { side } from '../src/extension/webviews/planSide';
import type { ToPlanWebview } from '../src/shared/protocol';
import { openPlanViewPage } from '../test/harness/planViewPage';
import { generatePlan } from '../test/harness/generatedPlan';

export interface PlanViewFigures {
  nodes: number;
  renderMs: number;
  idleAfterMs: number;
  comparisonNodes: number;
  comparisonRenderMs: number;
  collapseRootMs: number;
  selectDeepNodeMs: number;
}

export async function planViewBench(opts: { root: string; nodes?: number; line(label: string, value: string): void }): Promise<PlanViewFigures> {
  const count = opts.nodes ?? 500;
  const doc = generatePlan(count);
  const analysis = analyzePlan(doc);
  const show: ToPlanWebview = { type: 'showPlan', sql: 'SELECT /* generated */ 1', mode: 'analyze', connection: 'bench', notes: [], durationMs: 0, plan: side('Plan', analysis, doc) };
  const comparison: ToPlanWebview = {
    type: 'showComparison',
    sql: 'SELECT 1',
    connection: 'bench',
    indexDdl: 'CREATE INDEX ON t (a)',
    source: 'user',
    sizeBytes: 8192,
    costBefore: analysis.totalCost,
    costAfter: analysis.totalCost / 2,
    costChange: -0.5,
    indexUsed: true,
    notes: [],
    before: side('Before', analysis, doc),
    after: side('After', analysis, doc),
    diff: diffPlans(analysis, analysis),
  };
  const view = await openPlanViewPage(opts.root);
  try {
    const { page, post } = view;
    // Warm-up (first run compiles the code), then the median of 5.
    await post(show);
    const runs: { renderMs: number; idleAfterMs: number }[] = [];
    for (let i = 0; i < 5; i++) runs.push(await post(show));
    const med = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const renderMs = med(runs.map((r) => r.renderMs));
    const renderMinMs = Math.min(...runs.map((r) => r.renderMs));
    const idleAfterMs = med(runs.map((r) => r.idleAfterMs));
    const rows = await page.locator('.node').count();
    if (rows !== count) throw new Error(`the plan view shows ${rows} rows for ${count} nodes`);
    // DOM code as strings: this file is type-checked without the DOM library.
    const collapseRootMs = await page.evaluate<number>(`(() => {
      const t = performance.now();
      document.querySelector('.node .twisty').click();
      void document.body.offsetHeight;
      return performance.now() - t;
    })()`);
    const visible = await page.locator('.node:visible').count();
    if (visible !== 1) throw new Error(`collapsing the root left ${visible} rows visible`);
    // Selecting the deepest node (from a finding link) expands its ancestors again and shows its details.
    const selectDeepNodeMs = await page.evaluate<number>(`(() => {
      const t = performance.now();
      document.querySelector('.tree-wrap').dispatchEvent(new CustomEvent('select-node', { detail: ${count - 1} }));
      void document.body.offsetHeight;
      return performance.now() - t;
    })()`);
    const details = await page.locator('.details h3').textContent();
    if (!details) throw new Error('selecting a node did not show its details');
    await post(comparison);
    const cmpRuns: number[] = [];
    for (let i = 0; i < 3; i++) cmpRuns.push((await post(comparison)).renderMs);
    const figures: PlanViewFigures = { nodes: count, renderMs, idleAfterMs, comparisonNodes: count * 2, comparisonRenderMs: med(cmpRuns), collapseRootMs, selectDeepNodeMs };
    opts.line(`plan view: render ${count}-node plan (median of 5)`, `${renderMs.toFixed(1)} ms, min ${renderMinMs.toFixed(1)} ms (main thread free again after ${idleAfterMs.toFixed(1)} ms)`);
    opts.line(`plan view: before/after, 2 × ${count} nodes`, `${figures.comparisonRenderMs.toFixed(1)} ms`);
    opts.line('plan view: collapse the root / reveal the deepest node', `${collapseRootMs.toFixed(1)} ms / ${selectDeepNodeMs.toFixed(1)} ms`);
    return figures;
  } finally {
    await view.close();
  }
}
