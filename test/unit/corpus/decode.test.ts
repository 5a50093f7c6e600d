import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeSource, firstInvalidUtf8, readSourceFileSync } from '../../../server/src/corpus/decode';
import { canBypassPermissions, makeTemp, removeTemp } from './helpers';

const enc = (s: string) => new TextEncoder().encode(s);

describe('decodeSource', () => {
  it('decodes UTF-8 and strips a UTF-8 byte order mark', () => {
    assert.deepEqual(decodeSource(enc('def f():\n  return "é"\n'), 1000), { text: 'def f():\n  return "é"\n' });
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...enc('x = 1')]);
    assert.deepEqual(decodeSource(withBom, 1000), { text: 'x = 1' });
  });

  it('calls a file with a NUL in the first 8 KiB binary, but not one with a NUL after it', () => {
    const early = enc('abc\u0000def');
    const r = decodeSource(early, 1000);
    assert.equal('skip' in r && r.skip, 'binary');
    assert.match((r as { detail: string }).detail, /offset 3/);
    const late = new Uint8Array(9000).fill(0x61);
    late[8500] = 0;
    assert.ok('text' in decodeSource(late, 10_000));
  });

  it('rejects invalid UTF-8 with the offset and line of the first bad byte', () => {
    const latin1 = new Uint8Array([...enc('a = 1\nb = "caf'), 0xe9, ...enc('"\n')]);
    const r = decodeSource(latin1, 1000);
    assert.ok('skip' in r);
    assert.equal(r.skip, 'not-utf8');
    assert.match(r.detail, /byte 14 \(line 2\)/);
  });

  it('names UTF-16 text by its byte order mark', () => {
    const utf16 = new Uint8Array([0xff, 0xfe, 0x61, 0x00, 0x62, 0x00]);
    const r = decodeSource(utf16, 1000);
    assert.ok('skip' in r);
    assert.equal(r.skip, 'not-utf8');
    assert.match(r.detail, /UTF-16LE/);
  });

  it('applies the size cap', () => {
    const r = decodeSource(enc('x'.repeat(11)), 10);
    assert.ok('skip' in r);
    assert.equal(r.skip, 'too-large');
    assert.ok('text' in decodeSource(enc('x'.repeat(10)), 10));
  });
});

describe('firstInvalidUtf8', () => {
  const cases: [string, number[], number][] = [
    ['ascii', [0x61, 0x62], -1],
    ['two-byte', [0xc3, 0xa9], -1],
    ['four-byte emoji', [0xf0, 0x9f, 0x98, 0x80], -1],
    ['stray continuation', [0x61, 0x80], 1],
    ['overlong C0', [0xc0, 0xaf], 0],
    ['overlong E0', [0xe0, 0x80, 0xaf], 0],
    ['surrogate', [0xed, 0xa0, 0x80], 0],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['truncated', [0x61, 0xe2, 0x82], 1],
    ['F5', [0xf5, 0x80, 0x80, 0x80], 0],
  ];
  for (const [name, bytes, expected] of cases) {
    it(`${name} → ${expected}`, () => {
      const b = new Uint8Array(bytes);
      assert.equal(firstInvalidUtf8(b), expected);
      // The validator must agree with the WHATWG decoder on validity.
      let valid = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(b);
      } catch {
        valid = false;
      }
      assert.equal(expected === -1, valid);
    });
  }
});

describe('readSourceFileSync', () => {
  let dir: string;
  before(() => {
    dir = makeTemp();
  });
  after(() => removeTemp(dir));

  it('reads a file', () => {
    const p = path.join(dir, 'ok.py');
    fs.writeFileSync(p, 'def f():\n    pass\n');
    assert.deepEqual(readSourceFileSync(p, 1000), { text: 'def f():\n    pass\n' });
  });

  it('skips a file over the cap without reading it all', () => {
    const p = path.join(dir, 'big.py');
    fs.writeFileSync(p, 'x'.repeat(2000));
    const r = readSourceFileSync(p, 100);
    assert.ok('skip' in r);
    assert.equal(r.skip, 'too-large');
  });

  it('reports a directory named like a source file as unreadable', () => {
    const p = path.join(dir, 'Folder.java');
    fs.mkdirSync(p);
    const r = readSourceFileSync(p, 1000);
    assert.ok('skip' in r);
    assert.equal(r.skip, 'unreadable');
    assert.match(r.detail, /directory/);
  });

  it('reports a vanished file and a dangling symlink as unreadable', () => {
    const r1 = readSourceFileSync(path.join(dir, 'missing.rb'), 1000);
    assert.ok('skip' in r1);
    assert.equal(r1.skip, 'unreadable');
    const link = path.join(dir, 'dangling.rb');
    fs.symlinkSync(path.join(dir, 'nowhere.rb'), link);
    const r2 = readSourceFileSync(link, 1000);
    assert.ok('skip' in r2);
    assert.equal(r2.skip, 'unreadable');
  });

  it('reports a symlink that points at itself as a symlink loop', () => {
    const link = path.join(dir, 'self.py');
    fs.symlinkSync(link, link);
    const r = readSourceFileSync(link, 1000);
    assert.ok('skip' in r);
    assert.equal(r.skip, 'symlink-loop');
  });

  it('does not block on a named pipe', { skip: process.platform === 'win32' ? 'no named pipes' : false }, () => {
    const fifo = path.join(dir, 'pipe.py');
    execFileSync('mkfifo', [fifo]);
    const r = readSourceFileSync(fifo, 1000);
    assert.ok('skip' in r);
    assert.equal(r.skip, 'unreadable');
    assert.match(r.detail, /pipe/);
  });

  it('reports a file without read permission as unreadable', (t) => {
    if (process.platform === 'win32' || canBypassPermissions(dir)) {
      t.skip('running as root (or with CAP_DAC_OVERRIDE): chmod 000 does not stop reads; unreadability is covered by the directory, dangling-symlink and pipe cases');
      return;
    }
    const p = path.join(dir, 'secret.py');
    fs.writeFileSync(p, 'x = 1');
    fs.chmodSync(p, 0o000);
    const r = readSourceFileSync(p, 1000);
    assert.ok('skip' in r);
    assert.equal(r.skip, 'unreadable');
    assert.match(r.detail, /EACCES|EPERM/);
  });
});
