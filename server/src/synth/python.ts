/**
 * Python rendering: an entity class per model file (plain attributes with `get_x` / `set_x`, or
 * `_x` attributes behind `@property` / `@x.setter`, or a `@dataclass`), and per service file
 * either a repository class over `self._items` or module-level functions over a list argument.
 * Type hints, docstrings, decorators (`@staticmethod`, `@lru_cache`) and `async def` appear in
 * some files and methods, as they do in real code.
 */
import type { FilePlan, PlannedMethod } from './plan';
import type { Project, ProjectAllocator } from './projects';
import type { SynthRng } from '../util/rng';
import { CodeBuffer, LIMITS, POOLS, docSentence, elementVar, fieldParam, indentLines, type RenderedFile } from './render';
import { fieldOf, pascal, plural, pluralWords, snake, upperSnake, type DomainDef, type FieldKind, type FieldRole } from './vocab';

const UNIT = '    ';

interface PField {
  readonly name: string;
  readonly kind: FieldKind;
  readonly type: string;
  readonly zero: string;
}

function pfield(d: DomainDef, role: FieldRole): PField {
  const f = fieldOf(d, role);
  return {
    name: snake(f.words),
    kind: f.kind,
    type: { string: 'str', int: 'int', decimal: 'float', bool: 'bool' }[f.kind],
    zero: { string: '""', int: '0', decimal: '0.0', bool: 'False' }[f.kind],
  };
}

/** A function before it is laid out. */
interface PMethod {
  decorators?: string[];
  async?: boolean;
  /** Parameters after `self` (in a class) or all of them (module function), with hints when the file has them. */
  params: { name: string; type?: string; default?: string }[];
  ret?: string;
  body: string[];
  /** A class method that takes no `self` (rendered with `@staticmethod`). */
  static?: boolean;
}

interface Ctx {
  readonly rng: SynthRng;
  readonly d: DomainDef;
  readonly entity: string;
  readonly imports: Set<string>;
  readonly uses: Set<'logger' | 'permissions'>;
  readonly key: PField;
  readonly text: PField;
  readonly measure: PField;
  readonly flag: PField;
  /** How a method reads an entity attribute from inside the entity (`self._total` or `self.total`). */
  readonly attr: (f: PField | string) => string;
  /** Service: `self._users` (class) or `users` (functions). */
  readonly coll: string;
  readonly isClass: boolean;
  /** The file has type hints. */
  readonly hints: boolean;
  /** The file starts with `from __future__ import annotations` (so `X | None` is fine). */
  readonly future: boolean;
}

function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// ---- model ----

function modelMethod(pm: PlannedMethod, c: Ctx): PMethod {
  const { rng, entity } = c;
  const spec = pm.spec;
  const decorators = pm.property ? { decorators: ['@property'] } : {};
  if (spec.pair === 'text-get-string') return { params: [], ret: 'str', body: [`return ${c.attr(c.text)}`], ...decorators };
  if (spec.pair === 'measure-get-format') return { params: [], ret: 'str', body: [rng.pick([`return str(${c.attr(c.measure)})`, `return f"{${c.attr(c.measure)}}"`])], ...decorators };
  const f = spec.field ? pfield(c.d, spec.field) : c.key;
  const a = c.attr(f);
  switch (spec.family) {
    case 'constructor': {
      const withDefaults = rng.chance(0.5);
      const params = [
        { name: c.key.name, type: 'str' },
        { name: c.text.name, type: 'str' },
        ...(withDefaults ? [c.measure, c.flag].map((x) => ({ name: x.name, type: x.type, default: x.zero })) : []),
      ];
      const body: string[] = [];
      if (rng.chance(0.3)) body.push(`if not ${c.key.name}:`, `${UNIT}raise ValueError(${q(`${c.key.name} is required`)})`);
      for (const x of [c.key, c.text]) body.push(`${c.attr(x)} = ${x.name}`);
      for (const x of [c.measure, c.flag]) body.push(`${c.attr(x)} = ${withDefaults ? x.name : x.zero}`);
      if (c.uses.has('permissions')) body.push(`${c.attr('permissions')}${c.hints ? ': set[Permission]' : ''} = set()`);
      return { params, ret: 'None', body };
    }
    case 'getter':
    {
      const options = [`return ${a}`, `return ${a}`];
      if (f.kind === 'string') options.push(`return ${a} or ""`, `return ${a} if ${a} is not None else ""`, `return str(${a})`);
      else if (f.kind === 'decimal') options.push(`return round(${a}, 2)`, `return float(${a})`);
      else options.push(`return max(${a}, 0)`, `return int(${a})`);
      return { params: [], ret: f.type, body: [rng.pick(options)], ...(pm.property ? { decorators: ['@property'] } : {}) };
    }
    case 'setter': {
      // Property setters take `value`, `set_x` methods a parameter named after the field: the
      // body then tells the two apart, as it must, since the two names differ.
      const p = pm.property ? 'value' : rng.pick([f.name, `new_${f.name}`]);
      const body: string[] = [];
      if (f.kind === 'string' && rng.chance(0.2)) body.push(`if ${p} is None:`, `${UNIT}raise TypeError(${q(`${f.name} must be a string`)})`, `${a} = ${p}`);
      else if (f.kind === 'string' && rng.chance(0.4)) body.push(`${a} = ${p}.strip()`);
      else if (f.kind === 'bool' && rng.chance(0.4)) body.push(`${a} = bool(${p})`);
      else if ((f.kind === 'int' || f.kind === 'decimal') && rng.chance(0.5)) {
        body.push(`if ${p} < 0:`, `${UNIT}raise ValueError(${q(`${f.name} must not be negative`)})`, `${a} = ${p}`);
      } else body.push(`${a} = ${p}`);
      return { params: [{ name: p, type: f.type }], ret: 'None', body, ...(pm.property ? { decorators: [`@${f.name}.setter`] } : {}) };
    }
    case 'predicate': {
      if (spec.variant === 'can') {
        c.uses.add('permissions');
        const perm = `Permission.${upperSnake([c.d.permission])}`;
        const perms = c.attr('permissions');
        return { params: [], ret: 'bool', body: [rng.pick([`return ${perm} in ${perms}`, `return any(p is ${perm} for p in ${perms})`, `return {${perm}} <= ${perms}`])] };
      }
      if (spec.variant === 'has') {
        return { params: [], ret: 'bool', body: [rng.pick([`return bool(${a})`, `return ${a} is not None and ${a} != ""`, `return len(${a} or "") > 0`, `return bool(${a} and ${a}.strip())`])] };
      }
      return { params: [], ret: 'bool', body: [rng.pick([`return ${a}`, `return bool(${a})`, `return ${a} is True`, `return ${a} and ${c.attr(c.key)} is not None`, `return bool(${a} and ${c.attr(c.key)})`])] };
    }
    case 'conversion': {
      const fields = rng.shuffle([c.key, c.text, c.measure, c.flag]).slice(0, rng.range(2, 4));
      const pairs = fields.map((x) => `${q(x.name)}: ${c.attr(x)}`);
      if (spec.variant === 'map') {
        const v = rng.int(3);
        if (v === 0) return { params: [], ret: 'dict[str, object]', body: [`return {${pairs.join(', ')}}`] };
        if (v === 1) return { params: [], ret: 'dict[str, object]', body: [`return dict(${fields.map((x) => `${x.name}=${c.attr(x)}`).join(', ')})`] };
        return { params: [], ret: 'dict[str, object]', body: ['return {', ...pairs.map((p) => `${UNIT}${p},`), '}'] };
      }
      c.imports.add('import json');
      const extra = rng.pick(['', ', sort_keys=True', ', indent=2']);
      return { params: [], ret: 'str', body: [`return json.dumps({${pairs.join(', ')}}${extra})`] };
    }
    case 'equals': {
      const o = rng.pick(['other', 'value', 'obj']);
      const cmp = rng.chance(0.5) ? `${c.attr(c.key)} == ${o}.${c.attr(c.key).slice(5)}` : `(${c.attr(c.key)}, ${c.attr(c.measure)}) == (${o}.${c.attr(c.key).slice(5)}, ${o}.${c.attr(c.measure).slice(5)})`;
      const body = rng.chance(0.5) ? [`if not isinstance(${o}, ${entity}):`, `${UNIT}return NotImplemented`, `return ${cmp}`] : [`return isinstance(${o}, ${entity}) and ${cmp}`];
      return { params: [{ name: o, type: 'object' }], ret: 'bool', body };
    }
    case 'hash':
    {
      const fields = [c.key, ...rng.shuffle([c.text, c.measure, c.flag]).slice(0, rng.int(3))].map((x) => c.attr(x));
      if (fields.length === 1) return { params: [], ret: 'int', body: [rng.pick([`return hash(${fields[0]})`, `return hash((type(self).__name__, ${fields[0]}))`])] };
      return { params: [], ret: 'int', body: [`return hash((${fields.join(', ')}))`] };
    }
    case 'to-string': {
      const fields = [c.key, ...rng.shuffle([c.text, c.measure, c.flag]).slice(0, rng.range(0, 2))];
      const v = rng.int(3);
      if (v === 0) return { params: [], ret: 'str', body: [`return f"${entity}(${fields.map((x) => `${x.name}={${c.attr(x)}!r}`).join(', ')})"`] };
      if (v === 1) return { params: [], ret: 'str', body: [`return "${entity}(${fields.map(() => '%r').join(', ')})" % (${fields.map((x) => c.attr(x)).join(', ')},)`] };
      return { params: [], ret: 'str', body: [`return "{}({})".format(type(self).__name__, ${c.attr(c.key)})`] };
    }
    case 'format': {
      const digits = rng.range(1, 3);
      const options =
        f.kind === 'decimal'
          ? [`return f"{${a}:.${digits}f}"`, `return "{:,.${digits}f}".format(${a})`, `return format(${a}, ",.${digits}f")`, `return f"{${a}:>${rng.range(8, 12)}.2f}"`]
          : [`return f"{${a}:,}"`, `return format(${a}, "d")`, `return "{:d}".format(${a})`, `return f"{${a}:>${rng.range(3, 8)}d}"`];
      return { params: [], ret: 'str', body: [rng.pick(options)] };
    }
    case 'reset': {
      const fields = rng.shuffle([c.text, c.measure, c.flag]).slice(0, rng.range(2, 3));
      const body = fields.map((x) => `${c.attr(x)} = ${x.kind === 'string' ? rng.pick(['""', 'None']) : x.zero}`);
      if (c.uses.has('permissions') && rng.chance(0.5)) body.push(`${c.attr('permissions')}.clear()`);
      return { params: [], ret: 'None', body };
    }
    default:
      throw new Error(`family ${spec.family} is not a model family`);
  }
}

// ---- service ----

function serviceMethod(pm: PlannedMethod, c: Ctx): PMethod {
  const { rng, d, entity, coll } = c;
  const spec = pm.spec;
  const listParam = c.isClass ? [] : [{ name: coll, type: `list[${entity}]` }];
  const e = elementVar(rng, d, [coll, 'max', 'sum', 'min', 'filter', 'next', 'len', 'any', 'all']);
  const fileVar = snake([d.noun, rng.pick(['file', 'file', 'path', 'source'])]);
  const fileParam = { name: fileVar, type: 'Path' };
  const storage = c.isClass ? 'self._storage_path' : fileVar;
  const storageParam = c.isClass ? [] : [fileParam];
  // Module functions take the storage file as a `Path` argument (a class keeps it in `__init__`).
  if (!c.isClass && (spec.family === 'load' || spec.family === 'save') && !spec.pair) c.imports.add('from pathlib import Path');
  const keyParam = () => rng.pick([c.key.name, c.key.name, 'target', 'wanted']);
  const path = () => c.imports.add('from pathlib import Path');
  switch (spec.pair) {
    case 'read-load':
      path();
      if (rng.chance(0.5)) return { params: [fileParam], ret: 'str', body: [`return Path(${fileVar}).read_text(encoding="utf-8")`] };
      return { params: [fileParam], ret: 'str', body: [`with open(${fileVar}, encoding="utf-8") as handle:`, `${UNIT}return handle.read()`] };
    case 'write-save':
      path();
      if (rng.chance(0.5)) return { params: [fileParam, { name: 'content', type: 'str' }], ret: 'None', body: [`Path(${fileVar}).write_text(content, encoding="utf-8")`] };
      return { params: [fileParam, { name: 'content', type: 'str' }], ret: 'None', body: [`with open(${fileVar}, "w", encoding="utf-8") as handle:`, `${UNIT}handle.write(content)`] };
    case 'create-build':
      return { params: [{ name: c.key.name, type: 'str' }, { name: c.text.name, type: 'str' }], ret: entity, body: [`return ${entity}(${c.key.name}, ${c.text.name})`] };
    case 'clear-reset':
      return { params: listParam, ret: 'None', body: [`${coll}.clear()`] };
    default:
  }
  const f = spec.field ? pfield(d, spec.field) : c.key;
  const get = (x: PField) => `${e}.${x.name}`;
  switch (spec.family) {
    case 'sum': {
      const acc = rng.pick(POOLS.sum);
      const v = rng.int(3);
      if (v === 0) return { params: listParam, ret: f.type, body: [`return sum(${get(f)} for ${e} in ${coll})`] };
      if (v === 1) return { params: listParam, ret: f.type, body: [`${acc} = ${f.zero}`, `for ${e} in ${coll}:`, `${UNIT}${acc} += ${get(f)}`, `return ${acc}`] };
      if (f.kind === 'decimal') {
        c.imports.add('import math');
        return { params: listParam, ret: f.type, body: [`return math.fsum(${get(f)} for ${e} in ${coll})`] };
      }
      return { params: listParam, ret: f.type, body: [`return sum([${get(f)} for ${e} in ${coll}])`] };
    }
    case 'count': {
      const n = rng.pick(POOLS.count);
      const v = rng.int(3);
      if (v === 0) return { params: listParam, ret: 'int', body: [`return sum(1 for ${e} in ${coll} if ${get(f)})`] };
      if (v === 1) return { params: listParam, ret: 'int', body: [`${n} = 0`, `for ${e} in ${coll}:`, `${UNIT}if ${get(f)}:`, `${UNIT}${UNIT}${n} += 1`, `return ${n}`] };
      return { params: listParam, ret: 'int', body: [`return len([${e} for ${e} in ${coll} if ${get(f)}])`] };
    }
    case 'find': {
      const p = keyParam();
      const opt = c.future ? `${entity} | None` : `Optional[${entity}]`;
      if (opt.startsWith('Optional')) c.imports.add('from typing import Optional');
      if (rng.chance(0.5)) return { params: [...listParam, { name: p, type: 'str' }], ret: opt, body: [`for ${e} in ${coll}:`, `${UNIT}if ${get(f)} == ${p}:`, `${UNIT}${UNIT}return ${e}`, 'return None'] };
      return { params: [...listParam, { name: p, type: 'str' }], ret: opt, body: [`return next((${e} for ${e} in ${coll} if ${get(f)} == ${p}), None)`] };
    }
    case 'filter': {
      const out = rng.pick(POOLS.list);
      const v = rng.int(3);
      if (v === 0) return { params: listParam, ret: `list[${entity}]`, body: [`return [${e} for ${e} in ${coll} if ${get(f)}]`] };
      if (v === 1) return { params: listParam, ret: `list[${entity}]`, body: [`${out} = []`, `for ${e} in ${coll}:`, `${UNIT}if ${get(f)}:`, `${UNIT}${UNIT}${out}.append(${e})`, `return ${out}`] };
      return { params: listParam, ret: `list[${entity}]`, body: [`return list(filter(lambda ${e}: ${get(f)}, ${coll}))`] };
    }
    case 'max': {
      const mx = rng.pick(POOLS.max.filter((x) => x !== 'max'));
      const v = rng.int(3);
      if (v === 0) return { params: listParam, ret: f.type, body: [`return max((${get(f)} for ${e} in ${coll}), default=${f.zero})`] };
      if (v === 1) return { params: listParam, ret: f.type, body: [`${mx} = ${f.zero}`, `for ${e} in ${coll}:`, `${UNIT}if ${get(f)} > ${mx}:`, `${UNIT}${UNIT}${mx} = ${get(f)}`, `return ${mx}`] };
      return { params: listParam, ret: f.type, body: [`if not ${coll}:`, `${UNIT}return ${f.zero}`, `return max(${coll}, key=lambda ${e}: ${get(f)}).${f.name}`] };
    }
    case 'validate': {
      const p = fieldParam(rng, fieldOf(d, spec.field!).words, snake, 'value');
      const limit = rng.pick(LIMITS);
      const body: string[] = [];
      if (f.kind === 'string') {
        body.push(`if not ${p}${rng.chance(0.5) ? ` or not ${p}.strip()` : ''}:`, `${UNIT}raise ValueError(${q(`${f.name} must not be empty`)})`);
        if (rng.chance(0.6)) body.push(`if len(${p}) > ${limit}:`, `${UNIT}raise ValueError(f"${f.name} is too long: {len(${p})}")`);
      } else {
        body.push(`if ${p} < 0:`, `${UNIT}raise ValueError(f"${f.name} must not be negative: {${p}}")`);
        if (rng.chance(0.6)) body.push(`if ${p} > ${limit}:`, `${UNIT}raise ValueError(f"${f.name} exceeds ${limit}: {${p}}")`);
      }
      const returns = rng.chance(0.3);
      return { params: [{ name: p, type: f.type }], ret: returns ? f.type : 'None', body: returns ? [...body, `return ${p}`] : body, static: c.isClass && rng.chance(0.5) };
    }
    case 'read': {
      path();
      const lines = `${snake([d.noun])}_lines`;
      const line = rng.pick(POOLS.line);
      const v = rng.int(3);
      if (v === 0) return { params: [fileParam], ret: 'list[str]', body: [`with open(${fileVar}, encoding="utf-8") as handle:`, `${UNIT}return [${line}.rstrip("\\n") for ${line} in handle]`] };
      if (v === 1) return { params: [fileParam], ret: 'list[str]', body: [`${lines} = Path(${fileVar}).read_text(encoding="utf-8").splitlines()`, `return [${line} for ${line} in ${lines} if ${line}.strip()]`] };
      c.imports.add('import asyncio');
      return { async: true, params: [fileParam], ret: 'list[str]', body: [`text = await asyncio.to_thread(Path(${fileVar}).read_text, encoding="utf-8")`, 'return text.splitlines()'] };
    }
    case 'write': {
      path();
      const v = rng.int(3);
      if (v === 0) return { params: [...listParam, fileParam], ret: 'None', body: [`with open(${fileVar}, "w", encoding="utf-8") as out:`, `${UNIT}for ${e} in ${coll}:`, `${UNIT}${UNIT}out.write(f"{${e}}\\n")`] };
      if (v === 1) {
        c.imports.add('from typing import TextIO');
        return { params: [...listParam, { name: 'stream', type: 'TextIO' }], ret: 'None', body: [`for ${e} in ${coll}:`, `${UNIT}print(${e}, file=stream)`] };
      }
      return { params: [...listParam, fileParam], ret: 'None', body: [`Path(${fileVar}).write_text("\\n".join(str(${e}) for ${e} in ${coll}), encoding="utf-8")`] };
    }
    case 'load': {
      const v = rng.int(3);
      const target = c.isClass ? [`${coll} = `, ''] : ['return ', ''];
      const ret = c.isClass ? 'None' : `list[${entity}]`;
      if (v === 0) {
        c.imports.add('import json');
        return { params: storageParam, ret, body: [`with open(${storage}, encoding="utf-8") as handle:`, `${UNIT}data = json.load(handle)`, `${target[0]}[${entity}(**item) for item in data]`] };
      }
      if (v === 1) {
        c.imports.add('import csv');
        return { params: storageParam, ret, body: [`with open(${storage}, newline="", encoding="utf-8") as handle:`, `${UNIT}${target[0]}[${entity}(row[0], row[1]) for row in csv.reader(handle)]`] };
      }
      c.imports.add('import pickle');
      return { params: storageParam, ret, body: [`with open(${storage}, "rb") as handle:`, `${UNIT}${target[0]}pickle.load(handle)`] };
    }
    case 'save': {
      const v = rng.int(3);
      const params = [...listParam, ...storageParam];
      if (v === 0) {
        c.imports.add('import json');
        return { params, ret: 'None', body: [`with open(${storage}, "w", encoding="utf-8") as handle:`, `${UNIT}json.dump([vars(${e}) for ${e} in ${coll}], handle${rng.pick(['', ', indent=2'])})`] };
      }
      if (v === 1) {
        c.imports.add('import csv');
        return { params, ret: 'None', body: [`with open(${storage}, "w", newline="", encoding="utf-8") as handle:`, `${UNIT}writer = csv.writer(handle)`, `${UNIT}for ${e} in ${coll}:`, `${UNIT}${UNIT}writer.writerow([${get(c.key)}, ${get(c.text)}])`] };
      }
      c.imports.add('import os');
      c.imports.add('import pickle');
      return { params, ret: 'None', body: [`tmp = f"{${storage}}.tmp"`, 'with open(tmp, "wb") as handle:', `${UNIT}pickle.dump(${coll}, handle)`, `os.replace(tmp, ${storage})`] };
    }
    case 'open': {
      path();
      c.imports.add('from typing import IO');
      return { params: [fileParam], ret: 'IO[str]', body: [rng.pick([`return open(${fileVar}, encoding="utf-8")`, `return Path(${fileVar}).open("r", encoding="utf-8")`, `return open(${fileVar}, "r", encoding="utf-8", newline="")`])] };
    }
    case 'create': {
      const made = rng.pick([snake([d.noun]), 'created', 'instance']);
      const body: string[] = [];
      if (rng.chance(0.3)) body.push(`if not ${c.key.name}:`, `${UNIT}raise ValueError(${q(`${c.key.name} is required`)})`);
      body.push(`${made} = ${entity}(${c.key.name}, ${c.text.name})`, `${coll}.append(${made})`, `return ${made}`);
      return { params: [...listParam, { name: c.key.name, type: 'str' }, { name: c.text.name, type: 'str' }], ret: entity, body };
    }
    case 'build': {
      const data = rng.pick(['data', 'fields', 'values', 'attributes']);
      const v = rng.int(3);
      const params = [{ name: data, type: 'dict[str, str]' }];
      if (v === 0) return { params, ret: entity, body: [`return ${entity}(${data}[${q(c.key.name)}], ${data}.get(${q(c.text.name)}, ""))`] };
      if (v === 1) return { params, ret: entity, body: [`return ${entity}(**${data})`] };
      return { params, ret: entity, body: [`built = ${entity}(`, `${UNIT}${c.key.name}=${data}[${q(c.key.name)}],`, `${UNIT}${c.text.name}=${data}[${q(c.text.name)}],`, ')', 'return built'] };
    }
    case 'parse': {
      if (spec.variant === 'record') {
        const t = rng.pick(POOLS.line);
        const sep = rng.pick([',', ';', '|', '\\t']);
        if (rng.chance(0.5)) {
          return { params: [{ name: t, type: 'str' }], ret: entity, static: c.isClass, body: [`parts = ${t}.split("${sep}")`, `return ${entity}(parts[0].strip(), parts[1].strip())`] };
        }
        return {
          params: [{ name: t, type: 'str' }],
          ret: entity,
          static: c.isClass,
          body: [`${c.key.name}, ${c.text.name} = (part.strip() for part in ${t}.split("${sep}", 1))`, `return ${entity}(${c.key.name}, ${c.text.name})`],
        };
      }
      const t = fieldParam(rng, fieldOf(d, spec.field!).words, snake, 'text');
      const conv = f.kind === 'decimal' ? 'float' : 'int';
      if (rng.chance(0.5)) {
        const cached = !c.isClass && rng.chance(0.4);
        if (cached) c.imports.add('from functools import lru_cache');
        return { params: [{ name: t, type: 'str' }], ret: f.type, static: c.isClass, body: [`return ${conv}(${t}.strip())`], ...(cached ? { decorators: ['@lru_cache(maxsize=256)'] } : {}) };
      }
      return {
        params: [{ name: t, type: 'str' }],
        ret: f.type,
        static: c.isClass,
        body: ['try:', `${UNIT}return ${conv}(${t})`, 'except ValueError as exc:', `${UNIT}raise ValueError(f"invalid ${f.name}: {${t}!r}") from exc`],
      };
    }
    case 'clear': {
      const v = rng.int(3);
      if (v === 0) return { params: listParam, ret: 'None', body: [rng.chance(0.5) ? `if ${coll}:` : `if len(${coll}) > 0:`, `${UNIT}${coll}.clear()`] };
      if (v === 1) return { params: listParam, ret: 'int', body: [`removed = len(${coll})`, `${coll}.clear()`, 'return removed'] };
      return { params: listParam, ret: 'None', body: [`del ${coll}[:]`] };
    }
    case 'add': {
      const p = snake([d.noun]);
      const v = rng.int(3);
      const params = [...listParam, { name: p, type: entity }];
      if (v === 0) return { params, ret: 'None', body: [`${coll}.append(${p})`] };
      if (v === 1) return { params, ret: 'None', body: [`if ${p} not in ${coll}:`, `${UNIT}${coll}.append(${p})`] };
      return { params, ret: 'None', body: [`if ${p} is None:`, `${UNIT}raise ValueError(${q(`${p} is required`)})`, `${coll}.append(${p})`] };
    }
    case 'remove': {
      const p = snake([d.noun]);
      const v = rng.int(3);
      if (v === 0) return { params: [...listParam, { name: p, type: entity }], ret: 'None', body: [`${coll}.remove(${p})`] };
      if (v === 1) return { params: [...listParam, { name: p, type: entity }], ret: 'bool', body: [`if ${p} in ${coll}:`, `${UNIT}${coll}.remove(${p})`, `${UNIT}return True`, 'return False'] };
      const k = keyParam();
      return { params: [...listParam, { name: k, type: 'str' }], ret: 'None', body: [`${coll}[:] = [${e} for ${e} in ${coll} if ${get(c.key)} != ${k}]`] };
    }
    case 'log': {
      const msg = rng.pick(POOLS.message);
      const level = spec.variant === 'error' ? 'error' : spec.variant === 'warning' ? 'warning' : 'info';
      const v = rng.int(5);
      const params = [{ name: msg, type: 'str' }];
      if (v === 0) {
        c.uses.add('logger');
        return { params, ret: 'None', body: [`logger.${level}(${msg})`] };
      }
      if (v === 3) {
        c.uses.add('logger');
        return { params, ret: 'None', body: [`if logger.isEnabledFor(logging.${level.toUpperCase()}):`, `${UNIT}logger.${level}(${msg})`] };
      }
      if (v === 4) {
        c.uses.add('logger');
        return { params: [...params, { name: '*args', type: 'object' }], ret: 'None', body: [`logger.log(logging.${level.toUpperCase()}, ${msg}, *args)`] };
      }
      if (v === 1) {
        c.uses.add('logger');
        return { params, ret: 'None', body: [`logger.${level}("%s", ${msg})`] };
      }
      if (level === 'info') return { params, ret: 'None', body: [`print(f"INFO: {${msg}}")`] };
      c.imports.add('import sys');
      return { params, ret: 'None', body: [`print(f"${level.toUpperCase()}: {${msg}}", file=sys.stderr)`] };
    }
    default:
      throw new Error(`family ${spec.family} is not a service family`);
  }
}

// ---- files ----

function paramList(m: PMethod, inClass: boolean, hints: boolean): string {
  const ps = m.params.map((p) => {
    if (hints && p.type) return `${p.name}: ${p.type}${p.default !== undefined ? ` = ${p.default}` : ''}`;
    return `${p.name}${p.default !== undefined ? `=${p.default}` : ''}`;
  });
  return (inClass && !m.static ? ['self', ...ps] : ps).join(', ');
}

function defLines(pm: PlannedMethod, m: PMethod, c: Ctx, inClass: boolean): { lines: string[]; nameLine: number } {
  const lines: string[] = [];
  if (m.static && inClass) lines.push('@staticmethod');
  lines.push(...(m.decorators ?? []));
  const nameLine = lines.length;
  const ret = c.hints && m.ret ? ` -> ${m.ret}` : '';
  lines.push(`${m.async ? 'async ' : ''}def ${pm.name}(${paramList(m, inClass, c.hints)})${ret}:`);
  const body = [...m.body];
  if (!pm.alternatives && c.rng.chance(0.2)) body.unshift(`"""${docSentence(pm.spec, c.d)}"""`);
  lines.push(...indentLines(body, UNIT));
  return { lines, nameLine };
}

function importBlock(imports: Set<string>): string[] {
  const plain = [...imports].filter((i) => i.startsWith('import ')).sort();
  const from = [...imports].filter((i) => i.startsWith('from ') && !i.startsWith('from __future__')).sort();
  return [...plain, ...from];
}

/** Renders a Python file plan. */
export function renderPython(plan: FilePlan, rng: SynthRng, projects: ProjectAllocator): RenderedFile[] {
  const d = plan.domain;
  const entity = pascal(d.className);
  const hints = rng.chance(0.6);
  const future = hints && rng.chance(0.5);
  const isModel = plan.role === 'model';
  const isClass = plan.form === 'class' || plan.form === 'dataclass';
  const underscore = isModel && plan.pyProperties;
  const c: Ctx = {
    rng,
    d,
    entity,
    imports: new Set(),
    uses: new Set(plan.methods.some((m) => m.spec.variant === 'can') ? ['permissions'] : []),
    key: pfield(d, 'key'),
    text: pfield(d, 'text'),
    measure: pfield(d, 'measure'),
    flag: pfield(d, 'flag'),
    attr: (f) => `self.${underscore ? '_' : ''}${typeof f === 'string' ? f : f.name}`,
    coll: plan.form === 'functions' ? snake(pluralWords(d.className)) : `self._${snake(pluralWords(d.className))}`,
    isClass,
    hints,
    future,
  };
  const rendered = plan.methods.map((pm) => {
    if (pm.spec.family === 'constructor') return undefined;
    return isModel ? modelMethod(pm, c) : serviceMethod(pm, c);
  });
  const ctorIndex = plan.methods.findIndex((m) => m.spec.family === 'constructor');
  if (ctorIndex >= 0) rendered[ctorIndex] = isModel ? modelMethod(plan.methods[ctorIndex]!, c) : serviceConstructor(c);

  const moduleWords = [d.noun];
  const suffixes = isModel ? [''] : rng.shuffle(plan.form === 'functions' ? ['utils', 'helpers', 'ops', 'queries'] : ['service', 'repository', 'store', 'registry', 'manager']);
  const { project, paths, value: suffix } = projects.place(
    suffixes.flatMap((sfx) => {
      const base = isModel ? snake(d.className) : snake([...moduleWords, sfx]);
      return [(p: Project) => ({ paths: [`${p.words[0]}/${base}.py`], value: sfx }), (p: Project) => ({ paths: [`${p.words[0]}/${isModel ? 'models' : 'services'}/${base}.py`], value: sfx })];
    }),
  );
  const path = paths[0]!;
  const className = isModel ? entity : `${entity}${pascal([suffix])}`;
  if (c.uses.has('permissions')) c.imports.add('from enum import Enum');
  if (plan.form === 'dataclass') c.imports.add(c.uses.has('permissions') ? 'from dataclasses import dataclass, field' : 'from dataclasses import dataclass');
  if (c.uses.has('logger')) c.imports.add('import logging');
  if (!isModel && isClass) c.imports.add('from pathlib import Path');

  const buf = new CodeBuffer(UNIT);
  if (rng.chance(0.5)) buf.add(`"""${isModel ? pascal([plural(d.noun)]) : pascal([d.noun])} ${isModel ? 'and their fields' : 'storage and queries'}."""`, '');
  if (future) buf.add('from __future__ import annotations', '');
  const imports = importBlock(c.imports);
  if (imports.length > 0) buf.add(...imports, '');
  if (!isModel) buf.add(`from ${project.words[0]}.${snake(d.className)} import ${entity}`, '');
  if (c.uses.has('logger')) buf.add('logger = logging.getLogger(__name__)', '');
  buf.add('');
  if (c.uses.has('permissions')) {
    const own = upperSnake([d.permission]);
    const perms = [own, ...rng.shuffle(['READ', 'WRITE', 'VIEW', 'ADMIN'].filter((p) => p !== own)).slice(0, 2)];
    buf.add('class Permission(Enum):', ...perms.map((p) => `${UNIT}${p} = ${q(p.toLowerCase())}`), '', '');
  }

  if (isClass) {
    if (plan.form === 'dataclass') buf.add('@dataclass');
    buf.add(`class ${className}:`);
    buf.indent();
    if (rng.chance(0.6)) buf.add(`"""${isModel ? `${d.describe[0]!.toUpperCase()}${d.describe.slice(1)}.` : `Keeps ${plural(d.noun)} in memory and on disk.`}"""`, '');
    if (plan.form === 'dataclass') {
      buf.add(`${c.key.name}: str`, `${c.text.name}: str`, `${c.measure.name}: ${c.measure.type} = ${c.measure.zero}`, `${c.flag.name}: bool = False`);
      if (c.uses.has('permissions')) buf.add('permissions: set[Permission] = field(default_factory=set)');
      buf.add('');
    }
    if (plan.methods.length === 0 && plan.form !== 'dataclass') buf.add('pass');
    plan.methods.forEach((pm, k) => {
      const { lines, nameLine } = defLines(pm, rendered[k]!, c, true);
      buf.method(pm, lines, nameLine);
      buf.add('');
    });
    buf.trimEnd();
    buf.dedent();
  } else {
    plan.methods.forEach((pm, k) => {
      const { lines, nameLine } = defLines(pm, rendered[k]!, c, false);
      buf.method(pm, lines, nameLine);
      buf.add('', '');
    });
  }
  return [{ path, language: 'python', text: buf.text(), methods: buf.methods.map((m) => ({ ...m, file: path, language: 'python' as const })) }];
}

function serviceConstructor(c: Ctx): PMethod {
  const list = c.coll;
  if (c.rng.chance(0.5)) {
    return { params: [{ name: 'storage_path', type: 'Path' }], ret: 'None', body: [`${list}${c.hints ? `: list[${c.entity}]` : ''} = []`, 'self._storage_path = storage_path'] };
  }
  const initial = plural(c.d.noun);
  const opt = c.future ? `list[${c.entity}] | None` : `Optional[list[${c.entity}]]`;
  if (c.hints && !c.future) c.imports.add('from typing import Optional');
  return {
    params: [
      { name: 'storage_path', type: 'Path' },
      { name: initial, type: opt, default: 'None' },
    ],
    ret: 'None',
    body: [`self._storage_path = storage_path`, `${list} = list(${initial} or [])`],
  };
}
