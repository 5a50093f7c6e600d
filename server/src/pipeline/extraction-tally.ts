/**
 * What an extraction gathers as it goes: the samples (reused from the corpus cache or merged from
 * the workers), the counts the summary shows (files seen / parsed / skipped and why, samples per
 * language, methods dropped for syntax errors or missing bodies), and per source the counters the
 * cache keeps so that a partial hit can report complete statistics.
 */
import { fingerprintOf, type CorpusSnapshot, type SourceFingerprint, type SourceRecord } from '../cache/corpus-cache';
import type { CorpusTask, SkipRecord, WalkEntry } from '../corpus/types';
import { batchLanguage, SampleColumnsBuilder } from '../dataset/columns';
import { LANGUAGE_IDS, type ExtractedSample, type LanguageId, type StringTables } from '../parse/sample';
import type { TaskOutcome } from './messages';
import type { MergedBatch } from './pool';

export interface ExtractionStats {
  /** Source units seen: files, JSONL records and archive entries, parsed or not (ignored and excluded ones not included). */
  seen: number;
  /** Units parsed. */
  parsed: number;
  /** Parsed units with at least one syntax error (their error-free methods are kept). */
  withSyntaxErrors: number;
  /** Skip counts by reason. */
  skipped: Record<string, number>;
  /** Some examples of each skip reason. */
  skipExamples: SkipRecord[];
  /** Samples per language. */
  samplesByLanguage: Record<LanguageId, number>;
  /** Methods left out because their own subtree has a syntax error. */
  methodsWithErrors: number;
  /** Methods left out because they have no body (abstract, interface, native). */
  bodiless: number;
  /** UTF-8 bytes of source parsed. */
  bytes: number;
}

/** How many examples of each skip reason the summary keeps (the counts are always complete). */
const SKIP_EXAMPLES_PER_REASON = 20;

/** Skip reasons that describe deliberate exclusions, not problems; they do not count as "seen". */
const EXCLUSIONS = new Set(['ignored', 'excluded-dir']);

/** Per-source counters kept in the cache so a partial hit can report complete statistics. */
interface SourceCounters {
  samples: number;
  methodsWithErrors: number;
  bodiless: number;
  withSyntaxErrors: number;
  parsed: number;
  bytes: number;
}

function emptyStats(): ExtractionStats {
  return {
    seen: 0,
    parsed: 0,
    withSyntaxErrors: 0,
    skipped: {},
    skipExamples: [],
    samplesByLanguage: Object.fromEntries(LANGUAGE_IDS.map((l) => [l, 0])) as Record<LanguageId, number>,
    methodsWithErrors: 0,
    bodiless: 0,
    bytes: 0,
  };
}

function sourceKeyOf(root: number, file: string): string {
  return `${root}\u0000${file}`;
}

export class ExtractionTally {
  readonly stats = emptyStats();
  readonly builder = new SampleColumnsBuilder();
  /** Sources whose samples came from the cache. */
  reusedSources = 0;
  /** Cache records of the reused sources, in walk order. */
  private readonly reused: SourceRecord[] = [];
  /** The sources handed to the workers, by `sourceKeyOf`. */
  private readonly parsing = new Map<string, { fp: SourceFingerprint; c: SourceCounters }>();
  private readonly examplesPerReason = new Map<string, number>();

  /** Counts a skipped input, keeping the first few of each reason as examples. */
  skip(s: { path: string; reason: string; detail?: string }): void {
    const stats = this.stats;
    stats.skipped[s.reason] = (stats.skipped[s.reason] ?? 0) + 1;
    if (!EXCLUSIONS.has(s.reason)) stats.seen++;
    const n = this.examplesPerReason.get(s.reason) ?? 0;
    if (n < SKIP_EXAMPLES_PER_REASON) {
      this.examplesPerReason.set(s.reason, n + 1);
      stats.skipExamples.push(s as SkipRecord);
    }
  }

  /**
   * Records a walk entry; true when it is to be parsed. A skip is counted; a source unchanged
   * since `snapshot` was saved has its samples re-interned into `tables` and taken as they are.
   */
  toParse(e: WalkEntry, snapshot?: CorpusSnapshot, tables?: StringTables): boolean {
    if (e.kind === 'skip') {
      this.skip(e);
      return false;
    }
    const fp = fingerprintOf(e);
    const hit = snapshot?.lookup(fp);
    const cached = hit ? snapshot!.samplesOf(fp, tables) : undefined;
    if (hit && cached) {
      this.reuse(fp, hit.counters, cached);
      return false;
    }
    this.parsing.set(sourceKeyOf(fp.root, fp.file), {
      fp,
      c: { samples: 0, methodsWithErrors: 0, bodiless: 0, withSyntaxErrors: 0, parsed: 0, bytes: 0 },
    });
    return true;
  }

  private reuse(fp: SourceFingerprint, counters: Readonly<Record<string, number>> | undefined, samples: readonly ExtractedSample[]): void {
    const stats = this.stats;
    this.reusedSources++;
    const c = counters as Partial<SourceCounters> | undefined;
    stats.seen += c?.parsed ?? 1;
    stats.parsed += c?.parsed ?? 1;
    stats.withSyntaxErrors += c?.withSyntaxErrors ?? 0;
    stats.methodsWithErrors += c?.methodsWithErrors ?? 0;
    stats.bodiless += c?.bodiless ?? 0;
    stats.bytes += c?.bytes ?? 0;
    for (const s of samples) {
      stats.samplesByLanguage[s.language]++;
      this.builder.add(s);
    }
    this.reused.push({ ...fp, ...(counters ? { counters } : {}) });
  }

  /** Adds a batch the workers extracted: its outcomes to the counts, its samples to the columns. */
  addBatch({ tasks, outcomes, samples }: MergedBatch): void {
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i]!;
      const outcome = outcomes[i]!;
      if (outcome.ok) this.parsed(task, outcome);
      else this.skip({ path: describeTask(task), reason: outcome.reason, detail: outcome.detail });
    }
    for (let i = 0; i < samples.count; i++) this.stats.samplesByLanguage[LANGUAGE_IDS[batchLanguage(samples, i)]!]++;
    this.builder.addBatch(samples);
  }

  private parsed(task: CorpusTask, outcome: Extract<TaskOutcome, { ok: true }>): void {
    const stats = this.stats;
    stats.seen++;
    stats.parsed++;
    stats.bytes += outcome.bytes;
    if (outcome.hadSyntaxErrors) stats.withSyntaxErrors++;
    stats.methodsWithErrors += outcome.methodsWithErrors;
    stats.bodiless += outcome.bodiless;
    const o = task.kind === 'unit' ? task.unit.origin : task.origin;
    const entry = this.parsing.get(sourceKeyOf(o.root, o.file));
    if (!entry) return;
    const c = entry.c;
    c.parsed++;
    c.samples += outcome.samples;
    c.methodsWithErrors += outcome.methodsWithErrors;
    c.bodiless += outcome.bodiless;
    c.withSyntaxErrors += outcome.hadSyntaxErrors ? 1 : 0;
    c.bytes += outcome.bytes;
  }

  /** Sources handed to the workers. */
  get parsedSources(): number {
    return this.parsing.size;
  }

  /**
   * The cache's source records: the reused ones, then those that parsed. A source the workers
   * skipped is left out, so that its skip is reported again next time.
   */
  sourceRecords(): SourceRecord[] {
    const records = [...this.reused];
    for (const { fp, c } of this.parsing.values()) if (c.parsed > 0) records.push({ ...fp, counters: { ...c } });
    return records;
  }
}

/** A task's location as the user would recognise it. */
export function describeTask(task: CorpusTask): string {
  const o = task.kind === 'unit' ? task.unit.origin : task.origin;
  if (o.jsonlLine !== undefined) return `${o.file}:${o.jsonlLine}`;
  if (o.archiveEntry !== undefined) return `${o.file}!${o.archiveEntry}`;
  return task.kind === 'file' ? task.absPath : o.file;
}
