/**
 * Finite-difference gradient checking through onnxruntime.
 *
 * For f built from graph ops and a fixed random R of f's output shape, L = Σ f(x)·R. The graph
 * computes L, f(x) and dL/dx by autodiff; central differences (L(x + h·e_j) − L(x − h·e_j)) / 2h
 * over every element j of every differentiable input give the reference. The error reported is
 * normwise: ‖analytic − numeric‖₂ / max(‖analytic‖₂, ‖numeric‖₂).
 */
import { DType, GradientOptions, Graph, Shape, TensorData, Value, dimFactors, emitModel, gradients, ops as o, tensor } from '../../../server/src/onnx';
import { Session, createSession } from '../../../server/src/runtime';

import { rng } from '../../helpers/rng';

export { rng };

/** How the values of one input are drawn. */
export type InputInit =
  | 'normal' // standard normal
  | 'positive' // uniform in [0.5, 2]
  | { readonly ints: number } // uniform integers in [0, ints)
  | { readonly values: readonly number[] } // given values
  | 'bool'; // fair coin

/** One input of a gradient-check case. */
export interface CaseInput {
  readonly name: string;
  readonly shape: Shape;
  /** Default: the case's dtype. */
  readonly dtype?: DType;
  readonly init?: InputInit;
  /** Whether to check the gradient with respect to this input (default: float inputs). */
  readonly diff?: boolean;
}

/** A gradient-check case. */
export interface GradCase {
  readonly name: string;
  /** Op-table entries this case covers. */
  readonly covers: readonly string[];
  readonly dtype: 'float32' | 'float64';
  readonly inputs: readonly CaseInput[];
  /** Values of the symbolic dims used in input shapes. */
  readonly symbols?: Readonly<Record<string, number>>;
  readonly build: (inputs: readonly Value[]) => Value;
  /** Options of the autodiff call. */
  readonly gradOptions?: GradientOptions;
  /** Finite-difference step (default 1e-6 for float64, 1e-2 for float32). */
  readonly step?: number;
}

/** Outcome of a case. */
export interface GradResult {
  readonly name: string;
  readonly dtype: DType;
  /** Largest normwise relative error over the checked inputs. */
  readonly error: number;
  /** Per input. */
  readonly errors: Readonly<Record<string, number>>;
  /** Runtime shape of f(x) and the builder's inferred shape, with symbols substituted. */
  readonly shapes: { readonly runtime: readonly number[]; readonly inferred: readonly number[] };
}

function concrete(shape: Shape, symbols: Readonly<Record<string, number>>): number[] {
  return shape.map((d) => {
    if (typeof d === 'number') return d;
    const f = dimFactors(d);
    return f.syms.reduce((p, s) => {
      const v = symbols[s];
      if (v === undefined) throw new Error(`no value for symbol ${s}`);
      return p * v;
    }, f.coef);
  });
}

function draw(init: InputInit, n: number, next: () => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (init === 'normal') out.push(Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next()));
    else if (init === 'positive') out.push(0.5 + 1.5 * next());
    else if (init === 'bool') out.push(next() < 0.5 ? 0 : 1);
    else if ('ints' in init) out.push(Math.floor(next() * init.ints));
    else out.push(init.values[i]!);
  }
  return out;
}

function norm(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]! * xs[i]!;
  return Math.sqrt(s);
}

/** Runs one case and returns its errors (assertions are left to the caller). */
export async function gradCheck(c: GradCase, seed = 1): Promise<GradResult> {
  const next = rng(seed);
  const symbols = c.symbols ?? {};
  const g = new Graph(c.name.replace(/[^A-Za-z0-9_]/g, '_'));
  const values = c.inputs.map((i) => g.input(i.name, i.dtype ?? c.dtype, i.shape));
  const f = c.build(values);
  const fShape = concrete(f.shape, symbols);
  const r = g.input('R', f.dtype, f.shape);
  const loss = o.reduceSum(o.mul(f, r), undefined, false);
  const diffIdx = c.inputs.map((i, k) => (i.diff ?? (values[k]!.dtype === 'float32' || values[k]!.dtype === 'float64')) ? k : -1).filter((k) => k >= 0);
  const grads = gradients(loss, diffIdx.map((k) => values[k]!), { unreached: 'error', ...c.gradOptions });
  g.output(loss, 'L');
  g.output(f, 'f');
  grads.forEach((gv, j) => g.output(gv, `grad_${c.inputs[diffIdx[j]!]!.name}`));

  const feeds: Record<string, TensorData> = {};
  c.inputs.forEach((inp, k) => {
    const dims = concrete(inp.shape, symbols);
    const n = dims.reduce((p, d) => p * d, 1);
    const v = values[k]!;
    feeds[inp.name] = tensor(v.dtype, dims, draw(inp.init ?? 'normal', n, next));
  });
  feeds.R = tensor(f.dtype, fShape, draw('normal', fShape.reduce((p, d) => p * d, 1), next));

  const session: Session = await createSession(emitModel(g), { device: 'cpu', intraOpThreads: 1, name: g.name });
  try {
    const base = await session.run(feeds);
    const runtimeShape = [...base.f!.dims];
    const errors: Record<string, number> = {};
    const h = c.step ?? (c.dtype === 'float64' ? 1e-6 : 1e-2);
    for (let j = 0; j < diffIdx.length; j++) {
      const name = c.inputs[diffIdx[j]!]!.name;
      const analytic = Array.from(base[`grad_${name}`]!.data().data as Float64Array | Float32Array);
      const x = feeds[name]!;
      const numeric: number[] = [];
      for (let e = 0; e < x.data.length; e++) {
        const plus = new (x.data.constructor as Float64ArrayConstructor)(x.data as Float64Array);
        const minus = new (x.data.constructor as Float64ArrayConstructor)(x.data as Float64Array);
        plus[e] = plus[e]! + h;
        minus[e] = minus[e]! - h;
        // The step actually taken after rounding to the storage precision.
        const step = plus[e]! - minus[e]!;
        const lp = (await session.run({ ...feeds, [name]: { dtype: x.dtype, dims: x.dims, data: plus } }, ['L'])).L!.item();
        const lm = (await session.run({ ...feeds, [name]: { dtype: x.dtype, dims: x.dims, data: minus } }, ['L'])).L!.item();
        numeric.push((lp - lm) / step);
      }
      const diff = analytic.map((a, i) => a - numeric[i]!);
      const scale = Math.max(norm(analytic), norm(numeric));
      errors[name] = scale === 0 ? 0 : norm(diff) / scale;
    }
    const error = Math.max(0, ...Object.values(errors));
    return { name: c.name, dtype: c.dtype, error, errors, shapes: { runtime: runtimeShape, inferred: fShape } };
  } finally {
    await session.dispose();
  }
}
