/**
 * After the runs: which noisy runs corrupted each finding's method (from the runs' ledgers), and
 * the original and noised code of those methods for the report panel's diff view
 * (report/shared/noise-diffs.ts describes the file and what "noised code" means per kind).
 *
 * Nothing is kept from the runs but their ledgers on disk: a source kind's edit is drawn from
 * (kind, seed, sample id), so it is derived again here (`sourceEditOf`) and accepted only when its
 * text hash is the one the ledger recorded for the run, i.e. exactly what the model trained on.
 */
import * as path from 'node:path';
import type { SampleColumns } from '../dataset/columns';
import { isLabelKind } from './plan';
import { methodText, renameMethod, sourceEditOf, SOURCE_KINDS, textHash, type Ledger, type LedgerEntry, type NoiseKind, type SourceEditor } from '../noise';
import { NOISE_DIFFS_VERSION, type NoiseDiffSample, type NoiseDiffs } from '../report/shared/noise-diffs';
import type { Finding, FindingNoise, RunReport } from '../protocol/report';
import { readJsonIfValid } from '../util/atomic';
import { labelIdentifier } from '../report/shared/format';

export { labelIdentifier };

export interface FindingNoiseInput {
  findings: readonly Finding[];
  runs: readonly RunReport[];
  /** The audit's folder (run files are relative to it). */
  runDir: string;
  columns: SampleColumns;
  /** Dataset indices of the training positions. */
  trainIdx: Int32Array;
  /** The text each sample was extracted from. */
  source: (index: number) => string | undefined;
  /** The audit's source editor (parses methods). */
  editor: () => Promise<SourceEditor>;
  log?: (message: string) => void;
}

/**
 * The findings with their `noise` (every noisy run whose ledger lists the method) and the diffs
 * file (undefined when no finding was corrupted by a run that changes code or labels).
 */
export async function findingNoise(input: FindingNoiseInput): Promise<{ findings: Finding[]; diffs: NoiseDiffs | undefined }> {
  const wanted = new Set(input.findings.map((f) => f.sampleId));
  const indexOf = new Map<string, number>();
  for (const i of input.trainIdx) {
    const id = input.columns.ids[i]!;
    if (wanted.has(id)) indexOf.set(id, i);
  }
  // Ledger entries of the findings, per noisy run in report order.
  const hits = new Map<string, { run: RunReport; entry: LedgerEntry }[]>();
  for (const run of input.runs) {
    if (run.kind === 'none' || run.level === 0 || !run.files.ledger) continue;
    const ledger = readJsonIfValid<Ledger>(path.join(input.runDir, run.files.ledger));
    if (!ledger || !Array.isArray(ledger.entries)) {
      input.log?.(`the ledger of ${run.id} is missing or unreadable; its corruptions are not shown with the findings`);
      continue;
    }
    for (const entry of ledger.entries) {
      if (!wanted.has(entry.id)) continue;
      const list = hits.get(entry.id) ?? [];
      list.push({ run, entry });
      hits.set(entry.id, list);
    }
  }
  const samples: NoiseDiffSample[] = [];
  const findings: Finding[] = [];
  for (const f of input.findings) {
    const list = hits.get(f.sampleId) ?? [];
    const index = indexOf.get(f.sampleId);
    const noise: FindingNoise[] = [];
    let diff: NoiseDiffSample | undefined;
    const unit = index === undefined ? undefined : input.source(index);
    const original = index === undefined ? undefined : input.columns.sample(index);
    const text = original && unit !== undefined ? methodText(unit, original.range) : undefined;
    // Source edits of one (kind, seed) are the same at every level: derive each once.
    const edits = new Map<string, string | undefined>();
    const noisedText = async (run: RunReport, entry: LedgerEntry): Promise<string | undefined> => {
      if (!original || unit === undefined) return undefined;
      const kind = run.kind as NoiseKind;
      if (isLabelKind(kind)) return renameMethod(await input.editor(), original, unit, labelIdentifier(entry.to, original.language))?.after;
      if (!(SOURCE_KINDS as readonly string[]).includes(kind)) return undefined;
      const key = `${kind}\u0000${run.seed}`;
      if (!edits.has(key)) {
        const out = sourceEditOf(await input.editor(), kind, run.seed, original, unit);
        // Only the edit the run trained on (the ledger's hash of the noised text).
        edits.set(key, out.ok && textHash(out.value.after) === entry.to ? out.value.after : undefined);
      }
      return edits.get(key);
    };
    for (const { run, entry } of list) {
      let noised: string | undefined;
      try {
        noised = text === undefined ? undefined : await noisedText(run, entry);
      } catch (e) {
        // The diff view is a nicety: a method the editor cannot handle gets none, the audit goes on.
        input.log?.(`no diff view of ${f.name} in ${run.id}: ${(e as Error).message}`);
      }
      if (noised !== undefined && text !== undefined) {
        diff ??= { sampleId: f.sampleId, name: f.name, language: f.language, original: text, texts: [], runs: [] };
        let t = diff.texts.indexOf(noised);
        if (t < 0) t = diff.texts.push(noised) - 1;
        diff.runs.push({ runId: run.id, text: t });
      }
      const kind = run.kind as NoiseKind;
      noise.push({
        runId: run.id,
        kind: run.kind,
        level: run.level,
        seed: run.seed,
        edit: entry.edit,
        ...(isLabelKind(kind) ? { label: { from: entry.from, to: entry.to } } : {}),
        diff: noised !== undefined && text !== undefined,
      });
    }
    if (diff) samples.push(diff);
    findings.push({ ...f, noise });
  }
  return { findings, diffs: samples.length > 0 ? { version: NOISE_DIFFS_VERSION, samples } : undefined };
}
