/**
 * The adversarial numbers in the report: the schema accepts them (and reports without them), and
 * refuses a rate out of range or an unknown field; every writer shows them per noise level (text,
 * Markdown, HTML with its chart, SARIF and JUnit properties) and none mentions them when absent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateReport } from '../../../server/src/report/schema';
import { adversarialLevels } from '../../../server/src/report/shared/adversarial';
import { toHtml } from '../../../server/src/report/shared/html';
import { toJUnit } from '../../../server/src/report/shared/junit';
import { toMarkdown } from '../../../server/src/report/shared/markdown';
import { toSarif } from '../../../server/src/report/shared/sarif';
import { renderAuditText } from '../../../server/src/report/shared/text';
import { withAdversarial } from './adversarial-fixture';
import { makeFixtureReport } from './fixture';

const report = withAdversarial(makeFixtureReport({ extras: true }));

test('reports with and without adversarial numbers are valid, also after a JSON round trip', () => {
  for (const r of [report, makeFixtureReport({ extras: true })]) {
    assert.deepEqual(validateReport(r).errors, []);
    assert.deepEqual(validateReport(JSON.parse(JSON.stringify(r))).errors, []);
  }
});

test('a flip rate above 1, a missing field or an unknown one is refused with its path', () => {
  const bad = structuredClone(report);
  bad.runs[1]!.adversarial!.test.pgd[2] = 1.5;
  assert.match(validateReport(bad).errors.map((e) => `${e.path}: ${e.message}`).join('\n'), /runs\[1\]\.adversarial\.test\.pgd\[2\]/);
  const missing = structuredClone(report) as unknown as { runs: { adversarial: Record<string, unknown> }[] };
  delete missing.runs[0]!.adversarial.epsilons;
  assert.ok(validateReport(missing).errors.some((e) => e.path === 'runs[0].adversarial.epsilons'));
  const extra = structuredClone(report) as unknown as { runs: { adversarial: { train: Record<string, unknown> } }[] };
  extra.runs[0]!.adversarial.train.cw = 0.5;
  assert.ok(validateReport(extra).errors.some((e) => e.path.startsWith('runs[0].adversarial.train')));
});

test('adversarialLevels: one row per noise level at the largest ε, corrupted only for noisy levels', () => {
  const rows = adversarialLevels(report);
  assert.deepEqual(rows.map((r) => r.level), [0, 25, 50, 75, 100]);
  const clean = report.runs.find((r) => r.kind === 'none')!.adversarial!;
  assert.equal(rows[0]!.pgdTest, clean.test.pgd[3]);
  assert.equal(rows[0]!.fgsmTrain, clean.train.fgsm[3]);
  assert.equal(rows[0]!.renameTest, clean.test.rename!.rate);
  assert.equal(rows[0]!.pgdCorrupted, null);
  assert.ok(rows[4]!.pgdCorrupted !== null);
  for (let k = 1; k < rows.length; k++) assert.ok(rows[k]!.pgdTest! >= rows[k - 1]!.pgdTest!);
  assert.deepEqual(adversarialLevels(makeFixtureReport()), []);
});

test('every writer shows the flip rates with their explanation, and none does without them', () => {
  const plain = makeFixtureReport({ extras: true });
  const text = renderAuditText(report);
  assert.match(text, /adversarial flip rates at ε = 0\.10/);
  assert.match(text, /y-shuffle 100%/);
  assert.doesNotMatch(renderAuditText(plain), /adversarial/);

  const md = toMarkdown(report);
  assert.match(md, /### Adversarial robustness \(ε = 0\.1\)/);
  assert.match(md, /\| noise \| runs \| FGSM train \| FGSM test \| PGD train \| PGD test \| PGD corrupted \| rename train \| rename test \|/);
  assert.match(md, /- PGD: the share that change/);
  assert.doesNotMatch(toMarkdown(plain), /Adversarial/);

  const html = toHtml(report);
  assert.match(html, /<section id="adversarial"/);
  assert.match(html, /<a href="#adversarial">Adversarial robustness<\/a>/);
  assert.match(html, /Adversarial flip rate against the noise level: y-shuffle \(ε = 0\.1\)/);
  assert.match(html, /<svg[^>]*role="img"/);
  assert.doesNotMatch(toHtml(plain), /id="adversarial"/);

  const sarif = JSON.parse(toSarif(report)) as { runs: { properties: { adversarial?: { epsilon: number; levels: unknown[] } } }[] };
  assert.equal(sarif.runs[0]!.properties.adversarial!.epsilon, 0.1);
  assert.equal(sarif.runs[0]!.properties.adversarial!.levels.length, 5);
  assert.equal((JSON.parse(toSarif(plain)) as typeof sarif).runs[0]!.properties.adversarial, undefined);

  const junit = toJUnit(report);
  assert.match(junit, /<property name="adversarialPgdTest" value="[0-9.]+"\/>/);
  assert.doesNotMatch(toJUnit(plain), /adversarial/);
});

test('with two noise kinds the clean runs open both curves but the tables list them once', () => {
  const base = makeFixtureReport({ extras: true });
  const dead = { ...structuredClone(base.runs[2]!), id: 'x-dead-code-50-s0', kind: 'x-dead-code' };
  const two = withAdversarial({ ...base, config: { ...base.config, noise: [...base.config.noise, { kind: 'x-dead-code', levels: [50] }] }, runs: [...base.runs, dead] });
  assert.deepEqual(validateReport(two).errors, []);
  assert.deepEqual(adversarialLevels(two).map((r) => `${r.kind} ${r.level}`), ['y-shuffle 0', 'y-shuffle 25', 'y-shuffle 50', 'y-shuffle 75', 'y-shuffle 100', 'x-dead-code 0', 'x-dead-code 50']);
  assert.equal(renderAuditText(two).split('\n').filter((l) => /^ {2}clean /.test(l)).length, 1);
  assert.equal(toMarkdown(two).split('\n').filter((l) => l.startsWith('| clean |')).length, 1);
  const html = toHtml(two);
  const section = html.slice(html.indexOf('<section id="adversarial"'), html.indexOf('</section>', html.indexOf('<section id="adversarial"')));
  assert.equal((section.match(/<svg/g) ?? []).length, 2, 'one chart per kind');
  assert.equal((section.match(/<td>clean<\/td>/g) ?? []).length, 1);
});
