/**
 * The names of the built-in models: the one list the registry, the audit's configuration and the
 * engine's `initialize` answer all use (a leaf, so that reading a config does not load a model).
 */
export const MODEL_NAMES = ['bag', 'code2vec', 'transformer'] as const;

/** Names of the built-in models. */
export type ModelName = (typeof MODEL_NAMES)[number];
