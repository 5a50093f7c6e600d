/**
 * Findings (`findings/get`) → editor diagnostics, as plain data: one Information diagnostic per
 * likely memorized method, on its declaration line, with a message that explains the signals
 * behind it. findings.ts turns these into `vscode.Diagnostic`s. Pure.
 */
import type { EditorFinding, FindingsResult } from '../../server/src/protocol';

export const DIAGNOSTIC_SOURCE = 'memaudit';
export const DIAGNOSTIC_CODE = 'likely-memorized';

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
  code: typeof DIAGNOSTIC_CODE;
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

/** The range to mark: the declaration's first line (a JSONL record's whole line). */
export function findingRange(f: EditorFinding): DiagnosticRange {
  const r = f.range;
  if (f.kind === 'jsonl') return { startLine: r.startLine, startColumn: 0, endLine: r.startLine, endColumn: LINE_END };
  return { startLine: r.startLine, startColumn: r.startColumn, endLine: r.startLine, endColumn: r.endLine === r.startLine ? r.endColumn : LINE_END };
}

/** Diagnostics per file (absolute path), most suspicious first within a file. */
export function findingsToDiagnostics(result: FindingsResult): Map<string, DiagnosticSpec[]> {
  const byFile = new Map<string, DiagnosticSpec[]>();
  const sorted = [...result.findings].sort((a, b) => a.rank - b.rank);
  for (const f of sorted) {
    const list = byFile.get(f.file) ?? [];
    list.push({ file: f.file, range: findingRange(f), severity: 'information', message: explainFinding(f, result), source: DIAGNOSTIC_SOURCE, code: DIAGNOSTIC_CODE });
    byFile.set(f.file, list);
  }
  return byFile;
}
