/**
 * Snapshot tests: the extracted samples of every fixture, pinned in
 * test/fixtures/parse/snapshots/<lang>/<fixture>.json. Run with UPDATE_SNAPSHOTS=1 to rewrite
 * them after an intended change, and review the diff. Both native backends (the `tree-sitter`
 * binding and memaudit's flat addon, when built) must match the same snapshots.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractor, FLAT_SKIP, fixtures, run, SNAPSHOTS, snapshotOf } from './helpers';

const update = process.env['UPDATE_SNAPSHOTS'] === '1';

for (const backend of ['native', 'native-flat'] as const) {
  // (Snapshots are written from the binding's output only.)
  const skip = backend === 'native-flat' ? (update ? 'UPDATE_SNAPSHOTS writes from native' : FLAT_SKIP) : undefined;
  for (const f of fixtures()) {
    test(`snapshot (${backend}): ${f.file}`, { skip }, async () => {
      const ex = await extractor(backend);
      const actual = snapshotOf(ex, run(ex, f.language, f.text, f.file, { includeConstructors: true }));
      const file = path.join(SNAPSHOTS, `${f.file}.json`);
      if (update) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify(actual, null, 2) + '\n');
        return;
      }
      assert.ok(fs.existsSync(file), `no snapshot ${path.relative(process.cwd(), file)}: run the tests with UPDATE_SNAPSHOTS=1 to create it`);
      assert.deepEqual(actual, JSON.parse(fs.readFileSync(file, 'utf8')), `${f.file} differs from its snapshot (UPDATE_SNAPSHOTS=1 rewrites it)`);
    });
  }
}
