/**
 * Offsets to line/column. Tree-sitter rows and columns are not used: the native binding reports
 * columns in UTF-16 code units only because it parses JS strings as UTF-16, and relying on the
 * index arithmetic below keeps both backends and every platform identical. Lines end at `\n`
 * (a `\r` before it belongs to the line, as in tree-sitter); columns count UTF-16 code units,
 * as editors (LSP, VS Code) do.
 */
export class LineIndex {
  private starts: Int32Array | undefined;

  constructor(private readonly text: string) {}

  private lineStarts(): Int32Array {
    if (this.starts !== undefined) return this.starts;
    // One pass, into a buffer grown by doubling (a guess from the text's length first).
    let starts = new Int32Array(Math.max(16, (this.text.length >> 5) + 1));
    let k = 1;
    for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) {
      if (k === starts.length) {
        const bigger = new Int32Array(2 * k);
        bigger.set(starts);
        starts = bigger;
      }
      starts[k++] = i + 1;
    }
    this.starts = starts.subarray(0, k);
    return this.starts;
  }

  /** 0-based line of a UTF-16 offset (binary search over line starts). */
  line(offset: number): number {
    const starts = this.lineStarts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Offset where a 0-based line starts. */
  lineStart(line: number): number {
    return this.lineStarts()[line]!;
  }

  /** 0-based line and UTF-16 column of an offset. */
  position(offset: number): { line: number; column: number } {
    const line = this.line(offset);
    return { line, column: offset - this.lineStart(line) };
  }
}
