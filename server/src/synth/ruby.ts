/**
 * Ruby rendering: an entity class per model file (`attr_reader` / `attr_accessor` for fields
 * without explicit accessors, `x?` predicates, `x=` setters, `==`, `hash`, `to_s`, `reset!`), and
 * per service file a repository class over `@items` or a module of `def self.x` functions. Bodies
 * lean on blocks and Enumerable (`sum(&:total)`, `select { |u| … }`, `File.open(…) do |f|`).
 */
import type { FilePlan, PlannedMethod } from './plan';
import type { Project, ProjectAllocator } from './projects';
import type { SynthRng } from '../util/rng';
import { CodeBuffer, LIMITS, POOLS, docSentence, elementVar, fieldParam, indentLines, type RenderedFile } from './render';
import { fieldOf, pascal, plural, pluralWords, snake, type DomainDef, type FieldKind, type FieldRole } from './vocab';

const UNIT = '  ';

interface RField {
  readonly name: string;
  readonly kind: FieldKind;
  readonly zero: string;
  /** How other objects read it: `total`, or `active?` for flags. */
  readonly reader: string;
}

function rfield(d: DomainDef, role: FieldRole): RField {
  const f = fieldOf(d, role);
  const name = snake(f.words);
  return { name, kind: f.kind, zero: { string: "''", int: '0', decimal: '0.0', bool: 'false' }[f.kind], reader: f.kind === 'bool' ? `${name}?` : name };
}

/** A method before it is laid out. */
interface RMethod {
  params: string[];
  body: string[];
  /** Rendered after a `private` line (class form only). */
  private?: boolean;
}

interface Ctx {
  readonly rng: SynthRng;
  readonly d: DomainDef;
  readonly entity: string;
  readonly requires: Set<string>;
  readonly uses: Set<'logger' | 'permissions'>;
  readonly key: RField;
  readonly text: RField;
  readonly measure: RField;
  readonly flag: RField;
  /** Service: `@users` (class) or `users` (module functions). */
  readonly coll: string;
  readonly isClass: boolean;
}

function sq(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

// ---- model ----

function modelMethod(pm: PlannedMethod, c: Ctx): RMethod {
  const { rng, entity } = c;
  const spec = pm.spec;
  if (spec.pair === 'text-get-string') return { params: [], body: [`@${c.text.name}`] };
  if (spec.pair === 'measure-get-format') return { params: [], body: [`@${c.measure.name}.to_s`] };
  const f = spec.field ? rfield(c.d, spec.field) : c.key;
  const iv = `@${f.name}`;
  switch (spec.family) {
    case 'constructor': {
      const defaults = rng.chance(0.5);
      const params = [c.key.name, c.text.name, ...(defaults ? [`${c.measure.name} = ${c.measure.zero}`, `${c.flag.name} = false`] : [])];
      const body = [`@${c.key.name} = ${c.key.name}`, `@${c.text.name} = ${c.text.name}`, `@${c.measure.name} = ${defaults ? c.measure.name : c.measure.zero}`, `@${c.flag.name} = ${defaults ? c.flag.name : 'false'}`];
      if (c.uses.has('permissions')) body.push('@permissions = Set.new');
      return { params, body };
    }
    case 'getter':
      if (f.kind === 'string') return { params: [], body: [rng.pick([iv, iv, `${iv}.to_s`, `return ${iv}`, `${iv}.dup`, `${iv} || ''`])] };
      return { params: [], body: [rng.pick([iv, iv, `return ${iv}`, f.kind === 'decimal' ? `${iv}.round(2)` : `${iv}.to_i`, f.kind === 'decimal' ? `${iv}.to_f` : `[${iv}, 0].max`])] };
    case 'setter': {
      const p = rng.pick(['value', f.name, `new_${f.name}`]);
      if (f.kind === 'string' && rng.chance(0.4)) return { params: [p], body: [`${iv} = ${p}.to_s.strip`] };
      if ((f.kind === 'int' || f.kind === 'decimal') && rng.chance(0.5)) return { params: [p], body: [`raise ArgumentError, ${sq(`${f.name} must not be negative`)} if ${p}.negative?`, '', `${iv} = ${p}`] };
      if (f.kind !== 'string' && rng.chance(0.4)) return { params: [p], body: [`${iv} = ${f.kind === 'bool' ? `${p} ? true : false` : f.kind === 'int' ? `Integer(${p})` : `Float(${p})`}`] };
      return { params: [p], body: [`${iv} = ${p}`] };
    }
    case 'predicate':
      if (spec.variant === 'can') {
        c.uses.add('permissions');
        return { params: [], body: [rng.pick([`@permissions.include?(:${c.d.permission})`, `@permissions.any? { |permission| permission == :${c.d.permission} }`, `@permissions.member?(:${c.d.permission})`])] };
      }
      if (spec.variant === 'has') return { params: [], body: [rng.pick([`!${iv}.nil? && !${iv}.empty?`, `!(${iv}.nil? || ${iv}.strip.empty?)`, `${iv}.to_s.length.positive?`])] };
      return { params: [], body: [rng.pick([iv, `${iv} == true`, `!!${iv}`, `${iv} && !@${c.key.name}.nil?`, `${iv} ? true : false`])] };
    case 'conversion': {
      const fields = rng.shuffle([c.key, c.text, c.measure, c.flag]).slice(0, rng.range(2, 4));
      if (spec.variant === 'map') {
        if (rng.chance(0.5)) return { params: [], body: [`{ ${fields.map((x) => `${x.name}: @${x.name}`).join(', ')} }`] };
        return { params: [], body: ['{', ...fields.map((x, k) => `${UNIT}${x.name}: @${x.name}${k < fields.length - 1 ? ',' : ''}`), '}'] };
      }
      c.requires.add('json');
      if (rng.chance(0.5)) return { params: ['*args'], body: [`{ ${fields.map((x) => `${sq(x.name)} => @${x.name}`).join(', ')} }.to_json(*args)`] };
      return { params: ['*_args'], body: [`JSON.generate(${fields.map((x) => `${x.name}: @${x.name}`).join(', ')})`] };
    }
    case 'equals': {
      const o = rng.pick(['other', 'obj']);
      const cmp = [`${c.key.name} == ${o}.${c.key.name}`, ...(rng.chance(0.4) ? [`${c.measure.name} == ${o}.${c.measure.name}`] : [])].join(' && ');
      return { params: [o], body: [rng.chance(0.5) ? `${o}.is_a?(${entity}) && ${cmp}` : `${o}.class == self.class && ${cmp}`] };
    }
    case 'hash':
    {
      const fields = [c.key, ...rng.shuffle([c.text, c.measure, c.flag]).slice(0, rng.int(3))].map((x) => `@${x.name}`);
      return { params: [], body: [rng.pick([`[${fields.join(', ')}].hash`, `[self.class, ${fields.join(', ')}].hash`, fields.length === 1 ? `${fields[0]}.hash` : `[${fields.join(', ')}].hash`])] };
    }
    case 'to-string': {
      const extra = rng.chance(0.5) ? [rng.pick([c.text, c.measure, c.flag])] : [];
      const v = rng.int(3);
      if (v === 0) return { params: [], body: [`"#<${entity} ${[c.key, ...extra].map((x) => `${x.name}=#{@${x.name}}`).join(' ')}>"`] };
      if (v === 1) return { params: [], body: [`"${entity}(${[c.key, ...extra].map((x) => `#{@${x.name}}`).join(', ')})"`] };
      return { params: [], body: [`format(${sq(`${entity}(${[c.key, ...extra].map(() => '%s').join(', ')})`)}, ${[c.key, ...extra].map((x) => `@${x.name}`).join(', ')})`] };
    }
    case 'format':
      if (f.kind === 'decimal') {
        const digits = rng.range(1, 3);
        return { params: [], body: [rng.pick([`format('%.${digits}f', ${iv})`, `'%.${digits}f' % ${iv}`, `format('%<value>.${digits}f', value: ${iv})`, `format('%${rng.range(8, 12)}.2f', ${iv})`])] };
      }
      return { params: [], body: [rng.pick([`format('%d', ${iv})`, `${iv}.to_s.reverse.scan(/\\d{1,3}/).join(',').reverse`, `'%d' % ${iv}`, `format('%0${rng.range(3, 8)}d', ${iv})`])] };
    case 'reset': {
      const fields = rng.shuffle([c.text, c.measure, c.flag]).slice(0, rng.range(2, 3));
      const body = fields.map((x) => `@${x.name} = ${x.kind === 'string' ? rng.pick(["''", 'nil']) : x.zero}`);
      if (c.uses.has('permissions') && rng.chance(0.5)) body.push('@permissions.clear');
      if (rng.chance(0.5)) body.push('self');
      return { params: [], body };
    }
    default:
      throw new Error(`family ${spec.family} is not a model family`);
  }
}

// ---- service ----

function serviceMethod(pm: PlannedMethod, c: Ctx): RMethod {
  const { rng, d, entity, coll } = c;
  const spec = pm.spec;
  const listParam = c.isClass ? [] : [coll];
  const e = elementVar(rng, d, [coll]);
  const fileVar = snake([d.noun, rng.pick(['file', 'file', 'path', 'source'])]);
  const storage = c.isClass ? '@storage_path' : 'storage_path';
  const storageParam = c.isClass ? [] : ['storage_path'];
  const keyParam = () => rng.pick([c.key.name, c.key.name, 'target', 'wanted']);
  switch (spec.pair) {
    case 'read-load':
      return { params: [fileVar], body: [rng.pick([`File.read(${fileVar})`, `File.read(${fileVar}, encoding: 'UTF-8')`])] };
    case 'write-save':
      return { params: [fileVar, 'content'], body: [`File.write(${fileVar}, content)`] };
    case 'create-build':
      return { params: [c.key.name, c.text.name], body: [`${entity}.new(${c.key.name}, ${c.text.name})`] };
    case 'clear-reset':
      return { params: listParam, body: [`${coll}.clear`] };
    default:
  }
  const f = spec.field ? rfield(d, spec.field) : c.key;
  const get = (x: RField) => `${e}.${x.reader}`;
  switch (spec.family) {
    case 'sum': {
      const acc = rng.pick(POOLS.sum);
      const v = rng.int(4);
      if (v === 0) return { params: listParam, body: [`${coll}.sum(&:${f.name})`] };
      if (v === 1) return { params: listParam, body: [`${coll}.sum { |${e}| ${get(f)} }`] };
      if (v === 2) return { params: listParam, body: [`${coll}.inject(${f.zero}) { |${acc}, ${e}| ${acc} + ${get(f)} }`] };
      return { params: listParam, body: [`${acc} = ${f.zero}`, `${coll}.each do |${e}|`, `${UNIT}${acc} += ${get(f)}`, 'end', acc] };
    }
    case 'count': {
      const v = rng.int(3);
      if (v === 0) return { params: listParam, body: [`${coll}.count(&:${f.reader})`] };
      if (v === 1) return { params: listParam, body: [`${coll}.count { |${e}| ${get(f)} }`] };
      return { params: listParam, body: [`${coll}.select(&:${f.reader}).size`] };
    }
    case 'find': {
      const p = keyParam();
      const v = rng.int(3);
      if (v === 0) return { params: [...listParam, p], body: [`${coll}.find { |${e}| ${get(f)} == ${p} }`] };
      if (v === 1) return { params: [...listParam, p], body: [`${coll}.detect { |${e}| ${get(f)} == ${p} }`] };
      return { params: [...listParam, p], body: [`${coll}.each do |${e}|`, `${UNIT}return ${e} if ${get(f)} == ${p}`, 'end', 'nil'] };
    }
    case 'filter': {
      const v = rng.int(4);
      if (v === 0) return { params: listParam, body: [`${coll}.select(&:${f.reader})`] };
      if (v === 1) return { params: listParam, body: [`${coll}.select { |${e}| ${get(f)} }`] };
      if (v === 2) return { params: listParam, body: [`${coll}.filter { |${e}| ${get(f)} }`] };
      return { params: listParam, body: [`${coll}.reject { |${e}| !${get(f)} }`] };
    }
    case 'max': {
      const mx = rng.pick(POOLS.max);
      const v = rng.int(3);
      if (v === 0) return { params: listParam, body: [`${coll}.map(&:${f.name}).max || ${f.zero}`] };
      if (v === 1) return { params: listParam, body: [`${coll}.max_by(&:${f.name})&.${f.name} || ${f.zero}`] };
      return { params: listParam, body: [`${mx} = ${f.zero}`, `${coll}.each do |${e}|`, `${UNIT}${mx} = ${get(f)} if ${get(f)} > ${mx}`, 'end', mx] };
    }
    case 'validate': {
      const p = fieldParam(rng, fieldOf(d, spec.field!).words, snake, 'value');
      const limit = rng.pick(LIMITS);
      const body: string[] = [];
      if (f.kind === 'string') {
        body.push(rng.chance(0.5) ? `raise ArgumentError, ${sq(`${f.name} must not be empty`)} if ${p}.nil? || ${p}.empty?` : `raise ArgumentError, ${sq(`${f.name} is required`)} if ${p}.to_s.strip.empty?`);
        if (rng.chance(0.6)) body.push(`raise ArgumentError, "${f.name} is too long: #{${p}.length}" if ${p}.length > ${limit}`);
      } else {
        body.push(rng.chance(0.5) ? `raise ArgumentError, "${f.name} must not be negative: #{${p}}" if ${p}.negative?` : `raise ArgumentError, "${f.name} must not be negative: #{${p}}" if ${p} < 0`);
        if (rng.chance(0.6)) body.push(`raise ArgumentError, "${f.name} exceeds ${limit}: #{${p}}" if ${p} > ${limit}`);
      }
      if (rng.chance(0.4)) body.push('', p);
      return { params: [p], body, private: c.isClass && rng.chance(0.5) };
    }
    case 'read': {
      const lines = `${snake([d.noun])}_lines`;
      const v = rng.int(3);
      if (v === 0) return { params: [fileVar], body: [`File.readlines(${fileVar}, chomp: true)`] };
      if (v === 1) return { params: [fileVar], body: [`${lines} = File.read(${fileVar}).lines.map(&:chomp)`, `${lines}.reject(&:empty?)`] };
      return { params: [fileVar], body: [`File.foreach(${fileVar}).map(&:strip).reject(&:empty?)`] };
    }
    case 'write': {
      const v = rng.int(3);
      if (v === 0) return { params: [...listParam, fileVar], body: [`File.open(${fileVar}, 'w') do |file|`, `${UNIT}${coll}.each { |${e}| file.puts(${e}.to_s) }`, 'end'] };
      if (v === 1) return { params: [...listParam, fileVar], body: [`File.write(${fileVar}, ${coll}.map(&:to_s).join("\\n"))`] };
      return { params: [...listParam, 'io'], body: [`${coll}.each { |${e}| io.puts(${e}) }`] };
    }
    case 'load': {
      const v = rng.int(3);
      const assign = c.isClass ? `${coll} = ` : '';
      if (v === 0) {
        c.requires.add('json');
        return { params: storageParam, body: [`${assign}JSON.parse(File.read(${storage})).map do |attrs|`, `${UNIT}${entity}.new(attrs[${sq(c.key.name)}], attrs[${sq(c.text.name)}])`, 'end'] };
      }
      if (v === 1) {
        c.requires.add('csv');
        return { params: storageParam, body: [`${assign}CSV.foreach(${storage}).map { |row| ${entity}.new(row[0], row[1]) }`] };
      }
      return { params: storageParam, body: [`${assign}Marshal.load(File.binread(${storage}))`] };
    }
    case 'save': {
      const v = rng.int(3);
      const params = [...listParam, ...storageParam];
      if (v === 0) {
        c.requires.add('json');
        return { params, body: [`File.write(${storage}, JSON.pretty_generate(${coll}.map(&:to_h)))`] };
      }
      if (v === 1) {
        c.requires.add('csv');
        return { params, body: [`CSV.open(${storage}, 'w') do |csv|`, `${UNIT}${coll}.each { |${e}| csv << [${e}.${c.key.name}, ${e}.${c.text.name}] }`, 'end'] };
      }
      return { params, body: [`tmp = "#{${storage}}.tmp"`, `File.binwrite(tmp, Marshal.dump(${coll}))`, `File.rename(tmp, ${storage})`] };
    }
    case 'open':
      return { params: [fileVar], body: [rng.pick([`File.open(${fileVar}, 'r')`, `File.open(${fileVar}, 'r:UTF-8')`, `File.new(${fileVar})`])] };
    case 'create': {
      const made = rng.pick([snake([d.noun]), 'created', 'instance']);
      if (rng.chance(0.5)) return { params: [...listParam, c.key.name, c.text.name], body: [`${made} = ${entity}.new(${c.key.name}, ${c.text.name})`, `${coll} << ${made}`, made] };
      return { params: [...listParam, c.key.name, c.text.name], body: [`${entity}.new(${c.key.name}, ${c.text.name}).tap { |${made}| ${coll} << ${made} }`] };
    }
    case 'build': {
      const attrs = rng.pick(['attrs', 'attributes', 'data', 'fields']);
      const v = rng.int(3);
      if (v === 0) return { params: [attrs], body: [`${entity}.new(${attrs}[:${c.key.name}], ${attrs}[:${c.text.name}])`] };
      if (v === 1) return { params: [attrs], body: [`${entity}.new(${attrs}.fetch(:${c.key.name}), ${attrs}.fetch(:${c.text.name}, ''))`] };
      return { params: [attrs], body: [`${entity}.new(*${attrs}.values_at(:${c.key.name}, :${c.text.name}))`] };
    }
    case 'parse': {
      if (spec.variant === 'record') {
        const t = rng.pick(POOLS.line);
        const sep = rng.pick([',', ';', '|', "\\t"]);
        const lit = sep === '\\t' ? '"\\t"' : sq(sep);
        if (rng.chance(0.5)) return { params: [t], body: [`${c.key.name}, ${c.text.name} = ${t}.split(${lit}, 2).map(&:strip)`, `${entity}.new(${c.key.name}, ${c.text.name})`] };
        return { params: [t], body: [`parts = ${t}.split(${lit})`, `${entity}.new(parts[0].strip, parts[1].strip)`] };
      }
      const t = fieldParam(rng, fieldOf(d, spec.field!).words, snake, 'text');
      const conv = f.kind === 'decimal' ? 'Float' : 'Integer';
      if (rng.chance(0.5)) return { params: [t], body: [`${conv}(${t}.strip)`] };
      return { params: [t], body: [`${conv}(${t})`, 'rescue ArgumentError, TypeError', `raise ArgumentError, "invalid ${f.name}: #{${t}.inspect}"`] };
    }
    case 'clear': {
      const v = rng.int(3);
      if (v === 0) return { params: listParam, body: [rng.chance(0.5) ? `${coll}.clear unless ${coll}.empty?` : `${coll}.clear if ${coll}.any?`] };
      if (v === 1) return { params: listParam, body: [`removed = ${coll}.size`, `${coll}.clear`, 'removed'] };
      return { params: listParam, body: [`${coll}.replace([])`] };
    }
    case 'add': {
      const p = snake([d.noun]);
      const v = rng.int(3);
      if (v === 0) return { params: [...listParam, p], body: [`${coll} << ${p}`] };
      if (v === 1) return { params: [...listParam, p], body: [`${coll}.push(${p}) unless ${coll}.include?(${p})`] };
      return { params: [...listParam, p], body: [`raise ArgumentError, ${sq(`${p} is required`)} if ${p}.nil?`, '', `${coll} << ${p}`] };
    }
    case 'remove': {
      const p = snake([d.noun]);
      const v = rng.int(3);
      if (v === 0) return { params: [...listParam, p], body: [`${coll}.delete(${p})`] };
      const k = keyParam();
      if (v === 1) return { params: [...listParam, k], body: [`${coll}.reject! { |${e}| ${e}.${c.key.name} == ${k} }`] };
      return { params: [...listParam, k], body: [`${coll}.delete_if { |${e}| ${e}.${c.key.name} == ${k} }`] };
    }
    case 'log': {
      const msg = rng.pick(POOLS.message);
      const level = spec.variant === 'error' ? 'error' : spec.variant === 'warning' ? 'warn' : 'info';
      const logger = c.isClass ? '@logger' : 'LOGGER';
      const v = rng.int(5);
      if (v === 0) {
        c.uses.add('logger');
        return { params: [msg], body: [`${logger}.${level}(${msg})`] };
      }
      if (v === 3) {
        c.uses.add('logger');
        return { params: [msg], body: [`${logger}.add(Logger::${level === 'warn' ? 'WARN' : level.toUpperCase()}, ${msg})`] };
      }
      if (v === 4) {
        c.uses.add('logger');
        return { params: [msg, 'context = {}'], body: [`${logger}.${level}("#{${msg}} #{context.inspect}")`] };
      }
      if (v === 1) {
        c.uses.add('logger');
        return { params: [msg], body: [`${logger}.${level} { ${msg} }`] };
      }
      if (level === 'info') return { params: [msg], body: [`puts "INFO: #{${msg}}"`] };
      return { params: [msg], body: [rng.pick([`warn "${level.toUpperCase()}: #{${msg}}"`, `$stderr.puts "${level.toUpperCase()}: #{${msg}}"`])] };
    }
    default:
      throw new Error(`family ${spec.family} is not a service family`);
  }
}

function serviceConstructor(c: Ctx): RMethod {
  const body = ['@storage_path = storage_path'];
  const params = ['storage_path'];
  if (c.rng.chance(0.5)) {
    params.push(`${plural(c.d.noun)} = []`);
    body.push(`${c.coll} = ${plural(c.d.noun)}.dup`);
  } else body.push(`${c.coll} = []`);
  if (c.uses.has('logger')) {
    params.push('logger: Logger.new($stderr)');
    body.push('@logger = logger');
  }
  return { params, body };
}

// ---- files ----

function defLines(pm: PlannedMethod, m: RMethod, c: Ctx, singleton: boolean): { lines: string[]; nameLine: number } {
  const lines: string[] = [];
  if (!pm.alternatives && c.rng.chance(0.2)) lines.push(`# ${docSentence(pm.spec, c.d)}`);
  const nameLine = lines.length;
  const params = m.params.length > 0 ? `(${m.params.join(', ')})` : '';
  // A method-level `rescue` lines up with `def`; the rest of the body is indented.
  const body = indentLines(m.body, UNIT).map((l) => (l.startsWith(`${UNIT}rescue`) ? l.slice(UNIT.length) : l));
  lines.push(`def ${singleton ? 'self.' : ''}${pm.name}${params}`, ...body, 'end');
  return { lines, nameLine };
}

/** Renders a Ruby file plan. */
export function renderRuby(plan: FilePlan, rng: SynthRng, projects: ProjectAllocator): RenderedFile[] {
  const d = plan.domain;
  const entity = pascal(d.className);
  const isModel = plan.role === 'model';
  const isClass = plan.form === 'class';
  const c: Ctx = {
    rng,
    d,
    entity,
    requires: new Set(),
    uses: new Set(plan.methods.some((m) => m.spec.variant === 'can') ? ['permissions'] : []),
    key: rfield(d, 'key'),
    text: rfield(d, 'text'),
    measure: rfield(d, 'measure'),
    flag: rfield(d, 'flag'),
    coll: isClass ? `@${snake(pluralWords(d.className))}` : snake(pluralWords(d.className)),
    isClass,
  };
  // Constructors last: they initialize what the other methods turned out to use (a logger).
  const rendered: (RMethod | undefined)[] = plan.methods.map((pm) => (pm.spec.family === 'constructor' ? undefined : isModel ? modelMethod(pm, c) : serviceMethod(pm, c)));
  plan.methods.forEach((pm, k) => {
    if (pm.spec.family === 'constructor') rendered[k] = isModel ? modelMethod(pm, c) : serviceConstructor(c);
  });
  if (c.uses.has('permissions')) c.requires.add('set');
  if (c.uses.has('logger')) c.requires.add('logger');

  const suffixes = isModel ? [''] : rng.shuffle(isClass ? ['repository', 'store', 'registry', 'service', 'manager'] : ['helpers', 'queries', 'utils']);
  const { project, paths, value: suffix } = projects.place(
    suffixes.map((sfx) => (p: Project) => ({ paths: [`lib/${p.words[0]}/${isModel ? snake(d.className) : snake([d.noun, sfx])}.rb`], value: sfx })),
  );
  const path = paths[0]!;
  const typeName = isModel ? entity : `${entity}${pascal([suffix])}`;

  const buf = new CodeBuffer(UNIT);
  buf.add('# frozen_string_literal: true', '');
  const requires = [...c.requires].sort();
  if (requires.length > 0) buf.add(...requires.map((r) => `require ${sq(r)}`), '');
  const wrap = rng.chance(0.7);
  if (wrap) {
    buf.add(`module ${pascal([project.words[0]!])}`);
    buf.indent();
  }
  if (rng.chance(0.6)) buf.add(`# ${isModel ? `${d.describe[0]!.toUpperCase()}${d.describe.slice(1)}.` : `Keeps ${plural(d.noun)} and stores them on disk.`}`);
  buf.add(`${isClass ? 'class' : 'module'} ${typeName}`);
  buf.indent();
  if (!isClass) {
    if (c.uses.has('logger')) buf.add('LOGGER = Logger.new($stderr)', '');
  }
  if (isModel) {
    const explicit = new Set(plan.methods.map((m) => m.name));
    const readers: string[] = [];
    const accessors: string[] = [];
    const writers: string[] = [];
    for (const x of [c.key, c.text, c.measure, c.flag]) {
      const hasReader = explicit.has(x.name);
      const hasWriter = explicit.has(`${x.name}=`);
      const wantWriter = x !== c.key;
      if (!hasReader && !hasWriter && wantWriter) accessors.push(x.name);
      else {
        if (!hasReader) readers.push(x.name);
        if (!hasWriter && wantWriter) writers.push(x.name);
      }
    }
    const attrs = [
      ...(readers.length ? [`attr_reader ${readers.map((r) => `:${r}`).join(', ')}`] : []),
      ...(accessors.length ? [`attr_accessor ${accessors.map((r) => `:${r}`).join(', ')}`] : []),
      ...(writers.length ? [`attr_writer ${writers.map((r) => `:${r}`).join(', ')}`] : []),
    ];
    if (attrs.length > 0) buf.add(...attrs, '');
  }
  const order = plan.methods.map((pm, k) => ({ pm, m: rendered[k]! }));
  const publicOnes = order.filter((x) => !x.m.private);
  const privateOnes = order.filter((x) => x.m.private);
  for (const { pm, m } of publicOnes) {
    const { lines, nameLine } = defLines(pm, m, c, !isClass);
    buf.method(pm, lines, nameLine);
    buf.add('');
  }
  if (privateOnes.length > 0) {
    buf.add('private', '');
    for (const { pm, m } of privateOnes) {
      const { lines, nameLine } = defLines(pm, m, c, false);
      buf.method(pm, lines, nameLine);
      buf.add('');
    }
  }
  buf.trimEnd();
  buf.dedent();
  buf.add('end');
  if (wrap) {
    buf.dedent();
    buf.add('end');
  }
  return [{ path, language: 'ruby', text: buf.text(), methods: buf.methods.map((m) => ({ ...m, file: path, language: 'ruby' as const })) }];
}
