/**
 * The run scheduler's speedup: the same audit trained one run at a time (--jobs 1) and by the
 * scheduler (--jobs N, default auto), each in a fresh output folder, in this one process; and
 * whether the two reports agree in every score, run and finding.
 *
 *   npm run bench -- audit-jobs <corpus dir…> [--jobs N|auto] [--preset quick] [--epochs N]
 *
 * Prints one JSON line: {sequentialSec, scheduledSec, speedup, trainSpeedup, identicalScores,
 * mainThreadBusy, coresUsed, runs, jobs, cores, loadavg}.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveAuditConfig, type AuditConfig } from '../server/src/audit/config';
import { runAudit } from '../server/src/audit/run-audit';
import { schedulePolicy, type JobsSetting } from '../server/src/audit/scheduler';
import { planSize } from '../server/src/audit/config';
import type { AuditReport } from '../server/src/protocol/report';

export async function runAuditJobsBench(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { jobs: { type: 'string', default: 'auto' }, preset: { type: 'string', default: 'quick' }, epochs: { type: 'string' } } });
  if (positionals.length === 0) {
    process.stderr.write('usage: npm run bench -- audit-jobs <corpus dir…> [--jobs N|auto] [--preset quick] [--epochs N]\n');
    return 2;
  }
  const jobs: JobsSetting = values.jobs === 'auto' ? 'auto' : Number(values.jobs);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'memaudit-bench-jobs-'));
  try {
    const config = (out: string) =>
      resolveAuditConfig({ inputs: positionals.map((p) => path.resolve(p)), preset: values.preset!, outDir: path.join(work, out), ...(values.epochs ? { epochs: Number(values.epochs) } : {}) });
    const sequential = await timedAudit(config('sequential'), 1, work);
    const scheduled = await timedAudit(config('scheduled'), jobs, work);
    const c = config('x');
    console.log(
      JSON.stringify({
        bench: 'audit-jobs',
        corpus: positionals.join(','),
        preset: values.preset,
        epochs: c.epochs,
        trainSamples: sequential.report.dataset.trainUsed,
        sequentialSec: +sequential.sec.toFixed(2),
        scheduledSec: +scheduled.sec.toFixed(2),
        speedup: +(sequential.sec / scheduled.sec).toFixed(3),
        trainSpeedup: +(sequential.report.timings.trainMs / scheduled.report.timings.trainMs).toFixed(3),
        identicalScores: sameResults(sequential.report, scheduled.report),
        mainThreadBusy: { sequential: +sequential.elu.toFixed(3), scheduled: +scheduled.elu.toFixed(3) },
        // CPU seconds per wall second of this process (all its threads): the cores it got.
        coresUsed: { sequential: +sequential.cores.toFixed(2), scheduled: +scheduled.cores.toFixed(2) },
        runs: planSize(c),
        jobs: schedulePolicy(jobs, planSize(c)).jobs,
        cores: os.availableParallelism(),
        loadavg: os.loadavg().map((x) => +x.toFixed(2)),
      }),
    );
    return 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * One audit, timed; `elu` is the Node thread's event-loop utilization over it (1 = always busy
 * with JavaScript: then runs side by side in this process cannot go faster, whatever the cores).
 */
async function timedAudit(config: AuditConfig, jobs: JobsSetting, cwd: string): Promise<{ report: AuditReport; sec: number; elu: number; cores: number }> {
  const t0 = performance.now();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const { report } = await runAudit({ config, cwd, jobs, onProgress: (p) => process.stderr.write(`\r[jobs ${jobs}] ${(p.fraction * 100).toFixed(0)}% ${p.message}`.padEnd(100)) });
  process.stderr.write('\n');
  const sec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { report, sec, elu: performance.eventLoopUtilization(elu0).utilization, cores: (cpu.user + cpu.system) / 1e6 / sec };
}

/** Every score, interval, run (without its timings) and finding equal, to the bit. */
function sameResults(a: AuditReport, b: AuditReport): boolean {
  const of = (r: AuditReport) => JSON.stringify({ scores: r.scores, intervals: r.scoreIntervals, runs: r.runs.map((x) => ({ ...x, timings: undefined })), findings: r.findings, detection: r.detection });
  return of(a) === of(b);
}
