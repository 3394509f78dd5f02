// Geometry for the report's small static charts, shared by the HTML export (inline SVG, no script) and the
// webview's sparklines: a series of [time, value] points becomes polyline segments in a w×h box, broken at
// null values (gaps). Percent series use a fixed 0–100 scale; others run from min(0, min) to max. Pure.
import type { ReportChart } from './model';

export interface ChartGeometry {
  /** One "x,y x,y …" string per unbroken run of points. */
  segments: string[];
  /** Single points with no neighbour in their run (drawn as dots). */
  dots: { x: number; y: number }[];
  yMin: number;
  yMax: number;
  tMin: number;
  tMax: number;
}

export function chartGeometry(chart: Pick<ReportChart, 'unit' | 'points'>, width: number, height: number, pad = 2): ChartGeometry {
  const pts = chart.points;
  const values = pts.map(([, v]) => v).filter((v): v is number => v !== null && Number.isFinite(v));
  const tMin = pts[0]?.[0] ?? 0;
  const tMax = pts.at(-1)?.[0] ?? tMin;
  let yMin = chart.unit === 'percent' ? 0 : Math.min(0, ...values);
  let yMax = chart.unit === 'percent' ? 100 : Math.max(...values, 0);
  if (yMax === yMin) yMax = yMin + 1;
  const x = (t: number): number => pad + (tMax === tMin ? (width - 2 * pad) / 2 : ((t - tMin) / (tMax - tMin)) * (width - 2 * pad));
  const y = (v: number): number => height - pad - ((Math.min(Math.max(v, yMin), yMax) - yMin) / (yMax - yMin)) * (height - 2 * pad);
  const segments: string[] = [];
  const dots: { x: number; y: number }[] = [];
  let run: { x: number; y: number }[] = [];
  const flush = (): void => {
    if (run.length === 1 && run[0]) dots.push(run[0]);
    else if (run.length > 1) segments.push(run.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' '));
    run = [];
  };
  for (const [t, v] of pts) {
    if (v === null || !Number.isFinite(v)) flush();
    else run.push({ x: x(t), y: y(v) });
  }
  flush();
  return { segments, dots, yMin, yMax, tMin, tMax };
}
