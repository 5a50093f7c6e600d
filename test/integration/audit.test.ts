/**
 * A real audit on a generated corpus (3,000 methods, Java, Python and Ruby; real training on the
 * CPU) and the findings of the literature it must reproduce: test F1 falls monotonically with the
 * label-shuffling level, the noise fit rate rises across epochs, a signal finds the corrupted
 * samples at 25% with AUROC ≥ 0.9, a leaked name raises training fit. Also: gates and exit
 * codes, the reports against their schemas, and resume after kill -9 and after cancellation.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import { validateReport } from '../../server/src/report';
import { areaUnderCurve } from '../../server/src/metrics/roc';
import { decodeCartography } from '../../server/src/report/shared/cartography';
import { noiseDiffOf, parseNoiseDiffs } from '../../server/src/report/shared/noise-diffs';
import { labelIdentifier } from '../../server/src/audit/noise-diffs';
import type { AuditReport, RunReport } from '../../server/src/protocol/report';
import { cli, tempDir } from '../helpers/cli';

const work = tempDir('memaudit-audit-');
const corpusDir = path.join(work.dir, 'corpus');
before(async () => {
  await writeCorpus(corpusDir, generateCorpus({ seed: 7, methods: 3000 }));
});

const BASE = ['audit', 'corpus', '--noise', 'y-shuffle:0,25,50,75,100', '--noise', 'x-leak-name:25', '--epochs', '20', '--device', 'cpu'];
const BIN = path.resolve(__dirname, '../../server/src/bin.js');

function reportOf(outDir: string): AuditReport {
  const runs = path.join(work.dir, outDir, 'runs');
  const [id] = fs.readdirSync(runs);
  return JSON.parse(fs.readFileSync(path.join(runs, id!, 'report.json'), 'utf8')) as AuditReport;
}

/** A report without what legitimately differs between two invocations (times, the fold runs' `seconds` included, dates, the gates asked for). */
function comparable(r: AuditReport): unknown {
  return JSON.parse(
    JSON.stringify(r, (k, v: unknown) => (k === 'timings' || k === 'createdAt' || k === 'gates' || k === 'seconds' ? undefined : v)),
  );
}

function run(r: AuditReport, id: string): RunReport {
  const found = r.runs.find((x) => x.id === id);
  assert.ok(found, `run ${id} in the report`);
  return found;
}

let reference: AuditReport;

test('a real audit reproduces the randomization test', async () => {
  const r = await cli([...BASE, '--out', 'ref', '--format', 'json', '--sarif', 'out.sarif', '--junit', 'out.xml', '--html', 'out.html', '--markdown', 'out.md', '--gate', 'gap<=0.5'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  reference = JSON.parse(r.stdout) as AuditReport;
  assert.deepEqual(validateReport(reference).errors, []);
  assert.deepEqual(comparable(reportOf('ref')), comparable(reference));

  // Test F1 falls monotonically with the label-shuffling level.
  const levels = [0, 25, 50, 75, 100];
  const testF1 = levels.map((l) => run(reference, l === 0 ? 'clean-s0' : `y-shuffle-${l}-s0`).final.testF1!);
  for (let k = 1; k < testF1.length; k++) assert.ok(testF1[k]! < testF1[k - 1]!, `test F1 ${testF1.join(' > ')}`);
  assert.ok(reference.scores.G! > 0.8, `G = ${reference.scores.G} on a learnable corpus`);

  // The noise fit rate rises across epochs (memorization comes late).
  for (const l of [25, 50, 75, 100]) {
    const fit = run(reference, `y-shuffle-${l}-s0`).epochs.map((e) => e.trainCorrupted!.accuracy);
    assert.ok(fit[fit.length - 1]! > fit[0]! + 0.1, `noise fit at ${l}%: ${fit[0]} → ${fit[fit.length - 1]}`);
    assert.ok(fit[fit.length - 1]! >= fit[Math.floor(fit.length / 2)]!, `noise fit keeps rising at ${l}%`);
  }

  // Self-calibration: some signal finds the 25% corrupted samples with AUROC ≥ 0.9.
  const best25 = Math.max(...run(reference, 'y-shuffle-25-s0').detection.map((d) => d.auroc));
  assert.ok(best25 >= 0.9, `best AUROC at 25% = ${best25}`);
  assert.ok(reference.detection.best);
  assert.ok(reference.findings.length > 0);
  // With the memorization score (the default) the findings are in two categories, memorized first,
  // each keeping its rank by the detection score.
  assert.ok(reference.memorization, 'the memorization score');
  assert.ok(reference.findings.every((f) => f.category !== undefined && f.rank >= 1));
  const firstNotLearned = reference.findings.findIndex((f) => f.category === 'not-learned');
  assert.ok(firstNotLearned === -1 || reference.findings.slice(firstNotLearned).every((f) => f.category === 'not-learned'), 'memorized first');
  // The cross-fitted choice: chosen on half of the corrupted samples, measured on the other half,
  // with an interval; it is the headline detection AUROC and ranks the findings over its window.
  const choice = reference.detection.choice!;
  assert.ok(choice, 'a detection choice');
  assert.equal(reference.scores.detection_auroc, choice.heldOutAuroc);
  assert.deepEqual(reference.scoreIntervals!.detection_auroc, choice.heldOutInterval);
  assert.ok(choice.heldOutInterval && choice.inSampleInterval, 'both AUROCs have an interval');
  assert.ok(choice.heldOutAuroc >= 0.8, `held-out AUROC ${choice.heldOutAuroc} (in-sample ${choice.inSampleAuroc})`);
  assert.ok(choice.candidates >= 60, `${choice.candidates} candidates`);
  // Each signal's mean over the calibration runs has its interval (from the runs' replicates).
  for (const q of reference.detection.signals) {
    assert.ok(q.aurocInterval && q.aurocInterval.low <= q.auroc + 1e-9 && q.auroc <= q.aurocInterval.high + 1e-9, `${q.signal} ${q.auroc} ${JSON.stringify(q.aurocInterval)}`);
    assert.ok(q.averagePrecisionInterval, `${q.signal} AP interval`);
  }
  assert.ok(reference.scoreIntervals!.mia_advantage, 'the membership advantage has its interval');
  // Each calibration run's own held-out AUROC with its interval; their mean is the headline.
  assert.ok(choice.byRun && choice.byRun.length >= 1);
  for (const b of choice.byRun) assert.ok(b.heldOutAuroc !== null && b.heldOutInterval && b.heldOutInterval.low <= b.heldOutAuroc && b.heldOutAuroc <= b.heldOutInterval.high, JSON.stringify(b));
  const meanByRun = choice.byRun.reduce((a, b) => a + b.heldOutAuroc!, 0) / choice.byRun.length;
  assert.ok(Math.abs(meanByRun - choice.heldOutAuroc) < 1e-9, `${meanByRun} vs ${choice.heldOutAuroc}`);
  assert.deepEqual(reference.findings[0]!.window, choice.window);
  assert.equal(reference.findings[0]!.signal, choice.signal);
  assert.ok(run(reference, 'y-shuffle-25-s0').detectionCandidates, 'calibration runs carry their candidate tables');

  // A leaked name raises training fit: the leaked samples are fitted better than the clean run's training set.
  const leak = run(reference, 'x-leak-name-25-s0');
  const leakFit = leak.epochs[leak.epochs.length - 1]!.trainCorrupted!.f1;
  assert.ok(leak.corrupted > 0);
  assert.ok(leakFit > run(reference, 'clean-s0').final.trainF1, `leaked F1 ${leakFit} vs clean train F1`);

  // The report panel's data: a ROC curve behind every AUROC, a cartography map per run, the
  // findings' corruptions in the noisy runs with their original and noised code.
  const auditDir = path.join(work.dir, 'ref', 'runs', reference.runId);
  for (const q of run(reference, 'y-shuffle-25-s0').detection) {
    assert.ok(q.roc && q.roc.fpr.length >= 2 && q.roc.fpr.length <= 100, q.signal);
    assert.ok(Math.abs(areaUnderCurve(q.roc) - q.auroc) < 0.02, `${q.signal}: area ${areaUnderCurve(q.roc)} vs AUROC ${q.auroc}`);
  }
  for (const r of reference.runs) {
    const carto = decodeCartography(fs.readFileSync(path.join(auditDir, r.files.cartography!)));
    assert.equal(carto.n, reference.dataset.trainUsed);
    assert.equal(carto.corrupted.reduce((a, b) => a + b, 0), r.corrupted, r.id);
    const regions = r.cartography!.regions;
    assert.equal(regions.easy.corrupted + regions.ambiguous.corrupted + regions.hard.corrupted, r.corrupted);
    assert.equal(regions.easy.clean + regions.ambiguous.clean + regions.hard.clean, carto.n - r.corrupted);
  }
  const diffs = parseNoiseDiffs(fs.readFileSync(path.join(auditDir, reference.files!.noiseDiffs!), 'utf8'));
  const noisy = reference.findings.filter((f) => f.noise!.length > 0);
  assert.ok(noisy.length > 0, 'some findings were corrupted in a noisy run');
  for (const f of noisy) {
    for (const n of f.noise!) {
      const d = noiseDiffOf(diffs, f.sampleId, n.runId);
      assert.equal(d !== undefined, n.diff, `${f.name} in ${n.runId}`);
      if (!d) continue;
      assert.notEqual(d.noised, d.original);
      if (n.kind === 'x-leak-name') assert.ok(d.noised.includes(`${f.name.replace(/[?!=]$/, '')}_`), `${f.name}: the leak in\n${d.noised}`);
      if (n.kind === 'y-shuffle') assert.ok(d.noised.includes(labelIdentifier(n.label!.to, f.language)), `${f.name}: renamed to ${n.label!.to}\n${d.noised}`);
    }
  }
  // Nested levels: a method corrupted at 25 % is corrupted at every higher level too.
  for (const f of noisy) {
    const at = new Set(f.noise!.filter((n) => n.kind === 'y-shuffle').map((n) => n.level));
    if (at.has(25)) for (const l of [50, 75, 100]) assert.ok(at.has(l), `${f.name} at ${l}%`);
  }

  // The other reports are well-formed.
  const sarif = JSON.parse(fs.readFileSync(path.join(work.dir, 'out.sarif'), 'utf8')) as {
    version: string;
    runs: { tool: { driver: { name: string } }; results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[];
  };
  assert.equal(sarif.version, '2.1.0');
  assert.equal(sarif.runs[0]!.tool.driver.name, 'memaudit');
  assert.equal(sarif.runs[0]!.results.length, reference.findings.length);
  for (const res of sarif.runs[0]!.results) {
    const loc = res.locations[0]!.physicalLocation;
    assert.ok(loc.region.startLine >= 1);
    assert.ok(!path.isAbsolute(loc.artifactLocation.uri) && !loc.artifactLocation.uri.includes('\\'), loc.artifactLocation.uri);
  }
  const junit = fs.readFileSync(path.join(work.dir, 'out.xml'), 'utf8');
  assert.match(junit, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
  assert.match(junit, /<testsuite [^>]*tests="1"[^>]*failures="0"/);
  assert.match(fs.readFileSync(path.join(work.dir, 'out.md'), 'utf8'), /Generalization \(G\)/);
  assert.match(fs.readFileSync(path.join(work.dir, 'out.html'), 'utf8'), /Content-Security-Policy/);
});

test('gates: exit 1 when one fails, 0 when all pass; finished runs are reused', async () => {
  const failing = await cli([...BASE, '--out', 'ref', '--gate', 'M<0.01', '--gate', 'G>=0.5', '--junit', 'gates.xml'], { cwd: work.dir });
  assert.equal(failing.code, 1, failing.stderr);
  assert.match(failing.stdout, /FAIL {2}M < 0.01/);
  assert.match(failing.stdout, /PASS {2}G >= 0.5/);
  assert.match(failing.stderr, /8 run\(s\) reused/);
  assert.match(fs.readFileSync(path.join(work.dir, 'gates.xml'), 'utf8'), /failures="1"/);
  const passing = await cli([...BASE, '--out', 'ref', '--gate', 'M<=1'], { cwd: work.dir });
  assert.equal(passing.code, 0, passing.stderr);
  const bad = await cli([...BASE, '--out', 'ref', '--gate', 'accuracy>1'], { cwd: work.dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown metric 'accuracy'/);
});

test('kill -9 in the middle, rerun: the same report as an uninterrupted audit', async () => {
  const outDir = path.join(work.dir, 'killed');
  const child = spawn(process.execPath, [BIN, ...BASE, '--out', 'killed'], { cwd: work.dir, stdio: 'ignore' });
  // Wait until one run is finished and another has written a checkpoint but no result, then kill
  // (runs train side by side: which one finishes first is not fixed).
  const deadline = Date.now() + 120_000;
  let killedMidRun = false;
  let resumedRun = '';
  const exited = new Promise((r) => child.once('exit', r));
  while (Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 50));
    const runs = path.join(outDir, 'runs');
    if (!fs.existsSync(runs)) continue;
    // The audit's folder (the runs folder also holds the writability check's short-lived files).
    const id = fs.readdirSync(runs, { withFileTypes: true }).find((e) => e.isDirectory() && !e.name.startsWith('.'))?.name;
    if (!id) continue;
    const dir = path.join(runs, id);
    const runDirs = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    const done = runDirs.some((r) => fs.existsSync(path.join(dir, r, 'result.json')));
    const started = runDirs.find((r) => !fs.existsSync(path.join(dir, r, 'result.json')) && fs.existsSync(path.join(dir, r, 'checkpoint.bin')));
    if (done && started) {
      child.kill('SIGKILL');
      killedMidRun = true;
      resumedRun = started;
      break;
    }
  }
  await exited;
  assert.ok(killedMidRun, 'the child was killed with one run finished and another under way');
  const resumed = await cli([...BASE, '--out', 'killed', '--format', 'json'], { cwd: work.dir });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`resuming ${resumedRun} from its checkpoint`));
  assert.deepEqual(comparable(JSON.parse(resumed.stdout) as AuditReport), comparable(reference));
});

test('cancel, rerun: the same report as an uninterrupted audit', async () => {
  const controller = new AbortController();
  let seen = 0;
  const first = cli([...BASE, '--out', 'cancelled'], { cwd: work.dir, signal: controller.signal });
  // Cancel once the second run's training is under way.
  const timer = setInterval(() => {
    const runs = path.join(work.dir, 'cancelled', 'runs');
    if (!fs.existsSync(runs)) return;
    const [id] = fs.readdirSync(runs);
    if (id && fs.existsSync(path.join(runs, id, 'clean-s0', 'result.json')) && ++seen > 2) controller.abort();
  }, 20);
  const r1 = await first;
  clearInterval(timer);
  assert.equal(r1.code, 2);
  assert.match(r1.stderr, /cancelled/);
  const r2 = await cli([...BASE, '--out', 'cancelled', '--format', 'json'], { cwd: work.dir });
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual(comparable(JSON.parse(r2.stdout) as AuditReport), comparable(reference));
});

test('cleanup', () => work.cleanup());
