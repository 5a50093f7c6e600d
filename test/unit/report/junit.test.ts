/** JUnit writer: well-formed XML, one test case per gate, failures = failed gates, escaping. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toJUnit } from '../../../server/src/report/shared/junit';
import { makeFixtureReport, poison, withChoice } from './fixture';
import { findAll, parseXml } from './xml-check';

test('one testsuite "memaudit", one testcase per gate, a failure per failed gate', () => {
  const report = makeFixtureReport({ gates: 'mixed' });
  const xml = toJUnit(report);
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'));
  const root = parseXml(xml);
  assert.equal(root.name, 'testsuites');
  const suites = findAll(root, 'testsuite');
  assert.equal(suites.length, 1);
  const suite = suites[0]!;
  assert.equal(suite.attrs.name, 'memaudit');
  const cases = findAll(suite, 'testcase');
  assert.equal(cases.length, report.gates.length);
  assert.deepEqual(
    cases.map((c) => [c.attrs.classname, c.attrs.name]),
    report.gates.map((g) => ['memaudit.gates', g.gate]),
  );
  const failed = report.gates.filter((g) => !g.passed);
  assert.equal(failed.length, 1);
  assert.equal(suite.attrs.tests, '3');
  assert.equal(suite.attrs.failures, String(failed.length));
  assert.equal(root.attrs.failures, String(failed.length));
  const failures = findAll(suite, 'failure');
  assert.equal(failures.length, failed.length);
  assert.equal(failures[0]!.attrs.message, 'gap <= 0.15: failed (gap = 0.196)');
  assert.match(failures[0]!.text, /required: gap <= 0.15\nmeasured: 0.196/);
  assert.equal(suite.attrs.time, '263.400');
  assert.equal(suite.attrs.timestamp, '2024-05-01T12:04:31');
  const props = Object.fromEntries(findAll(suite, 'property').map((p) => [p.attrs.name, p.attrs.value]));
  assert.equal(props.G, '0.612');
  assert.equal(props.bestSignal, 'aum');
  assert.match(findAll(suite, 'system-out')[0]!.text, /Generalization \(G\): 0\.612/);
});

test('without gates: one passing "audit completed" case', () => {
  const root = parseXml(toJUnit(makeFixtureReport({ gates: 'none' })));
  const cases = findAll(root, 'testcase');
  assert.equal(cases.length, 1);
  assert.equal(cases[0]!.attrs.classname, 'memaudit.audit');
  assert.match(cases[0]!.attrs.name!, /audit completed/);
  assert.equal(findAll(root, 'failure').length, 0);
  assert.equal(findAll(root, 'testsuite')[0]!.attrs.tests, '1');
  assert.equal(findAll(root, 'testsuite')[0]!.attrs.failures, '0');
});

test('every report string is escaped and reads back unchanged (characters XML cannot hold become U+FFFD)', () => {
  const payload = `<x a="1" b='2'>&amp; ]]> \u0001\n`;
  const report = poison(makeFixtureReport(), payload, ['filesSkipped', 'byLanguage', 'details', 'flipRates']);
  const xml = toJUnit(report);
  const root = parseXml(xml);
  assert.ok(!xml.includes('<x '), 'no raw markup from the report');
  const readBack = payload.replace('\u0001', '\uFFFD');
  const cases = findAll(root, 'testcase');
  assert.deepEqual(
    cases.map((c) => c.attrs.name),
    report.gates.map((g) => g.gate.replace('\u0001', '\uFFFD')),
  );
  assert.ok(cases[0]!.attrs.name!.startsWith(readBack), 'newlines in attributes survive as &#10;');
  const failure = findAll(root, 'failure')[0]!;
  assert.ok(failure.attrs.message!.startsWith(readBack));
  assert.ok(failure.text.startsWith(readBack));
  const props = Object.fromEntries(findAll(root, 'property').map((p) => [p.attrs.name, p.attrs.value]));
  assert.ok(props.runId!.startsWith(readBack));
});

test('version 3: the detection choice in the summary and as a property', () => {
  const suite = findAll(parseXml(toJUnit(withChoice(makeFixtureReport()))), 'testsuite')[0]!;
  const props = Object.fromEntries(findAll(suite, 'property').map((p) => [p.attrs.name, p.attrs.value]));
  assert.equal(props.detectionChoice, '−aum over the first 3 epochs');
  assert.equal(props.detection_auroc, '0.812');
  assert.match(findAll(suite, 'system-out')[0]!.text, /Chosen detection score −aum over the first 3 epochs: held-out AUROC 0\.812 \[0\.79, 0\.834\]/);
});
