// The Trends section's charts: one uPlot line chart per metric over the selected range (all stored snapshots
// by default, or 1 h / 24 h / 7 d / 30 d). Percent metrics run 0–100; a null point is a gap in the line. Drag across a chart to zoom into a span, double-click to zoom back out. Colors are read from the
// VS Code theme's CSS variables and the charts are redrawn when the theme changes (light, dark,
// high contrast). Each chart has a text summary for screen readers; metric labels come from the host.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ShowTrendsMessage } from '../src/shared/protocol';

type Trends = ShowTrendsMessage['trends'][number];
type TrendSeries = Trends['series'][number];

const RANGE_LABELS: Record<string, string> = { all: 'All', '1h': '1 h', '24h': '24 h', '7d': '7 d', '30d': '30 d' };

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function formatValue(s: TrendSeries, v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  switch (s.unit) {
    case 'bytes': {
      const units = ['B', 'kB', 'MB', 'GB', 'TB'];
      let x = v;
      let i = 0;
      while (Math.abs(x) >= 1024 && i < units.length - 1) {
        x /= 1024;
        i++;
      }
      return `${i === 0 ? x : x.toFixed(1)} ${units[i]}`;
    }
    case 'percent':
      return `${v.toFixed(2)} %`;
    case 'seconds':
      return `${v.toFixed(1)} s`;
    case 'ms':
      return `${Math.round(v).toLocaleString()} ms`;
    default:
      return Math.round(v * 100) / 100 === Math.round(v) ? Math.round(v).toLocaleString() : v.toFixed(2);
  }
}

export class TrendCharts {
  private trends: Trends[] = [];
  private range = 'all';
  private charts: uPlot[] = [];
  readonly element: HTMLElement = document.createElement('section');
  private readonly observer: MutationObserver;

  constructor() {
    this.element.className = 'trends';
    this.element.id = 'trend-charts';
    this.element.setAttribute('aria-label', 'Trend charts');
    // VS Code swaps body classes (vscode-light / vscode-dark / vscode-high-contrast) on theme change.
    this.observer = new MutationObserver(() => this.render());
    this.observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    let width = 0;
    new ResizeObserver(() => {
      const w = this.element.clientWidth;
      if (Math.abs(w - width) > 20) {
        width = w;
        this.render();
      }
    }).observe(this.element);
  }

  show(trends: Trends[]): void {
    this.trends = trends;
    if (!trends.some((t) => t.range === this.range)) this.range = trends[0]?.range ?? 'all';
    this.render();
  }

  private render(): void {
    for (const c of this.charts) c.destroy();
    this.charts = [];
    const head = document.createElement('div');
    head.className = 'trend-head';
    const title = document.createElement('h2');
    title.textContent = 'Trend charts';
    head.append(title);
    const group = document.createElement('div');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', 'Range');
    for (const t of this.trends) {
      const b = document.createElement('vscode-button');
      b.textContent = RANGE_LABELS[t.range] ?? t.range;
      if (t.range !== this.range) b.setAttribute('secondary', '');
      b.setAttribute('aria-pressed', String(t.range === this.range));
      b.addEventListener('click', () => {
        this.range = t.range;
        this.render();
      });
      group.append(b);
    }
    head.append(group);
    const hint = document.createElement('p');
    hint.className = 'muted';
    hint.textContent = 'Drag across a chart to zoom, double-click to reset. Counters show their change per interval.';
    const current = this.trends.find((t) => t.range === this.range);
    const grid = document.createElement('div');
    grid.className = 'trend-grid';
    this.element.replaceChildren(head, hint, grid);
    if (!current || current.series.every((s) => s.points.length === 0)) {
      const p = document.createElement('p');
      p.className = 'muted';
      p.textContent = 'No snapshot stored in this range yet. Run "Postgres Optimizer: Take Snapshot" or stay connected with snapshots on.';
      grid.append(p);
      return;
    }
    const fg = cssVar('--vscode-foreground', '#888');
    const border = cssVar('--vscode-panel-border', '#8884');
    const line = cssVar('--vscode-charts-blue', '#3794ff');
    const width = Math.max(260, Math.min(520, (this.element.clientWidth || 600) / 2 - 24));
    for (const s of current.series) {
      if (s.points.length === 0) continue;
      const box = document.createElement('figure');
      box.className = 'trend';
      box.tabIndex = 0;
      const values = s.points.map(([, v]) => v).filter((v): v is number => v !== null);
      const caption = document.createElement('figcaption');
      caption.textContent = `${s.label}${s.kind === 'counter' ? ' (change per interval)' : ''}`;
      box.setAttribute(
        'aria-label',
        `${caption.textContent}: ${values.length} points, latest ${formatValue(s, values.at(-1))}, min ${formatValue(s, Math.min(...values))}, max ${formatValue(s, Math.max(...values))}`,
      );
      box.append(caption);
      grid.append(box);
      // Empty (null) points at both ends of the range keep the x axis on the range itself: with one or two
      // snapshots uPlot would otherwise pad the axis by years.
      const first = s.points[0]?.[0] ?? current.fromMs;
      const last = s.points.at(-1)?.[0] ?? current.toMs;
      const xs = [Math.min(current.fromMs, first - 1) / 1000, ...s.points.map(([t]) => t / 1000), Math.max(current.toMs, last) / 1000 + 1];
      const ys = [null, ...s.points.map(([, v]) => v), null];
      const data: uPlot.AlignedData = [xs, ys];
      const chart = new uPlot(
        {
          width,
          height: 150,
          legend: { show: false },
          cursor: { drag: { x: true, y: false } },
          // Percentages on a fixed 0–100 axis (an auto range padded 99.9 % up to 200 %); other units from 0
          // (or their minimum when negative) to a little above the maximum.
          scales: {
            x: { time: true },
            y: { range: s.unit === 'percent' ? [0, 100] : (_u, min, max) => [Math.min(0, min ?? 0), max === null || max <= 0 ? 1 : max * 1.1] },
          },
          axes: [
            { stroke: fg, grid: { stroke: border, width: 1 }, ticks: { stroke: border } },
            { stroke: fg, grid: { stroke: border, width: 1 }, ticks: { stroke: border }, size: 70, values: (_u, splits) => splits.map((v) => formatValue(s, v)) },
          ],
          series: [{}, { label: s.label, stroke: line, width: 1.5, points: { show: s.points.length < 60 }, spanGaps: false }],
        },
        data,
        box,
      );
      this.charts.push(chart);
    }
  }
}
