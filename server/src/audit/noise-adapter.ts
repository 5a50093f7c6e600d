/**
 * Applies one planned run's noise (`server/src/noise`) to the training positions, in the form the
 * trainer consumes: the sample indices and labels to train on, which positions are corrupted, the
 * ledger, and the replacement inputs of input-noise kinds (served by the audit's overlay sample
 * source under indices ≥ `replacements.offset`, so the clean inputs stay available).
 */
import type { Dataset } from '../dataset/build';
import type { SampleColumns } from '../dataset/columns';
import { applyNoise, corruptedMask, createSourceEditor, noiseOverlay, SOURCE_KINDS, type Ledger, type MeaningPreservingKind, type SourceEditor } from '../noise';
import { createExtractor, type ExtractSettings } from '../parse/extract';
import type { StringTables } from '../parse/sample';
import type { PlannedRun } from './plan';

export interface RunNoiseContext {
  columns: SampleColumns;
  dataset: Dataset;
  tables: StringTables;
  /** Dataset indices of the training positions (the audit's training subset). */
  trainIdx: Int32Array;
  /** Clean label class per training position. */
  cleanLabels: Int32Array;
  /** The text a sample was extracted from (for the kinds that edit code). */
  source: (index: number) => string | undefined;
  settings: ExtractSettings;
  signal?: AbortSignal;
}

export interface RunNoise {
  /** Index per training position (a replacement's index for input-noised positions). */
  trainIndices: Int32Array;
  /** Label class per training position (corrupted for label kinds). */
  trainLabels: Int32Array;
  /** 1 where the ledger lists the position as corrupted. */
  corrupted: Uint8Array;
  /** The ledger (undefined for the clean run). */
  ledger: Ledger | undefined;
  /** Corrupted positions. */
  count: number;
  replacements: {
    length: number;
    offset: number;
    bodyTokens(k: number): ArrayLike<number>;
    contexts(k: number): ArrayLike<number>;
  };
}

const NO_REPLACEMENTS: RunNoise['replacements'] = { length: 0, offset: 0, bodyTokens: () => [], contexts: () => [] };

/** One editor per audit: it holds a parser and the corpus string tables. */
const editors = new WeakMap<StringTables, Promise<SourceEditor>>();

/** The audit's source editor (created on first use, then shared by every run). */
export function editorFor(ctx: RunNoiseContext): Promise<SourceEditor> {
  let e = editors.get(ctx.tables);
  if (!e) {
    e = createExtractor({ tables: ctx.tables }).then((extractor) => createSourceEditor({ extractor, settings: ctx.settings }));
    editors.set(ctx.tables, e);
  }
  return e;
}

export async function applyRunNoise(run: PlannedRun, ctx: RunNoiseContext): Promise<RunNoise> {
  const n = ctx.trainIdx.length;
  if (run.kind === 'none' || run.level === 0) {
    return { trainIndices: ctx.trainIdx, trainLabels: ctx.cleanLabels, corrupted: new Uint8Array(n), ledger: undefined, count: 0, replacements: NO_REPLACEMENTS };
  }
  // The noise module works over `dataset.train`; the audit trains on a subset of it, so it gets a
  // view of the dataset whose training list is that subset (positions then match the trainer's).
  const view = { train: ctx.trainIdx, labelClass: ctx.dataset.labelClass, vocab: ctx.dataset.vocab };
  const needsSource = (SOURCE_KINDS as readonly string[]).includes(run.kind);
  const result = await applyNoise(
    {
      columns: ctx.columns,
      dataset: view,
      tables: ctx.tables,
      ...(needsSource ? { editor: await editorFor(ctx), source: ctx.source } : {}),
      ...(ctx.signal ? { isCancelled: () => ctx.signal!.aborted } : {}),
    },
    { kind: run.kind, level: run.level / 100, seed: run.seed },
  );
  const corrupted = corruptedMask(result.ledger);
  const overlay = noiseOverlay(result, ctx.trainIdx, ctx.dataset.vocab, ctx.columns.count);
  return {
    trainIndices: overlay.trainIndices,
    trainLabels: result.trainLabels,
    corrupted,
    ledger: result.ledger,
    count: corrupted.reduce((a, b) => a + b, 0),
    replacements: overlay.replacements,
  };
}

/** A meaning-preserving transform of the test split, for the flip-rate measurement. */
export interface TestTransform {
  kind: MeaningPreservingKind;
  /** Per test position: the index to evaluate (a replacement's) where the transform applied. */
  indices: Int32Array;
  /** 1 where the transform applied. */
  applied: Uint8Array;
  replacements: RunNoise['replacements'];
}

/**
 * Applies a meaning-preserving kind to every test sample (docs/metrics.md § "Flip rates"), with
 * replacements numbered from `offset`.
 */
export async function transformTestSet(kind: TestTransform['kind'], seed: number, ctx: RunNoiseContext, offset: number): Promise<TestTransform> {
  const test = ctx.dataset.test;
  const view = { train: test, labelClass: ctx.dataset.labelClass, vocab: ctx.dataset.vocab };
  const result = await applyNoise(
    {
      columns: ctx.columns,
      dataset: view,
      tables: ctx.tables,
      editor: await editorFor(ctx),
      source: ctx.source,
      ...(ctx.signal ? { isCancelled: () => ctx.signal!.aborted } : {}),
    },
    { kind, level: 1, seed },
  );
  const overlay = noiseOverlay(result, test, ctx.dataset.vocab, offset);
  const applied = Uint8Array.from(overlay.trainIndices, (v, p) => (v !== test[p] ? 1 : 0));
  return { kind, indices: overlay.trainIndices, applied, replacements: overlay.replacements };
}
