/** Shared helpers of the corpus tests: temporary folders and stream collection. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The committed corpus fixtures (tests run from dist/test/unit/corpus). */
export const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/corpus');

/** A fresh temporary folder; remove it with `removeTemp`. */
export function makeTemp(prefix = 'memaudit-corpus-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Removes a temporary folder, restoring permissions first so that chmod-000 files do not block it. */
export function removeTemp(dir: string): void {
  const walk = (p: string): void => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) return;
    try {
      fs.chmodSync(p, 0o755);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  walk(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes files given as relative path → content (string or bytes), creating folders. */
export function writeTree(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
}

/** Collects an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

/** Whether this process can read a file despite mode 000 (true for root and CAP_DAC_OVERRIDE). */
export function canBypassPermissions(dir: string): boolean {
  const probe = path.join(dir, '.perm-probe');
  fs.writeFileSync(probe, 'x');
  fs.chmodSync(probe, 0o000);
  try {
    fs.readFileSync(probe);
    return true;
  } catch {
    return false;
  } finally {
    fs.chmodSync(probe, 0o644);
    fs.rmSync(probe);
  }
}
