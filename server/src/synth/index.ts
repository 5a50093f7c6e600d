/**
 * The synthetic code generator: deterministic Java, Python and Ruby corpora whose method names
 * are predictable from their bodies (`generateCorpus`), and token-level tasks for training tests
 * (`generateLearnableTask`, `randomLabels`).
 */
export { generateCorpus, resolveGenerateOptions, summarizeCorpus, writeCorpus, MANIFEST_FILE } from './corpus';
export type { Corpus, CorpusSummary, GenerateOptions, GeneratedFile, ResolvedGenerateOptions } from './corpus';
export type { GeneratedMethod } from './render';
export { generateLearnableTask, randomLabels } from './learnable';
export type { LearnableTask, LearnableTaskOptions } from './learnable';
export { FAMILIES, type Family } from './vocab';
