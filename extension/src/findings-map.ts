/**
 * Findings (`findings/get`) → editor diagnostics, as plain data: one Information diagnostic per
 * finding, on its declaration line, with a message that explains the numbers behind it.
 * findings.ts turns these into `vscode.Diagnostic`s. Pure.
 *
 * Findings come in two categories when the audit has the cross-fitted memorization score
 * (Feldman & Zhang 2020): "Likely memorized" (fitted by the models trained on the method, not
 * predicted by those that held it out) and "Not learned" (not fitted even when trained on: a
 * possible label problem or unusual code). Each has its own message prefix and diagnostic code,
 * so the Problems view's filter box (or `memaudit.findings.categories`) tells them apart. A
 * finding of an older report (no category) keeps the ranking-signal message and code.
 *
 * Severity: both categories are Information. A not-learned method is no less worth a look than a
 * memorized one (its name may be wrong), and Hint diagnostics are not listed in the Problems
 * view at all, so a Hint would hide the very findings the filter is meant to separate; neither
 * category is a defect of the code, so neither is a Warning.
 */
import type { EditorFinding, FindingsResult } from '../../server/src/protocol';

export const DIAGNOSTIC_SOURCE = 'memaudit';
/** The code of a finding without a category (reports without the cross-fitted memorization score). */
export const DIAGNOSTIC_CODE = 'likely-memorized';
/** The code of each category's findings. */
export const CATEGORY_CODES = { memorized: 'memorized', 'not-learned': 'not-learned' } as const;
export type FindingCategory = keyof typeof CATEGORY_CODES;
export type DiagnosticCode = typeof DIAGNOSTIC_CODE | (typeof CATEGORY_CODES)[FindingCategory];
/** Each category's message prefix and its name in lists (the quick pick, the dashboard). */
export const CATEGORY_LABELS: Readonly<Record<FindingCategory, string>> = { memorized: 'Likely memorized', 'not-learned': 'Not learned' };

/**
 * Column that stands for "the end of the line": diagnostics mark the declaration's first line, and
 * the editor clamps a column past the line's end to its end.
 */
export const LINE_END = 100_000;

/** What each per-sample signal means (docs/metrics.md § "Per-sample signals"), for the hover. */
export const SIGNAL_HELP: Readonly<Record<string, string>> = {
  aum: 'area under the margin: the mean margin of its label over the other classes across epochs; low or negative means the model had to overrule what it learned from similar methods to fit this name (Pleiss et al. 2020)',
  confidence: 'mean probability of its label across epochs; low means the name was fitted late or not at all (dataset cartography)',
  variability: 'spread of that probability across epochs; high means the model kept changing its mind (dataset cartography)',
  correctness: 'share of epochs in which it was predicted right',
  forgetting: 'times it went from right to wrong between epochs (Toneva et al. 2019)',
  firstLearned: 'epoch from which it stayed predicted right; late means memorized after the general patterns',
  finalLoss: 'training loss at the last epoch',
  meanLoss: 'mean training loss across epochs; high means hard to fit from what the rest of the code teaches',
  finalExcessLoss: 'training loss at the last epoch beyond what guessing the name from its frequency alone costs',
  meanExcessLoss: 'mean training loss beyond what guessing the name from its frequency alone costs; high means the body does not explain the name',
};

export interface DiagnosticRange {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export interface DiagnosticSpec {
  /** Absolute path of the file. */
  file: string;
  range: DiagnosticRange;
  severity: 'information';
  message: string;
  source: typeof DIAGNOSTIC_SOURCE;
  code: DiagnosticCode;
  /** The finding's category; absent for a finding of an older report. */
  category?: FindingCategory;
}

function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Number.isInteger(x) ? String(x) : x.toFixed(3);
}

/** The diagnostic's text: what, why (the ranking signal and how well it found the injected noise), and every signal explained. */
export function explainFinding(f: EditorFinding, context: Pick<FindingsResult, 'runId' | 'bestSignal' | 'bestSignalAuroc' | 'detectionChoice'>): string {
  const lines: string[] = [];
  lines.push(`${f.name} looks memorized rather than learned by the model (rank ${f.rank} by ${f.signal}).`);
  if (context.detectionChoice) {
    lines.push(`Ranked by the ${context.detectionChoice}.`);
  } else if (context.bestSignal && context.bestSignalAuroc !== null) {
    lines.push(
      `${context.bestSignal} is the signal that best found the names memaudit corrupted on purpose in this audit (AUROC ${context.bestSignalAuroc.toFixed(2)}), so it ranks the real methods too.`,
    );
  } else {
    lines.push('No noisy run calibrated the signals; AUM ranks the methods.');
  }
  const names = Object.keys(f.signals).sort((a, b) => (a === f.signal ? -1 : b === f.signal ? 1 : a.localeCompare(b)));
  for (const name of names) {
    const help = SIGNAL_HELP[name];
    lines.push(`• ${name} = ${num(f.signals[name]!)}${help ? `: ${help}` : ''}`);
  }
  if (context.runId) lines.push(`Audit ${context.runId}.`);
  return lines.join('\n');
}

/** The cross-fitting behind the categories: how many models trained on each method and how many held it out. */
export type MemorizationSummary = NonNullable<FindingsResult['memorization']>;

/**
 * Models per method under K-fold cross-fitting (docs/metrics.md § "Memorization score
 * (cross-fitted)"): each of the summary's fold runs holds one fold out, so a method is held out
 * by runs / K of them and trained on by the other fold runs and the clean run. Undefined when the
 * numbers do not divide (then the rates are given as shares).
 */
export function modelsPerMethod(m: Pick<MemorizationSummary, 'folds' | 'runs'> | undefined): { trainedOn: number; heldOut: number } | undefined {
  if (!m || !Number.isInteger(m.folds) || m.folds < 2 || m.runs.length === 0 || m.runs.length % m.folds !== 0) return undefined;
  const heldOut = m.runs.length / m.folds;
  return { trainedOn: m.runs.length - heldOut + 1, heldOut };
}

/** "2 of 2" when the share of `of` models is a whole number of them, else undefined. */
function count(rate: number, of: number | undefined): string | undefined {
  if (of === undefined) return undefined;
  const n = rate * of;
  return Math.abs(n - Math.round(n)) < 1e-6 ? `${Math.round(n)} of ${of}` : undefined;
}

const percent = (rate: number): string => `${Math.round(rate * 100)} %`;

/** "memorization score 1.00" with a sign when negative ("−0.50"). */
export function fmtMem(x: number): string {
  return x < 0 ? `−${(-x).toFixed(2)}` : x.toFixed(2);
}

/**
 * The numbers of a categorized finding in words: "fitted by 2 of 2 models trained on it, predicted
 * by 0 of 1 that held it out: memorization score 1.00". Shares when the model counts are unknown.
 */
export function memorizationWords(f: Pick<EditorFinding, 'mem' | 'fittedRate' | 'heldOutRate'>, summary?: Pick<MemorizationSummary, 'folds' | 'runs'>): string {
  const parts: string[] = [];
  const models = modelsPerMethod(summary);
  if (f.fittedRate !== undefined && f.heldOutRate !== undefined) {
    const fitted = count(f.fittedRate, models?.trainedOn);
    const heldOut = count(f.heldOutRate, models?.heldOut);
    parts.push(
      `fitted by ${fitted ?? `${percent(f.fittedRate)} of the`} models trained on it, predicted by ${heldOut ? `${heldOut} that` : `${percent(f.heldOutRate)} of those that`} held it out`,
    );
  }
  if (f.mem !== undefined) parts.push(`memorization score ${fmtMem(f.mem)}`);
  return parts.join(': ');
}

const CATEGORY_WHY: Readonly<Record<FindingCategory, string>> = {
  memorized: 'The models recall its name only after seeing it: the models that never saw it do not predict it, so the name is stored, not inferred from the code.',
  'not-learned': 'Not even the models trained on it predict its name: the name may not fit the code (a label problem), or the code is unlike the rest of the corpus.',
};

/** The diagnostic's text for a finding with a category: the prefix, the numbers in words, why, then the signals. */
export function explainCategorized(f: EditorFinding & { category: FindingCategory }, context: Pick<FindingsResult, 'runId' | 'memorization'>): string {
  const lines: string[] = [];
  const words = memorizationWords(f, context.memorization);
  lines.push(`${CATEGORY_LABELS[f.category]}: ${f.name}${words ? `: ${words}` : ''}.`);
  lines.push(CATEGORY_WHY[f.category]);
  const defn = ['Memorization score (Feldman & Zhang 2020) = share of the models trained on it that predict its name − share of those that held it out that do'];
  if (f.memProb !== undefined) defn.push(`with the label's probability instead of the top prediction it is ${fmtMem(f.memProb)}`);
  lines.push(`${defn.join('; ')}.`);
  const m = context.memorization;
  if (m) lines.push(`Cross-fitted over ${m.folds} folds: ${m.runs.length} fold run${m.runs.length === 1 ? '' : 's'}, each holding one fold out, and the clean run.`);
  const names = Object.keys(f.signals).sort((a, b) => a.localeCompare(b));
  for (const name of names) {
    const help = SIGNAL_HELP[name];
    lines.push(`• ${name} = ${num(f.signals[name]!)}${help ? `: ${help}` : ''}`);
  }
  if (context.runId) lines.push(`Audit ${context.runId}.`);
  return lines.join('\n');
}

function isCategorized(f: EditorFinding): f is EditorFinding & { category: FindingCategory } {
  return f.category === 'memorized' || f.category === 'not-learned';
}

/** The message of any finding: by category when it has one, else as before categories existed. */
export function findingMessage(f: EditorFinding, context: Pick<FindingsResult, 'runId' | 'bestSignal' | 'bestSignalAuroc' | 'detectionChoice' | 'memorization'>): string {
  return isCategorized(f) ? explainCategorized(f, context) : explainFinding(f, context);
}

/** The range to mark: the declaration's first line (a JSONL record's whole line). */
export function findingRange(f: EditorFinding): DiagnosticRange {
  const r = f.range;
  if (f.kind === 'jsonl') return { startLine: r.startLine, startColumn: 0, endLine: r.startLine, endColumn: LINE_END };
  return { startLine: r.startLine, startColumn: r.startColumn, endLine: r.startLine, endColumn: r.endLine === r.startLine ? r.endColumn : LINE_END };
}

/** Which categories to show (`memaudit.findings.categories`); findings without a category are always shown. */
export type CategoryFilter = ReadonlySet<FindingCategory>;
export const ALL_CATEGORIES: CategoryFilter = new Set(Object.keys(CATEGORY_CODES) as FindingCategory[]);

/** Whether a finding passes the category filter. */
export function shownByFilter(f: Pick<EditorFinding, 'category'>, filter: CategoryFilter = ALL_CATEGORIES): boolean {
  return f.category === undefined || !isCategorized(f as EditorFinding) || filter.has(f.category);
}

/**
 * Diagnostics per file (absolute path). Within a file: the report's order, which is memorized
 * first (by mem) then not learned (report.findings); without categories, most suspicious first.
 */
export function findingsToDiagnostics(result: FindingsResult, filter: CategoryFilter = ALL_CATEGORIES): Map<string, DiagnosticSpec[]> {
  const byFile = new Map<string, DiagnosticSpec[]>();
  const categorized = result.findings.some(isCategorized);
  const ordered = categorized ? result.findings : [...result.findings].sort((a, b) => a.rank - b.rank);
  for (const f of ordered) {
    if (!shownByFilter(f, filter)) continue;
    const list = byFile.get(f.file) ?? [];
    const category = isCategorized(f) ? f.category : undefined;
    list.push({
      file: f.file,
      range: findingRange(f),
      severity: 'information',
      message: findingMessage(f, result),
      source: DIAGNOSTIC_SOURCE,
      code: category ? CATEGORY_CODES[category] : DIAGNOSTIC_CODE,
      ...(category ? { category } : {}),
    });
    byFile.set(f.file, list);
  }
  return byFile;
}

/** Counts per category of a findings list; undefined when no finding has a category. */
export function categoryCounts(findings: readonly Pick<EditorFinding, 'category'>[]): Record<FindingCategory, number> | undefined {
  if (!findings.some((f) => f.category !== undefined)) return undefined;
  return { memorized: findings.filter((f) => f.category === 'memorized').length, 'not-learned': findings.filter((f) => f.category === 'not-learned').length };
}

/**
 * Extension → report page, in the page itself (`data-finding-categories` on a hidden element,
 * JSON): each finding's category and memorization numbers, which the page adds to the findings
 * table as a category and a "mem" column when the table lacks them.
 */
export interface FindingCategoryRow {
  sampleId: string;
  category: 'memorized' | 'not-learned';
  mem: number | null;
  memProb: number | null;
  fittedRate: number | null;
  heldOutRate: number | null;
  /** The numbers in words ("fitted by 2 of 2 models trained on it, …"), for the cell's title. */
  words: string;
}
