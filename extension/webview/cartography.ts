/**
 * The cartography map of the report panel (docs/metrics.md § "Data cartography"; Swayamdipta et al.
 * 2020): every training sample of the chosen run as a dot at (variability, confidence), clean and
 * corrupted samples in two theme colours, drawn on a canvas.
 *
 * The data (a run's cartography.bin, up to hundreds of thousands of samples) comes from the
 * extension as typed arrays. Drawing is per pixel, not per dot: each layer (clean, corrupted)
 * counts the dots covering each device pixel, the counts become an opacity (1 − keep^count, so
 * dense areas saturate smoothly and a lone dot still shows), the corrupted layer goes over the
 * clean one, and the result is one `putImageData` on an offscreen canvas composited over the
 * axes: O(samples + pixels), a few milliseconds for 100,000 samples, no DOM per dot.
 *
 * Colours come from CSS (`--carto-clean`, `--carto-corrupted`, the report's text and grid
 * colours, all VS Code theme variables), read from the legend's swatches and hidden probes, and
 * the map is redrawn when the theme or the panel's size changes. The hover readout and the table
 * under the map (counts per cell of a 5 × 5 grid and per region, from the same data) say in text
 * what the picture shows.
 */
import { cartographyCounts, MAX_VARIABILITY, type CartographyThresholds } from '../../server/src/report/shared/cartography';
import type { CartographyNotice, ReportMessage } from '../src/webview-messages';

interface MapData {
  runId: string;
  n: number;
  epochs: number;
  confidence: Float32Array;
  variability: Float32Array;
  corrupted: Uint8Array;
}

type Rgb = [number, number, number];

/** Margins of the plot inside the canvas, CSS pixels. */
const M = { left: 54, right: 16, top: 14, bottom: 44 };
/**
 * Dot size (CSS pixels) and the opacity a pixel keeps under one dot (alpha = 1 − keep^count):
 * a few hundred samples get big, nearly opaque dots; a hundred thousand small, translucent ones,
 * so that density shows where dots pile up.
 */
function dotStyle(n: number): { size: number; keep: number } {
  if (n <= 2000) return { size: 4, keep: 0.2 };
  if (n <= 20000) return { size: 3, keep: 0.4 };
  return { size: 2, keep: 0.55 };
}
/** Hover radius, CSS pixels. */
const HOVER_RADIUS = 8;

function rgbOf(el: Element | null, fallback: Rgb): Rgb {
  if (!el) return fallback;
  const m = getComputedStyle(el).color.match(/[\d.]+/g);
  return m && m.length >= 3 ? [Number(m[0]), Number(m[1]), Number(m[2])] : fallback;
}

function css([r, g, b]: Rgb, a = 1): string {
  return `rgba(${r}, ${g}, ${b}, ${a})`;
}

function f2(x: number): string {
  return x.toFixed(2);
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Typed arrays arrive as such from VS Code (≥ 1.57); plain arrays or buffers are accepted too. */
function floats(x: unknown): Float32Array | undefined {
  if (x instanceof Float32Array) return x;
  if (x instanceof ArrayBuffer) return new Float32Array(x);
  if (Array.isArray(x)) return Float32Array.from(x as number[]);
  return undefined;
}

function bytes(x: unknown): Uint8Array | undefined {
  if (x instanceof Uint8Array) return x;
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  if (Array.isArray(x)) return Uint8Array.from(x as number[]);
  return undefined;
}

/** The data of a `cartography` notice, checked (lengths agree), or an error text. */
function mapData(m: CartographyNotice): MapData | string {
  if ('error' in m) return String(m.error);
  const confidence = floats(m.confidence);
  const variability = floats(m.variability);
  const corrupted = bytes(m.corrupted);
  const n = Number(m.n);
  if (!confidence || !variability || !corrupted || !Number.isInteger(n) || confidence.length !== n || variability.length !== n || corrupted.length !== n) return 'the map data is malformed';
  return { runId: m.runId, n, epochs: Number(m.epochs), confidence, variability, corrupted };
}

interface Plot {
  /** Plot rectangle, CSS pixels. */
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Drawn {
  data: MapData;
  plot: Plot;
}

/** Canvas x of a variability, y of a confidence. */
function xOf(plot: Plot, v: number): number {
  return plot.x + (v / MAX_VARIABILITY) * plot.w;
}

function yOf(plot: Plot, c: number): number {
  return plot.y + (1 - c) * plot.h;
}

/** The map's elements in the page (`figure[data-carto]` and its parts). */
interface MapElements {
  figure: HTMLElement;
  select: HTMLSelectElement;
  canvas: HTMLCanvasElement;
  readout: HTMLElement;
  tableBox: HTMLElement;
  status: HTMLElement | undefined;
}

function mapElements(): MapElements | undefined {
  const figure = document.querySelector<HTMLElement>('figure[data-carto]');
  const select = figure?.querySelector<HTMLSelectElement>('select[data-carto-run]');
  const canvas = figure?.querySelector<HTMLCanvasElement>('canvas[data-carto-canvas]');
  const readout = figure?.querySelector<HTMLElement>('[data-carto-readout]');
  const tableBox = figure?.querySelector<HTMLElement>('[data-carto-table]');
  const status = figure?.querySelector<HTMLElement>('[data-carto-status]') ?? undefined;
  if (!figure || !select || !canvas || !readout || !tableBox) return undefined;
  return { figure, select, canvas, readout, tableBox, status };
}

/** Wires up the map in `figure[data-carto]`; returns the handler of the extension's `cartography` notices. */
export function setupCartography(post: (m: ReportMessage) => void): ((m: CartographyNotice) => void) | undefined {
  const el = mapElements();
  if (!el) return undefined;
  const map = new CartographyMap(el, post);
  return (m) => map.onNotice(m);
}

/** The map of the chosen run: asks the extension for its data, draws it, counts under the pointer. */
class CartographyMap {
  private readonly thresholds: CartographyThresholds;
  /** The data (or the error) of each run asked for so far. */
  private readonly cache = new Map<string, MapData | string>();
  private drawn: Drawn | undefined;
  /** The readout's text when the pointer is not over the map. */
  private summary = '';
  private pending: { x: number; y: number } | undefined;
  private frame = 0;
  private redraw = 0;

  constructor(
    private readonly el: MapElements,
    private readonly post: (m: ReportMessage) => void,
  ) {
    this.thresholds = {
      ambiguousVariability: Number(el.figure.getAttribute('data-ambiguous-variability') ?? 0.2),
      easyConfidence: Number(el.figure.getAttribute('data-easy-confidence') ?? 0.5),
    };
    this.listen();
    el.select.addEventListener('change', () => this.request());
    this.draw(undefined);
    this.request();
  }

  onNotice(m: CartographyNotice): void {
    if (typeof m.runId !== 'string') return;
    const got = mapData(m);
    this.cache.set(m.runId, got);
    if (m.runId === this.el.select.value) this.show(got);
  }

  private probe(name: string): Element | null {
    return this.el.figure.querySelector(`[data-probe="${name}"]`);
  }

  private runLabel(): string {
    const select = this.el.select;
    return select.selectedOptions[0]?.textContent?.split(' · ')[0] ?? select.value;
  }

  private request(): void {
    const runId = this.el.select.value;
    const got = this.cache.get(runId);
    if (got !== undefined) return this.show(got);
    this.el.readout.textContent = `Loading the map of ${this.runLabel()}…`;
    this.el.figure.setAttribute('aria-busy', 'true');
    this.post({ type: 'loadCartography', runId });
  }

  private show(got: MapData | string): void {
    const { figure, readout, tableBox, status } = this.el;
    figure.setAttribute('aria-busy', 'false');
    if (typeof got === 'string') return this.showError(got);
    readout.classList.remove('error');
    this.draw(got);
    let bad = 0;
    for (let p = 0; p < got.n; p++) bad += got.corrupted[p]!;
    const label = this.runLabel();
    this.summary = `${label}: ${count(got.n)} training samples (${count(bad)} corrupted) over ${got.epochs} epoch${got.epochs === 1 ? '' : 's'}. Hover the map to count the samples under the pointer.`;
    readout.textContent = this.summary;
    if (status) status.textContent = `Map of ${label} drawn: ${count(got.n)} samples, ${count(bad)} corrupted; the table under the map has the counts.`;
    tableBox.replaceChildren(...countsTable(got, this.thresholds, label));
  }

  private showError(text: string): void {
    const { readout, tableBox, status } = this.el;
    this.draw(undefined);
    this.summary = text;
    readout.textContent = text;
    if (status) status.textContent = text;
    readout.classList.add('error');
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = text;
    tableBox.replaceChildren(p);
  }

  private draw(data: MapData | undefined): void {
    const t0 = performance.now();
    const canvas = this.el.canvas;
    const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
    const cssW = Math.max(200, canvas.clientWidth);
    const cssH = Math.max(160, canvas.clientHeight);
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    const plot: Plot = { x: M.left, y: M.top, w: cssW - M.left - M.right, h: cssH - M.top - M.bottom };
    const fg = rgbOf(this.probe('axis'), [128, 128, 128]);
    const font = getComputedStyle(document.body).fontFamily || 'sans-serif';
    drawGrid(ctx, plot, font, { fg, grid: rgbOf(this.probe('grid'), [200, 200, 200]), muted: rgbOf(this.probe('muted'), [128, 128, 128]) });
    const points = data ? drawDots(ctx, plot, dpr, data, { clean: rgbOf(this.probe('clean'), [55, 148, 255]), corrupted: rgbOf(this.probe('corrupted'), [209, 134, 22]) }) : 0;
    drawRegions(ctx, plot, this.thresholds, font, { fg, bg: rgbOf(this.probe('bg'), [255, 255, 255]) });
    drawAxes(ctx, plot, fg);
    this.drawn = data ? { data, plot } : undefined;
    canvas.setAttribute('data-points', String(points));
    canvas.setAttribute('data-run', data?.runId ?? '');
    canvas.setAttribute('data-draw-ms', (performance.now() - t0).toFixed(1));
  }

  /** Hover: the samples within a few pixels of the pointer, counted exactly (one pass over the data). */
  private hover(): void {
    this.frame = 0;
    const at = this.pending;
    if (!this.drawn || !at) return;
    const { plot, data } = this.drawn;
    if (at.x < plot.x || at.x > plot.x + plot.w || at.y < plot.y || at.y > plot.y + plot.h) {
      this.el.readout.textContent = this.summary;
      return;
    }
    const v = ((at.x - plot.x) / plot.w) * MAX_VARIABILITY;
    const c = 1 - (at.y - plot.y) / plot.h;
    const { near, bad } = countNear(data, plot, v, c);
    this.el.readout.textContent = `variability ${f2(v)}, confidence ${f2(c)}: ${count(near)} sample${near === 1 ? '' : 's'} within ${HOVER_RADIUS} px (${count(bad)} corrupted).`;
  }

  /** Hover on the canvas; redraws on resize and on theme change (VS Code swaps the body class and the variables on <html>). */
  private listen(): void {
    const canvas = this.el.canvas;
    canvas.addEventListener('mousemove', (e) => {
      const r = canvas.getBoundingClientRect();
      this.pending = { x: e.clientX - r.left, y: e.clientY - r.top };
      if (!this.frame) this.frame = requestAnimationFrame(() => this.hover());
    });
    canvas.addEventListener('mouseleave', () => {
      this.pending = undefined;
      this.el.readout.textContent = this.summary;
    });
    const later = (): void => {
      if (this.redraw) return;
      this.redraw = requestAnimationFrame(() => {
        this.redraw = 0;
        const got = this.cache.get(this.el.select.value);
        this.draw(typeof got === 'object' ? got : undefined);
      });
    };
    new ResizeObserver(later).observe(canvas);
    const themes = new MutationObserver(later);
    themes.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    themes.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  }
}

/** Grid lines with their tick labels, and the axis titles. */
function drawGrid(ctx: CanvasRenderingContext2D, plot: Plot, font: string, colours: { fg: Rgb; grid: Rgb; muted: Rgb }): void {
  ctx.lineWidth = 1;
  ctx.font = `11px ${font}`;
  ctx.fillStyle = css(colours.fg);
  ctx.strokeStyle = css(colours.grid);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const c of [0, 0.25, 0.5, 0.75, 1]) {
    const y = Math.round(yOf(plot, c)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(plot.x, y);
    ctx.lineTo(plot.x + plot.w, y);
    ctx.stroke();
    ctx.fillText(String(c), plot.x - 6, y);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const v of [0, 0.1, 0.2, 0.3, 0.4, 0.5]) {
    const x = Math.round(xOf(plot, v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, plot.y);
    ctx.lineTo(x, plot.y + plot.h);
    ctx.stroke();
    ctx.fillText(String(v), x, plot.y + plot.h + 5);
  }
  ctx.fillStyle = css(colours.muted);
  ctx.font = `12px ${font}`;
  ctx.fillText('variability (std of p(label) over epochs)', plot.x + plot.w / 2, plot.y + plot.h + 22);
  ctx.save();
  ctx.translate(14, plot.y + plot.h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText('confidence (mean p(label))', 0, 0);
  ctx.restore();
}

/** Draws the samples as dots, per device pixel (see the top of this file); returns how many lie on the map. */
function drawDots(ctx: CanvasRenderingContext2D, plot: Plot, dpr: number, data: MapData, colours: { clean: Rgb; corrupted: Rgb }): number {
  const pw = Math.max(1, Math.round(plot.w * dpr));
  const ph = Math.max(1, Math.round(plot.h * dpr));
  const style = dotStyle(data.n);
  const { layers, points } = countDots(data, pw, ph, Math.max(2, Math.round(style.size * dpr)));
  const off = document.createElement('canvas');
  off.width = pw;
  off.height = ph;
  const octx = off.getContext('2d')!;
  const img = octx.createImageData(pw, ph);
  composite(layers, style.keep, colours, img.data);
  octx.putImageData(img, 0, 0);
  ctx.drawImage(off, plot.x, plot.y, plot.w, plot.h);
  return points;
}

/** How many dots of size `s` cover each pixel of a `pw` × `ph` image, clean and corrupted apart. */
function countDots(data: MapData, pw: number, ph: number, s: number): { layers: [Uint16Array, Uint16Array]; points: number } {
  // A round dot: the pixels of an s × s square within the inscribed disc.
  const stamp: number[] = [];
  const mid = (s - 1) / 2;
  for (let dy = 0; dy < s; dy++) for (let dx = 0; dx < s; dx++) if ((dx - mid) ** 2 + (dy - mid) ** 2 <= (s / 2) ** 2 + 0.25) stamp.push(dy * pw + dx);
  const layers: [Uint16Array, Uint16Array] = [new Uint16Array(pw * ph), new Uint16Array(pw * ph)];
  const { confidence, variability, corrupted } = data;
  let points = 0;
  for (let p = 0; p < data.n; p++) {
    const c = confidence[p]!;
    const v = variability[p]!;
    if (!(c >= 0 && c <= 1 && v >= 0 && v <= MAX_VARIABILITY)) continue;
    points++;
    const layer = layers[corrupted[p] ? 1 : 0];
    const x0 = Math.min(pw - s, Math.max(0, Math.round((v / MAX_VARIABILITY) * (pw - 1) - s / 2)));
    const y0 = Math.min(ph - s, Math.max(0, Math.round((1 - c) * (ph - 1) - s / 2)));
    const at = y0 * pw + x0;
    for (const o of stamp) if (layer[at + o]! < 65535) layer[at + o]!++;
  }
  return { layers, points };
}

/** Writes the two layers' counts as colours into `px` (RGBA): opacity 1 − keep^count, corrupted over clean. */
function composite([l0, l1]: [Uint16Array, Uint16Array], keep: number, colours: { clean: Rgb; corrupted: Rgb }, px: Uint8ClampedArray): void {
  const { clean, corrupted: bad } = colours;
  const alpha = new Float32Array(64);
  for (let k = 0; k < alpha.length; k++) alpha[k] = 1 - keep ** k;
  const a = (k: number) => (k < alpha.length ? alpha[k]! : 1);
  for (let i = 0; i < l0.length; i++) {
    const k0 = l0[i]!;
    const k1 = l1[i]!;
    if (k0 === 0 && k1 === 0) continue;
    // Corrupted over clean ("over" compositing of two translucent layers).
    const ab = a(k1);
    const ac = a(k0) * (1 - ab);
    const out = ab + ac;
    const j = i * 4;
    px[j] = (bad[0] * ab + clean[0] * ac) / out;
    px[j + 1] = (bad[1] * ab + clean[1] * ac) / out;
    px[j + 2] = (bad[2] * ab + clean[2] * ac) / out;
    px[j + 3] = Math.round(out * 255);
  }
}

/** Region boundaries and names, over the dots. */
function drawRegions(ctx: CanvasRenderingContext2D, plot: Plot, thresholds: CartographyThresholds, font: string, colours: { fg: Rgb; bg: Rgb }): void {
  ctx.strokeStyle = css(colours.fg, 0.75);
  ctx.setLineDash([5, 4]);
  ctx.beginPath();
  const vx = Math.round(xOf(plot, thresholds.ambiguousVariability)) + 0.5;
  ctx.moveTo(vx, plot.y);
  ctx.lineTo(vx, plot.y + plot.h);
  const cy = Math.round(yOf(plot, thresholds.easyConfidence)) + 0.5;
  ctx.moveTo(plot.x, cy);
  ctx.lineTo(vx, cy);
  ctx.stroke();
  ctx.setLineDash([]);
  // Region names on a backing of the page's colour: they sit where dots gather.
  ctx.font = `600 12px ${font}`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  const label = (text: string, x: number, y: number): void => {
    const w = ctx.measureText(text).width;
    ctx.fillStyle = css(colours.bg, 0.8);
    ctx.fillRect(x - 3, y - 8, w + 6, 16);
    ctx.fillStyle = css(colours.fg);
    ctx.fillText(text, x, y);
  };
  label('easy', plot.x + 6, plot.y + 11);
  label('ambiguous', vx + 6, plot.y + 11);
  label('hard', plot.x + 6, plot.y + plot.h - 11);
}

function drawAxes(ctx: CanvasRenderingContext2D, plot: Plot, fg: Rgb): void {
  ctx.strokeStyle = css(fg, 0.8);
  ctx.beginPath();
  ctx.moveTo(plot.x + 0.5, plot.y);
  ctx.lineTo(plot.x + 0.5, plot.y + plot.h + 0.5);
  ctx.lineTo(plot.x + plot.w, plot.y + plot.h + 0.5);
  ctx.stroke();
}

/** The samples within `HOVER_RADIUS` CSS pixels of (v, c), and how many of them are corrupted. */
function countNear(data: MapData, plot: Plot, v: number, c: number): { near: number; bad: number } {
  const kx = plot.w / MAX_VARIABILITY;
  const r2 = HOVER_RADIUS * HOVER_RADIUS;
  let near = 0;
  let bad = 0;
  for (let p = 0; p < data.n; p++) {
    const dx = (data.variability[p]! - v) * kx;
    const dy = (data.confidence[p]! - c) * plot.h;
    if (dx * dx + dy * dy <= r2) {
      near++;
      bad += data.corrupted[p]!;
    }
  }
  return { near, bad };
}

/** The table under the map (clean / corrupted samples per cell of a 5 × 5 grid) and its note with the counts per region. */
function countsTable(data: MapData, thresholds: CartographyThresholds, runLabel: string): [HTMLElement, HTMLElement] {
  const counts = cartographyCounts(data, thresholds, 5, 5);
  const t = document.createElement('table');
  const caption = document.createElement('caption');
  caption.className = 'sr-only';
  caption.textContent = `Training samples of ${runLabel} per cell of variability × confidence, clean / corrupted`;
  t.append(caption);
  const head = t.createTHead().insertRow();
  const corner = document.createElement('th');
  corner.scope = 'col';
  corner.textContent = 'confidence ↓ variability →';
  head.append(corner);
  for (let v = 0; v < 5; v++) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.className = 'num';
    th.textContent = `${f2((v * MAX_VARIABILITY) / 5)}–${f2(((v + 1) * MAX_VARIABILITY) / 5)}`;
    head.append(th);
  }
  const body = t.createTBody();
  for (let c = 4; c >= 0; c--) {
    const tr = body.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = `${f2(c / 5)}–${f2((c + 1) / 5)}`;
    tr.append(th);
    for (let v = 0; v < 5; v++) {
      const cell = counts.cells[v]![c]!;
      const td = tr.insertCell();
      td.className = 'num';
      td.textContent = cell.clean + cell.corrupted === 0 ? '·' : `${count(cell.clean)} / ${count(cell.corrupted)}`;
    }
  }
  const note = document.createElement('p');
  note.className = 'muted';
  const r = counts.regions;
  note.textContent = `Cells: clean / corrupted samples. Regions of ${runLabel}: easy ${count(r.easy.clean)} / ${count(r.easy.corrupted)}, ambiguous ${count(r.ambiguous.clean)} / ${count(r.ambiguous.corrupted)}, hard ${count(r.hard.clean)} / ${count(r.hard.corrupted)}.${counts.skipped ? ` ${count(counts.skipped)} samples without values are left out.` : ''}`;
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap';
  wrap.append(t);
  return [wrap, note];
}
