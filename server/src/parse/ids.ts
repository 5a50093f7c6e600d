/**
 * Stable sample ids and the deterministic random stream derived from them.
 */
import * as crypto from 'node:crypto';
import type { LanguageId, SampleOrigin } from './sample';

/**
 * The id of a sample: the first 16 hex digits of
 * sha1(`language\0file\0archiveEntry\0jsonlLine\0startLine:startColumn\0name`), absent fields as
 * empty strings. It depends only on where the method is and what it is called, so it is the same
 * across runs, machines, backends and processing order (`origin.root` is left out on purpose: the
 * same corpus listed in another order keeps its ids).
 */
export function sampleId(language: LanguageId, origin: SampleOrigin, startLine: number, startColumn: number, name: string): string {
  const key = `${language}\0${origin.file}\0${origin.archiveEntry ?? ''}\0${origin.jsonlLine === undefined ? '' : String(origin.jsonlLine)}\0${startLine}:${startColumn}\0${name}`;
  return sha1Hex(key).slice(0, 16);
}

/** Hex SHA-1 of a string's UTF-8: `crypto.hash` (Node ≥ 20.12, several times cheaper for short inputs) when present. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const sha1Hex: (s: string) => string = oneShot !== undefined ? (s) => oneShot('sha1', s, 'hex') : (s) => crypto.createHash('sha1').update(s, 'utf8').digest('hex');

/** The two 32-bit words of a sample id's 16 hex digits (unsigned), which seed `seededRandom`. */
export function seedWords(hexId: string): [number, number] {
  return [parseInt(hexId.slice(0, 8), 16) >>> 0, parseInt(hexId.slice(8, 16), 16) >>> 0];
}

/**
 * A small seeded generator (sfc32, the "small fast counting" generator of the PractRand suite,
 * 128-bit state) returning floats in [0, 1). Seeded by the 64 bits of a sample id, so the
 * contexts sampled for a method do not depend on what was extracted before it.
 */
export function seededRandom(hexId: string): () => number {
  let [a, b] = seedWords(hexId);
  let c = (a ^ 0x9e3779b9) >>> 0;
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // The first outputs are correlated with the seed words; a few rounds mix the state.
  for (let i = 0; i < 12; i++) next();
  return next;
}
