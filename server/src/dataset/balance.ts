/**
 * Balancing a group-aware split in samples. Groups (files, repositories) stay whole. Taken in
 * hash order, each goes to the split its own hash prefers while that split has room for it; then
 * as few groups as it takes are moved (or two swapped) between splits until every split holds its
 * target share of the samples, within a tolerance, or no move brings the shares closer.
 *
 * Why: hashing files alone gives shares that are binomial in *files*, so a corpus of unequal
 * files gets shares far from the ratios in *samples* (the Python standard library's email + json
 * packages: 1 test method of 547). Starting from the hash keeps a file where it was when files
 * are added or removed, unless the balance needs it elsewhere.
 *
 * Each step takes the move or swap that most reduces Σ_s d_s², with d_s = n_s − r_s·N the excess
 * of split s in samples. Moving x samples from a to b changes Σ d² by −2x(d_a − d_b − x), an
 * improvement exactly when 0 < x < d_a − d_b and the largest at x = (d_a − d_b)/2; a swap of
 * groups of sizes g > h moves x = g − h. A split with a positive ratio is never left empty.
 */

/** One group: its size, the split its hash prefers, and its rank in hash order. */
export interface BalanceGroup {
  /** What the group adds to a split's count (its samples, or a weighted count of them). */
  size: number;
  preferred: number;
  /** Position in hash order: breaks ties, so the result is deterministic. */
  rank: number;
}

interface Move {
  gain: number;
  /** Group moved from `from` to `to`, and for a swap the group moved back. */
  g: number;
  h: number;
  from: number;
  to: number;
}

/** Stops once every split is within this share of its target (the requirement is 1.5 points). */
export const BALANCE_TOLERANCE = 0.005;

/** Assigns each group a split (index into `ratios`); see the module comment. */
export function balanceGroups(groups: readonly BalanceGroup[], ratios: readonly number[]): Uint8Array {
  const total = groups.reduce((a, g) => a + g.size, 0);
  const targets = ratios.map((r) => r * total);
  const tolerance = Math.max(0.5, BALANCE_TOLERANCE * total);
  const where = placeInHashOrder(groups, ratios, targets, tolerance);
  fillEmptySplits(groups, where, ratios, targets, tolerance);
  for (let step = 0; step < 4 * groups.length + 16; step++) {
    const excess = excessOf(groups, where, targets);
    if (excess.every((d) => Math.abs(d) <= tolerance)) break;
    const best = bestMove(groups, where, excess, ratios, tolerance);
    if (!best) break;
    where[best.g] = best.to;
    if (best.h >= 0) where[best.h] = best.from;
  }
  return where;
}

/**
 * The starting point: groups in hash order, each in its preferred split while that split has room
 * for it (up to its target plus the tolerance), else in the split with room whose fill is the
 * lowest relative to its target, else in the one it overfills least relative to its target (in
 * practice training). A group too big for the
 * small splits thus lands in training instead of filling a test split on its own, which no later
 * move or swap of single groups could undo.
 */
function placeInHashOrder(groups: readonly BalanceGroup[], ratios: readonly number[], targets: readonly number[], tolerance: number): Uint8Array {
  const where = new Uint8Array(groups.length);
  const counts = ratios.map(() => 0);
  const order = groups.map((_, k) => k).sort((a, b) => groups[a]!.rank - groups[b]!.rank);
  const room = (s: number, size: number) => ratios[s]! > 0 && counts[s]! + size <= targets[s]! + tolerance;
  for (const k of order) {
    const { size, preferred } = groups[k]!;
    let s = preferred;
    if (!room(s, size)) {
      const open = ratios.map((_, t) => t).filter((t) => room(t, size));
      const fill = (t: number) => counts[t]! / targets[t]!;
      const over = (t: number) => (counts[t]! + size) / targets[t]!;
      const live = ratios.map((_, t) => t).filter((t) => ratios[t]! > 0);
      s = open.length > 0 ? open.reduce((a, b) => (fill(b) < fill(a) ? b : a)) : live.reduce((a, b) => (over(b) < over(a) ? b : a));
    }
    where[k] = s;
    counts[s] = counts[s]! + size;
  }
  return where;
}

function excessOf(groups: readonly BalanceGroup[], where: Uint8Array, targets: readonly number[]): number[] {
  const d = targets.map((t) => -t);
  groups.forEach((g, k) => (d[where[k]!] = d[where[k]!]! + g.size));
  return d;
}

/**
 * A split with a positive ratio and no group gets one, from the split with the most groups (never
 * leaving that one empty): the largest group that fits its target (plus the tolerance), else the
 * smallest; the moves that follow fill the rest.
 */
function fillEmptySplits(groups: readonly BalanceGroup[], where: Uint8Array, ratios: readonly number[], targets: readonly number[], tolerance: number): void {
  for (let s = 0; s < ratios.length; s++) {
    const members = (t: number) => groups.map((_, k) => k).filter((k) => where[k] === t);
    if (ratios[s]! <= 0 || members(s).length > 0) continue;
    const donors = ratios.map((_, t) => t).filter((t) => t !== s && members(t).length > 1);
    if (donors.length === 0) continue;
    const donor = donors.reduce((a, b) => (members(b).length > members(a).length ? b : a));
    const bySize = members(donor).sort((a, b) => groups[a]!.size - groups[b]!.size || groups[a]!.rank - groups[b]!.rank);
    const fits = bySize.filter((k) => groups[k]!.size <= targets[s]! + tolerance);
    where[fits.length > 0 ? fits[fits.length - 1]! : bySize[0]!] = s;
  }
}

/**
 * The best improving move or swap over every ordered pair of splits, or undefined. Moves that
 * leave both splits within the tolerance of their targets on the side they came from come first:
 * the largest-gain move alone could put one big group where several small ones belong (a test
 * split made of one file), a state no later single move or swap undoes.
 */
function bestMove(groups: readonly BalanceGroup[], where: Uint8Array, excess: readonly number[], ratios: readonly number[], tolerance: number): Move | undefined {
  const bySplit = ratios.map((_, s) => sortedMembers(groups, where, s));
  for (const safe of [true, false]) {
    let best: Move | undefined;
    for (let a = 0; a < ratios.length; a++) {
      for (let b = 0; b < ratios.length; b++) {
        const room = excess[a]! - excess[b]!;
        if (a === b || room <= 0 || ratios[b]! <= 0) continue;
        // Moving x keeps d_a ≥ −tolerance and d_b ≤ tolerance.
        const cap = safe ? Math.min(excess[a]! + tolerance, tolerance - excess[b]!) : Infinity;
        const m = bySplit[a]!.length > 1 || ratios[a]! <= 0 ? bestSingle(groups, bySplit[a]!, room, cap, a, b) : undefined;
        const w = bestSwap(groups, bySplit[a]!, bySplit[b]!, room, cap, a, b);
        for (const c of [m, w]) if (c && (!best || c.gain > best.gain)) best = c;
      }
    }
    if (best) return best;
  }
  return undefined;
}

/** Members of split s by size, then hash rank. */
function sortedMembers(groups: readonly BalanceGroup[], where: Uint8Array, s: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < groups.length; k++) if (where[k] === s) out.push(k);
  return out.sort((x, y) => groups[x]!.size - groups[y]!.size || groups[x]!.rank - groups[y]!.rank);
}

/** Σ d² gain of moving x samples across a gap `room` = d_a − d_b. */
function gainOf(x: number, room: number): number {
  return 2 * x * (room - x);
}

/** Gains below this are rounding, not progress (sizes may be fractional). */
const MIN_GAIN = 1e-9;

/** The member of `from` (sorted by size) whose size is closest to room / 2 and at most `cap`, if it improves. */
function bestSingle(groups: readonly BalanceGroup[], from: readonly number[], room: number, cap: number, a: number, b: number): Move | undefined {
  const k = nearestAtMost(groups, from, Math.min(room / 2, cap), cap);
  if (k < 0) return undefined;
  const gain = gainOf(groups[from[k]!]!.size, room);
  return gain > MIN_GAIN ? { gain, g: from[k]!, h: -1, from: a, to: b } : undefined;
}

/** The pair (g in `from`, h in `to`) whose size difference is closest to room / 2 and at most `cap`, if it improves. */
function bestSwap(groups: readonly BalanceGroup[], from: readonly number[], to: readonly number[], room: number, cap: number, a: number, b: number): Move | undefined {
  let best: Move | undefined;
  for (const g of from) {
    const size = groups[g]!.size;
    // h's size is closest to size − room/2 while size − h ≤ cap, i.e. h ≥ size − cap.
    const k = nearestAtLeast(groups, to, size - Math.min(room / 2, cap), size - cap);
    if (k < 0) continue;
    const h = to[k]!;
    const gain = gainOf(size - groups[h]!.size, room);
    if (gain > MIN_GAIN && (!best || gain > best.gain)) best = { gain, g, h, from: a, to: b };
  }
  return best;
}

/** Index in `sorted` (by size) of the member closest to `size` among those of size ≤ `max`; −1 if none. */
function nearestAtMost(groups: readonly BalanceGroup[], sorted: readonly number[], size: number, max: number): number {
  const k = nearestBySize(groups, sorted, size);
  if (k < 0) return -1;
  let j = k;
  while (j >= 0 && groups[sorted[j]!]!.size > max) j--;
  return j;
}

/** Index in `sorted` (by size) of the member closest to `size` among those of size ≥ `min`; −1 if none. */
function nearestAtLeast(groups: readonly BalanceGroup[], sorted: readonly number[], size: number, min: number): number {
  const k = nearestBySize(groups, sorted, size);
  if (k < 0) return -1;
  let j = k;
  while (j < sorted.length && groups[sorted[j]!]!.size < min) j++;
  return j < sorted.length ? j : -1;
}

/** Index in `sorted` (by size) of the member whose size is closest to `size`; −1 when empty. */
function nearestBySize(groups: readonly BalanceGroup[], sorted: readonly number[], size: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  if (hi < lo) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (groups[sorted[mid]!]!.size < size) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(groups[sorted[lo - 1]!]!.size - size) <= Math.abs(groups[sorted[lo]!]!.size - size)) return lo - 1;
  return lo;
}
