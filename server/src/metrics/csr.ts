/**
 * Critical sample ratio (Arpit et al. 2017; docs/metrics.md § "Critical sample ratio"), in
 * embedding space: a sample with input embeddings e is critical if some ê with ‖ê − e‖_∞ ≤ r
 * changes the model's argmax. The search (LASS) starts at ê = e, with c = argmax f(e), and repeats
 * up to `maxIterations` (100) times
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
 * rounding. Noise comes from the seeded `Rng` of `util/rng.ts`: at every iteration one block of
 * d standard normals in index order (Box–Muller on pairs of 32-bit draws; none drawn when b = 0),
 * so a search is reproducible.
 *
 * `criticalSampleRatioLassBatch` runs the same search for a whole set with batched callbacks (one
 * model call per iteration for all samples still searching, each sample with its own noise
 * stream): that is the form the trainer uses (`train/probes.ts`).
 */
import { EngineError, ERROR_CODES } from '../errors';
import { Rng } from '../util/rng';
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

function checkParams(p: LassParams, zeroRadius = false): Required<LassParams> {
  const fn = 'lass';
  const maxIterations = p.maxIterations ?? 100;
  if (!(Number.isFinite(p.radius) && (zeroRadius ? p.radius >= 0 : p.radius > 0))) throw configError(fn, 'radius', `must be a finite number ${zeroRadius ? '≥' : '>'} 0 (got ${String(p.radius)})`);
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

let uniformScratch = new Uint32Array(0);
let gaussianScratch = new Float64Array(0);

/**
 * `n` standard normal values (a view of a scratch buffer, valid until the next call): Box–Muller
 * on pairs of the `Rng`'s 32-bit outputs, drawn in one block (`fillU32`: 2⌈n/2⌉ words), both
 * values of each pair used — several times faster than n calls of `Rng.normal`, which matters at
 * d in the thousands and a hundred iterations.
 */
function gaussians(rng: Rng, n: number): Float64Array {
  const pairs = (n + 1) >> 1;
  if (uniformScratch.length < 2 * pairs) {
    uniformScratch = new Uint32Array(2 * pairs);
    gaussianScratch = new Float64Array(2 * pairs);
  }
  const u = uniformScratch.subarray(0, 2 * pairs);
  rng.fillU32(u);
  const out = gaussianScratch;
  for (let k = 0; k < pairs; k++) {
    const a = 1 - u[2 * k]! / 4294967296; // (0, 1]: the logarithm stays finite
    const b = (2 * Math.PI * u[2 * k + 1]!) / 4294967296;
    const r = Math.sqrt(-2 * Math.log(a));
    out[2 * k] = r * Math.cos(b);
    out[2 * k + 1] = r * Math.sin(b);
  }
  return out;
}

/**
 * One LASS update of one sample, in place: the float64 iterate `x` and its float32 rounding `buf`
 * move by `step · sign(g[at + j])` plus noise and are clipped to the ball around `e`. With `free`,
 * only those elements move (and draw noise, in that order); the others stay at e.
 */
function lassUpdate(x: Float64Array, buf: Float32Array, e: Float32Array, g: Numbers, at: number, p: Required<LassParams>, rng: Rng, free?: Int32Array): void {
  const n = free ? free.length : e.length;
  const z = p.noise > 0 ? gaussians(rng, n) : undefined;
  for (let k = 0; k < n; k++) {
    const j = free ? free[k]! : k;
    const s = Math.sign(g[at + j]!);
    if (Number.isNaN(s)) throw new EngineError(ERROR_CODES.INTERNAL, `lass: gradSign returned NaN at element ${j}`);
    let v = x[j]! + p.step * s;
    if (z) v += p.noise * z[k]!;
    const lo = e[j]! - p.radius;
    const hi = e[j]! + p.radius;
    v = v < lo ? lo : v > hi ? hi : v;
    x[j] = v;
    buf[j] = v;
  }
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
    lassUpdate(x, buf, e, g, 0, p, rng);
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

/** One call of {@link LassBatchModel.predictAndGradSign}: per row, the argmax and the gradient. */
export interface LassBatchStep {
  /** Argmax class per row at the given embeddings. */
  top1: ArrayLike<number>;
  /** ∇_x CE(f(x_r), targets[r]) (or any values with its signs), rows back to back. */
  grad: Numbers;
}

/**
 * The model, as the batched search sees it: every call takes the rows of several samples at once.
 * `samples[r]` is the position (in the evaluation set) of row r, whose embeddings are
 * `x[r·d, (r+1)·d)`; the arrays are fresh for each call and may be kept.
 */
export interface LassBatchModel {
  /** Argmax class per row. */
  predict(samples: Int32Array, x: Float32Array): ArrayLike<number> | Promise<ArrayLike<number>>;
  /**
   * Argmax class per row and the gradient of the cross-entropy against `targets[r]`, at the same
   * embeddings (one forward and backward pass gives both: the search checks iteration k's
   * prediction and takes step k + 1 from one call).
   */
  predictAndGradSign(samples: Int32Array, x: Float32Array, targets: Int32Array): LassBatchStep | Promise<LassBatchStep>;
}

/** Options of {@link criticalSampleRatioLassBatch}. */
export interface LassBatchOptions {
  /** Checked before every model call: when aborted, the search throws `E_CANCELLED`. */
  signal?: AbortSignal;
  /**
   * Per sample (or undefined for all of it): 1 for the elements the search may move. The others
   * stay at e and draw no noise — for elements the model ignores (padding positions), where the
   * search would only spend time. Sample i then searches the ball of its free elements.
   */
  free?: readonly (Uint8Array | undefined)[];
}

/**
 * Seed of sample `i`'s noise in {@link criticalSampleRatioLassBatch}: a hash of the run's seed and
 * the sample's position (32-bit; the `Rng` spreads nearby seeds through splitmix32 anyway).
 */
export function lassSampleSeed(seed: number, i: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x5bd1e995, 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ (h >>> 15) ^ (i >>> 0), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function classesOf(what: string, v: ArrayLike<number>, rows: number): Int32Array {
  if (!v || v.length !== rows) throw new EngineError(ERROR_CODES.INTERNAL, `lass: ${what} returned ${v?.length ?? 0} classes for ${rows} rows`);
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const c = v[r]!;
    if (!Number.isInteger(c)) throw new EngineError(ERROR_CODES.INTERNAL, `lass: ${what} returned ${String(c)}, not a class id`);
    out[r] = c;
  }
  return out;
}

/**
 * The LASS search of {@link criticalSampleRatioLass} run on all samples of the set at once: each
 * iteration makes one batched model call for the samples still searching, and a sample leaves the
 * batch as soon as its prediction changes (it is critical) — the per-sample semantics are those of
 * {@link lassSearch}. What differs is the noise: each sample draws from its own `Rng`, seeded with
 * `lassSampleSeed(seed, i)`, so that samples do not depend on each other. For a model whose
 * per-row results do not depend on the other rows of a call, sample i's outcome equals
 * `lassSearch(e_i, model, params, new Rng(lassSampleSeed(seed, i)))`.
 *
 * All embeddings must have the same length d. Unlike `lassSearch`, `radius` may be 0 (the ball is
 * {e}: nothing is critical; a control). Calls: one `predict` at e, then one `predictAndGradSign`
 * per iteration (the first at e), except that the last allowed iteration uses `predict`.
 * Throws `E_CONFIG` for invalid parameters or embeddings, `E_INTERNAL` when a callback breaks its
 * contract, `E_CANCELLED` when `options.signal` is aborted.
 */
export async function criticalSampleRatioLassBatch(
  embeddings: readonly Float32Array[],
  model: LassBatchModel,
  params: LassParams,
  seed: number,
  options: LassBatchOptions = {},
): Promise<LassCsrResult> {
  const p = checkParams(params, true);
  const m = embeddings.length;
  const perSample = new Uint8Array(m);
  const iterations = new Int32Array(m);
  if (m === 0) return { ...criticalSampleRatio(perSample), perSample, iterations, params: p };
  const d = embeddings[0]!.length;
  embeddings.forEach((e, i) => {
    if (e.length === 0) throw configError('lass', `embeddings[${i}]`, 'is empty', { index: i });
    if (e.length !== d) throw configError('lass', `embeddings[${i}]`, `has ${e.length} values, embeddings[0] has ${d}`, { index: i });
    allFinite('lass', `embeddings[${i}]`, e);
  });
  const checkAbort = (): void => {
    if (options.signal?.aborted) throw new EngineError(ERROR_CODES.CANCELLED, 'lass: the critical-sample search was cancelled');
  };
  if (options.free && options.free.length !== m) throw configError('lass', 'free', `has ${options.free.length} masks for ${m} samples`);
  const free = embeddings.map((_, i): Int32Array | undefined => {
    const f = options.free?.[i];
    if (!f) return undefined;
    if (f.length !== d) throw configError('lass', `free[${i}]`, `has ${f.length} entries for ${d} elements`, { index: i });
    const idx: number[] = [];
    for (let j = 0; j < d; j++) if (f[j]) idx.push(j);
    return Int32Array.from(idx);
  });
  const rngs = embeddings.map((_, i) => new Rng(lassSampleSeed(seed, i)));
  const xs = embeddings.map((e) => Float64Array.from(e));
  const bufs = embeddings.map((e) => Float32Array.from(e));
  const pack = (rows: Int32Array): Float32Array => {
    const out = new Float32Array(rows.length * d);
    rows.forEach((i, r) => out.set(bufs[i]!, r * d));
    return out;
  };
  // Gradients are kept as float64 whatever the callback returns (one array type in the update loop).
  const gradOf = (s: LassBatchStep, rows: number): Float64Array => {
    const g = s?.grad;
    if (!g || g.length !== rows * d) throw new EngineError(ERROR_CODES.INTERNAL, `lass: predictAndGradSign returned ${g?.length ?? 0} gradient values for ${rows} rows of ${d}`);
    return g instanceof Float64Array ? g : Float64Array.from(g);
  };

  let active = Int32Array.from({ length: m }, (_, i) => i);
  checkAbort();
  const original = classesOf('predict', await model.predict(active.slice(), pack(active)), m);
  checkAbort();
  let targets = original.slice();
  let g = gradOf(await model.predictAndGradSign(active.slice(), pack(active), targets.slice()), m);
  for (let it = 1; it <= p.maxIterations; it++) {
    for (let r = 0; r < active.length; r++) {
      const i = active[r]!;
      lassUpdate(xs[i]!, bufs[i]!, embeddings[i]!, g, r * d, p, rngs[i]!, free[i]);
    }
    checkAbort();
    const last = it === p.maxIterations;
    let top1: Int32Array;
    let next: Float64Array | undefined;
    if (last) {
      top1 = classesOf('predict', await model.predict(active.slice(), pack(active)), active.length);
    } else {
      const s = await model.predictAndGradSign(active.slice(), pack(active), targets.slice());
      top1 = classesOf('predictAndGradSign', s?.top1, active.length);
      next = gradOf(s, active.length);
    }
    const keep: number[] = [];
    for (let r = 0; r < active.length; r++) {
      const i = active[r]!;
      iterations[i] = it;
      if (top1[r] !== original[i]) perSample[i] = 1;
      else keep.push(r);
    }
    if (keep.length === 0 || last) break;
    if (keep.length < active.length) {
      const g2 = new Float64Array(keep.length * d);
      keep.forEach((r, k) => g2.set(next!.subarray(r * d, (r + 1) * d), k * d));
      g = g2;
      active = Int32Array.from(keep, (r) => active[r]!);
      targets = Int32Array.from(active, (i) => original[i]!);
    } else {
      g = next!;
    }
  }
  return { ...criticalSampleRatio(perSample), perSample, iterations, params: p };
}
