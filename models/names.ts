/**
 * The names of the built-in models: the one list the registry, the audit's configuration and the
 * engine's `initialize` answer all use (a leaf, so that reading a config does not load a model).
 */
export const MODEL_NAMES = ['bag', 'code2vec', 'transformer'] as const;

/** Names of the built-in models. */
export type ModelName = (typeof MODEL_NAMES)[number];

/**
 * The preset names of each built-in model (the registry's definitions hold their values; a test
 * pins that the two agree), so that a config naming a preset is checked without loading a model.
 */
export const MODEL_PRESETS: Readonly<Record<ModelName, readonly string[]>> = Object.freeze({
  bag: ['tiny', 'small', 'reference', 'names'],
  code2vec: ['tiny', 'small', 'reference'],
  transformer: ['tiny', 'small', 'reference'],
});
