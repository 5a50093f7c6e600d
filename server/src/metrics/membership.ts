/**
 * Loss-threshold membership inference (Yeom et al. 2018; docs/metrics.md § "Membership inference").
 *
 * The attacker calls a sample a member (a training sample) when its loss is low. With members'
 * losses ℓ⁺ (train) and non-members' ℓ⁻ (test):
 *
 *     AUROC     = AUROC of the score −ℓ with members as positives (Mann–Whitney, ties ½; ranking.ts);
 *     advantage = max over thresholds τ of TPR(τ) − FPR(τ),  "member if ℓ ≤ τ",
 *
 * where τ ranges over the observed losses and −∞ (no one flagged, advantage 0), so the advantage
 * is in [0, 1]. For the rule "member if predicted correctly" the advantage is exactly the accuracy
 * gap P(correct | member) − P(correct | non-member) ({@link correctnessMembershipAdvantage}).
 *
 * Empty members or non-members give NaN; a NaN loss throws `E_CONFIG`; +Infinity losses are
 * ordinary (highest) values.
 */
import { finiteScalar, type Numbers } from './check';
import { aurocTwoSample, maxTprMinusFpr } from './ranking';

/** Result of the loss-threshold attack. */
export interface MembershipInference {
  /** AUROC of −loss separating members from non-members (0.5 = no leakage). */
  auroc: number;
  /** max over τ of TPR − FPR for "member if loss ≤ τ". */
  advantage: number;
  /** The τ achieving the advantage (−Infinity when no threshold beats flagging no one). */
  lossThreshold: number;
  members: number;
  nonMembers: number;
}

function negated(a: Numbers): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = -a[i]!;
  return out;
}

/** Loss-threshold membership inference from members' (train) and non-members' (test) per-sample losses. */
export function lossMembershipInference(memberLoss: Numbers, nonMemberLoss: Numbers): MembershipInference {
  const pos = negated(memberLoss);
  const neg = negated(nonMemberLoss);
  const auc = aurocTwoSample(pos, neg);
  const { advantage, threshold } = maxTprMinusFpr(pos, neg);
  return { auroc: auc, advantage, lossThreshold: -threshold, members: pos.length, nonMembers: neg.length };
}

/**
 * Advantage of the "member if predicted correctly" rule: TPR − FPR = train accuracy − test accuracy
 * (docs/metrics.md § "Membership inference"). Accuracies must be finite; the result may be
 * negative (the model is better on unseen data).
 */
export function correctnessMembershipAdvantage(trainAccuracy: number, testAccuracy: number): number {
  finiteScalar('correctnessMembershipAdvantage', 'trainAccuracy', trainAccuracy);
  finiteScalar('correctnessMembershipAdvantage', 'testAccuracy', testAccuracy);
  return trainAccuracy - testAccuracy;
}
