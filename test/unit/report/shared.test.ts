/** The folder the extension bundles from the engine keeps its rule (server/src/report/shared/README.md). */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '../../../..');
const SHARED = path.join(ROOT, 'server/src/report/shared');

test('report/shared imports values only from itself and Node built-ins (types from anywhere)', () => {
  const files = fs.readdirSync(SHARED).filter((f) => f.endsWith('.ts'));
  assert.ok(files.includes('formats.ts'));
  for (const file of files) {
    const src = fs.readFileSync(path.join(SHARED, file), 'utf8');
    const imports = [...src.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gm)].map((m) => ({ typeOnly: Boolean(m[1]), from: m[2]! }));
    for (const i of imports) {
      const ok = i.typeOnly || i.from.startsWith('node:') || (i.from.startsWith('./') && !i.from.slice(2).includes('/'));
      assert.ok(ok, `${file}: value import from ${i.from}`);
    }
  }
});
