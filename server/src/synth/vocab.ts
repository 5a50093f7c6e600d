/**
 * The vocabulary of the generated code: business domains with their fields, the method families,
 * and the naming rules that turn a (family, domain, field) triple into a method name in each
 * language's convention. Names are built from words that also appear in the method's body (the
 * field it reads, the collection it loops over, the verb of the call it makes), which is what
 * makes them predictable from the body.
 */
import type { LanguageId } from '../parse/sample';

/** Type of a domain field; each language maps it to its own type names and literals. */
export type FieldKind = 'string' | 'int' | 'decimal' | 'bool';

/** A field of a domain entity, as words (`['display', 'name']` → `displayName` / `display_name`). */
export interface FieldDef {
  readonly words: readonly string[];
  readonly kind: FieldKind;
}

/** Which of a domain's four fields a method is about. */
export type FieldRole = 'key' | 'text' | 'measure' | 'flag';

/**
 * A business domain. Every domain has the same four field roles so that every family applies to
 * every domain: a string `key` that identifies an entity, a free `text`, a numeric `measure` and
 * a boolean `flag`.
 */
export interface DomainDef {
  /** The noun used in method names (`findUserByEmail`). */
  readonly noun: string;
  /** Words of the entity's class name when it differs from the noun (`FileEntry`). */
  readonly className: readonly string[];
  readonly key: FieldDef;
  readonly text: FieldDef;
  readonly measure: FieldDef;
  readonly flag: FieldDef;
  /** The permission of `canX` predicates (`canDelete`). */
  readonly permission: string;
  /** Noun phrase for doc comments. */
  readonly describe: string;
}

const s = (...words: string[]): FieldDef => ({ words, kind: 'string' });
const i = (...words: string[]): FieldDef => ({ words, kind: 'int' });
const f = (...words: string[]): FieldDef => ({ words, kind: 'decimal' });
const b = (...words: string[]): FieldDef => ({ words, kind: 'bool' });

/** The domains, in a fixed order: a corpus with `domains: n` uses the first n after a seeded shuffle. */
export const DOMAINS: readonly DomainDef[] = [
  { noun: 'user', className: ['user'], key: s('email'), text: s('display', 'name'), measure: i('login', 'count'), flag: b('active'), permission: 'delete', describe: 'a registered user' },
  { noun: 'order', className: ['order'], key: s('reference'), text: s('customer', 'name'), measure: f('total'), flag: b('paid'), permission: 'cancel', describe: 'an order placed in the shop' },
  { noun: 'invoice', className: ['invoice'], key: s('number'), text: s('billing', 'address'), measure: f('amount'), flag: b('overdue'), permission: 'approve', describe: 'an invoice sent to a client' },
  { noun: 'account', className: ['account'], key: s('iban'), text: s('owner'), measure: f('balance'), flag: b('locked'), permission: 'withdraw', describe: 'a bank account' },
  { noun: 'customer', className: ['customer'], key: s('phone'), text: s('full', 'name'), measure: f('credit', 'limit'), flag: b('premium'), permission: 'contact', describe: 'a customer of the company' },
  { noun: 'product', className: ['product'], key: s('sku'), text: s('title'), measure: f('price'), flag: b('available'), permission: 'publish', describe: 'a product of the catalog' },
  { noun: 'session', className: ['session'], key: s('token'), text: s('user', 'agent'), measure: i('timeout'), flag: b('expired'), permission: 'renew', describe: 'a login session' },
  { noun: 'file', className: ['file', 'entry'], key: s('path'), text: s('mime', 'type'), measure: i('size'), flag: b('hidden'), permission: 'share', describe: 'a stored file' },
  { noun: 'config', className: ['config', 'entry'], key: s('name'), text: s('value'), measure: i('priority'), flag: b('enabled'), permission: 'override', describe: 'a configuration entry' },
  { noun: 'payment', className: ['payment'], key: s('transaction', 'id'), text: s('currency'), measure: f('amount'), flag: b('refunded'), permission: 'refund', describe: 'a payment received' },
  { noun: 'ticket', className: ['ticket'], key: s('code'), text: s('title'), measure: i('priority'), flag: b('resolved'), permission: 'assign', describe: 'a support ticket' },
  { noun: 'employee', className: ['employee'], key: s('login'), text: s('department'), measure: f('salary'), flag: b('remote'), permission: 'promote', describe: 'an employee' },
];

/** Method families: what a method does, which determines the verb of its name. */
export const FAMILIES = [
  'constructor',
  'getter',
  'setter',
  'predicate',
  'conversion',
  'equals',
  'hash',
  'to-string',
  'format',
  'reset',
  'sum',
  'count',
  'find',
  'filter',
  'max',
  'validate',
  'read',
  'write',
  'load',
  'save',
  'open',
  'create',
  'build',
  'parse',
  'clear',
  'add',
  'remove',
  'log',
] as const;
export type Family = (typeof FAMILIES)[number];

/** Variants that change a family's name: `isActive` / `hasTitle` / `canDelete`, `toMap` / `toJson`… */
export type SpecVariant = 'is' | 'has' | 'can' | 'map' | 'json' | 'record' | 'error' | 'warning' | 'info';

/**
 * Pairs of names that one body is equally consistent with. A method generated from a pair gets
 * the pair's neutral body and one of the two names at random; it is listed as ambiguous. Both
 * names of every pair are also names of unambiguous methods, so ambiguity adds no rare labels.
 */
export type AmbiguityPair = 'text-get-string' | 'measure-get-format' | 'read-load' | 'write-save' | 'create-build' | 'clear-reset';

/** What to generate for one method: the name follows from it (see `methodName`). */
export interface MethodSpec {
  readonly family: Family;
  readonly field?: FieldRole;
  readonly variant?: SpecVariant;
  /** Set on ambiguous methods: render the pair's neutral body under this spec's name. */
  readonly pair?: AmbiguityPair;
}

/** Whether a file holds an entity class (`model`) or the code that manages a collection of them (`service`). */
export type FileRole = 'model' | 'service';

/** The methods a model file draws from, per domain (constructors are added by the file form). */
export const MODEL_SPECS: readonly MethodSpec[] = [
  { family: 'getter', field: 'key' },
  { family: 'getter', field: 'text' },
  { family: 'getter', field: 'measure' },
  { family: 'setter', field: 'text' },
  { family: 'setter', field: 'measure' },
  { family: 'setter', field: 'flag' },
  { family: 'predicate', field: 'flag', variant: 'is' },
  { family: 'predicate', field: 'text', variant: 'has' },
  { family: 'predicate', variant: 'can' },
  { family: 'conversion', variant: 'map' },
  { family: 'conversion', variant: 'json' },
  { family: 'equals' },
  { family: 'hash' },
  { family: 'to-string' },
  { family: 'format', field: 'measure' },
  { family: 'reset' },
];

/** The methods a service file draws from, per domain. */
export const SERVICE_SPECS: readonly MethodSpec[] = [
  { family: 'sum', field: 'measure' },
  { family: 'count', field: 'flag' },
  { family: 'find', field: 'key' },
  { family: 'filter', field: 'flag' },
  { family: 'max', field: 'measure' },
  { family: 'validate', field: 'key' },
  { family: 'validate', field: 'measure' },
  { family: 'read' },
  { family: 'write' },
  { family: 'load' },
  { family: 'save' },
  { family: 'open' },
  { family: 'create' },
  { family: 'build' },
  { family: 'parse', variant: 'record' },
  { family: 'parse', field: 'measure' },
  { family: 'clear' },
  { family: 'add' },
  { family: 'remove' },
  // The level (error, warning, info) is drawn when the card is dealt: log helpers have the same
  // names in every domain, so three cards would make them the most repeated methods of all.
  { family: 'log' },
];

/** The two specs of each ambiguity pair, and which file role it fits. */
export const PAIRS: Readonly<Record<AmbiguityPair, { role: FileRole; members: readonly [MethodSpec, MethodSpec] }>> = {
  'text-get-string': { role: 'model', members: [{ family: 'getter', field: 'text' }, { family: 'to-string' }] },
  'measure-get-format': { role: 'model', members: [{ family: 'getter', field: 'measure' }, { family: 'format', field: 'measure' }] },
  'read-load': { role: 'service', members: [{ family: 'read' }, { family: 'load' }] },
  'write-save': { role: 'service', members: [{ family: 'write' }, { family: 'save' }] },
  'create-build': { role: 'service', members: [{ family: 'create' }, { family: 'build' }] },
  'clear-reset': { role: 'service', members: [{ family: 'clear' }, { family: 'reset' }] },
};

// ---- words ----

function cap(w: string): string {
  return w.length === 0 ? w : w[0]!.toUpperCase() + w.slice(1);
}

/** `['display', 'name']` → `displayName`. */
export function camel(words: readonly string[]): string {
  return words.map((w, k) => (k === 0 ? w : cap(w))).join('');
}

/** `['display', 'name']` → `DisplayName`. */
export function pascal(words: readonly string[]): string {
  return words.map(cap).join('');
}

/** `['display', 'name']` → `display_name`. */
export function snake(words: readonly string[]): string {
  return words.join('_');
}

/** `['max', 'size']` → `MAX_SIZE`. */
export function upperSnake(words: readonly string[]): string {
  return words.join('_').toUpperCase();
}

/** English plural of one lower-case word (enough for the vocabulary above). */
export function plural(word: string): string {
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

/** Pluralizes the last word. */
export function pluralWords(words: readonly string[]): string[] {
  return [...words.slice(0, -1), plural(words[words.length - 1]!)];
}

/** The words of a field role of a domain. */
export function fieldOf(d: DomainDef, role: FieldRole): FieldDef {
  return d[role];
}

/** Per-file naming choices that change names (Python properties instead of `get_x`). */
export interface NameStyle {
  /** Python only: getters and setters are `@property` / `@x.setter` named after the field. */
  readonly pyProperties?: boolean;
}

/**
 * The words of a method's name, before the language's casing. Null for names that are not
 * words (`equals`, `__eq__`, `==` and the like are decided in `methodName`).
 */
function nameWords(spec: MethodSpec, d: DomainDef): string[] {
  const field = spec.field ? fieldOf(d, spec.field).words : [];
  const noun = d.noun;
  const nouns = plural(noun);
  switch (spec.family) {
    case 'getter':
      return ['get', ...field];
    case 'setter':
      return ['set', ...field];
    case 'predicate':
      if (spec.variant === 'can') return ['can', d.permission];
      return [spec.variant === 'has' ? 'has' : 'is', ...field];
    case 'format':
      return ['format', ...field];
    case 'sum':
      return ['sum', noun, ...pluralWords(field)];
    case 'count':
      return ['count', ...field, nouns];
    case 'find':
      return ['find', noun, 'by', ...field];
    case 'filter':
      return ['filter', ...field, nouns];
    case 'max':
      return ['max', noun, ...field];
    case 'validate':
      return ['validate', ...field];
    case 'read':
    case 'write':
    case 'load':
    case 'save':
    case 'clear':
      return [spec.family, nouns];
    case 'open':
      return ['open', noun];
    case 'create':
    case 'build':
    case 'add':
    case 'remove':
      return [spec.family, noun];
    case 'parse':
      return spec.variant === 'record' ? ['parse', noun] : ['parse', ...field];
    case 'log':
      return ['log', spec.variant ?? 'info'];
    case 'reset':
      return ['reset'];
    case 'conversion':
      return ['to', spec.variant === 'json' ? 'json' : 'map'];
    case 'constructor':
    case 'equals':
    case 'hash':
    case 'to-string':
      return [];
  }
}

/** The method name of a spec in a language's convention. */
export function methodName(language: LanguageId, spec: MethodSpec, d: DomainDef, style: NameStyle = {}): string {
  const field = spec.field ? fieldOf(d, spec.field).words : [];
  const words = nameWords(spec, d);
  switch (language) {
    case 'java':
      switch (spec.family) {
        case 'constructor':
          return pascal(d.className);
        case 'equals':
          return 'equals';
        case 'hash':
          return 'hashCode';
        case 'to-string':
          return 'toString';
        case 'open':
          return camel([...words, 'reader']);
        default:
          return camel(words);
      }
    case 'python':
      switch (spec.family) {
        case 'constructor':
          return '__init__';
        case 'equals':
          return '__eq__';
        case 'hash':
          return '__hash__';
        case 'to-string':
          return '__repr__';
        case 'getter':
        case 'setter':
          return style.pyProperties ? snake(field) : snake(words);
        case 'conversion':
          return spec.variant === 'json' ? 'to_json' : 'to_dict';
        case 'open':
          return snake([...words, 'file']);
        default:
          return snake(words);
      }
    case 'ruby':
      switch (spec.family) {
        case 'constructor':
          return 'initialize';
        case 'equals':
          return '==';
        case 'hash':
          return 'hash';
        case 'to-string':
          return 'to_s';
        case 'getter':
          return snake(field);
        case 'setter':
          return `${snake(field)}=`;
        case 'predicate':
          return spec.variant === 'is' ? `${snake(field)}?` : `${snake(words)}?`;
        case 'conversion':
          return spec.variant === 'json' ? 'to_json' : 'to_h';
        case 'validate':
        case 'reset':
          return `${snake(words)}!`;
        case 'open':
          return snake([...words, 'file']);
        default:
          return snake(words);
      }
  }
}
