/**
 * The trainer against the fake model: batching (every sample once per epoch, last batch partial),
 * learning, determinism, seeds, noisy labels, evaluation cadence, early stopping, schedules fed
 * per step, progress events and configuration errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_CODES, isEngineError } from '../../../server/src/errors';
import { makeSchedule } from '../../../server/src/train/schedule';
import { train, type TrainProgress } from '../../../server/src/train/trainer';
import { assertSameDynamics, config, setup } from './trainer-helpers';

test('every training sample is presented exactly once per epoch, the last batch partial', async () => {
  for (const stepsPerRun of [1, 3]) {
    const s = setup();
    const model = s.model({ stepsPerRun });
    const r = await train(model, s.data, config({ epochs: 3 }));
    const P = Math.ceil(240 / 32);
    assert.equal(model.seenBatches.length, 3 * P);
    for (let e = 0; e < 3; e++) {
      const batches = model.seenBatches.slice(e * P, (e + 1) * P);
      assert.deepEqual(
        batches.map((b) => b.length),
        [32, 32, 32, 32, 32, 32, 32, 16],
      );
      const seen = batches.flatMap((b) => Array.from(b)).sort((a, b) => a - b);
      assert.deepEqual(seen, Array.from(s.data.train));
    }
    // Epochs are shuffled differently.
    assert.notDeepEqual(Array.from(model.seenBatches[0]!), Array.from(model.seenBatches[P]!));
    assert.equal(r.dynamics.train.rows, 3);
    for (let e = 0; e < 3; e++) assert.ok(r.dynamics.train.row(e).top1.every((t) => t >= 0));
  }
});

test('the fake model learns: training accuracy rises, validation beats chance', async () => {
  const s = setup();
  const r = await train(s.model(), s.data, config({ epochs: 6 }));
  const first = r.curves[0]!;
  const last = r.curves.at(-1)!;
  assert.ok(last.trainAcc > first.trainAcc + 0.2, `train accuracy ${first.trainAcc} → ${last.trainAcc}`);
  assert.ok(last.trainAcc > 0.85, `final train accuracy ${last.trainAcc}`);
  assert.ok(last.trainLoss < first.trainLoss);
  assert.ok(last.valAcc! > 0.7 && last.testAcc! > 0.7, `val ${last.valAcc}, test ${last.testAcc}`);
  // The curves are the means of the recorded dynamics.
  const row = r.dynamics.train.row(5);
  const mean = row.loss.reduce((a, b) => a + b, 0) / row.loss.length;
  assert.ok(Math.abs(mean - last.trainLoss) < 1e-5);
  const correct = r.dynamics.train.correct(5).reduce((a, b) => a + b, 0);
  assert.equal(correct / 240, last.trainAcc);
  const valCorrect = r.dynamics.val.correct(r.dynamics.val.rows - 1).reduce((a, b) => a + b, 0);
  assert.equal(valCorrect / 80, last.valAcc);
});

test('same seed gives identical dynamics; another seed differs', async () => {
  const s = setup();
  const a = await train(s.model(), s.data, config());
  const b = await train(s.model(), s.data, config());
  assertSameDynamics(a.dynamics, b.dynamics);
  assert.deepEqual(a.curves, b.curves);
  assert.equal(a.fingerprint, b.fingerprint);
  const c = await train(s.model(), s.data, config({ seed: 12 }));
  assert.notDeepEqual(Array.from(a.dynamics.train.row(0).loss), Array.from(c.dynamics.train.row(0).loss));
  assert.notEqual(a.fingerprint, c.fingerprint);
});

test('noisy labels are trained on and recorded; val and test keep the clean labels', async () => {
  const s = setup({ noisy: (y) => y.map((v, i) => (i % 4 === 0 ? (v + 1) % 4 : v)) });
  const r = await train(s.model(), s.data, config({ epochs: 8 }));
  assert.deepEqual(Array.from(r.dynamics.train.labels), Array.from(s.data.trainLabels));
  assert.deepEqual(Array.from(r.dynamics.val.labels), Array.from(s.data.val!.labels));
  // Corrupted samples (every 4th position) have a lower p(label) than clean ones at the end.
  const row = r.dynamics.train.row(7);
  let noisy = 0;
  let clean = 0;
  for (let p = 0; p < 240; p++) (p % 4 === 0 ? (noisy += row.pLabel[p]!) : (clean += row.pLabel[p]!));
  assert.ok(noisy / 60 < clean / 180, `p(label) noisy ${noisy / 60} vs clean ${clean / 180}`);
});

test('evaluation runs every evalEvery epochs and at the last', async () => {
  const s = setup();
  const r = await train(s.model(), s.data, config({ epochs: 5, evalEvery: 2, evalBatchSize: 7 }));
  assert.deepEqual(Array.from(r.dynamics.val.epochs), [1, 3, 4]);
  assert.deepEqual(Array.from(r.dynamics.test.epochs), [1, 3, 4]);
  assert.deepEqual(
    r.curves.map((c) => c.valAcc === null),
    [true, false, true, false, false],
  );
  assert.ok(r.dynamics.test.row(2).top1.every((t) => t >= 0));
});

test('without val and test only training is recorded', async () => {
  const s = setup();
  const r = await train(s.model(), { train: s.data.train, trainLabels: s.data.trainLabels }, config({ epochs: 2 }));
  assert.equal(r.dynamics.val.rows, 0);
  assert.equal(r.dynamics.test.n, 0);
  assert.equal(r.curves[1]!.valLoss, null);
});

test('early stopping stops after `patience` evaluations without improvement', async () => {
  const s = setup();
  // minDelta is unreachable, so only the first evaluation (from +∞) improves.
  const r = await train(s.model(), s.data, config({ epochs: 10, earlyStopping: { metric: 'val_loss', patience: 2, minDelta: 100 } }));
  assert.equal(r.final.stoppedEarly, true);
  assert.equal(r.final.bestEpoch, 0);
  assert.equal(r.curves.length, 3);
  assert.equal(r.dynamics.train.rows, 3);
  assert.equal(r.final.epochs, 3);
  // With an achievable target the run goes on while validation accuracy improves.
  const long = await train(s.model(), s.data, config({ epochs: 6, earlyStopping: { metric: 'val_acc', patience: 10 } }));
  assert.equal(long.final.stoppedEarly, false);
  assert.equal(long.curves.length, 6);
  assert.ok(long.final.bestEpoch >= 0);
  assert.equal(long.curves[long.final.bestEpoch]!.valAcc, Math.max(...long.curves.map((c) => c.valAcc!)));
});

test('the schedule is fed one learning rate per step', async () => {
  const s = setup();
  for (const schedule of [
    { kind: 'constant', lr: 0.3 },
    { kind: 'warmup', lr: 0.5, warmupSteps: 5 },
    { kind: 'cosine', lr: 0.5, warmupSteps: 3, minLr: 0.01 },
  ] as const) {
    const model = s.model({ stepsPerRun: 3 });
    await train(model, s.data, config({ epochs: 2, schedule }));
    const total = 16;
    const f = makeSchedule({ ...schedule, totalSteps: total });
    assert.deepEqual(
      model.seenLr,
      Array.from({ length: total }, (_, t) => f(t)),
    );
  }
  // Spot values of the formulas (warm-up from lr/W; cosine reaches minLr at the end).
  const w = makeSchedule({ kind: 'warmup', lr: 1, warmupSteps: 4 });
  assert.deepEqual([0, 1, 2, 3, 4, 10].map(w), [0.25, 0.5, 0.75, 1, 1, 1]);
  const c = makeSchedule({ kind: 'cosine', lr: 1, totalSteps: 10, minLr: 0.1 });
  assert.equal(c(0), 1);
  assert.ok(Math.abs(c(5) - 0.55) < 1e-12);
  assert.ok(Math.abs(c(10) - 0.1) < 1e-12);
});

test('progress events: throttled, every epoch end reported, ETA finite and falling', async () => {
  const s = setup();
  // A fake clock: every reading advances 1 ms, so time tracks the work done.
  let t = 0;
  const now = (): number => (t += 1);
  const events: TrainProgress[] = [];
  await train(s.model(), s.data, config({ epochs: 3, progressIntervalMs: 0 }), { now, onProgress: (p) => events.push(p) });
  const trainEvents = events.filter((e) => e.phase === 'train');
  assert.equal(trainEvents.length, 3 * 8);
  assert.equal(events.filter((e) => e.phase === 'eval').length, 3);
  for (const e of events) {
    assert.ok(Number.isFinite(e.etaSec) && e.etaSec >= 0, `eta ${e.etaSec}`);
    assert.ok(e.samplesPerSec > 0);
    assert.equal(e.stepsPerEpoch, 8);
    assert.equal(e.totalSteps, 24);
    assert.equal(e.lr, 0.5);
  }
  assert.deepEqual(
    trainEvents.map((e) => e.globalStep),
    Array.from({ length: 24 }, (_, i) => i + 1),
  );
  assert.ok(trainEvents[0]!.etaSec > trainEvents[12]!.etaSec && trainEvents[12]!.etaSec > trainEvents[23]!.etaSec);
  // The ETA at the start is within a factor of 2 of the time the rest actually took.
  const start = trainEvents[0]!;
  const remaining = t / 1000;
  assert.ok(start.etaSec > remaining / 2 && start.etaSec < remaining * 2, `eta ${start.etaSec}s vs ${remaining}s`);
  assert.ok(trainEvents.at(-1)!.trainAcc > trainEvents[0]!.trainAcc);

  // Throttled: the first step, then only the forced events (end of each epoch's training, start of evaluation).
  const few: TrainProgress[] = [];
  await train(s.model(), s.data, config({ epochs: 3, progressIntervalMs: 1e9 }), { onProgress: (p) => few.push(p) });
  assert.deepEqual(
    few.map((e) => `${e.phase}:${e.globalStep}`),
    ['train:1', 'train:8', 'eval:8', 'train:16', 'eval:16', 'train:24', 'eval:24'],
  );
});

test('timings are measured, recording overhead included', async () => {
  const s = setup();
  const r = await train(s.model(), s.data, config({ epochs: 2 }));
  const t = r.timings;
  for (const k of ['totalMs', 'batchMs', 'stepMs', 'recordMs', 'evalMs'] as const) assert.ok(t[k] >= 0 && Number.isFinite(t[k]), k);
  assert.ok(t.stepMs > 0);
  assert.ok(t.totalMs >= t.stepMs + t.batchMs + t.recordMs + t.evalMs - 1e-6);
  assert.ok(Number.isFinite(t.recordingOverhead) && t.recordingOverhead >= 0);
});

test('invalid settings and data are E_CONFIG errors naming the field', async () => {
  const s = setup();
  const cases: [Parameters<typeof config>[0], string][] = [
    [{ epochs: 0 }, 'epochs'],
    [{ batchSize: 1.5 }, 'batchSize'],
    [{ schedule: { kind: 'constant', lr: -1 } }, 'schedule.lr'],
    [{ evalEvery: 0 }, 'evalEvery'],
    [{ earlyStopping: { metric: 'val_loss', patience: 0 } }, 'earlyStopping.patience'],
    [{ checkpoint: { path: '' } }, 'checkpoint.path'],
  ];
  for (const [over, field] of cases) {
    await assert.rejects(train(s.model(), s.data, config(over)), (e) => isEngineError(e) && e.code === ERROR_CODES.CONFIG && e.details?.field === field);
  }
  await assert.rejects(
    train(s.model(), { ...s.data, trainLabels: new Int32Array(3) }, config()),
    (e) => isEngineError(e) && e.code === ERROR_CODES.CONFIG && e.details?.field === 'data.trainLabels',
  );
  await assert.rejects(
    train(s.model(), { train: s.data.train, trainLabels: s.data.trainLabels }, config({ earlyStopping: { metric: 'val_acc', patience: 1 } })),
    (e) => isEngineError(e) && e.code === ERROR_CODES.CONFIG && e.details?.field === 'earlyStopping',
  );
});
