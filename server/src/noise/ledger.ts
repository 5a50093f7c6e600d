/**
 * The noise ledger: what a plan item corrupted, per training sample, so that the metrics can
 * score how well each memorization signal finds the corrupted samples (detection quality), and
 * a report can show each edit.
 *
 * Two forms. `Ledger` is plain JSON (reports, `runs/<id>/`): a header, one entry per corrupted
 * sample, and the chosen samples that were left clean with the reason. `CompactLedger` holds the
 * same facts as typed arrays (caches, metrics): positions, indices and 32-bit codes of what
 * changed. Neither holds timestamps or anything else that varies between runs, so the same item
 * gives a bit-identical ledger (`ledgerDigest`).
 */
import { createHash } from 'node:crypto';
import { LABEL_KINDS, type NoiseKind, type ResolvedNoiseItem } from './kinds';

/** Version of the ledger's shape; bumped when a field changes meaning. */
export const LEDGER_VERSION = 1;

/** One corrupted training sample. */
export interface LedgerEntry {
  /** Position in the dataset's `train` list (what the trainer's `trainLabels` is indexed by). */
  position: number;
  /** Sample index in the corpus columns. */
  index: number;
  /** Stable sample id. */
  id: string;
  kind: NoiseKind;
  level: number;
  seed: number;
  /** Label kinds: the original label (`get|user|name`). Input kinds: `textHash` of the original input. */
  from: string;
  /** Label kinds: the new label. Input kinds: `textHash` of the new input. */
  to: string;
  /** Label kinds: label classes (indices into `vocab.labels`) before and after. */
  fromClass?: number;
  toClass?: number;
  /** What was done, for people: `deleted expression_statement at line 12: "x += i;"`. */
  edit: string;
}

/** Why a chosen sample was left clean (documented per kind in the noise README). */
export const SKIP_REASONS = {
  /** y-shuffle: the sample's label is `<UNK>`, which would pass to another sample. */
  unkLabel: 'unk-label',
  /** y-shuffle: more than half of the chosen samples share this label, so some must keep it. */
  labelCannotChange: 'label-cannot-change',
  /** y-random: the label vocabulary has no label other than this sample's and `<UNK>`. */
  noOtherLabel: 'no-other-label',
  /** Source kinds: the source lookup has no text for the sample. */
  sourceUnavailable: 'source-unavailable',
  /** Source kinds: the text at the sample's range is not the sample's method (the file changed). */
  sourceMismatch: 'source-mismatch',
  /** Source kinds: the method's text alone (wrapped as the kind does) does not parse cleanly. */
  notParsableAlone: 'not-parsable-alone',
  /** x-delete-statement: the body has fewer than two statements. */
  tooFewStatements: 'too-few-statements',
  /** x-dead-code, x-leak-name: the method has no statement body (Ruby `def x = expr`). */
  noStatementBody: 'no-statement-body',
  /** x-leak-name: the method's name has no identifier form (Ruby operators like `<=>`). */
  nameNotIdentifier: 'name-not-identifier',
  /** x-rename-locals: no local variable or parameter to rename. */
  noLocals: 'no-locals',
  /** x-mask-tokens: the sample has no tokens. */
  nothingToMask: 'nothing-to-mask',
  /** Source kinds: every candidate edit gave code that does not parse (or no candidate exists). */
  noValidEdit: 'no-valid-edit',
} as const;

/** One of the `SKIP_REASONS` values. */
export type SkipReason = (typeof SKIP_REASONS)[keyof typeof SKIP_REASONS];

/** A chosen training sample that was not corrupted. */
export interface LedgerSkip {
  position: number;
  index: number;
  id: string;
  reason: SkipReason;
}

/** What a ledger says of its plan item, in both forms. */
export interface LedgerHeader {
  version: number;
  kind: NoiseKind;
  level: number;
  seed: number;
  options: ResolvedNoiseItem['options'];
  /** Training samples (length of the dataset's `train` list). */
  trainSize: number;
  /** Samples the level chose: round(level · trainSize). Chosen = entries + skipped. */
  chosen: number;
}

/** The JSON ledger of one plan item. */
export interface Ledger extends LedgerHeader {
  /** Corrupted samples, by position. */
  entries: LedgerEntry[];
  /** Chosen samples left clean, by position. */
  skipped: LedgerSkip[];
}

/** The ledger as typed arrays; entry k of every array describes the same corrupted sample. */
export interface CompactLedger extends LedgerHeader {
  /** Training positions of the corrupted samples, ascending. */
  positions: Int32Array;
  /** Their sample indices. */
  indices: Int32Array;
  /**
   * Label kinds: the label classes before and after. Input kinds: the first 32 bits of the
   * input's `textHash` before and after (enough to tell edits apart, not to reverse them).
   */
  from: Uint32Array;
  to: Uint32Array;
  /** Training positions of the chosen samples left clean. */
  skippedPositions: Int32Array;
}

/** `sha1:` and the first 16 hex digits of SHA-1 over the UTF-16 text as UTF-8. */
export function textHash(text: string): string {
  return `sha1:${createHash('sha1').update(text, 'utf8').digest('hex').slice(0, 16)}`;
}

function hashCode(h: string): number {
  return parseInt(h.slice(5, 13), 16) >>> 0;
}

/** The compact form of a ledger. */
export function compactLedger(l: Ledger): CompactLedger {
  const n = l.entries.length;
  const label = LABEL_KINDS.includes(l.kind);
  const positions = new Int32Array(n);
  const indices = new Int32Array(n);
  const from = new Uint32Array(n);
  const to = new Uint32Array(n);
  l.entries.forEach((e, k) => {
    positions[k] = e.position;
    indices[k] = e.index;
    from[k] = label ? e.fromClass! : hashCode(e.from);
    to[k] = label ? e.toClass! : hashCode(e.to);
  });
  return {
    version: l.version,
    kind: l.kind,
    level: l.level,
    seed: l.seed,
    options: { ...l.options },
    trainSize: l.trainSize,
    chosen: l.chosen,
    positions,
    indices,
    from,
    to,
    skippedPositions: Int32Array.from(l.skipped, (s) => s.position),
  };
}

/**
 * 0/1 per training position, 1 where the ledger corrupted the sample: the `corrupted` mask of
 * the metrics' detection quality.
 */
export function corruptedMask(l: Ledger | CompactLedger): Uint8Array {
  const mask = new Uint8Array(l.trainSize);
  if ('positions' in l) for (const p of l.positions) mask[p] = 1;
  else for (const e of l.entries) mask[e.position] = 1;
  return mask;
}

/** SHA-256 (hex) of the ledger's JSON: equal digests mean bit-identical ledgers. */
export function ledgerDigest(l: Ledger): string {
  return createHash('sha256').update(JSON.stringify(l), 'utf8').digest('hex');
}
