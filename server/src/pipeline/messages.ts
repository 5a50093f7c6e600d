/**
 * Messages between the extraction pipeline (main thread) and its worker threads.
 *
 * Samples cross the boundary in compact form: a batch's samples as one `SampleBatch` (a few
 * transferred typed arrays, not an object per sample); token and path ids are the worker's own
 * string ids, and each result carries the strings the worker interned since its previous result
 * (`newTokens`, `newPaths`), so the main thread maps them onto its global tables without ever
 * receiving a string twice from the same worker.
 */
import type { CorpusTask } from '../corpus/types';
import type { BackendChoice, BackendKind, ExtractSettings } from '../parse/extract';
import type { SampleBatch } from '../dataset/columns';

/** main → worker: load a parser. Answered by `ReadyMessage` or `FatalMessage`. */
export interface InitMessage {
  type: 'init';
  backend: BackendChoice;
  settings: ExtractSettings;
  maxFileBytes: number;
  /**
   * Bench only: parse each source and drop the tree, with no samples (`npm run bench -- extract`
   * measures what the pipeline itself costs: reading, messaging, worker start-up).
   */
  parseOnly: boolean;
}

/** main → worker: extract these tasks. Answered by one `BatchResultMessage`. */
export interface BatchMessage {
  type: 'batch';
  batch: number;
  tasks: CorpusTask[];
}

/**
 * main → worker: stop after the task in progress and exit. Terminating a worker from outside
 * while it is inside tree-sitter's native code aborts the whole process (the binding throws a
 * C++ exception nothing catches), so the pool always asks first.
 */
export interface StopMessage {
  type: 'stop';
}

/** worker → main: the parser is loaded. */
export interface ReadyMessage {
  type: 'ready';
  backend: BackendKind;
  fallbackReason?: string;
}

/** Outcome of one task. */
export type TaskOutcome =
  | {
      ok: true;
      /** How many samples the task made: the next ones of the batch's `samples`. */
      samples: number;
      methodsWithErrors: number;
      bodiless: number;
      hadSyntaxErrors: boolean;
      bytes: number;
    }
  | { ok: false; reason: string; detail: string };

/** worker → main: results of one batch, in task order. */
export interface BatchResultMessage {
  type: 'result';
  batch: number;
  outcomes: TaskOutcome[];
  /** The samples of every task, in task order. */
  samples: SampleBatch;
  newTokens: string[];
  newPaths: string[];
  /** Milliseconds the worker spent on the batch (reading, parsing, extracting). */
  busyMs: number;
}

/** worker → main: the worker cannot go on (parser failed to load). */
export interface FatalMessage {
  type: 'fatal';
  code: string;
  message: string;
}

export type ToWorker = InitMessage | BatchMessage | StopMessage;
export type FromWorker = ReadyMessage | BatchResultMessage | FatalMessage;
