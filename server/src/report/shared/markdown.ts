/**
 * The Markdown job summary (GitHub flavour): verdict, headline scores, gates, the noise curve,
 * detection quality, the top findings as links to the code, device and timing. Short by design
 * (a job summary is read in a glance; the HTML report has the rest).
 */
import * as fsp from 'node:fs/promises';
import { gateSummary, noiseGroups, SCORE_ROWS, scoreView, summarizeLevel, uncalibratedReason } from './aggregate';
import { ADVERSARIAL_HELP, adversarialEpsilon, adversarialRows } from './adversarial';
import { escapeMarkdown as md } from './escape';
import { detectionChoiceLine, fmt, fmtCount, fmtDuration, fmtLevel, fmtTask, MISSING, withInterval } from './format';
import { modelLevelsTable, modelScoresTable, reportModels, type ModelsTable } from './models';
import { earlyStopText, hasEarlyStopping, trainingSettingsLine } from './settings';
import { reportSweep, sweepTable } from './sweep';
import { corpusRoots, encodePathUri, locateFinding, type LocateOptions } from './paths';
import type { AuditReport, Finding, FindingCategory, ScoreKey } from '../../protocol/report';

/** How many findings the summary lists. */
export const MARKDOWN_TOP_FINDINGS = 10;

/** Options of `toMarkdown`. */
export interface MarkdownOptions extends LocateOptions {
  /**
   * Prefix of finding links, ending with '/': links are `linkBase + path#Lline`. Default: none,
   * links are repository-relative paths. In GitHub Actions, `githubBlobBase(process.env)`
   * points them at the commit's files.
   */
  linkBase?: string;
}

/** `https://github.com/OWNER/REPO/blob/SHA/` from the GitHub Actions environment, or undefined outside it. */
export function githubBlobBase(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const server = env.GITHUB_SERVER_URL;
  const repo = env.GITHUB_REPOSITORY;
  const sha = env.GITHUB_SHA;
  if (!server || !repo || !sha) return undefined;
  return `${server.replace(/\/+$/, '')}/${repo.split('/').map(encodeURIComponent).join('/')}/blob/${encodeURIComponent(sha)}/`;
}

/**
 * The findings of the memorization score (docs/metrics.md § "Memorization score (cross-fitted)"):
 * the memorized methods and the not-learned ones, a table each, with mem, P_in and P_out.
 */
function memorizationSection(report: AuditReport, opts: MarkdownOptions): string[] {
  const m = report.memorization!;
  const roots = corpusRoots(report);
  const out: string[] = [
    `### Memorization score`,
    '',
    `${md(m.estimator)}: ${m.folds} fold runs (${md(m.runs.join(', '))}; ${fmtDuration(m.seconds * 1000)} of training). ` +
      `**${fmtCount(m.memorized)}** of ${fmtCount(m.samples)} training methods were fitted when trained on but not predicted when held out (memorized)` +
      `${m.meanMemTop50 !== null ? `, mean memorization score of the top 50 ${fmt(m.meanMemTop50, 2)}` : ''}; **${fmtCount(m.notLearned)}** were not fitted even when trained on (not learned).`,
    '',
  ];
  const sections: [FindingCategory, string, number][] = [
    ['memorized', 'Likely memorized methods (fitted, not predicted when held out)', m.memorized],
    ['not-learned', 'Not learned (never fitted: a possible label problem or unusual code)', m.notLearned],
  ];
  for (const [category, title, total] of sections) {
    const top = report.findings.filter((f) => f.category === category).slice(0, MARKDOWN_TOP_FINDINGS);
    out.push(`### ${title} (top ${top.length} of ${total})`, '');
    if (top.length === 0) out.push('None.', '');
    else out.push(...table(['#', 'method', 'location', 'mem', 'P_in', 'P_out', 'detection rank'], top.map((f, k) => [String(k + 1), md(f.name), location(f, roots, opts), fmt(f.mem, 2), fmt(f.fittedRate, 2), fmt(f.heldOutRate, 2), String(f.rank)])), '');
  }
  return out;
}

function location(f: Finding, roots: readonly string[], opts: MarkdownOptions): string {
  const loc = locateFinding(f, roots, opts);
  const line = f.jsonlLine ?? f.range.startLine + 1;
  const text = f.archiveEntry !== undefined ? `${loc.display}!${f.archiveEntry}:${f.range.startLine + 1}` : `${loc.display}:${line}`;
  if (!loc.inRepo) return md(text);
  // Line anchors only make sense in a text file: a zip archive gets a plain link to the archive.
  const anchor = f.archiveEntry !== undefined ? '' : `#L${line}`;
  const target = `${opts.linkBase ?? ''}${encodePathUri(loc.path)}${anchor}`;
  // Parentheses and spaces would end a Markdown link destination; encodeURIComponent leaves parentheses alone.
  const safe = target.replace(/[()\s<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `[${md(text)}](${safe})`;
}

/**
 * A headline score's cell: `**0.412** [0.371, 0.455]`, the bare bold number without an interval
 * (version 1), or the reason in italics when it rests on too little data (docs/metrics.md §
 * "Uncertainty (bootstrap intervals)").
 */
function scoreCell(report: AuditReport, key: ScoreKey): string {
  const v = scoreView(report, key);
  if (v.insufficient) return `_${md(v.insufficient)}_`;
  const ci = v.interval && v.value !== null ? ` [${fmt(v.interval.low)}, ${fmt(v.interval.high)}]` : '';
  return `**${fmt(v.value)}**${ci}`;
}

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/** The Markdown job summary of `report` (every report string escaped). */
export function toMarkdown(report: AuditReport, opts: MarkdownOptions = {}): string {
  const out: string[] = [];
  const gates = gateSummary(report.gates);
  const verdict =
    gates.status === 'none'
      ? 'ℹ️ audit finished (no quality gates)'
      : gates.status === 'passed'
        ? `✅ all ${gates.total} quality gate${gates.total === 1 ? '' : 's'} passed`
        : `❌ ${gates.failed} of ${gates.total} quality gate${gates.total === 1 ? '' : 's'} failed`;
  out.push(`## memaudit: ${verdict}`, '');
  out.push(
    `Run ${md(report.runId)} · ${md(report.createdAt)} · model ${md(report.config.model)} (${md(report.config.modelPreset)}) · task ${md(fmtTask(report.config.labels))} · ` +
      `${fmtCount(report.dataset.trainUsed)} training methods · ${report.runs.length} runs × ${report.config.epochs} epochs · ` +
      `${md(report.environment.device.used)} · ${fmtDuration(report.timings.totalMs)}`,
    '',
  );
  const settings = trainingSettingsLine(report.config);
  if (settings) out.push(`Training: ${md(settings)}`, '');

  out.push('### Scores', '');
  const valueHead = report.scoreIntervals ? 'value [95% interval]' : 'value';
  out.push(...table(['score', valueHead, 'meaning'], SCORE_ROWS.map((r) => [`${md(r.label)} (${md(r.key)})`, scoreCell(report, r.key), md(r.help)])), '');

  if (report.gates.length > 0) {
    out.push('### Quality gates', '');
    out.push(
      ...table(
        ['', 'gate', 'measured', 'result'],
        report.gates.map((g) => [g.passed ? '✅' : '❌', md(g.gate), fmt(g.actual, 4), md(g.message || (g.passed ? 'passed' : 'failed'))]),
      ),
      '',
    );
  }

  for (const group of noiseGroups(report)) {
    out.push(`### Noise curve: ${md(group.kind)}`, '');
    out.push(
      ...table(
        ['noise level', 'runs', 'test F1', 'final train F1', 'noise fit rate'],
        group.levels.map((g) => {
          const s = summarizeLevel(g);
          return [fmtLevel(s.level), String(s.seeds), fmt(s.testF1), fmt(s.trainF1), s.level === 0 ? MISSING : fmt(s.noiseFitRate)];
        }),
      ),
      '',
    );
  }

  out.push(...earlyStoppingSection(report));
  out.push(...adversarialSection(report));
  out.push(...modelsSection(report));
  out.push(...sweepSection(report));

  out.push('### Detection of memorized samples', '');
  if (report.detection.best === null) {
    out.push(`No signal could be calibrated: ${md(uncalibratedReason(report.runs))}.`, '');
  } else {
    const best = report.detection.signals.find((s) => s.signal === report.detection.best);
    const choice = report.detection.choice;
    out.push(
      choice
        ? `${md(detectionChoiceLine(choice))}. Each signal over all epochs in its usual orientation, mean over the calibration runs (0.5 = chance):`
        : `Best signal: **${md(report.detection.best)}** (AUROC ${fmt(best?.auroc)}, average precision ${fmt(best?.averagePrecision)}, mean over the calibration runs: label noise below 100% when present; 0.5 = chance).`,
      '',
    );
    const sorted = [...report.detection.signals].sort((a, b) => b.auroc - a.auroc);
    out.push(...table(['signal', 'AUROC', 'average precision'], sorted.map((s) => [md(s.signal), withInterval(s.auroc, s.aurocInterval), withInterval(s.averagePrecision, s.averagePrecisionInterval)])), '');
  }

  if (report.memorization) out.push(...memorizationSection(report, opts));
  else {
    const top = report.findings.slice(0, MARKDOWN_TOP_FINDINGS);
    out.push(`### Likely memorized methods (top ${top.length} of ${report.findings.length})`, '');
    if (top.length === 0) out.push('None listed.', '');
    else {
      const roots = corpusRoots(report);
      out.push(...table(['rank', 'method', 'location', 'signal', 'score'], top.map((f) => [String(f.rank), md(f.name), location(f, roots, opts), md(f.signal), fmt(f.score, 4)])), '');
    }
  }

  out.push('### Device and timing', '');
  const dev = report.environment.device;
  out.push(`Device: ${md(dev.used)} (requested ${md(dev.requested)}) on ${md(report.environment.platform)}/${md(report.environment.arch)}, ${report.environment.cpus} CPUs, Node ${md(report.environment.node)}.`);
  for (const note of dev.notes) out.push(`- ${md(note)}`);
  out.push('');
  const t = report.timings;
  out.push(
    ...table(
      ['total', 'extract', 'dataset', 'train', 'metrics', 'report'],
      [[fmtDuration(t.totalMs), fmtDuration(t.extractMs), fmtDuration(t.datasetMs), fmtDuration(t.trainMs), fmtDuration(t.metricsMs), fmtDuration(t.reportMs)]],
    ),
    '',
  );
  return out.join('\n');
}

/**
 * Early stopping (docs/metrics.md § "Mitigation explorer"): each run's last trained epoch and best
 * validation epoch; a run's numbers are from its last trained epoch.
 */
function earlyStoppingSection(report: AuditReport): string[] {
  if (!hasEarlyStopping(report)) return [];
  const patience = report.config.earlyStopping;
  return [
    `### Early stopping${patience !== undefined ? ` (patience ${patience})` : ''}`,
    '',
    `Each run's numbers are those of its last trained epoch (of ${report.config.epochs}).`,
    '',
    ...table(['run', 'early stopping'], report.runs.map((r) => [md(r.id), earlyStopText(r) || MISSING])),
    '',
  ];
}

/** A table of plain strings (models, sweep), every cell escaped. */
function mdTable(t: ModelsTable): string[] {
  return table(t.header.map(md), t.rows.map((r) => r.map(md)));
}

/** "Models side by side": each model's headline scores, then test F1 and noise fit per noise level. */
function modelsSection(report: AuditReport): string[] {
  const models = reportModels(report);
  if (!models) return [];
  return [
    '### Models side by side',
    '',
    `${models.length} models, each audited on its own (the other sections are ${md(models[0]!.model)}'s; each model's report is in its audit folder):`,
    '',
    ...mdTable(modelScoresTable(models)),
    '',
    ...mdTable(modelLevelsTable(models)),
    '',
  ];
}

/** "Mitigations": one row per sweep setting, then the recommendation (docs/metrics.md § "Mitigation explorer"). */
function sweepSection(report: AuditReport): string[] {
  const sweep = reportSweep(report);
  if (!sweep) return [];
  const t = sweepTable(sweep);
  return [
    '### Mitigations',
    '',
    `${sweep.length} settings, each audited on its own (the other sections are the first setting's, the baseline):`,
    '',
    ...mdTable(t),
    '',
    `**Recommendation:** ${md(report.sweepRecommendation ?? 'n/a')}`,
    '',
  ];
}

/** Adversarial flip rates per noise level (docs/metrics.md § "Adversarial robustness"); nothing when no run measured them. */
function adversarialSection(report: AuditReport): string[] {
  const rows = adversarialRows(report);
  if (rows.length === 0) return [];
  const eps = adversarialEpsilon(report);
  return [
    `### Adversarial robustness (ε = ${fmt(eps, 2)})`,
    '',
    ...table(
      ['noise', 'runs', 'FGSM train', 'FGSM test', 'PGD train', 'PGD test', 'PGD corrupted', 'rename train', 'rename test'],
      rows.map((r) => [r.level === 0 ? 'clean' : `${md(r.kind)} ${fmtLevel(r.level)}`, String(r.runs), fmt(r.fgsmTrain), fmt(r.fgsmTest), fmt(r.pgdTrain), fmt(r.pgdTest), fmt(r.pgdCorrupted), fmt(r.renameTrain), fmt(r.renameTest)]),
    ),
    '',
    ...Object.values(ADVERSARIAL_HELP).map((h) => `- ${md(h)}`),
    '',
  ];
}

/**
 * Appends `markdown` to the file named by `$GITHUB_STEP_SUMMARY` (GitHub Actions' job summary)
 * when that variable is set. Returns whether it wrote. I/O errors propagate: the caller decides
 * whether a summary that cannot be written fails the job.
 */
export async function appendGithubSummary(markdown: string, env: Readonly<Record<string, string | undefined>>): Promise<boolean> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  await fsp.appendFile(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`, 'utf8');
  return true;
}
