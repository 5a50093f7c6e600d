/**
 * The source editor: cuts a sample's method out of its unit, parses it alone, plans an edit
 * (`edits.ts`), applies it and re-extracts the edited method with the dataset's extractor, so a
 * noisy sample is real code (shown in a diff view) and its tokens and path-contexts come from
 * the same extractor, settings and string tables as every clean sample.
 *
 * Before editing, the method text is checked against the sample: the declaration must span the
 * sample's range, have its name, and re-extract to the same body tokens; otherwise the unit
 * changed since extraction and the sample is left clean (`source-mismatch`).
 *
 * An edit is accepted only when the edited method, wrapped the same way, re-extracts without any
 * syntax error and still yields the method (same name, same start). Otherwise the next candidate
 * of the plan is tried, up to `MAX_ATTEMPTS`; a sample none of whose candidates passes is left
 * clean (`no-valid-edit`).
 */
import { EngineError, ERROR_CODES } from '../errors';
import { loadBackend, type Backend } from '../parse/backend';
import { DEFAULT_EXTRACT_SETTINGS, type ExtractSettings, type Extractor } from '../parse/extract';
import type { ExtractedSample } from '../parse/sample';
import type { Rng } from '../util/rng';
import { applyChanges, planDeadCode, planDelete, planLeak, planRename, type EditPlan, type MethodView, type TextChange } from './edits';
import { NOISE_GRAMMARS } from './grammar';
import type { NoiseKind } from './kinds';
import { SKIP_REASONS, type SkipReason } from './ledger';
import { childByField, methodText, parseTree, textOf, wrapMethod } from './syntax';

/** Candidate edits tried per sample before it is left clean. */
export const MAX_ATTEMPTS = 8;

/** What the source kinds need: the dataset's extractor and settings, and a parser for edits. */
export interface SourceEditor {
  /**
   * An extractor interning into the dataset's string tables (the one that built it, or
   * `createExtractor({ tables })`): noisy samples must share the columns' token and path ids.
   */
  readonly extractor: Extractor;
  /** The settings the dataset was extracted with. */
  readonly settings: ExtractSettings;
  readonly backend: Backend;
}

/** Options of `createSourceEditor`. */
export interface SourceEditorOptions {
  extractor: Extractor;
  /** Default `DEFAULT_EXTRACT_SETTINGS`; must be those the dataset was extracted with. */
  settings?: ExtractSettings;
  /** A loaded backend to parse with (default: a new one of the extractor's kind). */
  backend?: Backend;
}

/** Creates a source editor; loads a parse backend of the extractor's kind unless one is given. */
export async function createSourceEditor(o: SourceEditorOptions): Promise<SourceEditor> {
  const backend = o.backend ?? (await loadBackend(o.extractor.backend)).backend;
  return { extractor: o.extractor, settings: o.settings ?? DEFAULT_EXTRACT_SETTINGS, backend };
}

/** A sample edited by a source kind. */
export interface SourceEdit {
  /** The re-extracted sample, with the original's id, origin, range, name and doc. */
  sample: ExtractedSample;
  /** Method text before and after (see `methodText`). */
  before: string;
  after: string;
  /** The changes that turn `before` into `after` (offsets into `before`). */
  changes: TextChange[];
  edit: string;
}

/** The edit of one sample, or why it is left clean. */
export type SourceOutcome = { ok: true; value: SourceEdit } | { ok: false; reason: SkipReason };

function plan(kind: NoiseKind, view: MethodView, rng: Rng): EditPlan {
  switch (kind) {
    case 'x-delete-statement':
      return planDelete(view, rng);
    case 'x-leak-name':
      return planLeak(view);
    case 'x-dead-code':
      return planDeadCode(view, rng);
    case 'x-rename-locals':
      return planRename(view);
    default:
      throw new EngineError(ERROR_CODES.INTERNAL, `noise kind ${kind} does not edit source code`);
  }
}

/** Re-extracts an edited method text; undefined when it has a syntax error or lost the method. */
function reextract(editor: SourceEditor, original: ExtractedSample, text: string): ExtractedSample | undefined {
  const wrapped = wrapMethod(original.language, text);
  const r = editor.extractor.extract({ origin: original.origin, language: original.language, text: wrapped.text }, editor.settings);
  if (r.hadSyntaxErrors) return undefined;
  const s = r.samples.find((x) => x.range.startLine === wrapped.lines && x.range.startColumn === original.range.startColumn && x.name === original.name);
  if (s === undefined) return undefined;
  const out: ExtractedSample = { ...s, id: original.id, origin: original.origin, range: original.range };
  delete out.doc;
  if (original.doc !== undefined) out.doc = original.doc;
  return out;
}

/** The line break a text uses, by its first one (the unit's, since a one-line method shows none). */
function newlineOf(text: string): string {
  const nl = text.indexOf('\n');
  return nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
}

function sameTokens(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A sample's method, cut from its unit and parsed alone, checked to be the sample's declaration. */
interface LocatedMethod {
  unit: string;
  before: string;
  wrapped: ReturnType<typeof wrapMethod>;
  tree: ReturnType<typeof parseTree>;
  method: number;
  nameNode: number;
}

/**
 * Cuts the sample's method from `unitText` and parses it alone; the declaration must span exactly
 * the sample's range and carry its name (else the unit changed since extraction).
 */
function locateMethod(editor: SourceEditor, original: ExtractedSample, unitText: string | undefined): { ok: true; value: LocatedMethod } | { ok: false; reason: SkipReason } {
  if (unitText === undefined) return { ok: false, reason: SKIP_REASONS.sourceUnavailable };
  const before = methodText(unitText, original.range);
  if (before === undefined) return { ok: false, reason: SKIP_REASONS.sourceMismatch };
  const grammar = NOISE_GRAMMARS[original.language];
  const wrapped = wrapMethod(original.language, before);
  const tree = parseTree(editor.backend, wrapped.text, original.language);
  const at = wrapped.offset + original.range.startColumn;
  const method = tree.nodes.findIndex((n) => n.start === at && grammar.methods.has(n.type));
  const nameNode = method < 0 ? -1 : childByField(tree, method, 'name');
  if (nameNode < 0 || textOf(tree, nameNode) !== original.name || tree.nodes[method]!.end !== wrapped.offset + before.length) {
    return { ok: false, reason: SKIP_REASONS.sourceMismatch };
  }
  return { ok: true, value: { unit: unitText, before, wrapped, tree, method, nameNode } };
}

/**
 * The method text of `original` (`methodText`) and the same text with its declared name replaced
 * by `name`: what a label-noise kind trains on, shown as code (the model reads the body and
 * learns the new name for it). Undefined when the unit no longer holds the sample's method.
 */
export function renameMethod(editor: SourceEditor, original: ExtractedSample, unitText: string | undefined, name: string): { before: string; after: string } | undefined {
  const located = locateMethod(editor, original, unitText);
  if (!located.ok) return undefined;
  const { before, wrapped, tree, nameNode } = located.value;
  const n = tree.nodes[nameNode]!;
  const start = n.start - wrapped.offset;
  const end = n.end - wrapped.offset;
  return { before, after: applyChanges(before, [{ start, end, text: name }]) };
}

/** A sample's method, located, parsed and checked, as the planners see it. */
export interface PreparedMethod {
  original: ExtractedSample;
  before: string;
  view: MethodView;
}

/**
 * Locates and checks a sample's method for editing: it must parse alone and re-extract to the
 * sample's own body tokens (else the unit changed since extraction).
 */
export function prepareMethod(editor: SourceEditor, original: ExtractedSample, emptyLabel: boolean, unitText: string | undefined, words: ReadonlySet<string>): { ok: true; value: PreparedMethod } | { ok: false; reason: SkipReason } {
  const located = locateMethod(editor, original, unitText);
  if (!located.ok) return located;
  const { unit, before, wrapped, tree, method } = located.value;
  const language = original.language;
  const grammar = NOISE_GRAMMARS[language];
  if (tree.hasError) return { ok: false, reason: SKIP_REASONS.notParsableAlone };
  // And read the same: a file edited since extraction would make the noisy sample a variant of other code.
  const clean = reextract(editor, original, before);
  if (clean === undefined) return { ok: false, reason: SKIP_REASONS.notParsableAlone };
  if (!sameTokens(clean.bodyTokens, original.bodyTokens)) return { ok: false, reason: SKIP_REASONS.sourceMismatch };
  const view: MethodView = {
    language,
    grammar,
    tree,
    method,
    body: childByField(tree, method, 'body'),
    text: before,
    offset: wrapped.offset,
    firstLine: original.range.startLine,
    name: original.name,
    emptyLabel,
    words,
    newline: newlineOf(unit),
  };
  return { ok: true, value: { original, before, view } };
}

/**
 * Tries a plan's candidates on a prepared method, up to `MAX_ATTEMPTS`: the first whose text
 * re-extracts without a syntax error and still yields the method is the edit.
 */
export function applyPlan(editor: SourceEditor, m: PreparedMethod, p: EditPlan): SourceOutcome {
  if ('skip' in p) return { ok: false, reason: p.skip };
  for (const c of p.candidates.slice(0, MAX_ATTEMPTS)) {
    const after = applyChanges(m.before, c.changes);
    if (after === m.before) continue;
    const sample = reextract(editor, m.original, after);
    if (sample !== undefined) return { ok: true, value: { sample, before: m.before, after, changes: [...c.changes].sort((a, b) => a.start - b.start), edit: c.edit } };
  }
  return { ok: false, reason: SKIP_REASONS.noValidEdit };
}

/**
 * Applies a source kind to one sample. `unitText` is the text the sample was extracted from (file
 * or JSONL `code`); `words` are the words of that text (new names avoid them); `emptyLabel` says
 * the sample's label has no subtokens.
 */
export function editSample(
  editor: SourceEditor,
  kind: NoiseKind,
  original: ExtractedSample,
  emptyLabel: boolean,
  unitText: string | undefined,
  words: ReadonlySet<string>,
  rng: Rng,
): SourceOutcome {
  const m = prepareMethod(editor, original, emptyLabel, unitText, words);
  if (!m.ok) return m;
  return applyPlan(editor, m.value, plan(kind, m.value.view, rng));
}
