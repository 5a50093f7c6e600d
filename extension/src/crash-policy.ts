/**
 * When to restart the engine after a crash: exponential backoff (base × 2^(n−1), capped), where n
 * counts the crashes inside a sliding window; more than `maxCrashes` quick crashes in a row and the
 * client gives up (a server that dies at start would otherwise restart forever). A crash after a
 * long healthy run starts the count again. Pure: time comes in as an argument.
 */
export interface CrashPolicyOptions {
  /** Crashes tolerated inside `windowMs`; one more and the engine is not restarted. */
  maxCrashes: number;
  windowMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_CRASH_POLICY: CrashPolicyOptions = { maxCrashes: 5, windowMs: 3 * 60_000, baseDelayMs: 500, maxDelayMs: 30_000 };

export type CrashDecision =
  | { restart: true; delayMs: number; crashes: number }
  | { restart: false; crashes: number; reason: string };

export class CrashPolicy {
  private crashes: number[] = [];

  constructor(private readonly options: CrashPolicyOptions = DEFAULT_CRASH_POLICY) {}

  /** Records a crash at `now` (ms) and says whether and when to restart. */
  record(now: number): CrashDecision {
    const o = this.options;
    this.crashes = [...this.crashes.filter((t) => now - t < o.windowMs), now];
    const n = this.crashes.length;
    if (n > o.maxCrashes) {
      return { restart: false, crashes: n, reason: `the engine crashed ${n} times in ${Math.round(o.windowMs / 1000)} s` };
    }
    return { restart: true, delayMs: Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (n - 1)), crashes: n };
  }

  /** Forgets past crashes (a restart the user asked for). */
  reset(): void {
    this.crashes = [];
  }
}
