/**
 * Java rendering: an entity class per model file (fields, a constructor, accessors, `equals`,
 * `hashCode`, `toString` with `@Override`), and a service class per service file over a
 * `List<Entity>` (loops and streams, `java.nio.file` I/O, `java.util.logging`). Some services
 * implement a companion interface (a second file whose methods have no bodies) or are abstract
 * with an abstract hook; neither kind of bodiless method is a sample.
 */
import type { FilePlan, PlannedMethod } from './plan';
import type { Project, ProjectAllocator } from './projects';
import type { SynthRng } from '../util/rng';
import { CodeBuffer, LIMITS, POOLS, docSentence, elementVar, fieldParam, indentLines, type RenderedFile } from './render';
import { camel, fieldOf, pascal, pluralWords, upperSnake, type DomainDef, type FieldKind, type FieldRole } from './vocab';

const UNIT = '    ';

interface JField {
  readonly name: string;
  readonly type: string;
  readonly kind: FieldKind;
  /** Accessor name on the entity (`getTotal`, `isPaid`). */
  readonly getter: string;
}

function jfield(d: DomainDef, role: FieldRole): JField {
  const f = fieldOf(d, role);
  const type = { string: 'String', int: 'int', decimal: 'double', bool: 'boolean' }[f.kind];
  return { name: camel(f.words), type, kind: f.kind, getter: `${f.kind === 'bool' ? 'is' : 'get'}${pascal(f.words)}` };
}

/** A method before it is laid out. */
interface JMethod {
  annotations?: string[];
  modifiers: string;
  ret: string;
  params: string;
  throws?: string;
  body: string[];
}

interface Ctx {
  readonly rng: SynthRng;
  readonly d: DomainDef;
  readonly imports: Set<string>;
  /** Entity class name. */
  readonly entity: string;
  /** The service's collection field (`users`). */
  readonly coll: string;
  readonly key: JField;
  readonly text: JField;
  readonly measure: JField;
  readonly flag: JField;
  /** Set when a body used the class's LOGGER / permissions, so the field is declared. */
  readonly uses: Set<'logger' | 'permissions'>;
}

/** A Java string literal. */
function jstr(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `"a" + x + "b"` from literal and expression parts (adjacent literals merged). */
function concat(parts: readonly ({ lit: string } | { expr: string })[]): string {
  const merged: ({ lit: string } | { expr: string })[] = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if ('lit' in p && last && 'lit' in last) last.lit += p.lit;
    else merged.push({ ...p });
  }
  return merged.map((p) => ('lit' in p ? jstr(p.lit) : p.expr)).join(' + ');
}

function zero(f: JField): string {
  return { string: '""', int: '0', decimal: '0.0', bool: 'false' }[f.kind];
}

function self(c: Ctx, name: string): string {
  return c.rng.chance(0.5) ? `this.${name}` : name;
}

// ---- model methods ----

function modelMethod(m: PlannedMethod, c: Ctx): JMethod {
  const { rng, entity } = c;
  const spec = m.spec;
  const pub = (ret: string, body: string[], params = ''): JMethod => ({ modifiers: 'public', ret, params, body });
  if (spec.pair === 'text-get-string') {
    const body = [`return ${self(c, c.text.name)};`];
    return m.name === 'toString' ? { annotations: ['@Override'], ...pub('String', body) } : pub('String', body);
  }
  if (spec.pair === 'measure-get-format') {
    const f = self(c, c.measure.name);
    return pub('String', [rng.pick([`return String.valueOf(${f});`, `return "" + ${f};`])]);
  }
  const f = spec.field ? jfield(c.d, spec.field) : c.key;
  switch (spec.family) {
    case 'getter': {
      const v = self(c, f.name);
      const options = [`return ${v};`, `return this.${f.name};`];
      if (f.kind === 'string') {
        options.push(`return ${v} == null ? "" : ${v};`);
        options.push(`return Objects.requireNonNullElse(${v}, "");`);
        options.push(`return Optional.ofNullable(${v}).orElse("");`);
        options.push(`return ${v} != null ? ${v}.trim() : null;`);
      } else if (f.kind === 'decimal') options.push(`return Math.round(${v} * 100.0) / 100.0;`);
      else options.push(`return Math.max(${v}, 0);`);
      const line = rng.pick(options);
      if (line.includes('Objects.')) c.imports.add('java.util.Objects');
      if (line.includes('Optional.')) c.imports.add('java.util.Optional');
      return pub(f.type, [line]);
    }
    case 'setter': {
      const p = rng.pick([f.name, 'value', `new${pascal(fieldOf(c.d, spec.field!).words)}`]);
      const target = p === f.name ? `this.${f.name}` : self(c, f.name);
      const body: string[] = [];
      if (f.kind === 'string' && rng.chance(0.5)) {
        if (rng.chance(0.5)) {
          c.imports.add('java.util.Objects');
          body.push(`${target} = Objects.requireNonNull(${p}, ${jstr(`${f.name} must not be null`)});`);
        } else body.push(`${target} = ${p} == null ? null : ${p}.trim();`);
      } else if ((f.kind === 'int' || f.kind === 'decimal') && rng.chance(0.5)) {
        body.push(`if (${p} < 0) {`, `${UNIT}throw new IllegalArgumentException(${jstr(`${f.name} must not be negative`)});`, '}', `${target} = ${p};`);
      } else body.push(`${target} = ${p};`);
      // Fluent setters (returning `this`) are common in builders and entities alike.
      if (rng.chance(0.25)) return pub(c.entity, [...body, 'return this;'], `${f.type} ${p}`);
      return pub('void', body, `${f.type} ${p}`);
    }
    case 'predicate': {
      if (spec.variant === 'can') {
        c.uses.add('permissions');
        const perm = `Permission.${upperSnake([c.d.permission])}`;
        return pub('boolean', [
          rng.pick([
            `return permissions.contains(${perm});`,
            `return permissions != null && permissions.contains(${perm});`,
            `return permissions.stream().anyMatch(p -> p == ${perm});`,
            `return permissions.containsAll(EnumSet.of(${perm}));`,
          ]),
        ]);
      }
      const v = self(c, f.name);
      if (spec.variant === 'has') {
        return pub('boolean', [
          rng.pick([
            `return ${v} != null && !${v}.isEmpty();`,
            `return ${v} != null && !${v}.isBlank();`,
            `return !(${v} == null || ${v}.trim().isEmpty());`,
            `return ${v} != null && ${v}.length() > 0;`,
          ]),
        ]);
      }
      return pub('boolean', [rng.pick([`return ${v};`, `return this.${f.name};`, `return ${v} && ${c.key.name} != null;`, `return ${v} && !${c.key.name}.isEmpty();`])]);
    }
    case 'conversion': {
      const fields = rng.shuffle([c.key, c.text, c.measure, c.flag]).slice(0, rng.range(2, 4));
      if (spec.variant === 'map') {
        c.imports.add('java.util.Map');
        if (rng.chance(0.35)) {
          return pub('Map<String, Object>', [`return Map.of(${fields.map((x) => `${jstr(x.name)}, ${x.name}`).join(', ')});`]);
        }
        c.imports.add('java.util.LinkedHashMap');
        const map = rng.pick(['map', 'fields', 'result', 'values']);
        return pub('Map<String, Object>', [
          `Map<String, Object> ${map} = new LinkedHashMap<>();`,
          ...fields.map((x) => `${map}.put(${jstr(x.name)}, ${self(c, x.name)});`),
          `return ${map};`,
        ]);
      }
      const jsonParts: ({ lit: string } | { expr: string })[] = [{ lit: '{' }];
      fields.forEach((x, k) => {
        jsonParts.push({ lit: `"${x.name}":` });
        if (x.kind === 'string') jsonParts.push({ lit: '"' }, { expr: x.name }, { lit: '"' });
        else jsonParts.push({ expr: x.name });
        if (k < fields.length - 1) jsonParts.push({ lit: ',' });
      });
      jsonParts.push({ lit: '}' });
      if (rng.chance(0.5)) return pub('String', [`return ${concat(jsonParts)};`]);
      const sb = rng.pick(['json', 'sb', 'out', 'builder']);
      const lines = [`StringBuilder ${sb} = new StringBuilder("{");`];
      fields.forEach((x, k) => {
        const sep = k < fields.length - 1 ? ',' : '';
        if (x.kind === 'string') lines.push(`${sb}.append(${jstr(`"${x.name}":"`)}).append(${x.name}).append(${jstr(`"${sep}`)});`);
        else lines.push(`${sb}.append(${jstr(`"${x.name}":`)}).append(${x.name})${sep ? `.append(${jstr(sep)})` : ''};`);
      });
      lines.push(`${sb}.append("}");`, `return ${sb}.toString();`);
      return pub('String', lines);
    }
    case 'equals': {
      c.imports.add('java.util.Objects');
      const o = rng.pick(['o', 'obj', 'other']);
      const that = o === 'other' ? 'that' : rng.pick(['other', 'that']);
      const cmp = [c.key, ...(rng.chance(0.4) ? [c.measure] : [])].map((x) =>
        x.kind === 'string' ? `Objects.equals(${x.name}, ${that}.${x.name})` : x.kind === 'decimal' ? `Double.compare(${x.name}, ${that}.${x.name}) == 0` : `${x.name} == ${that}.${x.name}`,
      );
      const v = rng.int(3);
      const body =
        v === 0
          ? [`if (this == ${o}) {`, `${UNIT}return true;`, '}', `if (!(${o} instanceof ${entity})) {`, `${UNIT}return false;`, '}', `${entity} ${that} = (${entity}) ${o};`, `return ${cmp.join(' && ')};`]
          : v === 1
            ? [`if (this == ${o}) return true;`, `if (${o} == null || getClass() != ${o}.getClass()) return false;`, `${entity} ${that} = (${entity}) ${o};`, `return ${cmp.join('\n' + UNIT + UNIT + '&& ')};`]
            : [`return ${o} instanceof ${entity} ${that} && ${cmp.join(' && ')};`];
      return { annotations: ['@Override'], modifiers: 'public', ret: 'boolean', params: `Object ${o}`, body: body.flatMap((l) => l.split('\n')) };
    }
    case 'hash': {
      const fields = [c.key, ...rng.shuffle([c.text, c.measure, c.flag]).slice(0, rng.int(3))];
      const v = rng.int(3);
      if (v < 2) c.imports.add('java.util.Objects');
      const boxed = { string: 'Objects', int: 'Integer', decimal: 'Double', bool: 'Boolean' } as const;
      const body =
        v === 0
          ? [`return Objects.hash(${fields.map((x) => x.name).join(', ')});`]
          : v === 1
            ? [`return Objects.hashCode(${c.key.name});`]
            : [
                `int result = ${c.key.name} != null ? ${c.key.name}.hashCode() : 0;`,
                ...fields.slice(1).map((x) => `result = 31 * result + ${boxed[x.kind]}.hashCode(${x.name});`),
                'return result;',
              ];
      return { annotations: ['@Override'], modifiers: 'public', ret: 'int', params: '', body };
    }
    case 'to-string': {
      const fields = [c.key, ...rng.shuffle([c.text, c.measure, c.flag]).slice(0, rng.range(1, 3))];
      const v = rng.int(3);
      let body: string[];
      if (v === 0) {
        const parts: ({ lit: string } | { expr: string })[] = [{ lit: `${entity}{` }];
        fields.forEach((x, k) => {
          parts.push({ lit: `${k > 0 ? ', ' : ''}${x.name}=${x.kind === 'string' ? "'" : ''}` }, { expr: x.name });
          if (x.kind === 'string') parts.push({ lit: "'" });
        });
        parts.push({ lit: '}' });
        body = [`return ${concat(parts)};`];
      } else if (v === 1) {
        body = [`return String.format(${jstr(`${entity}[${fields.map((x) => `${x.name}=%s`).join(', ')}]`)}, ${fields.map((x) => x.name).join(', ')});`];
      } else {
        const sb = rng.pick(['sb', 'builder', 'out']);
        body = [
          `StringBuilder ${sb} = new StringBuilder(${jstr(`${entity}(`)});`,
          ...fields.map((x, k) => `${sb}.append(${jstr(`${k > 0 ? ', ' : ''}${x.name}=`)}).append(${x.name});`),
          `return ${sb}.append(')').toString();`,
        ];
      }
      return { annotations: ['@Override'], modifiers: 'public', ret: 'String', params: '', body };
    }
    case 'format': {
      const v = self(c, f.name);
      const options =
        f.kind === 'decimal'
          ? [
              `return String.format("%.${rng.range(1, 3)}f", ${v});`,
              `return String.format(Locale.ROOT, "%,.${rng.range(1, 3)}f", ${v});`,
              `return new DecimalFormat(${rng.pick(['"#,##0.00"', '"0.00"', '"#.##"'])}).format(${v});`,
              `return NumberFormat.getCurrencyInstance(Locale.${rng.pick(['US', 'UK', 'GERMANY'])}).format(${v});`,
            ]
          : [`return String.format("%d", ${v});`, `return String.format(Locale.ROOT, "%,d", ${v});`, `return NumberFormat.getIntegerInstance(Locale.ROOT).format(${v});`, `return String.format("%${rng.range(3, 8)}d", ${v});`];
      const line = rng.pick(options);
      if (line.includes('Locale.')) c.imports.add('java.util.Locale');
      if (line.includes('DecimalFormat')) c.imports.add('java.text.DecimalFormat');
      if (line.includes('NumberFormat.')) c.imports.add('java.text.NumberFormat');
      return pub('String', [line]);
    }
    case 'reset': {
      const fields = rng.shuffle([c.text, c.measure, c.flag]).slice(0, rng.range(2, 3));
      const body = fields.map((x) => `${self(c, x.name)} = ${x.kind === 'string' ? rng.pick(['null', '""']) : zero(x)};`);
      if (c.uses.has('permissions') && rng.chance(0.5)) body.push('permissions.clear();');
      return pub('void', body);
    }
    default:
      throw new Error(`family ${spec.family} is not a model family`);
  }
}

// ---- service methods ----

function serviceMethod(m: PlannedMethod, c: Ctx): JMethod {
  const { rng, entity, coll, d } = c;
  const spec = m.spec;
  const pub = (ret: string, body: string[], params = '', throws?: string): JMethod => ({ modifiers: 'public', ret, params, body, ...(throws ? { throws } : {}) });
  const e = elementVar(rng, d, [coll]);
  const fileVar = camel([d.noun, rng.pick(['file', 'file', 'path', 'source'])]);
  const getter = (x: JField) => `${e}.${x.getter}()`;
  const io = () => {
    c.imports.add('java.io.IOException');
    c.imports.add('java.nio.file.Files');
    c.imports.add('java.nio.file.Path');
  };
  const keyParam = () => rng.pick([c.key.name, c.key.name, 'target', 'wanted']);
  switch (spec.pair) {
    case 'read-load':
      io();
      if (rng.chance(0.5)) return pub('String', [`return Files.readString(${fileVar});`], `Path ${fileVar}`, 'IOException');
      c.imports.add('java.nio.charset.StandardCharsets');
      return pub('String', [`return new String(Files.readAllBytes(${fileVar}), StandardCharsets.UTF_8);`], `Path ${fileVar}`, 'IOException');
    case 'write-save':
      io();
      return pub('void', [`Files.writeString(${fileVar}, content);`], `Path ${fileVar}, String content`, 'IOException');
    case 'create-build':
      return pub(entity, [`return new ${entity}(${c.key.name}, ${c.text.name});`], `String ${c.key.name}, String ${c.text.name}`);
    case 'clear-reset':
      return pub('void', [`${coll}.clear();`]);
    default:
  }
  const f = spec.field ? jfield(d, spec.field) : c.key;
  const num = f.kind === 'decimal' ? 'Double' : 'Int';
  switch (spec.family) {
    case 'sum': {
      const acc = rng.pick(POOLS.sum);
      const v = rng.int(4);
      if (v === 0) return pub(f.type, [`${f.type} ${acc} = ${zero(f)};`, `for (${entity} ${e} : ${coll}) {`, `${UNIT}${acc} += ${getter(f)};`, '}', `return ${acc};`]);
      if (v === 1) return pub(f.type, [`return ${coll}.stream().mapTo${num}(${entity}::${f.getter}).sum();`]);
      if (v === 2) return pub(f.type, [`return ${coll}.stream().mapTo${num}(${e} -> ${getter(f)}).sum();`]);
      return pub(f.type, [`${f.type} ${acc} = ${zero(f)};`, `for (int i = 0; i < ${coll}.size(); i++) {`, `${UNIT}${acc} += ${coll}.get(i).${f.getter}();`, '}', `return ${acc};`]);
    }
    case 'count': {
      const n = rng.pick(POOLS.count);
      const v = rng.int(3);
      if (v === 0) return pub('int', [`int ${n} = 0;`, `for (${entity} ${e} : ${coll}) {`, `${UNIT}if (${getter(f)}) {`, `${UNIT}${UNIT}${n}++;`, `${UNIT}}`, '}', `return ${n};`]);
      if (v === 1) return pub('int', [`return (int) ${coll}.stream().filter(${entity}::${f.getter}).count();`]);
      return pub('long', [`return ${coll}.stream().filter(${e} -> ${getter(f)}).count();`]);
    }
    case 'find': {
      const p = keyParam();
      const test = rng.pick([`${getter(f)}.equals(${p})`, `Objects.equals(${getter(f)}, ${p})`, `${p}.equals(${getter(f)})`]);
      if (test.startsWith('Objects')) c.imports.add('java.util.Objects');
      const v = rng.int(3);
      if (v < 2) c.imports.add('java.util.Optional');
      if (v === 0) return pub(`Optional<${entity}>`, [`for (${entity} ${e} : ${coll}) {`, `${UNIT}if (${test}) {`, `${UNIT}${UNIT}return Optional.of(${e});`, `${UNIT}}`, '}', 'return Optional.empty();'], `String ${p}`);
      if (v === 1) return pub(`Optional<${entity}>`, [`return ${coll}.stream()`, `${UNIT}${UNIT}.filter(${e} -> ${test})`, `${UNIT}${UNIT}.findFirst();`], `String ${p}`);
      return pub(entity, [`for (${entity} ${e} : ${coll}) {`, `${UNIT}if (${test}) {`, `${UNIT}${UNIT}return ${e};`, `${UNIT}}`, '}', 'return null;'], `String ${p}`);
    }
    case 'filter': {
      c.imports.add('java.util.List');
      const out = rng.pick(POOLS.list);
      const v = rng.int(3);
      if (v === 0) {
        c.imports.add('java.util.ArrayList');
        return pub(`List<${entity}>`, [`List<${entity}> ${out} = new ArrayList<>();`, `for (${entity} ${e} : ${coll}) {`, `${UNIT}if (${getter(f)}) {`, `${UNIT}${UNIT}${out}.add(${e});`, `${UNIT}}`, '}', `return ${out};`]);
      }
      if (v === 1) {
        c.imports.add('java.util.stream.Collectors');
        return pub(`List<${entity}>`, [`return ${coll}.stream()`, `${UNIT}${UNIT}.filter(${entity}::${f.getter})`, `${UNIT}${UNIT}.collect(Collectors.toList());`]);
      }
      return pub(`List<${entity}>`, [`return ${coll}.stream().filter(${e} -> ${getter(f)}).toList();`]);
    }
    case 'max': {
      const mx = rng.pick(POOLS.max);
      const v = rng.int(3);
      if (v === 0) return pub(f.type, [`${f.type} ${mx} = ${zero(f)};`, `for (${entity} ${e} : ${coll}) {`, `${UNIT}if (${getter(f)} > ${mx}) {`, `${UNIT}${UNIT}${mx} = ${getter(f)};`, `${UNIT}}`, '}', `return ${mx};`]);
      if (v === 1) return pub(f.type, [`${f.type} ${mx} = ${zero(f)};`, `for (${entity} ${e} : ${coll}) {`, `${UNIT}${mx} = Math.max(${mx}, ${getter(f)});`, '}', `return ${mx};`]);
      return pub(f.type, [`return ${coll}.stream().mapTo${num}(${entity}::${f.getter}).max().orElse(${zero(f)});`]);
    }
    case 'validate': {
      const p = fieldParam(rng, fieldOf(d, spec.field!).words, camel, 'value');
      const limit = rng.pick(LIMITS);
      const body: string[] = [];
      if (f.kind === 'string') {
        if (rng.chance(0.5)) {
          body.push(`if (${p} == null || ${p}.isBlank()) {`, `${UNIT}throw new IllegalArgumentException(${jstr(`${f.name} must not be blank`)});`, '}');
        } else {
          c.imports.add('java.util.Objects');
          body.push(`Objects.requireNonNull(${p}, ${jstr(`${f.name} is required`)});`, `if (${p}.trim().isEmpty()) {`, `${UNIT}throw new IllegalArgumentException(${jstr(`empty ${f.name}`)});`, '}');
        }
        if (rng.chance(0.6)) body.push(`if (${p}.length() > ${limit}) {`, `${UNIT}throw new IllegalArgumentException(${concat([{ lit: `${f.name} is too long: ` }, { expr: `${p}.length()` }])});`, '}');
      } else {
        body.push(`if (${p} < 0) {`, `${UNIT}throw new IllegalArgumentException(${concat([{ lit: `${f.name} must not be negative: ` }, { expr: p }])});`, '}');
        if (rng.chance(0.6)) body.push(`if (${p} > ${limit}) {`, `${UNIT}throw new IllegalArgumentException(${concat([{ lit: `${f.name} exceeds ${limit}: ` }, { expr: p }])});`, '}');
      }
      if (rng.chance(0.3)) return pub(f.type, [...body, `return ${p};`], `${f.type} ${p}`);
      return pub('void', body, `${f.type} ${p}`);
    }
    case 'read': {
      io();
      c.imports.add('java.util.List');
      const lines = `${camel([d.noun])}Lines`;
      const v = rng.int(3);
      if (v === 0) {
        c.imports.add('java.nio.charset.StandardCharsets');
        return pub('List<String>', [`List<String> ${lines} = Files.readAllLines(${fileVar}, StandardCharsets.UTF_8);`, `${lines}.removeIf(String::isBlank);`, `return ${lines};`], `Path ${fileVar}`, 'IOException');
      }
      if (v === 1) {
        c.imports.add('java.io.BufferedReader');
        c.imports.add('java.util.ArrayList');
        const line = rng.pick(POOLS.line);
        return pub(
          'List<String>',
          [
            `List<String> ${lines} = new ArrayList<>();`,
            `try (BufferedReader reader = Files.newBufferedReader(${fileVar})) {`,
            `${UNIT}String ${line};`,
            `${UNIT}while ((${line} = reader.readLine()) != null) {`,
            `${UNIT}${UNIT}${lines}.add(${line});`,
            `${UNIT}}`,
            '}',
            `return ${lines};`,
          ],
          `Path ${fileVar}`,
          'IOException',
        );
      }
      c.imports.add('java.util.stream.Collectors');
      c.imports.add('java.util.stream.Stream');
      return pub('List<String>', [`try (Stream<String> ${lines} = Files.lines(${fileVar})) {`, `${UNIT}return ${lines}.collect(Collectors.toList());`, '}'], `Path ${fileVar}`, 'IOException');
    }
    case 'write': {
      c.imports.add('java.io.IOException');
      const v = rng.int(3);
      if (v === 0) {
        c.imports.add('java.io.Writer');
        const w = rng.pick(['writer', 'out', 'w']);
        return pub('void', [`for (${entity} ${e} : ${coll}) {`, `${UNIT}${w}.write(${e}.toString());`, `${UNIT}${w}.write(System.lineSeparator());`, '}'], `Writer ${w}`, 'IOException');
      }
      io();
      if (v === 1) {
        c.imports.add('java.io.BufferedWriter');
        return pub('void', [`try (BufferedWriter writer = Files.newBufferedWriter(${fileVar})) {`, `${UNIT}for (${entity} ${e} : ${coll}) {`, `${UNIT}${UNIT}writer.write(${e}.toString());`, `${UNIT}${UNIT}writer.newLine();`, `${UNIT}}`, '}'], `Path ${fileVar}`, 'IOException');
      }
      c.imports.add('java.util.List');
      c.imports.add('java.util.stream.Collectors');
      return pub('void', [`List<String> lines = ${coll}.stream().map(${entity}::toString).collect(Collectors.toList());`, `Files.write(${fileVar}, lines);`], `Path ${fileVar}`, 'IOException');
    }
    case 'load': {
      io();
      const line = rng.pick(POOLS.line);
      const v = rng.int(3);
      if (v === 0) {
        return pub('void', [`${coll}.clear();`, `for (String ${line} : Files.readAllLines(storagePath)) {`, `${UNIT}String[] parts = ${line}.split(",");`, `${UNIT}${coll}.add(new ${entity}(parts[0], parts[1]));`, '}'], '', 'IOException');
      }
      if (v === 1) {
        c.imports.add('java.util.List');
        c.imports.add('java.util.stream.Collectors');
        c.imports.add('java.util.stream.Stream');
        const loaded = rng.pick(['loaded', 'lines', 'stream']);
        return pub(
          `List<${entity}>`,
          [`try (Stream<String> ${loaded} = Files.lines(storagePath)) {`, `${UNIT}return ${loaded}.map(${line} -> ${line}.split(","))`, `${UNIT}${UNIT}${UNIT}.map(parts -> new ${entity}(parts[0], parts[1]))`, `${UNIT}${UNIT}${UNIT}.collect(Collectors.toList());`, '}'],
          '',
          'IOException',
        );
      }
      c.imports.add('java.io.ObjectInputStream');
      c.imports.add('java.util.List');
      return {
        annotations: ['@SuppressWarnings("unchecked")'],
        modifiers: 'public',
        ret: 'void',
        params: '',
        throws: 'IOException, ClassNotFoundException',
        body: [`try (ObjectInputStream in = new ObjectInputStream(Files.newInputStream(storagePath))) {`, `${UNIT}${coll}.clear();`, `${UNIT}${coll}.addAll((List<${entity}>) in.readObject());`, '}'],
      };
    }
    case 'save': {
      io();
      const v = rng.int(3);
      if (v === 0) {
        c.imports.add('java.util.ArrayList');
        c.imports.add('java.util.List');
        c.imports.add('java.nio.charset.StandardCharsets');
        const lines = rng.pick(['lines', 'rows', 'records']);
        return pub(
          'void',
          [`List<String> ${lines} = new ArrayList<>();`, `for (${entity} ${e} : ${coll}) {`, `${UNIT}${lines}.add(${getter(c.key)} + "," + ${getter(c.text)});`, '}', `Files.write(storagePath, ${lines}, StandardCharsets.UTF_8);`],
          '',
          'IOException',
        );
      }
      if (v === 1) {
        c.imports.add('java.io.ObjectOutputStream');
        c.imports.add('java.util.ArrayList');
        return pub('void', [`try (ObjectOutputStream out = new ObjectOutputStream(Files.newOutputStream(storagePath))) {`, `${UNIT}out.writeObject(new ArrayList<>(${coll}));`, '}'], '', 'IOException');
      }
      c.imports.add('java.nio.file.StandardCopyOption');
      c.imports.add('java.util.stream.Collectors');
      return pub(
        'void',
        [
          'Path tmp = storagePath.resolveSibling(storagePath.getFileName() + ".tmp");',
          `Files.write(tmp, ${coll}.stream().map(${entity}::toString).collect(Collectors.toList()));`,
          'Files.move(tmp, storagePath, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);',
        ],
        '',
        'IOException',
      );
    }
    case 'open': {
      io();
      c.imports.add('java.io.BufferedReader');
      const v = rng.int(3);
      if (v === 0) {
        c.imports.add('java.nio.charset.StandardCharsets');
        return pub('BufferedReader', [`return Files.newBufferedReader(${fileVar}, StandardCharsets.UTF_8);`], `Path ${fileVar}`, 'IOException');
      }
      if (v === 1) {
        c.imports.add('java.io.FileReader');
        return pub('BufferedReader', [`return new BufferedReader(new FileReader(${fileVar}.toFile()));`], `Path ${fileVar}`, 'IOException');
      }
      c.imports.add('java.io.InputStreamReader');
      c.imports.add('java.nio.charset.StandardCharsets');
      return pub('BufferedReader', [`return new BufferedReader(new InputStreamReader(Files.newInputStream(${fileVar}), StandardCharsets.UTF_8));`], `Path ${fileVar}`, 'IOException');
    }
    case 'create': {
      const made = rng.pick([camel([d.noun]), 'created', 'fresh', 'instance']);
      const body: string[] = [];
      if (rng.chance(0.4)) {
        c.imports.add('java.util.Objects');
        body.push(`Objects.requireNonNull(${c.key.name}, ${jstr(c.key.name)});`);
      }
      body.push(`${entity} ${made} = new ${entity}(${c.key.name}, ${c.text.name});`, `${coll}.add(${made});`, `return ${made};`);
      return pub(entity, body, `String ${c.key.name}, String ${c.text.name}`);
    }
    case 'build': {
      c.imports.add('java.util.Map');
      const data = rng.pick(['data', 'fields', 'values', 'attributes']);
      const v = rng.int(3);
      if (v === 0) return pub(entity, [`return new ${entity}(${data}.get(${jstr(c.key.name)}), ${data}.get(${jstr(c.text.name)}));`], `Map<String, String> ${data}`);
      if (v === 1) return pub(entity, [`return new ${entity}(${data}.get(${jstr(c.key.name)}), ${data}.getOrDefault(${jstr(c.text.name)}, ""));`], `Map<String, String> ${data}`);
      return pub(entity, [`String ${c.key.name} = ${data}.get(${jstr(c.key.name)});`, `String ${c.text.name} = ${data}.get(${jstr(c.text.name)});`, `${entity} built = new ${entity}(${c.key.name}, ${c.text.name});`, 'return built;'], `Map<String, String> ${data}`);
    }
    case 'parse': {
      const t = spec.variant === 'record' ? rng.pick(POOLS.line) : fieldParam(rng, fieldOf(d, spec.field!).words, camel, 'text');
      if (spec.variant === 'record') {
        // Java source text of the split regex: a comma, a semicolon, a tab or an escaped pipe.
        const splitArg = rng.pick(['","', '";"', '"\\t"', '"\\\\|"']);
        const body = [`String[] parts = ${t}.split(${splitArg});`];
        if (rng.chance(0.5)) body.push('if (parts.length < 2) {', `${UNIT}throw new IllegalArgumentException(${concat([{ lit: `not a ${d.noun}: ` }, { expr: t }])});`, '}');
        body.push(`return new ${entity}(parts[0].trim(), parts[1].trim());`);
        return { modifiers: 'public static', ret: entity, params: `String ${t}`, body };
      }
      const parseCall = f.kind === 'decimal' ? 'Double.parseDouble' : 'Integer.parseInt';
      if (rng.chance(0.5)) return { modifiers: 'public static', ret: f.type, params: `String ${t}`, body: [`return ${parseCall}(${t}.trim());`] };
      return {
        modifiers: 'public static',
        ret: f.type,
        params: `String ${t}`,
        body: ['try {', `${UNIT}return ${parseCall}(${t});`, '} catch (NumberFormatException e) {', `${UNIT}throw new IllegalArgumentException(${concat([{ lit: `invalid ${f.name}: ` }, { expr: t }])}, e);`, '}'],
      };
    }
    case 'clear': {
      const v = rng.int(3);
      if (v === 0) return pub('void', [`if (!${coll}.isEmpty()) {`, `${UNIT}${coll}.clear();`, '}']);
      if (v === 1) return pub('void', [`if (${coll}.isEmpty()) {`, `${UNIT}return;`, '}', `${coll}.clear();`]);
      const n = rng.pick(['removed', 'count', 'size']);
      return pub('int', [`int ${n} = ${coll}.size();`, `${coll}.clear();`, `return ${n};`]);
    }
    case 'add': {
      const p = camel([d.noun]);
      const v = rng.int(4);
      if (v === 0) return pub('void', [`${coll}.add(${p});`], `${entity} ${p}`);
      if (v === 1) {
        c.imports.add('java.util.Objects');
        return pub('void', [`Objects.requireNonNull(${p}, ${jstr(p)});`, `${coll}.add(${p});`], `${entity} ${p}`);
      }
      if (v === 2) return pub('void', [`if (!${coll}.contains(${p})) {`, `${UNIT}${coll}.add(${p});`, '}'], `${entity} ${p}`);
      return pub('boolean', [`return ${coll}.add(${p});`], `${entity} ${p}`);
    }
    case 'remove': {
      const p = camel([d.noun]);
      const v = rng.int(3);
      if (v === 0) return pub('void', [`${coll}.remove(${p});`], `${entity} ${p}`);
      if (v === 1) return pub('boolean', [`return ${coll}.remove(${p});`], `${entity} ${p}`);
      const k = keyParam();
      return pub('boolean', [`return ${coll}.removeIf(${e} -> ${getter(c.key)}.equals(${k}));`], `String ${k}`);
    }
    case 'log': {
      const level = { error: ['SEVERE', 'severe', 'ERROR'], warning: ['WARNING', 'warning', 'WARN'], info: ['INFO', 'info', 'INFO'] }[spec.variant as 'error' | 'warning' | 'info'];
      const msg = rng.pick(POOLS.message);
      const v = rng.int(5);
      if (v === 0) {
        c.uses.add('logger');
        return pub('void', [`LOGGER.${level[1]}(${msg});`], `String ${msg}`);
      }
      if (v === 3) {
        c.uses.add('logger');
        c.imports.add('java.util.logging.Level');
        return pub('void', [`if (LOGGER.isLoggable(Level.${level[0]})) {`, `${UNIT}LOGGER.${level[1]}(String.format(${msg}, args));`, '}'], `String ${msg}, Object... args`);
      }
      if (v === 4) {
        c.uses.add('logger');
        return pub('void', [`LOGGER.${level[1]}(${concat([{ lit: '[' }, { expr: 'getClass().getSimpleName()' }, { lit: '] ' }, { expr: msg }])});`], `String ${msg}`);
      }
      if (v === 1) {
        c.uses.add('logger');
        c.imports.add('java.util.logging.Level');
        const thrown = rng.pick(['error', 'cause', 'thrown']);
        return pub('void', [`LOGGER.log(Level.${level[0]}, ${msg}, ${thrown});`], `String ${msg}, Throwable ${thrown}`);
      }
      const stream = spec.variant === 'info' ? 'System.out' : 'System.err';
      return pub('void', [`${stream}.println(${concat([{ lit: `${level[2]}: ` }, { expr: msg }])});`], `String ${msg}`);
    }
    default:
      throw new Error(`family ${spec.family} is not a service family`);
  }
}

// ---- files ----

function signature(name: string, m: JMethod, declarationOnly: boolean): string {
  const mods = declarationOnly ? '' : `${m.modifiers} `;
  return `${mods}${m.ret} ${name}(${m.params})${m.throws ? ` throws ${m.throws}` : ''}${declarationOnly ? ';' : ' {'}`;
}

function methodLines(pm: PlannedMethod, m: JMethod, d: DomainDef, rng: SynthRng, override: boolean): { lines: string[]; nameLine: number } {
  const lines: string[] = [];
  const annotations = [...(override && !m.annotations?.includes('@Override') ? ['@Override'] : []), ...(m.annotations ?? [])];
  if (!pm.alternatives && annotations.length === 0 && rng.chance(0.2)) lines.push(`/** ${docSentence(pm.spec, d)} */`);
  lines.push(...annotations);
  const nameLine = lines.length;
  lines.push(signature(pm.name, m, false), ...indentLines(m.body, UNIT), '}');
  return { lines, nameLine };
}

/** Imports of `imports` whose simple name occurs in `text`, sorted (as IDEs order them). */
function importLines(imports: Iterable<string>, text?: string): string[] {
  return [...imports]
    .filter((i) => text === undefined || new RegExp(`\\b${i.slice(i.lastIndexOf('.') + 1)}\\b`).test(text))
    .sort()
    .map((i) => `import ${i};`);
}

function header(buf: CodeBuffer, pkg: string, imports: string[]): void {
  buf.add(`package ${pkg};`, '');
  if (imports.length > 0) buf.add(...imports, '');
}

function packageOf(p: Project, sub: string): string {
  return `com.${p.org}.${p.words[0]}.${sub}`;
}

function javaPath(pkg: string, cls: string): string {
  return `src/main/java/${pkg.replace(/\./g, '/')}/${cls}.java`;
}

/** Renders a Java file plan: one file, or two for the `interface` form. */
export function renderJava(plan: FilePlan, rng: SynthRng, projects: ProjectAllocator): RenderedFile[] {
  const d = plan.domain;
  const entity = pascal(d.className);
  const c: Ctx = {
    rng,
    d,
    imports: new Set(),
    entity,
    coll: camel(pluralWords(d.className)),
    key: jfield(d, 'key'),
    text: jfield(d, 'text'),
    measure: jfield(d, 'measure'),
    flag: jfield(d, 'flag'),
    uses: new Set(),
  };
  return plan.role === 'model' ? renderModel(plan, c, projects) : renderService(plan, c, projects);
}

function renderModel(plan: FilePlan, c: Ctx, projects: ProjectAllocator): RenderedFile[] {
  const { rng, d, entity } = c;
  // `can` predicates read the permissions field; `reset` may clear it, so render those first.
  const ordered = plan.methods.map((pm, k) => ({ pm, k }));
  const rendered = new Map<number, JMethod>();
  for (const { pm, k } of [...ordered].sort((a, b) => Number(b.pm.spec.variant === 'can') - Number(a.pm.spec.variant === 'can'))) rendered.set(k, modelMethod(pm, c));
  const { project, paths } = projects.place([(p) => ({ paths: [javaPath(packageOf(p, 'model'), entity)], value: null })]);
  const serializable = rng.chance(0.3);
  if (serializable) c.imports.add('java.io.Serializable');
  if (c.uses.has('permissions')) {
    c.imports.add('java.util.EnumSet');
    c.imports.add('java.util.Set');
  }
  const buf = new CodeBuffer(UNIT);
  header(buf, packageOf(project, 'model'), importLines(c.imports));
  if (rng.chance(0.6)) buf.add('/**', ` * ${d.describe[0]!.toUpperCase()}${d.describe.slice(1)}.`, ' */');
  buf.add(`public class ${entity}${serializable ? ' implements Serializable' : ''} {`, '');
  buf.indent();
  if (serializable) buf.add(`private static final long serialVersionUID = ${rng.range(1, 9)}L;`, '');
  const fields = [c.key, c.text, c.measure, c.flag];
  buf.add(...fields.map((f, k) => `private ${k === 0 ? 'final ' : ''}${f.type} ${f.name};`));
  if (c.uses.has('permissions')) buf.add('private final Set<Permission> permissions = EnumSet.noneOf(Permission.class);');
  buf.add('');
  if (c.uses.has('permissions')) {
    const others = rng.shuffle(['READ', 'WRITE', 'VIEW', 'EDIT', 'ADMIN'].filter((p) => p !== upperSnake([d.permission]))).slice(0, 2);
    buf.add('public enum Permission {', `${UNIT}${rng.shuffle([upperSnake([d.permission]), ...others]).join(', ')}`, '}', '');
  }
  buf.add(`public ${entity}(String ${c.key.name}, String ${c.text.name}) {`, `${UNIT}this.${c.key.name} = ${c.key.name};`, `${UNIT}this.${c.text.name} = ${c.text.name};`, '}', '');
  plan.methods.forEach((pm, k) => {
    const { lines, nameLine } = methodLines(pm, rendered.get(k)!, d, rng, false);
    buf.method(pm, lines, nameLine);
    buf.add('');
  });
  buf.trimEnd();
  buf.dedent();
  buf.add('}');
  return [{ path: paths[0]!, language: 'java', text: buf.text(), methods: buf.methods.map((m) => ({ ...m, file: paths[0]!, language: 'java' as const })) }];
}

const SERVICE_SUFFIXES = ['Service', 'Repository', 'Manager', 'Registry', 'Store', 'Catalog'];

function renderService(plan: FilePlan, c: Ctx, projects: ProjectAllocator): RenderedFile[] {
  const { rng, d, entity, coll } = c;
  const rendered = plan.methods.map((pm) => serviceMethod(pm, c));
  const suffixes = rng.shuffle([...SERVICE_SUFFIXES]);
  const implPrefix = rng.pick(['InMemory', 'Default', 'Simple']);
  const names = suffixes.map((s) =>
    plan.form === 'interface' ? { iface: `${entity}${s}`, cls: `${implPrefix}${entity}${s}` } : { iface: undefined, cls: `${plan.form === 'abstract' ? 'Abstract' : ''}${entity}${s}` },
  );
  const { project, paths, value } = projects.place(
    names.map((n) => (p: Project) => {
      const pkg = packageOf(p, 'service');
      return { paths: [javaPath(pkg, n.cls), ...(n.iface ? [javaPath(pkg, n.iface)] : [])], value: n };
    }),
  );
  const pkg = packageOf(project, 'service');
  const modelImport = `${packageOf(project, 'model')}.${entity}`;
  c.imports.add(modelImport);
  c.imports.add('java.nio.file.Path');
  c.imports.add('java.util.ArrayList');
  c.imports.add('java.util.List');
  if (c.uses.has('logger')) c.imports.add('java.util.logging.Logger');
  const v = camel([d.noun]);

  const buf = new CodeBuffer(UNIT);
  header(buf, pkg, importLines(c.imports));
  if (rng.chance(0.5)) buf.add('/**', ` * Keeps track of ${plural(d)} and stores them on disk.`, ' */');
  const abstract = plan.form === 'abstract';
  buf.add(`public ${abstract ? 'abstract ' : ''}class ${value.cls}${value.iface ? ` implements ${value.iface}` : ''} {`, '');
  buf.indent();
  if (c.uses.has('logger')) buf.add(`private static final Logger LOGGER = Logger.getLogger(${value.cls}.class.getName());`, '');
  buf.add(`${abstract ? 'protected' : 'private'} final List<${entity}> ${coll} = new ArrayList<>();`, `private final Path storagePath;`, '');
  buf.add(`${abstract ? 'protected' : 'public'} ${value.cls}(Path storagePath) {`, `${UNIT}this.storagePath = storagePath;`, '}', '');
  if (abstract) buf.add(`/** Called after a ${d.noun} was added or removed. */`, `protected abstract void on${entity}Changed(${entity} ${v});`, '');
  const inInterface = (m: JMethod) => m.modifiers === 'public';
  plan.methods.forEach((pm, k) => {
    const m = rendered[k]!;
    const { lines, nameLine } = methodLines(pm, m, d, rng, value.iface !== undefined && inInterface(m));
    buf.method(pm, lines, nameLine);
    buf.add('');
  });
  buf.trimEnd();
  buf.dedent();
  buf.add('}');
  const files: RenderedFile[] = [{ path: paths[0]!, language: 'java', text: buf.text(), methods: buf.methods.map((m) => ({ ...m, file: paths[0]!, language: 'java' as const })) }];

  if (value.iface) {
    const sigs = plan.methods.flatMap((pm, k) => (inInterface(rendered[k]!) ? [signature(pm.name, rendered[k]!, true)] : []));
    const ib = new CodeBuffer(UNIT);
    header(ib, pkg, importLines(c.imports, sigs.join('\n')));
    ib.add('/**', ` * Storage of ${plural(d)}.`, ' */', `public interface ${value.iface} {`, '');
    ib.indent();
    for (const s of sigs) ib.add(s, '');
    ib.trimEnd();
    ib.dedent();
    ib.add('}');
    files.push({ path: paths[1]!, language: 'java', text: ib.text(), methods: [] });
  }
  return files;
}

function plural(d: DomainDef): string {
  return pluralWords([d.noun]).join(' ');
}
