/**
 * Applies one planned run's noise to the training split, in the form the trainer consumes:
 * the sample indices and labels to train on, which positions are corrupted, the ledger, and the
 * replacement inputs of input-noise kinds (served by the audit's overlay sample source under
 * indices ≥ `replacements.offset`).
 */
import type { Dataset } from '../dataset/build';
import type { SampleColumns } from '../dataset/columns';
import { EngineError, ERROR_CODES } from '../errors';
import type { StringTables } from '../parse/sample';
import type { PlannedRun } from './plan';

export interface RunNoiseContext {
  columns: SampleColumns;
  dataset: Dataset;
  tables: StringTables;
  /** Dataset indices of the training positions. */
  trainIdx: Int32Array;
  /** Clean label class per training position. */
  cleanLabels: Int32Array;
}

export interface RunNoise {
  /** Index per training position (a replacement's index for input-noised positions). */
  trainIndices: Int32Array;
  /** Label class per training position (corrupted for label kinds). */
  trainLabels: Int32Array;
  /** 1 where the ledger lists the position. */
  corrupted: Uint8Array;
  /** JSON-serializable ledger entries. */
  ledger: unknown[];
  replacements: {
    length: number;
    offset: number;
    bodyTokens(k: number): ArrayLike<number>;
    contexts(k: number): ArrayLike<number>;
  };
}

const NO_REPLACEMENTS: RunNoise['replacements'] = { length: 0, offset: 0, bodyTokens: () => [], contexts: () => [] };

export async function applyRunNoise(run: PlannedRun, ctx: RunNoiseContext): Promise<RunNoise> {
  const n = ctx.trainIdx.length;
  if (run.kind === 'none' || run.level === 0) {
    return { trainIndices: ctx.trainIdx, trainLabels: ctx.cleanLabels, corrupted: new Uint8Array(n), ledger: [], replacements: NO_REPLACEMENTS };
  }
  throw new EngineError(ERROR_CODES.CONFIG, `noise kind ${run.kind} is not available in this build`, { field: 'noise' });
}
