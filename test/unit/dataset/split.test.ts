import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SampleColumns } from '../../../server/src/dataset/columns';
import { assignSplits, DEFAULT_RATIOS, fileKeyOf, type SplitOptions } from '../../../server/src/dataset/split';
import { isEngineError } from '../../../server/src/errors';
import { makeSamples, type SampleSpec } from './helpers';

const opts = (o: Partial<SplitOptions> = {}): SplitOptions => ({ seed: 1, ratios: DEFAULT_RATIOS, by: 'auto', minReposForRepoSplit: 10, ...o });
const columns = (specs: SampleSpec[]) => SampleColumns.fromSamples(makeSamples(specs).samples);
const filesSpecs = (n: number, prefix = 'f', perFile = 1): SampleSpec[] =>
  Array.from({ length: n * perFile }, (_, i) => ({ label: `m${i}`, body: ['x'], file: `${prefix}${Math.floor(i / perFile)}.java`, repo: 'one' }));
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

  it('does not move existing files when files are added', () => {
    const before = columns(filesSpecs(1000));
    const after = columns([...filesSpecs(1000), ...filesSpecs(700, 'new')]);
    const a = assignSplits(before, opts());
    const b = assignSplits(after, opts());
    assert.deepEqual(b.split.subarray(0, 1000), a.split);
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
    Array.from({ length: repos }).flatMap((_, r) => Array.from({ length: size(r) }, (_, k) => ({ label: `m${k}`, body: ['x'], file: `F${k}.java`, repo: `org/repo${r}` })));

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
