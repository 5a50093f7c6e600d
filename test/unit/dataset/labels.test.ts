/**
 * The `top:K` label setting (dataset/labels.ts): parsing, the choice of the K names (ties, empty
 * names, fewer than K), the filtering of every split by the training split's K names, and noise
 * that stays within the K classes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDataset, resolveDatasetOptions, type Dataset } from '../../../server/src/dataset/build';
import { datasetCacheKey } from '../../../server/src/cache/dataset-cache';
import { SampleColumns } from '../../../server/src/dataset/columns';
import { STATUS } from '../../../server/src/dataset/dedup';
import { labelSettingText, topLabels, topLabelsOf } from '../../../server/src/dataset/labels';
import { applyNoise } from '../../../server/src/noise';
import { makeSamples, rng, type SampleSpec } from './helpers';

function configError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => (e as { code?: string }).code === 'E_CONFIG' && pattern.test((e as Error).message));
}

describe('topLabelsOf', () => {
  it('reads full and top:K', () => {
    assert.equal(topLabelsOf('full'), 0);
    assert.equal(topLabelsOf('top:10'), 10);
    assert.equal(topLabelsOf(' top:3 '), 3);
    assert.equal(labelSettingText(0), 'full');
    assert.equal(labelSettingText(10), 'top:10');
  });

  it('refuses top:0, top:x and other spellings, naming the field', () => {
    for (const bad of ['top:0', 'top:x', 'top:', 'top10', 'top:-1', 'top:1.5', 'Top:10', '', 10, null, undefined]) {
      configError(() => topLabelsOf(bad, 'labels'), /^labels: must be 'full' or 'top:K'/);
    }
    configError(() => topLabelsOf('top:100001'), /from 1 to 100000/);
  });
});

describe('topLabels', () => {
  // Label strings by table id; samples are indices into `ids`.
  const strings = ['', 'get', 'set', 'size', 'run', 'zz'];

  it('keeps the K most frequent, ties broken by the name, whatever the order of the samples', () => {
    // get ×3, size ×2, set ×2, run ×2, zz ×1: K = 2 keeps get and (set, size, run tied) run.
    const ids = [1, 1, 1, 3, 3, 2, 2, 4, 4, 5];
    const forward = topLabels(ids, Int32Array.from(ids.keys()), strings, 2);
    assert.deepEqual([...forward.kept], [0, 1, 0, 0, 1, 0]);
    assert.equal(forward.chosen, 2);
    assert.equal(forward.candidates, 5);
    const backward = topLabels(ids, Int32Array.from(ids.keys()).reverse(), strings, 2);
    assert.deepEqual(backward.kept, forward.kept);
  });

  it('counts only the given samples, never keeps the empty name, and keeps fewer when there are fewer', () => {
    const ids = [0, 0, 0, 0, 2, 5, 5, 1];
    // Samples 0..6 only: '' ×4 is not a name; zz ×2, set ×1.
    const r = topLabels(ids, Int32Array.from([0, 1, 2, 3, 4, 5, 6]), strings, 10);
    assert.deepEqual([...r.kept], [0, 0, 1, 0, 0, 1]);
    assert.equal(r.chosen, 2);
    assert.equal(r.candidates, 2);
  });
});

/**
 * 300 files; each holds a few methods named from a skewed distribution (name n with weight
 * ~ 1/(n+1)), so that the top names are clear but rare names exist, and one method without a
 * name (an operator) per file.
 */
function corpusSpecs(): SampleSpec[] {
  const r = rng(11);
  const names = Array.from({ length: 30 }, (_, n) => `name|${String.fromCharCode(97 + (n % 26))}${n}`);
  const specs: SampleSpec[] = [];
  for (let f = 0; f < 300; f++) {
    for (let m = 0; m < 4; m++) {
      const n = Math.max(0, Math.min(29, Math.floor(1 / (0.03 + r(1000) / 1000)) - 1));
      const body = Array.from({ length: 6 + r(8) }, () => `t${r(200)}`);
      specs.push({ label: names[n]!, body, contexts: [[body[0]!, `p${r(20)}`, body[1]!]], file: `src/F${f}.java`, line: 10 * m + 1 });
    }
    specs.push({ label: '', body: ['x', `u${f}`], file: `src/F${f}.java`, line: 99 });
  }
  return specs;
}

function build(topLabelsK: number | undefined): { c: SampleColumns; d: Dataset } {
  const { samples, tables } = makeSamples(corpusSpecs());
  const c = SampleColumns.fromSamples(samples);
  return { c, d: buildDataset(c, tables, { seed: 2, ...(topLabelsK ? { topLabels: topLabelsK } : {}) }) };
}

describe('buildDataset with topLabels', () => {
  const full = build(undefined);
  const top = build(5);
  const { c, d } = top;

  it('keeps, in every split, exactly the methods whose name is among the 5 most frequent names of the full training split', () => {
    const chosen = topLabels(c.label, full.d.train, c.strings, 5).kept;
    for (const name of ['train', 'val', 'test'] as const) {
      const expected = full.d[name].filter((i) => chosen[c.label[i]!] === 1);
      assert.deepEqual([...d[name]], [...expected], name);
      assert.ok(d[name].length > 0, `${name} is not empty`);
      for (const i of full.d[name]) if (chosen[c.label[i]!] !== 1) assert.equal(d.status[i], STATUS.outsideTopLabels);
    }
    assert.deepEqual(d.report.labels, {
      setting: 'top:5',
      classes: 5,
      candidates: full.d.report.vocab.labels.candidates - 1, // the empty name is no candidate
      outside: { train: full.d.train.length - d.train.length, val: full.d.val.length - d.val.length, test: full.d.test.length - d.test.length },
    });
    assert.ok(d.report.labels!.outside.val + d.report.labels!.outside.test > 0, 'val and test are filtered too');
    assert.deepEqual(d.report.kept, { train: d.train.length, val: d.val.length, test: d.test.length });
  });

  it('has K label classes (besides the unused <UNK>) and no kept method outside them', () => {
    assert.equal(d.vocab.labels.strings.length, 6);
    assert.equal(d.vocab.labels.unk, 0);
    for (const list of [d.train, d.val, d.test]) for (const i of list) assert.notEqual(d.labelClass[i], d.vocab.labels.unk);
    assert.deepEqual(d.report.vocab.labels.coverage, { train: 1, val: 1, test: 1 });
  });

  it('warns when training has fewer than K names, and keeps them all', () => {
    const many = build(100);
    assert.equal(many.d.report.labels!.classes, full.d.report.vocab.labels.candidates - 1);
    assert.ok(many.d.report.warnings.some((w) => /labels top:100: the training split has only \d+ distinct method names/.test(w)));
  });

  it('keeps the cache key of full datasets, and gives top:K its own', () => {
    assert.deepEqual(resolveDatasetOptions({ seed: 2 }), resolveDatasetOptions({ seed: 2, topLabels: 0 }));
    assert.equal('topLabels' in resolveDatasetOptions({}), false);
    const key = (o: Parameters<typeof resolveDatasetOptions>[0]) => datasetCacheKey('corpus', resolveDatasetOptions(o));
    assert.notEqual(key({ topLabels: 10 }), key({}));
    assert.notEqual(key({ topLabels: 10 }), key({ topLabels: 11 }));
    configError(() => resolveDatasetOptions({ topLabels: 2.5 }), /topLabels/);
  });

  it('y-shuffle and y-random draw labels within the K classes', async () => {
    const ctx = { columns: c, dataset: { train: d.train, labelClass: d.labelClass, vocab: d.vocab }, tables: makeSamples([]).tables };
    for (const kind of ['y-shuffle', 'y-random'] as const) {
      const r = await applyNoise(ctx, { kind, level: 1, seed: 1 });
      assert.ok(r.ledger.entries.length > d.train.length / 2, `${kind} changed most labels`);
      for (const label of r.trainLabels) assert.ok(label >= 1 && label <= 5, `${kind}: class ${label} is one of the 5`);
    }
  });
});
