/**
 * `x-mask-tokens` works on the extracted tokens rather than on the source: masked code is not
 * code, so there is nothing to parse. A share `maskRate` of the body tokens becomes `<MASK>`, and
 * the same share of path-context terminals (the start and end tokens of each context; paths are
 * kept), so that the noise reaches both kinds of model (bag/transformer read body tokens,
 * code2vec reads contexts). At least one token of each non-empty list is masked, so a chosen
 * sample always changes. Positions are drawn without replacement from the sample's own stream.
 *
 * `<MASK>` is interned in the token table; as it is not in the (clean) training vocabulary it
 * maps to the vocabulary's `<UNK>` when batches are built, as an unknown word would.
 */
import type { ExtractedSample, StringTables } from '../parse/sample';
import type { Rng } from '../util/rng';
import { textHash } from './ledger';

/** The mask token's string. */
export const MASK_TOKEN = '<MASK>';

/** A masked sample and its counts. */
export interface MaskedSample {
  sample: ExtractedSample;
  maskedBody: number;
  bodyTokens: number;
  maskedTerminals: number;
  terminals: number;
}

/** k = max(1, round(rate · n)) distinct positions of [0, n), by a partial Fisher–Yates shuffle. */
function pick(n: number, rate: number, rng: Rng): number[] {
  if (n === 0) return [];
  const k = Math.min(n, Math.max(1, Math.round(rate * n)));
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx.slice(0, k);
}

/** Masks a sample; undefined when it has no body token and no context. */
export function maskSample(s: ExtractedSample, rate: number, maskId: number, rng: Rng): MaskedSample | undefined {
  const body = Int32Array.from(s.bodyTokens);
  const contexts = Int32Array.from(s.contexts);
  const terminals = 2 * Math.floor(contexts.length / 3);
  if (body.length === 0 && terminals === 0) return undefined;
  const bodyPicks = pick(body.length, rate, rng);
  for (const p of bodyPicks) body[p] = maskId;
  const terminalPicks = pick(terminals, rate, rng);
  // Terminal slot j is context j >> 1's start (even j) or end (odd j).
  for (const j of terminalPicks) contexts[3 * (j >> 1) + (j & 1 ? 2 : 0)] = maskId;
  return {
    sample: { ...s, bodyTokens: body, contexts },
    maskedBody: bodyPicks.length,
    bodyTokens: body.length,
    maskedTerminals: terminalPicks.length,
    terminals,
  };
}

/** `textHash` of a sample's tokens and contexts as strings (table-independent). */
export function tokensHash(s: ExtractedSample, tables: StringTables): string {
  const body = Array.from(s.bodyTokens, (t) => tables.tokens.get(t)).join('\u0000');
  const parts: string[] = [];
  for (let i = 0; i + 2 < s.contexts.length; i += 3) {
    parts.push(`${tables.tokens.get(s.contexts[i]!)}\u0000${tables.paths.get(s.contexts[i + 1]!)}\u0000${tables.tokens.get(s.contexts[i + 2]!)}`);
  }
  return textHash(`${body}\u0001${parts.join('\u0002')}`);
}
