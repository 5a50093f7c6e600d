/**
 * The shape of a language's declaration query (`queries/<lang>/methods.scm`), read from its text
 * so that the extractor can find the same declarations without running tree-sitter's query engine
 * over the whole file (the engine visits every node of the file, which costs nearly as much as
 * parsing it did).
 *
 * The `.scm` files stay the one declarative source of truth. This module understands only the
 * shape those files have, a list of top-level patterns like
 *
 *   (method_declaration
 *     name: (identifier) @name
 *     body: (block)? @body) @method
 *
 * that is: a node type captured as `@method` or `@constructor`, and direct children by field,
 * each with a named node type (or `_`: any named node), optionally `?`, captured as `@name` or
 * `@body`. Anything else (predicates, anchors, alternations, nesting, quantifiers other than `?`,
 * negated fields, strings, other captures, one node type in two patterns) makes `parseQueryShape`
 * return the reason it cannot, and the extractor then runs the real query, as it always does on
 * files with syntax errors. `test/unit/parse/queryshape.test.ts` checks, over the fixtures and
 * real corpora, that both ways find exactly the same captures.
 */

/** A field of the declaration, as the pattern constrains it. */
export interface FieldShape {
  /** Field name in the grammar (`name`, `body`). */
  readonly field: string;
  /** Node type the child must have (a named node); undefined for `(_)`: any named node. */
  readonly type: string | undefined;
  /** `?`: the pattern matches without this child (then it is not captured). */
  readonly optional: boolean;
  readonly capture: 'name' | 'body';
}

/** One top-level pattern. */
export interface DeclShape {
  /** Node type of the declaration. */
  readonly type: string;
  readonly capture: 'method' | 'constructor';
  /** In pattern order (a match needs the children in that order). */
  readonly fields: readonly FieldShape[];
}

export type QueryShape = readonly DeclShape[];

type Token = { kind: '(' | ')' | '?' | 'word' | 'field' | 'capture' | 'other'; text: string };

function tokenize(source: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === ';') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === '?') {
      out.push({ kind: c, text: c });
      i++;
      continue;
    }
    const m = /^@?[A-Za-z_][A-Za-z0-9_.\-]*:?/.exec(source.slice(i, i + 200));
    if (m !== null) {
      const t = m[0];
      if (t.startsWith('@')) out.push({ kind: t.endsWith(':') ? 'other' : 'capture', text: t.slice(1) });
      else if (t.endsWith(':')) out.push({ kind: 'field', text: t.slice(0, -1) });
      else out.push({ kind: 'word', text: t });
      i += t.length;
      continue;
    }
    // Strings, `#predicates`, `[`, `]`, `*`, `+`, `.`, `!`…: not a shape this module knows.
    out.push({ kind: 'other', text: c });
    i++;
  }
  return out;
}

/**
 * The declaration patterns of a query, or a string saying why the query is not of the shape
 * described in the module comment.
 */
export function parseQueryShape(source: string): QueryShape | string {
  const toks = tokenize(source);
  let k = 0;
  const next = (): Token | undefined => toks[k++];
  const expect = (kind: Token['kind'], what: string): Token => {
    const t = next();
    if (t === undefined || t.kind !== kind) throw new Error(`expected ${what}, found ${t === undefined ? 'the end' : `"${t.text}"`}`);
    return t;
  };
  const shapes: DeclShape[] = [];
  try {
    while (k < toks.length) {
      expect('(', '"(" opening a pattern');
      const type = expect('word', 'a node type').text;
      if (type === '_') throw new Error('a wildcard declaration');
      const fields: FieldShape[] = [];
      for (let t = next(); t?.kind !== ')'; t = next()) {
        if (t === undefined || t.kind !== 'field') throw new Error(`expected a field or ")", found ${t === undefined ? 'the end' : `"${t.text}"`}`);
        expect('(', '"(" after a field');
        const childType = expect('word', 'a node type').text;
        expect(')', '")" closing a child pattern');
        let optional = false;
        let cap = next();
        if (cap?.kind === '?') {
          optional = true;
          cap = next();
        }
        if (cap === undefined || cap.kind !== 'capture') throw new Error(`field ${t.text}: expected a capture, found ${cap === undefined ? 'the end' : `"${cap.text}"`}`);
        if (cap.text !== 'name' && cap.text !== 'body') throw new Error(`unknown capture @${cap.text}`);
        if (fields.some((f) => f.capture === cap.text || f.field === t.text)) throw new Error(`@${cap.text} or field ${t.text} twice in a pattern`);
        fields.push({ field: t.text, type: childType === '_' ? undefined : childType, optional, capture: cap.text });
      }
      const cap = expect('capture', 'the declaration\'s capture').text;
      if (cap !== 'method' && cap !== 'constructor') throw new Error(`unknown capture @${cap}`);
      if (shapes.some((s) => s.type === type)) throw new Error(`${type} in two patterns`);
      shapes.push({ type, capture: cap, fields });
    }
  } catch (e) {
    return (e as Error).message;
  }
  if (shapes.length === 0) return 'no pattern';
  return shapes;
}
