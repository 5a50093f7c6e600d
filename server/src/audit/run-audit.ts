/**
 * The audit: extract → dataset → for every run of the plan (kind × level × seed) apply the noise
 * to the training split, train a fresh model from the same initial seed while recording every
 * sample's dynamics, compute the run's metrics → aggregate scores, self-calibration (which signal
 * finds the injected noise best) and findings on the clean run → report.
 *
 * Resumable: each run lives in `<outDir>/runs/<auditKey>/<runId>/`; a finished run leaves a
 * `result.json` (written atomically, last) and is reused as is; an interrupted one resumes from
 * its checkpoint. The audit key hashes the corpus, the dataset and every setting that changes
 * results, so rerunning the same command finds the same folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createModel } from '../../../models/registry';
import { sha256Hex, stableStringify } from '../cache/keys';
import type { Dataset } from '../dataset/build';
import type { SampleColumns } from '../dataset/columns';
import { EngineError, ERROR_CODES } from '../errors';
import { bestSignal, flipRate, memorizationScore, generalizationScore, noiseSensitivity, rankBySuspicion, SIGNAL_ORIENTATION, type SignalName } from '../metrics';
import { loadOrBuildDataset } from '../pipeline/dataset-stage';
import { extractCorpus, type CorpusExtraction } from '../pipeline/extract-corpus';
import type { AuditReport, DetectionSummary, Finding, HeadlineScores, ReportGate, RunReport, SignalQuality } from '../report/types';
import { REPORT_SCHEMA_VERSION } from '../report/types';
import { assertValidReport } from '../report/schema';
import { signalsToCsv } from '../report/csv';
import type { TrainableModel } from '../train/types';
import { Rng } from '../util/rng';
import { datasetSource, type SampleSource } from '../dataset/source';
import { resume, train, type TrainConfig, type TrainData, type TrainProgress } from '../train/trainer';
import { readJsonIfValid, writeFileAtomic } from '../util/atomic';
import { VERSION } from '../version';
import type { AuditConfig } from './config';
import { evaluateGates, type GateMetric } from './gates';
import { encodeCartography } from '../report/cartography';
import { reportJsonText } from '../report/json-text';
import { findingNoise } from './noise-diffs';
import { applyRunNoise, editorFor, transformTestSet, type RunNoise, type RunNoiseContext, type TestTransform } from './noise-adapter';
import { sourceLookup } from './source-lookup';
import { DEFAULT_EXTRACT_SETTINGS } from '../parse/extract';
import { isLabelKind, planRuns } from './plan';
import { computeRunMetrics } from './run-metrics';

export interface AuditProgress {
  stage: 'extract' | 'dataset' | 'train' | 'report';
  /** 0..1 over the whole audit. */
  fraction: number;
  /** 1-based index of the run in progress, and the number of runs. */
  run?: number;
  runs?: number;
  runId?: string;
  /** 1-based epoch of the run in progress, and the epochs per run. */
  epoch?: number;
  epochs?: number;
  samplesPerSec?: number;
  /** Estimated seconds left for the whole audit. */
  etaSec?: number;
  message: string;
}

export interface AuditOptions {
  config: AuditConfig;
  cwd: string;
  signal?: AbortSignal;
  onProgress?: (p: AuditProgress) => void;
  log?: (message: string) => void;
  /** Findings kept in the report (most suspicious first). Default 50. */
  maxFindings?: number;
}

export interface AuditOutcome {
  report: AuditReport;
  /** Folder of this audit (`<outDir>/runs/<id>`); report.json is there. */
  runDir: string;
  reportFile: string;
  /** Runs reused from an earlier, interrupted invocation. */
  reusedRuns: number;
}

/** The audit's file of the findings' original and noised code (report/noise-diffs.ts). */
export const NOISE_DIFFS_FILE = 'noise-diffs.json';

/** Share of the progress bar per stage; training takes the rest. */
const P_EXTRACT = 0.05;
const P_DATASET = 0.02;
const P_REPORT = 0.01;

/** A deterministic subset of at most `max` training samples (kept in canonical order). */
function subsetTrain(trainIdx: Int32Array, max: number, seed: number): Int32Array {
  if (max <= 0 || trainIdx.length <= max) return trainIdx;
  const order = Int32Array.from(trainIdx.keys());
  new Rng(seed ^ 0x5eed).shuffle(order);
  const keep = order.subarray(0, max).sort();
  return Int32Array.from(keep, (p) => trainIdx[p]!);
}

function labelString(c: SampleColumns, i: number): string {
  return c.strings[c.label[i]!]!;
}

/**
 * A sample source that also serves replacement samples (input noise, transformed test samples):
 * each overlay owns the indices [offset, offset + length), all of them above the corpus's own.
 */
function overlaySource(base: SampleSource, overlays: readonly RunNoise['replacements'][]): SampleSource {
  const active = overlays.filter((o) => o.length > 0);
  if (active.length === 0) return base;
  const find = (i: number) => active.find((o) => i >= o.offset && i < o.offset + o.length);
  return {
    sizes: base.sizes,
    bodyTokens: (i) => {
      const o = find(i);
      return o ? o.bodyTokens(i - o.offset) : base.bodyTokens(i);
    },
    contexts: (i) => {
      const o = find(i);
      return o ? o.contexts(i - o.offset) : base.contexts(i);
    },
  };
}

/** Top-1 predictions of the model on `indices`, in batches; −1 where `use` is 0. */
async function predictTop1(model: TrainableModel, indices: Int32Array, labels: Int32Array, use: Uint8Array, batchSize: number): Promise<Int32Array> {
  const out = new Int32Array(indices.length).fill(-1);
  const rows: number[] = [];
  for (let p = 0; p < indices.length; p++) if (use[p]) rows.push(p);
  for (let at = 0; at < rows.length; at += batchSize) {
    const chunk = rows.slice(at, at + batchSize);
    const stats = await model.evaluate(model.makeBatch(Int32Array.from(chunk, (p) => indices[p]!), Int32Array.from(chunk, (p) => labels[p]!)));
    chunk.forEach((p, r) => (out[p] = stats.top1[r]!));
  }
  return out;
}

export async function runAudit(opts: AuditOptions): Promise<AuditOutcome> {
  const t0 = performance.now();
  const c = opts.config;
  // Each run creates its sessions anew; say the same thing (e.g. the device fallback) only once.
  const said = new Set<string>();
  const log = (m: string) => {
    if (said.has(m)) return;
    said.add(m);
    opts.log?.(m);
  };
  const progress = (p: AuditProgress) => opts.onProgress?.(p);
  const outDir = path.resolve(opts.cwd, c.outDir);
  const cacheDir = path.join(outDir, 'cache');
  const cancelled = () => new EngineError(ERROR_CODES.CANCELLED, 'audit cancelled');

  // 1. Corpus and dataset.
  progress({ stage: 'extract', fraction: 0, message: 'extracting methods' });
  const extraction: CorpusExtraction = await extractCorpus({
    inputs: c.inputs,
    cwd: opts.cwd,
    corpus: { maxFileBytes: c.maxFileBytes, ...(c.language ? { forceLanguage: c.language } : {}) },
    cacheDir,
    log,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (p) =>
      progress({
        stage: 'extract',
        fraction: P_EXTRACT * (p.walkDone && p.found > 0 ? p.done / p.found : 0),
        message: `extracting: ${p.done} files, ${p.samples} methods`,
      }),
  });
  const tExtract = performance.now();
  progress({ stage: 'dataset', fraction: P_EXTRACT, message: 'building the dataset' });
  const ds = await loadOrBuildDataset(extraction, { seed: c.splitSeed }, cacheDir, log);
  const dataset: Dataset = ds.dataset;
  const columns = extraction.columns;
  const tDataset = performance.now();
  if (dataset.train.length < 2 || dataset.test.length < 1) {
    throw new EngineError(
      ERROR_CODES.EMPTY_CORPUS,
      `The corpus is too small to audit: ${dataset.train.length} training and ${dataset.test.length} test methods after splitting and deduplication. ` +
        'An audit needs at least a few hundred methods (in several files) to say anything; point memaudit at a larger folder.',
    );
  }
  const trainIdx = subsetTrain(dataset.train, c.maxTrainSamples, c.splitSeed);
  if (trainIdx.length < dataset.train.length) {
    log(`training on a subset of ${trainIdx.length} of ${dataset.train.length} training methods (maxTrainSamples)`);
  }

  // 2. Where this audit lives.
  const resultConfig = { ...c, gates: undefined, outDir: undefined, inputs: undefined };
  const auditKey = sha256Hex(`memaudit:${VERSION}`, extraction.corpusKey, stableStringify(resultConfig)).slice(0, 12);
  const runDir = path.join(outDir, 'runs', auditKey);
  await writeFileAtomic(
    path.join(runDir, 'config.json'),
    JSON.stringify({ config: { ...c, gates: c.gates.map((g) => g.text) }, version: VERSION, node: process.version, corpusKey: extraction.corpusKey }, null, 2),
  );

  const vocab = { strings: dataset.vocab.labels.strings, unk: dataset.vocab.labels.unk };
  const truth = {
    train: Array.from(trainIdx, (i) => labelString(columns, i)),
    val: Array.from(dataset.val, (i) => labelString(columns, i)),
    test: Array.from(dataset.test, (i) => labelString(columns, i)),
  };
  const cleanLabels = Int32Array.from(trainIdx, (i) => dataset.labelClass[i]!);
  const evalSets = {
    val: { indices: dataset.val, labels: Int32Array.from(dataset.val, (i) => dataset.labelClass[i]!) },
    test: { indices: dataset.test, labels: Int32Array.from(dataset.test, (i) => dataset.labelClass[i]!) },
  };
  const baseSource = datasetSource(columns, dataset);
  // The probes' sets are drawn once, from the clean training inputs, so every run measures the
  // same thing: S̃ = the training inputs with uniform random labels (susceptibility), and a fixed
  // subset of 256 training samples (critical sample ratio).
  const labelCount = dataset.vocab.labels.strings.length;
  const zetaRng = new Rng(c.splitSeed ^ 0x5a17);
  const susceptibilitySet = { indices: trainIdx.slice(), labels: Int32Array.from(trainIdx, () => zetaRng.int(labelCount)) };
  const csrIndices = new Rng(c.splitSeed ^ 0xc5).shuffle(trainIdx.slice()).slice(0, Math.min(256, trainIdx.length));
  const noiseCtx: RunNoiseContext = {
    columns,
    dataset,
    trainIdx,
    cleanLabels,
    tables: extraction.tables,
    source: sourceLookup(columns, c.inputs, opts.cwd, c.maxFileBytes),
    settings: DEFAULT_EXTRACT_SETTINGS,
    ...(opts.signal ? { signal: opts.signal } : {}),
  };

  // 3. The runs.
  const plan = planRuns(c);
  const runReports: RunReport[] = [];
  const cleanSignals = new Map<number, Record<string, ArrayLike<number>>>();
  let reusedRuns = 0;
  const trainStart = performance.now();
  let trainedEpochs = 0;
  const totalEpochs = plan.length * c.epochs;
  const trainShare = 1 - P_EXTRACT - P_DATASET - P_REPORT;
  for (let k = 0; k < plan.length; k++) {
    if (opts.signal?.aborted) throw cancelled();
    const run = plan[k]!;
    const dir = path.join(runDir, run.id);
    const resultFile = path.join(dir, 'result.json');
    const saved = readJsonIfValid<{ report: RunReport; signals?: Record<string, number[]> }>(resultFile);
    if (saved?.report?.id === run.id) {
      runReports.push(saved.report);
      if (run.kind === 'none' && saved.signals) cleanSignals.set(run.seed, saved.signals);
      reusedRuns++;
      trainedEpochs += c.epochs;
      continue;
    }
    const noise = await applyRunNoise(run, noiseCtx);
    // The clean run is also measured for robustness: its test predictions before and after
    // meaning-preserving edits (the transformed samples are served above the noise's indices).
    const transforms: TestTransform[] = [];
    if (run.kind === 'none') {
      let offset = columns.count + noise.replacements.length;
      for (const kind of ['x-rename-locals', 'x-dead-code'] as const) {
        const t = await transformTestSet(kind, run.seed, noiseCtx, offset);
        offset += t.replacements.length;
        transforms.push(t);
      }
    }
    const model = await createModel(c.model, {
      source: overlaySource(baseSource, [noise.replacements, ...transforms.map((t) => t.replacements)]),
      preset: c.modelPreset,
      optimizer: { kind: 'adam' },
      batchSize: c.batchSize,
      device: c.device,
      seed: run.seed,
      log,
    });
    try {
      const data: TrainData = { train: noise.trainIndices, trainLabels: noise.trainLabels, val: evalSets.val, test: evalSets.test };
      const tc: TrainConfig = {
        epochs: c.epochs,
        batchSize: c.batchSize,
        seed: run.seed,
        modelKey: stableStringify({ model: c.model, preset: c.modelPreset, lr: c.learningRate, seed: run.seed }),
        schedule: { kind: 'constant', lr: c.learningRate },
        checkpoint: { path: path.join(dir, 'checkpoint.bin') },
        dynamicsPath: path.join(dir, 'dynamics.bin'),
        ...(c.susceptibility ? { susceptibility: { set: susceptibilitySet } } : {}),
        ...(c.csrEvery > 0 ? { csr: { indices: csrIndices, everyEpochs: c.csrEvery } } : {}),
      };
      const hooks = {
        ...(opts.signal ? { signal: opts.signal } : {}),
        onProgress: (p: TrainProgress) => {
          const doneEpochs = trainedEpochs + p.epoch + (p.stepsPerEpoch > 0 ? p.step / p.stepsPerEpoch : 0);
          const elapsed = (performance.now() - trainStart) / 1000;
          const rate = doneEpochs > 0 ? elapsed / doneEpochs : 0;
          progress({
            stage: 'train',
            fraction: P_EXTRACT + P_DATASET + trainShare * (doneEpochs / totalEpochs),
            run: k + 1,
            runs: plan.length,
            runId: run.id,
            epoch: p.epoch + 1,
            epochs: p.epochs,
            samplesPerSec: p.samplesPerSec,
            ...(rate > 0 ? { etaSec: rate * (totalEpochs - doneEpochs) } : {}),
            message: `run ${k + 1}/${plan.length} ${run.id}: epoch ${p.epoch + 1}/${p.epochs}`,
          });
        },
      };
      const resumable = fs.existsSync(tc.checkpoint!.path);
      if (resumable) log(`resuming ${run.id} from its checkpoint`);
      const result = await (resumable ? resume : train)(model, data, tc, hooks);
      const tm = performance.now();
      const flipRates: Record<string, number> = {};
      if (transforms.length > 0 && result.dynamics.test.rows > 0) {
        const before = result.dynamics.test.row(result.dynamics.test.rows - 1).top1.slice(0, dataset.test.length);
        for (const t of transforms) {
          const after = await predictTop1(model, t.indices, evalSets.test.labels, t.applied, c.batchSize);
          const f = flipRate(Int32Array.from(before, (v, p) => (t.applied[p] ? v : -1)), after);
          if (Number.isFinite(f.rate)) flipRates[t.kind] = f.rate;
        }
      }
      const m = computeRunMetrics({
        dynamics: result.dynamics,
        curves: result.curves,
        vocab,
        truth,
        corrupted: noise.corrupted,
        labelNoise: isLabelKind(run.kind),
      });
      const report: RunReport = {
        id: run.id,
        kind: run.kind,
        level: run.level,
        seed: run.seed,
        corrupted: noise.count,
        epochs: m.epochs,
        final: m.final,
        membership: m.membership,
        detection: m.detection,
        flipRates,
        files: {
          dynamics: path.posix.join(run.id, 'dynamics.bin'),
          signals: path.posix.join(run.id, 'signals.csv'),
          cartography: path.posix.join(run.id, 'cartography.bin'),
          ...(noise.ledger ? { ledger: path.posix.join(run.id, 'ledger.json') } : {}),
        },
        cartography: m.cartography,
        device: model.device,
        susceptibility: result.susceptibility
          ? {
              phiBefore: Array.from(result.susceptibility.phiBefore),
              phiAfter: Array.from(result.susceptibility.phiAfter),
              zeta: Array.from(result.susceptibility.zeta, (z) => (Number.isFinite(z) ? z : null)),
            }
          : null,
        criticalSampleRatio: (result.csr ?? []).map((r) => ({
          epoch: r.epoch + 1,
          ratio: r.ratio,
          evaluated: r.evaluated,
          scale: r.scale,
          radius: r.radius,
          step: r.step,
          noise: r.noise,
        })),
        timings: {
          trainMs: result.timings.batchMs + result.timings.stepMs,
          evalMs: result.timings.evalMs,
          recordMs: result.timings.recordMs + result.timings.dynamicsWriteMs,
          metricsMs: performance.now() - tm,
          probesMs: (result.timings.susceptibilityMs ?? 0) + (result.timings.csrMs ?? 0),
        },
      };
      if (noise.ledger) await writeFileAtomic(path.join(dir, 'ledger.json'), JSON.stringify(noise.ledger));
      // The cartography map's data: 13 bytes per training sample, beside the run's other files.
      await writeFileAtomic(
        path.join(dir, 'cartography.bin'),
        encodeCartography({ epochs: result.dynamics.train.rows, confidence: m.signals.confidence, variability: m.signals.variability, correctness: m.signals.correctness, corrupted: noise.corrupted }),
      );
      await writeFileAtomic(path.join(dir, 'signals.csv'), signalsCsv(columns, trainIdx, noise.corrupted, m.signals as unknown as Record<string, ArrayLike<number>>));
      const signals = run.kind === 'none' ? signalsRecord(m.signals) : undefined;
      if (signals) cleanSignals.set(run.seed, signals);
      // result.json is written last: its presence means the run is complete.
      await writeFileAtomic(resultFile, JSON.stringify({ report, ...(signals ? { signals: mapValues(signals, (a) => Array.from(a)) } : {}) }));
      fs.rmSync(tc.checkpoint!.path, { force: true });
      runReports.push(report);
    } finally {
      await model.dispose();
    }
    trainedEpochs += c.epochs;
  }
  const tTrain = performance.now();

  // 4. Aggregate.
  progress({ stage: 'report', fraction: 1 - P_REPORT, message: 'writing the report' });
  const scores = headlineScores(runReports);
  const detection = detectionSummary(runReports);
  scores.detection_auroc = detection.best ? (detection.signals.find((s) => s.signal === detection.best)?.auroc ?? null) : null;
  const firstSeed = c.seeds[0]!;
  const ranked = findingsOf(columns, c.inputs, trainIdx, cleanSignals.get(firstSeed), detection.best, opts.maxFindings ?? 50);
  // Which noisy runs corrupted each finding's method, and its original and noised code for a diff view.
  const { findings, diffs } = await findingNoise({ findings: ranked, runs: runReports, runDir, columns, trainIdx, source: noiseCtx.source, editor: () => editorFor(noiseCtx), log });
  const diffsFile = path.join(runDir, NOISE_DIFFS_FILE);
  if (diffs) await writeFileAtomic(diffsFile, JSON.stringify(diffs));
  else fs.rmSync(diffsFile, { force: true });
  const gates: ReportGate[] = evaluateGates(c.gates, scores as Partial<Record<GateMetric, number>>).map((g) => ({
    gate: g.text,
    metric: g.metric,
    op: g.op,
    value: g.value,
    actual: g.actual ?? null,
    passed: g.passed,
    message: g.message,
  }));
  const devices = [...new Set(runReports.map((r) => r.device))];
  const report: AuditReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'memaudit', version: VERSION },
    runId: auditKey,
    createdAt: new Date().toISOString(),
    config: {
      inputs: c.inputs,
      ...(c.language ? { language: c.language } : {}),
      model: c.model,
      modelPreset: c.modelPreset,
      noise: c.noise,
      seeds: c.seeds,
      epochs: c.epochs,
      batchSize: c.batchSize,
      learningRate: c.learningRate,
      device: c.device,
      gates: c.gates.map((g) => g.text),
      splitSeed: c.splitSeed,
      maxTrainSamples: c.maxTrainSamples,
      susceptibility: c.susceptibility,
      csrEvery: c.csrEvery,
    },
    environment: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: os.availableParallelism(),
      device: { requested: c.device, used: devices.join(', ') || 'cpu', notes: [] },
      parser: extraction.parser.backend,
    },
    corpus: {
      inputs: c.inputs,
      filesParsed: extraction.stats.parsed,
      filesSkipped: extraction.stats.skipped,
      samples: columns.count,
      byLanguage: extraction.stats.samplesByLanguage,
    },
    dataset: {
      train: dataset.train.length,
      trainUsed: trainIdx.length,
      val: dataset.val.length,
      test: dataset.test.length,
      labels: dataset.vocab.labels.strings.length,
      labelCoverage: dataset.report.vocab.labels.coverage,
      exactDuplicatesRemoved: dataset.report.duplicates.withinTrain + dataset.report.duplicates.withinVal + dataset.report.duplicates.withinTest,
      leakageRemoved: dataset.report.duplicates.valFromTrain + dataset.report.duplicates.testFromTrain + dataset.report.duplicates.testFromVal,
      nearDuplicatePairs: 'pairs' in dataset.report.nearDuplicates ? dataset.report.nearDuplicates.pairs : 0,
      split: dataset.report.split.reason,
    },
    runs: runReports,
    scores,
    detection,
    findings,
    gates,
    ...(diffs ? { files: { noiseDiffs: NOISE_DIFFS_FILE } } : {}),
    timings: {
      totalMs: 0,
      extractMs: tExtract - t0,
      datasetMs: tDataset - tExtract,
      trainMs: tTrain - tDataset,
      metricsMs: runReports.reduce((a, r) => a + r.timings.metricsMs, 0),
      reportMs: 0,
    },
  };
  report.timings.reportMs = performance.now() - tTrain;
  report.timings.totalMs = performance.now() - t0;
  // A report that does not match its published schema is a bug; never write one.
  assertValidReport(report);
  const reportFile = path.join(runDir, 'report.json');
  await writeFileAtomic(reportFile, reportJsonText(report));
  progress({ stage: 'report', fraction: 1, message: 'done' });
  return { report, runDir, reportFile, reusedRuns };
}

/** Per-sample signals of a run's training samples, one row per sample (the audit's raw data, METRICS.md). */
function signalsCsv(columns: SampleColumns, trainIdx: Int32Array, corrupted: Uint8Array, signals: Record<string, ArrayLike<number>>): string {
  const names = Object.keys(signals);
  const rows: (string | number)[][] = [];
  for (let p = 0; p < trainIdx.length; p++) {
    const i = trainIdx[p]!;
    const r = columns.ranges;
    rows.push([
      columns.ids[i]!,
      columns.strings[columns.file[i]!]!,
      r[4 * i]! + 1,
      columns.strings[columns.name[i]!]!,
      corrupted[p]!,
      ...names.map((n) => Number(signals[n]![p])),
    ]);
  }
  return signalsToCsv(['sample_id', 'file', 'line', 'name', 'corrupted', ...names], rows);
}

function mapValues<T, U>(o: Record<string, T>, f: (v: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}

function signalsRecord(s: object): Record<string, ArrayLike<number>> {
  return { ...(s as Record<string, ArrayLike<number>>) };
}

function finite(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}

/** METRICS.md "Run-level scores" over the runs of the audit. */
export function headlineScores(runs: readonly RunReport[]): HeadlineScores {
  const clean = runs.filter((r) => r.kind === 'none');
  const label = runs.filter((r) => isLabelKind(r.kind) || r.kind === 'none');
  const mean = (xs: (number | null)[]): number | null => {
    const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
    return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
  };
  const withTest = label.filter((r) => r.final.testF1 !== null);
  const fit = runs.filter((r) => isLabelKind(r.kind) && r.level > 0 && r.final.noiseFitRate !== null);
  return {
    G: finite(clean.length ? generalizationScore(clean.filter((r) => r.final.testF1 !== null).map((r) => ({ level: 0, value: r.final.testF1! }))) : null),
    M: finite(fit.length ? memorizationScore(fit.map((r) => ({ level: r.level / 100, value: r.final.noiseFitRate! }))) : null),
    gap: mean(clean.map((r) => r.final.gap)),
    sensitivity: finite(withTest.length >= 2 ? noiseSensitivity(withTest.map((r) => ({ level: r.level / 100, value: r.final.testF1! }))) : null),
    mia_auc: mean(clean.map((r) => r.membership?.auroc ?? null)),
    mia_advantage: mean(clean.map((r) => r.membership?.advantage ?? null)),
    train_f1: mean(clean.map((r) => r.final.trainF1)),
    test_f1: mean(clean.map((r) => r.final.testF1)),
    detection_auroc: null,
  };
}

/**
 * The runs that calibrate the memorization signals (METRICS.md, "Detection quality"): the
 * label-noise runs below 100% when there are any, since a sample whose label was replaced can
 * only be fitted by memorizing it; else every label-noise run; else every noisy run. Input noise
 * leaves the label predictable (a leaked name even makes it easier), so its corrupted samples are
 * not memorized ones and would pull the choice toward whatever separates that edit; and at 100%
 * the few samples whose shuffled label happened to stay right are all the "clean" side there is.
 */
export function calibrationRuns(runs: readonly RunReport[]): RunReport[] {
  const noisy = runs.filter((r) => r.detection.length > 0);
  const label = noisy.filter((r) => isLabelKind(r.kind));
  const partial = label.filter((r) => r.level < 100);
  return partial.length > 0 ? partial : label.length > 0 ? label : noisy;
}

/** Mean detection quality per signal over the calibration runs, and the best one. */
export function detectionSummary(runs: readonly RunReport[]): DetectionSummary {
  const used = calibrationRuns(runs);
  const acc = new Map<string, { auroc: number; ap: number; n: number }>();
  for (const r of used) {
    for (const q of r.detection) {
      const a = acc.get(q.signal) ?? { auroc: 0, ap: 0, n: 0 };
      a.auroc += q.auroc;
      a.ap += q.averagePrecision;
      a.n++;
      acc.set(q.signal, a);
    }
  }
  const signals: SignalQuality[] = [...acc.entries()].map(([signal, a]) => ({ signal, auroc: a.auroc / a.n, averagePrecision: a.ap / a.n }));
  const best = bestSignal(signals.map((s) => ({ ...s, orientation: 1 as const, positives: 0, negatives: 0, undefinedSamples: 0 })));
  signals.sort((a, b) => b.auroc - a.auroc);
  return { best: best?.signal ?? null, signals, calibrationRuns: used.map((r) => r.id) };
}

/** The clean run's training samples ranked by the best signal: the "likely memorized" findings. */
function findingsOf(
  columns: SampleColumns,
  inputs: readonly string[],
  trainIdx: Int32Array,
  signals: Record<string, ArrayLike<number>> | undefined,
  best: string | null,
  limit: number,
): Finding[] {
  if (!signals) return [];
  // Without a noisy run to calibrate on, AUM is the default (Pleiss et al.: low margin = mislabeled / memorized).
  const signal = (best ?? 'aum') as SignalName;
  const values = signals[signal];
  if (!values) return [];
  const orientation = SIGNAL_ORIENTATION[signal] ?? 1;
  const order = rankBySuspicion(Float64Array.from(values), orientation, limit);
  const out: Finding[] = [];
  order.forEach((pos, r) => {
    const i = trainIdx[pos]!;
    const s = columns.sample(i);
    const details: Record<string, number> = {};
    for (const [name, arr] of Object.entries(signals)) details[name] = Number(arr[pos]);
    const score = orientation * Number(values[pos]);
    out.push({
      sampleId: s.id,
      file: s.origin.file,
      root: inputs[s.origin.root] ?? '.',
      ...(s.origin.jsonlLine !== undefined ? { jsonlLine: s.origin.jsonlLine } : {}),
      ...(s.origin.archiveEntry !== undefined ? { archiveEntry: s.origin.archiveEntry } : {}),
      range: s.range,
      language: s.language,
      name: s.name,
      split: 'train',
      signal,
      score,
      rank: r + 1,
      details,
      message: best
        ? `${s.name} looks memorized rather than learned: rank ${r + 1} by ${signal} (${signal} = ${Number(values[pos]).toFixed(3)}), the signal that best found the injected noise in this audit.`
        : `${s.name} looks memorized rather than learned: rank ${r + 1} by ${signal} (${signal} = ${Number(values[pos]).toFixed(3)}); no noisy run calibrated the signals, so AUM (Pleiss et al.) ranks them.`,
    });
  });
  return out;
}
