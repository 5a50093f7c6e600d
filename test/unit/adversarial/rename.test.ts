/**
 * The greedy rename attack on the noise tests' tricky fixtures in Java, Python and Ruby (and their
 * parse fixtures), with a stand-in model: every edit it produces parses alone, keeps the tree node
 * for node, changes only the method's renamable locals, consistently, to new names that collide
 * with no word of the file and with each other (the x-rename-locals editor's guarantees, checked
 * from the outside); it stops at the first flip and never keeps more renames than its budget.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localSites, nodeTypeSequence, parseTree, prepareMethod, wordsOf, wrapMethod, type SyntaxTree } from '../../../server/src/noise';
import { namePool, renameAttack, type RenameEvaluator } from '../../../server/src/adversarial/rename';
import { fnv1a, Rng } from '../../../server/src/util/rng';
import type { LanguageId } from '../../../server/src/parse/sample';
import { corpusOf, LANGUAGES, unitsOf, type TestCorpus } from '../noise/helpers';

function parse(c: TestCorpus, language: LanguageId, text: string): SyntaxTree {
  return parseTree(c.editor.backend, wrapMethod(language, text).text, language);
}

function leaves(t: SyntaxTree): { type: string; text: string }[] {
  return t.nodes.filter((n) => n.children.length === 0).map((n) => ({ type: n.type, text: t.text.slice(n.start, n.end) }));
}

/** A stand-in model: p(target) from a hash of the body tokens; the prediction flips below 0.25. */
const evaluate: RenameEvaluator = async (samples) => {
  const p = Float32Array.from(samples, (s) => (fnv1a(Array.from(s.bodyTokens).join(',')) % 1000) / 1000);
  return { top1: Int32Array.from(p, (x) => (x < 0.25 ? 1 : 0)), p };
};

const POOL = ['alpha', 'beta', 'count', 'total', 'index', 'value', 'result', 'item', 'name', 'size', 'data', 'left', 'right', 'node', 'key', 'buffer', 'end', 'def', 'class', 'int', 'return', 'self', 'nil', 'none'];

for (const language of LANGUAGES) {
  test(`${language}: the rename attack only makes scope-safe renames of locals that parse and keep the tree`, async (t) => {
    const c = await corpusOf(unitsOf(language, 0));
    let edited = 0;
    let flipped = 0;
    let applicable = 0;
    for (let i = 0; i < c.columns.count; i++) {
      const original = c.columns.sample(i);
      const unit = c.textOf(i);
      const budget = 1 + (i % 3);
      const r = await renameAttack(c.editor, original, unit, { target: 0, p: 1 }, namePool(POOL), evaluate, { candidates: 4, budget }, new Rng(fnv1a(`${language}:${i}`)));
      if (!r.applicable) continue;
      applicable++;
      assert.ok(r.renames <= budget, `${original.name}: ${r.renames} renames, budget ${budget}`);
      if (r.flipped) flipped++;
      if (!r.edit) continue;
      edited++;
      const words = wordsOf(unit);
      const before = r.edit.before;
      const a = parse(c, language, before);
      const b = parse(c, language, r.edit.after);
      assert.equal(b.hasError, false, `${original.name}: the edit parses`);
      assert.deepEqual(nodeTypeSequence(b), nodeTypeSequence(a), `${original.name}: the tree is kept node for node`);
      const prepared = prepareMethod(c.editor, original, false, unit, words);
      assert.ok(prepared.ok);
      const sites = localSites(prepared.value.view);
      assert.ok(!('skip' in sites));
      const la = leaves(a);
      const lb = leaves(b);
      const mapping = new Map<string, string>();
      la.forEach((x, k) => {
        if (x.text === lb[k]!.text) return;
        assert.ok(sites.order.includes(x.text), `${original.name}: ${x.text} is a renamable local`);
        assert.ok(!words.has(lb[k]!.text), `${original.name}: ${lb[k]!.text} is a new name`);
        const seen = mapping.get(x.text);
        assert.ok(seen === undefined || seen === lb[k]!.text, `${x.text} is renamed consistently`);
        mapping.set(x.text, lb[k]!.text);
      });
      assert.equal(mapping.size, r.renames);
      assert.equal(new Set(mapping.values()).size, mapping.size, 'two names never become one');
      // The re-extracted sample is the same method.
      assert.equal(r.edit.sample.name, original.name);
    }
    t.diagnostic(`${applicable} applicable, ${edited} edited, ${flipped} flipped`);
    assert.ok(edited > 0 && flipped > 0, `${language}: the attack edited and flipped something`);
  });
}

test('a method without locals is not applicable; without a unit text neither', async () => {
  const c = await corpusOf(unitsOf('java', 0));
  const r = await renameAttack(c.editor, c.columns.sample(0), undefined, { target: 0, p: 1 }, POOL, evaluate, { candidates: 2, budget: 2 }, new Rng(1));
  assert.deepEqual(r, { applicable: false, flipped: false, renames: 0, calls: 0 });
});

test('namePool keeps plain lower-case words in vocabulary order', () => {
  assert.deepEqual(namePool(['<PAD>', '<UNK>', 'get', 'x', 'Name', 'count', 'a_b', 'v2'], 10), ['get', 'count', 'v2']);
  assert.deepEqual(namePool(['get', 'set', 'put'], 2), ['get', 'set']);
});
