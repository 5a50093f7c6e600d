/**
 * What the source noise kinds know about each grammar: which nodes are statements and where
 * they may be removed or inserted, which identifiers bind local variables and how far their scope
 * reaches, which identifier positions are names of something else (fields, methods, keyword
 * arguments), and the text of inserted statements. Node type names are those of the
 * tree-sitter grammars the parse backend loads.
 */
import type { LanguageId } from '../parse/sample';
import { ancestorOf, childByField, namedChildren, textOf, type SyntaxTree } from './syntax';

/** Per-language tables and statement templates. */
export interface NoiseGrammar {
  /** Declarations a sample can come from (constructors included: a dataset may have them). */
  readonly methods: ReadonlySet<string>;
  /** Nodes whose named children are a list of statements. */
  readonly statementLists: ReadonlySet<string>;
  /** Named children of a statement list that are not statements (comments, clauses, labels). */
  readonly nonStatements: ReadonlySet<string>;
  /** How a line comment starts (a statement followed only by one still owns its line). */
  readonly lineComment: string;
  /** One level of indentation when the code does not show its own. */
  readonly indentUnit: string;
  /** Statements that must stay first in the body (Java `super(…)`/`this(…)`). */
  readonly mustBeFirst: ReadonlySet<string>;
  /** The leak statement `x-leak-name` inserts, declaring `name`. */
  leak(name: string): string;
  /**
   * Dead statements `x-dead-code` may insert (declaring `name`, with number `n`), as lines with
   * relative indentation given by `unit`; one-line ones can also go inline.
   */
  deadCode(name: string, n: number, unit: string): string[][];
  /**
   * What separates an inserted statement from a neighbour on the same line: a space in Java (its
   * statements end with `;`), `; ` in Python and Ruby.
   */
  readonly inlineSeparator: string;
  /** Node type of the identifiers that can name a local variable. */
  readonly identifier: string;
  /** Nodes that open a scope for the locals bound directly inside them. */
  readonly scopes: ReadonlySet<string>;
  /**
   * Python: a binding makes the name local in its whole scope (before the binding too).
   * Java, Ruby: a local is visible from its declaration to the end of its scope.
   */
  readonly scopeIsWholeNode: boolean;
  /** Names never renamed (Python `self`, `cls`). */
  readonly reservedNames: ReadonlySet<string>;
  /** Default name of the dead-code variable (a suffix makes it unique). */
  readonly deadName: string;
}

/** Identifiers that bind a local variable, and names that must not be renamed, in a method. */
export interface Bindings {
  /** Binding identifier nodes. */
  binders: number[];
  /** Names that must keep their spelling (bound in a nested class body, keyword parameters…). */
  blocked: Set<string>;
}

const java: NoiseGrammar = {
  methods: new Set(['method_declaration', 'constructor_declaration', 'compact_constructor_declaration']),
  statementLists: new Set(['block', 'constructor_body', 'switch_block_statement_group']),
  nonStatements: new Set(['switch_label', 'line_comment', 'block_comment']),
  lineComment: '//',
  indentUnit: '    ',
  mustBeFirst: new Set(['explicit_constructor_invocation']),
  leak: (name) => `int ${name} = 0;`,
  deadCode: (name, n) => [[`int ${name} = ${n};`], [`if (false) { int ${name} = ${n}; }`], [`String ${name} = "${n}";`]],
  inlineSeparator: ' ',
  identifier: 'identifier',
  scopes: new Set([
    'block',
    'constructor_body',
    'switch_block',
    'switch_rule',
    'for_statement',
    'enhanced_for_statement',
    'catch_clause',
    'try_with_resources_statement',
    'lambda_expression',
    'method_declaration',
    'constructor_declaration',
    'compact_constructor_declaration',
  ]),
  scopeIsWholeNode: false,
  reservedNames: new Set(),
  deadName: 'unused',
};

const python: NoiseGrammar = {
  methods: new Set(['function_definition']),
  statementLists: new Set(['block']),
  nonStatements: new Set(['comment']),
  lineComment: '#',
  indentUnit: '    ',
  mustBeFirst: new Set(),
  leak: (name) => `${name} = None`,
  deadCode: (name, n, unit) => [[`${name} = ${n}`], ['if False:', `${unit}${name} = ${n}`]],
  inlineSeparator: '; ',
  identifier: 'identifier',
  scopes: new Set(['function_definition', 'lambda', 'list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression', 'class_definition']),
  scopeIsWholeNode: true,
  reservedNames: new Set(['self', 'cls']),
  deadName: '_unused',
};

const ruby: NoiseGrammar = {
  methods: new Set(['method', 'singleton_method']),
  statementLists: new Set(['body_statement', 'block_body', 'then', 'else', 'do', 'begin', 'ensure', 'parenthesized_statements']),
  nonStatements: new Set(['comment', 'rescue', 'else', 'ensure', 'empty_statement', 'heredoc_body']),
  lineComment: '#',
  indentUnit: '  ',
  mustBeFirst: new Set(),
  leak: (name) => `${name} = nil`,
  // A trailing `if false` makes the statement's value nil, so it can even be a body's only statement.
  deadCode: (name, n) => [[`${name} = ${n}`], [`${name} = ${n} if false`]],
  inlineSeparator: '; ',
  identifier: 'identifier',
  scopes: new Set(['method', 'singleton_method', 'block', 'do_block', 'lambda']),
  scopeIsWholeNode: false,
  reservedNames: new Set(),
  deadName: '_unused',
};

/** The grammars by language. */
export const NOISE_GRAMMARS = { java, python, ruby } as const satisfies Record<LanguageId, NoiseGrammar>;

/** Identifiers a Python or Ruby assignment target binds (`a`, `a, (b, c)`, `*rest`); none through attributes or subscripts. */
function targetIdentifiers(t: SyntaxTree, i: number, patterns: ReadonlySet<string>, out: number[]): void {
  const n = t.nodes[i]!;
  if (n.type === 'identifier') out.push(i);
  else if (patterns.has(n.type)) for (const c of namedChildren(t, i)) targetIdentifiers(t, c, patterns, out);
}

const PY_PATTERNS = new Set(['pattern_list', 'tuple_pattern', 'list_pattern', 'list_splat_pattern', 'tuple', 'list', 'parenthesized_expression', 'expression_list', 'list_splat', 'as_pattern_target']);
const RB_PATTERNS = new Set(['left_assignment_list', 'destructured_left_assignment', 'rest_assignment', 'destructured_parameter']);

function javaBindings(t: SyntaxTree, nodes: readonly number[]): Bindings {
  const binders: number[] = [];
  const blocked = new Set<string>();
  const byField = (i: number, f: string) => {
    const c = childByField(t, i, f);
    if (c >= 0 && t.nodes[c]!.type === 'identifier') binders.push(c);
  };
  for (const i of nodes) {
    const n = t.nodes[i]!;
    const parent = n.parent >= 0 ? t.nodes[n.parent]!.type : '';
    switch (n.type) {
      case 'variable_declarator':
        if (parent === 'local_variable_declaration' || parent === 'spread_parameter') byField(i, 'name');
        else if (parent === 'field_declaration' || parent === 'constant_declaration') {
          // A field of a local or anonymous class: `this.x` elsewhere would not follow a rename.
          const c = childByField(t, i, 'name');
          if (c >= 0) blocked.add(textOf(t, c));
        }
        break;
      case 'formal_parameter':
      case 'catch_formal_parameter':
      case 'enhanced_for_statement':
      case 'resource':
      case 'instanceof_expression':
        byField(i, 'name');
        break;
      case 'inferred_parameters':
        for (const c of namedChildren(t, i)) if (t.nodes[c]!.type === 'identifier') binders.push(c);
        break;
      case 'lambda_expression':
        byField(i, 'parameters');
        break;
      case 'type_pattern':
      case 'record_pattern_component': {
        const ids = namedChildren(t, i).filter((c) => t.nodes[c]!.type === 'identifier');
        if (ids.length > 0) binders.push(ids[ids.length - 1]!);
        break;
      }
    }
  }
  return { binders, blocked };
}

function pythonBindings(t: SyntaxTree, nodes: readonly number[]): Bindings {
  const found: number[] = [];
  const blocked = new Set<string>();
  const param = (c: number) => {
    const n = t.nodes[c]!;
    if (n.type === 'identifier') found.push(c);
    else if (n.type === 'default_parameter' || n.type === 'typed_default_parameter') {
      const name = childByField(t, c, 'name');
      if (name >= 0) found.push(name);
    } else if (n.type === 'typed_parameter' || n.type === 'list_splat_pattern' || n.type === 'dictionary_splat_pattern') {
      const first = namedChildren(t, c)[0];
      if (first !== undefined) param(first);
    }
  };
  for (const i of nodes) {
    const n = t.nodes[i]!;
    switch (n.type) {
      case 'parameters':
      case 'lambda_parameters':
        for (const c of namedChildren(t, i)) param(c);
        break;
      case 'assignment':
      case 'augmented_assignment':
      case 'for_statement':
      case 'for_in_clause': {
        const left = childByField(t, i, 'left');
        if (left >= 0) targetIdentifiers(t, left, PY_PATTERNS, found);
        break;
      }
      case 'as_pattern_target':
        targetIdentifiers(t, i, PY_PATTERNS, found);
        break;
      case 'named_expression': {
        const name = childByField(t, i, 'name');
        if (name >= 0) targetIdentifiers(t, name, PY_PATTERNS, found);
        break;
      }
      case 'global_statement':
      case 'nonlocal_statement':
        // The name belongs to an enclosing scope, possibly outside the method.
        for (const c of namedChildren(t, i)) blocked.add(textOf(t, c));
        break;
    }
  }
  const binders: number[] = [];
  for (const b of found) {
    // A name bound in a class body is an attribute (`Inner.x`); attribute positions are not renamed.
    const scope = ancestorOf(t, b, python.scopes);
    if (scope >= 0 && t.nodes[scope]!.type === 'class_definition') blocked.add(textOf(t, b));
    else binders.push(b);
  }
  return { binders, blocked };
}

function rubyBindings(t: SyntaxTree, nodes: readonly number[]): Bindings {
  const binders: number[] = [];
  const blocked = new Set<string>();
  const param = (c: number) => {
    const n = t.nodes[c]!;
    if (n.type === 'identifier') binders.push(c);
    else if (n.type === 'optional_parameter' || n.type === 'splat_parameter' || n.type === 'hash_splat_parameter' || n.type === 'block_parameter') {
      const name = childByField(t, c, 'name');
      if (name >= 0) binders.push(name);
    } else if (n.type === 'destructured_parameter') {
      for (const d of namedChildren(t, c)) param(d);
    } else if (n.type === 'keyword_parameter') {
      // The name is the keyword callers pass (`f(limit: 3)`): renaming it changes the interface.
      const name = childByField(t, c, 'name');
      if (name >= 0) blocked.add(textOf(t, name));
    }
  };
  for (const i of nodes) {
    const n = t.nodes[i]!;
    switch (n.type) {
      case 'method_parameters':
      case 'block_parameters':
      case 'lambda_parameters':
        for (const c of namedChildren(t, i)) param(c);
        break;
      case 'assignment':
      case 'operator_assignment': {
        const left = childByField(t, i, 'left');
        if (left >= 0) targetIdentifiers(t, left, RB_PATTERNS, binders);
        break;
      }
      case 'for': {
        const pattern = childByField(t, i, 'pattern');
        if (pattern >= 0) targetIdentifiers(t, pattern, RB_PATTERNS, binders);
        break;
      }
      case 'exception_variable':
        for (const c of namedChildren(t, i)) if (t.nodes[c]!.type === 'identifier') binders.push(c);
        break;
      case 'pair': {
        // Shorthand `f(x:)` passes the local x without naming it again.
        const key = childByField(t, i, 'key');
        if (key >= 0 && childByField(t, i, 'value') < 0) blocked.add(textOf(t, key));
        break;
      }
    }
  }
  return { binders, blocked };
}

/** The locals bound in a method (nodes = the method's subtree). */
export function bindingsOf(language: LanguageId, t: SyntaxTree, nodes: readonly number[]): Bindings {
  return language === 'java' ? javaBindings(t, nodes) : language === 'python' ? pythonBindings(t, nodes) : rubyBindings(t, nodes);
}

const JAVA_DECLARATIONS = new Set([
  'method_declaration',
  'constructor_declaration',
  'compact_constructor_declaration',
  'class_declaration',
  'interface_declaration',
  'enum_declaration',
  'record_declaration',
  'annotation_type_declaration',
  'enum_constant',
  'marker_annotation',
  'annotation',
]);
const JAVA_NOT_VARIABLES = new Set(['labeled_statement', 'break_statement', 'continue_statement', 'switch_label', 'scoped_identifier', 'record_pattern', 'element_value_pair']);
const PY_IMPORTS = new Set(['dotted_name', 'aliased_import', 'import_statement', 'import_from_statement', 'future_import_statement', 'global_statement', 'nonlocal_statement']);

/**
 * True when identifier node i may refer to a local variable: not a field, method, type, label or
 * keyword-argument name. Whether it does is decided by the scopes.
 */
export function isVariablePosition(language: LanguageId, t: SyntaxTree, i: number): boolean {
  const n = t.nodes[i]!;
  if (n.parent < 0) return false;
  const p = t.nodes[n.parent]!;
  const f = n.field;
  switch (language) {
    case 'java':
      if (p.type === 'field_access' && f === 'field') return false;
      if (p.type === 'method_invocation' && f === 'name') return false;
      if (JAVA_DECLARATIONS.has(p.type) && (f === 'name' || p.type === 'enum_constant')) return false;
      if (JAVA_NOT_VARIABLES.has(p.type)) return false;
      // `x::method`: only the part before `::` can be a variable.
      if (p.type === 'method_reference' && p.children[0] !== i) return false;
      return true;
    case 'python':
      if (p.type === 'attribute' && f === 'attribute') return false;
      if (p.type === 'keyword_argument' && f === 'name') return false;
      if ((p.type === 'function_definition' || p.type === 'class_definition') && f === 'name') return false;
      if (p.type === 'keyword_pattern' && p.children[0] === i) return false;
      return !PY_IMPORTS.has(p.type);
    case 'ruby':
      if (p.type === 'call' && f === 'method') return false;
      if ((p.type === 'method' || p.type === 'singleton_method') && f === 'name') return false;
      if (p.type === 'scope_resolution' && f === 'name') return false;
      if (p.type === 'keyword_parameter' && f === 'name') return false;
      return p.type !== 'alias' && p.type !== 'undef';
  }
}
