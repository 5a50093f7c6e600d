/**
 * The label setting of a dataset (the task): `full` method naming (every training name is a
 * class) or `top:K`, the setting of Rabin et al.'s "Top-10" datasets: only methods whose name is
 * among the K most frequent names of the training split are kept, in every split, so the task is
 * classification into K classes. Names are compared as labels (`dataset/columns.ts` `labelOf`:
 * lower-cased subtokens joined with '|'), so `getName`, `get_name` and `GetName` are one name,
 * `get|name`, as in code2vec's data.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { buildVocabulary, UNK } from './vocab';

/** `full`, or `top:K`. */
export type LabelSetting = 'full' | `top:${number}`;

/** The largest K of `top:K` accepted (beyond it, `full` is the setting meant). */
export const MAX_TOP_LABELS = 100_000;

/**
 * K of a label setting, or 0 for `full`. Throws `E_CONFIG` naming `field` for anything else
 * (`top:0`, `top:x`, `top10`).
 */
export function topLabelsOf(setting: unknown, field = 'labels'): number {
  if (setting === 'full') return 0;
  const m = typeof setting === 'string' ? /^top:(\d+)$/.exec(setting.trim()) : null;
  const k = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(k) || k < 1 || k > MAX_TOP_LABELS) {
    throw new EngineError(
      ERROR_CODES.CONFIG,
      `${field}: must be 'full' or 'top:K' with K an integer from 1 to ${MAX_TOP_LABELS}, e.g. 'top:10' (got ${JSON.stringify(setting)})`,
      { field },
    );
  }
  return k;
}

/** The setting's canonical text (`top:10`, `full`). */
export function labelSettingText(topLabels: number): LabelSetting {
  return topLabels > 0 ? `top:${topLabels}` : 'full';
}

/**
 * The K most frequent non-empty labels among the given samples, as a table-id → kept flag.
 * Order: count descending, then label string ascending (code-point order), the same rule as
 * every vocabulary (`buildVocabulary`), so ties at the K-th place are broken by the name and the
 * choice does not depend on the order of the samples. An empty label (a name without letters or
 * digits, e.g. an operator) is never chosen: it is no name to predict.
 */
export function topLabels(labelIds: ArrayLike<number>, samples: Int32Array, strings: readonly string[], k: number): { kept: Uint8Array; chosen: number; candidates: number } {
  const counts = new Int32Array(strings.length);
  for (const i of samples) {
    const id = labelIds[i]!;
    if (strings[id] !== '') counts[id]!++;
  }
  const vocab = buildVocabulary(counts, strings, { topK: k, minCount: 1 }, [UNK], 'labels');
  const kept = new Uint8Array(strings.length);
  for (let id = 0; id < strings.length; id++) if (vocab.fromTable[id] !== vocab.unk) kept[id] = 1;
  let candidates = 0;
  for (const v of counts) if (v > 0) candidates++;
  return { kept, chosen: vocab.strings.length - 1, candidates };
}
