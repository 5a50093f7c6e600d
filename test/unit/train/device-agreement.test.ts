/**
 * GPU against CPU: each built-in model, from the same initial parameters, trained the same few
 * steps on the same batches on the CPU and on a GPU provider, must record the same per-sample
 * statistics (what the audit keeps) and evaluate to the same results.
 *
 * Tolerance (float32 on both sides, different kernels and reduction orders): per-sample loss,
 * margin and p(label) agree within 1e-3 absolute + 1e-3 relative at every step and in the final
 * evaluation; predicted classes may differ only where the CPU's top two logits are within 1e-3
 * (a tie the rounding can flip). Parameter differences are printed, not asserted: Adam divides
 * each gradient by its own running norm, so a parameter whose gradient is ~0 can move by a
 * different tiny amount without changing any prediction.
 *
 * Placement: every session writes an onnxruntime profile (MEMAUDIT_ORT_PROFILE, into a folder of
 * this process), from which the test prints which nodes ran on the device and which fell back to
 * the CPU, and fails if any of the models' main products (MAIN_OPS) did not run on the device.
 *
 * The device is MEMAUDIT_AGREEMENT_DEVICE (default webgpu). Without that provider the test skips
 * and says why, or fails when MEMAUDIT_REQUIRE_E2E=1 (CI, where scripts/run-tests.js points WebGPU
 * at SwiftShader, Chromium's software Vulkan driver, through MEMAUDIT_VULKAN_DRIVER).
 * `MEMAUDIT_AGREEMENT_DEVICE=cpu` runs the comparison against the CPU with one thread (another
 * embedding-gradient strategy), which checks this test itself on any machine.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { createModel, MODEL_NAMES } from '../../../models/registry';
import { currentEnvironment, nodePlacement, parseDevice, placementSummary, precheck, profileFiles } from '../../../server/src/runtime';
import { Rng } from '../../../server/src/util/rng';
import type { Batch, SampleStats } from '../../../server/src/train/types';
import { learnableSource, range } from './helpers';

const DEVICE = parseDevice(process.env.MEMAUDIT_AGREEMENT_DEVICE ?? 'webgpu');
const B = 16;
const STEPS = 6;
const ABS = 1e-3;
const REL = 1e-3;

/** Ops that carry the models' compute: they must run on the device under test (LogSoftmax: rewritten for WebGPU, runtime/lowering.ts). */
const MAIN_OPS = ['MatMul', 'FusedMatMul', 'Gemm', 'Gather', 'Softmax', 'LogSoftmax'];

const unavailable: string | undefined = DEVICE === 'auto' ? 'MEMAUDIT_AGREEMENT_DEVICE must name one device' : precheck(DEVICE, currentEnvironment());
const required = process.env.MEMAUDIT_REQUIRE_E2E === '1' && DEVICE !== 'cpu';
const skipReason: string | false = unavailable && !required ? unavailable : false;
if (skipReason) process.stdout.write(`GPU vs CPU agreement SKIPPED: ${skipReason}\n`);

// Profiles of this process's sessions, for the placement report.
const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memaudit-placement-'));
const profilePrefix = path.join(profileDir, 'p');
process.env.MEMAUDIT_ORT_PROFILE = profilePrefix;
after(() => fs.rmSync(profileDir, { recursive: true, force: true }));

/** Prints where each of a model's device sessions ran its nodes; asserts MAIN_OPS ran on the device. */
function checkPlacement(name: string): void {
  const files = profileFiles(profilePrefix, DEVICE).filter((f) => path.basename(f).startsWith(`p-${name}_`));
  assert.ok(files.length > 0, `no onnxruntime profile of ${name} on ${DEVICE}`);
  for (const file of files) {
    const all = nodePlacement(fs.readFileSync(file, 'utf8'));
    // Host ↔ device copies onnxruntime inserted: counted apart from the graph's own nodes.
    const nodes = all.filter((n) => !n.op.startsWith('Memcpy'));
    const session = path.basename(file).replace(/^p-/, '').replace(/_\d{4}-.*$/, '');
    const off = Object.entries(placementSummary(nodes.filter((n) => n.provider !== DEVICE))).map(([op, by]) => `${op} ${Object.entries(by).map(([p, k]) => `${k} on ${p}`).join(', ')}`);
    process.stdout.write(
      `${session}: ${nodes.filter((n) => n.provider === DEVICE).length} of ${nodes.length} nodes on ${DEVICE} (+${all.length - nodes.length} copies); elsewhere: ${off.join('; ') || 'none'}\n`,
    );
    const misplaced = nodes.filter((n) => MAIN_OPS.includes(n.op) && n.provider !== DEVICE);
    assert.deepEqual(misplaced.map((n) => `${n.op} ${n.node} on ${n.provider}`), [], `${session}: main products not on ${DEVICE}`);
  }
}

function setup(name: string, device: string, threads: number) {
  const { source, labels } = learnableSource({ seed: 11, samples: B * STEPS, labels: 6, tokens: 12, vocab: 60 });
  const hyper: Record<string, number> = name === 'code2vec' ? { contexts: 11 } : name === 'transformer' ? { tokens: 12 } : {};
  return createModel(name, { source, preset: 'tiny', hyper, batchSize: B, stepsPerRun: 1, seed: 5, optimizer: { kind: 'adamw', weightDecay: 0.01, clipNorm: 1 }, device, threads, log: () => {} }).then((m) => ({ m, labels }));
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= ABS + REL * Math.abs(b);
}

/** Largest |a − b| over samples, and the first sample outside the tolerance. */
function compare(what: string, gpu: SampleStats, cpu: SampleStats): number {
  let worst = 0;
  for (const key of ['loss', 'margin', 'pLabel'] as const) {
    for (let i = 0; i < cpu[key].length; i++) {
      const [a, b] = [gpu[key][i]!, cpu[key][i]!];
      worst = Math.max(worst, Math.abs(a - b));
      assert.ok(close(a, b), `${what}: ${key}[${i}] is ${a} on ${DEVICE} and ${b} on the CPU`);
    }
  }
  for (let i = 0; i < cpu.top1.length; i++) {
    if (gpu.top1[i] !== cpu.top1[i]) assert.ok(Math.abs(cpu.margin[i]!) <= 1e-3, `${what}: sample ${i} predicted ${gpu.top1[i]} on ${DEVICE}, ${cpu.top1[i]} on the CPU (margin ${cpu.margin[i]})`);
  }
  return worst;
}

for (const name of MODEL_NAMES) {
  test(`${name}: ${STEPS} training steps and an evaluation agree between ${DEVICE} and the CPU`, { skip: skipReason }, async () => {
    assert.equal(unavailable, undefined, `MEMAUDIT_REQUIRE_E2E=1 and ${DEVICE} is unavailable: ${unavailable}`);
    const cpu = await setup(name, 'cpu', 2);
    const gpu = await setup(name, DEVICE, DEVICE === 'cpu' ? 1 : 2);
    try {
      assert.equal(gpu.m.device, DEVICE, `the model runs on ${gpu.m.device}, not ${DEVICE}`);
      const batches: Batch[] = Array.from({ length: STEPS }, (_, k) => {
        const idx = range(k * B, (k + 1) * B);
        return cpu.m.makeBatch(idx, Int32Array.from(idx, (i) => cpu.labels[i]!));
      });
      const lr = Array.from({ length: STEPS }, () => 0.01);
      let worst = 0;
      for (let k = 0; k < STEPS; k++) {
        const [sc] = await cpu.m.trainSteps([batches[k]!], [lr[k]!], new Rng(100 + k));
        const [sg] = await gpu.m.trainSteps([batches[k]!], [lr[k]!], new Rng(100 + k));
        worst = Math.max(worst, compare(`step ${k + 1}`, sg!, sc!));
      }
      for (const batch of batches) worst = Math.max(worst, compare('evaluation', await gpu.m.evaluate(batch), await cpu.m.evaluate(batch)));
      const [pc, pg] = [await cpu.m.getState(), await gpu.m.getState()];
      let param = 0;
      for (const key of Object.keys(pc.tensors)) {
        const [a, b] = [pg.tensors[key]!.data as Float32Array, pc.tensors[key]!.data as Float32Array];
        for (let i = 0; i < b.length; i++) param = Math.max(param, Math.abs(a[i]! - b[i]!));
      }
      process.stdout.write(`${name} on ${DEVICE} vs cpu: max |Δ| of per-sample statistics ${worst.toExponential(2)}, of parameters and optimizer state ${param.toExponential(2)}\n`);
    } finally {
      await cpu.m.dispose();
      await gpu.m.dispose();
    }
    checkPlacement(name);
  });
}
