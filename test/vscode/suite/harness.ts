/**
 * A tiny test runner for inside the extension host (no mocha): cases run one after the other,
 * each with a time limit; failures are printed with their stack and make `runCases` reject, which
 * makes VS Code exit with a non-zero code. Pure: it imports nothing from `vscode`.
 */

export interface Case {
  name: string;
  /** Milliseconds before the case fails as timed out. */
  timeoutMs: number;
  fn: () => Promise<void>;
}

function withTimeout(p: Promise<void>, ms: number, name: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`"${name}" did not finish within ${ms} ms`)), ms);
    p.then(
      () => {
        clearTimeout(t);
        resolve();
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** Runs the cases in order; resolves when all passed, rejects naming the failed ones. */
export async function runCases(cases: readonly Case[], log: (line: string) => void = (l) => console.log(l)): Promise<void> {
  const failed: string[] = [];
  for (const c of cases) {
    const t0 = Date.now();
    try {
      await withTimeout(Promise.resolve().then(c.fn), c.timeoutMs, c.name);
      log(`ok - ${c.name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed.push(c.name);
      log(`not ok - ${c.name} (${Date.now() - t0} ms)\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }
  log(`${cases.length - failed.length} of ${cases.length} passed`);
  if (failed.length > 0) throw new Error(`${failed.length} of ${cases.length} VS Code test(s) failed: ${failed.join('; ')}`);
}
