/**
 * Write failures (util/fs-errors.ts): the system's codes mapped to one E_WRITE_FAILED error with
 * the path, the cause and the fix; the checks an audit makes before training; and the writers
 * (atomic files, cache bundles, checkpoints) failing on a full or read-only disk simulated through
 * the `writeFaults` seam, which keeps the old file whole.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, afterEach, test } from 'node:test';
import { isEngineError } from '../../../server/src/errors';
import { readBundle, writeBundle } from '../../../server/src/cache/bundle';
import { writeFileAtomic } from '../../../server/src/util/atomic';
import { checkWritableFile, checkWritableFolder, isFsError, writeError, writeFaults } from '../../../server/src/util/fs-errors';
import { tempDir } from '../../helpers/cli';

const work = tempDir('memaudit-write-');
after(() => work.cleanup());
afterEach(() => {
  delete writeFaults.before;
});

/** A system error as node's fs raises it. */
function errno(code: string, syscall = 'write'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated, ${syscall}`), { code, syscall, errno: -1 });
}

/** An assert.rejects/throws matcher: E_WRITE_FAILED whose message matches. */
function writeFailed(re: RegExp) {
  return (e: unknown) => {
    assert.ok(isEngineError(e), `an EngineError, got ${String(e)}`);
    assert.equal(e.code, 'E_WRITE_FAILED');
    assert.match(e.message, re);
    return true;
  };
}

const root = typeof process.getuid === 'function' && process.getuid() === 0;

test('each system code becomes one line: the path, the cause in words, the code and the fix', () => {
  const cases: [string, RegExp][] = [
    ['EROFS', /the file system is read-only \(EROFS\); choose a location on a writable file system/],
    ['EACCES', /permission denied \(EACCES\)/],
    ['EPERM', /not permitted \(EPERM\)/],
    ['ENOSPC', /the disk is full \(ENOSPC\); free some space/],
    ['EDQUOT', /quota/],
    ['ENOTDIR', /a part of the path is a file, not a folder \(ENOTDIR\)/],
    ['EEXIST', /a file is in the way/],
    ['EISDIR', /it is a folder, not a file/],
  ];
  for (const [code, re] of cases) {
    const e = writeError('/x/y.json', errno(code));
    assert.equal(e.code, 'E_WRITE_FAILED');
    assert.match(e.message, /^cannot write \/x\/y\.json: /);
    assert.match(e.message, re);
    assert.doesNotMatch(e.message, /\n/);
    assert.deepEqual(e.details, { file: '/x/y.json', errno: code });
  }
  assert.match(writeError('/x', errno('EROFS'), 'choose another folder with --out').message, /; choose another folder with --out$/);
  assert.ok(isFsError(errno('ENOSPC')));
  assert.ok(!isFsError(new Error('plain')));
});

test('checkWritableFolder: creates a missing folder; a file on the path or in the place is named', async () => {
  const fresh = path.join(work.dir, 'a', 'b', 'c');
  await checkWritableFolder(fresh);
  assert.ok(fs.statSync(fresh).isDirectory());
  assert.deepEqual(fs.readdirSync(fresh), [], 'the probe file is removed');
  const file = path.join(work.dir, 'plain.txt');
  fs.writeFileSync(file, 'x');
  await assert.rejects(checkWritableFolder(path.join(file, 'sub')), writeFailed(/plain\.txt\/sub: a part of the path is a file, not a folder \(ENOTDIR\)/));
  await assert.rejects(checkWritableFolder(file, 'choose another folder with --out'), writeFailed(/a file is in the way.*; choose another folder with --out$/));
});

test('checkWritableFile: a folder in the file’s place, or a file above it, is refused', async () => {
  const dir = path.join(work.dir, 'is-a-folder');
  fs.mkdirSync(dir);
  await assert.rejects(checkWritableFile(dir, 'choose another path for --junit'), writeFailed(/is-a-folder: it is a folder, not a file \(EISDIR\); choose another path for --junit$/));
  const file = path.join(work.dir, 'plain2.txt');
  fs.writeFileSync(file, 'x');
  await assert.rejects(checkWritableFile(path.join(file, 'report.xml')), writeFailed(/plain2\.txt\/report\.xml: a part of the path is a file/));
  await checkWritableFile(path.join(work.dir, 'new', 'report.xml'));
});

test('a read-only folder (chmod 0555) is refused with permission denied', async (t) => {
  if (root) {
    t.skip('running as root: chmod 0555 does not stop root from writing; the read-only case is covered by the injected EROFS below');
    return;
  }
  const ro = path.join(work.dir, 'ro');
  fs.mkdirSync(ro);
  fs.chmodSync(ro, 0o555);
  try {
    await assert.rejects(checkWritableFolder(path.join(ro, 'out')), writeFailed(/permission denied \(EACCES\)/));
    await assert.rejects(checkWritableFile(path.join(ro, 'r.xml')), writeFailed(/r\.xml: permission denied/));
  } finally {
    fs.chmodSync(ro, 0o755);
  }
});

test('a read-only file system (injected EROFS) is named as such by the check', async () => {
  writeFaults.before = (f) => {
    if (path.basename(f).startsWith('.memaudit-write-check')) throw errno('EROFS', 'open');
  };
  await assert.rejects(checkWritableFolder(path.join(work.dir, 'rofs')), writeFailed(/rofs: the file system is read-only \(EROFS\)/));
});

test('writeFileAtomic on a full disk: E_WRITE_FAILED naming the file, the old content kept, no temp file left', async () => {
  const dir = path.join(work.dir, 'atomic');
  const file = path.join(dir, 'report.json');
  await writeFileAtomic(file, 'old');
  writeFaults.before = (f) => {
    if (f === file) throw errno('ENOSPC');
  };
  await assert.rejects(writeFileAtomic(file, 'new'), writeFailed(/report\.json: the disk is full \(ENOSPC\)/));
  assert.equal(fs.readFileSync(file, 'utf8'), 'old');
  assert.deepEqual(fs.readdirSync(dir), ['report.json']);
});

test('writeBundle (checkpoints, dynamics, caches) on a full disk: E_WRITE_FAILED, the old bundle still reads', async () => {
  const file = path.join(work.dir, 'bundle', 'checkpoint.bin');
  await writeBundle(file, { kind: 'k', key: 'one', meta: {}, sections: { a: new Int32Array([1, 2, 3]) } });
  writeFaults.before = (f) => {
    if (f === file) throw errno('ENOSPC');
  };
  await assert.rejects(writeBundle(file, { kind: 'k', key: 'two', meta: {}, sections: { a: new Int32Array([4]) } }), writeFailed(/checkpoint\.bin: the disk is full/));
  delete writeFaults.before;
  assert.equal((await readBundle(file, 'k'))?.key, 'one');
  // A real failure too: the target's folder is a file.
  const blocked = path.join(work.dir, 'bundle', 'checkpoint.bin', 'x.bin');
  await assert.rejects(writeBundle(blocked, { kind: 'k', key: 'k', meta: {}, sections: {} }), writeFailed(/x\.bin: (a part of the path is a file|a file is in the way)/));
});
