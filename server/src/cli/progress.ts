/**
 * Progress on stderr: a self-overwriting bar on a terminal, plain lines at most every few
 * seconds otherwise (CI logs stay readable).
 */
import type { CliIo } from './io';

export interface ProgressLine {
  /** 0..1 when known. */
  fraction?: number;
  text: string;
}

export class ProgressReporter {
  private lastPlain = 0;
  private drawn = false;

  constructor(
    private readonly io: CliIo,
    private readonly label: string,
    private readonly plainIntervalMs = 2000,
  ) {}

  update(p: ProgressLine): void {
    if (this.io.stderrIsTty) {
      const bar = p.fraction === undefined ? '' : `${renderBar(p.fraction, 24)} ${(p.fraction * 100).toFixed(0).padStart(3)}% `;
      // The text goes through `stderr` (made inert), the bar's control sequence through `control`.
      this.clearLine();
      this.io.stderr(`${this.label} ${bar}${p.text}`);
      this.drawn = true;
      return;
    }
    const now = Date.now();
    if (now - this.lastPlain < this.plainIntervalMs) return;
    this.lastPlain = now;
    const pct = p.fraction === undefined ? '' : ` ${(p.fraction * 100).toFixed(0)}%`;
    this.io.stderr(`${this.label}${pct} ${p.text}\n`);
  }

  /** Ends the bar (terminal) and prints a final line. */
  done(text: string): void {
    if (this.io.stderrIsTty && this.drawn) this.clearLine();
    this.io.stderr(`${this.label} ${text}\n`);
  }

  private clearLine(): void {
    (this.io.control ?? this.io.stderr)('\r\x1b[2K');
  }
}

function renderBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}
