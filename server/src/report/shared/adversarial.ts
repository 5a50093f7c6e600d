/**
 * The adversarial robustness numbers of a report (docs/metrics.md § "Adversarial robustness"), as
 * every writer shows them: per noise kind and level, the flip rates averaged over the level's seeds
 * (the clean run is level 0 of every kind), and the sentences that explain each number.
 */
import type { AdversarialReport, AdversarialSplit, AuditReport, RunReport } from '../../protocol/report';
import { meanOf, noiseGroups } from './aggregate';

/** One noise level's flip rates (means over its runs; null where no run measured them). */
export interface AdversarialLevel {
  kind: string;
  level: number;
  runs: number;
  /** At the largest ε of the runs' settings. */
  fgsmTrain: number | null;
  fgsmTest: number | null;
  pgdTrain: number | null;
  pgdTest: number | null;
  /** PGD on the corrupted training samples of the subset (noisy runs). */
  pgdCorrupted: number | null;
  renameTrain: number | null;
  renameTest: number | null;
}

/** What each number means, for the writers' legends (one sentence each). */
export const ADVERSARIAL_HELP = {
  epsilon: 'ε: the attack radius, a multiple of each method\'s own embedding size (RMS of its input embeddings): every coordinate may move by at most ε times it.',
  fgsm: 'FGSM: the share of predictions that change after one step of size ε along the sign of the loss gradient (Goodfellow et al. 2015).',
  pgd: 'PGD: the share that change at any of the projected gradient steps inside the same ε box, the first being FGSM\'s (Madry et al. 2018); never below FGSM.',
  rename: 'rename: the share of methods whose prediction a greedy renaming of local variables (scope-safe, meaning-preserving) changes, among those with a local to rename.',
  splits: 'train: a fixed subset of the methods the model was trained on; test: unseen methods; corrupted: the subset\'s methods the run corrupted. Memorized decisions sit in narrow regions: flip rates that grow with the noise level, or that are higher on the corrupted methods than on the rest, point to memorization.',
} as const;

/** The runs of a report that carry adversarial numbers. */
export function adversarialRuns(report: Pick<AuditReport, 'runs'>): (RunReport & { adversarial: AdversarialReport })[] {
  return report.runs.filter((r): r is RunReport & { adversarial: AdversarialReport } => r.adversarial !== undefined);
}

/** The largest ε (the headline radius) of a run's settings, and its index. */
export function headlineEpsilon(a: AdversarialReport): { eps: number; index: number } {
  return { eps: a.epsilons[a.epsilons.length - 1]!, index: a.epsilons.length - 1 };
}

function at(s: AdversarialSplit | undefined, attack: 'fgsm' | 'pgd', index: number): number | null {
  const v = s?.[attack][index];
  return v === undefined || !Number.isFinite(v) ? null : v;
}

/** Flip rates per (kind, level), means over seeds, in the order of the noise curve. */
export function adversarialLevels(report: Pick<AuditReport, 'runs' | 'config'>): AdversarialLevel[] {
  const out: AdversarialLevel[] = [];
  for (const g of noiseGroups(report)) {
    for (const l of g.levels) {
      const runs = l.runs.filter((r) => r.adversarial !== undefined);
      if (runs.length === 0) continue;
      const mean = (f: (a: AdversarialReport) => number | null | undefined) => meanOf(runs.map((r) => f(r.adversarial!)));
      const i = (a: AdversarialReport) => headlineEpsilon(a).index;
      out.push({
        kind: g.kind,
        level: l.level,
        runs: runs.length,
        fgsmTrain: mean((a) => at(a.train, 'fgsm', i(a))),
        fgsmTest: mean((a) => at(a.test, 'fgsm', i(a))),
        pgdTrain: mean((a) => at(a.train, 'pgd', i(a))),
        pgdTest: mean((a) => at(a.test, 'pgd', i(a))),
        pgdCorrupted: mean((a) => at(a.trainCorrupted, 'pgd', i(a))),
        renameTrain: mean((a) => a.train.rename?.rate),
        renameTest: mean((a) => a.test.rename?.rate),
      });
    }
  }
  return out;
}

/** `adversarialLevels` for tables: the clean runs once (they open every kind's curve). */
export function adversarialRows(report: Pick<AuditReport, 'runs' | 'config'>): AdversarialLevel[] {
  const rows = adversarialLevels(report);
  return rows.filter((r, k) => r.level !== 0 || rows.findIndex((x) => x.level === 0) === k);
}

/** The ε of the first run with adversarial numbers (the audit uses one setting for all runs). */
export function adversarialEpsilon(report: Pick<AuditReport, 'runs'>): number | null {
  const first = adversarialRuns(report)[0];
  return first ? headlineEpsilon(first.adversarial).eps : null;
}
