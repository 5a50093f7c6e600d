/**
 * The findings in two categories (docs/metrics.md § "Memorization score (cross-fitted)"): from the
 * fold runs' predictions and the clean run's final epoch, the memorized methods (fitted when
 * trained on, not predicted when held out) and the not-learned ones (not fitted even when trained
 * on), up to `limit` each, and the report's `memorization` summary.
 */
import type { SampleColumns } from '../dataset/columns';
import { signalsToCsv } from '../report/csv';
import { FITTED_THRESHOLD, memorizationScores, memorizedOrder, notLearnedOrder, rankBySuspicion, type MemorizationScores } from '../metrics';
import type { Finding, MemorizationSummary } from '../protocol/report';
import { readDynamics } from '../train/dynamics';
import { findingAt, rankingLabel, type FindingContext } from './aggregate';
import type { MemFoldOutcome } from './mem-folds';

/** How many of the most memorized the summary's mean is over. */
const TOP = 50;

/** The clean run's final-epoch predictions of its training positions, or null (said in the log) when its dynamics are unreadable. */
export async function cleanFinalEpoch(dynamicsFile: string, labels: Int32Array, log: (m: string) => void): Promise<{ correct: Uint8Array; pLabel: Float32Array } | null> {
  try {
    const { dynamics } = await readDynamics(dynamicsFile);
    const d = dynamics.train;
    if (d.n !== labels.length || d.rows === 0) throw new Error(`${d.n} training samples and ${d.rows} epochs, the audit ${labels.length} samples`);
    const row = d.row(d.rows - 1);
    return { correct: Uint8Array.from(row.top1, (t, p) => (t === labels[p] ? 1 : 0)), pLabel: Float32Array.from(row.pLabel) };
  } catch (e) {
    log(`warning: the clean run's dynamics (${dynamicsFile}) are unreadable (${(e as Error).message}): the memorization score's P_in uses the fold runs alone`);
    return null;
  }
}

/** The two lists of findings (memorized first) and the summary. */
export function memorizationFindings(
  c: FindingContext,
  full: { correct: ArrayLike<number>; pLabel: ArrayLike<number> } | null,
  folds: readonly MemFoldOutcome[],
  limit: number,
): { findings: Finding[]; summary: MemorizationSummary; scores: MemorizationScores } {
  const n = c.trainIdx.length;
  const s = memorizationScores(n, full, folds.map((f) => f.predictions));
  const { values, orientation } = c.ranking;
  const suspicion = Float64Array.from(values, (v) => orientation * Number(v));
  const detectionRank = new Int32Array(n).fill(n);
  rankBySuspicion(Float64Array.from(values), orientation).forEach((pos, r) => (detectionRank[pos] = r + 1));
  const memorized = memorizedOrder(s, suspicion);
  const notLearned = notLearnedOrder(s, c.signals['meanLoss'] ?? null);
  const build = (pos: number, category: 'memorized' | 'not-learned'): Finding => {
    const f = findingAt(c, pos, detectionRank[pos]!);
    if (!Number.isFinite(f.score)) f.score = 0;
    f.category = category;
    for (const [key, v] of [['mem', s.mem[pos]!], ['memProb', s.memProb[pos]!], ['fittedRate', s.fittedRate[pos]!], ['heldOutRate', s.heldOutRate[pos]!]] as const) if (Number.isFinite(v)) f[key] = v;
    f.message = category === 'memorized' ? memorizedMessage(f, s, pos, c) : notLearnedMessage(f, s, pos, c);
    return f;
  };
  const top = memorized.slice(0, TOP);
  let samples = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(s.mem[i]!)) samples++;
  return {
    scores: s,
    findings: [...memorized.slice(0, limit).map((p) => build(p, 'memorized')), ...notLearned.slice(0, limit).map((p) => build(p, 'not-learned'))],
    summary: {
      estimator: 'cross-fit (Feldman & Zhang 2020)',
      folds: folds[0]?.folds ?? folds.length,
      runs: folds.map((f) => f.id),
      seconds: folds.reduce((acc, f) => acc + f.trainMs, 0) / 1000,
      samples,
      memorized: memorized.length,
      notLearned: notLearned.length,
      meanMemTop50: top.length > 0 ? top.reduce((acc, p) => acc + s.mem[p]!, 0) / top.length : null,
    },
  };
}

/**
 * Every training method's memorization score, one row per training position (the audit's
 * `memorization.csv`): P_in, P_out, mem, memProb and the models on each side; empty cells where
 * a side had no model.
 */
export function memorizationCsv(columns: SampleColumns, trainIdx: Int32Array, s: MemorizationScores): string {
  const cell = (v: number) => (Number.isFinite(v) ? v : '');
  const rows: (string | number)[][] = [];
  for (let p = 0; p < trainIdx.length; p++) {
    const i = trainIdx[p]!;
    const category = s.fittedRate[p]! < FITTED_THRESHOLD ? 'not-learned' : s.mem[p]! > 0 ? 'memorized' : '';
    rows.push([columns.ids[i]!, columns.strings[columns.file[i]!]!, columns.ranges[4 * i]! + 1, columns.strings[columns.name[i]!]!, category, cell(s.mem[p]!), cell(s.memProb[p]!), cell(s.fittedRate[p]!), cell(s.heldOutRate[p]!), s.inModels[p]!, s.outModels[p]!]);
  }
  return signalsToCsv(['sample_id', 'file', 'line', 'name', 'category', 'mem', 'mem_prob', 'fitted_rate', 'held_out_rate', 'in_models', 'out_models'], rows);
}

/** "right in a of b models" for the models trained on a sample (in) or holding it out (out). */
function tally(s: MemorizationScores, pos: number, side: 'in' | 'out'): string {
  const models = side === 'in' ? s.inModels[pos]! : s.outModels[pos]!;
  const rate = side === 'in' ? s.fittedRate[pos]! : s.heldOutRate[pos]!;
  return `${Math.round(rate * models)} of ${models}`;
}

function memorizedMessage(f: Finding, s: MemorizationScores, pos: number, c: FindingContext): string {
  return (
    `${f.name} was fitted when trained on (right in ${tally(s, pos, 'in')} models) but not predicted when held out (${tally(s, pos, 'out')}): ` +
    `memorization score ${s.mem[pos]!.toFixed(2)}; the detection score (${rankingLabel(c.ranking)}) ranks it #${f.rank}.`
  );
}

function notLearnedMessage(f: Finding, s: MemorizationScores, pos: number, c: FindingContext): string {
  const loss = Number(c.signals['meanLoss']?.[pos]);
  return (
    `${f.name} was not learned: the models trained on it predicted its name in ${tally(s, pos, 'in')}` +
    `${s.outModels[pos]! > 0 ? ` (held out: ${tally(s, pos, 'out')})` : ''}; a possible label problem or unusual code` +
    `${Number.isFinite(loss) ? ` (mean training loss ${loss.toFixed(2)})` : ''}; the detection score (${rankingLabel(c.ranking)}) ranks it #${f.rank}.`
  );
}
