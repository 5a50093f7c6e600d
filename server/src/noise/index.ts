/** Noise kinds of the randomization test, applied to a dataset's training split, with a ledger. */
export * from './kinds';
export * from './ledger';
export { applyNoise, sourceEditOf, type NoiseContext, type NoiseResult, type NoisedSample, type SourceLookup } from './apply';
export { applyPlan, createSourceEditor, MAX_ATTEMPTS, prepareMethod, renameMethod, type PreparedMethod, type SourceEdit, type SourceEditor, type SourceEditorOptions, type SourceOutcome } from './editor';
export { applyChanges, localSites, planRename, planRenameWith, type LocalSites, type TextChange } from './edits';
export { MASK_TOKEN } from './mask';
export { chosenCount } from './random';
export { noiseOverlay, noisySource, type NoiseOverlay } from './source';
export { methodText, nodeTypeSequence, parseTree, wordsOf, wrapMethod, type SyntaxNode, type SyntaxTree, type WrappedMethod } from './syntax';
