import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDataset } from '../../../server/src/dataset/build';
import { SampleColumns } from '../../../server/src/dataset/columns';
import { unitHash } from '../../../server/src/dataset/hash';
import { assignSplits, DEFAULT_RATIOS, fileKeyOf, type SplitOptions } from '../../../server/src/dataset/split';
import { isEngineError } from '../../../server/src/errors';
import { makeSamples, type SampleSpec } from './helpers';

const opts = (o: Partial<SplitOptions> = {}): SplitOptions => ({ seed: 1, ratios: DEFAULT_RATIOS, by: 'auto', minReposForRepoSplit: 10, ...o });
const columns = (specs: SampleSpec[]) => SampleColumns.fromSamples(makeSamples(specs).samples);
// Every method distinct (name and body), as in real code: the split balances distinct methods.
const filesSpecs = (n: number, prefix = 'f', perFile = 1): SampleSpec[] =>
  Array.from({ length: n * perFile }, (_, i) => ({ label: `${prefix}|m${i}`, body: ['x'], file: `${prefix}${Math.floor(i / perFile)}.java`, repo: 'one' }));
const shares = (split: Uint8Array) => {
  const n = [0, 0, 0];
  for (const s of split) n[s]!++;
  return n.map((x) => x / split.length);
};

describe('assignSplits by file', () => {
  it('is deterministic, depends on the seed, and lands near 80/10/10', () => {
    const c = columns(filesSpecs(5000));
    const a = assignSplits(c, opts());
    const b = assignSplits(c, opts());
    assert.deepEqual(a.split, b.split);
    assert.equal(a.by, 'file');
    assert.equal(a.groups, 5000);
    const [train, val, test] = shares(a.split);
    // Binomial standard deviation at n = 5000, p = 0.1 is 0.0042: ±0.03 is over 7 of them.
    assert.ok(Math.abs(train! - 0.8) < 0.03, `train ${train}`);
    assert.ok(Math.abs(val! - 0.1) < 0.03, `val ${val}`);
    assert.ok(Math.abs(test! - 0.1) < 0.03, `test ${test}`);
    const other = assignSplits(c, opts({ seed: 2 }));
    assert.notDeepEqual(other.split, a.split);
  });

  it('keeps every method of a file together', () => {
    const c = columns(filesSpecs(300, 'g', 4));
    const { split } = assignSplits(c, opts());
    for (let i = 0; i < c.count; i += 4) for (let k = 1; k < 4; k++) assert.equal(split[i + k], split[i]);
  });

  it('moves few existing files when files are added (only where the balance in samples needs it)', () => {
    const before = columns(filesSpecs(1000));
    const after = columns([...filesSpecs(1000), ...filesSpecs(700, 'new')]);
    const a = assignSplits(before, opts());
    const b = assignSplits(after, opts());
    let moved = 0;
    for (let i = 0; i < 1000; i++) if (a.split[i] !== b.split[i]) moved++;
    // Hashing alone would leave ±√(1000·0.09) ≈ 9.5 files per split off target; the balance moves about that many.
    assert.ok(moved <= 30, `${moved} of 1000 files moved`);
  });

  it('groups JSONL records by repository and path, and lone records by line', () => {
    const c = columns([
      { label: 'a', body: ['x'], file: 'train.jsonl', jsonlLine: 1, repo: 'r1', recordPath: 'p.py' },
      { label: 'b', body: ['x'], file: 'other.jsonl', jsonlLine: 9, repo: 'r1', recordPath: 'p.py' },
      { label: 'c', body: ['x'], file: 'train.jsonl', jsonlLine: 2 },
    ]);
    assert.equal(fileKeyOf(c, 0), fileKeyOf(c, 1));
    assert.notEqual(fileKeyOf(c, 2), fileKeyOf(c, 0));
  });

  it('rejects ratios that do not sum to 1 or are negative', () => {
    const c = columns(filesSpecs(3));
    for (const ratios of [
      { train: 0.8, val: 0.1, test: 0.2 },
      { train: 1.1, val: -0.1, test: 0 },
      { train: 0, val: 0.5, test: 0.5 },
    ]) {
      assert.throws(() => assignSplits(c, opts({ ratios })), (e: unknown) => isEngineError(e) && e.code === 'E_CONFIG');
    }
  });
});

describe('assignSplits by repository', () => {
  const repoSpecs = (repos: number, size: (r: number) => number): SampleSpec[] =>
    Array.from({ length: repos }).flatMap((_, r) => Array.from({ length: size(r) }, (_, k) => ({ label: `r${r}|m${k}`, body: ['x'], file: `F${k}.java`, repo: `org/repo${r}` })));

  it('is chosen automatically with enough repositories, and keeps each repository in one split', () => {
    const c = columns(repoSpecs(40, (r) => 20 + ((r * 37) % 60)));
    const a = assignSplits(c, opts());
    assert.equal(a.by, 'repo');
    assert.equal(a.groups, 40);
    const where = new Map<string, number>();
    for (let i = 0; i < c.count; i++) {
      const repo = c.strings[c.repo[i]!]!;
      if (where.has(repo)) assert.equal(where.get(repo), a.split[i]);
      else where.set(repo, a.split[i]!);
    }
    const [train, val, test] = shares(a.split);
    assert.ok(Math.abs(train! - 0.8) < 0.06, `train ${train}`);
    assert.ok(Math.abs(val! - 0.1) < 0.05, `val ${val}`);
    assert.ok(Math.abs(test! - 0.1) < 0.05, `test ${test}`);
    assert.deepEqual(assignSplits(c, opts()).split, a.split);
  });

  it('falls back to files with few repositories, and explains why', () => {
    const c = columns(repoSpecs(3, () => 50));
    const a = assignSplits(c, opts());
    assert.equal(a.by, 'file');
    assert.match(a.reason, /3 repositories are too few/);
  });

  it('gives every split a repository when asked to split three repositories', () => {
    const c = columns(repoSpecs(3, () => 50));
    const a = assignSplits(c, opts({ by: 'repo' }));
    assert.equal(a.by, 'repo');
    assert.deepEqual([...new Set(a.split)].sort(), [0, 1, 2]);
  });

  it('uses the root index for roots without a repository name', () => {
    const c = columns(Array.from({ length: 12 }, (_, r) => ({ label: 'a', body: ['x'], root: r })));
    assert.equal(assignSplits(c, opts()).by, 'repo');
  });
});

/** A corpus of `files` files whose sizes vary over two orders of magnitude (a deterministic draw). */
function variedFiles(files: number, seed: number): SampleSpec[] {
  let x = seed * 2654435761 + 1;
  const next = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const specs: SampleSpec[] = [];
  for (let f = 0; f < files; f++) {
    // Log-uniform sizes 1..100, with a few very large files (one in 15 holds 150-400 methods).
    const size = next() < 1 / 15 ? 150 + Math.floor(next() * 250) : Math.max(1, Math.round(Math.exp(next() * Math.log(100))));
    for (let k = 0; k < size; k++) specs.push({ label: `m${f}|n${k}`, body: ['x'], file: `dir${f % 7}/F${f}.py`, repo: 'one', language: 'python' });
  }
  return specs;
}

describe('assignSplits balances samples', () => {
  it('property: on corpora of 20 to 400 files of varied sizes, every split is within 1.5 points of its ratio in samples', () => {
    let worst = 0;
    for (let trial = 0; trial < 40; trial++) {
      const files = 20 + ((trial * 37) % 381);
      const c = columns(variedFiles(files, trial));
      for (const ratios of [DEFAULT_RATIOS, { train: 0.7, val: 0.15, test: 0.15 }]) {
        const a = assignSplits(c, opts({ seed: trial, ratios }));
        assert.equal(a.by, 'file', `trial ${trial}, ${files} files: ${a.reason}`);
        const got = shares(a.split);
        [ratios.train, ratios.val, ratios.test].forEach((r, s) => (worst = Math.max(worst, Math.abs(got[s]! - r))));
        for (let s = 0; s < 3; s++) assert.ok(Math.abs(got[s]! - [ratios.train, ratios.val, ratios.test][s]!) <= 0.015, `trial ${trial}, ${files} files, ${c.count} methods: shares ${got.map((v) => v.toFixed(3))}`);
      }
    }
    assert.ok(worst > 0, 'the shares were measured');
  });

  it('is far from the ratios by hashing alone on the same corpora (what the balance fixes)', () => {
    let off = 0;
    for (let trial = 0; trial < 40; trial++) {
      const c = columns(variedFiles(20 + ((trial * 37) % 381), trial));
      const u = new Map<string, number>();
      const test = [...Array(c.count).keys()].filter((i) => {
        const k = fileKeyOf(c, i);
        if (!u.has(k)) u.set(k, unitHash(k, trial));
        return u.get(k)! >= 0.9;
      }).length;
      if (Math.abs(test / c.count - 0.1) > 0.015) off++;
    }
    assert.ok(off >= 20, `${off} of 40 corpora off by more than 1.5 points when hashed`);
  });

  it('keeps every split non-empty and near its share with few, unequal files', () => {
    const c = columns([...filesSpecs(1, 'big', 400), ...filesSpecs(19, 'small', 30)]);
    const a = assignSplits(c, opts());
    assert.equal(a.by, 'file');
    const [train, val, test] = shares(a.split);
    assert.ok(Math.abs(train! - 0.8) <= 0.015 && Math.abs(val! - 0.1) <= 0.015 && Math.abs(test! - 0.1) <= 0.015, `${train} ${val} ${test}`);
  });

  it('splits by method, and says why (leakage), when the files cannot give the test split 50 methods', () => {
    // Three files of 300 methods: a test split by file holds 0 or 300 of 900.
    const c = columns(filesSpecs(3, 'h', 300));
    const a = assignSplits(c, opts());
    assert.equal(a.by, 'method');
    assert.match(a.reason, /split by method.*leakage/);
    const [, , test] = shares(a.split);
    assert.ok(Math.abs(test! - 0.1) <= 0.015, `test ${test}`);
  });

  it('balances distinct methods: with duplicated code the kept (deduplicated) splits are within 1.5 points too', () => {
    for (let trial = 0; trial < 10; trial++) {
      // One file in three is a copy of another (vendored or generated code): where a copy lands in
      // test and its original in training, deduplication empties it out of test (leakage).
      const specs = variedFiles(60 + 17 * trial, trial).map((s) => {
        const f = Number(/F(\d+)\.py$/.exec(s.file!)![1]);
        return f % 3 === 2 ? { ...s, label: s.label.replace(`m${f}|`, `m${f - 1}|`) } : s;
      });
      const made = makeSamples(specs);
      const d = buildDataset(SampleColumns.fromSamples(made.samples), made.tables, { seed: trial, nearDuplicates: false });
      const kept = d.train.length + d.val.length + d.test.length;
      assert.ok(d.report.duplicates.withinTrain + d.report.duplicates.testFromTrain > 0, 'the corpus has duplicates');
      for (const [name, ratio] of [['train', 0.8], ['val', 0.1], ['test', 0.1]] as const) {
        assert.ok(Math.abs(d[name].length / kept - ratio) <= 0.015, `trial ${trial}: ${name} ${d[name].length} of ${kept}`);
      }
    }
  });

  it('keeps a file split (no leakage) when the corpus is too small for 50 test methods anyway', () => {
    const c = columns(filesSpecs(30, 't', 10));
    assert.equal(assignSplits(c, opts()).by, 'file');
  });
});
