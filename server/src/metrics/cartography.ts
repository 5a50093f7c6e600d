/**
 * Dataset cartography (Swayamdipta et al. 2020; docs/metrics.md § "Data cartography").
 * Over the E recorded epochs (rows) of sample i, with p_i^(e) = pLabel (softmax probability of
 * the label trained on):
 *
 *     confidence_i  = (1/E) Σ_e p_i^(e),
 *     variability_i = sqrt( (1/E) Σ_e (p_i^(e) − confidence_i)² )     (population std, ddof 0),
 *     correctness_i = (1/E) Σ_e 1[top1_i^(e) = y_i].
 *
 * The mean and variance are accumulated by Welford's update, vectorised over samples (one pass,
 * numerically stable; a constant series gives exactly 0 variability).
 *
 * Regions (`cartographyRegions`), with thresholds τ_v (variability) and τ_c (confidence), tested
 * in this order:
 *
 *     ambiguous  if variability ≥ τ_v           (the model keeps changing its mind),
 *     easy       else if confidence ≥ τ_c       (high confidence, low variability),
 *     hard       otherwise                      (low confidence, low variability: where
 *                                               mislabeled samples gather).
 *
 * Defaults τ_v = 0.2 and τ_c = 0.5: p ∈ [0, 1] so variability ≤ 0.5, and 0.2 is about where the
 * paper's maps separate the ambiguous band; 0.5 splits confidence where the label becomes the
 * likelier class. A sample with NaN confidence or variability gets the region `undefined`.
 */
import { configError } from './check';
import { checkSource, type DynamicsSource } from './dynamics-source';

/** The three cartography signals, one value per sample. */
export interface Cartography {
  confidence: Float64Array;
  variability: Float64Array;
  correctness: Float64Array;
}

/** Cartography signals of every sample in one pass over pLabel and top1 (needs ≥ 1 row). */
export function cartography(d: DynamicsSource): Cartography {
  checkSource('cartography', d, 1);
  const { n, rows, labels } = d;
  const mean = new Float64Array(n);
  const m2 = new Float64Array(n);
  const correct = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const { pLabel, top1 } = d.row(r);
    const inv = 1 / (r + 1);
    for (let p = 0; p < n; p++) {
      const x = pLabel[p]!;
      const delta = x - mean[p]!;
      const m = mean[p]! + delta * inv;
      mean[p] = m;
      m2[p]! += delta * (x - m);
      if (top1[p] === labels[p]) correct[p]!++;
    }
  }
  const invE = 1 / rows;
  for (let p = 0; p < n; p++) {
    m2[p] = Math.sqrt(Math.max(0, m2[p]! * invE));
    correct[p]! *= invE;
  }
  return { confidence: mean, variability: m2, correctness: correct };
}

/** Region codes of {@link cartographyRegions}. */
export const REGION = { easy: 0, ambiguous: 1, hard: 2, undefined: 3 } as const;
/** Region names by code. */
export const REGION_NAMES = ['easy', 'ambiguous', 'hard', 'undefined'] as const;

/** Thresholds of the region assignment (see the module comment). */
export interface RegionThresholds {
  /** Variability at or above which a sample is ambiguous. Default 0.2. */
  ambiguousVariability: number;
  /** Confidence at or above which a non-ambiguous sample is easy (else hard). Default 0.5. */
  easyConfidence: number;
}

/** Default thresholds (documented in the module comment). */
export const DEFAULT_REGION_THRESHOLDS: Readonly<RegionThresholds> = Object.freeze({ ambiguousVariability: 0.2, easyConfidence: 0.5 });

/**
 * Region code (`REGION`) of every sample. Throws `E_CONFIG` when confidence and variability
 * differ in length or a threshold is not finite.
 */
export function cartographyRegions(c: Pick<Cartography, 'confidence' | 'variability'>, thresholds: Partial<RegionThresholds> = {}): Uint8Array {
  const t = { ...DEFAULT_REGION_THRESHOLDS, ...thresholds };
  for (const k of ['ambiguousVariability', 'easyConfidence'] as const) {
    if (!Number.isFinite(t[k])) throw configError('cartographyRegions', k, `must be a finite number (got ${String(t[k])})`);
  }
  const n = c.confidence.length;
  if (c.variability.length !== n) throw configError('cartographyRegions', 'variability', `has ${c.variability.length} entries but confidence has ${n}`);
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const conf = c.confidence[p]!;
    const v = c.variability[p]!;
    if (Number.isNaN(conf) || Number.isNaN(v)) out[p] = REGION.undefined;
    else if (v >= t.ambiguousVariability) out[p] = REGION.ambiguous;
    else if (conf >= t.easyConfidence) out[p] = REGION.easy;
    else out[p] = REGION.hard;
  }
  return out;
}
