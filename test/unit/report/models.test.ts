/**
 * "Models side by side" (`report.models`): valid against the schema (and old reports without it
 * still valid), built from each model's own report, and shown by the text, Markdown and HTML
 * writers only when present.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modelLevels } from '../../../server/src/audit/models';
import { validateReport } from '../../../server/src/report';
import { noiseGroups, summarizeLevel } from '../../../server/src/report/shared/aggregate';
import { toHtml } from '../../../server/src/report/shared/html';
import { toMarkdown } from '../../../server/src/report/shared/markdown';
import { modelCurves, modelLevelsTable, modelScoresTable } from '../../../server/src/report/shared/models';
import { renderAuditText } from '../../../server/src/report/shared/text';
import { makeFixtureReport } from './fixture';
import { withModels } from './models-fixture';

test('a report with models validates; one with a single entry or an unknown field does not', () => {
  const r = withModels(makeFixtureReport({ extras: true }));
  assert.deepEqual(validateReport(r).errors, []);
  assert.deepEqual(validateReport(makeFixtureReport({ extras: true })).errors, [], 'without models');
  assert.equal(validateReport({ ...r, models: r.models!.slice(0, 1) }).valid, false);
  assert.equal(validateReport({ ...r, models: [{ ...r.models![0]!, extra: 1 }, r.models![1]!] }).valid, false);
});

test("a model's levels are its report's noise curve: per kind, clean first, means over seeds", () => {
  const r = makeFixtureReport({ extras: true });
  const levels = modelLevels(r);
  const curve = noiseGroups(r).flatMap((g) => g.levels.map((l) => ({ kind: g.kind, ...summarizeLevel(l) })));
  assert.deepEqual(levels.map((l) => [l.kind, l.level, l.testF1, l.trainF1, l.noiseFit]), curve.map((c) => [c.kind, c.level, c.testF1, c.trainF1, c.noiseFitRate]));
  assert.equal(levels[0]!.level, 0);
});

test('the tables and curves: one row per model, one row per level with each model\'s columns, one series per model', () => {
  const models = withModels(makeFixtureReport({ extras: true })).models!;
  const scores = modelScoresTable(models);
  assert.deepEqual(scores.rows.map((row) => row[0]), [`bag (${models[0]!.modelPreset})`, 'code2vec (small)']);
  const levels = modelLevelsTable(models);
  assert.deepEqual(levels.header.slice(1), ['bag test F1', 'bag noise fit', 'code2vec test F1', 'code2vec noise fit']);
  assert.equal(levels.rows[0]![0], 'clean (0%)');
  assert.equal(levels.rows[0]![2], '—', 'no noise fit on the clean runs');
  const curves = modelCurves(models, 'y-shuffle', (l) => l.testF1);
  assert.deepEqual(curves.map((c) => c.name), ['bag', 'code2vec']);
  assert.deepEqual(curves[0]!.points.map((p) => p.x), [0, 25, 50, 75, 100]);
});

test('text, Markdown and HTML show the section only with models', () => {
  const plain = makeFixtureReport({ extras: true });
  const r = withModels(plain);
  assert.match(renderAuditText(r), /models side by side/);
  assert.match(renderAuditText(r), /code2vec test F1/);
  assert.match(toMarkdown(r), /### Models side by side/);
  const html = toHtml(r);
  assert.match(html, /<section id="models"/);
  assert.match(html, /href="#models"/);
  assert.equal((html.match(/per model: y-shuffle<\/title>/g) ?? []).length, 2, 'a test F1 and a noise fit chart');
  assert.doesNotMatch(renderAuditText(plain), /models side by side/);
  assert.doesNotMatch(toMarkdown(plain), /Models side by side/);
  assert.doesNotMatch(toHtml(plain), /id="models"/);
});
