/**
 * Quality gates: conditions on the audit's headline scores that CI can enforce, written as
 * `metric op value` (`gap<=0.3`, `M < 0.5`, `G>=0.6`). A failed gate makes the CLI exit with 1.
 */
import { EngineError, ERROR_CODES } from '../errors';

/** Scores a gate may test, with what each means (shown in help and reports). */
export const GATE_METRICS = {
  G: 'generalization score: test F1 of the clean (0%) run',
  M: 'memorization score: mean final noise fit rate over label-noise levels > 0',
  gap: 'generalization gap of the clean run: train F1 − test F1',
  sensitivity: 'noise sensitivity: least-squares slope of test F1 against the noise level (negative)',
  mia_auc: 'membership-inference AUROC of −loss, train vs test, clean run',
  mia_advantage: 'membership-inference advantage (max TPR − FPR), clean run',
  test_f1: 'test subtoken F1 of the clean run (same as G)',
  train_f1: 'train subtoken F1 of the clean run',
  detection_auroc: 'AUROC of the best per-sample signal at finding the corrupted samples (mean over the calibration runs: label noise below 100% when present)',
} as const;

export type GateMetric = keyof typeof GATE_METRICS;
export type GateOp = '<=' | '<' | '>=' | '>' | '==';

export interface Gate {
  /** The gate as written (normalized spacing), e.g. `gap <= 0.3`. */
  text: string;
  metric: GateMetric;
  op: GateOp;
  value: number;
}

export interface GateResult extends Gate {
  /** The score's value; undefined when the audit could not compute it (the gate then fails). */
  actual: number | undefined;
  passed: boolean;
  /** One sentence for reports: what was required and what was measured. */
  message: string;
}

const GATE_RE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|<|>)\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)\s*$/i;

/** Parses `metric op value`; `field` names where the gate came from, for the error message. */
export function parseGate(text: string, field = 'gates'): Gate {
  const m = GATE_RE.exec(text);
  if (!m) {
    throw new EngineError(
      ERROR_CODES.CONFIG,
      `${field}: cannot read the gate '${text}': write it as 'metric op value', e.g. 'gap<=0.3' or 'M < 0.5' (ops: <=, <, >=, >, ==)`,
      { field },
    );
  }
  const metric = m[1]!;
  if (!(metric in GATE_METRICS)) {
    throw new EngineError(
      ERROR_CODES.CONFIG,
      `${field}: unknown metric '${metric}' in gate '${text}': valid metrics are ${Object.keys(GATE_METRICS).join(', ')}`,
      { field },
    );
  }
  const op = m[2] as GateOp;
  const value = Number(m[3]);
  return { text: `${metric} ${op} ${value}`, metric: metric as GateMetric, op, value };
}

function holds(actual: number, op: GateOp, value: number): boolean {
  switch (op) {
    case '<=':
      return actual <= value;
    case '<':
      return actual < value;
    case '>=':
      return actual >= value;
    case '>':
      return actual > value;
    case '==':
      // Scores are floats computed from counts; equality within 1e-9 is what a user means.
      return Math.abs(actual - value) <= 1e-9;
  }
}

/**
 * Evaluates gates against the audit's scores. A score that is missing or not finite fails its
 * gate, and so does a score that `status` marks insufficient (too few test methods, too wide an
 * interval: docs/metrics.md § "Uncertainty (bootstrap intervals)"), with the reason: a number that
 * cannot be trusted must not pass a CI check by luck.
 */
export function evaluateGates(
  gates: readonly Gate[],
  scores: Partial<Record<GateMetric, number | null>>,
  status: Partial<Record<GateMetric, { ok: boolean; reason?: string }>> = {},
): GateResult[] {
  return gates.map((g) => {
    const actual = scores[g.metric];
    if (actual === undefined || actual === null || !Number.isFinite(actual)) {
      return { ...g, actual: undefined, passed: false, message: `${g.text}: failed, ${g.metric} could not be computed by this audit` };
    }
    const st = status[g.metric];
    if (st && !st.ok) {
      return { ...g, actual, passed: false, message: `${g.text}: failed, ${g.metric} = ${round(actual)} rests on too little data: ${st.reason ?? 'insufficient'}` };
    }
    const passed = holds(actual, g.op, g.value);
    return { ...g, actual, passed, message: `${g.text}: ${passed ? 'passed' : 'failed'} (${g.metric} = ${round(actual)})` };
  });
}

function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
}
