/**
 * What the three renderers share: the text buffer that records on which line each method's name
 * lands (the method list is checked against the parsed trees by name and line), the shape of a
 * rendered file, the doc sentences, and the pools of local names that vary bodies.
 */
import type { LanguageId } from '../parse/sample';
import type { PlannedMethod } from './plan';
import type { SynthRng } from '../util/rng';
import { fieldOf, plural, type DomainDef, type Family, type MethodSpec } from './vocab';

/** One method of a generated file. */
export interface GeneratedMethod {
  /** Path of the file, relative to the corpus root, with forward slashes. */
  file: string;
  language: LanguageId;
  /** The declared name (the label a method-name model must predict). */
  name: string;
  family: Family;
  /** True when the body is equally consistent with another name (see `alternatives`). */
  ambiguous: boolean;
  /** For ambiguous methods: the two names the body fits; `name` is one of them. */
  alternatives?: [string, string];
  /** 0-based line of the name in the file (as tree-sitter's `startPosition.row` of the name node). */
  line: number;
}

/** A rendered source file with its methods. */
export interface RenderedFile {
  path: string;
  language: LanguageId;
  text: string;
  methods: GeneratedMethod[];
}

/**
 * A growing list of lines. `emit` appends a block indented to the current depth and records a
 * method whose name is on the block's `nameLine`.
 */
export class CodeBuffer {
  readonly lines: string[] = [];
  readonly methods: Omit<GeneratedMethod, 'file' | 'language'>[] = [];
  private depth = 0;

  constructor(private readonly unit: string) {}

  /** Appends lines (already indented relative to the current depth); empty strings stay empty. */
  add(...lines: string[]): void {
    const pad = this.unit.repeat(this.depth);
    for (const l of lines) this.lines.push(l === '' ? '' : pad + l);
  }

  indent(): void {
    this.depth++;
  }

  dedent(): void {
    this.depth--;
  }

  /** Appends a method's lines and records it; `nameLine` indexes into `lines`. */
  method(m: PlannedMethod, lines: string[], nameLine: number): void {
    const line = this.lines.length + nameLine;
    this.add(...lines);
    this.methods.push({
      name: m.name,
      family: m.spec.family,
      ambiguous: m.alternatives !== undefined,
      ...(m.alternatives ? { alternatives: [m.alternatives[0], m.alternatives[1]] as [string, string] } : {}),
      line,
    });
  }

  /** Removes trailing blank lines (so a file ends with exactly one newline). */
  trimEnd(): void {
    while (this.lines.length > 0 && this.lines[this.lines.length - 1] === '') this.lines.pop();
  }

  text(): string {
    this.trimEnd();
    return `${this.lines.join('\n')}\n`;
  }
}

/** Indents each line by `n` units of `unit` (template bodies are written relative to their method). */
export function indentLines(lines: readonly string[], unit: string, n = 1): string[] {
  const pad = unit.repeat(n);
  return lines.map((l) => (l === '' ? '' : pad + l));
}

function words(ws: readonly string[]): string {
  return ws.join(' ');
}

/** A one-sentence description of what a method does, for Javadoc, docstrings and `#` comments. */
export function docSentence(spec: MethodSpec, d: DomainDef): string {
  const field = spec.field ? words(fieldOf(d, spec.field).words) : '';
  const nouns = plural(d.noun);
  switch (spec.family) {
    case 'constructor':
      return `Creates ${d.describe}.`;
    case 'getter':
      return `Returns the ${field} of this ${d.noun}.`;
    case 'setter':
      return `Changes the ${field}.`;
    case 'predicate':
      if (spec.variant === 'can') return `Whether the ${d.permission} permission was granted.`;
      return spec.variant === 'has' ? `Whether a ${field} is set.` : `Whether this ${d.noun} is ${field}.`;
    case 'conversion':
      return spec.variant === 'json' ? 'The fields as a JSON object.' : 'The fields as a map, for serialization.';
    case 'equals':
      return `Two ${nouns} are equal when their keys are.`;
    case 'hash':
      return 'Consistent with equality.';
    case 'to-string':
      return 'A readable form for logs.';
    case 'format':
      return `The ${field}, formatted for display.`;
    case 'reset':
      return 'Puts counters and flags back to their initial values.';
    case 'sum':
      return `Adds up the ${field} of all ${nouns}.`;
    case 'count':
      return `How many ${nouns} are ${field}.`;
    case 'find':
      return `The ${d.noun} with the given ${field}, if there is one.`;
    case 'filter':
      return `Only the ${field} ${nouns}.`;
    case 'max':
      return `The largest ${field} among the ${nouns}.`;
    case 'validate':
      return `Rejects an invalid ${field}.`;
    case 'read':
      return `Reads the raw lines of a ${d.noun} file.`;
    case 'write':
      return `Writes every ${d.noun}, one per line.`;
    case 'load':
      return `Loads the ${nouns} from storage.`;
    case 'save':
      return `Saves the ${nouns} to storage.`;
    case 'open':
      return `Opens a ${d.noun} file for reading.`;
    case 'create':
      return `Creates a ${d.noun} and keeps track of it.`;
    case 'build':
      return `Builds a ${d.noun} from a map of fields.`;
    case 'parse':
      return spec.variant === 'record' ? `Parses a ${d.noun} from a comma-separated line.` : `Parses a ${field} from text.`;
    case 'clear':
      return `Forgets every ${d.noun}.`;
    case 'add':
      return `Adds a ${d.noun}.`;
    case 'remove':
      return `Removes a ${d.noun}.`;
    case 'log':
      return `Logs a message at ${spec.variant ?? 'info'} level.`;
  }
}

/** Local names that vary between bodies of the same family (same meaning, other tokens). */
export const POOLS = {
  /** Accumulators of sums. */
  sum: ['total', 'result', 'acc', 'running', 'subtotal'],
  /** Counters. */
  count: ['count', 'n', 'matches', 'result', 'counter'],
  /** Running maxima. */
  max: ['max', 'best', 'highest', 'largest', 'top'],
  /** Lists being built. */
  list: ['result', 'matches', 'selected', 'out', 'found'],
  /** Messages of log helpers. */
  message: ['message', 'msg', 'text', 'line'],
  /** A line of a file. */
  line: ['line', 'row', 'record', 'entry'],
} as const;

/**
 * A parameter named after a field (`email`, `rawEmail`, `emailValue`; for text to parse
 * `totalText`, `rawTotal`…), so that the field's words, which are in the method's name, are in
 * its body too.
 */
export function fieldParam(rng: SynthRng, words: readonly string[], join: (w: readonly string[]) => string, purpose: 'value' | 'text'): string {
  const options = purpose === 'value' ? [[...words], [...words], ['raw', ...words], [...words, 'value']] : [[...words, 'text'], ['raw', ...words], [...words, 'input'], [...words, 'str']];
  return join(rng.pick(options));
}

/** A loop variable for elements of a domain's collection. */
export function elementVar(rng: SynthRng, d: DomainDef, avoid: readonly string[] = []): string {
  const options = [d.noun, d.noun, d.noun[0]!, 'item', 'candidate', 'each', 'elem'].filter((v) => !avoid.includes(v));
  return rng.pick(options);
}

/** Upper bounds used in validations and formats: small numbers that vary otherwise equal bodies. */
export const LIMITS = [16, 32, 64, 100, 128, 200, 255, 256, 500, 1000, 1024, 4096, 10000] as const;
