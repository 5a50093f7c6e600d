/**
 * The run scheduler and sharded audits on a small generated corpus (600 methods, 2 epochs, a
 * clean run, 2 label-noise runs, 1 source-edit run and 2 memorization fold runs):
 *   - the same audit with --jobs 1 and --jobs 2 gives the same runs, scores and findings;
 *   - `--shard 0/2` and `--shard 1/2` as two processes with their own --out, then `merge`, give
 *     the unsharded audit's report in every score, interval, run and finding;
 *   - a shard run again reuses its runs; shards of different settings, or a missing shard, are
 *     refused (exit 2) with a message that says what differs or what to run.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import type { AuditReport } from '../../server/src/protocol/report';
import { cli, tempDir } from '../helpers/cli';

const BIN = path.resolve(__dirname, '../../server/src/bin.js');
const work = tempDir('memaudit-shard-');
// Label noise, and a source edit (its noisy samples are parsed again, in each run's own thread).
const BASE = ['audit', 'corpus', '--noise', 'y-shuffle:0,50,100', '--noise', 'x-dead-code:50', '--epochs', '2', '--mem-folds', '2', '--device', 'cpu', '--format', 'json'];

before(async () => {
  await writeCorpus(path.join(work.dir, 'corpus'), generateCorpus({ seed: 3, methods: 600 }));
});
after(() => work.cleanup());

/** Everything of a report that must not depend on how its runs were scheduled or sharded. */
function results(r: AuditReport): unknown {
  const { seconds: _seconds, ...memorization } = r.memorization ?? ({} as Record<string, unknown>);
  return {
    runId: r.runId,
    scores: r.scores,
    scoreIntervals: r.scoreIntervals,
    scoreStatus: r.scoreStatus,
    runs: r.runs.map((x) => ({ ...x, timings: undefined })),
    detection: r.detection,
    findings: r.findings,
    memorization,
    dataset: r.dataset,
    gates: r.gates,
  };
}

/** Runs the CLI as its own process; resolves with its exit code and output. */
function child(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: work.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let unsharded: AuditReport;

test('--jobs 1 and --jobs 2: the same runs, scores and findings', async () => {
  const one = await cli([...BASE, '--jobs', '1', '--out', 'jobs1'], { cwd: work.dir });
  assert.equal(one.code, 0, one.stderr);
  const two = await cli([...BASE, '--jobs', '2', '--out', 'jobs2'], { cwd: work.dir });
  assert.equal(two.code, 0, two.stderr);
  assert.match(two.stderr, /2 at a time/);
  unsharded = JSON.parse(one.stdout) as AuditReport;
  assert.deepEqual(unsharded.runs.map((r) => r.id), ['clean-s0', 'y-shuffle-50-s0', 'y-shuffle-100-s0', 'x-dead-code-50-s0']);
  assert.deepEqual(results(JSON.parse(two.stdout) as AuditReport), results(unsharded));
});

test('two shards in two processes, then merge: the unsharded audit\'s report', async () => {
  const shards = await Promise.all([0, 1].map((i) => child([...BASE, '--jobs', '1', '--shard', `${i}/2`, '--out', `shard${i}`])));
  for (const s of shards) assert.equal(s.code, 0, s.stderr);
  const records = shards.map((s) => JSON.parse(s.stdout) as { runs: string[]; auditId: string });
  assert.equal(records[0]!.auditId, unsharded.runId);
  assert.deepEqual([...records[0]!.runs, ...records[1]!.runs].sort(), [...unsharded.runs.map((r) => r.id), 'memfold-1of2-s0', 'memfold-2of2-s0'].sort());
  for (const i of [0, 1]) assert.ok(!fs.existsSync(path.join(work.dir, `shard${i}`, 'runs', unsharded.runId, 'report.json')), 'a shard writes no report');

  const merged = await cli(['merge', 'shard0', path.join('shard1', 'runs', unsharded.runId, 'shard-1-of-2.json'), '--out', 'merged', '--format', 'json', '--sarif', 'merged.sarif'], { cwd: work.dir });
  assert.equal(merged.code, 0, merged.stderr);
  assert.deepEqual(results(JSON.parse(merged.stdout) as AuditReport), results(unsharded));
  assert.ok(fs.existsSync(path.join(work.dir, 'merged', 'runs', unsharded.runId, 'report.json')));
  assert.ok(fs.existsSync(path.join(work.dir, 'merged.sarif')));
});

test('a shard run again reuses its finished runs and trains nothing', async () => {
  const again = await cli([...BASE, '--shard', '0/2', '--out', 'shard0'], { cwd: work.dir });
  assert.equal(again.code, 0, again.stderr);
  const record = JSON.parse(again.stdout) as { runs: string[]; reusedRuns: number };
  assert.equal(record.reusedRuns, record.runs.length);
});

test('shards of different settings are refused, saying what differs', async () => {
  const other = await cli([...BASE, '--epochs', '3', '--shard', '1/2', '--out', 'epochs3'], { cwd: work.dir });
  assert.equal(other.code, 0, other.stderr);
  const merged = await cli(['merge', 'shard0', 'epochs3', '--out', 'bad'], { cwd: work.dir });
  assert.equal(merged.code, 2);
  assert.match(merged.stderr, /not of the same audit: settings differ: epochs 2 vs 3/);
  assert.match(merged.stderr, /shard0/);
  assert.match(merged.stderr, /epochs3/);
});

test('a missing shard is refused, naming it and the command that makes it', async () => {
  const merged = await cli(['merge', 'shard0', '--out', 'half'], { cwd: work.dir });
  assert.equal(merged.code, 2);
  assert.match(merged.stderr, /shard 1\/2 of audit \w+ is missing or has not finished/);
  assert.match(merged.stderr, /--shard 1\/2 --out DIR/);
  assert.ok(!fs.existsSync(path.join(work.dir, 'half', 'runs')), 'nothing is merged');
});

test('a shard writes no report files: --sarif with --shard is a usage error', async () => {
  const r = await cli([...BASE, '--shard', '0/2', '--out', 'shard0', '--sarif', 'x.sarif'], { cwd: work.dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /a shard writes no report: pass --sarif to 'memaudit merge'/);
});
