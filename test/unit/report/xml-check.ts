/**
 * A tiny XML reader for tests: enough to check that a writer's output is well-formed (one root,
 * balanced tags, quoted attributes, only the five predefined entities or character references,
 * no raw '<' or '&' in text) and to read elements back with decoded attributes and text.
 */
import assert from 'node:assert/strict';

/** An element read back. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Decoded text directly inside the element (children's text excluded). */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string, where: string): string {
  assert.ok(!s.includes('<'), `raw '<' in ${where}: ${s.slice(0, 80)}`);
  return s.replace(/&([^;]*);?/g, (m, name: string) => {
    assert.ok(m.endsWith(';'), `unterminated entity in ${where}: ${m}`);
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    const v = ENTITIES[name];
    assert.ok(v !== undefined, `unknown entity &${name}; in ${where}`);
    return v;
  });
}

/** Parses `xml` (asserting well-formedness) and returns the root element. */
export function parseXml(xml: string): XmlElement {
  let i = 0;
  const s = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < s.length) {
    const lt = s.indexOf('<', i);
    const text = lt < 0 ? s.slice(i) : s.slice(i, lt);
    if (stack.length > 0) stack[stack.length - 1]!.text += decode(text, 'text');
    else assert.equal(text.trim(), '', `text outside the root element: ${text.slice(0, 40)}`);
    if (lt < 0) break;
    const gt = s.indexOf('>', lt);
    assert.ok(gt > 0, 'unterminated tag');
    const tag = s.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const open = stack.pop();
      assert.ok(open, `closing tag </${tag.slice(1)}> without an opening one`);
      assert.equal(tag.slice(1).trim(), open.name, 'mismatched closing tag');
      if (stack.length === 0) root = open;
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*$/.exec(body);
    assert.ok(m, `malformed tag <${tag.slice(0, 80)}>`);
    const attrs: Record<string, string> = {};
    for (const a of m[2]!.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
      assert.ok(!(a[1]! in attrs), `duplicate attribute ${a[1]}`);
      attrs[a[1]!] = decode(a[3] ?? a[4] ?? '', `attribute ${a[1]}`);
    }
    const el: XmlElement = { name: m[1]!, attrs, children: [], text: '' };
    if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
    else assert.equal(root, undefined, 'more than one root element');
    if (selfClosing) {
      if (stack.length === 0) root = el;
    } else stack.push(el);
  }
  assert.equal(stack.length, 0, `unclosed element <${stack[stack.length - 1]?.name}>`);
  assert.ok(root, 'no root element');
  return root;
}

/** Every element named `name` under `el` (depth first, `el` included). */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = el.name === name ? [el] : [];
  for (const c of el.children) out.push(...findAll(c, name));
  return out;
}
