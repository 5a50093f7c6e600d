/**
 * A compiled, trainable model: the {@link TrainableModel} implementation shared by all built-in
 * architectures. It owns the sessions (train, eval per k, probe, and the embeddings and
 * at-embeddings sessions of the critical-sample ratio, all opened on first use), the resident parameter and
 * optimizer-state tensors, and the step counter.
 *
 * Residency: the train graph returns every parameter and state tensor as `<name>_next`; those
 * outputs replace the current tensors and are fed back as they are on the next run. On the CPU
 * that is the output buffer itself (no copy); on GPU providers they are requested as device
 * buffers ('gpu-buffer') and never leave the GPU, while the per-sample statistics come back to
 * host memory.
 */
import { availableParallelism } from 'node:os';
import { EngineError, ERROR_CODES } from '../errors';
import { TensorData, emitModel } from '../onnx';
import { ConcreteDevice, DEVICE_TABLE, Session, Tensor, candidates, createSession, currentEnvironment, parseDevice, precheck } from '../runtime';
import type { SampleSource } from '../dataset/source';
import type { Architecture } from './architecture';
import {
  EmbeddingGradient,
  LookupShape,
  NAMES,
  buildAtEmbeddingsGraph,
  buildEmbeddingsGraph,
  buildEvalGraph,
  buildInferenceGraph,
  buildProbeGraph,
  buildTrainGraph,
  emitTrainModel,
} from './compile';
import { distillOptions, type DistillOptions } from './distill';
import { fillDropoutMask, initParam } from './init';
import { MIXUP_NAMES, drawMixup } from './mixup';
import { ResolvedOptimizer, biasCorrections, resolveOptimizer, stateSlots } from './optim';
import { Rng } from '../util/rng';
import type { Batch, EmbeddingGradientResult, EvalStats, InputEmbeddings, ModelState, OptimizerConfig, ProbeResult, SampleStats, TrainableModel } from './types';

/** Options of {@link compileModel}. */
export interface CompileModelOptions {
  /** Where `makeBatch` reads samples (optional when batches are built elsewhere). */
  readonly source?: SampleSource;
  /** Rows per train step; shorter batches are padded with weight-0 rows (default 256). */
  readonly batchSize?: number;
  readonly optimizer?: OptimizerConfig;
  /** Requested device (default 'auto'). */
  readonly device?: string;
  /** Seed of the parameter initialization (default 0). */
  readonly seed?: number;
  /** Optimizer steps per session run through the graph's Loop (default 8). */
  readonly stepsPerRun?: number;
  /** Label smoothing ε of the training loss (default 0). */
  readonly labelSmoothing?: number;
  /** Mixup's α (train/mixup.ts): λ ~ Beta(α, α) per row; absent or 0 = no mixup (default). */
  readonly mixup?: number;
  /**
   * onnxruntime intra-op threads (default: available parallelism − 1, at least 1: one core stays
   * free for the Node thread that builds batches and dropout masks, and for the editor). With one
   * thread the CPU embedding gradient can use the fast 'scatter-add' (see embeddingGradientFor).
   */
  readonly threads?: number;
  /**
   * The thread count the 'auto' embedding-gradient strategy is chosen for (default `threads`).
   * The audit's run scheduler gives runs fewer threads than a sequential audit would; it passes
   * the sequential count here so that every run computes the same gradients (the same numbers)
   * whatever threads it gets.
   */
  readonly strategyThreads?: number;
  /** Embedding-gradient strategy (default 'auto': see {@link embeddingGradientFor}). */
  readonly embeddingGradient?: EmbeddingGradient | 'auto';
  /** Device fallback notices. */
  readonly log?: (line: string) => void;
  /**
   * Distillation weight w in (0, 1] (train/distill.ts): the train graph takes soft labels
   * (`Batch.soft`); a batch without them trains on the plain cross-entropy. Absent or 0 = off.
   */
  readonly distill?: number;
}

/**
 * The embedding-gradient strategy for a device and thread count: on the CPU with one intra-op
 * thread, 'scatter-add' (its kernel cannot race then, and it is the fastest); otherwise the
 * device table's choice ('sorted' on the CPU, exact with any thread count).
 */
export function embeddingGradientFor(device: ConcreteDevice, threads: number): EmbeddingGradient {
  return device === 'cpu' && threads === 1 ? 'scatter-add' : DEVICE_TABLE[device].gatherGradient;
}

type FeatureArray = Int32Array | Float32Array;

function configError(field: string, message: string): EngineError {
  return new EngineError(ERROR_CODES.CONFIG, `${field} ${message}`, { field });
}

/** A model of an {@link Architecture} compiled for training on one device. */
export class CompiledModel implements TrainableModel {
  private tensors = new Map<string, Tensor>();
  private step = 0;
  private evalSessions = new Map<number, Promise<Session>>();
  private probeSession: Promise<{ session: Session; lookups: string[] }> | undefined;
  private embeddingsSession: Promise<{ session: Session; lookups: LookupShape[]; real: string[] }> | undefined;
  private atEmbeddingsSessions = new Map<boolean, Promise<{ session: Session; lookups: LookupShape[] }>>();
  private disposed = false;
  /** The last run's keep-mask buffers (see takeMaskBuffers). */
  private maskBuffers: Uint8Array[] | undefined;
  /** The train graph's distillation term, when it has one. */
  private distill: DistillOptions | undefined;
  /** Mixup's α and the seed of its draws (train/mixup.ts), when on. */
  private mixup: { alpha: number; seed: number } | undefined;

  private constructor(
    readonly arch: Architecture,
    private readonly train: Session,
    readonly optimizer: ResolvedOptimizer,
    readonly batchSize: number,
    readonly stepsPerRun: number,
    readonly threads: number,
    readonly embeddingGradient: EmbeddingGradient,
    private readonly source: SampleSource | undefined,
  ) {}

  /** @internal */
  static async create(arch: Architecture, options: CompileModelOptions = {}): Promise<CompiledModel> {
    const batchSize = options.batchSize ?? 256;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw configError('batchSize', `must be a positive integer (got ${batchSize})`);
    const stepsPerRun = options.stepsPerRun ?? 8;
    if (!Number.isInteger(stepsPerRun) || stepsPerRun < 1) throw configError('stepsPerRun', `must be a positive integer (got ${stepsPerRun})`);
    const threads = options.threads ?? Math.max(1, availableParallelism() - 1);
    if (!Number.isInteger(threads) || threads < 1) throw configError('threads', `must be a positive integer (got ${threads})`);
    const labelSmoothing = options.labelSmoothing ?? 0;
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw configError('labelSmoothing', `must be in [0, 1) (got ${labelSmoothing})`);
    const mixup = options.mixup ?? 0;
    if (!(Number.isFinite(mixup) && mixup >= 0)) throw configError('mixup', `must be a number ≥ 0 (got ${mixup})`);
    const optimizer = resolveOptimizer(options.optimizer);
    const distill = options.distill ? distillOptions(options.distill, arch.classes) : undefined;
    const requested = parseDevice(options.device ?? 'auto');
    const env = currentEnvironment();
    const expected = candidates(requested, env.platform).find((d) => precheck(d, env, requested) === undefined) ?? 'cpu';
    const strategyThreads = options.strategyThreads ?? threads;
    const strategyOf = (d: ConcreteDevice): EmbeddingGradient => (options.embeddingGradient && options.embeddingGradient !== 'auto' ? options.embeddingGradient : embeddingGradientFor(d, strategyThreads));

    const open = async (device: string, strategy: EmbeddingGradient): Promise<Session> => {
      const graph = buildTrainGraph(arch, { optimizer, batchSize, labelSmoothing, embeddingGradient: strategy, ...(distill ? { distill } : {}), ...(mixup > 0 ? { mixup: true } : {}) });
      const outputs = graph.outputs.map((v) => v.name).filter((n) => n.endsWith('_next'));
      return createSession(emitTrainModel(graph), { device, intraOpThreads: threads, deviceOutputs: outputs, name: graph.name, log: options.log });
    };
    let strategy = strategyOf(expected);
    let session = await open(requested, strategy);
    if (strategyOf(session.device.used) !== strategy) {
      // The session fell back to a device that needs another gradient strategy (e.g. no float64).
      await session.dispose();
      strategy = strategyOf(session.device.used);
      session = await open(session.device.used, strategy);
    }
    if (strategy === 'scatter-add' && session.device.used === 'cpu' && threads > 1) {
      (options.log ?? ((line: string) => process.stderr.write(`memaudit: ${line}\n`)))(
        `${arch.name}: 'scatter-add' embedding gradients with ${threads} CPU threads can lose updates of repeated ids (onnxruntime ScatterND races); use threads: 1 or 'sorted'`,
      );
    }
    const model = new CompiledModel(arch, session, optimizer, batchSize, stepsPerRun, threads, strategy, options.source);
    model.distill = distill;
    if (mixup > 0) model.mixup = { alpha: mixup, seed: options.seed ?? 0 };
    const rng = new Rng(options.seed ?? 0);
    for (const p of arch.params) {
      model.tensors.set(NAMES.param(p.name), Tensor.fromData({ dtype: 'float32', dims: [...p.shape], data: initParam(p, rng) }));
    }
    for (const slot of stateSlots(optimizer)) {
      for (const p of arch.params) model.tensors.set(NAMES.state(slot, p.name), Tensor.fromData({ dtype: 'float32', dims: [...p.shape], data: new Float32Array(size(p.shape)) }));
    }
    return model;
  }

  get name(): string {
    return this.arch.name;
  }

  /** The device actually used by the train session. */
  get device(): string {
    return this.train.device.used;
  }

  /** Parameter count. */
  get parameterCount(): number {
    return this.arch.params.reduce((s, p) => s + size(p.shape), 0);
  }

  makeBatch(indices: Int32Array, labels: Int32Array): Batch {
    if (!this.source) throw new EngineError(ERROR_CODES.CONFIG, `${this.name}: makeBatch needs a sample source (pass 'source' when creating the model)`);
    if (labels.length !== indices.length) throw new EngineError(ERROR_CODES.INTERNAL, `makeBatch: ${indices.length} indices but ${labels.length} labels`);
    const rows = indices.length;
    const inputs: Record<string, FeatureArray> = {};
    for (const f of this.arch.features) inputs[f.name] = f.dtype === 'int32' ? new Int32Array(rows * size(f.shape)) : new Float32Array(rows * size(f.shape));
    for (let r = 0; r < rows; r++) this.arch.fill(this.source, indices[r]!, r, inputs);
    return { indices, labels, inputs };
  }

  async trainSteps(batches: Batch[], lr: number[], rng: Rng): Promise<SampleStats[]> {
    this.alive();
    if (lr.length !== batches.length) throw new EngineError(ERROR_CODES.INTERNAL, `trainSteps: ${batches.length} batches but ${lr.length} learning rates`);
    const out: SampleStats[] = [];
    for (let start = 0; start < batches.length; start += this.stepsPerRun) {
      const chunk = batches.slice(start, start + this.stepsPerRun);
      out.push(...(await this.runChunk(chunk, lr.slice(start, start + chunk.length), rng)));
    }
    return out;
  }

  private async runChunk(chunk: Batch[], lr: number[], rng: Rng): Promise<SampleStats[]> {
    const S = chunk.length;
    const B = this.batchSize;
    const feeds: Record<string, Tensor | TensorData> = {};
    for (const [k, t] of this.tensors) feeds[k] = t;
    const lrs = new Float32Array(S);
    const bc1 = new Float32Array(S);
    const bc2 = new Float32Array(S);
    for (let s = 0; s < S; s++) {
      const rate = lr[s]!;
      if (!Number.isFinite(rate) || rate < 0) throw new EngineError(ERROR_CODES.CONFIG, `learning rate of step ${this.step + s} must be a finite number ≥ 0 (got ${rate})`);
      lrs[s] = rate;
      [bc1[s], bc2[s]] = biasCorrections(this.optimizer, this.step + s + 1);
    }
    feeds[NAMES.steps] = { dtype: 'int64', dims: [], data: BigInt64Array.of(BigInt(S)) };
    feeds[NAMES.lr] = { dtype: 'float32', dims: [S], data: lrs };
    feeds[NAMES.bc1] = { dtype: 'float32', dims: [S], data: bc1 };
    feeds[NAMES.bc2] = { dtype: 'float32', dims: [S], data: bc2 };
    const labels = new Int32Array(S * B);
    const weight = new Float32Array(S * B);
    chunk.forEach((b, s) => {
      const rows = b.labels.length;
      if (rows > B) throw new EngineError(ERROR_CODES.CONFIG, `a batch of ${rows} rows exceeds the model's batchSize ${B}`);
      labels.set(b.labels, s * B);
      weight.fill(1, s * B, s * B + rows);
    });
    feeds[NAMES.labels] = { dtype: 'int32', dims: [S, B], data: labels };
    feeds[NAMES.weight] = { dtype: 'float32', dims: [S, B], data: weight };
    for (const f of this.arch.features) {
      const per = size(f.shape);
      const data = f.dtype === 'int32' ? new Int32Array(S * B * per) : new Float32Array(S * B * per);
      chunk.forEach((b, s) => {
        const src = b.inputs[f.name];
        if (!src || src.length !== b.labels.length * per) throw new EngineError(ERROR_CODES.INTERNAL, `batch input '${f.name}' must hold ${b.labels.length} × ${per} values`);
        data.set(src as ArrayLike<number>, s * B * per);
      });
      feeds[NAMES.feature(f.name)] = { dtype: f.dtype, dims: [S, B, ...f.shape], data } as TensorData;
    }
    // Masks are drawn step by step, dropout site by site, for all B rows (padding included), so
    // the Rng stream does not depend on how batches are grouped into runs.
    const masks = this.takeMaskBuffers(S);
    for (let s = 0; s < S; s++) {
      this.arch.dropouts.forEach((d, i) => {
        const n = B * size(d.shape);
        fillDropoutMask(masks[i]!.subarray(s * n, (s + 1) * n), d.rate, rng);
      });
    }
    this.arch.dropouts.forEach((d, i) => (feeds[NAMES.mask(d.name)] = { dtype: 'bool', dims: [S, B, ...d.shape], data: masks[i]! }));
    if (this.distill) Object.assign(feeds, softFeeds(chunk, B, this.distill));
    if (this.mixup) Object.assign(feeds, this.mixupFeeds(chunk, B));

    let result: Record<string, Tensor>;
    try {
      result = await this.train.run(feeds);
    } finally {
      this.maskBuffers = masks;
    }
    for (const [k, old] of this.tensors) {
      const next = result[NAMES.next(k)];
      if (!next) throw new EngineError(ERROR_CODES.INTERNAL, `train graph returned no '${NAMES.next(k)}'`);
      if (old !== next) old.dispose();
      this.tensors.set(k, next);
    }
    this.step += S;
    const [loss, margin, pLabel, correct, top1] = NAMES.stats.map((n) => result[n]!.data().data as Float32Array | Int32Array);
    return chunk.map((b, s) => {
      const rows = b.labels.length;
      const at = s * B;
      return {
        loss: (loss as Float32Array).slice(at, at + rows),
        margin: (margin as Float32Array).slice(at, at + rows),
        pLabel: (pLabel as Float32Array).slice(at, at + rows),
        correct: Uint8Array.from((correct as Float32Array).subarray(at, at + rows)),
        top1: (top1 as Int32Array).slice(at, at + rows),
      };
    });
  }

  /** Mixup's partners and weights [S, B] of a run, drawn per global step (train/mixup.ts). */
  private mixupFeeds(chunk: Batch[], B: number): Record<string, TensorData> {
    const { alpha, seed } = this.mixup!;
    const S = chunk.length;
    const perm = new Int32Array(S * B);
    const lambda = new Float32Array(S * B);
    chunk.forEach((b, s) => drawMixup(alpha, seed, this.step + s, b.labels.length, perm.subarray(s * B, (s + 1) * B), lambda.subarray(s * B, (s + 1) * B)));
    return {
      [MIXUP_NAMES.perm]: { dtype: 'int32', dims: [S, B], data: perm },
      [MIXUP_NAMES.lambda]: { dtype: 'float32', dims: [S, B], data: lambda },
    };
  }

  /**
   * Keep-mask buffers for a run of S steps, one per dropout site, reused from the previous run
   * when their sizes match (fillDropoutMask overwrites every flag). code2vec's masks are ~80 MB
   * per run, and a fresh buffer pays a page fault per 4 KiB on first touch: drawing into a reused
   * one took 22 ms per run of 4 steps instead of 57. A run holds the buffers until it has
   * finished, so a run started meanwhile allocates its own.
   */
  private takeMaskBuffers(S: number): Uint8Array[] {
    const cached = this.maskBuffers;
    this.maskBuffers = undefined;
    return this.arch.dropouts.map((d, i) => {
      const n = S * this.batchSize * size(d.shape);
      const buffer = cached?.[i];
      return buffer && buffer.length === n ? buffer : new Uint8Array(n);
    });
  }

  private paramFeeds(): Record<string, Tensor> {
    const feeds: Record<string, Tensor> = {};
    for (const p of this.arch.params) feeds[NAMES.param(p.name)] = this.tensors.get(NAMES.param(p.name))!;
    return feeds;
  }

  private batchFeeds(batch: Batch): Record<string, TensorData> {
    const rows = batch.labels.length;
    const feeds: Record<string, TensorData> = { [NAMES.labels]: { dtype: 'int32', dims: [rows], data: Int32Array.from(batch.labels) } };
    for (const f of this.arch.features) {
      const src = batch.inputs[f.name];
      if (!src || src.length !== rows * size(f.shape)) throw new EngineError(ERROR_CODES.INTERNAL, `batch input '${f.name}' must hold ${rows} × ${size(f.shape)} values`);
      feeds[NAMES.feature(f.name)] = { dtype: f.dtype, dims: [rows, ...f.shape], data: src } as TensorData;
    }
    return feeds;
  }

  private session(graphBytes: Uint8Array, name: string): Promise<Session> {
    return createSession(graphBytes, { device: this.device, intraOpThreads: this.threads, name });
  }

  async evaluate(batch: Batch, k = 1): Promise<EvalStats> {
    this.alive();
    const kk = Math.min(k, this.arch.classes);
    let s = this.evalSessions.get(kk);
    if (!s) {
      const g = buildEvalGraph(this.arch, kk);
      s = this.session(emitModel(g), g.name);
      this.evalSessions.set(kk, s);
    }
    const r = await (await s).run({ ...this.paramFeeds(), ...this.batchFeeds(batch) });
    const f32 = (n: string): Float32Array => r[n]!.data<'float32'>().data;
    return {
      loss: f32('loss'),
      margin: f32('margin'),
      pLabel: f32('p_label'),
      correct: Uint8Array.from(f32('correct')),
      top1: r.top1!.data<'int32'>().data,
      topkIds: r[NAMES.topkIds]!.data<'int32'>().data,
      topkScores: f32(NAMES.topkScores),
      k: kk,
    };
  }

  async probe(batch: Batch): Promise<ProbeResult> {
    this.alive();
    if (!this.probeSession) {
      const { graph, lookups } = buildProbeGraph(this.arch);
      this.probeSession = this.session(emitModel(graph), graph.name).then((session) => ({ session, lookups }));
    }
    const { session, lookups } = await this.probeSession;
    const r = await session.run({ ...this.paramFeeds(), ...this.batchFeeds(batch) });
    const grads: ProbeResult['grads'] = {};
    for (const l of lookups) {
      const t = r[NAMES.probe(l)]!;
      grads[l] = { dims: [...t.dims], data: t.data<'float32'>().data };
    }
    return { loss: r.loss!.data<'float32'>().data, grads };
  }

  /** Feeds of the batch's features only (no labels). */
  private featureFeeds(batch: Batch): Record<string, TensorData> {
    const rows = batch.labels.length;
    const feeds: Record<string, TensorData> = {};
    for (const f of this.arch.features) {
      const src = batch.inputs[f.name];
      if (!src || src.length !== rows * size(f.shape)) throw new EngineError(ERROR_CODES.INTERNAL, `batch input '${f.name}' must hold ${rows} × ${size(f.shape)} values`);
      feeds[NAMES.feature(f.name)] = { dtype: f.dtype, dims: [rows, ...f.shape], data: src } as TensorData;
    }
    return feeds;
  }

  async inputEmbeddings(batch: Batch): Promise<InputEmbeddings> {
    this.alive();
    if (!this.embeddingsSession) {
      const { graph, lookups, real } = buildEmbeddingsGraph(this.arch);
      this.embeddingsSession = this.session(emitModel(graph), graph.name).then((session) => ({ session, lookups, real }));
    }
    const { session, lookups, real } = await this.embeddingsSession;
    const r = await session.run({ ...this.paramFeeds(), ...this.featureFeeds(batch) });
    const out: InputEmbeddings = { embeddings: {}, real: {}, top1: r[NAMES.top1]!.data<'int32'>().data };
    for (const l of lookups) {
      const t = r[NAMES.embedding(l.name)]!;
      out.embeddings[l.name] = { dims: [...t.dims], data: t.data<'float32'>().data };
    }
    for (const l of real) {
      const t = r[NAMES.real(l)]!;
      out.real[l] = { dims: [...t.dims], data: Uint8Array.from(t.data<'int32'>().data) };
    }
    return out;
  }

  private async atEmbeddings(batch: Batch, embeddings: Readonly<Record<string, Float32Array>>, targets: Int32Array | null): Promise<Record<string, Tensor>> {
    this.alive();
    const gradient = targets !== null;
    let s = this.atEmbeddingsSessions.get(gradient);
    if (!s) {
      const { graph, lookups } = buildAtEmbeddingsGraph(this.arch, gradient);
      s = this.session(emitModel(graph), graph.name).then((session) => ({ session, lookups }));
      this.atEmbeddingsSessions.set(gradient, s);
    }
    const { session, lookups } = await s;
    const rows = batch.labels.length;
    const feeds: Record<string, Tensor | TensorData> = { ...this.paramFeeds(), ...this.featureFeeds(batch) };
    for (const l of lookups) {
      const data = embeddings[l.name];
      const per = size(l.shape);
      if (!data || data.length !== rows * per) throw new EngineError(ERROR_CODES.INTERNAL, `${this.name}: embeddings '${l.name}' must hold ${rows} × ${per} values (got ${data?.length ?? 'none'})`);
      feeds[NAMES.embedding(l.name)] = { dtype: 'float32', dims: [rows, ...l.shape], data };
    }
    if (targets) {
      if (targets.length !== rows) throw new EngineError(ERROR_CODES.INTERNAL, `${this.name}: ${targets.length} targets for ${rows} rows`);
      feeds[NAMES.labels] = { dtype: 'int32', dims: [rows], data: targets };
    }
    return session.run(feeds);
  }

  async predictAtEmbeddings(batch: Batch, embeddings: Readonly<Record<string, Float32Array>>): Promise<Int32Array> {
    const r = await this.atEmbeddings(batch, embeddings, null);
    return r[NAMES.top1]!.data<'int32'>().data;
  }

  async gradientAtEmbeddings(batch: Batch, embeddings: Readonly<Record<string, Float32Array>>, targets: Int32Array): Promise<EmbeddingGradientResult> {
    const r = await this.atEmbeddings(batch, embeddings, targets);
    const grads: EmbeddingGradientResult['grads'] = {};
    for (const l of Object.keys(embeddings)) {
      const t = r[NAMES.probe(l)];
      if (t) grads[l] = { dims: [...t.dims], data: t.data<'float32'>().data };
    }
    return { top1: r[NAMES.top1]!.data<'int32'>().data, loss: r.loss!.data<'float32'>().data, grads };
  }

  async getState(): Promise<ModelState> {
    this.alive();
    const tensors: ModelState['tensors'] = {};
    for (const [k, t] of this.tensors) {
      const d = await t.download<'float32'>();
      tensors[k] = { dims: [...d.dims], data: Float32Array.from(d.data) };
    }
    return { step: this.step, tensors };
  }

  async setState(state: ModelState): Promise<void> {
    this.alive();
    for (const k of this.tensors.keys()) {
      const t = state.tensors[k];
      const cur = this.tensors.get(k)!;
      if (!t || t.dims.length !== cur.dims.length || t.dims.some((d, i) => d !== cur.dims[i])) {
        throw new EngineError(ERROR_CODES.CONFIG, `${this.name}: state tensor '${k}' is missing or has dims [${t?.dims.join(',') ?? ''}], expected [${cur.dims.join(',')}] (a checkpoint of another model or optimizer?)`);
      }
    }
    for (const k of [...this.tensors.keys()]) {
      const t = state.tensors[k]!;
      this.tensors.get(k)!.dispose();
      this.tensors.set(k, Tensor.fromData({ dtype: 'float32', dims: [...t.dims], data: Float32Array.from(t.data) }));
    }
    this.step = state.step;
  }

  async exportInference(): Promise<Uint8Array> {
    this.alive();
    const weights: Record<string, TensorData> = {};
    for (const p of this.arch.params) weights[p.name] = await this.tensors.get(NAMES.param(p.name))!.download();
    return emitModel(buildInferenceGraph(this.arch, weights));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.maskBuffers = undefined;
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
    const sessions = [this.train, ...(await Promise.all(this.evalSessions.values()))];
    if (this.probeSession) sessions.push((await this.probeSession).session);
    if (this.embeddingsSession) sessions.push((await this.embeddingsSession).session);
    for (const s of this.atEmbeddingsSessions.values()) sessions.push((await s).session);
    for (const s of sessions) await s.dispose();
  }

  private alive(): void {
    if (this.disposed) throw new EngineError(ERROR_CODES.RUNTIME, `model '${this.name}' was used after dispose()`);
  }
}

/**
 * The soft labels of a run of steps, [S, B, k], and their weight per step [S]: the setting's for
 * a batch that carries them, 0 for one without (the susceptibility probe's step: plain CE).
 * Padding rows have p = 0 (no soft term).
 */
function softFeeds(chunk: readonly Batch[], B: number, d: DistillOptions): Record<string, TensorData> {
  const S = chunk.length;
  const k = d.k;
  const ids = new Int32Array(S * B * k);
  const p = new Float32Array(S * B * k);
  const w = new Float32Array(S);
  chunk.forEach((b, s) => {
    if (!b.soft) return;
    const rows = b.labels.length;
    if (b.soft.ids.length !== rows * k || b.soft.p.length !== rows * k) throw new EngineError(ERROR_CODES.INTERNAL, `a distillation batch must carry ${rows} × ${k} soft labels (got ${b.soft.ids.length})`);
    ids.set(b.soft.ids, s * B * k);
    p.set(b.soft.p, s * B * k);
    w[s] = d.weight;
  });
  return {
    [NAMES.softIds]: { dtype: 'int32', dims: [S, B, k], data: ids },
    [NAMES.softP]: { dtype: 'float32', dims: [S, B, k], data: p },
    [NAMES.softW]: { dtype: 'float32', dims: [S], data: w },
  };
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Compiles `arch` for training: builds its train graph, opens the session, initializes parameters. */
export function compileModel(arch: Architecture, options: CompileModelOptions = {}): Promise<CompiledModel> {
  return CompiledModel.create(arch, options);
}
