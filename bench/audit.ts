/**
 * The audit's own overhead next to training: per-sample dynamics recording, metrics and reports
 * against the time spent in training steps, and the stored dynamics per sample per epoch.
 *
 *   npm run bench -- audit [paths…] [--methods 3000] [--epochs 20] [--model bag] [--adversarial false]
 *
 * Without paths it audits a generated corpus. Prints one JSON line.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveAuditConfig } from '../server/src/audit/config';
import { runAudit } from '../server/src/audit/run-audit';
import { generateCorpus, writeCorpus } from '../server/src/synth';

export async function runAuditBench(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { methods: { type: 'string', default: '3000' }, epochs: { type: 'string', default: '20' }, model: { type: 'string', default: 'bag' }, adversarial: { type: 'string', default: 'true' } },
  });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'memaudit-bench-audit-'));
  try {
    let inputs = positionals.map((p) => path.resolve(p));
    if (inputs.length === 0) {
      await writeCorpus(path.join(work, 'corpus'), generateCorpus({ seed: 0, methods: Number(values.methods) }));
      inputs = [path.join(work, 'corpus')];
    }
    const config = resolveAuditConfig({ inputs, epochs: Number(values.epochs), model: values.model!, outDir: path.join(work, 'out'), adversarial: values.adversarial !== 'false' });
    const { report, runDir } = await runAudit({ config, cwd: work, log: (m) => process.stderr.write(`\n${m}\n`), onProgress: (p) => process.stderr.write(`\r${(p.fraction * 100).toFixed(0)}% ${p.message}   `) });
    process.stderr.write('\n');
    const sum = (f: (r: (typeof report.runs)[number]) => number) => report.runs.reduce((a, r) => a + f(r), 0);
    const trainMs = sum((r) => r.timings.trainMs);
    const recordMs = sum((r) => r.timings.recordMs);
    const metricsMs = sum((r) => r.timings.metricsMs);
    // Dynamics stored: file bytes over (samples × recorded epochs) of every split.
    let dynamicsBytes = 0;
    let sampleEpochs = 0;
    for (const r of report.runs) {
      dynamicsBytes += fs.statSync(path.join(runDir, r.files.dynamics!)).size;
      const evalEpochs = r.epochs.filter((e) => e.test !== null).length;
      sampleEpochs += report.dataset.trainUsed * r.epochs.length + (report.dataset.val + report.dataset.test) * evalEpochs;
    }
    console.log(
      JSON.stringify({
        bench: 'audit',
        corpus: positionals.length ? positionals.join(',') : `generated:${values.methods}`,
        model: config.model,
        runs: report.runs.length,
        epochs: config.epochs,
        trainSamples: report.dataset.trainUsed,
        device: report.environment.device.used,
        totalMs: Math.round(report.timings.totalMs),
        trainStepsMs: Math.round(trainMs),
        evalMs: Math.round(sum((r) => r.timings.evalMs)),
        recordMs: Math.round(recordMs),
        metricsMs: Math.round(metricsMs),
        reportMs: Math.round(report.timings.reportMs),
        probesMs: Math.round(sum((r) => r.timings.probesMs ?? 0)),
        overheadOfTraining: +((recordMs + metricsMs + report.timings.reportMs) / trainMs).toFixed(4),
        probesOverheadOfTraining: +(sum((r) => r.timings.probesMs ?? 0) / trainMs).toFixed(4),
        adversarialMs: Math.round(sum((r) => r.timings.adversarialMs ?? 0)),
        adversarialOverheadOfTraining: +(sum((r) => r.timings.adversarialMs ?? 0) / trainMs).toFixed(4),
        adversarialPgdTestClean: report.runs.find((r) => r.kind === 'none')?.adversarial?.test.pgd ?? null,
        adversarialRenameTestClean: report.runs.find((r) => r.kind === 'none')?.adversarial?.test.rename?.rate ?? null,
        dynamicsBytesPerSampleEpoch: +(dynamicsBytes / sampleEpochs).toFixed(2),
        G: report.scores.G,
        M: report.scores.M,
        gap: report.scores.gap,
        bestSignal: report.detection.best,
        bestSignalAuroc: report.scores.detection_auroc,
        detectionWindow: report.detection.choice?.window.id ?? null,
        detectionInSampleAuroc: report.detection.choice?.inSampleAuroc ?? null,
      }),
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
