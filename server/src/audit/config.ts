/**
 * The audit's configuration: one schema shared by the CLI flags, a config file
 * (`memaudit.config.json`, `.yaml` or `.yml`) and the VS Code settings. Sources are merged
 * field by field (flags over file over preset over defaults) and validated once; every error
 * names the bad field and says what is allowed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MODEL_NAMES, MODEL_PRESETS, type ModelName } from '../../../models/names';
import { EngineError, ERROR_CODES } from '../errors';
import { CONFIG_FILE_NAMES, DEFAULT_OUT_DIR, type AuditConfigInput } from '../protocol';
import { isLanguageId, type LanguageId } from '../parse/sample';
import { NOISE_KINDS, type NoiseKind } from '../noise/kinds';
import { parseGate, type Gate } from './gates';
import { MAX_FILE_BYTES_LIMIT } from '../corpus/options';
import { labelSettingText, topLabelsOf, type LabelSetting } from '../dataset/labels';

/** Noise kinds (PRODUCT.md; applied to the training split only), as the noise module defines them. */
export { NOISE_KINDS };
export type NoiseKindName = NoiseKind;

export const DEVICE_CHOICES = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;
export const PRESET_NAMES = ['quick', 'standard', 'thorough'] as const;
export type AuditPreset = (typeof PRESET_NAMES)[number];

/** One line of the noise plan: a kind at several levels (percent of the training split). */
export interface NoisePlanItem {
  kind: NoiseKindName;
  levels: number[];
}

/** The resolved configuration of an audit. */
export interface AuditConfig {
  /** Folders, files, JSONL files, zip archives. */
  inputs: string[];
  /** Parse every input as this language. */
  language?: LanguageId;
  /** The model; with several (`models`), the first. */
  model: ModelName;
  /** Model preset (tiny / small / reference); with several models, the first one's. */
  modelPreset: string;
  /**
   * Several models audited side by side (audit/models.ts), in order, each with its preset
   * (`modelPresets`, same order). Absent with one model, so that single-model configs, audit keys
   * and reports stay as they were.
   */
  models?: ModelName[];
  modelPresets?: string[];
  noise: NoisePlanItem[];
  seeds: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  device: (typeof DEVICE_CHOICES)[number];
  gates: Gate[];
  /** Seed of the train/val/test split. */
  splitSeed: number;
  /** Files larger than this are skipped (bytes). */
  maxFileBytes: number;
  /** Where runs and the cache go (relative paths are relative to the working folder). */
  outDir: string;
  /** Training samples at most (a deterministic subset keeps an audit of a huge corpus affordable); 0 = all. */
  maxTrainSamples: number;
  /** Measure the susceptibility ζ at every epoch start (one step on a random-label batch, undone). */
  susceptibility: boolean;
  /** Measure the critical sample ratio every this many epochs (and at the last); 0 = never. */
  csrEvery: number;
  /**
   * Folds of the cross-fitted memorization score (docs/metrics.md § "Memorization score
   * (cross-fitted)"): K extra runs, each trained on all but one fold; 0 = off (findings ranked
   * by the detection score alone).
   */
  memFolds: number;
  /**
   * The task (`dataset/labels.ts`): `full` method naming, or `top:K`, methods whose name is among
   * the K most frequent names of the training split (Rabin et al.'s "Top-10" datasets with K = 10).
   */
  labels: LabelSetting;
  /**
   * Attack every run's model (docs/metrics.md § "Adversarial robustness"): FGSM and PGD in
   * embedding space and the greedy rename of locals, on fixed subsets of the train and test splits.
   */
  adversarial: boolean;
  /**
   * The optimizer's weight decay (Adam's L2 term, train/optim.ts). Absent = 0, what the trainer
   * used before the setting existed, so that audits without it keep their keys.
   */
  weightDecay?: number;
  /** Overrides of the model preset's hyper-parameters (`dropout`: only models that have it). */
  hyper?: { dropout?: number };
  /**
   * The mitigation explorer (audit/sweep.ts): one audit per setting of the Cartesian product of
   * these axes, in order (the first axis varies slowest); the first setting is the baseline.
   */
  sweep?: SweepAxis[];
  /**
   * Distillation weight w in (0, 1] (docs/metrics.md § "Mitigation explorer", "Distillation"):
   * every noisy run trains against (1 − w)·its labels + w·the soft labels of its seed's clean
   * run. Absent = off (0 is read as absent, so audits without it keep their keys).
   */
  distill?: number;
  /**
   * Mixup on the code vectors (train/mixup.ts): α of λ ~ Beta(α, α). Absent = off (0 is stored
   * as absent, so that audits without it keep their keys).
   */
  mixup?: number;
  /**
   * Early stopping on the validation split (docs/metrics.md § "Mitigation explorer"): a run stops
   * after this many evaluations in a row without a better validation F1; its numbers are
   * those of the model at the stopping epoch. Absent = off (0 is written as absent).
   */
  earlyStopping?: number;
}

/** The settings a sweep may vary. */
export const SWEEP_NAMES = ['weightDecay', 'dropout', 'distill', 'mixup', 'earlyStopping'] as const;
export type SweepName = (typeof SWEEP_NAMES)[number];

/**
 * The mitigation explorer's fields of a configuration, in report order. Each is absent when it
 * changes nothing, so that audits without it keep their keys.
 */
export const MITIGATION_FIELDS = ['weightDecay', 'hyper', 'sweep', 'distill', 'mixup', 'earlyStopping'] as const;
type MitigationField = (typeof MITIGATION_FIELDS)[number];

/** The mitigation settings that are one number, 0 = off (and then absent). */
export const NUMBER_MITIGATIONS = ['weightDecay', 'distill', 'mixup', 'earlyStopping'] as const satisfies readonly (SweepName & MitigationField)[];

/** The mitigation fields `c` has (the report's config, the checkpoint fingerprint). */
export function mitigationsOf(c: AuditConfig): Pick<AuditConfig, MitigationField> {
  return Object.fromEntries(MITIGATION_FIELDS.filter((f) => c[f] !== undefined).map((f) => [f, c[f]]));
}

/** One axis of a sweep: a setting and its values, in the order given. */
export interface SweepAxis {
  name: SweepName;
  values: number[];
}

const LABEL_LEVELS = [0, 25, 50, 75, 100];

/**
 * Presets: the grid and training length. `quick` is the default of `memaudit audit` with no
 * arguments: label shuffling at five levels with the fast bag model, sized to finish on a laptop
 * CPU for a mid-size repository. Its model and optimizer were chosen on real code (the Python and
 * Ruby standard libraries, the JDK's java.util + java.io; README § "On real code"): bag with the
 * name head (`names`: a label's output vector includes its subtokens' embeddings), batch 128,
 * learning rate 0.02, 10 epochs — the held-out detection AUROC peaks within the first 2–5 epochs
 * there, and later epochs add memorization for M, not detection.
 */
export const AUDIT_PRESETS: Record<AuditPreset, Partial<AuditConfig>> = {
  quick: {
    model: 'bag',
    modelPreset: 'names',
    noise: [{ kind: 'y-shuffle', levels: LABEL_LEVELS }],
    seeds: [0],
    epochs: 10,
    batchSize: 128,
    learningRate: 0.02,
    maxTrainSamples: 20_000,
    memFolds: 2,
  },
  standard: {
    model: 'bag',
    modelPreset: 'reference',
    batchSize: 64,
    learningRate: 0.01,
    noise: [
      { kind: 'y-shuffle', levels: LABEL_LEVELS },
      { kind: 'x-leak-name', levels: [25] },
      { kind: 'x-rename-locals', levels: [100] },
    ],
    seeds: [0],
    epochs: 25,
    maxTrainSamples: 100_000,
    memFolds: 2,
  },
  thorough: {
    model: 'code2vec',
    modelPreset: 'reference',
    noise: [
      { kind: 'y-shuffle', levels: LABEL_LEVELS },
      { kind: 'y-random', levels: [25, 50] },
      { kind: 'x-delete-statement', levels: [25] },
      { kind: 'x-leak-name', levels: [25] },
      { kind: 'x-mask-tokens', levels: [25] },
      { kind: 'x-rename-locals', levels: [100] },
      { kind: 'x-dead-code', levels: [100] },
    ],
    seeds: [0, 1, 2],
    epochs: 40,
    batchSize: 64,
    learningRate: 0.01,
    maxTrainSamples: 0,
    memFolds: 2,
  },
};

export const DEFAULT_AUDIT_CONFIG: AuditConfig = {
  inputs: ['.'],
  model: 'bag',
  modelPreset: 'names',
  noise: [{ kind: 'y-shuffle', levels: LABEL_LEVELS }],
  seeds: [0],
  epochs: 10,
  batchSize: 128,
  learningRate: 0.02,
  device: 'auto',
  gates: [],
  splitSeed: 0,
  maxFileBytes: 1024 * 1024,
  outDir: DEFAULT_OUT_DIR,
  maxTrainSamples: 20_000,
  susceptibility: true,
  csrEvery: 10,
  memFolds: 2,
  labels: 'full',
  adversarial: true,
};

/** The largest `epochs` accepted. */
export const MAX_EPOCHS = 10_000;
/** The largest `batchSize` accepted (a batch is one tensor of this many samples). */
export const MAX_BATCH_SIZE = 65_536;

/** Every setting a config file or the client may give. */
export function knownSettings(): Set<string> {
  return new Set<string>([...Object.keys(DEFAULT_AUDIT_CONFIG), 'language', 'preset', ...MITIGATION_FIELDS]);
}

function fail(field: string, message: string): never {
  throw new EngineError(ERROR_CODES.CONFIG, `${field}: ${message}`, { field });
}

function int(field: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(field, `must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''} (got ${JSON.stringify(v)})`);
  }
  return v;
}

/** The largest `memFolds` accepted. */
export const MAX_MEM_FOLDS = 20;

/** `memFolds`: 0 (off) or K from 2 (each sample is held out by one of K runs trained on the other folds). */
function memFoldsOf(v: unknown): number {
  const k = int('memFolds', v, 0, MAX_MEM_FOLDS);
  if (k === 1) fail('memFolds', 'must be 0 (off) or at least 2: with one fold no run holds a sample out (got 1)');
  return k;
}

function num(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= min || v > max) fail(field, `must be a number in (${min}, ${max}] (got ${JSON.stringify(v)})`);
  return v;
}

function choice<T extends string>(field: string, v: unknown, choices: readonly T[]): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) fail(field, `must be one of ${choices.join(', ')} (got ${JSON.stringify(v)})`);
  return v as T;
}

/**
 * The model preset: as set, or the preset's (default's) when the model has it, else `small`
 * (e.g. `--model code2vec` with the quick preset, whose `names` is bag's alone).
 */
function modelPresetOf(model: ModelName, set: unknown, picked: unknown): unknown {
  if (set !== undefined) return set;
  return typeof picked === 'string' && MODEL_PRESETS[model].includes(picked) ? picked : 'small';
}

/**
 * `model`: one name, a comma-separated list (`bag,code2vec`) or a list of names; each a known
 * model, none twice.
 */
export function modelList(v: unknown): ModelName[] {
  const items = typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v;
  if (!Array.isArray(items) || items.length === 0) fail('model', `must be one of ${MODEL_NAMES.join(', ')}, or a list of them such as 'bag,code2vec' (got ${JSON.stringify(v)})`);
  const models = items.map((m) => choice('model', m, MODEL_NAMES));
  const twice = models.find((m, i) => models.indexOf(m) !== i);
  if (twice !== undefined) fail('model', `names ${twice} twice; list each model once (got ${JSON.stringify(v)})`);
  return models;
}

/** Parses `kind:l1,l2,…` (levels in percent), the CLI's --noise syntax. */
export function parseNoiseSpec(spec: string, field = 'noise'): NoisePlanItem {
  const m = /^\s*([a-z-]+)\s*(?::(.*))?$/.exec(spec);
  if (!m) fail(field, `cannot read '${spec}': write KIND:LEVELS, e.g. 'y-shuffle:0,25,50,75,100' (levels in percent)`);
  const kind = choice(field, m[1], NOISE_KINDS);
  if (m[2] === undefined) return { kind, levels: validLevels(`${field} (${kind})`, LABEL_LEVELS) };
  // Each level in decimal digits: an empty one ('y-shuffle:,' or 'y-shuffle:') is an error, not 0.
  const parts = m[2].split(',').map((s) => s.trim());
  const bad = parts.find((s) => !/^(?:\d+(?:\.\d+)?|\.\d+)$/.test(s));
  if (bad !== undefined) {
    fail(field, `cannot read '${spec}': ${bad === '' ? 'an empty level' : `level '${bad}'`}; levels are percentages from 0 to 100 in decimal, separated by commas, e.g. '${kind}:0,25,50'`);
  }
  return { kind, levels: validLevels(`${field} (${kind})`, parts.map(Number)) };
}

function validLevels(field: string, levels: unknown): number[] {
  if (!Array.isArray(levels) || levels.length === 0) fail(field, 'levels must be a non-empty list of percentages, e.g. [0, 25, 50, 75, 100]');
  const out = levels.map((l) => {
    if (typeof l !== 'number' || !Number.isFinite(l) || l < 0 || l > 100) fail(field, `levels are percentages from 0 to 100 (got ${JSON.stringify(l)})`);
    return l;
  });
  return [...new Set(out)].sort((a, b) => a - b);
}

/**
 * Resolves a configuration from layers, lowest priority first (e.g. file, then flags). The
 * `preset` of the highest layer that names one fills the fields no layer sets.
 */
export function resolveAuditConfig(...layers: AuditConfigInput[]): AuditConfig {
  let presetName: string | undefined;
  for (const l of layers) if (l.preset !== undefined) presetName = l.preset;
  const preset = presetName === undefined ? {} : AUDIT_PRESETS[choice('preset', presetName, PRESET_NAMES)];
  const merged: AuditConfigInput & Record<string, unknown> = {};
  for (const l of layers) for (const [k, v] of Object.entries(l)) if (v !== undefined) merged[k] = v;
  const known = knownSettings();
  for (const k of Object.keys(merged)) {
    if (!known.has(k)) fail(k, `unknown setting; valid settings are ${[...known].sort().join(', ')}`);
  }
  const pick = <K extends keyof AuditConfig>(k: K): unknown => (merged as Record<string, unknown>)[k] ?? preset[k] ?? DEFAULT_AUDIT_CONFIG[k];

  const inputs = pick('inputs');
  if (!Array.isArray(inputs) || inputs.length === 0 || inputs.some((i) => typeof i !== 'string' || i === '')) {
    fail('inputs', 'must be a non-empty list of paths');
  }
  let language: LanguageId | undefined;
  if (merged.language !== undefined) {
    if (typeof merged.language !== 'string' || !isLanguageId(merged.language)) fail('language', `must be one of java, python, ruby (got ${JSON.stringify(merged.language)})`);
    language = merged.language;
  }
  const rawNoise = pick('noise') as unknown;
  if (!Array.isArray(rawNoise) || rawNoise.length === 0) fail('noise', 'must be a non-empty list of {kind, levels} items (or KIND:LEVELS strings)');
  const noise = (rawNoise as unknown[]).map((item, i) => {
    if (typeof item === 'string') return parseNoiseSpec(item, `noise[${i}]`);
    if (typeof item !== 'object' || item === null) fail(`noise[${i}]`, 'must be {kind, levels} or a KIND:LEVELS string');
    const o = item as { kind?: unknown; levels?: unknown };
    const kind = choice(`noise[${i}].kind`, o.kind, NOISE_KINDS);
    return { kind, levels: validLevels(`noise[${i}].levels`, o.levels) };
  });
  const seeds = pick('seeds');
  if (!Array.isArray(seeds) || seeds.length === 0) fail('seeds', 'must be a non-empty list of integers');
  const gates = pick('gates');
  if (!Array.isArray(gates)) fail('gates', "must be a list of conditions such as 'gap<=0.3'");

  const models = modelList(pick('model'));
  const presets = models.map((m) => choice('modelPreset', modelPresetOf(m, merged.modelPreset, pick('modelPreset')), MODEL_PRESETS[m]));
  return {
    inputs: inputs as string[],
    ...(language ? { language } : {}),
    model: models[0]!,
    modelPreset: presets[0]!,
    ...(models.length > 1 ? { models, modelPresets: presets } : {}),
    noise,
    seeds: [...new Set((seeds as unknown[]).map((s, i) => int(`seeds[${i}]`, s, 0, 2 ** 31 - 1)))],
    epochs: int('epochs', pick('epochs'), 1, MAX_EPOCHS),
    batchSize: int('batchSize', pick('batchSize'), 1, MAX_BATCH_SIZE),
    learningRate: num('learningRate', pick('learningRate'), 0, 10),
    device: choice('device', pick('device'), DEVICE_CHOICES),
    gates: (gates as unknown[]).map((g, i) => (typeof g === 'string' ? parseGate(g, `gates[${i}]`) : fail(`gates[${i}]`, "must be a string such as 'gap<=0.3'"))),
    splitSeed: int('splitSeed', pick('splitSeed'), 0, 2 ** 31 - 1),
    maxFileBytes: int('maxFileBytes', pick('maxFileBytes'), 1, MAX_FILE_BYTES_LIMIT),
    outDir: (() => {
      const o = pick('outDir');
      if (typeof o !== 'string' || o === '') fail('outDir', 'must be a folder path');
      return o;
    })(),
    maxTrainSamples: int('maxTrainSamples', pick('maxTrainSamples'), 0),
    susceptibility: (() => {
      const v = pick('susceptibility');
      if (typeof v !== 'boolean') fail('susceptibility', `must be true or false (got ${JSON.stringify(v)})`);
      return v;
    })(),
    csrEvery: int('csrEvery', pick('csrEvery'), 0, 10_000),
    memFolds: memFoldsOf(pick('memFolds')),
    labels: labelSettingText(topLabelsOf(pick('labels'))),
    adversarial: (() => {
      const v = pick('adversarial');
      if (typeof v !== 'boolean') fail('adversarial', `must be true or false (got ${JSON.stringify(v)})`);
      return v;
    })(),
    ...mitigationSettings(merged, models),
  };
}

/** The mitigation fields (MITIGATION_FIELDS), each only when it changes something (keys stay as they were). */
function mitigationSettings(merged: Record<string, unknown>, models: readonly ModelName[]): Pick<AuditConfig, MitigationField> {
  const out: Pick<AuditConfig, MitigationField> = {};
  for (const n of NUMBER_MITIGATIONS) {
    const v = merged[n] === undefined ? 0 : sweepValue(n, n, merged[n]);
    if (v > 0) out[n] = v;
  }
  const hyper = hyperOf(merged.hyper, models);
  if (hyper) out.hyper = hyper;
  const sweep = merged.sweep === undefined ? undefined : sweepAxes(merged.sweep, 'sweep');
  if (sweep) {
    if (models.length > 1) fail('sweep', `a sweep audits one model; several models (${models.join(', ')}) with a sweep are not supported yet`);
    if (sweep.some((a) => a.name === 'dropout')) requireDropout('sweep', models);
    out.sweep = sweep;
  }
  return out;
}

/**
 * The models with a `dropout` hyper-parameter (a unit test checks this against the registry; the
 * registry itself is not imported here, since the extension reads this module and must not load
 * the trainer).
 */
export const DROPOUT_MODELS: readonly ModelName[] = ['bag', 'code2vec', 'transformer'];

/**
 * The models whose presets have no dropout (it is an optional hyper-parameter, 0 = none): for
 * them `dropout 0` is the model as it is, and is written as absent, so that the baseline of a
 * dropout sweep is the plain audit (same key, reused). A unit test checks this against the registry.
 */
export const DROPOUT_OFF_MODELS: readonly ModelName[] = ['bag', 'transformer'];

/** Whether `dropout` leaves every one of `models` as it is (see DROPOUT_OFF_MODELS). */
export function dropoutIsOff(dropout: number, models: readonly ModelName[]): boolean {
  return dropout === 0 && models.every((m) => DROPOUT_OFF_MODELS.includes(m));
}

function requireDropout(field: string, models: readonly ModelName[]): void {
  const have = DROPOUT_MODELS;
  const lacking = models.filter((m) => !have.includes(m));
  if (lacking.length > 0) fail(field, `dropout is a hyper-parameter of ${have.join(', ')} only; ${lacking.join(', ')} has none (choose --model ${have[0]})`);
}

function hyperOf(v: unknown, models: readonly ModelName[]): AuditConfig['hyper'] {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('hyper', `must be an object such as { "dropout": 0.5 } (got ${JSON.stringify(v)})`);
  const o = v as Record<string, unknown>;
  const other = Object.keys(o).find((k) => k !== 'dropout');
  if (other !== undefined) fail(`hyper.${other}`, 'unknown hyper-parameter; the one accepted is dropout');
  if (o.dropout === undefined) return undefined;
  requireDropout('hyper.dropout', models);
  const dropout = sweepValue('dropout', 'hyper.dropout', o.dropout);
  return dropoutIsOff(dropout, models) ? undefined : { dropout };
}

/** The largest mixup α accepted (Beta(α, α) is already concentrated near ½ long before). */
export const MAX_MIXUP_ALPHA = 100;

/** Each setting's accepted values (0 is off for distill, mixup and earlyStopping), and what to write instead. */
const SWEEP_RANGES: Record<SweepName, { ok: (v: number) => boolean; expected: string }> = {
  weightDecay: { ok: (v) => v >= 0 && v <= 1, expected: 'weightDecay must be a number from 0 to 1' },
  dropout: { ok: (v) => v >= 0 && v < 1, expected: 'dropout must be a number from 0 to below 1' },
  distill: { ok: (v) => v >= 0 && v <= 1, expected: 'distill must be a weight from 0 (off) to 1' },
  mixup: { ok: (v) => v >= 0 && v <= MAX_MIXUP_ALPHA, expected: `mixup must be a number from 0 (off) to ${MAX_MIXUP_ALPHA}, the α of Beta(α, α)` },
  earlyStopping: {
    ok: (v) => Number.isInteger(v) && v >= 0 && v <= MAX_EPOCHS,
    expected: `earlyStopping must be an integer from 0 (off) to ${MAX_EPOCHS}: the evaluations without a better validation F1 before a run stops`,
  },
};

/** One value of a sweep axis, checked against SWEEP_RANGES. */
function sweepValue(name: SweepName, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !SWEEP_RANGES[name].ok(v)) fail(field, `${SWEEP_RANGES[name].expected} (got ${JSON.stringify(v)})`);
  return v;
}

/** `sweep`: `{ dropout: [0, 0.25], weightDecay: [0, 1e-4] }`, axes in the order written. */
export function sweepAxes(v: unknown, field: string): SweepAxis[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length === 0) {
    fail(field, `must be an object of lists such as { "dropout": [0, 0.25], "weightDecay": [0, 0.0001] } (got ${JSON.stringify(v)})`);
  }
  return Object.entries(v).map(([name, values]) => {
    const n = choice(`${field}.${name}`, name, SWEEP_NAMES);
    if (!Array.isArray(values) || values.length === 0) fail(`${field}.${name}`, `must be a non-empty list of values (got ${JSON.stringify(values)})`);
    return { name: n, values: [...new Set(values.map((x) => sweepValue(n, `${field}.${name}`, x)))] };
  });
}

/**
 * `--sweep NAME=V1,V2,…` (repeatable) as the config file's `sweep` object; errors name the flag.
 * The same name twice is an error (its values belong in one flag).
 */
export function parseSweepFlags(specs: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const spec of specs) {
    const m = /^\s*([A-Za-z]+)\s*=(.*)$/.exec(spec);
    if (!m) fail('--sweep', `cannot read '${spec}': write NAME=V1,V2,…, e.g. 'weightDecay=0,0.0001' (names: ${SWEEP_NAMES.join(', ')})`);
    const name = choice('--sweep', m[1], SWEEP_NAMES);
    if (name in out) fail('--sweep', `names ${name} twice; give its values in one flag, e.g. '${name}=0,0.25'`);
    const parts = m[2]!.split(',').map((x) => x.trim());
    const bad = parts.find((x) => x === '' || !Number.isFinite(Number(x)));
    if (bad !== undefined) fail('--sweep', `cannot read '${spec}': ${bad === '' ? 'an empty value' : `value '${bad}'`}; values are numbers separated by commas`);
    out[name] = parts.map(Number);
  }
  sweepAxes(out, '--sweep');
  return out;
}


/** Reads a config file (JSON, or YAML by extension); errors name the file and the problem. */
export function readConfigFile(file: string, opts: { checkKeys?: boolean } = {}): AuditConfigInput {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new EngineError(ERROR_CODES.INPUT_NOT_FOUND, `cannot read the config file ${file}: ${(e as Error).message}`, { file });
  }
  let value: unknown;
  try {
    value = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new EngineError(ERROR_CODES.CONFIG, `${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(e as Error).message}`, { file });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EngineError(ERROR_CODES.CONFIG, `${file} must hold an object of settings, e.g. { "model": "bag", "epochs": 20 }`, { file });
  }
  // An unknown key is named with the file it is in (resolveAuditConfig no longer knows the layer).
  const known = knownSettings();
  const unknown = opts.checkKeys === false ? [] : Object.keys(value).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new EngineError(
      ERROR_CODES.CONFIG,
      `${file}: ${unknown.map((k) => `'${k}'`).join(', ')} ${unknown.length === 1 ? 'is not a setting' : 'are not settings'}; valid settings are ${[...known].sort().join(', ')}`,
      { file, field: unknown[0] },
    );
  }
  return value as AuditConfigInput;
}

/** Finds the default config file in a folder, if any. */
export function findConfigFile(dir: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/** Number of training runs of a configuration (the grid kind × level × seed, per model and sweep setting). */
export function planSize(c: AuditConfig): number {
  const settings = (c.sweep ?? []).reduce((acc, a) => acc * a.values.length, 1);
  return (c.noise.reduce((acc, n) => acc + n.levels.length, 0) * c.seeds.length + c.memFolds) * (c.models?.length ?? 1) * settings;
}
