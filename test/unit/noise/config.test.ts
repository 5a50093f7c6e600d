import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDataset, SampleColumns } from '../../../server/src/dataset';
import { EngineError } from '../../../server/src/errors';
import { StringTable } from '../../../server/src/parse/sample';
import {
  applyNoise,
  compactLedger,
  corruptedMask,
  ledgerDigest,
  methodText,
  NOISE_KINDS,
  parseTree,
  resolveNoiseItem,
  textHash,
  wrapMethod,
  type Ledger,
} from '../../../server/src/noise';
import { corpus, corpusOf, LANGUAGES } from './helpers';

function configError(field: string, ...words: string[]): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof EngineError);
    assert.equal(e.code, 'E_CONFIG');
    assert.equal(e.details?.['field'], field);
    for (const w of words) assert.ok(e.message.includes(w), `"${e.message}" mentions ${w}`);
    return true;
  };
}

test('invalid plan items are E_CONFIG errors naming the field and the valid choices', async () => {
  assert.throws(() => resolveNoiseItem({ kind: 'y-swap', level: 0.5, seed: 0 }), configError('noise.kind', 'y-swap', ...NOISE_KINDS));
  for (const level of [-0.1, 1.5, Number.NaN]) {
    assert.throws(() => resolveNoiseItem({ kind: 'y-shuffle', level, seed: 0 }), configError('noise.level', '[0, 1]'));
  }
  assert.throws(() => resolveNoiseItem({ kind: 'y-shuffle', level: '0.5' as unknown as number, seed: 0 }), configError('noise.level'));
  assert.throws(() => resolveNoiseItem({ kind: 'y-shuffle', level: 0.5, seed: 1.5 }), configError('noise.seed', 'integer'));
  assert.throws(() => resolveNoiseItem({ kind: 'x-mask-tokens', level: 0.5, seed: 0, maskRate: 0 }), configError('noise.maskRate', '(0, 1]'));
  assert.throws(() => resolveNoiseItem({ kind: 'y-random', level: 0.5, seed: 0, maskRate: 0.5 }), configError('noise.maskRate', 'x-mask-tokens'));
  assert.deepEqual(resolveNoiseItem({ kind: 'x-mask-tokens', level: 0.5, seed: 0 }).options, { maskRate: 0.25 });
  const c = await corpus('python');
  await assert.rejects(applyNoise(c.ctx, { kind: 'x-leak-name', level: 2, seed: 0 }), configError('noise.level'));
  // A source kind without an editor or a source lookup says what to give.
  await assert.rejects(applyNoise({ columns: c.columns, dataset: c.dataset }, { kind: 'x-dead-code', level: 0.5, seed: 0 }), configError('noise.kind', 'editor', 'source'));
  await assert.rejects(applyNoise({ columns: c.columns, dataset: c.dataset }, { kind: 'x-mask-tokens', level: 0.5, seed: 0 }), configError('noise.kind', 'tables'));
});

test('the ledger is plain JSON; the compact form and the corrupted mask hold the same facts', async () => {
  const c = await corpus('ruby');
  for (const kind of NOISE_KINDS) {
    const r = await applyNoise(c.ctx, { kind, level: 0.4, seed: 12 });
    const json: Ledger = JSON.parse(JSON.stringify(r.ledger)) as Ledger;
    assert.deepEqual(json, r.ledger);
    assert.equal(ledgerDigest(json), ledgerDigest(r.ledger));
    const compact = compactLedger(r.ledger);
    assert.deepEqual([...compact.positions], r.ledger.entries.map((e) => e.position));
    assert.deepEqual([...compact.indices], r.ledger.entries.map((e) => e.index));
    assert.deepEqual([...compact.skippedPositions], r.ledger.skipped.map((s) => s.position));
    if (kind.startsWith('y-')) {
      assert.deepEqual([...compact.from], r.ledger.entries.map((e) => e.fromClass));
      assert.deepEqual([...compact.to], r.ledger.entries.map((e) => e.toClass));
    } else {
      assert.deepEqual([...compact.from], r.ledger.entries.map((e) => parseInt(e.from.slice(5, 13), 16)));
    }
    const mask = corruptedMask(compact);
    assert.deepEqual(mask, corruptedMask(r.ledger));
    assert.equal(mask.length, c.dataset.train.length);
    assert.equal(mask.reduce((a, b) => a + b, 0), r.ledger.entries.length);
    const positions = [...r.ledger.entries, ...r.ledger.skipped].map((e) => e.position);
    assert.deepEqual(positions.slice().sort((a, b) => a - b), [...new Set(positions)].sort((a, b) => a - b));
  }
});

test('validation and test samples are never corrupted', async () => {
  const base = await corpus('java');
  const c = await corpusOf(base.units, { dataset: { ratios: { train: 0.6, val: 0.2, test: 0.2 }, seed: 3 } });
  assert.ok(c.dataset.val.length + c.dataset.test.length > 0);
  const train = new Set(c.dataset.train);
  for (const kind of NOISE_KINDS) {
    const r = await applyNoise(c.ctx, { kind, level: 1, seed: 1 });
    assert.equal(r.trainLabels.length, c.dataset.train.length);
    for (const e of r.ledger.entries) assert.ok(train.has(e.index));
    for (const i of r.replacements.keys()) assert.ok(train.has(i));
  }
});

test('a sample whose source is unavailable or has changed is left clean, with the reason', async () => {
  const c = await corpus('python');
  const first = c.dataset.train[0]!;
  const firstFile = c.columns.originOf(first).file;
  const source = (i: number) => {
    const file = c.columns.originOf(i).file;
    if (file === firstFile) return undefined;
    // Another file's methods moved two lines down since extraction.
    return file.startsWith('shapes/') ? `\n\n${c.textOf(i)}` : c.textOf(i);
  };
  const r = await applyNoise({ ...c.ctx, source }, { kind: 'x-rename-locals', level: 1, seed: 1 });
  const reasons = new Map(r.ledger.skipped.map((s) => [s.index, s.reason]));
  for (const i of c.dataset.train) {
    const file = c.columns.originOf(i).file;
    if (file === firstFile) assert.equal(reasons.get(i), 'source-unavailable');
    if (file.startsWith('shapes/')) assert.equal(reasons.get(i), 'source-mismatch');
  }
});

test('cancellation rejects with E_CANCELLED; progress reaches the total', async () => {
  const c = await corpus('java');
  const seen: [number, number][] = [];
  await applyNoise({ ...c.ctx, onProgress: (done, total) => seen.push([done, total]) }, { kind: 'x-dead-code', level: 1, seed: 1 });
  assert.deepEqual(seen[seen.length - 1], [c.dataset.train.length, c.dataset.train.length]);
  let polls = 0;
  await assert.rejects(
    applyNoise({ ...c.ctx, isCancelled: () => ++polls > 1 }, { kind: 'x-dead-code', level: 1, seed: 1 }),
    (e: unknown) => e instanceof EngineError && e.code === 'E_CANCELLED',
  );
});

for (const language of LANGUAGES) {
  test(`source kinds on ${language} CodeSearchNet-style snippets (ranges relative to the record's code)`, async () => {
    const base = await corpus(language);
    // Each method of the tricky file becomes one JSONL-like record: its text as cut from the file,
    // the first line without indentation (as CodeSearchNet stores Python methods of classes).
    const records = base.units
      .filter((u) => u.file.startsWith('tricky/'))
      .flatMap((u) => {
        const samples = [...base.dataset.train].filter((i) => base.columns.originOf(i).file === u.file);
        return samples.map((i, k) => ({ file: `records-${language}.jsonl#${k}`, text: methodText(u.text, base.columns.sample(i).range)!.trimStart() }));
      });
    const units = records.map((r) => ({ ...r, language }));
    const { extractor } = base;
    const samples = units.flatMap((u, k) => extractor.extract({ origin: { file: u.file, root: 0, jsonlLine: k + 1 }, language, text: u.text, snippet: true }, base.settings).samples);
    assert.ok(samples.length >= records.length - 2, 'the snippets extract');
    const columns = SampleColumns.fromSamples(samples);
    const dataset = buildDataset(columns, extractor.tables, { ratios: { train: 1, val: 0, test: 0 }, nearDuplicates: false });
    const texts = new Map(units.map((u) => [u.file, u.text]));
    const ctx = { columns, dataset, editor: base.editor, source: (i: number) => texts.get(columns.originOf(i).file) };
    for (const kind of ['x-rename-locals', 'x-delete-statement', 'x-leak-name', 'x-dead-code'] as const) {
      const r = await applyNoise(ctx, { kind, level: 1, seed: 1 });
      assert.ok(r.ledger.entries.length > 0, `${kind} corrupts snippets`);
      for (const s of r.ledger.skipped) assert.ok(!['source-mismatch', 'not-parsable-alone', 'source-unavailable'].includes(s.reason), `${kind}: ${s.reason}`);
      for (const e of r.ledger.entries) {
        const before = methodText(texts.get(columns.originOf(e.index).file)!, columns.sample(e.index).range)!;
        assert.equal(e.from, textHash(before));
      }
    }
  });
}

test('with constructors included, a Java constructor keeps super(…) first', async () => {
  const base = await corpus('java');
  const c = await corpusOf(base.units.filter((u) => u.file.startsWith('tricky/')), { settings: { includeConstructors: true } });
  for (const kind of ['x-leak-name', 'x-dead-code'] as const) {
    const r = await applyNoise(c.ctx, { kind, level: 1, seed: 5 });
    const e = r.ledger.entries.find((x) => c.columns.sample(x.index).name === 'Tricky');
    assert.ok(e, `${kind} edits the constructor`);
    const text = r.replacements.get(e.index)!.text!;
    assert.match(text, /^ {4}Tricky\(int c\) \{\n {8}super\(\);\n/, text);
  }
});

test('files with CRLF line breaks get CRLF in inserted lines and stay valid', async () => {
  const base = await corpus('python');
  const crlf = (await Promise.all(LANGUAGES.map(async (l) => (await corpus(l)).units.filter((u) => u.file.startsWith('tricky/')))))
    .flat()
    .map((u) => ({ ...u, file: `crlf/${u.file}`, text: u.text.replace(/\n/g, '\r\n') }));
  const c = await corpusOf(crlf);
  assert.ok(c.columns.count > 30);
  for (const kind of ['x-delete-statement', 'x-leak-name', 'x-dead-code', 'x-rename-locals'] as const) {
    const r = await applyNoise(c.ctx, { kind, level: 1, seed: 3 });
    assert.ok(r.ledger.entries.length > 10, kind);
    for (const rep of r.replacements.values()) {
      assert.ok(!/(^|[^\r])\n/.test(rep.text!), `${kind}: only CRLF line breaks in\n${JSON.stringify(rep.text)}`);
      const language = c.columns.languageOf(rep.index);
      assert.equal(parseTree(base.editor.backend, wrapMethod(language, rep.text!).text, language).hasError, false);
    }
  }
});

test('an editor whose extractor interns into other tables than the dataset is an E_CONFIG error', async () => {
  const c = await corpus('ruby');
  const other = { tokens: new StringTable(), paths: new StringTable() };
  await assert.rejects(applyNoise({ ...c.ctx, tables: other }, { kind: 'x-dead-code', level: 0.1, seed: 0 }), configError('editor', 'createExtractor'));
});
