/**
 * `--labels top:K` end to end on a generated corpus: the audit trains on the K most frequent
 * training names only, says which, records the setting in a valid report, shows it in the text
 * output, and keeps it apart from the `full` audit of the same corpus (its own audit folder).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import { validateReport } from '../../server/src/report';
import type { AuditReport } from '../../server/src/protocol/report';
import { cli, tempDir } from '../helpers/cli';

const work = tempDir('memaudit-top-labels-');
before(async () => {
  await writeCorpus(path.join(work.dir, 'corpus'), generateCorpus({ seed: 3, methods: 1500 }));
});

const BASE = ['audit', 'corpus', '--noise', 'y-shuffle:0,100', '--epochs', '2', '--mem-folds', '0', '--device', 'cpu', '--out', 'out', '--format', 'json'];

test('an audit with --labels top:5: five classes, the kept names said, the setting in the report and the text', async () => {
  const r = await cli([...BASE, '--labels', 'top:5'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as AuditReport;
  assert.deepEqual(validateReport(report).errors, []);
  assert.equal(report.config.labels, 'top:5');
  assert.equal(report.dataset.labels, 6, 'five names and the unused <UNK>');
  assert.deepEqual(report.dataset.labelCoverage, { train: 1, val: 1, test: 1 });
  const said = /labels top:5: 5 of \d+ training names kept \(([^)]*)\); methods left out: train \d+, val \d+, test \d+/.exec(r.stderr);
  assert.ok(said, r.stderr);
  const names = new Set(said[1]!.split(', ').map((n) => n.replace(/\|/g, '')));
  for (const f of report.findings) assert.ok(names.has(f.name.toLowerCase().replace(/_/g, '')), `finding ${f.name} is one of the five names`);

  const text = await cli(['report', report.runId, '--out', 'out'], { cwd: work.dir });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /task top:5/);

  const full = await cli(BASE, { cwd: work.dir });
  assert.equal(full.code, 0, full.stderr);
  assert.equal((JSON.parse(full.stdout) as AuditReport).config.labels, 'full');
  assert.equal(fs.readdirSync(path.join(work.dir, 'out', 'runs')).length, 2, 'top:5 and full are two audits');
});
