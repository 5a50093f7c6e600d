/**
 * Cancel and resume of a sweep over JSON-RPC, as the extension drives it (issue 15): the
 * progress notifications name the setting and never go back, `audit/cancel` during the second
 * setting ends the audit as cancelled (E_CANCELLED) with the first setting's audit finished and
 * kept, and the same audit started again reuses it (its runs' result.json untouched) and
 * finishes with the combined report.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { EngineClient } from '../../extension/src/client';
import { AuditCancelRequest, RunsListRequest, type AuditDoneParams, type AuditProgressParams, type AuditTarget } from '../../server/src/protocol';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import { tempDir } from '../helpers/cli';

const SERVER = path.resolve(__dirname, '../../server/src/main.js');
const work = tempDir('memaudit-rpc-cancel-');
const client = new EngineClient({
  serverModule: SERVER,
  nodePath: process.execPath,
  clientName: 'rpc cancel test',
  host: { log: () => undefined, crashed: () => undefined },
});

before(async () => {
  await writeCorpus(path.join(work.dir, 'corpus'), generateCorpus({ seed: 5, methods: 400 }));
  await client.start();
});
after(async () => {
  await client.stop();
  work.cleanup();
});

const SWEEP: AuditTarget = {
  folder: work.dir,
  config: { inputs: ['corpus'], epochs: 10, noise: ['y-shuffle:0,100'], memFolds: 0, adversarial: false, device: 'cpu', sweep: { weightDecay: [0, 0.001] } },
  useConfigFile: false,
};

/** Starts `target`, calls `onProgress` with each of its notifications, and resolves with its `audit/done`. */
async function audit(target: AuditTarget, onProgress: (p: AuditProgressParams, id: string) => void): Promise<AuditDoneParams> {
  let id = '';
  const early: AuditProgressParams[] = [];
  let done: ((d: AuditDoneParams) => void) | undefined;
  const ended = new Promise<AuditDoneParams>((r) => (done = r));
  const subs = [
    client.onProgress((p) => (id ? p.auditId === id && onProgress(p, id) : early.push(p))),
    client.onDone((d) => d.auditId === id && done!(d)),
  ];
  try {
    id = (await client.startAudit(target)).auditId;
    for (const p of early) if (p.auditId === id) onProgress(p, id);
    return await ended;
  } finally {
    subs.forEach((s) => s.dispose());
  }
}

const resultFile = (dir: string, run: string) => path.join(dir, run, 'result.json');

test('a sweep over RPC: progress per setting, audit/cancel during the second setting, started again: the first setting reused', { timeout: 300_000 }, async () => {
  const seen: AuditProgressParams[] = [];
  let cancel: Promise<unknown> | undefined;
  const cancelled = await audit(SWEEP, (p, id) => {
    seen.push(p);
    if (!cancel && p.stage === 'train' && p.message.startsWith('setting 2/2 ') && (p.epoch ?? 0) >= 2) cancel = client.request(AuditCancelRequest, { auditId: id });
  });
  assert.ok(cancel, 'cancelled during the second setting');
  assert.deepEqual(await cancel, { cancelled: true });
  assert.equal(cancelled.outcome, 'cancelled');
  assert.equal(cancelled.error?.code, 'E_CANCELLED');
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.fraction >= seen[i - 1]!.fraction - 1e-9, `fraction went back: ${seen[i - 1]!.message} → ${seen[i]!.message}`);
  assert.ok(seen.every((p) => /^setting [12]\/2 weightDecay 0(\.001)?$/.test(p.part ?? '') && p.message.startsWith(`${p.part}: `)), 'each notification names its setting');
  assert.ok(seen.filter((p) => p.message.startsWith('setting 2/2 ')).every((p) => p.fraction >= 0.5), 'the second setting fills the second half');

  const { runs } = await client.request(RunsListRequest, { folder: work.dir });
  const finished = runs.filter((r) => r.state === 'finished');
  assert.equal(finished.length, 1, 'the first setting\'s audit is finished and kept');
  assert.ok(runs.some((r) => r.state === 'interrupted' && !r.running), 'the second setting\'s is interrupted');
  const first = finished[0]!;
  const kept = ['clean-s0', 'y-shuffle-100-s0'].map((run) => fs.statSync(resultFile(first.dir, run)).mtimeMs);

  const again = await audit(SWEEP, () => undefined);
  assert.equal(again.outcome, 'finished', JSON.stringify(again.error));
  assert.equal(again.runId, first.id, 'the combined report is the first setting\'s');
  assert.ok((again.reusedRuns ?? 0) >= 2, `the first setting's runs reused (${again.reusedRuns})`);
  assert.deepEqual(['clean-s0', 'y-shuffle-100-s0'].map((run) => fs.statSync(resultFile(first.dir, run)).mtimeMs), kept, 'and not trained again');
  assert.ok(fs.existsSync(path.join(first.dir, 'report-sweep.json')));
  const after = await client.request(RunsListRequest, { folder: work.dir });
  assert.deepEqual(after.runs.map((r) => r.state), ['finished', 'finished']);
});
