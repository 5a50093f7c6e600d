/**
 * Inline SVG charts for the HTML report, drawn by hand so the report stays one offline file with
 * no chart library. Colours come from CSS classes (`s0`…`s7`, themed by CSS variables), never from
 * inline `style` attributes, which the report's Content-Security-Policy forbids. Every label is
 * escaped; element ids come from the caller's counter, never from report text.
 */
import { escapeHtml as esc } from './escape';
import { fmt } from './format';

/** Number of series colour classes (`s0`…`s7`) the stylesheet defines. */
export const SERIES_COLORS = 8;

/** A line of a line chart; a null y leaves a gap. */
export interface LineSeries {
  name: string;
  points: { x: number; y: number | null }[];
  /** Colour class index (taken modulo `SERIES_COLORS`). */
  color: number;
  dashed?: boolean;
  /** Drawn thicker (e.g. the best signal). */
  strong?: boolean;
}

/** What a line chart shows. */
export interface LineChartSpec {
  /** Unique id prefix for the chart's title and description elements. */
  id: string;
  title: string;
  description: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  /** Tick positions on x (default: about 8 nice integer steps over the data). */
  xTicks?: number[];
  /** Formats x values for ticks and tooltips. */
  xFormat?: (x: number) => string;
  /** x range (default: the data's). */
  xDomain?: [number, number];
  /** Writes each point's series name beside it (a scatter of one point per series). */
  pointLabels?: boolean;
  /** y range (default [0, 1], the range of every rate the report charts). */
  yDomain?: [number, number];
  /** A dashed y = x reference line (in data units) with this label (e.g. chance on a ROC chart). */
  diagonal?: string;
  /** A circle with a tooltip on every point (default true; false for dense curves). */
  markers?: boolean;
  /** Height in SVG units (default 280). */
  height?: number;
}

/** A horizontal bar. */
export interface Bar {
  label: string;
  value: number | null;
  /** Drawn in the accent colour (e.g. the best signal). */
  highlight?: boolean;
}

/** What a bar chart shows. */
export interface BarChartSpec {
  id: string;
  title: string;
  description: string;
  xLabel: string;
  bars: Bar[];
  domain?: [number, number];
  /** A dashed vertical reference line (e.g. chance level 0.5). */
  reference?: { value: number; label: string };
}

const W = 560;
const DEFAULT_H = 280;
const M = { left: 52, right: 16, top: 14, bottom: 46 };

function num(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

/** About `count` ticks at 1, 2 or 5 × 10^k steps covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 8, integer = false): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function frame(id: string, title: string, description: string, width: number, height: number, body: string[]): string {
  return [
    `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-t ${id}-d" focusable="false">`,
    `<title id="${id}-t">${esc(title)}</title>`,
    `<desc id="${id}-d">${esc(description)}</desc>`,
    ...body,
    '</svg>',
  ].join('\n');
}

/** A point's label: above right of it; left of it in the plot's right third and below it at the top (it would leave the chart). */
function pointLabel(x: number, y: number, text: string): string {
  const left = x > M.left + ((W - M.left - M.right) * 2) / 3;
  const below = y < M.top + 12;
  return `<text class="point-label" x="${num(left ? x - 7 : x + 7)}" y="${num(below ? y + 15 : y - 6)}" text-anchor="${left ? 'end' : 'start'}">${esc(text)}</text>`;
}

/** A line chart as an `<svg>` element (axes, grid, one polyline per series, points with tooltips). */
export function lineChart(spec: LineChartSpec): string {
  const [y0, y1] = spec.yDomain ?? [0, 1];
  const H = spec.height ?? DEFAULT_H;
  const xs = spec.series.flatMap((s) => s.points.map((p) => p.x));
  const xFormat = spec.xFormat ?? ((x: number) => fmt(x));
  const xMin = spec.xDomain?.[0] ?? (xs.length > 0 ? Math.min(...xs) : 0);
  const xMax = spec.xDomain?.[1] ?? (xs.length > 0 ? Math.max(...xs) : 1);
  const xTicks = spec.xTicks ?? niceTicks(xMin, xMax, 8, xs.every((x) => Number.isInteger(x)));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const sx = (x: number): number => M.left + (xMax === xMin ? plotW / 2 : ((x - xMin) / (xMax - xMin)) * plotW);
  const sy = (y: number): number => M.top + plotH - ((Math.min(y1, Math.max(y0, y)) - y0) / (y1 - y0 || 1)) * plotH;
  const body: string[] = ['<g class="grid">'];
  for (const t of niceTicks(y0, y1, 4)) {
    body.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${num(sy(t))}" y2="${num(sy(t))}"/>`);
  }
  body.push('</g>', '<g class="axis">');
  body.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}"/>`);
  body.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}"/>`);
  for (const t of niceTicks(y0, y1, 4)) body.push(`<text x="${M.left - 6}" y="${num(sy(t) + 4)}" text-anchor="end">${esc(fmt(t, 2))}</text>`);
  for (const t of xTicks) {
    if (t < xMin || t > xMax) continue;
    body.push(`<line x1="${num(sx(t))}" x2="${num(sx(t))}" y1="${M.top + plotH}" y2="${M.top + plotH + 4}"/>`);
    body.push(`<text x="${num(sx(t))}" y="${M.top + plotH + 17}" text-anchor="middle">${esc(xFormat(t))}</text>`);
  }
  body.push(`<text class="label" x="${num(M.left + plotW / 2)}" y="${H - 8}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  body.push(`<text class="label" transform="translate(14 ${num(M.top + plotH / 2)}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`);
  body.push('</g>');
  if (spec.diagonal !== undefined) {
    const a = Math.max(xMin, y0);
    const b = Math.min(xMax, y1);
    if (b > a) body.push(`<g class="reference"><line x1="${num(sx(a))}" y1="${num(sy(a))}" x2="${num(sx(b))}" y2="${num(sy(b))}"/><title>${esc(spec.diagonal)}</title></g>`);
  }
  for (const s of spec.series) {
    const cls = `s${((s.color % SERIES_COLORS) + SERIES_COLORS) % SERIES_COLORS}`;
    body.push(`<g class="series ${cls}${s.dashed ? ' dash' : ''}${s.strong ? ' strong' : ''}">`);
    // A null value breaks the line: one polyline per run of defined points.
    let run: string[] = [];
    const flush = (): void => {
      if (run.length > 1) body.push(`<polyline points="${run.join(' ')}"/>`);
      run = [];
    };
    for (const p of s.points) {
      if (p.y === null || !Number.isFinite(p.y)) flush();
      else run.push(`${num(sx(p.x))},${num(sy(p.y))}`);
    }
    flush();
    for (const p of spec.markers === false ? [] : s.points) {
      if (p.y === null || !Number.isFinite(p.y)) continue;
      body.push(`<circle cx="${num(sx(p.x))}" cy="${num(sy(p.y))}" r="${spec.pointLabels ? 4 : 3}"><title>${esc(`${s.name}: ${xFormat(p.x)} → ${fmt(p.y)}`)}</title></circle>`);
      if (spec.pointLabels) body.push(pointLabel(sx(p.x), sy(p.y), s.name));
    }
    body.push('</g>');
  }
  return frame(spec.id, spec.title, spec.description, W, H, body);
}

/** A horizontal bar chart as an `<svg>` element, one bar per row, value printed at its end. */
export function barChart(spec: BarChartSpec): string {
  const [d0, d1] = spec.domain ?? [0, 1];
  const rowH = 26;
  const left = 150;
  const right = 56;
  const top = 10;
  const height = top + spec.bars.length * rowH + 40;
  const plotW = W - left - right;
  const sx = (x: number): number => left + ((Math.min(d1, Math.max(d0, x)) - d0) / (d1 - d0 || 1)) * plotW;
  const axisY = top + spec.bars.length * rowH;
  const body: string[] = ['<g class="grid">'];
  for (const t of niceTicks(d0, d1, 4)) body.push(`<line x1="${num(sx(t))}" x2="${num(sx(t))}" y1="${top}" y2="${axisY}"/>`);
  body.push('</g>', '<g class="axis">');
  body.push(`<line x1="${left}" x2="${left + plotW}" y1="${axisY}" y2="${axisY}"/>`);
  for (const t of niceTicks(d0, d1, 4)) body.push(`<text x="${num(sx(t))}" y="${axisY + 16}" text-anchor="middle">${esc(fmt(t, 2))}</text>`);
  body.push(`<text class="label" x="${num(left + plotW / 2)}" y="${height - 6}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  body.push('</g>');
  spec.bars.forEach((b, i) => {
    const y = top + i * rowH;
    body.push(`<g class="bar${b.highlight ? ' best' : ''}">`);
    body.push(`<text class="name" x="${left - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${esc(b.label)}</text>`);
    if (b.value !== null && Number.isFinite(b.value)) {
      const w = Math.max(0, sx(b.value) - left);
      body.push(`<rect x="${left}" y="${y + 4}" width="${num(w)}" height="${rowH - 8}"><title>${esc(`${b.label}: ${fmt(b.value)}`)}</title></rect>`);
      body.push(`<text class="value" x="${num(left + w + 6)}" y="${y + rowH / 2 + 4}">${esc(fmt(b.value))}</text>`);
    } else {
      body.push(`<text class="value" x="${left + 6}" y="${y + rowH / 2 + 4}">${esc('—')}</text>`);
    }
    body.push('</g>');
  });
  if (spec.reference) {
    const x = num(sx(spec.reference.value));
    body.push(`<g class="reference"><line x1="${x}" x2="${x}" y1="${top - 4}" y2="${axisY}"/><title>${esc(spec.reference.label)}</title></g>`);
  }
  return frame(spec.id, spec.title, spec.description, W, height, body);
}
