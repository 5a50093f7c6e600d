/**
 * Columnar storage of extracted samples: one Int32Array for all body tokens, one for all
 * path-context triples, offsets into them, and one small array per metadata field. At 200k
 * methods × 200 contexts this is 200k × 600 × 4 B ≈ 480 MB of contexts plus the bodies, instead
 * of 400k separate typed arrays and their headers; it is also the exact layout of the cache file,
 * which therefore loads as views without copying.
 *
 * Strings that repeat across samples (file paths, repository names, names, labels, docs) are
 * interned in one table, `strings`, and referenced by id (-1 = absent).
 */
import { EngineError, ERROR_CODES } from '../errors';
import { LANGUAGE_IDS, StringTable, type ExtractedSample, type LanguageId, type SampleOrigin } from '../parse/sample';

/** Largest total of body tokens or context ints (Int32 offsets). */
const MAX_INT32_OFFSET = 0x7fffffff;

/** The label of a sample: its name subtokens joined with '|' (the method-name prediction target). */
export function labelOf(nameSubtokens: readonly string[]): string {
  return nameSubtokens.join('|');
}

/** The arrays a `SampleColumns` is made of (what the cache stores). */
export interface SampleColumnsData {
  ids: string[];
  /** Index into `LANGUAGE_IDS`. */
  language: Uint8Array;
  /** String ids of the name as written. */
  name: Int32Array;
  /** String ids of the label (`labelOf(nameSubtokens)`). */
  label: Int32Array;
  /** String ids of the docstring, -1 when none. */
  doc: Int32Array;
  file: Int32Array;
  root: Int32Array;
  /** JSONL line (1-based), 0 when not from JSONL. */
  jsonlLine: Int32Array;
  archiveEntry: Int32Array;
  repo: Int32Array;
  recordPath: Int32Array;
  /** startLine, startColumn, endLine, endColumn per sample. */
  ranges: Int32Array;
  /** `bodyOffsets[i]..bodyOffsets[i+1]` is sample i's slice of `bodyTokens` (length count + 1). */
  bodyOffsets: Int32Array;
  bodyTokens: Int32Array;
  /** `contextOffsets[i]..contextOffsets[i+1]` is sample i's slice of `contexts`, in ints (3 per context). */
  contextOffsets: Int32Array;
  contexts: Int32Array;
  /** The interned metadata strings. */
  strings: string[];
}

/** Read access to a corpus of samples in columnar form. Token and path ids refer to the extractor's `StringTables`. */
export class SampleColumns implements SampleColumnsData {
  readonly ids!: string[];
  readonly language!: Uint8Array;
  readonly name!: Int32Array;
  readonly label!: Int32Array;
  readonly doc!: Int32Array;
  readonly file!: Int32Array;
  readonly root!: Int32Array;
  readonly jsonlLine!: Int32Array;
  readonly archiveEntry!: Int32Array;
  readonly repo!: Int32Array;
  readonly recordPath!: Int32Array;
  readonly ranges!: Int32Array;
  readonly bodyOffsets!: Int32Array;
  readonly bodyTokens!: Int32Array;
  readonly contextOffsets!: Int32Array;
  readonly contexts!: Int32Array;
  readonly strings!: string[];

  /** Wraps arrays (no copy); throws `E_INTERNAL` if their lengths disagree. */
  constructor(data: SampleColumnsData) {
    Object.assign(this, data);
    const n = data.ids.length;
    const perSample = [data.language, data.name, data.label, data.doc, data.file, data.root, data.jsonlLine, data.archiveEntry, data.repo, data.recordPath];
    const ok =
      perSample.every((a) => a.length === n) &&
      data.ranges.length === 4 * n &&
      data.bodyOffsets.length === n + 1 &&
      data.contextOffsets.length === n + 1 &&
      data.bodyOffsets[n] === data.bodyTokens.length &&
      data.contextOffsets[n] === data.contexts.length;
    if (!ok) throw new EngineError(ERROR_CODES.INTERNAL, `sample columns have inconsistent lengths (${n} samples)`);
  }

  /** Number of samples. */
  get count(): number {
    return this.ids.length;
  }

  /** Body token ids of sample i (a view, not a copy). */
  body(i: number): Int32Array {
    return this.bodyTokens.subarray(this.bodyOffsets[i]!, this.bodyOffsets[i + 1]!);
  }

  /** Context triples of sample i (a view). */
  contextsOf(i: number): Int32Array {
    return this.contexts.subarray(this.contextOffsets[i]!, this.contextOffsets[i + 1]!);
  }

  /** Language of sample i. */
  languageOf(i: number): LanguageId {
    return LANGUAGE_IDS[this.language[i]!]!;
  }

  /** Label of sample i (`name|sub|tokens`). */
  labelOf(i: number): string {
    return this.strings[this.label[i]!]!;
  }

  private opt(id: number): string | undefined {
    return id < 0 ? undefined : this.strings[id];
  }

  /** Origin of sample i. */
  originOf(i: number): SampleOrigin {
    const o: SampleOrigin = { file: this.strings[this.file[i]!]!, root: this.root[i]! };
    if (this.jsonlLine[i]! > 0) o.jsonlLine = this.jsonlLine[i]!;
    const entry = this.opt(this.archiveEntry[i]!);
    if (entry !== undefined) o.archiveEntry = entry;
    const repo = this.opt(this.repo[i]!);
    if (repo !== undefined) o.repo = repo;
    const recordPath = this.opt(this.recordPath[i]!);
    if (recordPath !== undefined) o.recordPath = recordPath;
    return o;
  }

  /** Sample i as an `ExtractedSample` whose token arrays are views into the columns. */
  sample(i: number): ExtractedSample {
    const label = this.labelOf(i);
    const s: ExtractedSample = {
      id: this.ids[i]!,
      language: this.languageOf(i),
      origin: this.originOf(i),
      range: { startLine: this.ranges[4 * i]!, startColumn: this.ranges[4 * i + 1]!, endLine: this.ranges[4 * i + 2]!, endColumn: this.ranges[4 * i + 3]! },
      name: this.strings[this.name[i]!]!,
      nameSubtokens: label === '' ? [] : label.split('|'),
      bodyTokens: this.body(i),
      contexts: this.contextsOf(i),
    };
    const doc = this.opt(this.doc[i]!);
    if (doc !== undefined) s.doc = doc;
    return s;
  }

  /** All samples as `ExtractedSample`s (views; 200k small objects, no token copies). */
  toSamples(): ExtractedSample[] {
    const out = new Array<ExtractedSample>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.sample(i);
    return out;
  }

  /** Builds columns from samples (copies their token arrays into the shared ones). */
  static fromSamples(samples: Iterable<ExtractedSample>): SampleColumns {
    const b = new SampleColumnsBuilder();
    for (const s of samples) b.add(s);
    return b.build();
  }
}

/** An Int32Array that grows by half its size when full (less slack than doubling at 500 MB). */
class GrowableInt32 {
  data: Int32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }

  private reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    if (need > MAX_INT32_OFFSET) {
      throw new EngineError(ERROR_CODES.INTERNAL, `corpus too large for Int32 offsets (${need} ints); split the corpus`);
    }
    const next = new Int32Array(Math.min(MAX_INT32_OFFSET, Math.max(need, Math.ceil(this.data.length * 1.5))));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  push(v: number): void {
    this.reserve(1);
    this.data[this.length++] = v;
  }

  /** Makes room for `n` more values and returns where they go (the caller writes `data[at..at+n)`). */
  grow(n: number): number {
    this.reserve(n);
    const at = this.length;
    this.length += n;
    return at;
  }

  append(xs: ArrayLike<number>): void {
    this.reserve(xs.length);
    this.data.set(xs, this.length);
    this.length += xs.length;
  }

  /** Appends `xs[from..to)`, each plus `shift`. */
  appendShifted(xs: Int32Array, from: number, to: number, shift: number): void {
    this.reserve(to - from);
    const data = this.data;
    let at = this.length;
    for (let k = from; k < to; k++) data[at++] = xs[k]! + shift;
    this.length = at;
  }

  /** The filled part, as a view (the slack stays allocated until the builder is dropped). */
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

/** Rows of varying length: row i is `data[offsets[i]..offsets[i+1])` (offsets start with 0). */
class GrowableRows {
  readonly offsets = new GrowableInt32();
  readonly data: GrowableInt32;

  constructor(capacity: number) {
    this.data = new GrowableInt32(capacity);
    this.offsets.push(0);
  }

  push(row: ArrayLike<number>): void {
    this.data.append(row);
    this.offsets.push(this.data.length);
  }

  /** Appends `count` rows given as offsets (from 0) into `data`. */
  appendRows(offsets: Int32Array, data: Int32Array, count: number): void {
    this.offsets.appendShifted(offsets, 1, count + 1, this.data.length);
    this.data.append(data);
  }
}

/** The index of a sample's language in LANGUAGE_IDS (an unknown one is a bug upstream). */
function languageIndex(s: ExtractedSample): number {
  const lang = LANGUAGE_IDS.indexOf(s.language);
  if (lang < 0) throw new EngineError(ERROR_CODES.INTERNAL, `sample ${s.id} has unknown language ${String(s.language)}`);
  return lang;
}

/** Appends samples one at a time into columns, so a pipeline never needs to hold 200k sample objects. */
export class SampleColumnsBuilder {
  private readonly table = new StringTable();
  private readonly ids: string[] = [];
  private readonly language: number[] = [];
  private readonly meta = {
    name: new GrowableInt32(),
    label: new GrowableInt32(),
    doc: new GrowableInt32(),
    file: new GrowableInt32(),
    root: new GrowableInt32(),
    jsonlLine: new GrowableInt32(),
    archiveEntry: new GrowableInt32(),
    repo: new GrowableInt32(),
    recordPath: new GrowableInt32(),
  };
  private readonly ranges = new GrowableInt32();
  private readonly bodies = new GrowableRows(1 << 16);
  private readonly contexts = new GrowableRows(1 << 16);

  private optId(s: string | undefined): number {
    return s === undefined ? -1 : this.table.id(s);
  }

  /** Appends one sample; returns its index. */
  add(s: ExtractedSample): number {
    const index = this.ids.length;
    const lang = languageIndex(s);
    this.ids.push(s.id);
    this.language.push(lang);
    const m = this.meta;
    m.name.push(this.table.id(s.name));
    m.label.push(this.table.id(labelOf(s.nameSubtokens)));
    m.doc.push(this.optId(s.doc));
    m.file.push(this.table.id(s.origin.file));
    m.root.push(s.origin.root);
    m.jsonlLine.push(s.origin.jsonlLine ?? 0);
    m.archiveEntry.push(this.optId(s.origin.archiveEntry));
    m.repo.push(this.optId(s.origin.repo));
    m.recordPath.push(this.optId(s.origin.recordPath));
    const r = s.range;
    this.ranges.append([r.startLine, r.startColumn, r.endLine, r.endColumn]);
    this.bodies.push(s.bodyTokens);
    this.contexts.push(s.contexts);
    return index;
  }

  /**
   * Appends the samples of a batch (`SampleBatch`), in order: the same columns and string
   * table as adding them one by one (the batch's strings are in first-use order, so they enter
   * the table in the order `add` would have interned them).
   */
  addBatch(b: SampleBatch): void {
    const ref = new Int32Array(b.strings.length);
    for (let k = 0; k < b.strings.length; k++) ref[k] = this.table.id(b.strings[k]!);
    const opt = (local: number): number => (local < 0 ? -1 : ref[local]!);
    const m = this.meta;
    const ints = b.ints;
    for (let i = 0; i < b.count; i++) {
      const o = i * BATCH_INTS;
      this.ids.push(b.ids[i]!);
      this.language.push(ints[o]!);
      m.name.push(ref[ints[o + 1]!]!);
      m.label.push(ref[ints[o + 2]!]!);
      m.doc.push(opt(ints[o + 3]!));
      m.file.push(ref[ints[o + 4]!]!);
      m.root.push(ints[o + 5]!);
      m.jsonlLine.push(ints[o + 6]!);
      m.archiveEntry.push(opt(ints[o + 7]!));
      m.repo.push(opt(ints[o + 8]!));
      m.recordPath.push(opt(ints[o + 9]!));
    }
    for (let i = 0; i < b.count; i++) this.ranges.append(ints.subarray(i * BATCH_INTS + 10, i * BATCH_INTS + 14));
    this.bodies.appendRows(b.bodyOffsets, b.bodyTokens, b.count);
    this.contexts.appendRows(b.contextOffsets, b.contexts, b.count);
  }

  /** Number of samples added so far. */
  get count(): number {
    return this.ids.length;
  }

  /** The columns. The builder must not be used afterwards (the arrays are shared, not copied). */
  build(): SampleColumns {
    const m = this.meta;
    return new SampleColumns({
      ids: this.ids,
      language: Uint8Array.from(this.language),
      name: m.name.view(),
      label: m.label.view(),
      doc: m.doc.view(),
      file: m.file.view(),
      root: m.root.view(),
      jsonlLine: m.jsonlLine.view(),
      archiveEntry: m.archiveEntry.view(),
      repo: m.repo.view(),
      recordPath: m.recordPath.view(),
      ranges: this.ranges.view(),
      bodyOffsets: this.bodies.offsets.view(),
      bodyTokens: this.bodies.data.view(),
      contextOffsets: this.contexts.offsets.view(),
      contexts: this.contexts.data.view(),
      strings: this.table.strings,
    });
  }
}

/**
 * Ints per sample of a `SampleBatch`: language index, then string refs (name, label, doc, file),
 * root, JSONL line, string refs (archive entry, repo, record path), then the range's four ints.
 */
const BATCH_INTS = 14;

/**
 * Samples in columnar form, for moving a batch of them between threads: four typed arrays and
 * one of per-sample ints (all transferable) and two string arrays, instead of an object graph
 * per sample (which `postMessage` clones field by field, and transfers two buffers per sample).
 * Metadata strings are deduplicated within the batch (`strings`, in first-use order: a file's
 * path is sent once, not once per method); -1 refers to an absent one. Offsets start at 0.
 */
export interface SampleBatch {
  count: number;
  ids: string[];
  strings: string[];
  /** `BATCH_INTS` per sample. */
  ints: Int32Array;
  bodyOffsets: Int32Array;
  bodyTokens: Int32Array;
  contextOffsets: Int32Array;
  contexts: Int32Array;
}

/** Packs samples into a `SampleBatch`. */
export class SampleBatchBuilder {
  private readonly table = new StringTable();
  private readonly ids: string[] = [];
  private readonly ints = new GrowableInt32(64 * BATCH_INTS);
  private readonly bodies = new GrowableRows(1 << 14);
  private readonly contexts = new GrowableRows(1 << 16);

  private optId(s: string | undefined): number {
    return s === undefined ? -1 : this.table.id(s);
  }

  add(s: ExtractedSample): void {
    const lang = languageIndex(s);
    this.ids.push(s.id);
    const o = s.origin;
    const r = s.range;
    // The order of the string refs is the order `SampleColumnsBuilder.add` interns them in.
    const name = this.table.id(s.name);
    const label = this.table.id(labelOf(s.nameSubtokens));
    const doc = this.optId(s.doc);
    const file = this.table.id(o.file);
    const entry = this.optId(o.archiveEntry);
    const repo = this.optId(o.repo);
    const recordPath = this.optId(o.recordPath);
    const at = this.ints.grow(BATCH_INTS);
    const v = this.ints.data;
    v[at] = lang;
    v[at + 1] = name;
    v[at + 2] = label;
    v[at + 3] = doc;
    v[at + 4] = file;
    v[at + 5] = o.root;
    v[at + 6] = o.jsonlLine ?? 0;
    v[at + 7] = entry;
    v[at + 8] = repo;
    v[at + 9] = recordPath;
    v[at + 10] = r.startLine;
    v[at + 11] = r.startColumn;
    v[at + 12] = r.endLine;
    v[at + 13] = r.endColumn;
    this.bodies.push(s.bodyTokens);
    this.contexts.push(s.contexts);
  }

  get count(): number {
    return this.ids.length;
  }

  /** The batch; its arrays own their buffers exactly (they can be transferred). */
  build(): SampleBatch {
    const own = (g: GrowableInt32) => g.view().slice();
    return {
      count: this.ids.length,
      ids: this.ids,
      strings: this.table.strings,
      ints: own(this.ints),
      bodyOffsets: own(this.bodies.offsets),
      bodyTokens: own(this.bodies.data),
      contextOffsets: own(this.contexts.offsets),
      contexts: own(this.contexts.data),
    };
  }
}

/** The buffers of a batch, for `postMessage`'s transfer list. */
export function batchBuffers(b: SampleBatch): ArrayBuffer[] {
  return [b.ints, b.bodyOffsets, b.bodyTokens, b.contextOffsets, b.contexts].map((a) => a.buffer as ArrayBuffer);
}

/** Language index (into `LANGUAGE_IDS`) of sample i of a batch. */
export function batchLanguage(b: SampleBatch, i: number): number {
  return b.ints[i * BATCH_INTS]!;
}
