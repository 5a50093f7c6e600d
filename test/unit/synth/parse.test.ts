import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCorpus } from '../../../server/src/synth';
import { firstError, methodsInTree, parse } from './trees';

// A few thousand methods in all three languages, with every file form and family, two seeds.
const corpora = [generateCorpus({ seed: 1, methods: 3000, ambiguity: 0.1 }), generateCorpus({ seed: 77, methods: 1500, domains: 12 })];

test('every generated file parses without a syntax error', () => {
  for (const c of corpora) {
    for (const f of c.files) {
      const tree = parse(f.language, f.text);
      if (tree.rootNode.hasError) {
        const e = firstError(tree.rootNode);
        const row = e?.startPosition.row ?? 0;
        const context = f.text.split('\n').slice(Math.max(0, row - 3), row + 3).join('\n');
        assert.fail(`${f.path}: syntax error at line ${row + 1}:\n${context}`);
      }
    }
  }
});

test('the method list is exactly the methods with a body in the trees, by name and line, in order', () => {
  for (const c of corpora) {
    const listed = new Map<string, { name: string; line: number }[]>();
    for (const m of c.methods) listed.set(m.file, [...(listed.get(m.file) ?? []), { name: m.name, line: m.line }]);
    let total = 0;
    for (const f of c.files) {
      const found = methodsInTree(f.language, parse(f.language, f.text)).map(({ name, line }) => ({ name, line }));
      assert.deepEqual(found, listed.get(f.path) ?? [], f.path);
      total += found.length;
    }
    assert.equal(total, c.options.methods);
  }
});

test('Java interface and abstract methods are declared without bodies, and are not listed', () => {
  const c = corpora[0]!;
  const javaFiles = c.files.filter((f) => f.language === 'java');
  let bodiless = 0;
  for (const f of javaFiles) {
    const tree = parse('java', f.text);
    const walk = (n: typeof tree.rootNode): void => {
      if (n.type === 'method_declaration' && n.childForFieldName('body') === null) bodiless++;
      for (const ch of n.namedChildren) walk(ch);
    };
    walk(tree.rootNode);
  }
  assert.ok(bodiless > 0, 'some bodiless declarations');
});

test('the files look like real code of each language', () => {
  const text = (l: string) => corpora[0]!.files.filter((f) => f.language === l).map((f) => f.text).join('\n');
  const java = text('java');
  for (const s of ['package com.', 'import java.util.', '@Override', 'public interface ', 'public abstract class ', 'private final ', 'List<', 'Optional<', '/**', 'throws IOException', '.stream()']) {
    assert.ok(java.includes(s), `Java has ${s}`);
  }
  const python = text('python');
  for (const s of ['def __init__(self', '@property', '.setter', '@staticmethod', '@dataclass', 'async def ', 'await ', ' -> ', '"""', 'with open(', 'import ']) {
    assert.ok(python.includes(s), `Python has ${s}`);
  }
  const ruby = text('ruby');
  for (const s of ['# frozen_string_literal: true', 'attr_accessor :', 'attr_reader :', 'def self.', 'def initialize(', ' do |', ' { |', '&:', 'private\n', 'module ', 'end\n']) {
    assert.ok(ruby.includes(s), `Ruby has ${s}`);
  }
});
