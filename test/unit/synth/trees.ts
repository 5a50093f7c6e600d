/**
 * Test helper: parses generated files with the native tree-sitter binding (directly, not through
 * the engine's extractor, so the generator is checked against the grammars themselves) and lists
 * the method declarations that have a body, as the extractor counts them.
 */
import type NativeTs = require('tree-sitter');
import type { LanguageId } from '../../../server/src/parse/sample';

const Parser = require('tree-sitter') as typeof NativeTs;
const GRAMMARS: Record<LanguageId, string> = { java: 'tree-sitter-java', python: 'tree-sitter-python', ruby: 'tree-sitter-ruby' };
const METHOD_NODES: Record<LanguageId, readonly string[]> = {
  java: ['method_declaration'],
  python: ['function_definition'],
  ruby: ['method', 'singleton_method'],
};

const parsers = new Map<LanguageId, NativeTs>();

export function parse(language: LanguageId, text: string): NativeTs.Tree {
  let p = parsers.get(language);
  if (!p) {
    p = new Parser();
    p.setLanguage(require(GRAMMARS[language]) as NativeTs.Language);
    parsers.set(language, p);
  }
  // The native binding reads the text through a buffer; one larger than the text avoids its
  // chunked-read path for long files.
  return p.parse(text, undefined, { bufferSize: text.length * 2 + 1024 });
}

/** A method declaration found in a tree. */
export interface TreeMethod {
  name: string;
  /** 0-based row of the name node. */
  line: number;
  node: NativeTs.SyntaxNode;
}

/** Methods with a body (Java interface and abstract methods excluded; every Ruby `def` counts), in document order. */
export function methodsInTree(language: LanguageId, tree: NativeTs.Tree): TreeMethod[] {
  const out: TreeMethod[] = [];
  const walk = (node: NativeTs.SyntaxNode): void => {
    if (METHOD_NODES[language].includes(node.type) && (language === 'ruby' || node.childForFieldName('body') !== null)) {
      const name = node.childForFieldName('name')!;
      out.push({ name: name.text, line: name.startPosition.row, node });
    }
    for (const child of node.namedChildren) walk(child);
  };
  walk(tree.rootNode);
  return out;
}

/** The first ERROR or MISSING node, for a readable failure message. */
export function firstError(node: NativeTs.SyntaxNode): NativeTs.SyntaxNode | undefined {
  if (node.type === 'ERROR' || node.isMissing) return node;
  for (const child of node.children) {
    if (child.hasError || child.isMissing) {
      const found = firstError(child);
      if (found) return found;
    }
  }
  return undefined;
}

/** Leaf tokens of a node, comments left out. */
export function leafTokens(node: NativeTs.SyntaxNode, out: string[] = []): string[] {
  if (node.childCount === 0) {
    if (!node.type.includes('comment')) out.push(node.text);
  } else for (const child of node.children) leafTokens(child, out);
  return out;
}
