import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDataset, SampleColumns } from '../../../server/src/dataset';
import { createExtractor, DEFAULT_EXTRACT_SETTINGS, type BackendKind } from '../../../server/src/parse/extract';
import { materialize, type LanguageId } from '../../../server/src/parse/sample';
import { applyNoise, createSourceEditor, ledgerDigest, NOISE_KINDS } from '../../../server/src/noise';
import { FLAT_SKIP } from '../parse/helpers';
import { TRICKY } from './fixtures';

/** Every kind's ledger digest and replacement inputs (as strings) with one parse backend. */
async function noiseWith(backend: BackendKind): Promise<unknown[]> {
  const extractor = await createExtractor({ backend });
  const texts = new Map<string, string>();
  const samples = Object.entries(TRICKY).flatMap(([language, f]) => {
    texts.set(f.file, f.text);
    return extractor.extract({ origin: { file: f.file, root: 0 }, language: language as LanguageId, text: f.text }, DEFAULT_EXTRACT_SETTINGS).samples;
  });
  const columns = SampleColumns.fromSamples(samples);
  const dataset = buildDataset(columns, extractor.tables, { ratios: { train: 1, val: 0, test: 0 }, nearDuplicates: false });
  const ctx = { columns, dataset, editor: await createSourceEditor({ extractor }), source: (i: number) => texts.get(columns.originOf(i).file) };
  const out: unknown[] = [];
  for (const kind of NOISE_KINDS) {
    const r = await applyNoise(ctx, { kind, level: 1, seed: 1 });
    const inputs = [...r.replacements.values()].map((x) => {
      const s = materialize(x.sample, extractor.tables);
      return [x.text, s.bodyTokens, s.pathContexts];
    });
    out.push([kind, ledgerDigest(r.ledger), inputs]);
  }
  return out;
}

test('the native and the WebAssembly parser give the same noise, bit for bit', async () => {
  assert.deepEqual(await noiseWith('wasm'), await noiseWith('native'));
});

test('memaudit\'s flat addon gives the same noise as the native binding, bit for bit', { skip: FLAT_SKIP }, async () => {
  assert.deepEqual(await noiseWith('native-flat'), await noiseWith('native'));
});
