/** Sample sources and model creation errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildArchitecture, createModel } from '../../../models/registry';
import type { Dataset, SampleColumns } from '../../../server/src/dataset';
import { datasetSource, labelSubtokenIds } from '../../../server/src/dataset/source';

function vocab(fromTable: number[], size: number) {
  return { strings: Array.from({ length: size }, (_, i) => `s${i}`), counts: new Int32Array(size), fromTable: Int32Array.from(fromTable), unk: 1, pad: 0 };
}

test('datasetSource maps table ids to vocabulary ids (UNK for unknown)', () => {
  // Only the fields datasetSource reads.
  const columns = {
    body: (i: number) => Int32Array.from(i === 0 ? [0, 1, 2] : [2]),
    contextsOf: () => Int32Array.from([0, 1, 2, 2, 0, 1]),
  } as unknown as SampleColumns;
  const dataset = { vocab: { tokens: vocab([2, 3, 1], 4), paths: vocab([2, 1], 3), labels: vocab([], 5) } } as unknown as Dataset;
  const s = datasetSource(columns, dataset);
  // Label c is 'sc', a one-subtoken name; 's1' is the <UNK> label; 's4' is not a token.
  assert.deepEqual(s.sizes, { tokens: 4, paths: 3, labels: 5, labelSubtokens: [[0], [], [2], [3], []] });
  assert.deepEqual(Array.from(s.bodyTokens(0)), [2, 3, 1]);
  // Path table id 2 is beyond the path vocabulary's fromTable: UNK.
  assert.deepEqual(Array.from(s.contexts(0)), [2, 1, 1, 1, 2, 3]);
});

test('bad model names, presets and hyper-parameters are E_CONFIG', async () => {
  const sizes = { tokens: 10, paths: 10, labels: 3 };
  assert.throws(() => buildArchitecture('lstm', sizes), (e: { code: string; message: string }) => e.code === 'E_CONFIG' && /bag, code2vec, transformer/.test(e.message));
  assert.throws(() => buildArchitecture('bag', sizes, 'huge'), /valid presets are tiny, small, reference/);
  assert.throws(() => buildArchitecture('bag', sizes, 'tiny', { depth: 3 }), /no hyper-parameter 'depth'/);
  assert.throws(() => buildArchitecture('transformer', sizes, 'tiny', { heads: 3 }), /divisible by heads/);
  assert.throws(() => buildArchitecture('code2vec', { ...sizes, paths: 0 }), /paths vocabulary/);
  await assert.rejects(createModel('bag', { preset: 'tiny' }), /pass 'sizes' or a 'source'/);
  await assert.rejects(createModel('bag', { sizes, preset: 'tiny', stepsPerRun: 0, device: 'cpu' }), /stepsPerRun/);
});

test('labelSubtokenIds: the token ids of each label subtoken, unknown subtokens left out, none for <UNK>', () => {
  const tokens = ['<PAD>', '<UNK>', 'get', 'user', 'name', 'set'];
  const labels = ['<UNK>', 'get|user|name', 'set|name', 'parse|http', 'name|name'];
  assert.deepEqual(labelSubtokenIds(labels, tokens, 0), [[], [2, 3, 4], [5, 4], [], [4, 4]]);
});
