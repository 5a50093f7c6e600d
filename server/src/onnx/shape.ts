/**
 * Static shapes with symbolic dimensions.
 *
 * Every value in a graph carries a shape: a list of dims, each either a number or a symbolic
 * name (`'batch'`). A symbolic dim may also be a product of names and numbers written with `*`
 * (`'batch*seq'`, `'4*batch'`), which is what reshapes that merge symbolic axes produce. Products
 * are kept in a canonical form (numeric coefficient first, names sorted) so that two spellings of
 * the same product compare equal. Symbols are exported to ONNX as `dim_param`, so the session
 * accepts any size there at run time; everything else is checked when the graph is built.
 */
import { EngineError, ERROR_CODES } from '../errors';

/** One dimension: a size, or a symbolic name / product of names. */
export type Dim = number | string;

/** A shape: one {@link Dim} per axis. `[]` is a scalar. */
export type Shape = readonly Dim[];

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

function graphError(message: string): EngineError {
  return new EngineError(ERROR_CODES.GRAPH, message);
}

/** Splits a dim into a numeric coefficient and a sorted list of symbol factors. */
export function dimFactors(d: Dim): { coef: number; syms: string[] } {
  if (typeof d === 'number') return { coef: d, syms: [] };
  let coef = 1;
  const syms: string[] = [];
  for (const raw of d.split('*')) {
    const f = raw.trim();
    if (/^[0-9]+$/.test(f)) coef *= Number(f);
    else if (SYMBOL.test(f)) syms.push(f);
    else throw graphError(`invalid symbolic dim '${d}': use names like 'batch' or products like 'batch*seq'`);
  }
  syms.sort();
  return { coef, syms };
}

function fromFactors(coef: number, syms: readonly string[]): Dim {
  if (syms.length === 0 || coef === 0) return coef;
  const sorted = [...syms].sort();
  return coef === 1 ? sorted.join('*') : `${coef}*${sorted.join('*')}`;
}

/** Canonical form of a dim (validates symbol syntax). */
export function canonicalDim(d: Dim): Dim {
  if (typeof d === 'number') {
    if (!Number.isInteger(d) || d < 0) throw graphError(`dims must be non-negative integers or symbols, got ${d}`);
    return d;
  }
  const f = dimFactors(d);
  return fromFactors(f.coef, f.syms);
}

/** Product of two dims (symbolic when either is). */
export function mulDims(a: Dim, b: Dim): Dim {
  const fa = dimFactors(a);
  const fb = dimFactors(b);
  return fromFactors(fa.coef * fb.coef, [...fa.syms, ...fb.syms]);
}

/** Quotient a / b when it is exact in the factor algebra, else undefined. */
export function divDims(a: Dim, b: Dim): Dim | undefined {
  const fa = dimFactors(a);
  const fb = dimFactors(b);
  if (fb.coef === 0 || fa.coef % fb.coef !== 0) return undefined;
  const rest = [...fa.syms];
  for (const s of fb.syms) {
    const i = rest.indexOf(s);
    if (i < 0) return undefined;
    rest.splice(i, 1);
  }
  return fromFactors(fa.coef / fb.coef, rest);
}

/** True when two dims are provably equal. */
export function dimsEqual(a: Dim, b: Dim): boolean {
  return canonicalDim(a) === canonicalDim(b);
}

/** True when every dim is a number. */
export function isStaticShape(s: Shape): s is readonly number[] {
  return s.every((d) => typeof d === 'number');
}

/** Number of elements (symbolic when the shape is). */
export function numel(s: Shape): Dim {
  let n: Dim = 1;
  for (const d of s) n = mulDims(n, d);
  return n;
}

/** Canonical copy of a shape, frozen. */
export function canonicalShape(s: Shape): Shape {
  return Object.freeze(s.map(canonicalDim));
}

/** `[batch,4]`; `[]` for a scalar. */
export function formatShape(s: Shape): string {
  return `[${s.join(',')}]`;
}

/**
 * Numpy-style multidirectional broadcasting: align trailing axes; a dim of 1 stretches to the
 * other; otherwise the dims must be equal. A symbol broadcasts only against 1 or itself.
 */
export function broadcastShapes(shapes: readonly Shape[], what: string): Shape {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const j = s.length - rank + i;
      if (j < 0) continue;
      const e = s[j]!;
      if (e === 1) continue;
      if (d === 1) d = e;
      else if (!dimsEqual(d, e)) {
        throw graphError(`${what}: shapes ${shapes.map(formatShape).join(' and ')} do not broadcast (axis ${i - rank}: ${d} vs ${e})`);
      }
    }
    out.push(d);
  }
  return canonicalShape(out);
}

/** Resolves a possibly negative axis against a rank; throws GRAPH when out of range. */
export function normalizeAxis(axis: number, rank: number, what: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw graphError(`${what}: axis ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalizes a list of axes, rejecting duplicates. */
export function normalizeAxes(axes: readonly number[], rank: number, what: string): number[] {
  const out = axes.map((a) => normalizeAxis(a, rank, what));
  if (new Set(out).size !== out.length) throw graphError(`${what}: duplicate axes [${axes.join(', ')}]`);
  return out;
}
