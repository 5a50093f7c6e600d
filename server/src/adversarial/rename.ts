/**
 * A discrete adversarial attack: rename a method's local variables, greedily, to flip the model's
 * prediction (docs/metrics.md § "Adversarial robustness"). It reuses the `x-rename-locals` editor
 * (`noise/edits.ts` `localSites`, `planRenameWith`; `noise/editor.ts` `prepareMethod`,
 * `applyPlan`), so every edit it produces carries that editor's guarantees: renames follow scopes
 * (binders and their uses only; fields, labels, keyword arguments keep their names), a new name is
 * no word of the unit (nothing is captured or shadowed) and no two locals get the same one, and
 * the edited method re-extracts without a syntax error as the same method. One check is added:
 * the edited method's syntax tree has the same node types, node for node, as the original's, so a
 * new name that a grammar reads as a keyword (Ruby's `nil` as a parameter parses, as a `nil`
 * node) is refused.
 *
 * Greedy search: for each local in order of first binding, try `candidates` new names drawn
 * without replacement from a pool (vocabulary words, so the model reads them, not `<UNK>`) with a
 * deterministic `Rng`; keep the rename that lowers p(ŷ) most (ŷ = the clean prediction), if any
 * lowers it; stop as soon as an edit changes the prediction (flipped) or after `budget` kept renames.
 */
import type { ExtractedSample } from '../parse/sample';
import { applyPlan, localSites, nodeTypeSequence, parseTree, planRenameWith, prepareMethod, wordsOf, wrapMethod, type LocalSites, type PreparedMethod, type SourceEdit, type SourceEditor } from '../noise';
import type { Rng } from '../util/rng';

/** Settings of the rename attack. */
export interface RenameAttackSettings {
  /** New names tried per local. */
  candidates: number;
  /** Renames kept at most. */
  budget: number;
}

/**
 * Scores edited samples: per sample the model's argmax and its probability of the class `target`.
 * Called once per local with that local's candidate edits.
 */
export type RenameEvaluator = (samples: readonly ExtractedSample[], target: number) => Promise<{ top1: Int32Array; p: Float32Array }>;

/** What the attack did to one sample. */
export interface RenameOutcome {
  /** False when the method cannot be renamed (no locals, not parsable alone, source unavailable). */
  applicable: boolean;
  flipped: boolean;
  /** Renames kept. */
  renames: number;
  /** Model calls made (one per local tried). */
  calls: number;
  /** The final edit, when a rename was kept. */
  edit?: SourceEdit;
}

/** A valid identifier in every supported language that no grammar reserves as a keyword-like name. */
const NAME = /^[a-z][a-z0-9]{1,23}$/;

/**
 * The candidate pool: vocabulary strings that are plain lower-case words, most frequent first
 * (the vocabulary's order), at most `max`. Keywords in it fail the editor's re-parse and are
 * skipped there.
 */
export function namePool(strings: readonly string[], max = 2000): string[] {
  const out: string[] = [];
  for (const s of strings) {
    if (NAME.test(s)) out.push(s);
    if (out.length >= max) break;
  }
  return out;
}

/** `k` names of `pool` not in `avoid`, drawn without replacement. */
function drawNames(pool: readonly string[], avoid: ReadonlySet<string>, k: number, rng: Rng): string[] {
  const out: string[] = [];
  const tried = new Set<number>();
  // Bounded tries: a pool almost entirely made of avoided words gives fewer names.
  for (let t = 0; out.length < k && t < 8 * k && tried.size < pool.length; t++) {
    const i = rng.int(pool.length);
    if (tried.has(i)) continue;
    tried.add(i);
    if (!avoid.has(pool[i]!)) out.push(pool[i]!);
  }
  return out;
}

/** Node types of a method text, parsed alone as the editor parses it. */
function typesOf(editor: SourceEditor, m: PreparedMethod, text: string): string {
  return nodeTypeSequence(parseTree(editor.backend, wrapMethod(m.view.language, text).text, m.view.language)).join(' ');
}

/** One greedy step: the best candidate rename of `local` given the renames kept so far. */
async function bestRename(editor: SourceEditor, m: PreparedMethod & { types: string }, sites: LocalSites, kept: ReadonlyMap<string, string>, local: string, names: readonly string[], target: number, evaluate: RenameEvaluator) {
  const edits: { name: string; edit: SourceEdit }[] = [];
  for (const name of names) {
    const r = applyPlan(editor, m, planRenameWith(m.view, sites, new Map([...kept, [local, name]])));
    if (r.ok && typesOf(editor, m, r.value.after) === m.types) edits.push({ name, edit: r.value });
  }
  if (edits.length === 0) return undefined;
  const s = await evaluate(edits.map((e) => e.edit.sample), target);
  // A flipping edit wins; among equals, the lowest p(ŷ).
  let best = 0;
  const flips = (k: number) => (s.top1[k] !== target ? 1 : 0);
  for (let k = 1; k < edits.length; k++) if (flips(k) > flips(best) || (flips(k) === flips(best) && s.p[k]! < s.p[best]!)) best = k;
  return { ...edits[best]!, p: s.p[best]!, flipped: flips(best) === 1 };
}

/**
 * Attacks one sample whose clean prediction is `target` with probability `pClean`. `unitText` is
 * the text the sample was extracted from; `rng` draws the candidate names.
 */
export async function renameAttack(
  editor: SourceEditor,
  original: ExtractedSample,
  unitText: string | undefined,
  clean: { target: number; p: number },
  pool: readonly string[],
  evaluate: RenameEvaluator,
  s: RenameAttackSettings,
  rng: Rng,
): Promise<RenameOutcome> {
  const none: RenameOutcome = { applicable: false, flipped: false, renames: 0, calls: 0 };
  if (unitText === undefined) return none;
  const words = wordsOf(unitText);
  const prepared = prepareMethod(editor, original, original.nameSubtokens.length === 0, unitText, words);
  if (!prepared.ok) return none;
  const sites = localSites(prepared.value.view);
  if ('skip' in sites) return none;
  const m = { ...prepared.value, types: typesOf(editor, prepared.value, prepared.value.before) };
  const kept = new Map<string, string>();
  const out: RenameOutcome = { applicable: true, flipped: false, renames: 0, calls: 0 };
  let p = clean.p;
  for (const local of sites.order) {
    if (out.renames >= s.budget) break;
    const avoid = new Set([...words, ...kept.values()]);
    const best = await bestRename(editor, m, sites, kept, local, drawNames(pool, avoid, s.candidates, rng), clean.target, evaluate);
    if (best === undefined) continue;
    out.calls++;
    if (!best.flipped && !(best.p < p)) continue;
    kept.set(local, best.name);
    p = best.p;
    out.renames++;
    out.edit = best.edit;
    if (best.flipped) {
      out.flipped = true;
      break;
    }
  }
  return out;
}
