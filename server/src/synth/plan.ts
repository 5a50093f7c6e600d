/**
 * Planning: which files each language gets, which domain and role each file has, and which
 * methods (with their final names) each file holds. Rendering (`java.ts`, `python.ts`,
 * `ruby.ts`) then only turns a plan into text.
 *
 * Methods are dealt from shuffled decks, one deck per (domain, role), refilled when empty. So
 * every name of the vocabulary comes up about equally often, and a label repeats about
 * `methods / labels` times across many files with different bodies, which a learning test
 * needs; drawing independently would leave some labels seen once.
 */
import type { LanguageId } from '../parse/sample';
import type { SynthRng } from '../util/rng';
import {
  MODEL_SPECS,
  PAIRS,
  SERVICE_SPECS,
  methodName,
  type AmbiguityPair,
  type DomainDef,
  type FileRole,
  type MethodSpec,
} from './vocab';

/** How a file is laid out; each language has its own forms. */
export type FileForm =
  /** Java / Python / Ruby: one class. */
  | 'class'
  /** Java: a service class implementing a companion interface (emitted as a second file). */
  | 'interface'
  /** Java: an abstract service class with one abstract hook. */
  | 'abstract'
  /** Python: a `@dataclass` entity (no `__init__`). */
  | 'dataclass'
  /** Python: module-level functions. */
  | 'functions'
  /** Ruby: a module of `def self.x` methods. */
  | 'module';

/** One method of a file plan, with its final name. */
export interface PlannedMethod {
  readonly spec: MethodSpec;
  readonly name: string;
  /** Python: rendered as `@property` (getter) or `@x.setter` (setter). */
  readonly property: boolean;
  /** For ambiguous methods: the two names the body is consistent with (one of them is `name`). */
  readonly alternatives?: readonly [string, string];
}

/** Everything a renderer needs to write one source file (two for Java's `interface` form). */
export interface FilePlan {
  readonly language: LanguageId;
  readonly domain: DomainDef;
  readonly role: FileRole;
  readonly form: FileForm;
  /** Python: the file's entity uses properties over `_x` attributes instead of plain attributes. */
  readonly pyProperties: boolean;
  methods: PlannedMethod[];
}

/** Options of the planner, resolved by `generateCorpus`. */
export interface PlanOptions {
  readonly methods: number;
  readonly domains: readonly DomainDef[];
  readonly methodsPerFile: readonly [number, number];
  readonly ambiguity: number;
}

/**
 * A deck of cards dealt in shuffled rounds. `take` returns the first card of the current round
 * that `accept`s, so a card refused for one file stays available for the next ones.
 */
class Deck<T> {
  private cards: T[] = [];
  constructor(
    private readonly items: readonly T[],
    private readonly rng: SynthRng,
  ) {}

  take(accept: (card: T) => boolean = () => true): T | undefined {
    for (let round = 0; round < 2; round++) {
      const j = this.cards.findIndex(accept);
      if (j >= 0) return this.cards.splice(j, 1)[0];
      this.cards.push(...this.rng.shuffle([...this.items]));
    }
    return undefined;
  }
}

const CONSTRUCTOR: MethodSpec = { family: 'constructor' };

function specKey(s: MethodSpec): string {
  return `${s.family}/${s.field ?? ''}/${s.variant ?? ''}`;
}

/** Rank of a family in a model class, where members are ordered as people usually order them. */
function modelRank(m: MethodSpec): number {
  const fieldRank = { key: 0, text: 1, measure: 2, flag: 3 } as const;
  switch (m.family) {
    case 'constructor':
      return 0;
    case 'getter':
    case 'setter':
      return 10 + fieldRank[m.field ?? 'key'] * 2 + (m.family === 'setter' ? 1 : 0);
    case 'predicate':
      return 20;
    case 'format':
      return 30;
    case 'conversion':
      return 40;
    case 'reset':
      return 50;
    case 'equals':
      return 60;
    case 'hash':
      return 61;
    default:
      return 70;
  }
}

function chooseForm(language: LanguageId, role: FileRole, pyProperties: boolean, rng: SynthRng): { form: FileForm; pyProperties: boolean } {
  switch (language) {
    case 'java':
      if (role === 'model') return { form: 'class', pyProperties: false };
      return { form: rng.chance(0.25) ? 'interface' : rng.chance(0.15) ? 'abstract' : 'class', pyProperties: false };
    case 'python':
      if (role === 'model') {
        if (pyProperties) return { form: 'class', pyProperties };
        return { form: rng.chance(0.3) ? 'dataclass' : 'class', pyProperties };
      }
      return { form: rng.chance(0.4) ? 'functions' : 'class', pyProperties: false };
    case 'ruby':
      if (role === 'model') return { form: 'class', pyProperties: false };
      return { form: rng.chance(0.35) ? 'module' : 'class', pyProperties: false };
  }
}

function hasConstructor(language: LanguageId, form: FileForm): boolean {
  // Java constructors are not samples (the extractor skips them by default), so they are
  // written but never planned; Python dataclasses and modules of functions have none.
  return language !== 'java' && form === 'class';
}

/** Names the methods of a file once its specs are chosen. */
function nameMethods(language: LanguageId, d: DomainDef, pyProperties: boolean, specs: MethodSpec[]): PlannedMethod[] {
  const gettersWithProperty = new Set(specs.filter((s) => s.family === 'getter').map((s) => s.field));
  return specs.map((spec) => {
    // A property setter needs the property getter of the same field in the class.
    const property =
      language === 'python' && pyProperties && (spec.family === 'getter' || (spec.family === 'setter' && gettersWithProperty.has(spec.field)));
    return { spec, property, name: methodName(language, spec, d, { pyProperties: property }) };
  });
}

/** Plans the files of one language. */
export function planLanguage(language: LanguageId, o: PlanOptions, rng: SynthRng): FilePlan[] {
  const domainDeck = new Deck(o.domains, rng);
  const roleDecks = new Map<DomainDef, Deck<FileRole>>();
  const specDecks = new Map<string, Deck<MethodSpec>>();
  // Python entities of one domain all use properties or all use get_x / set_x: mixing both would
  // split each accessor name in two and halve how often each is seen.
  const pyPropertiesByDomain = new Map<DomainDef, boolean>();
  const files: FilePlan[] = [];
  let remaining = o.methods;
  while (remaining > 0) {
    const d = domainDeck.take()!;
    let roles = roleDecks.get(d);
    // Two entity files for three service files: accessors are the most repetitive methods, as
    // in real code, and the dataset's deduplication drops exact repeats.
    if (!roles) roleDecks.set(d, (roles = new Deck<FileRole>(['model', 'model', 'service', 'service', 'service'], rng)));
    const role = roles.take()!;
    const deckKey = `${d.noun}/${role}`;
    let deck = specDecks.get(deckKey);
    if (!deck) specDecks.set(deckKey, (deck = new Deck(role === 'model' ? MODEL_SPECS : SERVICE_SPECS, rng)));
    let props = pyPropertiesByDomain.get(d);
    if (props === undefined) pyPropertiesByDomain.set(d, (props = rng.chance(0.5)));
    const { form, pyProperties } = chooseForm(language, role, props, rng);
    const k = Math.min(rng.range(o.methodsPerFile[0], o.methodsPerFile[1]), remaining);
    const specs: MethodSpec[] = hasConstructor(language, form) ? [CONSTRUCTOR] : [];
    const taken = new Set<string>();
    while (specs.length < k) {
      const card = deck.take((s) => !taken.has(specKey(s)));
      if (!card) break;
      taken.add(specKey(card));
      specs.push(card.family === 'log' ? { ...card, variant: rng.pick(['error', 'warning', 'info'] as const) } : card);
    }
    if (role === 'model') specs.sort((a, b) => modelRank(a) - modelRank(b));
    else {
      const rest = rng.shuffle(specs.filter((s) => s.family !== 'constructor'));
      specs.splice(0, specs.length, ...specs.filter((s) => s.family === 'constructor'), ...rest);
    }
    files.push({ language, domain: d, role, form, pyProperties, methods: nameMethods(language, d, pyProperties, specs) });
    remaining -= specs.length;
  }
  makeAmbiguous(files, Math.round(o.ambiguity * o.methods), rng);
  return files;
}

/**
 * Turns `target` methods into ambiguous ones: each gets the neutral body of a pair that fits its
 * file's role and one of the pair's two names, keeping names unique in the file. Constructors and
 * Python property getters (a property setter may depend on them) are never picked.
 */
function makeAmbiguous(files: FilePlan[], target: number, rng: SynthRng): void {
  const slots: [number, number][] = [];
  files.forEach((f, fi) =>
    f.methods.forEach((m, mi) => {
      if (m.spec.family !== 'constructor' && !(m.property && m.spec.family === 'getter')) slots.push([fi, mi]);
    }),
  );
  rng.shuffle(slots);
  const pairsByRole: Record<FileRole, AmbiguityPair[]> = { model: [], service: [] };
  for (const [p, def] of Object.entries(PAIRS) as [AmbiguityPair, (typeof PAIRS)[AmbiguityPair]][]) pairsByRole[def.role].push(p);
  let made = 0;
  for (const [fi, mi] of slots) {
    if (made >= target) break;
    const file = files[fi]!;
    const used = new Set(file.methods.filter((_, k) => k !== mi).map((m) => m.name));
    for (const pair of rng.shuffle([...pairsByRole[file.role]])) {
      const members = PAIRS[pair].members;
      // In a Python domain with properties, a getter is a property there too.
      const property = members.map((s) => file.pyProperties && s.family === 'getter');
      const names = members.map((s, k) => methodName(file.language, s, file.domain, { pyProperties: property[k]! })) as [string, string];
      const first = rng.int(2);
      const choice = [first, 1 - first].find((k) => !used.has(names[k]!));
      if (choice === undefined) continue;
      file.methods[mi] = { spec: { ...members[choice]!, pair }, name: names[choice]!, property: property[choice]!, alternatives: names };
      made++;
      break;
    }
  }
}

