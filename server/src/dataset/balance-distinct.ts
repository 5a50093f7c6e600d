/**
 * The balance's last step, on what the splits will really hold: distinct methods after
 * deduplication. Deduplication keeps one copy of each method (name + body) in the earliest split
 * that has one (train, then val, then test: `dedup.ts`), so a split's count is the number of
 * methods whose earliest copy is there — not additive over files: moving a file moves a method
 * only when no other copy holds it in place. The weighted balance (`balance.ts`, each sample
 * weighing 1/copies) gets close; this step measures the exact counts and moves single groups
 * while that brings Σ_s d_s² down, d_s = kept_s − r_s · (distinct methods).
 *
 * Moving group g from a to b changes, for each method it holds q copies of, the multiplicities
 * m[a] −= q, m[b] += q; the method's kept split is the first s with m[s] > 0, so its count moves
 * from the old first split to the new one, if they differ. Candidates are the few groups of a
 * whose weight is nearest to the ideal transfer (d_a − d_b)/2; each is evaluated exactly.
 */

/** How many groups nearest the ideal transfer are evaluated per pair of splits and step. */
const CANDIDATES = 12;
/** Steps at most (each evaluates 6 pairs × CANDIDATES moves). */
const MAX_STEPS = 400;

export interface DistinctLayout {
  /** Per sample: its group and its method class (equal name + body). */
  groupOf: Int32Array;
  classOf: Int32Array;
  classes: number;
  /** Per group: its weight (Σ 1/copies over its samples), to pick candidates. */
  weight: readonly number[];
}

/** Refines `where` (split per group) in place; see the module comment. */
export function refineDistinct(layout: DistinctLayout, where: Uint8Array, ratios: readonly number[], tolerance: number): void {
  const members = membersOf(layout);
  const m = new Int32Array(layout.classes * 3);
  layout.groupOf.forEach((g, i) => m[layout.classOf[i]! * 3 + where[g]!]!++);
  const targets = ratios.map((r) => r * layout.classes);
  for (let step = 0; step < MAX_STEPS; step++) {
    const d = keptCounts(m, layout.classes).map((k, s) => k - targets[s]!);
    if (d.every((x) => Math.abs(x) <= tolerance)) return;
    const best = bestExactMove(layout, members, m, where, d, ratios);
    if (!best) return;
    apply(layout, members[best.g]!, m, where[best.g]!, best.to, +1);
    where[best.g] = best.to;
  }
}

function membersOf(layout: DistinctLayout): number[][] {
  const out: number[][] = layout.weight.map(() => []);
  layout.groupOf.forEach((g, i) => out[g]!.push(i));
  return out;
}

function keptCounts(m: Int32Array, classes: number): number[] {
  const kept = [0, 0, 0];
  for (let h = 0; h < classes; h++) {
    const s = m[h * 3]! > 0 ? 0 : m[h * 3 + 1]! > 0 ? 1 : m[h * 3 + 2]! > 0 ? 2 : -1;
    if (s >= 0) kept[s]!++;
  }
  return kept;
}

/**
 * Moves the samples `rows` from split a to b in the multiplicities (sign +1), or back (−1), and
 * returns the change of the kept counts per split.
 */
function apply(layout: DistinctLayout, rows: readonly number[], m: Int32Array, a: number, b: number, sign: 1 | -1): number[] {
  const delta = [0, 0, 0];
  const first = (h: number) => (m[h * 3]! > 0 ? 0 : m[h * 3 + 1]! > 0 ? 1 : m[h * 3 + 2]! > 0 ? 2 : -1);
  const [from, to] = sign > 0 ? [a, b] : [b, a];
  for (const i of rows) {
    const h = layout.classOf[i]!;
    const before = first(h);
    m[h * 3 + from]!--;
    m[h * 3 + to]!++;
    const after = first(h);
    if (before === after) continue;
    if (before >= 0) delta[before]!--;
    if (after >= 0) delta[after]!++;
  }
  return delta;
}

function bestExactMove(layout: DistinctLayout, members: number[][], m: Int32Array, where: Uint8Array, d: number[], ratios: readonly number[]): { g: number; to: number } | undefined {
  const bySplit = [0, 1, 2].map((s) => layout.weight.map((_, g) => g).filter((g) => where[g] === s).sort((x, y) => layout.weight[x]! - layout.weight[y]! || x - y));
  const sq = (v: number[]) => v.reduce((acc, x) => acc + x * x, 0);
  const now = sq(d);
  let best: { g: number; to: number; gain: number } | undefined;
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      if (a === b || d[a]! <= d[b]! || ratios[b]! <= 0 || (bySplit[a]!.length <= 1 && ratios[a]! > 0)) continue;
      for (const g of nearest(layout.weight, bySplit[a]!, (d[a]! - d[b]!) / 2, CANDIDATES)) {
        const delta = apply(layout, members[g]!, m, a, b, +1);
        apply(layout, members[g]!, m, a, b, -1);
        const gain = now - sq(d.map((x, s) => x + delta[s]!));
        if (gain > 1e-9 && (!best || gain > best.gain)) best = { g, to: b, gain };
      }
    }
  }
  return best;
}

/** Up to `k` members of `sorted` (by weight) whose weights are nearest to `w`. */
function nearest(weight: readonly number[], sorted: readonly number[], w: number, k: number): number[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (weight[sorted[mid]!]! < w) lo = mid + 1;
    else hi = mid;
  }
  return sorted.slice(Math.max(0, lo - k / 2), lo + k / 2);
}
