/** Shared helpers of the metrics tests: small dynamics from plain per-sample series. */
import assert from 'node:assert/strict';
import { ERROR_CODES, isEngineError } from '../../../server/src/errors';
import { dynamicsFromRows, type DynamicsSource } from '../../../server/src/metrics/dynamics-source';

/** Per-sample series over epochs: `field[p][e]`. Missing fields are filled with 0 (top1: the label). */
export interface SampleSeries {
  loss?: number[][];
  margin?: number[][];
  pLabel?: number[][];
  top1?: number[][];
}

/** Dynamics of `labels.length` samples over `epochs` epochs, from series given per sample. */
export function dynOf(labels: number[], epochs: number, s: SampleSeries): DynamicsSource {
  const n = labels.length;
  const rows = [];
  for (let e = 0; e < epochs; e++) {
    const col = (f: number[][] | undefined, dflt: (p: number) => number) => Array.from({ length: n }, (_, p) => (f ? f[p]![e]! : dflt(p)));
    rows.push({
      loss: Float32Array.from(col(s.loss, () => 0)),
      margin: Float32Array.from(col(s.margin, () => 0)),
      pLabel: Float32Array.from(col(s.pLabel, () => 0)),
      top1: Int32Array.from(col(s.top1, (p) => labels[p]!)),
    });
  }
  return dynamicsFromRows(Int32Array.from(labels), rows);
}

/** Asserts that `f` throws an EngineError with code `E_CONFIG` (or `code`) whose message contains `fragment`. */
export function throwsCode(f: () => unknown, fragment: string, code: string = ERROR_CODES.CONFIG): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(isEngineError(e), `expected an EngineError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.ok(e.message.includes(fragment), `message "${e.message}" lacks "${fragment}"`);
    return true;
  });
}

/** Async variant of {@link throwsCode}. */
export async function rejectsCode(f: () => Promise<unknown>, fragment: string, code: string = ERROR_CODES.CONFIG): Promise<void> {
  await assert.rejects(f, (e: unknown) => {
    assert.ok(isEngineError(e), `expected an EngineError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.ok(e.message.includes(fragment), `message "${e.message}" lacks "${fragment}"`);
    return true;
  });
}

/** |a − b| ≤ tol, with a readable message. */
export function near(actual: number, expected: number, tol = 1e-12, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} ≠ ${expected} (tol ${tol})`);
}

/** Elementwise {@link near} (NaN matches NaN, infinities must be equal). */
export function nearAll(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-12, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) {
    if (Number.isNaN(expected[i])) assert.ok(Number.isNaN(actual[i]), `${what}[${i}] = ${actual[i]}, expected NaN`);
    else if (!Number.isFinite(expected[i])) assert.equal(actual[i], expected[i], `${what}[${i}]`);
    else near(actual[i]!, expected[i]!, tol, `${what}[${i}]`);
  }
}
