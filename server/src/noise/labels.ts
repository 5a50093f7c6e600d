/**
 * Label kinds: the label class a chosen training sample is trained on changes; its input does
 * not. `<UNK>` is never a new label.
 *
 * - `y-shuffle` permutes the labels among the chosen samples (Zhang et al.'s "shuffled labels",
 *   Rabin et al.'s method-name swapping): the multiset of labels is kept, so the label
 *   distribution of the training set does not move. The permutation is a uniformly random one
 *   whose fixed points are then removed: every chosen sample that drew its own label value swaps
 *   with a random other chosen sample for which the swap gives both a label of another value.
 *   Such a partner exists whenever the label held by the sample is held by at most half of the
 *   chosen samples (those holding it, or drawing it, are then at most n − 1, one sample doing
 *   both), so every chosen sample changes label; when one label is held by m > n/2 of them,
 *   exactly 2m − n of those keep it (the fewest possible: its other values have only n − m
 *   places to go), and are recorded as skipped (`label-cannot-change`). Random swaps keep the
 *   permutation's spread: a name's samples take the labels of many other names, never of one
 *   name en bloc, which would be a mapping a model can learn rather than noise it must memorize.
 *   Chosen samples whose label is `<UNK>` do not take part (`unk-label`): their `<UNK>` would
 *   pass to another sample.
 * - `y-random` draws the new label uniformly from the label vocabulary, excluding the true label
 *   and `<UNK>` (Zhang et al.'s "random labels"); a sample with an `<UNK>` label gets a real one.
 *   The draw comes from the sample's own stream (kind, seed, id), so levels stay nested.
 */
import type { Vocabulary } from '../dataset/vocab';
import { SKIP_REASONS, type LedgerEntry, type LedgerSkip } from './ledger';
import type { ResolvedNoiseItem } from './kinds';
import { noiseRng } from './random';
import type { Rng } from '../util/rng';

/** What a label kind needs from the dataset. */
export interface LabelInput {
  /** Per sample: label class. */
  labelClass: Int32Array;
  train: Int32Array;
  labels: Vocabulary;
  ids: readonly string[];
}

/** Entries and skips of a label kind; `trainLabels` is updated in place. */
export interface LabelOutcome {
  entries: LedgerEntry[];
  skipped: LedgerSkip[];
}

function entry(item: ResolvedNoiseItem, input: LabelInput, position: number, to: number, edit: string): LedgerEntry {
  const index = input.train[position]!;
  const from = input.labelClass[index]!;
  return {
    position,
    index,
    id: input.ids[index]!,
    kind: item.kind,
    level: item.level,
    seed: item.seed,
    from: input.labels.strings[from]!,
    to: input.labels.strings[to]!,
    fromClass: from,
    toClass: to,
    edit,
  };
}

function skip(input: LabelInput, position: number, reason: LedgerSkip['reason']): LedgerSkip {
  const index = input.train[position]!;
  return { position, index, id: input.ids[index]!, reason };
}

/** `y-shuffle` over the chosen positions (ascending). */
export function shuffleLabels(item: ResolvedNoiseItem, input: LabelInput, chosen: Int32Array, trainLabels: Int32Array): LabelOutcome {
  const unk = input.labels.unk;
  const skipped: LedgerSkip[] = [];
  const members: number[] = [];
  for (const p of chosen) {
    if (input.labelClass[input.train[p]!] === unk) skipped.push(skip(input, p, SKIP_REASONS.unkLabel));
    else members.push(p);
  }
  const own = members.map((p) => input.labelClass[input.train[p]!]!);
  // The level is part of the stream: the permutation depends on which samples were chosen.
  const next = derangedLabels(own, noiseRng(item.kind, item.seed, `permute:${item.level}`));
  const newLabel = new Map<number, number>(members.map((p, k) => [p, next[k]!]));
  const entries: LedgerEntry[] = [];
  for (const p of chosen) {
    const to = newLabel.get(p);
    if (to === undefined) continue;
    if (to === input.labelClass[input.train[p]!]) {
      skipped.push(skip(input, p, SKIP_REASONS.labelCannotChange));
      continue;
    }
    trainLabels[p] = to;
    entries.push(entry(item, input, p, to, 'label shuffled among the chosen samples'));
  }
  skipped.sort((a, b) => a.position - b.position);
  return { entries, skipped };
}

/** Random probes for a swap partner before a full scan (the scan is needed only when partners are rare). */
const PARTNER_PROBES = 32;

/**
 * The labels `own` in a uniformly random order, then every position that drew its own value
 * swapped with a partner q (own[q] ≠ v and next[q] ≠ v, v = own[k]): after the swap neither
 * holds its own value, and no other position changes. A position with no partner keeps its value.
 */
function derangedLabels(own: readonly number[], rng: Rng): Int32Array {
  const n = own.length;
  const next = rng.shuffle(Int32Array.from(own));
  const fits = (q: number, v: number) => own[q] !== v && next[q] !== v;
  for (let k = 0; k < n; k++) {
    const v = own[k]!;
    if (next[k] !== v) continue;
    let q = -1;
    for (let t = 0; t < PARTNER_PROBES && q < 0; t++) {
      const r = rng.int(n);
      if (fits(r, v)) q = r;
    }
    for (let t = 0, start = rng.int(n); t < n && q < 0; t++) if (fits((start + t) % n, v)) q = (start + t) % n;
    if (q < 0) continue;
    next[k] = next[q]!;
    next[q] = v;
  }
  return next;
}

/** `y-random` over the chosen positions (ascending). */
export function randomLabels(item: ResolvedNoiseItem, input: LabelInput, chosen: Int32Array, trainLabels: Int32Array): LabelOutcome {
  const unk = input.labels.unk;
  const size = input.labels.strings.length;
  const entries: LedgerEntry[] = [];
  const skipped: LedgerSkip[] = [];
  for (const p of chosen) {
    const index = input.train[p]!;
    const own = input.labelClass[index]!;
    // Labels to draw from: every class but <UNK> and the sample's own.
    const excluded = own === unk ? [unk] : [Math.min(own, unk), Math.max(own, unk)];
    const count = size - excluded.length;
    if (count <= 0) {
      skipped.push(skip(input, p, SKIP_REASONS.noOtherLabel));
      continue;
    }
    let to = noiseRng(item.kind, item.seed, `sample:${input.ids[index]}`).int(count);
    for (const x of excluded) if (to >= x) to++;
    trainLabels[p] = to;
    entries.push(entry(item, input, p, to, 'label replaced by a random one'));
  }
  return { entries, skipped };
}
