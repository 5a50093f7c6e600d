/**
 * The training settings an audit may set beyond its model preset (the mitigation explorer's axes,
 * docs/metrics.md § "Mitigation explorer") and the early stopping of each run, as every writer
 * (text, Markdown, HTML, the report panel) shows them: only the settings the audit set.
 */
import type { ReportConfig, RunReport } from '../../protocol/report';

/** One set setting: its label, its value and what the value means. */
export interface TrainingSetting {
  label: string;
  value: string;
  note: string;
}

type SettingsConfig = Pick<ReportConfig, 'weightDecay' | 'hyper' | 'mixup' | 'distill' | 'earlyStopping' | 'sweep'>;

/** The settings `config` sets, in the order of the sweep's names; empty for a plain audit. */
export function trainingSettings(c: SettingsConfig): TrainingSetting[] {
  const out: TrainingSetting[] = [];
  if (c.weightDecay !== undefined) out.push({ label: 'weight decay', value: String(c.weightDecay), note: "the optimizer's L2 term" });
  if (c.hyper?.dropout !== undefined) out.push({ label: 'dropout', value: String(c.hyper.dropout), note: "instead of the preset's" });
  if (c.distill !== undefined) out.push({ label: 'distillation', value: String(c.distill), note: "weight of the clean run's soft labels in the noisy runs' loss" });
  if (c.mixup !== undefined) out.push({ label: 'mixup', value: `α ${c.mixup}`, note: 'λ ~ Beta(α, α), on the code vectors' });
  if (c.earlyStopping !== undefined) out.push({ label: 'early stopping', value: `patience ${c.earlyStopping}`, note: 'evaluations of the validation F1 without a better one' });
  if (c.sweep && c.sweep.length > 0) out.push({ label: 'sweep', value: c.sweep.map((a) => `${a.name} ${a.values.join(', ')}`).join(' × '), note: 'one audit per setting' });
  return out;
}

/** The settings on one line: `weight decay 0.01 · dropout 0.3 · mixup α 0.2`; empty for a plain audit. */
export function trainingSettingsLine(c: SettingsConfig): string {
  return trainingSettings(c)
    .map((s) => `${s.label} ${s.value}`)
    .join(' · ');
}

/**
 * A run's early stopping in words: `stopped at epoch 3 (best 1)`, `every epoch (best 5)`; empty
 * without early stopping (no `bestEpoch`).
 */
export function earlyStopText(r: Pick<RunReport, 'bestEpoch' | 'stoppedAtEpoch'>): string {
  if (r.stoppedAtEpoch !== undefined) return `stopped at epoch ${r.stoppedAtEpoch} (best ${r.bestEpoch ?? '—'})`;
  return r.bestEpoch !== undefined ? `every epoch (best ${r.bestEpoch})` : '';
}

/** Whether any run of the report has early-stopping numbers (the runs tables' extra column). */
export function hasEarlyStopping(r: { config: Pick<ReportConfig, 'earlyStopping'>; runs: readonly Pick<RunReport, 'bestEpoch' | 'stoppedAtEpoch'>[] }): boolean {
  return r.config.earlyStopping !== undefined || r.runs.some((x) => x.bestEpoch !== undefined || x.stoppedAtEpoch !== undefined);
}
