/**
 * The mitigation explorer in every writer (docs/metrics.md § "Mitigation explorer"): the sweep's
 * "Mitigations" section (table, recommendation, the chart of M against G with one labelled point
 * per setting), the training settings of the configuration and each run's early stopping, in the
 * text, Markdown and HTML reports; a plain report shows none of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateReport } from '../../../server/src/report';
import { renderReportBody, toHtml } from '../../../server/src/report/shared/html';
import { toMarkdown } from '../../../server/src/report/shared/markdown';
import { earlyStopText, trainingSettings, trainingSettingsLine } from '../../../server/src/report/shared/settings';
import { sweepGDomain, sweepPoints } from '../../../server/src/report/shared/sweep';
import { renderAuditText } from '../../../server/src/report/shared/text';
import { makeFixtureReport } from './fixture';
import { withRegularization, withSweep } from './sweep-fixture';

test('the fixtures validate against the schema', () => {
  assert.deepEqual(validateReport(withSweep(makeFixtureReport({ extras: true }))).errors, []);
  assert.deepEqual(validateReport(withRegularization(makeFixtureReport({ extras: true }))).errors, []);
});

test('the sweep: one point per setting named as in the table, a G axis padded to round tenths', () => {
  const r = withSweep(makeFixtureReport());
  const points = sweepPoints(r.sweep!);
  assert.deepEqual(points.map((p) => p.name), ['dropout 0', 'dropout 0.25', 'dropout 0.5']);
  assert.deepEqual(points.map((p) => p.G), [0.612, 0.606, 0.49]);
  assert.match(r.sweepRecommendation!, /^dropout 0\.25: noise fit /);
  assert.deepEqual(sweepGDomain(points), [0.4, 0.7]);
  assert.deepEqual(sweepGDomain([{ G: 0.98 }]), [0.9, 1]);
  assert.deepEqual(sweepGDomain([{ G: 0.02 }]), [0, 0.1]);
  assert.deepEqual(sweepGDomain([{ G: null }]), [0, 1]);
});

test('the sweep in text, Markdown and HTML: table, recommendation, the chart with a labelled point per setting', () => {
  const r = withSweep(makeFixtureReport());
  const text = renderAuditText(r);
  assert.match(text, /mitigations \(3 settings/);
  assert.match(text, /recommendation: dropout 0\.25: noise fit/);
  const md = toMarkdown(r);
  assert.match(md, /### Mitigations/);
  assert.match(md, /\| dropout 0\.5 \| 0\.490 \|/);
  assert.match(md, /\*\*Recommendation:\*\* dropout 0\.25: noise fit/);
  const body = renderReportBody(r);
  const section = body.slice(body.indexOf('<section id="sweep"'), body.indexOf('</section>', body.indexOf('<section id="sweep"')));
  assert.match(section, /<p class="sweep-recommendation"><strong>Recommendation:<\/strong> dropout 0\.25: noise fit/);
  assert.equal((section.match(/<circle /g) ?? []).length, 3, 'one point per setting');
  const labels = [...section.matchAll(/<text class="point-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(labels, ['dropout 0', 'dropout 0.25', 'dropout 0.5']);
  assert.match(section, /<summary>Data table: M \(noise fit\) against G \(test F1\), per setting<\/summary>/);
  assert.match(section, /<td>dropout 0 \(baseline\)<\/td><td class="num">0\.612<\/td>/);
  assert.match(toHtml(r), /<a href="#sweep">Mitigations<\/a>/);
  const plain = makeFixtureReport();
  assert.doesNotMatch(renderAuditText(plain), /mitigations/);
  assert.doesNotMatch(toMarkdown(plain), /Mitigations/);
  assert.doesNotMatch(toHtml(plain), /id="sweep"/);
});

test('training settings: only those set, in every writer', () => {
  const r = withRegularization(makeFixtureReport());
  assert.deepEqual(trainingSettings(r.config).map((s) => s.label), ['weight decay', 'dropout', 'distillation', 'mixup', 'early stopping']);
  const line = 'weight decay 0.001 · dropout 0.3 · distillation 0.5 · mixup α 0.2 · early stopping patience 2';
  assert.equal(trainingSettingsLine(r.config), line);
  assert.ok(renderAuditText(r).includes(`training   ${line}\n`));
  assert.ok(toMarkdown(r).includes(`Training: ${line}\n`));
  const body = renderReportBody(r);
  assert.match(body, /<dt>mixup<\/dt><dd>α 0\.2 <span class="muted">\(λ ~ Beta\(α, α\), on the code vectors\)<\/span><\/dd>/);
  for (const label of ['weight decay', 'dropout', 'distillation', 'early stopping']) assert.ok(body.includes(`<dt>${label}</dt>`), label);
  const plain = makeFixtureReport();
  assert.equal(trainingSettingsLine(plain.config), '');
  assert.doesNotMatch(renderAuditText(plain), /^training /m);
  assert.doesNotMatch(toMarkdown(plain), /^Training: /m);
  assert.doesNotMatch(renderReportBody(plain), /<dt>(weight decay|dropout|mixup|distillation|early stopping)<\/dt>/);
});

test('early stopping: "stopped at epoch e (best b)" in the runs tables of text, Markdown and HTML', () => {
  const r = withRegularization(makeFixtureReport());
  assert.equal(earlyStopText({ bestEpoch: 4, stoppedAtEpoch: 6 }), 'stopped at epoch 6 (best 4)');
  assert.equal(earlyStopText({ bestEpoch: 10 }), 'every epoch (best 10)');
  assert.equal(earlyStopText({}), '');
  assert.match(renderAuditText(r), /early stopping \(patience 2, validation F1\): y-shuffle-100-s0 stopped at epoch 6 \(best 4\); 4 run\(s\) trained every epoch/);
  const md = toMarkdown(r);
  assert.match(md, /### Early stopping \(patience 2\)/);
  assert.match(md, /\| y-shuffle-100-s0 \| stopped at epoch 6 \(best 4\) \|/);
  assert.match(md, /\| clean-s0 \| every epoch \(best 10\) \|/);
  const body = renderReportBody(r);
  const runs = body.slice(body.indexOf('<h3>Runs</h3>'), body.indexOf('<h3>Corpus and dataset</h3>'));
  assert.match(runs, /data-label="early stopping"/);
  assert.match(runs, /<tr data-stopped-at="6">.*<td data-value="0006">stopped at epoch 6 \(best 4\)<\/td>/);
  assert.equal((runs.match(/every epoch \(best 10\)/g) ?? []).length, 4);
  const plain = renderReportBody(makeFixtureReport());
  assert.doesNotMatch(plain, /data-label="early stopping"/);
  assert.doesNotMatch(toMarkdown(makeFixtureReport()), /Early stopping/);
});

test('setting names and the recommendation are escaped in the HTML and Markdown', () => {
  const payload = '<img src=x onerror=alert(1)>';
  const r = withSweep(makeFixtureReport());
  const poisoned = { ...r, sweep: r.sweep!.map((s, k) => (k === 1 ? { ...s, setting: { [payload]: 1 } } : s)), sweepRecommendation: `${payload} | x` };
  const body = renderReportBody(poisoned);
  assert.ok(!body.includes('<img'), 'no tag from a setting name');
  assert.ok(body.includes('&lt;img src=x onerror=alert(1)&gt; 1'), 'the name shown as text');
  const md = toMarkdown(poisoned);
  assert.ok(!md.includes('<img'));
  assert.match(md, /\*\*Recommendation:\*\* .*\\\| x/, 'a pipe cannot break the table layout');
});
