/**
 * Issue 13 case 8: the pickers of "Audit memorization" closed when the focus moved (a walkthrough
 * page opening while "(1/2)" was shown), and the command ended silently. test/e2e/pickers.test.ts
 * moves the focus away in a real VS Code (code-server, when it is installed); this checks, without
 * it, the options every picker is shown with, and scans the extension's sources so that a new
 * picker cannot be added without them.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { DELETE_RUN_PICK, FOLDER_PICK, modelItems, MODELS_PICK, modelsChangeItem, notStarted, pickOptions, presetPick, SCOPE_PICK, TASK_K_PICK, TASK_PICK, taskChangeItem, taskItems, taskKError } from '../../../extension/src/pickers';
import { MODEL_NAMES } from '../../../models/names';

const ROOT = path.resolve(__dirname, '../../../..');

test('every picker stays open when the focus moves; the titles the end-to-end test looks for are kept', () => {
  for (const o of [SCOPE_PICK, presetPick('corpus'), FOLDER_PICK, DELETE_RUN_PICK, TASK_PICK, TASK_K_PICK, MODELS_PICK, pickOptions({ title: 'x' })]) assert.equal(o.ignoreFocusOut, true, JSON.stringify(o));
  assert.equal(SCOPE_PICK.title, 'Audit memorization (1/2): what to audit');
  assert.equal(presetPick('corpus').title, 'Audit memorization (2/2): corpus');
  assert.equal(presetPick('corpus').matchOnDescription, true);
});

test('the task is changed from the preset picker: full, top:10 or top:K with K checked as the engine does', () => {
  assert.equal(taskChangeItem('top:10').label, '$(symbol-enum) Task: top:10');
  const items = taskItems('top:10');
  assert.deepEqual(items.map((i) => i.labels), ['full', 'top:10', undefined]);
  assert.deepEqual(items.map((i) => i.picked), [false, true, false]);
  assert.equal(taskItems('top:7').some((i) => i.picked), false, 'another K is entered again');
  for (const ok of ['10', ' 3 ', '100000']) assert.equal(taskKError(ok), undefined, ok);
  for (const bad of ['0', 'x', '', '1.5', '100001', '-2']) assert.match(taskKError(bad) ?? '', /integer from 1 to 100000/, bad);
});

test('the models are changed from the preset picker: several checked are audited side by side', () => {
  assert.equal(MODELS_PICK.canPickMany, true);
  assert.equal(MODELS_PICK.title, 'Audit memorization: models');
  assert.equal(modelsChangeItem(['bag', 'code2vec']).label, '$(layers) Models: bag, code2vec');
  assert.equal(modelsChangeItem(undefined).label, '$(layers) Models: the config file’s or the preset’s');
  const items = modelItems(MODEL_NAMES, ['code2vec', 'bag']);
  assert.deepEqual(items.map((i) => i.model), [...MODEL_NAMES]);
  assert.deepEqual(items.map((i) => i.picked), [true, true, false]);
  assert.ok(modelItems(MODEL_NAMES, undefined).every((i) => !i.picked && i.description !== ''));
});

test('a picker closed without a choice says the audit was not started', () => {
  assert.match(notStarted('scope'), /audit was not started \(no folder or file chosen\)/);
  assert.match(notStarted('preset'), /audit was not started \(no preset chosen\)/);
});

/** The text of a call from `open` (the index of its '(') to its matching ')'. */
function callText(src: string, open: number): string {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    if (src[i] === '(') depth++;
    else if (src[i] === ')' && --depth === 0) return src.slice(open, i + 1);
  }
  return src.slice(open);
}

test('the extension shows no quick pick without ignoreFocusOut (source scan)', () => {
  const dir = path.join(ROOT, 'extension', 'src');
  let calls = 0;
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const src = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const m of src.matchAll(/\b(showQuickPick|showWorkspaceFolderPick|showInputBox)\(/g)) {
      calls++;
      const call = callText(src, m.index! + m[0].length - 1);
      assert.match(call, /_PICK\b|presetPick\(|pickOptions\(|ignoreFocusOut: true/, `${file}: ${m[1]} without ignoreFocusOut: ${call.slice(0, 200)}`);
    }
    for (const m of src.matchAll(/const (\w+) = vscode\.window\.createQuickPick/g)) {
      calls++;
      assert.ok(src.includes(`${m[1]}.ignoreFocusOut = true`), `${file}: the quick pick '${m[1]}' does not set ignoreFocusOut`);
    }
  }
  assert.ok(calls >= 5, `found ${calls} pickers`);
});
