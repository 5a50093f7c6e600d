/**
 * VS Code settings → the engine's `AuditConfigInput`. The settings under `memaudit.` that
 * configure an audit have exactly the field names of the CLI's config file (`memaudit.epochs` is
 * `epochs`), so one schema serves the CLI, the config file and the editor.
 *
 * Only settings the user set (in user, workspace or folder settings) are passed: a setting left at
 * its default must not override the folder's memaudit.config.json nor the chosen preset. The
 * engine validates the result (a bad value comes back as E_CONFIG naming the field). Pure: the
 * caller supplies the reader.
 */
import type { AuditConfigInput } from '../../server/src/protocol';

/** The configuration section of every setting. */
export const SECTION = 'memaudit';

/** Settings that are fields of the engine's config, named as in the CLI's config file. */
export const CONFIG_FIELDS = [
  'inputs',
  'language',
  'model',
  'modelPreset',
  'preset',
  'noise',
  'seeds',
  'epochs',
  'batchSize',
  'learningRate',
  'device',
  'gates',
  'splitSeed',
  'maxFileBytes',
  'outDir',
  'maxTrainSamples',
  'susceptibility',
  'csrEvery',
  'memFolds',
  'labels',
  'adversarial',
] as const satisfies readonly (keyof AuditConfigInput)[];

/** Engine config fields the settings leave to the config file and CLI: the mitigation explorer's. */
const FILE_ONLY_FIELDS = ['weightDecay', 'hyper', 'sweep', 'distill', 'mixup', 'earlyStopping'] as const satisfies readonly (keyof AuditConfigInput)[];

/** Fails to compile when the engine's config gains a field the settings do not mirror. */
type AssertNever<T extends never> = T;
export type UnmirroredConfigFields = AssertNever<Exclude<keyof AuditConfigInput, (typeof CONFIG_FIELDS)[number] | (typeof FILE_ONLY_FIELDS)[number]>>;

/** Settings of the extension itself (not engine config). */
export const EXTENSION_SETTINGS = {
  nodePath: 'nodePath',
  useConfigFile: 'useConfigFile',
  findingsEnabled: 'findings.enabled',
  findingsCategories: 'findings.categories',
} as const;

/**
 * Reads the value the user set for `memaudit.<key>` (the most specific of folder, workspace and
 * user settings), or undefined when it is not set anywhere.
 */
export type SettingReader = (key: string) => unknown;

/** What the "Audit memorization" command chose, over the settings. */
export interface AuditChoices {
  preset?: string;
  /** Inputs of the chosen scope (a folder, a JSONL file), relative to the audit's folder or absolute. */
  inputs?: string[];
  /** The task picked in the preset picker (`full`, `top:K`), over the `memaudit.labels` setting. */
  labels?: string;
  /** The models picked in the preset picker, over `memaudit.models` and `memaudit.model`; empty: not chosen. */
  models?: string[];
}

/** `memaudit.models`: several models audited side by side, over `memaudit.model` (config field `model`). */
export const MODELS_SETTING = 'models';

/** The non-empty names of a list setting, trimmed, or undefined when there are none. */
function nameList(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const names = v.filter((x): x is string => typeof x === 'string').map((x) => x.trim()).filter((x) => x !== '');
  return names.length > 0 ? names : undefined;
}

/** The names of `memaudit.models`, or undefined when it is unset or empty (then `memaudit.model` decides). */
export function modelsSetting(read: SettingReader): string[] | undefined {
  return nameList(read(MODELS_SETTING));
}

/**
 * The models the settings choose (`memaudit.models`, else `memaudit.model`: a name, `bag,code2vec`
 * or a list), or undefined when neither is set (the config file's or the preset's decide).
 */
export function configuredModels(read: SettingReader): string[] | undefined {
  const one = read('model');
  return modelsSetting(read) ?? nameList(typeof one === 'string' ? one.split(',') : one);
}

/**
 * Config field `model` from a list of names: one name stays a string (the single-model audit, the
 * same audit key as `memaudit.model`), several are a list (audit/models.ts runs each, then side by side).
 */
export function modelField(names: readonly string[]): string | string[] {
  return names.length === 1 ? names[0]! : [...names];
}

/** The audit's config layer from the settings the user set and the command's choices. */
export function settingsToConfigInput(read: SettingReader, choices: AuditChoices = {}): AuditConfigInput {
  const out: Record<string, unknown> = {};
  for (const field of CONFIG_FIELDS) {
    const v = read(field);
    // null is how the manifest spells "not set: the preset's value" for preset-controlled fields.
    if (v === undefined || v === null) continue;
    if (field === 'inputs' && Array.isArray(v) && v.length === 0) continue;
    if (field === 'language' && v === '') continue;
    out[field] = v;
  }
  if (choices.preset !== undefined) out.preset = choices.preset;
  if (choices.inputs !== undefined) out.inputs = [...choices.inputs];
  if (choices.labels !== undefined) out.labels = choices.labels;
  const models = choices.models && choices.models.length > 0 ? choices.models : modelsSetting(read);
  if (models !== undefined) out.model = modelField(models);
  return out as AuditConfigInput;
}

/** Whether the folder's memaudit.config.json / .yaml is read (default true). */
export function useConfigFile(read: SettingReader): boolean {
  return read(EXTENSION_SETTINGS.useConfigFile) !== false;
}

/** Whether findings are shown in the editor (default true). */
export function findingsEnabled(read: SettingReader): boolean {
  return read(EXTENSION_SETTINGS.findingsEnabled) !== false;
}

/** The finding categories to show in the editor (`memaudit.findings.categories`); both unless the user narrowed it. */
export function findingsCategories(read: SettingReader): Set<'memorized' | 'not-learned'> {
  const v = read(EXTENSION_SETTINGS.findingsCategories);
  const all = new Set<'memorized' | 'not-learned'>(['memorized', 'not-learned']);
  if (!Array.isArray(v)) return all;
  return new Set(v.filter((x): x is 'memorized' | 'not-learned' => x === 'memorized' || x === 'not-learned'));
}

/** The configured Node executable, or undefined for the editor's own runtime. */
export function nodePath(read: SettingReader): string | undefined {
  const v = read(EXTENSION_SETTINGS.nodePath);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** The output folder the user set (for runs and findings), if any. */
export function outDir(read: SettingReader): string | undefined {
  const v = read('outDir');
  return typeof v === 'string' && v !== '' ? v : undefined;
}
