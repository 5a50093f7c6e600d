/**
 * The source edits of the input kinds, planned on a method's copied syntax tree. A plan is a
 * list of candidate edits in the order to try them (random where the kind chooses); the editor
 * applies the first one whose result re-extracts without a syntax error. Offsets in a `TextChange`
 * are into the method text (`methodText`), not into the wrapped text that was parsed.
 *
 * - x-delete-statement: a statement is a named child of a statement list (Java `block`, Python
 *   `block`, Ruby `body_statement`, `then`, …) that is not a comment or clause, at any depth of
 *   the body; the method's Python docstring is documentation, not a statement. A body with fewer
 *   than two statements is skipped. The body's only top-level statement is never deleted (the
 *   method would be empty), nor, in Python, a block's only statement (an empty block does not
 *   parse). A statement alone on its lines takes its lines with it; one that shares its line
 *   takes its `;` separator.
 * - x-leak-name: `<type> <name>_ = <zero>` before the first statement (after a Python docstring
 *   and a Java `super(…)`), with that statement's indentation. The name gets a trailing `_`
 *   because the extractor replaces identifiers spelled exactly like the method's name by
 *   `<METHOD_NAME>`: `getUserName_` reads as the subtokens get, user, name, the leak itself, where
 *   `getUserName` would be masked away. More underscores are added while the name is taken.
 * - x-dead-code: an unused local (or `if (false)` block) before a random top-level statement,
 *   never after the last one (Ruby returns the last value; Java rejects unreachable code).
 * - x-rename-locals: parameters and local variables, bound and used within their scope, become
 *   v0, v1, … in order of first binding; see `grammar.ts` for what binds and what is not a
 *   variable position. New names avoid every word of the whole unit (file) text, so they never
 *   collide with a field, method, keyword or other identifier.
 */
import type { Rng } from '../util/rng';
import type { LanguageId } from '../parse/sample';
import { bindingsOf, isVariablePosition, type NoiseGrammar } from './grammar';
import { SKIP_REASONS, type SkipReason } from './ledger';
import { ancestorOf, childByField, firstLineIndent, namedChildren, subtree, textOf, type SyntaxTree } from './syntax';

/** Replace method-text range [start, end) by `text`. */
export interface TextChange {
  start: number;
  end: number;
  text: string;
}

/** One candidate edit and its description. */
export interface Candidate {
  changes: TextChange[];
  /** Description without the line number's file context: `deleted return_statement at line 12: "return x;"`. */
  edit: string;
}

/** Candidates to try in order, or why the sample cannot take this kind of noise. */
export type EditPlan = { candidates: Candidate[] } | { skip: SkipReason };

/** A parsed method as the planners see it. */
export interface MethodView {
  language: LanguageId;
  grammar: NoiseGrammar;
  /** Tree of the wrapped method text. */
  tree: SyntaxTree;
  /** The method's node. */
  method: number;
  /** Its body node, or -1 (Ruby `def x; end`). */
  body: number;
  /** The method text (what `TextChange` offsets index). */
  text: string;
  /** Offset of the method text in the tree's text. */
  offset: number;
  /** 0-based file line of the method text's first line. */
  firstLine: number;
  /** The method's name as written. */
  name: string;
  /** The sample's label is empty (a name without subtokens, like `<=>`). */
  emptyLabel: boolean;
  /** Every word of the unit's text: names a new identifier must avoid. */
  words: ReadonlySet<string>;
  /** Line break of the text (`\r\n` when it uses them), for inserted lines. */
  newline: string;
}

/** Applies non-overlapping changes to a text. */
export function applyChanges(text: string, changes: readonly TextChange[]): string {
  const sorted = [...changes].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const c of sorted) {
    out += text.slice(at, c.start) + c.text;
    at = c.end;
  }
  return out + text.slice(at);
}

function start(v: MethodView, i: number): number {
  return v.tree.nodes[i]!.start - v.offset;
}

function end(v: MethodView, i: number): number {
  return v.tree.nodes[i]!.end - v.offset;
}

function lineStart(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

function lineEnd(text: string, at: number): number {
  const nl = text.indexOf('\n', at);
  return nl < 0 ? text.length : nl;
}

/** 1-based file line of a method-text offset. */
function fileLine(v: MethodView, at: number): number {
  let line = v.firstLine + 1;
  for (let k = v.text.indexOf('\n'); k !== -1 && k < at; k = v.text.indexOf('\n', k + 1)) line++;
  return line;
}

/** 1-based file line where an inserted text's first statement lands. */
function insertedLine(v: MethodView, change: TextChange): number {
  return fileLine(v, change.start) + (change.text.startsWith(v.newline) ? 1 : 0);
}

/** A short one-line quote of a text for descriptions. */
function quote(s: string): string {
  const line = s.split('\n')[0]!.trim();
  return JSON.stringify(line.length > 60 ? `${line.slice(0, 57)}...` : line);
}

function isStatement(v: MethodView, c: number): boolean {
  const n = v.tree.nodes[c]!;
  return n.named && !v.grammar.nonStatements.has(n.type);
}

/** The method's Python docstring statement, or -1. */
function docstring(v: MethodView): number {
  if (v.language !== 'python' || v.body < 0) return -1;
  const first = namedChildren(v.tree, v.body).find((c) => isStatement(v, c));
  if (first === undefined || v.tree.nodes[first]!.type !== 'expression_statement') return -1;
  const inner = namedChildren(v.tree, first);
  return inner.length === 1 && (v.tree.nodes[inner[0]!]!.type === 'string' || v.tree.nodes[inner[0]!]!.type === 'concatenated_string') ? first : -1;
}

/** Statements directly in the body (none when the body is not a statement list), docstring excluded. */
function topStatements(v: MethodView): number[] {
  if (v.body < 0 || !v.grammar.statementLists.has(v.tree.nodes[v.body]!.type)) return [];
  const doc = docstring(v);
  return namedChildren(v.tree, v.body).filter((c) => c !== doc && isStatement(v, c));
}

/** Statements at any depth of the body, docstring excluded, in document order. */
function allStatements(v: MethodView): number[] {
  if (v.body < 0) return [];
  const doc = docstring(v);
  const out: number[] = [];
  for (const i of subtree(v.tree, v.body)) {
    if (!v.grammar.statementLists.has(v.tree.nodes[i]!.type)) continue;
    for (const c of namedChildren(v.tree, i)) if (c !== doc && isStatement(v, c)) out.push(c);
  }
  return out.sort((a, b) => a - b);
}

/** The change that deletes statement s, with its line when it is alone on it. */
function deletion(v: MethodView, s: number): TextChange {
  const m = v.text;
  const a = start(v, s);
  const b = end(v, s);
  const ls = lineStart(m, a);
  const le = lineEnd(m, b);
  const before = m.slice(ls, a);
  const after = m.slice(b, le).trim();
  if (before.trim() === '' && (after === '' || after.startsWith(v.grammar.lineComment))) {
    if (le < m.length) return { start: ls, end: le + 1, text: '' };
    // The method's last line: the line break before the statement goes with it.
    const brk = ls >= 2 && m[ls - 2] === '\r' ? 2 : 1;
    return { start: Math.max(0, ls - brk), end: m.length, text: '' };
  }
  let e = b;
  while (m[e] === ' ' || m[e] === '\t') e++;
  if (v.language === 'java') return { start: a, end: e, text: '' };
  if (m[e] === ';') {
    e++;
    while (m[e] === ' ' || m[e] === '\t') e++;
    return { start: a, end: e, text: '' };
  }
  // The last statement of a `a; b` line takes the separator before it.
  let k = a - 1;
  while (k >= ls && (m[k] === ' ' || m[k] === '\t')) k--;
  return { start: k >= ls && m[k] === ';' ? k : a, end: b, text: '' };
}

/** Plans `x-delete-statement`. */
export function planDelete(v: MethodView, rng: Rng): EditPlan {
  const all = allStatements(v);
  if (all.length < 2) return { skip: SKIP_REASONS.tooFewStatements };
  const top = topStatements(v);
  const candidates = all.filter((s) => {
    if (top.length === 1 && top[0] === s) return false;
    if (v.language === 'python') {
      const siblings = namedChildren(v.tree, v.tree.nodes[s]!.parent).filter((c) => isStatement(v, c));
      if (siblings.length < 2) return false;
    }
    return true;
  });
  rng.shuffle(candidates);
  return {
    candidates: candidates.map((s) => {
      const change = deletion(v, s);
      return { changes: [change], edit: `deleted ${v.tree.nodes[s]!.type} at line ${fileLine(v, start(v, s))}: ${quote(textOf(v.tree, s))}` };
    }),
  };
}

/** Indentation unit of the body: its first statement's indent beyond the method's, else the grammar's. */
function indentUnit(v: MethodView): string {
  const outer = firstLineIndent(v.text);
  const first = v.body >= 0 ? namedChildren(v.tree, v.body).find((c) => isStatement(v, c)) : undefined;
  if (first !== undefined) {
    const a = start(v, first);
    const before = v.text.slice(lineStart(v.text, a), a);
    if (before.trim() === '' && before.startsWith(outer) && before.length > outer.length) return before.slice(outer.length);
  }
  return outer.includes('\t') ? '\t' : v.grammar.indentUnit;
}

/** Inserts lines before statement s: on their own lines with its indentation, or inline (one line only). */
function insertBefore(v: MethodView, s: number, lines: readonly string[]): TextChange | undefined {
  const a = start(v, s);
  const ls = lineStart(v.text, a);
  const before = v.text.slice(ls, a);
  if (before.trim() === '') return { start: ls, end: ls, text: lines.map((l) => before + l + v.newline).join('') };
  if (lines.length > 1) return undefined;
  return { start: a, end: a, text: lines[0]! + v.grammar.inlineSeparator };
}

/** Inserts lines after statement s (a docstring or a `super(…)` that is the whole body). */
function insertAfter(v: MethodView, s: number, lines: readonly string[]): TextChange | undefined {
  const a = start(v, s);
  const b = end(v, s);
  const before = v.text.slice(lineStart(v.text, a), a);
  if (before.trim() === '') return { start: b, end: b, text: lines.map((l) => v.newline + before + l).join('') };
  if (lines.length > 1) return undefined;
  return { start: b, end: b, text: v.grammar.inlineSeparator + lines[0]! };
}

/**
 * Inserts lines into an empty body: after a Java block's `{`, or after a Ruby method's
 * parameters (or name), one indentation level deeper than the method.
 */
function insertIntoEmpty(v: MethodView, lines: readonly string[]): TextChange | undefined {
  const indent = firstLineIndent(v.text) + indentUnit(v);
  const body = lines.map((l) => v.newline + indent + l).join('');
  if (v.language === 'java' && v.body >= 0) {
    const at = start(v, v.body) + 1;
    const rest = v.text.slice(at, lineEnd(v.text, at)).trim();
    return { start: at, end: at, text: body + (rest.startsWith('}') ? v.newline + firstLineIndent(v.text) : '') };
  }
  if (v.language === 'ruby' && v.body < 0) {
    const params = childByField(v.tree, v.method, 'parameters');
    const anchor = params >= 0 ? params : childByField(v.tree, v.method, 'name');
    if (anchor < 0) return undefined;
    return { start: end(v, anchor), end: end(v, anchor), text: body };
  }
  return undefined;
}

/** A name not among the unit's words, from `base`, `base1`, `base2`, … (or `base_`, `base__` with `underscores`). */
function freshName(words: ReadonlySet<string>, base: string, underscores = false): string {
  let name = base;
  for (let k = 1; words.has(name); k++) name = underscores ? name + '_' : `${base}${k}`;
  return name;
}

/** The identifier form of the method's name for a leak variable, or undefined. */
function leakBase(v: MethodView): string | undefined {
  if (v.emptyLabel) return undefined;
  let base = v.name;
  if (v.language === 'ruby') {
    // `empty?`, `save!` and setters `x=` lose their suffix; `Integer` (a Kernel-style method) is lower-cased.
    base = base.replace(/[?!=]$/, '');
    base = base.charAt(0).toLowerCase() + base.slice(1);
  }
  return /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(base) ? base : undefined;
}

/** Plans `x-leak-name`. */
export function planLeak(v: MethodView): EditPlan {
  const base = leakBase(v);
  if (base === undefined) return { skip: SKIP_REASONS.nameNotIdentifier };
  const statement = v.grammar.leak(freshName(v.words, `${base}_`, true));
  const top = topStatements(v);
  const doc = docstring(v);
  let change: TextChange | undefined;
  if (top.length > 0 && v.grammar.mustBeFirst.has(v.tree.nodes[top[0]!]!.type)) {
    change = top.length > 1 ? insertBefore(v, top[1]!, [statement]) : insertAfter(v, top[0]!, [statement]);
  } else if (top.length > 0) {
    change = insertBefore(v, top[0]!, [statement]);
  } else if (doc >= 0) {
    change = insertAfter(v, doc, [statement]);
  } else if (v.body < 0 || v.grammar.statementLists.has(v.tree.nodes[v.body]!.type)) {
    change = insertIntoEmpty(v, [statement]);
  } else {
    return { skip: SKIP_REASONS.noStatementBody };
  }
  if (change === undefined) return { candidates: [] };
  return { candidates: [{ changes: [change], edit: `inserted ${quote(statement)} at line ${insertedLine(v, change)}` }] };
}

/** Plans `x-dead-code`. */
export function planDeadCode(v: MethodView, rng: Rng): EditPlan {
  const unit = indentUnit(v);
  const templates = v.grammar.deadCode(freshName(v.words, v.grammar.deadName), rng.int(100), unit);
  const top = topStatements(v);
  const positions = top.filter((s, k) => !(k === 0 && v.grammar.mustBeFirst.has(v.tree.nodes[s]!.type)));
  const doc = docstring(v);
  const candidates: Candidate[] = [];
  const add = (change: TextChange | undefined, lines: readonly string[]) => {
    if (change !== undefined) candidates.push({ changes: [change], edit: `inserted dead code ${quote(lines.map((l) => l.trim()).join(' '))} at line ${insertedLine(v, change)}` });
  };
  if (positions.length > 0) {
    rng.shuffle(positions);
    for (const s of positions) {
      // A multi-line template cannot go inline; the one-line form takes its place there.
      const drawn = templates[rng.int(templates.length)]!;
      const own = insertBefore(v, s, drawn);
      add(own ?? insertBefore(v, s, templates[0]!), own === undefined ? templates[0]! : drawn);
    }
  } else if (top.length > 0) {
    add(insertAfter(v, top[0]!, templates[0]!), templates[0]!);
  } else if (doc >= 0) {
    add(insertAfter(v, doc, templates[0]!), templates[0]!);
  } else if (v.body < 0 || v.grammar.statementLists.has(v.tree.nodes[v.body]!.type)) {
    // A Ruby method returns its last value: only a statement whose value is nil keeps it.
    const lines = v.language === 'ruby' ? templates[templates.length - 1]! : templates[0]!;
    add(insertIntoEmpty(v, lines), lines);
  } else {
    return { skip: SKIP_REASONS.noStatementBody };
  }
  return { candidates };
}

/** The locals of a method and where each occurrence is: what `x-rename-locals` may rename. */
export interface LocalSites {
  /** Local names (parameters and variables), in order of their first binding. */
  order: string[];
  /** Tree nodes of the occurrences to rename (binders and uses in scope). */
  nodes: number[];
}

/**
 * The method's renamable locals: every binding that is neither blocked (a name also used in a way
 * a rename could break, e.g. captured by a nested definition) nor reserved, with its uses inside
 * the binding's scope.
 */
export function localSites(v: MethodView): LocalSites | { skip: SkipReason } {
  const t = v.tree;
  const nodes = subtree(t, v.method);
  const { binders, blocked } = bindingsOf(v.language, t, nodes);
  // Where each binding is visible, by name: [from, to) in tree offsets.
  const regions = new Map<string, [number, number][]>();
  const firstBinding = new Map<string, number>();
  const isBinder = new Set<number>();
  for (const b of binders) {
    const name = textOf(t, b);
    if (blocked.has(name) || v.grammar.reservedNames.has(name)) continue;
    isBinder.add(b);
    const scope = ancestorOf(t, b, v.grammar.scopes);
    const s = scope >= 0 ? scope : v.method;
    let region: [number, number];
    if (v.grammar.scopeIsWholeNode) {
      // A Python function's scope is its body: defaults and annotations are evaluated outside it.
      const body = childByField(t, s, 'body');
      const r = body >= 0 && (t.nodes[s]!.type === 'function_definition' || t.nodes[s]!.type === 'lambda') ? body : s;
      region = [t.nodes[r]!.start, t.nodes[r]!.end];
    } else {
      region = [t.nodes[b]!.start, t.nodes[s]!.end];
    }
    const list = regions.get(name) ?? [];
    list.push(region);
    regions.set(name, list);
    if (!firstBinding.has(name) || t.nodes[b]!.start < firstBinding.get(name)!) firstBinding.set(name, t.nodes[b]!.start);
  }
  const renamed: number[] = [];
  for (const i of nodes) {
    const n = t.nodes[i]!;
    if (n.type !== v.grammar.identifier) continue;
    const list = regions.get(textOf(t, i));
    if (list === undefined) continue;
    if (isBinder.has(i) || (isVariablePosition(v.language, t, i) && list.some(([a, b]) => n.start >= a && n.start < b))) renamed.push(i);
  }
  if (renamed.length === 0) return { skip: SKIP_REASONS.noLocals };
  const used = new Set(renamed.map((i) => textOf(t, i)));
  return { order: [...used].sort((a, b) => firstBinding.get(a)! - firstBinding.get(b)!), nodes: renamed };
}

/**
 * Renames locals by `mapping` (old name → new name; locals it does not name keep theirs). The
 * new names must be distinct, differ from every word of the unit (`v.words`: no capture of a
 * field, global or other local) and from the locals that keep their names; else `no-valid-edit`.
 */
export function planRenameWith(v: MethodView, sites: LocalSites, mapping: ReadonlyMap<string, string>): EditPlan {
  const targets = [...mapping.values()];
  const kept = sites.order.filter((n) => !mapping.has(n));
  if (new Set(targets).size !== targets.length || targets.some((n) => v.words.has(n) || kept.includes(n))) return { skip: SKIP_REASONS.noValidEdit };
  const nodes = sites.nodes.filter((i) => mapping.has(textOf(v.tree, i)));
  const order = sites.order.filter((n) => mapping.has(n));
  if (nodes.length === 0) return { skip: SKIP_REASONS.noLocals };
  const changes = nodes.map((i) => ({ start: start(v, i), end: end(v, i), text: mapping.get(textOf(v.tree, i))! }));
  const pairs = order.map((name) => `${name}→${mapping.get(name)}`);
  const shown = pairs.length > 6 ? [...pairs.slice(0, 6), '…'] : pairs;
  return { candidates: [{ changes, edit: `renamed ${order.length} local${order.length === 1 ? '' : 's'} (${nodes.length} occurrences): ${shown.join(', ')}` }] };
}

/** Plans `x-rename-locals`: every local becomes `v0`, `v1`, … in order of first binding. */
export function planRename(v: MethodView): EditPlan {
  const sites = localSites(v);
  if ('skip' in sites) return sites;
  const taken = new Set(v.words);
  const mapping = new Map<string, string>();
  let k = 0;
  for (const name of sites.order) {
    while (taken.has(`v${k}`)) k++;
    mapping.set(name, `v${k}`);
    taken.add(`v${k}`);
  }
  return planRenameWith(v, sites, mapping);
}
