/**
 * Text of the preset picker: each preset's grid size and estimated time (from `audit/plan`), and
 * the progress line of a running audit. Pure.
 */
import type { AuditDoneParams, AuditPlanResult, AuditProgressParams, HeadlineScores } from '../../server/src/protocol';

/** Seconds as people read them: "45 s", "3 min", "1 h 20 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return 'unknown';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

export interface PresetItem {
  preset: string;
  label: string;
  description: string;
  detail: string;
}

/**
 * A preset picker entry: "quick — 5 runs × 20 epochs, bag (small), cpu" and "≈ 3 min (…)". With
 * several `models` chosen the plan counts the runs of all of them and names the first only, so
 * the entry names them all.
 */
export function presetItem(preset: string, plan: AuditPlanResult, models?: readonly string[]): PresetItem {
  const runs = `${plan.runs} run${plan.runs === 1 ? '' : 's'} × ${plan.epochs} epoch${plan.epochs === 1 ? '' : 's'}`;
  const cap = plan.maxTrainSamples > 0 ? `, ≤ ${plan.maxTrainSamples.toLocaleString('en-US')} methods` : '';
  const time = plan.estimatedSeconds === null ? 'time unknown' : `≈ ${formatDuration(plan.estimatedSeconds)} of training`;
  return {
    preset,
    label: preset,
    description: `${runs}, ${models && models.length > 1 ? `${models.join(' + ')} side by side` : `${plan.model} (${plan.modelPreset})`}${cap}, ${plan.device}`,
    detail: `${time}: ${plan.estimateBasis}${plan.configFile ? `; settings from ${plan.configFile}` : ''}`,
  };
}

/** The progress notification's text: stage, run k/n, epoch (or the attack's progress), speed, ETA, device. */
export function progressMessage(p: AuditProgressParams): string {
  const parts: string[] = [];
  if (p.stage === 'train' && p.active && p.active.length > 1) {
    // Several runs side by side: the engine's message names each with its epoch.
    parts.push(p.message);
  } else if (p.stage === 'train' && p.run !== undefined && p.runs !== undefined) {
    // Several models or a sweep: run k/n counts the runs of the part, so the part is named first.
    if (p.part) parts.push(p.part);
    parts.push(`run ${p.run}/${p.runs}${p.runId ? ` (${p.runId})` : ''}`);
    // After its epochs a run's model is attacked (memaudit.adversarial): methods attacked of all.
    if (p.attack) parts.push(`attack ${p.attack.done}/${p.attack.total}`);
    else if (p.epoch !== undefined && p.epochs !== undefined) parts.push(`epoch ${p.epoch}/${p.epochs}`);
  } else {
    parts.push(p.message);
  }
  if (p.samplesPerSec) parts.push(`${Math.round(p.samplesPerSec).toLocaleString('en-US')} samples/s`);
  if (p.etaSec !== undefined) parts.push(`${formatDuration(p.etaSec)} left`);
  if (p.device) parts.push(p.device);
  return parts.join(' · ');
}

const f2 = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(2));

export interface DoneSummary {
  level: 'info' | 'warning' | 'error';
  text: string;
}

/** The message shown when an audit ends. */
/**
 * G, M and gap as numbers; a score that rests on too little data (the report's `scoreStatus`)
 * is named with the reason instead, once for all the scores that share it.
 */
export function headline(scores: HeadlineScores, status: AuditDoneParams['scoreStatus']): string {
  const keys = ['G', 'M', 'gap'] as const;
  const why = (k: (typeof keys)[number]) => (scores[k] !== null && status?.[k] && !status[k].ok ? (status[k].reason ?? 'not enough data') : undefined);
  const shown = keys.filter((k) => why(k) === undefined).map((k) => `${k} ${f2(scores[k])}`);
  const reasons = new Map<string, string[]>();
  for (const k of keys) {
    const r = why(k);
    if (r !== undefined) reasons.set(r, [...(reasons.get(r) ?? []), k]);
  }
  const held = [...reasons].map(([reason, ks]) => `${ks.join(', ')}: ${reason}`);
  return [...shown, ...held].join(' · ');
}

export function doneSummary(d: AuditDoneParams): DoneSummary {
  if (d.outcome === 'cancelled') return { level: 'info', text: 'Memaudit: audit cancelled. Finished runs are kept: start the same audit again to resume it.' };
  if (d.outcome === 'failed') return { level: 'error', text: `Memaudit: the audit failed: ${d.error?.message ?? 'unknown error'}` };
  const scores = d.scores ? headline(d.scores, d.scoreStatus) : 'no scores';
  const plural = (n: number) => `method${n === 1 ? '' : 's'}`;
  const findings =
    d.memorized !== undefined || d.notLearned !== undefined
      ? ` · ${d.memorized ?? 0} likely memorized ${plural(d.memorized ?? 0)}, ${d.notLearned ?? 0} not learned`
      : d.findings
        ? ` · ${d.findings} likely memorized ${plural(d.findings)}`
        : '';
  const gates = d.gates ?? [];
  const failed = gates.filter((g) => !g.passed);
  const gateText = gates.length === 0 ? '' : failed.length === 0 ? ` · all ${gates.length} gate${gates.length === 1 ? '' : 's'} passed` : ` · gate failed: ${failed.map((g) => g.gate).join(', ')}`;
  return { level: failed.length > 0 ? 'warning' : 'info', text: `Memaudit: audit finished in ${formatDuration(d.durationMs / 1000)}: ${scores}${findings}${gateText}` };
}

/** The presets, in the picker's order. */
export const PRESETS = ['quick', 'standard', 'thorough'] as const;
export type PresetName = (typeof PRESETS)[number];

/**
 * Options of `memaudit.audit` for callers without a UI (tests, other extensions):
 * `executeCommand('memaudit.audit', folderUri, { preset: 'quick' })` audits the folder with that
 * preset instead of asking for one, and resolves with the audit's `audit/done` parameters.
 */
export interface AuditCommandOptions {
  preset: PresetName;
}

/**
 * The command's second argument as options, or undefined when it holds none (the explorer's
 * context menu passes the selected resources there). An options object with a preset that is not
 * one of PRESETS is an error, so that a caller's typo does not silently open the picker.
 */
export function auditCommandOptions(arg: unknown): AuditCommandOptions | undefined {
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg) || !('preset' in arg)) return undefined;
  const preset: unknown = (arg as { preset: unknown }).preset;
  if (typeof preset === 'string' && (PRESETS as readonly string[]).includes(preset)) return { preset: preset as PresetName };
  throw new Error(`memaudit.audit: preset must be one of ${PRESETS.join(', ')}, got ${JSON.stringify(preset)}`);
}
