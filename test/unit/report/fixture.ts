/**
 * A realistic `AuditReport` for the report tests, built deterministically (a seeded generator, no
 * clock): a clean run and four label-shuffling runs (25/50/75/100%), ten epochs each, with curves
 * shaped like the randomization test's (train F1 climbs on every level, test F1 falls with the
 * noise level, the noise fit rate rises late), detection quality per signal, and findings in a
 * folder corpus, a JSONL file and a zip archive.
 */
import { scoreStatus, uncertaintySettings } from '../../../server/src/audit/aggregate';
import type { AuditReport, EpochReport, Finding, Interval, ReportGate, RunReport, ScoreKey, SignalQuality, SplitMetrics } from '../../../server/src/protocol/report';
import { rng } from '../../helpers/rng';

/** Options of `makeFixtureReport`. */
export interface FixtureOptions {
  /** Gates: one failing among three ('mixed', the default), all passing ('pass'), or none. */
  gates?: 'mixed' | 'pass' | 'none';
  /** Number of findings (default 12; the first three are a JSONL record, a zip entry and an overload pair). */
  findings?: number;
  /** Seed of the jitter (default 7). */
  seed?: number;
  /**
   * The optional fields later writers add (ROC curves, cartography summaries and files, the
   * findings' noise, the diffs file); default false: a report as the first v1 writer made it.
   */
  extras?: boolean;
}

/** A ROC curve with area `auroc` (tpr = fpr^k, area 1 / (k + 1)), 21 points. */
export function powerRoc(auroc: number): { fpr: number[]; tpr: number[] } {
  const k = 1 / auroc - 1;
  const fpr = Array.from({ length: 21 }, (_, i) => i / 20);
  return { fpr, tpr: fpr.map((x) => round(x ** k)) };
}


const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;
const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

function split(f1: number, loss: number, jitter: () => number): SplitMetrics {
  const f = clamp01(f1);
  const precision = clamp01(f + 0.03 * (jitter() - 0.3));
  const recall = clamp01(f - 0.03 * (jitter() - 0.3));
  return { loss: round(Math.max(0, loss)), accuracy: round(clamp01(f * 0.82)), precision: round(precision), recall: round(recall), f1: round(f) };
}

const SIGNALS: [string, number][] = [
  ['aum', 0.912],
  ['confidence', 0.887],
  ['correctness', 0.861],
  ['finalLoss', 0.846],
  ['meanLoss', 0.873],
  ['forgetting', 0.702],
  ['firstLearned', 0.794],
  ['variability', 0.433],
];

/** Test F1 at the last epoch per level, after the code2vec Java-Top10 figures the study reports. */
const FINAL_TEST: Record<number, number> = { 0: 0.612, 25: 0.503, 50: 0.361, 75: 0.192, 100: 0.031 };
const FINAL_FIT: Record<number, number> = { 25: 0.352, 50: 0.468, 75: 0.571, 100: 0.689 };
const EPOCHS = 10;
const TRAIN_USED = 4812;

function makeRun(kind: string, level: number, seed: number, jitter: () => number, extras = false): RunReport {
  const p = level / 100;
  const id = level === 0 ? 'clean-s0' : `${kind}-${level}-s${seed}`;
  const epochs: EpochReport[] = [];
  for (let e = 1; e <= EPOCHS; e++) {
    const learned = 1 - Math.exp(-e / 3);
    const memorized = 1 / (1 + Math.exp(-(e - 6)));
    const trainClean = 0.2 + 0.63 * learned;
    const fit = (FINAL_FIT[level] ?? 0) * memorized / (1 / (1 + Math.exp(-(EPOCHS - 6))));
    const trainF1 = (1 - p) * trainClean + p * fit + 0.01 * (jitter() - 0.5);
    const testF1 = FINAL_TEST[level]! * (1 - Math.exp(-e / 2.5)) / (1 - Math.exp(-EPOCHS / 2.5)) + (e < EPOCHS ? 0.008 * (jitter() - 0.5) : 0);
    epochs.push({
      epoch: e,
      train: split(trainF1, 4.2 - 2.6 * learned - p * memorized, jitter),
      trainClean: level === 0 ? null : split(trainClean, 3.9 - 2.5 * learned, jitter),
      trainCorrupted: level === 0 ? null : { ...split(fit, 6.1 - 3 * memorized, jitter), accuracy: round(clamp01(fit)) },
      val: split(testF1 + 0.01, 4.4 - 1.8 * learned + 1.5 * p, jitter),
      test: split(testF1, 4.5 - 1.8 * learned + 1.5 * p, jitter),
      lossGini: round(clamp01(0.12 + 0.035 * e * (1 + p) + 0.01 * jitter())),
      learningRate: round(0.005 * (1 + Math.cos((Math.PI * (e - 1)) / EPOCHS)), 6),
    });
  }
  const last = epochs[EPOCHS - 1]!;
  const detection: SignalQuality[] =
    level === 0
      ? []
      : SIGNALS.map(([signal, auroc]) => {
          const a = round(clamp01(auroc - 0.04 * p + 0.02 * (jitter() - 0.5)));
          return { signal, auroc: a, averagePrecision: round(clamp01(auroc * (0.55 + 0.4 * p))), ...(extras ? { roc: powerRoc(a) } : {}) };
        });
  const corrupted = Math.round(TRAIN_USED * p);
  const hard = Math.round(corrupted * 0.7);
  return {
    id,
    kind,
    level,
    seed,
    susceptibility: level === 0 ? { phiBefore: [5.2, 5.1, 4.9], phiAfter: [5.0, 4.8, 4.5], zeta: [null, 0.3, 0.35] } : null,
    criticalSampleRatio: level === 0 ? [{ epoch: 5, ratio: 0.4, evaluated: 256, scale: 0.5, radius: 0.05, step: 0.01, noise: 0.005 }] : [],
    corrupted: Math.round(TRAIN_USED * p),
    epochs,
    final: {
      trainF1: last.train.f1,
      testF1: last.test!.f1,
      gap: round(last.train.f1 - last.test!.f1),
      noiseFitRate: level === 0 ? null : last.trainCorrupted!.accuracy,
    },
    membership: { auroc: round(0.58 + 0.2 * p), advantage: round(0.14 + 0.3 * p) },
    detection,
    flipRates: { 'x-rename-locals': round(0.11 + 0.1 * p), 'x-dead-code': round(0.06 + 0.05 * p) },
    files: { dynamics: `runs/${id}/dynamics.bin`, ...(level > 0 ? { ledger: `runs/${id}/ledger.json` } : {}), signals: `runs/${id}/signals.csv`, ...(extras ? { cartography: `${id}/cartography.bin` } : {}) },
    ...(extras
      ? {
          cartography: {
            thresholds: { ambiguousVariability: 0.2, easyConfidence: 0.5 },
            regions: {
              easy: { clean: Math.round((TRAIN_USED - corrupted) * 0.7), corrupted: Math.round((corrupted - hard) / 2) },
              ambiguous: { clean: Math.round((TRAIN_USED - corrupted) * 0.2), corrupted: corrupted - hard - Math.round((corrupted - hard) / 2) },
              hard: { clean: TRAIN_USED - corrupted - Math.round((TRAIN_USED - corrupted) * 0.7) - Math.round((TRAIN_USED - corrupted) * 0.2), corrupted: hard },
            },
          },
        }
      : {}),
    device: 'cpu',
    timings: { trainMs: 41_000 + 1000 * level, evalMs: 3200, recordMs: 900, metricsMs: 450 },
  };
}

function makeFindings(n: number, jitter: () => number): Finding[] {
  const classes = ['src/main/java/org/acme/OrderService.java', 'src/main/java/org/acme/util/Strings.java', 'lib/acme/billing.py', 'src/main/java/org/acme/Inventory.java'];
  const names = ['processLegacy', 'doIt', 'handle2', 'computeTotalsWithDiscount', 'tmp', 'run', 'helper', 'getXYZ', 'apply', 'convert', 'check', 'build'];
  const findings: Finding[] = [];
  for (let i = 0; i < n; i++) {
    const aum = round(-2.4 + 0.15 * i + 0.05 * jitter());
    const base = {
      sampleId: `s${(1000 + 37 * i).toString(16)}`,
      root: '.',
      split: 'train' as const,
      signal: 'aum',
      score: round(-aum),
      rank: i + 1,
      details: { aum, confidence: round(0.08 + 0.02 * i), forgetting: i % 3, firstLearned: 10 - (i % 4), finalLoss: round(5.1 - 0.2 * i) },
    };
    const startLine = 10 + 23 * i;
    const range = { startLine, startColumn: 4, endLine: startLine + 6 + (i % 5), endColumn: 5 };
    if (i === 0) {
      findings.push({
        ...base,
        root: 'data/python_train.jsonl',
        file: 'python_train.jsonl',
        jsonlLine: 1742,
        repo: 'acme/tools',
        recordPath: 'tools/cli.py',
        range: { startLine: 0, startColumn: 0, endLine: 7, endColumn: 19 },
        language: 'python',
        name: 'parse_args_v2',
        message: 'parse_args_v2 ranks #1 of 4812 by aum',
      });
    } else if (i === 1) {
      findings.push({
        ...base,
        root: 'vendor/jdk-src.zip',
        file: 'jdk-src.zip',
        archiveEntry: 'java.base/java/util/ArrayList.java',
        range,
        language: 'java',
        name: 'elementData',
        message: 'elementData ranks #2 of 4812 by aum',
      });
    } else {
      // Findings 2 and 3 are an overload pair: same file, same name, different lines.
      const file = i === 2 || i === 3 ? classes[0]! : classes[i % classes.length]!;
      const name = i === 3 ? names[2]! : names[i % names.length]!;
      findings.push({ ...base, file, range, language: file.endsWith('.py') ? 'python' : 'java', name, message: `${name} ranks #${i + 1} of 4812 by aum` });
    }
  }
  return findings;
}

/** Every other finding corrupted by the 50 % and higher label-noise runs (nested levels). */
function withNoise(findings: Finding[]): Finding[] {
  return findings.map((f, i) => ({
    ...f,
    noise:
      i % 2 === 0
        ? [50, 75, 100].map((level) => ({ runId: `y-shuffle-${level}-s0`, kind: 'y-shuffle', level, seed: 0, edit: 'label shuffled among the chosen samples', label: { from: 'get|total', to: `set|value|${level}` }, diff: i !== 2 }))
        : [],
  }));
}

function makeGates(kind: 'mixed' | 'pass' | 'none', scores: AuditReport['scores']): ReportGate[] {
  if (kind === 'none') return [];
  const gate = (metric: 'G' | 'gap' | 'M', op: '>=' | '<=' | '<', value: number): ReportGate => {
    const actual = scores[metric]!;
    const passed = op === '>=' ? actual >= value : op === '<=' ? actual <= value : actual < value;
    const text = `${metric} ${op} ${value}`;
    return { gate: text, metric, op, value, actual, passed, message: `${text}: ${passed ? 'passed' : 'failed'} (${metric} = ${round(actual)})` };
  };
  return kind === 'mixed' ? [gate('G', '>=', 0.5), gate('gap', '<=', 0.15), gate('M', '<', 0.8)] : [gate('G', '>=', 0.5), gate('M', '<', 0.8)];
}

/** Builds the fixture report (same options → same report, deep-equal). */
export function makeFixtureReport(opts: FixtureOptions = {}): AuditReport {
  const jitter = rng(opts.seed ?? 7);
  const extras = opts.extras ?? false;
  const runs = [makeRun('none', 0, 0, jitter, extras), ...[25, 50, 75, 100].map((level) => makeRun('y-shuffle', level, 0, jitter, extras))];
  const clean = runs[0]!;
  const noisy = runs.slice(1);
  const meanSignals: SignalQuality[] = SIGNALS.map(([signal]) => {
    const q = noisy.map((r) => r.detection.find((s) => s.signal === signal)!);
    return { signal, auroc: round(q.reduce((a, s) => a + s.auroc, 0) / q.length), averagePrecision: round(q.reduce((a, s) => a + s.averagePrecision, 0) / q.length) };
  });
  const best = [...meanSignals].sort((a, b) => b.auroc - a.auroc)[0]!;
  // Least-squares slope of test F1 against p in [0, 1].
  const ps = runs.map((r) => r.level / 100);
  const ys = runs.map((r) => r.final.testF1!);
  const mp = ps.reduce((a, b) => a + b, 0) / ps.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const slope = ps.reduce((a, p, i) => a + (p - mp) * (ys[i]! - my), 0) / ps.reduce((a, p) => a + (p - mp) ** 2, 0);
  const scores: AuditReport['scores'] = {
    G: clean.final.testF1,
    M: round(noisy.reduce((a, r) => a + r.final.noiseFitRate!, 0) / noisy.length),
    gap: clean.final.gap,
    sensitivity: round(slope),
    mia_auc: clean.membership!.auroc,
    mia_advantage: clean.membership!.advantage,
    train_f1: clean.final.trainF1,
    test_f1: clean.final.testF1,
    detection_auroc: best.auroc,
  };
  const gates = makeGates(opts.gates ?? 'mixed', scores);
  return {
    schemaVersion: 1,
    tool: { name: 'memaudit', version: '0.1.0' },
    runId: '20240501-120000-a1b2c3',
    createdAt: '2024-05-01T12:04:31.250Z',
    config: {
      inputs: ['.', 'data/python_train.jsonl', 'vendor/jdk-src.zip'],
      model: 'bag',
      modelPreset: 'small',
      noise: [{ kind: 'y-shuffle', levels: [0, 25, 50, 75, 100] }],
      seeds: [0],
      epochs: EPOCHS,
      susceptibility: true,
      csrEvery: 5,
      batchSize: 64,
      learningRate: 0.01,
      device: 'auto',
      gates: gates.map((g) => g.gate),
      splitSeed: 1,
      maxTrainSamples: 0,
    },
    environment: {
      node: 'v20.20.2',
      platform: 'linux',
      arch: 'x64',
      cpus: 2,
      device: { requested: 'auto', used: 'cpu', notes: ['cuda: no CUDA execution provider in this onnxruntime-node build; fell back to cpu'] },
      parser: 'native',
    },
    corpus: { inputs: ['.', 'data/python_train.jsonl', 'vendor/jdk-src.zip'], filesParsed: 1288, filesSkipped: { 'too-large': 2, ignored: 41, 'excluded-dir': 7 }, samples: 7420, byLanguage: { java: 5210, python: 2210 } },
    dataset: {
      train: 5030,
      trainUsed: TRAIN_USED,
      val: 640,
      test: 652,
      labels: 1873,
      labelCoverage: { train: 1, val: 0.714, test: 0.702 },
      exactDuplicatesRemoved: 310,
      leakageRemoved: 24,
      nearDuplicatePairs: 57,
      split: 'by file, 80/10/10, seed 1',
    },
    runs,
    scores,
    detection: { best: best.signal, signals: meanSignals },
    findings: extras ? withNoise(makeFindings(opts.findings ?? 12, jitter)) : makeFindings(opts.findings ?? 12, jitter),
    gates,
    ...(extras ? { files: { noiseDiffs: 'noise-diffs.json' } } : {}),
    timings: { totalMs: 263_400, extractMs: 8200, datasetMs: 2100, trainMs: 245_000, metricsMs: 6400, reportMs: 180 },
  };
}

/**
 * A deep copy of `value` with every string prefixed by `payload`, and the keys of the objects held
 * by fields named in `recordFields` (records such as `filesSkipped`, `details`) prefixed too;
 * fields named in `keep` are left alone, as are numbers, booleans and nulls. The hostile-input
 * variant for escaping tests.
 */
export function poison<T>(value: T, payload: string, recordFields: readonly string[] = [], keep: readonly string[] = []): T {
  const rec = <U>(v: U): U => poison(v, payload, recordFields, keep);
  if (typeof value === 'string') return `${payload}${value}` as T;
  if (Array.isArray(value)) return value.map(rec) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (keep.includes(k)) out[k] = v;
      else if (recordFields.includes(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const record: Record<string, unknown> = {};
        for (const [rk, rv] of Object.entries(v)) record[`${payload}${rk}`] = rec(rv);
        out[k] = record;
      } else out[k] = rec(v);
    }
    return out as T;
  }
  return value;
}

/**
 * The fixture as a version 2 writer makes it: every score with an interval ±0.03 around it (run
 * scores, detection qualities, headline scores), and the status `scoreStatus` gives them; `test`
 * overrides the number of test methods (e.g. 12, below the minimum).
 */
export function withIntervals(report: AuditReport, test = report.dataset.test): AuditReport {
  const r = structuredClone(report);
  const ci = (x: number | null | undefined) => (x === null || x === undefined ? null : { low: round(x - 0.03), high: round(x + 0.03) });
  r.schemaVersion = 2;
  r.dataset.test = test;
  for (const run of r.runs) {
    run.intervals = { trainF1: ci(run.final.trainF1), testF1: ci(run.final.testF1), gap: ci(run.final.gap), noiseFitRate: ci(run.final.noiseFitRate), membershipAuroc: ci(run.membership?.auroc) };
    for (const q of run.detection) Object.assign(q, { aurocInterval: ci(q.auroc), averagePrecisionInterval: ci(q.averagePrecision) });
  }
  const keys = Object.keys(r.scores) as ScoreKey[];
  r.scoreIntervals = Object.fromEntries(keys.map((k) => [k, k === 'mia_advantage' ? null : ci(r.scores[k])])) as Record<ScoreKey, Interval | null>;
  r.scoreStatus = scoreStatus(r.scores, r.scoreIntervals, test);
  r.uncertainty = uncertaintySettings();
  return r;
}

/**
 * The fixture as a version 3 writer makes it (on top of `withIntervals`): the noisy runs' detection
 * candidate tables, the cross-fitted detection choice (−aum over the first 3 epochs, held-out
 * 0.812, in-sample 0.834), `detection_auroc` = the held-out AUROC, and the findings' window.
 */
export function withChoice(report: AuditReport): AuditReport {
  const r = withIntervals(report);
  r.schemaVersion = 3;
  const windows = [
    { id: 'all', kind: 'all' as const, epochs: EPOCHS },
    { id: 'first-3', kind: 'first' as const, epochs: 3 },
    { id: 'best-val', kind: 'best-val' as const, epochs: EPOCHS },
  ];
  for (const run of r.runs) {
    if (run.level === 0) continue;
    const auroc: Record<string, (number | null)[]> = {};
    for (const w of windows) for (const q of run.detection) auroc[`${q.signal}@${w.id}`] = [q.auroc, q.auroc, q.auroc];
    auroc['aum@first-3'] = [0.19, 0.18, 0.17];
    run.detectionCandidates = { folds: 2, foldSizes: { corrupted: [run.corrupted >> 1, run.corrupted - (run.corrupted >> 1)], clean: [100, 101] }, windows, auroc };
  }
  const window = windows[1]!;
  r.detection.best = 'aum';
  r.detection.choice = {
    signal: 'aum',
    orientation: -1,
    window,
    heldOutAuroc: 0.812,
    heldOutInterval: { low: 0.79, high: 0.834 },
    inSampleAuroc: 0.834,
    inSampleInterval: { low: 0.815, high: 0.852 },
    candidates: 48,
    folds: 2,
    foldChoices: [
      { signal: 'aum', orientation: -1, window: 'first-3', auroc: 0.809 },
      { signal: 'aum', orientation: -1, window: 'first-3', auroc: 0.815 },
    ],
    reason: 'chosen among 48 candidates (signal × orientation × window) on half of the corrupted samples; measured on the other half (2-fold cross-fitting over 3 calibration runs)',
  };
  r.scores.detection_auroc = 0.812;
  r.scoreIntervals!.detection_auroc = { low: 0.79, high: 0.834 };
  r.scoreStatus = scoreStatus(r.scores, r.scoreIntervals!, r.dataset.test);
  r.findings = r.findings.map((f) => ({ ...f, signal: 'aum', window }));
  return r;
}

/**
 * The fixture with the memorization score (on top of `withChoice`): 2 fold runs, the first half of
 * the findings memorized (mem 1, 0.5, …), the rest not learned (P_in 0), as the audit orders them.
 */
export function withMemorization(report: AuditReport): AuditReport {
  const r = withChoice(report);
  r.config.memFolds = 2;
  const half = Math.ceil(r.findings.length / 2);
  r.findings = r.findings.map((f, i) =>
    i < half
      ? { ...f, category: 'memorized' as const, mem: i === 0 ? 1 : 0.5, memProb: i === 0 ? 0.8 : 0.4, fittedRate: 1, heldOutRate: i === 0 ? 0 : 0.5, message: `${f.name} was fitted when trained on (right in 2 of 2 models) but not predicted when held out (0 of 1): memorization score 1.00` }
      : { ...f, category: 'not-learned' as const, mem: 0, memProb: -0.05, fittedRate: 0, heldOutRate: 0, message: `${f.name} was not learned: the models trained on it predicted its name in 0 of 2` },
  );
  r.memorization = { estimator: 'cross-fit (Feldman & Zhang 2020)', folds: 2, runs: ['memfold-1of2-s0', 'memfold-2of2-s0'], seconds: 12.5, samples: 4812, memorized: 310, notLearned: 95, meanMemTop50: 0.93 };
  return r;
}
