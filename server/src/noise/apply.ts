/**
 * Applying one plan item (kind × level × seed) to a dataset's training split. Validation and test
 * samples are never touched. The result is what the trainer needs — the labels to train each
 * training position on, and replacement inputs for the corrupted samples of input kinds — and the
 * ledger of what changed.
 */
import type { Dataset } from '../dataset/build';
import type { SampleColumns } from '../dataset/columns';
import { EngineError, ERROR_CODES } from '../errors';
import type { ExtractedSample, StringTables } from '../parse/sample';
import { editSample, type SourceEditor, type SourceOutcome } from './editor';
import type { TextChange } from './edits';
import { resolveNoiseItem, SOURCE_KINDS, type NoiseItem, type NoiseKind, type ResolvedNoiseItem } from './kinds';
import { randomLabels, shuffleLabels } from './labels';
import { LEDGER_VERSION, SKIP_REASONS, textHash, type Ledger, type LedgerEntry, type LedgerSkip } from './ledger';
import { MASK_TOKEN, maskSample, tokensHash } from './mask';
import { choosePositions, noiseRng } from './random';
import { wordsOf } from './syntax';
import type { Rng } from '../util/rng';

/**
 * The text of the unit sample `index` was extracted from: the file's decoded text, or a JSONL
 * record's `code` (ranges of snippet samples are relative to it). Undefined when unavailable (the
 * sample is then left clean). Samples come in training order, which groups a file's samples, so
 * a one-file cache in the lookup is enough.
 */
export type SourceLookup = (index: number) => string | undefined;

/** What applying noise reads. */
export interface NoiseContext {
  columns: SampleColumns;
  dataset: Pick<Dataset, 'train' | 'labelClass' | 'vocab'>;
  /** The string tables the columns' token and path ids refer to (default: the editor's extractor's). */
  tables?: StringTables;
  /** Needed by the source kinds (x-delete-statement, x-leak-name, x-rename-locals, x-dead-code). */
  editor?: SourceEditor;
  /** Needed by the source kinds. */
  source?: SourceLookup;
  /** Called now and then with the chosen samples done so far. */
  onProgress?: (done: number, total: number) => void;
  /** Polled between samples; when it returns true the call rejects with `E_CANCELLED`. */
  isCancelled?: () => boolean;
}

/** A corrupted sample's new input. */
export interface NoisedSample {
  /** Position in `dataset.train`. */
  position: number;
  /** Sample index in the columns. */
  index: number;
  /**
   * The input to train on, in the context's string tables, with the original's id, origin,
   * range, name and doc (the range is where the method is in the source, for the editor).
   */
  sample: ExtractedSample;
  /**
   * Source kinds: the edited method text, lines `range.startLine..endLine` of the unit with the
   * text before the method on its first line blanked (compare with `methodText(unit, range)`).
   */
  text?: string;
  /**
   * Source kinds: the edit as replacements of ranges of the original method text (sorted,
   * non-overlapping): `applyChanges(methodText(unit, range), changes) === text`. A diff view can
   * highlight them without diffing.
   */
  changes?: TextChange[];
}

/** The outcome of one plan item. */
export interface NoiseResult {
  item: ResolvedNoiseItem;
  /** Label class to train position p on (`dataset.train[p]`): the trainer's `trainLabels`. */
  trainLabels: Int32Array;
  /** Input kinds: the new input of each corrupted sample, by sample index. Empty for label kinds. */
  replacements: Map<number, NoisedSample>;
  ledger: Ledger;
}

function sourceEditWith(editor: SourceEditor, kind: NoiseKind, original: ExtractedSample, unitText: string | undefined, words: ReadonlySet<string>, rng: Rng): SourceOutcome {
  return editSample(editor, kind, original, original.nameSubtokens.length === 0, unitText, words, rng);
}

/**
 * The edit a source kind makes to one sample under `seed`, exactly as `applyNoise` makes it (the
 * same random stream, drawn from kind, seed and sample id, so the same at every level): for a
 * diff view of a corrupted sample after the run, without keeping every edited text. `unitText`
 * is the sample's unit (`SourceLookup`).
 */
export function sourceEditOf(editor: SourceEditor, kind: NoiseKind, seed: number, original: ExtractedSample, unitText: string | undefined): SourceOutcome {
  const rng = noiseRng(kind, seed, `sample:${original.id}`);
  return sourceEditWith(editor, kind, original, unitText, unitText === undefined ? new Set<string>() : wordsOf(unitText), rng);
}

/** Samples between yields to the event loop (native trees are freed by the GC only then). */
const YIELD_EVERY = 32;

function configError(field: string, message: string): EngineError {
  return new EngineError(ERROR_CODES.CONFIG, message, { field });
}

/**
 * Applies one plan item. Throws `E_CONFIG` for an invalid item (see `resolveNoiseItem`) or a
 * context that lacks what the kind needs, `E_CANCELLED` when cancelled.
 */
export async function applyNoise(ctx: NoiseContext, noise: NoiseItem): Promise<NoiseResult> {
  const item = resolveNoiseItem(noise);
  const { columns, dataset } = ctx;
  const train = dataset.train;
  const n = train.length;
  const trainLabels = Int32Array.from(train, (i) => dataset.labelClass[i]!);
  const chosen = choosePositions(n, item.kind, item.level, item.seed);
  const replacements = new Map<number, NoisedSample>();
  let entries: LedgerEntry[] = [];
  let skipped: LedgerSkip[] = [];

  if (item.kind === 'y-shuffle' || item.kind === 'y-random') {
    const input = { labelClass: dataset.labelClass, train, labels: dataset.vocab.labels, ids: columns.ids };
    ({ entries, skipped } = (item.kind === 'y-shuffle' ? shuffleLabels : randomLabels)(item, input, chosen, trainLabels));
  } else {
    const tables = ctx.tables ?? ctx.editor?.extractor.tables;
    const isSource = SOURCE_KINDS.includes(item.kind);
    if (isSource && (ctx.editor === undefined || ctx.source === undefined)) {
      throw configError('noise.kind', `noise kind ${item.kind} edits source code: the noise context needs 'editor' (createSourceEditor) and 'source' (the text of each sample's file).`);
    }
    if (ctx.editor !== undefined && ctx.tables !== undefined && ctx.editor.extractor.tables !== ctx.tables) {
      throw configError('editor', "the source editor's extractor interns into other string tables than the context's 'tables'; create it with createExtractor({ tables }) so noisy samples share the dataset's ids.");
    }
    if (tables === undefined) {
      throw configError('noise.kind', `noise kind ${item.kind} needs the extractor's string tables: give 'tables' or 'editor' in the noise context.`);
    }
    // Interned only when used: the tables are the dataset's, shared with every other stage.
    const maskId = item.kind === 'x-mask-tokens' ? tables.tokens.id(MASK_TOKEN) : -1;
    let lastText: string | undefined;
    let lastWords = new Set<string>();
    for (let k = 0; k < chosen.length; k++) {
      if (k % YIELD_EVERY === 0) {
        if (k > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        if (ctx.isCancelled?.()) throw new EngineError(ERROR_CODES.CANCELLED, `noise ${item.kind} at level ${item.level} was cancelled`);
        ctx.onProgress?.(k, chosen.length);
      }
      const position = chosen[k]!;
      const index = train[position]!;
      const original = columns.sample(index);
      const rng = noiseRng(item.kind, item.seed, `sample:${original.id}`);
      const base = { position, index, id: original.id };
      const record = { kind: item.kind, level: item.level, seed: item.seed };
      if (item.kind === 'x-mask-tokens') {
        const m = maskSample(original, item.options.maskRate!, maskId, rng);
        if (m === undefined) {
          skipped.push({ ...base, reason: SKIP_REASONS.nothingToMask });
          continue;
        }
        replacements.set(index, { position, index, sample: m.sample });
        entries.push({
          ...base,
          ...record,
          from: tokensHash(original, tables),
          to: tokensHash(m.sample, tables),
          edit: `masked ${m.maskedBody} of ${m.bodyTokens} body tokens and ${m.maskedTerminals} of ${m.terminals} path-context terminals`,
        });
        continue;
      }
      const unitText = ctx.source!(index);
      if (unitText !== undefined && unitText !== lastText) {
        lastText = unitText;
        lastWords = wordsOf(unitText);
      }
      const out = sourceEditWith(ctx.editor!, item.kind, original, unitText, lastWords, rng);
      if (!out.ok) {
        skipped.push({ ...base, reason: out.reason });
        continue;
      }
      replacements.set(index, { position, index, sample: out.value.sample, text: out.value.after, changes: out.value.changes });
      entries.push({ ...base, ...record, from: textHash(out.value.before), to: textHash(out.value.after), edit: out.value.edit });
    }
    ctx.onProgress?.(chosen.length, chosen.length);
  }

  const ledger: Ledger = {
    version: LEDGER_VERSION,
    kind: item.kind,
    level: item.level,
    seed: item.seed,
    options: item.options,
    trainSize: n,
    chosen: chosen.length,
    entries,
    skipped,
  };
  return { item, trainLabels, replacements, ledger };
}
