/**
 * Critical sample ratio (Arpit et al. 2017; METRICS.md § "Critical sample ratio"), in embedding
 * space: a sample with input embeddings e is critical if some ê with ‖ê − e‖_∞ ≤ r changes the
 * model's argmax. The search (LASS) starts at ê = e, with c = argmax f(e), and repeats up to
 * `maxIterations` (100) times
 *
 *     ê ← clip_r( ê + a · sign(∇_ê CE(f(ê), c)) + b · N(0, I) ),
 *     clip_r(x)_j = min(max(x_j, e_j − r), e_j + r),
 *
 * stopping as soon as argmax f(ê) ≠ c (critical). The gradient step ascends the loss of the
 * original class; the noise term lets it leave flat regions. CSR = #critical / #evaluated on a
 * fixed evaluation subset, per epoch. r, a, b must be scaled to the embeddings' typical magnitude
 * (`embeddingScale`) and reported with the result (`params` is echoed).
 *
 * This is the pure-JS reference of the loop. The model enters through two callbacks, later
 * provided by the ONNX probe graph: `predict(ê) → argmax class` and `gradSign(ê, target) → sign
 * of ∇_ê CE(f(ê), target)` (any numbers; only their sign is used). Both may be async. The array
 * handed to them is a buffer reused across calls: copy it to keep it. The iterate is kept in
 * float64 and rounded to float32 for the callbacks, so the ball constraint holds to float32
 * rounding. Noise comes from the seeded `Rng` of `train/rng.ts`, drawn element by element in
 * index order at every iteration (none drawn when b = 0), so a search is reproducible.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { Rng } from '../train/rng';
import { allFinite, configError, type Mask, type Numbers } from './check';

/** The model, as the search sees it. */
export interface LassModel {
  /** Argmax class of the model at embeddings `x`. */
  predict(x: Float32Array): number | Promise<number>;
  /** Sign (or any value with that sign) of ∇_x CE(f(x), target), one entry per element of x. */
  gradSign(x: Float32Array, target: number): Numbers | Promise<Numbers>;
}

/** Search parameters (in the embeddings' units). */
export interface LassParams {
  /** L∞ radius r > 0. */
  radius: number;
  /** Step a ≥ 0 along the gradient sign. */
  step: number;
  /** Standard deviation b ≥ 0 of the Gaussian noise. */
  noise: number;
  /** Iterations at most. Default 100. */
  maxIterations?: number;
}

/** Outcome of the search for one sample. */
export interface LassResult {
  critical: boolean;
  /** Iterations run (the one that flipped the prediction included). */
  iterations: number;
  originalClass: number;
  /** Prediction at the last iterate (≠ originalClass iff critical). */
  finalClass: number;
}

function checkParams(p: LassParams): Required<LassParams> {
  const fn = 'lass';
  const maxIterations = p.maxIterations ?? 100;
  if (!(Number.isFinite(p.radius) && p.radius > 0)) throw configError(fn, 'radius', `must be a finite number > 0 (got ${String(p.radius)})`);
  if (!(Number.isFinite(p.step) && p.step >= 0)) throw configError(fn, 'step', `must be a finite number ≥ 0 (got ${String(p.step)})`);
  if (!(Number.isFinite(p.noise) && p.noise >= 0)) throw configError(fn, 'noise', `must be a finite number ≥ 0 (got ${String(p.noise)})`);
  if (!(Number.isInteger(maxIterations) && maxIterations >= 1)) throw configError(fn, 'maxIterations', `must be an integer ≥ 1 (got ${String(maxIterations)})`);
  return { radius: p.radius, step: p.step, noise: p.noise, maxIterations };
}

async function predictClass(model: LassModel, x: Float32Array): Promise<number> {
  const c = await model.predict(x);
  if (!Number.isInteger(c)) throw new EngineError(ERROR_CODES.INTERNAL, `lass: predict returned ${String(c)}, not a class id`);
  return c;
}

async function search(e: Float32Array, model: LassModel, p: Required<LassParams>, rng: Rng): Promise<LassResult> {
  const d = e.length;
  const x = Float64Array.from(e);
  const buf = Float32Array.from(e);
  const original = await predictClass(model, buf);
  let current = original;
  for (let it = 1; it <= p.maxIterations; it++) {
    const g = await model.gradSign(buf, original);
    if (!g || g.length !== d) throw new EngineError(ERROR_CODES.INTERNAL, `lass: gradSign returned ${g?.length ?? 0} values for a ${d}-element embedding`);
    for (let j = 0; j < d; j++) {
      const s = Math.sign(g[j]!);
      if (Number.isNaN(s)) throw new EngineError(ERROR_CODES.INTERNAL, `lass: gradSign returned NaN at element ${j}`);
      let v = x[j]! + p.step * s;
      if (p.noise > 0) v += p.noise * rng.normal();
      const lo = e[j]! - p.radius;
      const hi = e[j]! + p.radius;
      v = v < lo ? lo : v > hi ? hi : v;
      x[j] = v;
      buf[j] = v;
    }
    current = await predictClass(model, buf);
    if (current !== original) return { critical: true, iterations: it, originalClass: original, finalClass: current };
  }
  return { critical: false, iterations: p.maxIterations, originalClass: original, finalClass: current };
}

/**
 * LASS search for one sample's embeddings `e` (flattened). Throws `E_CONFIG` for invalid
 * parameters or a non-finite embedding, `E_INTERNAL` when a callback breaks its contract.
 */
export async function lassSearch(e: Float32Array, model: LassModel, params: LassParams, rng: Rng): Promise<LassResult> {
  const p = checkParams(params);
  if (e.length === 0) throw configError('lass', 'embedding', 'is empty');
  allFinite('lass', 'embedding', e);
  return search(e, model, p, rng);
}

/** CSR of an evaluation set. */
export interface CsrResult {
  critical: number;
  evaluated: number;
  /** critical / evaluated (NaN when nothing was evaluated). */
  ratio: number;
}

/** CSR from per-sample outcomes: #critical / #evaluated (any non-zero entry is critical). */
export function criticalSampleRatio(critical: Mask): CsrResult {
  let c = 0;
  for (let i = 0; i < critical.length; i++) if (critical[i]) c++;
  return { critical: c, evaluated: critical.length, ratio: critical.length === 0 ? NaN : c / critical.length };
}

/** CSR of a set, with the per-sample outcomes and the parameters used (to report). */
export interface LassCsrResult extends CsrResult {
  /** 1 for the critical samples. */
  perSample: Uint8Array;
  /** Iterations each search ran. */
  iterations: Int32Array;
  params: Required<LassParams>;
}

/**
 * Runs the LASS search on every sample of a fixed evaluation set, in order, with one RNG
 * (`seed` or an `Rng` to continue), and aggregates CSR. Parameters are checked once.
 */
export async function criticalSampleRatioLass(
  embeddings: readonly Float32Array[],
  model: LassModel,
  params: LassParams,
  seed: number | Rng,
): Promise<LassCsrResult> {
  const p = checkParams(params);
  const rng = typeof seed === 'number' ? new Rng(seed) : seed;
  embeddings.forEach((e, i) => {
    if (e.length === 0) throw configError('lass', `embeddings[${i}]`, 'is empty', { index: i });
    allFinite('lass', `embeddings[${i}]`, e);
  });
  const perSample = new Uint8Array(embeddings.length);
  const iterations = new Int32Array(embeddings.length);
  for (let i = 0; i < embeddings.length; i++) {
    const r = await search(embeddings[i]!, model, p, rng);
    perSample[i] = r.critical ? 1 : 0;
    iterations[i] = r.iterations;
  }
  return { ...criticalSampleRatio(perSample), perSample, iterations, params: p };
}

/**
 * Typical magnitude of embedding values: their root mean square sqrt((1/N) Σ x²), the scale to
 * set r, a, b against (e.g. r = 0.1 × scale). NaN for no values; throws `E_CONFIG` on a
 * non-finite value.
 */
export function embeddingScale(values: Numbers): number {
  allFinite('embeddingScale', 'values', values);
  if (values.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]! * values[i]!;
  return Math.sqrt(s / values.length);
}
