/**
 * The original and noised code of the findings that noisy runs corrupted: what a diff view shows
 * for "this method, as the y-shuffle 50 % run trained on it". One file per audit
 * (`noise-diffs.json` next to report.json, `AuditReport.files.noiseDiffs`), written after the
 * findings are known, so it holds at most the findings' methods and not the whole corpus.
 *
 * - Source kinds (x-delete-statement, x-leak-name, x-rename-locals, x-dead-code): the edited
 *   method text, re-derived from the kind's random stream and checked against the run's ledger
 *   (the text hash of the edit the run trained on).
 * - Label kinds (y-shuffle, y-random): the method with its declared name replaced by the noisy
 *   label written as an identifier (camelCase for Java, snake_case for Python and Ruby): the body
 *   the model read, under the name it was taught.
 * - x-mask-tokens changes extracted tokens, not code: no diff (the ledger's description stays).
 *
 * Pure TypeScript (no Node API): the engine writes it, the extension reads and checks it.
 */

/** Version of the layout below. */
export const NOISE_DIFFS_VERSION = 1;

/** One method: its text as extracted and its distinct noised texts. */
export interface NoiseDiffSample {
  sampleId: string;
  name: string;
  language: string;
  /** The method's lines as in its file (or JSONL record), text before it on its first line blanked. */
  original: string;
  /** Distinct noised texts (label kinds differ per run, source kinds per seed). */
  texts: string[];
  /** Per noisy run that corrupted it: the index of its text in `texts`. */
  runs: { runId: string; text: number }[];
}

export interface NoiseDiffs {
  version: typeof NOISE_DIFFS_VERSION;
  samples: NoiseDiffSample[];
}

/** The original and noised text of `sampleId` in `runId`, or undefined. */
export function noiseDiffOf(d: NoiseDiffs, sampleId: string, runId: string): { sample: NoiseDiffSample; original: string; noised: string } | undefined {
  const sample = d.samples.find((s) => s.sampleId === sampleId);
  const run = sample?.runs.find((r) => r.runId === runId);
  if (!sample || !run) return undefined;
  return { sample, original: sample.original, noised: sample.texts[run.text]! };
}

function isString(x: unknown): x is string {
  return typeof x === 'string';
}

/** Parses and checks a noise-diffs.json text; throws an `Error` saying what is wrong. */
export function parseNoiseDiffs(text: string): NoiseDiffs {
  const fail = (why: string): never => {
    throw new Error(`not a usable noise-diffs file: ${why}`);
  };
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    return fail((e as Error).message);
  }
  if (typeof obj !== 'object' || obj === null) return fail('not an object');
  const o = obj as { version?: unknown; samples?: unknown };
  if (o.version !== NOISE_DIFFS_VERSION) return fail(`version ${JSON.stringify(o.version)}, this memaudit reads ${NOISE_DIFFS_VERSION}`);
  if (!Array.isArray(o.samples)) return fail('samples is not a list');
  o.samples.forEach((s: unknown, i) => {
    const x = s as Partial<NoiseDiffSample> | null;
    if (typeof x !== 'object' || x === null) return fail(`samples[${i}] is not an object`);
    if (!isString(x.sampleId) || !isString(x.name) || !isString(x.language) || !isString(x.original)) return fail(`samples[${i}] lacks sampleId, name, language or original`);
    if (!Array.isArray(x.texts) || !x.texts.every(isString)) return fail(`samples[${i}].texts is not a list of texts`);
    const texts = x.texts.length;
    if (!Array.isArray(x.runs) || !x.runs.every((r: unknown) => typeof r === 'object' && r !== null && isString((r as { runId?: unknown }).runId) && Number.isInteger((r as { text?: unknown }).text) && (r as { text: number }).text >= 0 && (r as { text: number }).text < texts)) {
      return fail(`samples[${i}].runs is not a list of { runId, text } with text < ${texts}`);
    }
    return undefined;
  });
  return obj as NoiseDiffs;
}
