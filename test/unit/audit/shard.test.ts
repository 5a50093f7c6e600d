/**
 * Shard assignment (audit/shard.ts): deterministic, every run in exactly one shard, balanced by
 * estimated cost (greedy longest-processing-time), and `--shard I/N` parsing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveAuditConfig } from '../../../server/src/audit/config';
import { planRuns } from '../../../server/src/audit/plan';
import { assignShards, isShardFileName, parseShard, runCost, shardFileName, shardRuns } from '../../../server/src/audit/shard';

const config = resolveAuditConfig({ inputs: ['.'], preset: 'quick', seeds: [0, 1], memFolds: 3 });
const plan = planRuns(config);

test('every run is in exactly one shard, for every shard count', () => {
  for (let n = 1; n <= plan.length + 2; n++) {
    const shards = Array.from({ length: n }, (_, i) => shardRuns(plan, { index: i, count: n }, config).map((r) => r.id));
    const all = shards.flat();
    assert.equal(all.length, plan.length, `n=${n}`);
    assert.deepEqual([...all].sort(), plan.map((r) => r.id).sort(), `n=${n}`);
  }
});

test('the assignment is deterministic and independent of the plan order', () => {
  const cost = (r: (typeof plan)[number]) => runCost(r, config);
  const a = assignShards(plan, 3, cost);
  const b = assignShards([...plan].reverse(), 3, cost);
  assert.deepEqual([...a.entries()].sort(), [...b.entries()].sort());
});

test('each shard lists its runs in plan order', () => {
  const ids = plan.map((r) => r.id);
  for (let i = 0; i < 2; i++) {
    const mine = shardRuns(plan, { index: i, count: 2 }, config).map((r) => ids.indexOf(r.id));
    assert.deepEqual(mine, [...mine].sort((x, y) => x - y));
  }
});

test('shards are balanced by cost: loads differ by at most the largest run (LPT)', () => {
  // 2 seeds × 5 levels (1 clean + 4 noisy) + 3 fold runs, each of ⅔ the cost of the others.
  assert.equal(plan.length, 13);
  assert.ok(Math.abs(runCost(plan.at(-1)!, config) - (config.epochs * 2) / 3) < 1e-9);
  for (const n of [2, 3, 4]) {
    const loads = Array.from({ length: n }, (_, i) => shardRuns(plan, { index: i, count: n }, config).reduce((acc, r) => acc + runCost(r, config), 0));
    const largest = Math.max(...plan.map((r) => runCost(r, config)));
    assert.ok(Math.max(...loads) - Math.min(...loads) <= largest + 1e-9, `n=${n}: loads ${loads.join(', ')}`);
  }
});

test('two shards of the quick preset split its 7 runs 4 / 3 with equal cost', () => {
  const quick = resolveAuditConfig({ inputs: ['.'], preset: 'quick' });
  const p = planRuns(quick);
  const s0 = shardRuns(p, { index: 0, count: 2 }, quick);
  const s1 = shardRuns(p, { index: 1, count: 2 }, quick);
  const cost = (rs: typeof p) => rs.reduce((acc, r) => acc + runCost(r, quick), 0);
  // 5 grid runs of cost E and 2 fold runs of cost E/2: 3E each.
  assert.equal(cost(s0), cost(s1));
  assert.equal(s0.length + s1.length, 7);
});

test('--shard I/N: accepted forms and the error for the others', () => {
  assert.deepEqual(parseShard('0/2'), { index: 0, count: 2 });
  assert.deepEqual(parseShard(' 3/4 '), { index: 3, count: 4 });
  for (const bad of ['2/2', '1/0', '-1/2', 'a/b', '1', '1/2/3', '']) {
    assert.throws(() => parseShard(bad), (e: Error & { code?: string }) => e.code === 'E_USAGE' && /0 ≤ I < N/.test(e.message), bad);
  }
});

test('shard record file names', () => {
  assert.equal(shardFileName({ index: 1, count: 3 }), 'shard-1-of-3.json');
  assert.ok(isShardFileName('shard-1-of-3.json'));
  assert.ok(!isShardFileName('report.json'));
});
