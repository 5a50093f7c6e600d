/**
 * Label kinds: the label class a chosen training sample is trained on changes; its input does
 * not. `<UNK>` is never a new label.
 *
 * - `y-shuffle` permutes the labels among the chosen samples (Zhang et al.'s "shuffled labels",
 *   Rabin et al.'s method-name swapping): the multiset of labels is kept, so the label
 *   distribution of the training set does not move. The permutation is a derangement of label
 *   *values*: every chosen sample gets a label different from its own whenever no label is held
 *   by more than half of the chosen samples. Construction: the chosen samples in a random order,
 *   grouped by label (groups in random order), each takes the label of the sample m places
 *   further round the circle, m being the size of the largest group. No group is longer than m,
 *   so the sample m places on is always in another group when m ≤ n/2; when m > n/2 exactly
 *   2m − n samples of the dominant label keep it, the fewest possible, and are recorded as
 *   skipped (`label-cannot-change`). Chosen samples whose label is `<UNK>` do not take part
 *   (`unk-label`): their `<UNK>` would pass to another sample.
 * - `y-random` draws the new label uniformly from the label vocabulary, excluding the true label
 *   and `<UNK>` (Zhang et al.'s "random labels"); a sample with an `<UNK>` label gets a real one.
 *   The draw comes from the sample's own stream (kind, seed, id), so levels stay nested.
 */
import type { Vocabulary } from '../dataset/vocab';
import { SKIP_REASONS, type LedgerEntry, type LedgerSkip } from './ledger';
import type { ResolvedNoiseItem } from './kinds';
import { noiseRng } from './random';

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
  const n = members.length;
  const newLabel = new Map<number, number>();
  if (n > 0) {
    // The level is part of the stream: the permutation depends on which samples were chosen.
    const rng = noiseRng(item.kind, item.seed, `permute:${item.level}`);
    const order = rng.shuffle(members.slice());
    const classOf = (p: number) => input.labelClass[input.train[p]!]!;
    const groupRank = new Map<number, number>();
    for (const p of order) if (!groupRank.has(classOf(p))) groupRank.set(classOf(p), groupRank.size);
    const size = new Map<number, number>();
    for (const p of order) size.set(classOf(p), (size.get(classOf(p)) ?? 0) + 1);
    // Groups in order of first appearance in the random order: a random order of groups.
    const position = new Map<number, number>(order.map((p, k) => [p, k]));
    const circle = order.slice().sort((a, b) => groupRank.get(classOf(a))! - groupRank.get(classOf(b))! || position.get(a)! - position.get(b)!);
    let m = 0;
    for (const s of size.values()) m = Math.max(m, s);
    for (let k = 0; k < n; k++) newLabel.set(circle[k]!, classOf(circle[(k + m) % n]!));
  }
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
