/**
 * Adversarial numbers for the fixture report's runs (docs/metrics.md § "Adversarial robustness"):
 * flip rates that grow with ε and with the noise level, PGD ≥ FGSM, the corrupted training
 * methods more brittle than the rest; a run per level keeps them deterministic.
 */
import type { AdversarialSplit, AuditReport } from '../../../server/src/protocol/report';

const EPSILONS = [0.01, 0.02, 0.05, 0.1];

function split(base: number, evaluated: number, rename: number | null): AdversarialSplit {
  const fgsm = EPSILONS.map((e) => Math.min(1, +(base * e * 6).toFixed(4)));
  const pgd = fgsm.map((f) => Math.min(1, +(f * 1.5 + 0.01).toFixed(4)));
  return { evaluated, fgsm, pgd, rename: rename === null ? null : { applicable: 40, flipped: Math.round(40 * rename), rate: Math.round(40 * rename) / 40, meanRenames: 1.5 } };
}

/** The report with `adversarial` on every run (and `timings.adversarialMs`). */
export function withAdversarial(report: AuditReport): AuditReport {
  return {
    ...report,
    runs: report.runs.map((r) => {
      const f = 1 + r.level / 100;
      return {
        ...r,
        adversarial: {
          epsilons: [...EPSILONS],
          steps: 10,
          stepFactor: 0.25,
          renameCandidates: 4,
          renameBudget: 4,
          train: split(0.5 * f, 256, 0.1 * f),
          ...(r.level > 0 ? { trainCorrupted: split(0.8 * f, Math.round(2.56 * r.level), null) } : {}),
          test: split(0.9 * f, 120, 0.2 * f),
        },
        timings: { ...r.timings, adversarialMs: 2100 },
      };
    }),
  };
}
