/**
 * The built-in models and how the trainer creates one:
 *
 *   const model = await createModel('code2vec', {
 *     source: datasetSource(columns, dataset),   // or sizes: { tokens, paths, labels }
 *     preset: 'reference', hyper: { dropout: 0.1 },
 *     optimizer: { kind: 'adam' }, batchSize: 256, stepsPerRun: 8,
 *     device: 'auto', seed: 1,
 *   });
 */
import { EngineError, ERROR_CODES } from '../server/src/errors';
import type { VocabSizes } from '../server/src/dataset/source';
import type { Architecture } from '../server/src/train/architecture';
import { CompileModelOptions, CompiledModel, compileModel } from '../server/src/train/model';
import { bag } from './bag';
import { code2vec } from './code2vec';
import type { ModelDefinition } from './common';
import { MODEL_NAMES, type ModelName } from './names';
import { transformer } from './transformer';

export { MODEL_NAMES, type ModelName } from './names';

/** The built-in models by name: one per name of `MODEL_NAMES`. */
export const MODELS = Object.freeze({ bag, code2vec, transformer } satisfies Record<ModelName, unknown>);

/** Options of {@link createModel}: the architecture's sizes and hyper-parameters, plus compile options. */
export interface CreateModelOptions extends CompileModelOptions {
  /** Vocabulary sizes; default `source.sizes` (one of the two is required). */
  readonly sizes?: VocabSizes;
  /** Preset name (default the model's `defaultPreset`, 'reference'). */
  readonly preset?: string;
  /** Overrides of the preset's hyper-parameters. */
  readonly hyper?: Readonly<Record<string, number>>;
}

/** Looks up a model definition; E_CONFIG lists the valid names. */
export function modelDefinition(name: string): ModelDefinition<object> {
  const def = (MODELS as Record<string, ModelDefinition<object>>)[name];
  if (!def) throw new EngineError(ERROR_CODES.CONFIG, `unknown model '${name}': valid models are ${MODEL_NAMES.join(', ')}`, { field: 'model' });
  return def;
}

/** Builds a model's architecture without compiling it (gradient checks, FLOP counts). */
export function buildArchitecture(name: string, sizes: VocabSizes, preset?: string, hyper: Readonly<Record<string, number>> = {}): Architecture {
  const def = modelDefinition(name);
  const p = preset ?? def.defaultPreset;
  const base = def.presets[p];
  if (!base) throw new EngineError(ERROR_CODES.CONFIG, `model ${name} has no preset '${p}': valid presets are ${Object.keys(def.presets).join(', ')}`, { field: 'preset' });
  const valid = [...Object.keys(base), ...Object.keys(def.optionalHyper ?? {})];
  for (const k of Object.keys(hyper)) {
    if (!valid.includes(k)) throw new EngineError(ERROR_CODES.CONFIG, `model ${name} has no hyper-parameter '${k}': valid ones are ${valid.join(', ')}`, { field: `model.${k}` });
  }
  return def.build(sizes, { ...base, ...hyper });
}

/** The hyper-parameters a model accepts: its presets' and its optional ones (`optionalHyper`). */
export function hyperNames(def: ModelDefinition<object>): string[] {
  const fromPresets = Object.values(def.presets).flatMap((h) => Object.keys(h));
  return [...new Set([...fromPresets, ...Object.keys(def.optionalHyper ?? {})])];
}

/** Creates a built-in model compiled for training (see the module comment for an example). */
export async function createModel(name: string, options: CreateModelOptions = {}): Promise<CompiledModel> {
  const sizes = options.sizes ?? options.source?.sizes;
  if (!sizes) throw new EngineError(ERROR_CODES.CONFIG, `createModel(${name}): pass 'sizes' or a 'source' to size the vocabularies`, { field: 'sizes' });
  return compileModel(buildArchitecture(name, sizes, options.preset, options.hyper), options);
}
