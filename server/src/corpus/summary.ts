/**
 * Tally of a corpus walk: tasks per kind and language, skips per reason with examples, and the
 * message of the empty-corpus error built from it.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { LANGUAGE_IDS, type LanguageId } from '../parse/sample';
import { SKIP_REASONS, type CorpusItem, type SkipReason, type SkipRecord, type WalkEntry } from './types';

/**
 * Reasons that are normal and numerous (every README, every gitignored file): counted, with only
 * a few examples kept. Other reasons point at something the user may want to fix; their records
 * are kept up to `maxListed`.
 */
export const COUNTED_REASONS: ReadonlySet<SkipReason> = new Set<SkipReason>(['unsupported-language', 'ignored']);

/** Plain-data form of a summary (JSON-safe; goes into reports and the cache header). */
export interface CorpusSummaryData {
  inputs: string[];
  tasks: { file: number; unit: number; bytes: number };
  byLanguage: Record<LanguageId, number>;
  /** JSONL files and archives opened. */
  containers: number;
  skipped: Record<SkipReason, number>;
  /** Skip records kept for the report, per reason (a prefix of all of them; see `COUNTED_REASONS`). */
  examples: Partial<Record<SkipReason, SkipRecord[]>>;
}

/** Accumulates what the walk and the workers saw. Feed it every item (`record`) and every worker-side skip (`addSkip`). */
export class CorpusSummary {
  readonly tasks = { file: 0, unit: 0, bytes: 0 };
  readonly byLanguage: Record<LanguageId, number> = Object.fromEntries(LANGUAGE_IDS.map((l) => [l, 0])) as Record<LanguageId, number>;
  readonly skipped: Record<SkipReason, number> = Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>;
  readonly examples: Partial<Record<SkipReason, SkipRecord[]>> = {};
  containers = 0;

  /**
   * @param inputs the inputs as the user gave them (for messages)
   * @param maxListed records kept per listed reason
   * @param maxCounted records kept per counted-only reason
   */
  constructor(
    readonly inputs: readonly string[],
    private readonly maxListed = 1000,
    private readonly maxCounted = 10,
  ) {}

  /** Records a task, a container or a skip from the walk. */
  record(item: CorpusItem | WalkEntry): void {
    switch (item.kind) {
      case 'skip':
        this.addSkip(item);
        return;
      case 'jsonl':
      case 'zip':
        this.containers++;
        return;
      case 'unit':
        this.tasks.unit++;
        this.byLanguage[item.unit.language]++;
        return;
      default:
        this.tasks[item.kind]++;
        this.byLanguage[item.language]++;
    }
  }

  /**
   * Records a skip (from the walk, or from a worker that found a task binary or not UTF-8).
   * A worker-side skip of a task already counted by `record` stays counted as a task too:
   * `tasks` says what was attempted, `skipped` what was left out.
   */
  addSkip(skip: SkipRecord): void {
    this.skipped[skip.reason]++;
    const cap = COUNTED_REASONS.has(skip.reason) ? this.maxCounted : this.maxListed;
    const list = (this.examples[skip.reason] ??= []);
    if (list.length < cap) list.push(skip.detail === undefined ? { path: skip.path, reason: skip.reason } : { path: skip.path, reason: skip.reason, detail: skip.detail });
  }

  /** Number of tasks of every kind. */
  get taskCount(): number {
    return this.tasks.file + this.tasks.unit + this.tasks.bytes;
  }

  /** Number of skips of every reason. */
  get skipCount(): number {
    let n = 0;
    for (const r of SKIP_REASONS) n += this.skipped[r];
    return n;
  }

  /** A plain-data copy, for reports and the cache. */
  toJSON(): CorpusSummaryData {
    return {
      inputs: [...this.inputs],
      tasks: { ...this.tasks },
      byLanguage: { ...this.byLanguage },
      containers: this.containers,
      skipped: { ...this.skipped },
      examples: Object.fromEntries(Object.entries(this.examples).map(([k, v]) => [k, v.map((r) => ({ ...r }))])),
    };
  }
}

/** Advice per skip reason, for the empty-corpus message. */
const ADVICE: Partial<Record<SkipReason, string>> = {
  'unsupported-language': 'only .java, .py and .rb (and .pyw, .rake) are read; map other extensions to a language, or force one',
  ignored: 'files excluded by .gitignore are not read; turn off .gitignore handling to include them',
  'excluded-dir': 'vendored, build and hidden folders are not entered; change the excluded folder list to include them',
  'too-large': 'raise the size cap',
  'not-utf8': 'convert the files to UTF-8',
  'jsonl-missing-field': 'each JSONL line needs string fields "code" and "language"',
  'jsonl-malformed': 'each JSONL line must be one JSON object',
};

/**
 * The `E_EMPTY_CORPUS` error: what was looked at, what was skipped and why (largest reasons
 * first, with an example path each), and how to fix it. `samples` is the number of methods the
 * extractor found, when the files were read but held no method with a body.
 */
export function emptyCorpusError(summary: CorpusSummary | CorpusSummaryData, samples = 0): EngineError {
  const data = summary instanceof CorpusSummary ? summary.toJSON() : summary;
  const inputs = data.inputs.length === 0 ? '(no inputs)' : data.inputs.join(', ');
  const taskCount = data.tasks.file + data.tasks.unit + data.tasks.bytes;
  const lines: string[] = [];
  if (taskCount > 0 && samples === 0) {
    lines.push(`No methods with a body were found in ${taskCount} source ${taskCount === 1 ? 'unit' : 'units'} read from ${inputs}.`);
  } else {
    lines.push(`No Java, Python or Ruby source was found in ${inputs}.`);
  }
  const reasons = SKIP_REASONS.filter((r) => data.skipped[r] > 0).sort((a, b) => data.skipped[b] - data.skipped[a]);
  if (reasons.length > 0) {
    lines.push('Skipped:');
    for (const r of reasons) {
      const ex = data.examples[r]?.[0];
      const example = ex ? ` (e.g. ${ex.path}${ex.detail ? `: ${ex.detail}` : ''})` : '';
      lines.push(`  ${data.skipped[r]} ${r}${example}`);
    }
  } else if (taskCount === 0) {
    lines.push('Nothing was skipped: the inputs hold no files at all.');
  }
  const advice = reasons.map((r) => ADVICE[r]).filter((a): a is string => a !== undefined);
  lines.push(
    advice.length > 0
      ? `To fix: ${advice.join('; ')}; or point memaudit at a folder, JSONL file or zip archive holding Java, Python or Ruby code.`
      : 'To fix: point memaudit at a folder, JSONL file or zip archive holding Java, Python or Ruby code.',
  );
  return new EngineError(ERROR_CODES.EMPTY_CORPUS, lines.join('\n'), { inputs: data.inputs, tasks: taskCount, samples, skipped: data.skipped });
}
