/**
 * Cross-check of memaudit's detection against an independent implementation of the bag model
 * (bench/crosscheck/bag.py, PyTorch): audits the corpus with one y-shuffle level (or reuses the
 * audit), exports that run's training data exactly as the engine fed it — body-token vocabulary
 * ids padded/truncated to the preset's T, the labels trained on, the clean labels, the corrupted
 * mask of the noise ledger, val/test, and memaudit's recorded train dynamics — then trains the
 * PyTorch model on it with the same hyper-parameters and prints, per signal, memaudit's AUROC
 * beside the independent one (and beside the Python signal code applied to memaudit's own
 * dynamics, which checks the signal and AUROC code apart from training).
 *
 *   npm run bench -- crosscheck <paths…> [--noise y-shuffle:25] [--epochs 30] [--max-train N]
 *                  [--lr X] [--batch-size N] [--preset quick|standard|thorough]
 *                  [--model-preset tiny|small|reference] [--out DIR] [--python PATH]
 *                  [--torch-seeds 3] [--torch-arg ARG]…
 *
 * The independent model is trained `--torch-seeds` times (initializations and batch orders 0…k−1)
 * on the same export: `independent` is the mean AUROC, `independentSd` its spread, the yardstick
 * for a difference of one memaudit run. `--torch-arg` passes one more argument to bag.py (e.g.
 * `--torch-arg=--eval-dynamics`). Prints one JSON line per signal and one summary line. Exits 2, with one line on stderr, when no
 * python3 with torch is found (`apt-get install python3-torch`). A bench, not a test.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { modelDefinition } from '../models/registry';
import { parseNoiseSpec, resolveAuditConfig, type AuditConfig } from '../server/src/audit/config';
import { runAudit } from '../server/src/audit/run-audit';
import { RUN_FILES, RunsStore } from '../server/src/audit/runs-store';
import { sourceLookup } from '../server/src/audit/source-lookup';
import type { Dataset } from '../server/src/dataset/build';
import type { SampleColumns } from '../server/src/dataset/columns';
import { datasetSource } from '../server/src/dataset/source';
import { corruptedMask, type Ledger } from '../server/src/noise/ledger';
import { loadOrBuildDataset } from '../server/src/pipeline/dataset-stage';
import { extractCorpus } from '../server/src/pipeline/extract-corpus';
import type { AuditReport, RunReport } from '../server/src/protocol/report';
import { readDynamics, type Dynamics } from '../server/src/train/dynamics';

const BAG_PY = path.resolve(__dirname, '../../bench/crosscheck/bag.py');

interface CrosscheckArgs {
  inputs: string[];
  config: AuditConfig;
  python: string | undefined;
  torchArgs: string[];
}

function parseCrosscheckArgs(argv: string[]): CrosscheckArgs {
  const { values: v, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      noise: { type: 'string', default: 'y-shuffle:25' },
      epochs: { type: 'string' },
      'max-train': { type: 'string' },
      lr: { type: 'string' },
      'batch-size': { type: 'string' },
      preset: { type: 'string', default: 'quick' },
      'model-preset': { type: 'string' },
      out: { type: 'string', default: path.join('/tmp', 'memaudit-crosscheck') },
      python: { type: 'string' },
      'torch-seeds': { type: 'string', default: '3' },
      'torch-arg': { type: 'string', multiple: true, default: [] },
    },
  });
  if (positionals.length === 0) throw new Error('needs a corpus: npm run bench -- crosscheck <paths…>');
  const noise = parseNoiseSpec(v.noise!);
  const level = noise.levels.filter((l) => l > 0);
  if (noise.kind !== 'y-shuffle' || level.length !== 1) throw new Error(`--noise must be one y-shuffle level, e.g. y-shuffle:25 (got ${v.noise})`);
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
  const inputs = positionals.map((p) => path.resolve(p));
  const config = resolveAuditConfig({
    preset: v.preset!,
    inputs,
    noise: [{ kind: 'y-shuffle', levels: level }],
    seeds: [0],
    epochs: num(v.epochs),
    maxTrainSamples: num(v['max-train']),
    learningRate: num(v.lr),
    batchSize: num(v['batch-size']),
    modelPreset: v['model-preset'],
    model: 'bag',
    device: 'cpu',
    outDir: path.resolve(v.out!),
    // The probes leave a run bit for bit as it is without them (train/trainer.ts); they only cost time here.
    susceptibility: false,
    csrEvery: 0,
  });
  const seeds = Number(v['torch-seeds']);
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`--torch-seeds must be a positive integer (got ${v['torch-seeds']})`);
  const torchArgs = ['--seeds', Array.from({ length: seeds }, (_, k) => k).join(','), ...(v['torch-arg'] as string[])];
  return { inputs, config, python: v.python, torchArgs };
}

/** A python3 that imports torch: the given one, else `python3` on the PATH, else Debian's. */
function findPython(given: string | undefined): string | undefined {
  for (const p of given ? [given] : ['python3', '/usr/bin/python3']) {
    const r = spawnSync(p, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
    if (r.status === 0) return p;
  }
  return undefined;
}

export async function runCrosscheckBench(argv: string[]): Promise<number> {
  let args: CrosscheckArgs;
  try {
    args = parseCrosscheckArgs(argv);
  } catch (e) {
    process.stderr.write(`crosscheck: ${(e as Error).message}\n`);
    return 2;
  }
  const python = findPython(args.python);
  if (!python) {
    process.stderr.write('crosscheck: no python3 with torch and numpy found (apt-get install python3-torch libopenblas0-pthread, or --python PATH)\n');
    return 2;
  }
  const { report, runDir } = await runAudit({
    config: args.config,
    cwd: process.cwd(),
    onProgress: (p) => process.stderr.write(`\r${(p.fraction * 100).toFixed(0)}% ${p.message}   `),
  });
  process.stderr.write('\n');
  const run = report.runs.find((r) => r.kind === 'y-shuffle');
  if (!run) throw new Error('the audit has no y-shuffle run');
  const exportDir = path.join(runDir, run.id, 'crosscheck');
  await exportRun(args.config, report, run, path.join(runDir, run.id), exportDir);
  const torch = runTorch(python, exportDir, args.torchArgs);
  printComparison(args.config, report, run, torch);
  return 0;
}

/** A raw little-endian array of the export, described in meta.json. */
interface ArraySpec {
  file: string;
  dtype: '<i4' | '<f4' | '<u1';
  shape: number[];
}

type Typed = Int32Array | Float32Array | Uint8Array;

/**
 * Writes the run's training data as the engine fed it, and its recorded train dynamics, to
 * `dir` (meta.json + one raw array per file). The samples come from the corpus and dataset
 * caches the audit just filled; positions, labels and indices come from the run's own dynamics
 * file and ledger, so the export is the run's data, not a recomputation of it.
 */
async function exportRun(config: AuditConfig, report: AuditReport, run: RunReport, runFolder: string, dir: string): Promise<void> {
  const store = new RunsStore(config.outDir);
  const extraction = await extractCorpus({ inputs: config.inputs, corpus: { maxFileBytes: config.maxFileBytes }, cacheDir: store.cacheDir });
  const { dataset } = await loadOrBuildDataset(extraction, { seed: config.splitSeed }, store.cacheDir);
  const source = datasetSource(extraction.columns, dataset);
  const { dynamics } = await readDynamics(path.join(runFolder, RUN_FILES.dynamics));
  const ledger = JSON.parse(fs.readFileSync(path.join(runFolder, RUN_FILES.ledger), 'utf8')) as Ledger;
  const hyper = modelDefinition('bag').presets[config.modelPreset] as { dim: number; tokens: number; nameHead: number };
  const T = hyper.tokens;
  const rows = (indices: Int32Array): Int32Array => {
    const out = new Int32Array(indices.length * T);
    indices.forEach((idx, p) => {
      const ids = source.bodyTokens(idx);
      for (let k = 0; k < Math.min(T, ids.length); k++) out[p * T + k] = ids[k]!;
    });
    return out;
  };
  const tr = dynamics.train;
  const arrays: Record<string, [Typed, number[]]> = {
    'train.tokens': [rows(tr.indices), [tr.n, T]],
    'train.labels': [tr.labels, [tr.n]],
    'train.clean': [Int32Array.from(tr.indices, (i) => dataset.labelClass[i]!), [tr.n]],
    'train.corrupted': [corruptedMask(ledger), [tr.n]],
    'test.tokens': [rows(dynamics.test.indices), [dynamics.test.n, T]],
    'test.labels': [dynamics.test.labels, [dynamics.test.n]],
    ...memauditDynamics(dynamics),
    ...(hyper.nameHead === 1 ? { 'labels.subtokens': labelSubtokenTable(source.sizes.labelSubtokens ?? []) } : {}),
    ...poolArrays(extraction.columns, dataset, tr.indices),
  };
  fs.mkdirSync(dir, { recursive: true });
  const specs: Record<string, ArraySpec> = {};
  for (const [name, [a, shape]] of Object.entries(arrays)) {
    specs[name] = { file: `${name}.bin`, dtype: a instanceof Float32Array ? '<f4' : a instanceof Uint8Array ? '<u1' : '<i4', shape };
    fs.writeFileSync(path.join(dir, specs[name].file), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  const meta = {
    format: 'memaudit-crosscheck/1',
    runId: report.runId,
    vocab: { tokens: source.sizes.tokens, labels: source.sizes.labels },
    hyper: { epochs: config.epochs, lr: config.learningRate, batchSize: config.batchSize, dim: hyper.dim, tokens: T, nameHead: hyper.nameHead },
    noise: { kind: run.kind, level: run.level / 100 },
    arrays: specs,
  };
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 1));
  fs.writeFileSync(path.join(dir, 'pool.text.json'), JSON.stringify(poolText(config, extraction.columns, dataset)));
}

/**
 * The name head's table (`models/bag.ts`): each label's subtoken token ids, the first 8, padded
 * with 0, as [labels, L] with L the longest kept.
 */
function labelSubtokenTable(subs: readonly (readonly number[])[]): [Int32Array, number[]] {
  const L = Math.max(1, Math.min(8, subs.reduce((m, s) => Math.max(m, s.length), 0)));
  const out = new Int32Array(subs.length * L);
  subs.forEach((s, c) => s.slice(0, L).forEach((id, l) => (out[c * L + l] = id)));
  return [out, [subs.length, L]];
}

/**
 * The source text of every pool sample (same order as `poolArrays`), for bag.py's `--source`
 * experiments: the lines of the sample's range (0-based lines), as the extractor read them.
 */
function poolText(config: AuditConfig, c: SampleColumns, dataset: Dataset): { text: (string | null)[] } {
  const lookup = sourceLookup(c, config.inputs, process.cwd(), config.maxFileBytes);
  const text: (string | null)[] = [];
  for (let i = 0; i < c.count; i++) {
    if (dataset.split[i] !== 0) continue;
    const s = c.sample(i);
    const lines = lookup(i)?.split('\n');
    text.push(lines ? lines.slice(s.range.startLine, s.range.endLine + 1).join('\n') : null);
  }
  return { text };
}

/**
 * Every sample of the training split before deduplication, raw, for bag.py's data experiments
 * (`--pool`): full body token lists as corpus table ids + 1 (0 = padding) and as memaudit's
 * vocabulary ids, normalized label and name-as-written string ids, the dataset status (0 kept,
 * 1 duplicate, 2 leaked) and the position in the run's training list (−1 when not in it).
 */
function poolArrays(c: SampleColumns, dataset: Dataset, runIndices: Int32Array): Record<string, [Typed, number[]]> {
  const members: number[] = [];
  for (let i = 0; i < c.count; i++) if (dataset.split[i] === 0) members.push(i);
  const offsets = new Int32Array(members.length + 1);
  members.forEach((i, k) => (offsets[k + 1] = offsets[k]! + c.body(i).length));
  const raw = new Int32Array(offsets[members.length]!);
  const vocabIds = new Int32Array(raw.length);
  const map = dataset.vocab.tokens.fromTable;
  members.forEach((i, k) => {
    const body = c.body(i);
    for (let t = 0; t < body.length; t++) {
      raw[offsets[k]! + t] = body[t]! + 1;
      vocabIds[offsets[k]! + t] = map[body[t]!] ?? dataset.vocab.tokens.unk;
    }
  });
  const at = new Map<number, number>();
  runIndices.forEach((idx, p) => at.set(idx, p));
  const m = [members.length];
  return {
    'pool.offsets': [offsets, [members.length + 1]],
    'pool.tokens': [raw, [raw.length]],
    'pool.vocabIds': [vocabIds, [raw.length]],
    'pool.label': [Int32Array.from(members, (i) => c.label[i]!), m],
    'pool.name': [Int32Array.from(members, (i) => c.name[i]!), m],
    'pool.status': [Uint8Array.from(members, (i) => dataset.status[i]!), m],
    'pool.position': [Int32Array.from(members, (i) => at.get(i) ?? -1), m],
  };
}

/** memaudit's train dynamics, [epochs, n] per field. */
function memauditDynamics(d: Dynamics): Record<string, [Typed, number[]]> {
  const tr = d.train;
  const c = tr.columns();
  const shape = [tr.rows, tr.n];
  return { 'memaudit.loss': [c.loss, shape], 'memaudit.margin': [c.margin, shape], 'memaudit.pLabel': [c.pLabel, shape], 'memaudit.top1': [c.top1, shape] };
}

interface TorchLine {
  source: string;
  signal?: string;
  auroc?: number;
  summary?: boolean;
  noiseFit?: number;
  [k: string]: unknown;
}

function runTorch(python: string, exportDir: string, extra: string[]): TorchLine[] {
  process.stderr.write(`crosscheck: ${python} ${BAG_PY} ${exportDir} ${extra.join(' ')}\n`);
  const r = spawnSync(python, [BAG_PY, exportDir, ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`bag.py exited with ${r.status ?? r.signal}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l.replace(/\bNaN\b/g, 'null')) as TorchLine);
}

/** One JSON line per signal (memaudit, its dynamics through the Python code, PyTorch), then a summary. */
function printComparison(config: AuditConfig, report: AuditReport, run: RunReport, torch: TorchLine[]): void {
  const line = (source: string, signal: string) => torch.find((l) => l.source === source && l.signal === signal);
  const find = (source: string, signal: string) => line(source, signal)?.auroc ?? null;
  const round = (x: number | null | undefined) => (x === null || x === undefined ? null : +x.toFixed(4));
  for (const q of run.detection) {
    const independent = find('torch', q.signal);
    console.log(
      JSON.stringify({
        bench: 'crosscheck',
        signal: q.signal,
        memaudit: round(q.auroc),
        memauditDynamicsPython: round(find('memaudit-dynamics', q.signal)),
        independent: round(independent),
        independentSd: round(line('torch', q.signal)?.sd as number | undefined),
        diff: independent === null ? null : round(q.auroc - independent),
      }),
    );
  }
  const summary = torch.find((l) => l.source === 'torch' && l.summary);
  console.log(
    JSON.stringify({
      bench: 'crosscheck',
      summary: true,
      corpus: config.inputs.join(','),
      run: run.id,
      corrupted: run.corrupted,
      trainSamples: report.dataset.trainUsed,
      labels: report.dataset.labels,
      settings: { modelPreset: config.modelPreset, epochs: config.epochs, lr: config.learningRate, batchSize: config.batchSize, maxTrain: config.maxTrainSamples },
      noiseFit: { memaudit: round(run.final.noiseFitRate), independent: round(summary?.noiseFit) },
      testF1: round(run.final.testF1),
      independentTestAcc: round(summary?.testAcc as number | undefined),
      independentSeconds: summary?.seconds ?? null,
      auditDir: report.runId,
    }),
  );
}
