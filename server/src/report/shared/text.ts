/**
 * The human summary of an audit that `memaudit audit` and `memaudit report` print: scores, the
 * runs, the best memorization signal, the top findings and the gates, in plain text.
 */
import * as path from 'node:path';
import type { AuditReport, Finding, FindingCategory, RunReport } from '../../protocol/report';
import { keyRepeatsLabel, SCORE_ROWS, scoreText, uncalibratedReason } from './aggregate';
import { adversarialEpsilon, adversarialRows } from './adversarial';
import { detectionChoiceLine, findingValueKey, fmtDuration, fmtPercent, fmtTask } from './format';
import { modelLevelsTable, modelScoresTable, reportModels, textTable } from './models';
import { earlyStopText, trainingSettingsLine } from './settings';
import { reportSweep, sweepTable } from './sweep';
import { inertField } from './terminal';

/** `x` with `digits` decimals, `n/a` when the audit could not compute it. */
const fixed = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));

/** The human summary of an audit (also used by `memaudit report`). */
export function renderAuditText(r: AuditReport): string {
  const lines: string[] = [];
  lines.push(`memaudit ${r.tool.version} — audit ${r.runId} (${r.config.model}, task ${fmtTask(r.config.labels)}, device ${r.environment.device.used})`);
  lines.push(
    `corpus     ${r.corpus.samples} methods (${Object.entries(r.corpus.byLanguage)
      .filter(([, n]) => n > 0)
      .map(([l, n]) => `${l} ${n}`)
      .join(', ')}); train ${r.dataset.trainUsed} / val ${r.dataset.val} / test ${r.dataset.test}; ${r.dataset.labels} names`,
  );
  const settings = trainingSettingsLine(r.config);
  if (settings) lines.push(`training   ${settings}`);
  lines.push('');
  lines.push(...scoreLines(r));
  lines.push('');
  lines.push('run                      train F1  test F1  noise fit  corrupted');
  for (const run of r.runs) {
    lines.push(
      `${run.id.padEnd(24)} ${fixed(run.final.trainF1).padStart(8)} ${fixed(run.final.testF1).padStart(8)} ${(run.final.noiseFitRate === null ? '—' : fixed(run.final.noiseFitRate)).padStart(10)} ${String(run.corrupted).padStart(10)}`,
    );
  }
  if (r.config.earlyStopping) lines.push(earlyStoppingLine(r.config.earlyStopping, r.runs));
  const probed = r.runs.filter((x) => x.kind === 'none' || x.kind === 'y-shuffle');
  if (probed.some((x) => x.susceptibility || x.criticalSampleRatio.length)) {
    const last = <T,>(a: readonly T[]): T | undefined => a[a.length - 1];
    lines.push(
      `susceptibility ζ / critical sample ratio at the last epoch: ${probed
        .map((x) => `${x.id} ${fixed(last(x.susceptibility?.zeta ?? []) ?? null, 2)} / ${fixed(last(x.criticalSampleRatio)?.ratio ?? null, 2)}`)
        .join(', ')}`,
    );
  }
  const robust = r.runs.find((x) => x.kind === 'none' && Object.keys(x.flipRates).length > 0);
  if (robust) {
    lines.push(
      `robustness (clean run): test predictions that change under ${Object.entries(robust.flipRates)
        .map(([k, v]) => `${k} ${fmtPercent(v)}`)
        .join(', ')} (meaning-preserving edits)`,
    );
  }
  lines.push(...adversarialLines(r));
  lines.push('');
  if (r.detection.choice) {
    lines.push(detectionChoiceLine(r.detection.choice));
  } else if (r.detection.best) {
    const best = r.detection.signals[0]!;
    lines.push(`best memorization signal: ${r.detection.best} (AUROC ${fixed(best.auroc)}, AP ${fixed(best.averagePrecision)} at finding the injected noise)`);
  } else {
    lines.push(`best memorization signal: none calibrated (${uncalibratedReason(r.runs)}); findings ranked by AUM`);
  }
  if (r.memorization) lines.push(...memorizationLines(r));
  else if (r.findings.length > 0) {
    lines.push(`likely memorized (top ${Math.min(10, r.findings.length)} of ${r.findings.length}):`);
    for (const f of r.findings.slice(0, 10)) {
      lines.push(`  ${String(f.rank).padStart(3)}. ${inertField(f.name)}  ${inertField(findingWhere(f))}  (${findingValueKey(f)} ${fixed(f.details[findingValueKey(f)] ?? f.details[f.signal])})`);
    }
  }
  if (r.gates.length > 0) {
    lines.push('');
    lines.push('gates:');
    for (const g of r.gates) lines.push(`  ${g.passed ? 'PASS' : 'FAIL'}  ${g.message}`);
  }
  lines.push(...modelsLines(r));
  lines.push(...sweepLines(r));
  lines.push('');
  lines.push(`label coverage: test ${fmtPercent(r.dataset.labelCoverage.test)} of test methods have a name seen in training`);
  return `${lines.join('\n')}\n`;
}

/** "Models side by side": each model's headline scores, then test F1 and noise fit per level. */
function modelsLines(r: AuditReport): string[] {
  const models = reportModels(r);
  if (!models) return [];
  return ['', `models side by side (the details above are ${models[0]!.model}'s; each model's own report is in its audit folder):`, ...textTable(modelScoresTable(models)).map((l) => `  ${l}`), '', ...textTable(modelLevelsTable(models)).map((l) => `  ${l}`)];
}

/** "Mitigations": one row per sweep setting, then the recommendation. */
function sweepLines(r: AuditReport): string[] {
  const sweep = reportSweep(r);
  if (!sweep) return [];
  return [
    '',
    `mitigations (${sweep.length} settings, each audited on its own; the details above are the first's, the baseline):`,
    ...textTable(sweepTable(sweep)).map((l) => `  ${l}`),
    `recommendation: ${r.sweepRecommendation ?? 'n/a'}`,
  ];
}

/**
 * Adversarial flip rates per noise level at the largest ε (docs/metrics.md § "Adversarial
 * robustness"): the share of predictions an attack changed, on training / test methods.
 */
function adversarialLines(r: AuditReport): string[] {
  const rows = adversarialRows(r);
  if (rows.length === 0) return [];
  const pair = (a: number | null, b: number | null) => `${fixed(a, 2)}/${fixed(b, 2)}`.padStart(11);
  return [
    `adversarial flip rates at ε = ${fixed(adversarialEpsilon(r), 2)} × each method's embedding RMS (train/test; PGD ≥ FGSM; rename = greedy renaming of locals):`,
    `  ${'noise'.padEnd(20)} ${['FGSM', 'PGD', 'PGD corr.', 'rename'].map((h) => h.padStart(11)).join(' ')}`,
    ...rows.map((x) => `  ${(x.level === 0 ? 'clean' : `${x.kind} ${x.level}%`).padEnd(20)} ${pair(x.fgsmTrain, x.fgsmTest)} ${pair(x.pgdTrain, x.pgdTest)} ${fixed(x.pgdCorrupted, 2).padStart(11)} ${pair(x.renameTrain, x.renameTest)}`),
  ];
}

/** Where a finding is, as `file:line` (JSONL: the record's line; zip: the entry). */
function findingWhere(f: Finding): string {
  return f.jsonlLine !== undefined ? `${f.file}:${f.jsonlLine}` : f.archiveEntry !== undefined ? `${f.file}!${f.archiveEntry}:${f.range.startLine + 1}` : `${path.posix.join(f.root, f.file)}:${f.range.startLine + 1}`;
}

/**
 * The two lists of the memorization score (docs/metrics.md § "Memorization score (cross-fitted)"),
 * top 10 each, with mem, P_in and P_out. Names and paths come from the corpus: shown with their
 * control characters escaped, on one line.
 */
function memorizationLines(r: AuditReport): string[] {
  const m = r.memorization!;
  const lines = [
    `memorization score: ${m.estimator}, ${m.folds} fold runs (${fmtDuration(m.seconds * 1000)} of training); ${m.memorized} of ${m.samples} training methods memorized, ${m.notLearned} not learned` +
      (m.meanMemTop50 !== null ? `; mean mem of the top 50 ${fixed(m.meanMemTop50, 2)}` : ''),
  ];
  const list = (category: FindingCategory, title: string) => {
    const fs = r.findings.filter((f) => f.category === category);
    const total = category === 'memorized' ? m.memorized : m.notLearned;
    if (fs.length === 0) return lines.push(`${title}: none`);
    lines.push(`${title} (top ${Math.min(10, fs.length)} of ${total}):`);
    fs.slice(0, 10).forEach((f, k) => {
      lines.push(`  ${String(k + 1).padStart(3)}. ${inertField(f.name)}  ${inertField(findingWhere(f))}  (mem ${fixed(f.mem, 2)}, P_in ${fixed(f.fittedRate, 2)}, P_out ${fixed(f.heldOutRate, 2)}; detection rank ${f.rank})`);
    });
    return lines.length;
  };
  list('memorized', 'likely memorized (fitted, not predicted when held out)');
  list('not-learned', 'not learned (never fitted)');
  return lines;
}

/**
 * One line per headline score: value and 95 % interval (`G 0.412 [0.371, 0.455]`), or why it rests
 * on too little data instead of the number (docs/metrics.md § "Uncertainty (bootstrap intervals)").
 */
function scoreLines(r: AuditReport): string[] {
  const title = r.scoreIntervals ? 'scores (95% bootstrap intervals):' : 'scores:';
  const name = (row: (typeof SCORE_ROWS)[number]) => (keyRepeatsLabel(row) ? row.label : `${row.label} ${row.key}`);
  const width = Math.max(...SCORE_ROWS.map((row) => name(row).length));
  return [title, ...SCORE_ROWS.map((row) => `  ${name(row).padEnd(width)}  ${scoreText(r, row.key, 'n/a')}`)];
}

/** `early stopping (patience 1, validation F1): y-shuffle-100-s0 stopped at epoch 2 (best 1); 1 run trained every epoch`. */
function earlyStoppingLine(patience: number, runs: readonly RunReport[]): string {
  const stopped = runs.filter((x) => x.stoppedAtEpoch !== undefined).map((x) => `${x.id} ${earlyStopText(x)}`);
  const full = runs.length - stopped.length;
  return `early stopping (patience ${patience}, validation F1): ${[...stopped, ...(full > 0 ? [`${full} run(s) trained every epoch`] : [])].join('; ')}`;
}
