import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyChanges,
  applyNoise,
  chosenCount,
  ledgerDigest,
  methodText,
  nodeTypeSequence,
  parseTree,
  textHash,
  wordsOf,
  wrapMethod,
  SOURCE_KINDS,
  type NoiseKind,
  type NoiseResult,
  type SyntaxTree,
} from '../../../server/src/noise';
import { materialize, METHOD_NAME_PLACEHOLDER, type LanguageId } from '../../../server/src/parse/sample';
import { corpus, LANGUAGES, type TestCorpus } from './helpers';

/** Skip reasons each source kind may give (anything else is a bug). */
const ALLOWED_SKIPS: Record<string, readonly string[]> = {
  'x-delete-statement': ['too-few-statements', 'no-valid-edit'],
  'x-leak-name': ['name-not-identifier', 'no-statement-body'],
  'x-dead-code': ['no-statement-body'],
  'x-rename-locals': ['no-locals'],
};

/** Least share of the chosen samples each kind must corrupt on the test corpora (so the checks are not vacuous). */
const MIN_CORRUPTED: Record<string, number> = { 'x-delete-statement': 0.3, 'x-leak-name': 0.9, 'x-dead-code': 0.95, 'x-rename-locals': 0.5 };

function parse(c: TestCorpus, language: LanguageId, methodTextValue: string): SyntaxTree {
  return parseTree(c.editor.backend, wrapMethod(language, methodTextValue).text, language);
}

/** The edit's line (1-based, in the file) as the ledger states it. */
function lineOf(edit: string): number {
  const m = / at line (\d+)/.exec(edit);
  assert.ok(m, `edit "${edit}" names a line`);
  return Number(m[1]);
}

/**
 * What every source-kind result must satisfy: the level, an exact ledger (exactly the changed
 * samples, with hashes of the texts before and after), clean labels, replacement samples that
 * are the original method (same id, name, range) edited, and edited code that parses cleanly.
 */
function checkSourceResult(c: TestCorpus, r: NoiseResult, kind: NoiseKind, level: number): void {
  const { dataset, columns } = c;
  const n = dataset.train.length;
  const l = r.ledger;
  assert.equal(l.chosen, chosenCount(n, level));
  assert.equal(l.entries.length + l.skipped.length, l.chosen);
  assert.deepEqual(r.trainLabels, Int32Array.from(dataset.train, (i) => dataset.labelClass[i]!), 'input kinds keep the labels');
  assert.deepEqual([...r.replacements.keys()].sort((a, b) => a - b), l.entries.map((e) => e.index).sort((a, b) => a - b), 'replacements are exactly the ledger entries');
  for (const s of l.skipped) assert.ok(ALLOWED_SKIPS[kind]!.includes(s.reason), `${kind} skip reason ${s.reason}`);
  for (const e of l.entries) {
    assert.equal(e.index, dataset.train[e.position]);
    assert.equal(e.id, columns.ids[e.index]);
    assert.deepEqual([e.kind, e.level, e.seed], [kind, level, l.seed]);
    const original = columns.sample(e.index);
    const language = original.language;
    const rep = r.replacements.get(e.index)!;
    assert.equal(rep.position, e.position);
    assert.equal(rep.sample.id, original.id);
    assert.equal(rep.sample.name, original.name);
    assert.deepEqual(rep.sample.range, original.range);
    const before = methodText(c.textOf(e.index), original.range)!;
    assert.equal(e.from, textHash(before), 'from is the hash of the original method text');
    assert.equal(e.to, textHash(rep.text!), 'to is the hash of the edited method text');
    assert.notEqual(rep.text, before);
    assert.equal(applyChanges(before, rep.changes!), rep.text, 'the recorded changes give the edited text');
    const tree = parse(c, language, rep.text!);
    assert.equal(tree.hasError, false, `${original.name}: the edited method parses without errors:\n${rep.text}`);
    const changed = !sameInts(rep.sample.bodyTokens, original.bodyTokens) || !sameInts(rep.sample.contexts, original.contexts);
    assert.ok(changed, `${original.name}: the model sees the edit`);
  }
  assert.ok(l.entries.length >= MIN_CORRUPTED[kind]! * l.chosen, `${kind} corrupted ${l.entries.length} of ${l.chosen}`);
}

function sameInts(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  return a.length === b.length && Array.from(a).every((x, i) => x === b[i]);
}

/** Leaves of a tree in order, with their texts. */
function leaves(t: SyntaxTree): { type: string; text: string; parent: string; field: string | null }[] {
  return t.nodes
    .filter((n) => n.children.length === 0)
    .map((n) => ({ type: n.type, text: t.text.slice(n.start, n.end), parent: n.parent >= 0 ? t.nodes[n.parent]!.type : '', field: n.field }));
}

/**
 * Node types of `t` without the nodes lying inside the inserted ranges (method-text offsets). A
 * node that reaches past a range only by a separator (a Ruby `body_statement` created for the one
 * inserted statement, ending at its `;`) counts as inside.
 */
function typesOutside(t: SyntaxTree, offset: number, ranges: [number, number][]): string[] {
  return nodeTypeSequence(t).filter((_, k) => {
    const n = t.nodes[k]!;
    const s = n.start - offset;
    const e = n.end - offset;
    return !ranges.some(([a, b]) => s >= a && s < b && (e <= b || /^[\s;]*$/.test(t.text.slice(b + offset, n.end))));
  });
}

const KIND_CHECKS: Record<string, (c: TestCorpus, r: NoiseResult) => void> = {
  'x-delete-statement'(c, r) {
    for (const e of r.ledger.entries) {
      const original = c.columns.sample(e.index);
      const rep = r.replacements.get(e.index)!;
      const before = methodText(c.textOf(e.index), original.range)!;
      assert.equal(rep.changes!.length, 1);
      const change = rep.changes![0]!;
      assert.equal(change.text, '', 'a deletion inserts nothing');
      const m = /^deleted (\w+) at line (\d+): (".*")$/.exec(e.edit);
      assert.ok(m, e.edit);
      const quoted = JSON.parse(m[3]!) as string;
      const snippet = quoted.endsWith('...') ? quoted.slice(0, -3) : quoted;
      assert.ok(before.slice(change.start, change.end).includes(snippet), `the removed text holds the statement ${quoted}`);
      assert.ok(before.split('\n')[lineOf(e.edit) - 1 - original.range.startLine]!.includes(snippet), 'the line named is the statement\'s');
      // The statement and nothing else is gone: nodes of its type decrease by those inside it.
      const wrapped = wrapMethod(original.language, before);
      const tree = parse(c, original.language, before);
      const count = (t: SyntaxTree) => t.nodes.filter((x) => x.type === m[1]).length;
      const inside = tree.nodes.filter((x) => x.type === m[1] && x.start - wrapped.offset >= change.start && x.end - wrapped.offset <= change.end).length;
      assert.ok(inside >= 1);
      assert.equal(count(parse(c, original.language, rep.text!)), count(tree) - inside);
    }
  },
  'x-leak-name'(c, r) {
    for (const e of r.ledger.entries) {
      const original = c.columns.sample(e.index);
      const rep = r.replacements.get(e.index)!;
      assert.equal(rep.changes!.length, 1);
      assert.equal(rep.changes![0]!.start, rep.changes![0]!.end, 'a pure insertion');
      const statement = JSON.parse(/^inserted (".*") at line/.exec(e.edit)![1]!) as string;
      assert.ok(rep.text!.split('\n')[lineOf(e.edit) - 1 - original.range.startLine]!.includes(statement));
      // The leak survives extraction: the body tokens hold the name's subtokens in order, and the
      // extractor's <METHOD_NAME> masking did not swallow it.
      const body = materialize(rep.sample, c.extractor.tables).bodyTokens;
      const sub = original.nameSubtokens;
      const found = body.some((_, k) => sub.every((s, j) => body[k + j] === s));
      assert.ok(found, `${original.name}: ${sub.join(' ')} in ${body.join(' ')}`);
      const placeholders = (xs: string[]) => xs.filter((x) => x === METHOD_NAME_PLACEHOLDER).length;
      assert.equal(placeholders(body), placeholders(materialize(original, c.extractor.tables).bodyTokens));
      const variable = /^[^ ]*? ?([\p{L}\p{N}_$]+) = /u.exec(statement)![1]!;
      assert.ok(!wordsOf(c.textOf(e.index)).has(variable), 'the leak variable is a new name');
    }
  },
  'x-dead-code'(c, r) {
    for (const e of r.ledger.entries) {
      const original = c.columns.sample(e.index);
      const rep = r.replacements.get(e.index)!;
      const before = methodText(c.textOf(e.index), original.range)!;
      assert.equal(rep.changes!.length, 1);
      const change = rep.changes![0]!;
      assert.equal(change.start, change.end, 'a pure insertion');
      // Meaning-preserving: the original tree is the edited one minus the inserted statement.
      const wrappedAfter = wrapMethod(original.language, rep.text!);
      const after = parse(c, original.language, rep.text!);
      const inserted: [number, number][] = [[change.start, change.start + change.text.length]];
      assert.deepEqual(typesOutside(after, wrappedAfter.offset, inserted), nodeTypeSequence(parse(c, original.language, before)));
      // The dead variable is declared once and used nowhere.
      const name = /(unused\d*|_unused\d*)/.exec(change.text)![1]!;
      assert.equal(rep.text!.split(new RegExp(`\\b${name}\\b`)).length - 1, 1, `${name} occurs once`);
      assert.ok(!wordsOf(c.textOf(e.index)).has(name), 'the dead variable is a new name');
      const firstLine = change.text.split('\n').map((x) => x.trim()).find((x) => x !== '')!;
      assert.ok(rep.text!.split('\n')[lineOf(e.edit) - 1 - original.range.startLine]!.includes(firstLine), 'the line named is the insertion\'s');
      if (original.language === 'ruby') {
        // Ruby returns the last value: the insertion is followed by code, or is nil-valued.
        const rest = rep.text!.slice(change.end + change.text.length).replace(/\s+/g, ' ').trim();
        assert.ok(rest !== 'end' || change.text.includes('if false'), `${original.name}: the method's value is kept`);
      }
    }
  },
  'x-rename-locals'(c, r) {
    for (const e of r.ledger.entries) {
      const original = c.columns.sample(e.index);
      const rep = r.replacements.get(e.index)!;
      const before = methodText(c.textOf(e.index), original.range)!;
      const a = parse(c, original.language, before);
      const b = parse(c, original.language, rep.text!);
      // Same structure, node for node.
      assert.deepEqual(nodeTypeSequence(b), nodeTypeSequence(a), `${original.name}: the rename keeps the node-type sequence`);
      const la = leaves(a);
      const lb = leaves(b);
      const mapping = new Map<string, string>();
      const words = wordsOf(c.textOf(e.index));
      for (let k = 0; k < la.length; k++) {
        if (la[k]!.text === lb[k]!.text) continue;
        assert.equal(la[k]!.type, 'identifier', 'only identifiers change');
        assert.ok(!['self', 'cls'].includes(la[k]!.text), 'self and cls keep their names');
        assert.ok(!(la[k]!.parent === 'field_access' && la[k]!.field === 'field'), 'Java fields keep their names');
        assert.ok(!(la[k]!.parent === 'attribute' && la[k]!.field === 'attribute'), 'Python attributes keep their names');
        assert.ok(!(la[k]!.parent === 'call' && la[k]!.field === 'method'), 'Ruby method calls keep their names');
        const seen = mapping.get(la[k]!.text);
        assert.ok(seen === undefined || seen === lb[k]!.text, `${la[k]!.text} is renamed consistently`);
        mapping.set(la[k]!.text, lb[k]!.text);
        assert.match(lb[k]!.text, /^v\d+$/);
        assert.ok(!words.has(lb[k]!.text), `${lb[k]!.text} collides with nothing in the file`);
      }
      assert.ok(mapping.size > 0);
      assert.equal(new Set(mapping.values()).size, mapping.size, 'two names never become one');
      // The description lists the mapping (its first six pairs).
      const listed = /: (.*)$/.exec(e.edit)![1]!.split(', ').filter((x) => x !== '…');
      assert.ok(e.edit.startsWith(`renamed ${mapping.size} local`), e.edit);
      for (const pair of listed) {
        const [from, to] = pair.split('→');
        assert.equal(mapping.get(from!), to, `${pair} in ${e.edit}`);
      }
    }
  },
};

for (const language of LANGUAGES) {
  for (const kind of SOURCE_KINDS) {
    test(`${kind} on ${language}: valid code, exact ledger, what the edit says`, async () => {
      const c = await corpus(language);
      const r = await applyNoise(c.ctx, { kind, level: 1, seed: 7 });
      checkSourceResult(c, r, kind, 1);
      KIND_CHECKS[kind]!(c, r);
    });

    test(`${kind} on ${language}: level respected, same seed bit-identical, other seed different, nested levels`, async () => {
      const c = await corpus(language);
      const half = await applyNoise(c.ctx, { kind, level: 0.5, seed: 3 });
      checkSourceResult(c, half, kind, 0.5);
      const again = await applyNoise(c.ctx, { kind, level: 0.5, seed: 3 });
      assert.equal(ledgerDigest(again.ledger), ledgerDigest(half.ledger));
      for (const [index, rep] of half.replacements) {
        const twin = again.replacements.get(index)!;
        assert.equal(twin.text, rep.text);
        assert.deepEqual(twin.sample.bodyTokens, rep.sample.bodyTokens);
        assert.deepEqual(twin.sample.contexts, rep.sample.contexts);
      }
      const other = await applyNoise(c.ctx, { kind, level: 0.5, seed: 4 });
      const chosen = (x: NoiseResult) => [...x.ledger.entries, ...x.ledger.skipped].map((e) => e.position).sort((p, q) => p - q);
      assert.notDeepEqual(chosen(other), chosen(half), 'another seed chooses other samples');
      const quarter = await applyNoise(c.ctx, { kind, level: 0.25, seed: 3 });
      for (const e of quarter.ledger.entries) {
        assert.equal(half.replacements.get(e.index)?.text, quarter.replacements.get(e.index)!.text, 'a lower level corrupts a subset, the same way');
      }
    });
  }
}

/** The tricky fixtures' edited text of a method, by name. */
async function editedText(language: LanguageId, kind: NoiseKind, name: string): Promise<string | undefined> {
  const c = await corpus(language);
  const r = await applyNoise(c.ctx, { kind, level: 1, seed: 1 });
  const e = r.ledger.entries.find((x) => c.columns.originOf(x.index).file.startsWith('tricky/') && c.columns.sample(x.index).name === name);
  return e === undefined ? undefined : r.replacements.get(e.index)!.text;
}

test('x-rename-locals follows scopes: fields, labels, method references, keyword arguments and Ruby keywords keep their names', async () => {
  const java = await editedText('java', 'x-rename-locals', 'shadowField');
  // `total` before the local declaration is the field; `this.count` is the field.
  assert.match(java!, /int v\d+ = total;/);
  assert.match(java!, /this\.count = v\d+ \+ v\d+;/);
  assert.match((await editedText('java', 'x-rename-locals', 'labels'))!, /outer:[\s\S]*break outer;/);
  const refs = (await editedText('java', 'x-rename-locals', 'methodRefs'))!;
  assert.ok(refs.includes('String::length') && refs.includes('Integer::sum'));
  assert.match((await editedText('java', 'x-rename-locals', 'anonymous'))!, /int field = 1;[\s\S]*v\d+ \+ field/);

  const closures = (await editedText('python', 'x-rename-locals', 'closures'))!;
  assert.match(closures, /sorted\(v\d+, key=v\d+\)/);
  assert.match(closures, /nonlocal offset/);
  assert.match((await editedText('python', 'x-rename-locals', 'describe'))!, /v\d+ = self\.owner/);
  assert.match((await editedText('python', 'x-rename-locals', 'uses_global'))!, /GLOBAL_LIMIT = v0/);
  assert.equal(await editedText('python', 'x-rename-locals', 'nested_class'), undefined, 'a name bound in a nested class body is an attribute');

  const deposit = (await editedText('ruby', 'x-rename-locals', 'deposit!'))!;
  assert.match(deposit, /note: nil/);
  assert.match(deposit, /@balance = v\d+/);
  assert.match(deposit, /\(v\d+, note, v\d+\)/);
  assert.match((await editedText('ruby', 'x-rename-locals', 'shorthand'))!, /configure\(value:, limit: v0\)/);
  assert.match((await editedText('ruby', 'x-rename-locals', 'uses_before_assignment'))!, /puts x\n\s+v0 = compute/);
});

test('statement deletion and insertion handle one-line bodies, empty bodies and docstrings', async () => {
  assert.equal(await editedText('java', 'x-delete-statement', 'empty'), undefined);
  assert.equal(await editedText('python', 'x-delete-statement', 'doc_only'), undefined);
  assert.equal(await editedText('ruby', 'x-delete-statement', 'endless'), undefined);
  assert.match((await editedText('python', 'x-delete-statement', 'with_doc'))!, /"""Sum the items."""/, 'the docstring is not a statement to delete');
  assert.match((await editedText('ruby', 'x-delete-statement', 'one_liner'))!, /^ {2}def one_liner\(a\); [^;]+; end$/);

  assert.equal(await editedText('java', 'x-leak-name', 'empty'), '    void empty() {\n        int empty_ = 0;\n    }');
  assert.equal(await editedText('java', 'x-leak-name', 'oneLiner'), '    int oneLiner(int a) { int oneLiner_ = 0; int b = a + 1; return b; }');
  assert.equal(await editedText('python', 'x-leak-name', 'one_liner'), 'def one_liner(a): one_liner_ = None; b = a + 1; return b');
  assert.match((await editedText('python', 'x-leak-name', 'with_doc'))!, /"""Sum the items."""\n {4}with_doc_ = None\n/);
  assert.equal(await editedText('python', 'x-leak-name', 'doc_only'), 'def doc_only():\n    """Nothing but a docstring."""\n    doc_only_ = None');
  assert.equal(await editedText('ruby', 'x-leak-name', 'empty_multi'), '  def empty_multi\n    empty_multi_ = nil\n  end');
  assert.equal(await editedText('ruby', 'x-leak-name', 'empty?'), '  def empty?\n    empty_ = nil\n    @balance.zero?\n  end');
  assert.equal(await editedText('ruby', 'x-leak-name', '<=>'), undefined, 'an operator name has no identifier form');
  assert.equal(await editedText('ruby', 'x-leak-name', 'endless'), undefined);
  assert.equal(await editedText('ruby', 'x-dead-code', 'endless'), undefined);
  assert.match((await editedText('ruby', 'x-dead-code', 'empty'))!, /_unused = \d+ if false/, 'an empty Ruby method keeps returning nil');
});
