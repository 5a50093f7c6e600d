/**
 * Training throughput of the built-in models at their reference sizes, next to the machine's
 * float32 MatMul rate measured in the same run on the same device and thread count.
 *
 *   npm run bench -- train [--model bag|code2vec|transformer|all] [--device cpu|webgpu|auto]
 *                          [--threads 1,2] [--steps-per-run S] [--runs R] [--optimizer adam|adamw|sgd]
 *                          [--embedding-gradient auto|sorted|scatter-add] [--matmul 2048]
 *                          [--sizes reference|tiny] [--mixup 0,1]
 *
 * Prints one JSON line per model, device and thread count (default: 1 and all cores — on a small
 * machine one thread with 'scatter-add' embedding gradients can beat two threads with the exact
 * multi-threaded 'sorted' strategy). Train samples/s come from R timed session runs of
 * S steps each (after one warm-up run); eval samples/s from evaluate() on batches of the same
 * size (top-5). model_gflop_per_s counts the analytic forward FLOPs × 3 (forward + backward)
 * per trained sample; the optimizer update and embedding scatter are not counted. `--mixup` lists
 * mixup α values (train/mixup.ts; default 0 = off): one line per value, so the cost of mixup is
 * the ratio of lines of one process.
 *
 * WebGPU on a Vulkan driver named by MEMAUDIT_VULKAN_DRIVER (SwiftShader, in software) defaults to
 * tiny sizes (the reference sizes take minutes per step there) and marks its lines
 * `"software": true`: informative only, they show the WebGPU path runs, not how fast a GPU is
 * (scripts/gpu-check.sh measures a real GPU).
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { MODELS, MODEL_NAMES, buildArchitecture, createModel } from '../models/registry';
import { Graph, emitModel, ops as o } from '../server/src/onnx';
import { createSession, currentEnvironment, softwareVulkan } from '../server/src/runtime';
import type { EmbeddingGradient } from '../server/src/train/compile';
import { arraySource } from '../server/src/dataset/source';
import { Rng } from '../server/src/util/rng';
import type { Batch, OptimizerConfig } from '../server/src/train/types';

/** Batch size per model at the reference benchmark. */
const REFERENCE_BATCH: Record<string, number> = { bag: 256, code2vec: 256, transformer: 64 };

/** Sizes small enough for software Vulkan: the agreement test's models (preset 'tiny'). */
const TINY = { sizes: { tokens: 200, paths: 20, labels: 16 }, batch: 16, matmul: 256, preset: 'tiny' } as const;

/** GFLOP/s of an n×n×n float32 MatMul on the device (best of several runs). */
async function matmulRate(device: string, threads: number, n: number): Promise<{ gflops: number; device: string; software: boolean }> {
  const g = new Graph('matmul');
  const a = g.input('a', 'float32', [n, n]);
  const b = g.input('b', 'float32', [n, n]);
  g.output(o.matmul(a, b), 'c');
  const session = await createSession(emitModel(g), { device, intraOpThreads: threads, name: 'matmul' });
  try {
    const rng = new Rng(1);
    const data = Float32Array.from({ length: n * n }, () => rng.next() - 0.5);
    const feeds = { a: { dtype: 'float32' as const, dims: [n, n], data }, b: { dtype: 'float32' as const, dims: [n, n], data } };
    await session.run(feeds);
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await session.run(feeds);
      best = Math.min(best, (performance.now() - t) / 1000);
    }
    return { gflops: (2 * n * n * n) / best / 1e9, device: session.device.used, software: session.device.software };
  } finally {
    await session.dispose();
  }
}

/** Random samples that fill every position (the reference sizes' worst case). */
function randomSource(name: string, sizes: { tokens: number; paths: number; labels: number }, count: number, width: number): ReturnType<typeof arraySource> {
  const rng = new Rng(42);
  const bodies: Int32Array[] = [];
  const contexts: Int32Array[] = [];
  for (let i = 0; i < count; i++) {
    if (name === 'code2vec') {
      const c = new Int32Array(width * 3);
      for (let k = 0; k < width; k++) {
        c[3 * k] = 2 + rng.int(sizes.tokens - 2);
        c[3 * k + 1] = 2 + rng.int(sizes.paths - 2);
        c[3 * k + 2] = 2 + rng.int(sizes.tokens - 2);
      }
      contexts.push(c);
    } else {
      bodies.push(Int32Array.from({ length: width }, () => 2 + rng.int(sizes.tokens - 2)));
    }
  }
  return arraySource(sizes, bodies, contexts);
}

export async function runTrainBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string', default: 'all' },
      device: { type: 'string', default: 'auto' },
      threads: { type: 'string', default: `1,${availableParallelism()}` },
      'steps-per-run': { type: 'string', default: '4' },
      runs: { type: 'string', default: '3' },
      optimizer: { type: 'string', default: 'adam' },
      'embedding-gradient': { type: 'string', default: 'auto' },
      matmul: { type: 'string' },
      sizes: { type: 'string' },
      mixup: { type: 'string', default: '0' },
    },
  });
  const names = values.model === 'all' ? [...MODEL_NAMES] : values.model!.split(',');
  const devices = values.device!.split(',');
  const threadCounts = [...new Set(values.threads!.split(',').map(Number))];
  const S = Number(values['steps-per-run']);
  const runs = Number(values.runs);
  const optimizer: OptimizerConfig = { kind: values.optimizer as OptimizerConfig['kind'] };
  const mixups = values.mixup!.split(',').map(Number);
  for (const device of devices) {
    for (const threads of threadCounts) {
      try {
        await benchDevice(device, threads);
      } catch (e) {
        // An unavailable device is a result too (one line per model), not a crash of the bench.
        const error = e instanceof Error ? e.message : String(e);
        for (const name of names) process.stdout.write(JSON.stringify({ bench: 'train', model: name, requested_device: device, threads, error }) + '\n');
      }
    }
  }

  async function benchDevice(device: string, threads: number): Promise<void> {
    const software = device === 'webgpu' && softwareVulkan('webgpu', currentEnvironment());
    const tiny = (values.sizes ?? (software ? 'tiny' : 'reference')) === 'tiny';
    const mm = await matmulRate(device, threads, Number(values.matmul ?? (tiny ? TINY.matmul : 2048)));
    for (const name of names) for (const alpha of mixups) {
      const def = MODELS[name as keyof typeof MODELS];
      if (!def) throw new Error(`unknown model ${name}: valid are ${MODEL_NAMES.join(', ')}`);
      const sizes = tiny ? TINY.sizes : def.referenceSizes;
      const B = tiny ? TINY.batch : REFERENCE_BATCH[name]!;
      const preset = tiny ? TINY.preset : undefined;
      const arch = buildArchitecture(name, sizes, preset);
      const width = arch.features[0]!.shape[0]!;
      const source = randomSource(name, sizes, B * S, width);
      process.stderr.write(`train bench: ${name} on ${device}, ${threads} thread(s): compiling…\n`);
      const t0 = performance.now();
      const model = await createModel(name, {
        source,
        sizes,
        preset,
        batchSize: B,
        stepsPerRun: S,
        optimizer,
        device,
        threads,
        embeddingGradient: values['embedding-gradient'] as EmbeddingGradient | 'auto',
        seed: 1,
        ...(alpha > 0 ? { mixup: alpha } : {}),
      });
      const compileS = (performance.now() - t0) / 1000;
      try {
        const rng = new Rng(7);
        const batches: Batch[] = Array.from({ length: S }, (_, s) => {
          const idx = Int32Array.from({ length: B }, (_, r) => s * B + r);
          return model.makeBatch(idx, Int32Array.from(idx, () => rng.int(sizes.labels)));
        });
        const lr = batches.map(() => 1e-3);
        await model.trainSteps(batches, lr, rng);
        const t1 = performance.now();
        for (let r = 0; r < runs; r++) await model.trainSteps(batches, lr, rng);
        const trainS = (performance.now() - t1) / 1000;
        const trainRate = (runs * S * B) / trainS;
        await model.evaluate(batches[0]!, 5);
        const t2 = performance.now();
        for (const b of batches) await model.evaluate(b, 5);
        const evalRate = (S * B) / ((performance.now() - t2) / 1000);
        const modelGflops = (3 * arch.forwardFlops * trainRate) / 1e9;
        process.stdout.write(
          JSON.stringify({
            bench: 'train',
            model: name,
            device: model.device,
            requested_device: device,
            ...(mm.software ? { software: true, note: 'WebGPU on a software Vulkan driver: shows the path runs, not GPU speed' } : {}),
            threads,
            sizes: tiny ? 'tiny' : 'reference',
            batch: B,
            steps_per_run: S,
            optimizer: optimizer.kind,
            embedding_gradient: model.embeddingGradient,
            ...(mixups.length > 1 || alpha > 0 ? { mixup: alpha } : {}),
            params: model.parameterCount,
            forward_mflop_per_sample: +(arch.forwardFlops / 1e6).toFixed(2),
            compile_s: +compileS.toFixed(2),
            train_ms_per_step: +((1000 * trainS) / (runs * S)).toFixed(1),
            train_samples_per_s: Math.round(trainRate),
            eval_samples_per_s: Math.round(evalRate),
            model_gflop_per_s: +modelGflops.toFixed(1),
            matmul_gflop_per_s: +mm.gflops.toFixed(1),
            fraction_of_matmul: +(modelGflops / mm.gflops).toFixed(3),
            load_avg_1m: +loadavg()[0]!.toFixed(2),
          }) + '\n',
        );
      } finally {
        await model.dispose();
      }
    }
  }
}
